/*
 * pte_x86_64.c: x86_64 4-level and 5-level (LA57) paging entries (Intel SDM
 * vol. 3A, 4.5 "4-level paging and 5-level paging").
 *
 * Entry: P(0) RW(1) US(2) PWT(3) PCD(4) A(5) D(6) PS(7, leaf at PDPT/PD;
 * PAT at the PT level) G(8) software(11:9) address(51:12) XD(63).
 * 2 MiB (PD) and 1 GiB (PDPT) pages; PML4 and PML5 entries always point to
 * tables. Table entries are P|RW|US so the leaf alone decides access.
 * KK_PT_DEVICE = PCD|PWT (UC with the default PAT), KK_PT_UNCACHED = PCD
 * (UC-); !KK_PT_X sets XD (needs IA32_EFER.NXE). Present pages are always
 * readable. KK_PT_COW is software bit 9.
 * The MMU sets A and D itself; D even on a read-only page when CR0.WP=0
 * lets the kernel write it, so only a leaf with both A and D set is known
 * never to be written by hardware (same for i386).
 */
#include "pt_internal.h"

#define X86_P    (1ull << 0)
#define X86_RW   (1ull << 1)
#define X86_US   (1ull << 2)
#define X86_PWT  (1ull << 3)
#define X86_PCD  (1ull << 4)
#define X86_A    (1ull << 5)
#define X86_D    (1ull << 6)
#define X86_PS   (1ull << 7)
#define X86_G    (1ull << 8)
#define X86_COW  (1ull << 9)
#define X86_XD   (1ull << 63)
#define X86_ADDR 0x000ffffffffff000ull

static int x86_check(unsigned flags)
{
    return (flags & KK_PT_R) ? 0 : KK_EINVAL; /* a present page is readable */
}

/* The low 12 bits are common to x86_64 and i386 (32-bit paging) entries. */
uint64_t kk_pt_x86_low_bits(unsigned f, unsigned level)
{
    uint64_t e = X86_P;
    e |= (f & KK_PT_W) ? X86_RW : 0;
    e |= (f & KK_PT_U) ? X86_US : 0;
    e |= (f & KK_PT_G) ? X86_G : 0;
    e |= (f & KK_PT_A) ? X86_A : 0;
    e |= (f & KK_PT_D) ? X86_D : 0;
    e |= (f & KK_PT_COW) ? X86_COW : 0;
    e |= level ? X86_PS : 0;
    if (f & KK_PT_DEVICE)
        e |= X86_PCD | X86_PWT;
    else if (f & KK_PT_UNCACHED)
        e |= X86_PCD;
    return e;
}

unsigned kk_pt_x86_low_flags(uint64_t e)
{
    unsigned f = KK_PT_R;
    f |= (e & X86_RW) ? KK_PT_W : 0;
    f |= (e & X86_US) ? KK_PT_U : 0;
    f |= (e & X86_G) ? KK_PT_G : 0;
    f |= (e & X86_A) ? KK_PT_A : 0;
    f |= (e & X86_D) ? KK_PT_D : 0;
    f |= (e & X86_COW) ? KK_PT_COW : 0;
    if ((e & (X86_PCD | X86_PWT)) == (X86_PCD | X86_PWT))
        f |= KK_PT_DEVICE;
    else if (e & X86_PCD)
        f |= KK_PT_UNCACHED;
    return f;
}

static uint64_t x86_encode(unsigned f, unsigned level)
{
    return kk_pt_x86_low_bits(f, level) | ((f & KK_PT_X) ? 0 : X86_XD);
}

static unsigned x86_decode(uint64_t e, unsigned level)
{
    (void)level;
    return kk_pt_x86_low_flags(e) | ((e & X86_XD) ? 0 : KK_PT_X);
}

#define X86_DESC(nm, fmt, lv)                                                                      \
    {                                                                                              \
        .name = nm, .format = fmt, .levels = lv, .index_bits = 9, .pte_bytes = 8, .pa_bits = 52,   \
        .pa_rshift = 0, .sign_extend = 1, .bbm = 0, .leaf_mask = 0x7, .addr_mask = X86_ADDR,       \
        .table_bits = X86_P | X86_RW | X86_US, .attr_mask = X86_PCD | X86_PWT, .hw_a = X86_A,      \
        .hw_d_mask = X86_D, .hw_d_done = X86_D,                                                    \
        .table_mask = {KK_PT_NEVER_MASK, X86_PS, X86_PS, 0, 0},                                    \
        .table_val = {KK_PT_NEVER_VAL, 0, 0, 0, 0}, .check_flags = x86_check,                      \
        .encode = x86_encode, .decode = x86_decode,                                                \
    }

const struct kk_pt_desc kk_pt_desc_x86_64_4l = X86_DESC("x86_64-4l", KK_PT_X86_64_4L, 4);
const struct kk_pt_desc kk_pt_desc_x86_64_5l = X86_DESC("x86_64-5l", KK_PT_X86_64_5L, 5);
