/*
 * pt_internal.h: the per-format descriptor the generic core drives.
 *
 * A descriptor is plain data plus three small codec functions; the core never
 * tests which format it runs. Shared facts of all four families: 4 KiB table
 * frames, bit 0 of an entry is its valid/present bit, and the address field of
 * an entry is (pa >> pa_rshift) & addr_mask.
 *
 * Levels are numbered from the leaf: level 0 maps 4 KiB pages, level
 * levels-1 is the root. Entry size of level l is 1 << (12 + l * index_bits).
 */
#ifndef KK_PT_INTERNAL_H
#define KK_PT_INTERNAL_H

#include <kernkit/pagetable.h>
#include <kk_util.h>

struct kk_pt_desc {
    const char *name;
    enum kk_pt_format format;
    uint8_t levels;      /* table levels (2..5) */
    uint8_t index_bits;  /* VA bits per level (9 or 10) */
    uint8_t pte_bytes;   /* 8, or 4 for i386 */
    uint8_t pa_bits;     /* physical-address width */
    uint8_t pa_rshift;   /* address field = pa >> pa_rshift (RISC-V: 2) */
    uint8_t sign_extend; /* canonical VAs are sign-extended from the top VA bit */
    uint8_t bbm;         /* break-before-make for block<->table and attribute changes */
    uint8_t leaf_mask;   /* bit l set: leaves allowed at level l (bit 0 always) */
    uint64_t addr_mask;  /* entry bits holding the address */
    uint64_t table_bits; /* non-address bits of a table entry */
    uint64_t attr_mask;  /* leaf bits whose change needs break-before-make */
    /* Hardware A/D updates (pt_hw_stable()): a valid leaf with hw_a set, and
     * either (e & hw_d_mask) == hw_d_done (dirty already) or
     * (e & hw_w_mask) != hw_w_val (hardware never dirties it), is never
     * written by the MMU. hw_w_mask = 0 means "any leaf may be dirtied". */
    uint64_t hw_a, hw_d_mask, hw_d_done, hw_w_mask, hw_w_val;
    /* A valid entry at level l is a table iff (pte & table_mask[l]) == table_val[l]. */
    uint64_t table_mask[KK_PT_MAX_LEVELS];
    uint64_t table_val[KK_PT_MAX_LEVELS];
    /* 0 if the generic flags can be mapped, else KK_EINVAL. */
    int (*check_flags)(unsigned flags);
    /* Non-address bits of a leaf at @level carrying @flags (valid bit included). */
    uint64_t (*encode)(unsigned flags, unsigned level);
    /* Generic flags of the valid leaf @pte at @level. */
    unsigned (*decode)(uint64_t pte, unsigned level);
};

extern const struct kk_pt_desc kk_pt_desc_sv39;
extern const struct kk_pt_desc kk_pt_desc_sv48;
extern const struct kk_pt_desc kk_pt_desc_sv57;
extern const struct kk_pt_desc kk_pt_desc_x86_64_4l;
extern const struct kk_pt_desc kk_pt_desc_x86_64_5l;
extern const struct kk_pt_desc kk_pt_desc_aarch64_4k;
extern const struct kk_pt_desc kk_pt_desc_i386;

/* Low 12 bits shared by the x86_64 and i386 leaf formats (pte_x86_64.c). */
uint64_t kk_pt_x86_low_bits(unsigned flags, unsigned level);
unsigned kk_pt_x86_low_flags(uint64_t e);

/* Never a table at this level (level 0 of every format). */
#define KK_PT_NEVER_MASK 0u
#define KK_PT_NEVER_VAL  1u

#endif
