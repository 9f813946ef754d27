/*
 * ref_walk.c: reference page-table walkers, written from the manuals:
 *  - RISC-V privileged spec, "Virtual Address Translation Process" (Sv39/48/57);
 *  - Intel SDM vol. 3A chapter 4 (4-level and 5-level paging, 32-bit paging);
 *  - Arm ARM D8 (VMSAv8-64, 4 KiB granule, 48-bit input, start level 0).
 * Kept deliberately literal; shares no code with the library.
 */
#include "ref_walk.h"

#include <string.h>

/* Bits 63..vabits-1 all equal (sign extension of the top VA bit). */
static int canonical(uint64_t va, unsigned vabits)
{
    uint64_t top = va >> (vabits - 1);
    return top == 0 || top == (~0ull >> (vabits - 1));
}

static int rd64(const struct arena *a, uint64_t pa, uint64_t *v)
{
    const uint8_t *p = arena_ptr(a, pa);
    if (!p)
        return REF_BAD;
    memcpy(v, p, 8);
    return 0;
}

static int rd32(const struct arena *a, uint64_t pa, uint32_t *v)
{
    const uint8_t *p = arena_ptr(a, pa);
    if (!p)
        return REF_BAD;
    memcpy(v, p, 4);
    return 0;
}

/* ---- RISC-V ---------------------------------------------------------------- */

static int riscv(const struct arena *a, unsigned levels, uint64_t root, uint64_t va,
                 struct ref_result *r, uint64_t *pte_pa)
{
    unsigned vabits = 12 + 9 * levels;
    if (!canonical(va, vabits))
        return REF_FAULT; /* bits 63..VALEN must equal bit VALEN-1 */
    uint64_t table = root;
    for (int i = (int)levels - 1; i >= 0; i--) {
        uint64_t vpn = (va >> (12 + 9 * i)) & 0x1ff, pte;
        uint64_t where = table + vpn * 8;
        if (rd64(a, where, &pte))
            return REF_BAD;
        unsigned v = pte & 1, rr = (pte >> 1) & 1, w = (pte >> 2) & 1, x = (pte >> 3) & 1;
        if (!v)
            return REF_FAULT;
        if (!rr && w)
            return REF_BAD;
        if ((pte >> 54) & 0x7f)
            return REF_BAD; /* reserved bits 60:54 */
        if ((pte >> 61) == 3 || (pte >> 63))
            return REF_BAD; /* PBMT=3 reserved; N (Svnapot) unused */
        uint64_t ppn = (pte >> 10) & ((1ull << 44) - 1);
        if (!rr && !x) {
            if (pte & 0xd0)
                return REF_BAD; /* non-leaf: D, A, U must be zero */
            if (pte >> 61)
                return REF_BAD; /* non-leaf: PBMT must be zero */
            table = ppn << 12;
            continue;
        }
        uint64_t low = (1ull << (9 * i)) - 1;
        if (ppn & low)
            return REF_BAD; /* misaligned superpage */
        r->size = 1ull << (12 + 9 * i);
        r->pa = (ppn << 12) | (va & (r->size - 1));
        unsigned f = 0;
        f |= rr ? KK_PT_R : 0;
        f |= w ? KK_PT_W : 0;
        f |= x ? KK_PT_X : 0;
        f |= (pte & 0x10) ? KK_PT_U : 0;
        f |= (pte & 0x20) ? KK_PT_G : 0;
        f |= (pte & 0x40) ? KK_PT_A : 0;
        f |= (pte & 0x80) ? KK_PT_D : 0;
        f |= (pte & 0x100) ? KK_PT_COW : 0;
        unsigned pbmt = (unsigned)(pte >> 61) & 3;
        f |= pbmt == 2 ? KK_PT_DEVICE : pbmt == 1 ? KK_PT_UNCACHED : 0;
        r->flags = f;
        *pte_pa = where;
        return 0;
    }
    return REF_FAULT;
}

/* Leaf flags of an Intel entry (4.x: G bit 8, A 5, D 6, PCD 4, PWT 3, software
 * bit 9 = COW); rw/us are the ANDed R/W and U/S bits of every level. */
static unsigned intel_leaf_flags(uint64_t e, unsigned rw, unsigned us)
{
    unsigned f = KK_PT_R;
    f |= rw ? KK_PT_W : 0;
    f |= us ? KK_PT_U : 0;
    f |= (e & 0x100) ? KK_PT_G : 0;
    f |= (e & 0x20) ? KK_PT_A : 0;
    f |= (e & 0x40) ? KK_PT_D : 0;
    f |= (e & 0x200) ? KK_PT_COW : 0;
    unsigned pcd = (e >> 4) & 1, pwt = (e >> 3) & 1;
    f |= (pcd && pwt) ? KK_PT_DEVICE : pcd ? KK_PT_UNCACHED : 0;
    return f;
}

/* ---- x86_64 --------------------------------------------------------------- */

static int x86_64(const struct arena *a, unsigned levels, uint64_t root, uint64_t va,
                  struct ref_result *r, uint64_t *pte_pa)
{
    unsigned vabits = levels == 5 ? 57 : 48;
    if (!canonical(va, vabits))
        return REF_FAULT; /* non-canonical: #GP in reality */
    const uint64_t addr = 0x000ffffffffff000ull;
    uint64_t table = root;
    unsigned rw = 1, us = 1, xd = 0;
    /* PML5 (if any), PML4, PDPT, PD, PT: bits 56:48, 47:39, 38:30, 29:21, 20:12 */
    for (int lvl = (int)levels - 1; lvl >= 0; lvl--) {
        unsigned shift = 12 + 9 * lvl;
        uint64_t e, where = table + ((va >> shift) & 0x1ff) * 8;
        if (rd64(a, where, &e))
            return REF_BAD;
        if (!(e & 1))
            return REF_FAULT;
        if ((e >> 52) & 0x7ff)
            return REF_BAD; /* bits 62:52 are ignored/protection keys: we keep them 0 */
        rw &= (e >> 1) & 1;
        us &= (e >> 2) & 1;
        xd |= (e >> 63) & 1;
        int leaf = lvl == 0 || ((lvl == 1 || lvl == 2) && (e & 0x80));
        if (lvl >= 3 && (e & 0x80))
            return REF_BAD; /* PS is reserved in PML4E/PML5E */
        if (!leaf) {
            table = e & addr;
            continue;
        }
        r->size = 1ull << shift;
        if (lvl > 0 && (e & ((r->size - 1) & addr & ~0x1000ull)))
            return REF_BAD; /* reserved low address bits of a large page */
        if (lvl > 0 && (e & 0x1000))
            return REF_BAD; /* PAT bit: we never use it */
        r->pa = (e & addr & ~(r->size - 1)) | (va & (r->size - 1));
        r->flags = intel_leaf_flags(e, rw, us) | (xd ? 0 : KK_PT_X);
        *pte_pa = where;
        return 0;
    }
    return REF_FAULT;
}

/* ---- AArch64 ------------------------------------------------------------------ */

static int aarch64(const struct arena *a, uint64_t root, uint64_t va, struct ref_result *r,
                   uint64_t *pte_pa)
{
    if (!canonical(va, 48))
        return REF_FAULT; /* outside both TTBR0 and TTBR1 regions */
    const uint64_t oa = 0x0000fffffffff000ull;
    uint64_t table = root;
    /* lookup levels 0..3 (Arm numbering): VA bits 47:39, 38:30, 29:21, 20:12 */
    for (int lookup = 0; lookup <= 3; lookup++) {
        unsigned shift = 39 - 9 * lookup;
        uint64_t d, where = table + ((va >> shift) & 0x1ff) * 8;
        if (rd64(a, where, &d))
            return REF_BAD;
        unsigned type = d & 3;
        if (!(type & 1))
            return REF_FAULT;
        if (lookup < 3 && type == 3) {
            if (d >> 59)
                return REF_BAD; /* APTable/XNTable/PXNTable: we never restrict */
            table = d & oa;
            continue;
        }
        if (lookup == 0 && type == 1)
            return REF_BAD; /* no level-0 blocks with 4K granule, 48-bit OA */
        if (lookup == 3 && type == 1)
            return REF_BAD; /* reserved at level 3 */
        r->size = 1ull << shift;
        if (d & oa & (r->size - 1))
            return REF_BAD; /* block output address must be aligned (res0 bits) */
        r->pa = (d & oa & ~(r->size - 1)) | (va & (r->size - 1));
        unsigned attr = (d >> 2) & 7, ap2 = (d >> 7) & 1, ap1 = (d >> 6) & 1;
        unsigned dbm = (d >> 51) & 1, pxn = (d >> 53) & 1, uxn = (d >> 54) & 1;
        if (((d >> 8) & 3) != 3)
            return REF_BAD; /* contract: inner shareable */
        if (ap1 ? !pxn : !uxn)
            return REF_BAD; /* contract: user pages never EL1-executable, kernel never EL0 */
        unsigned f = KK_PT_R;
        f |= ap1 ? KK_PT_U : 0;
        f |= (!ap2 || dbm) ? KK_PT_W : 0;
        f |= !ap2 ? KK_PT_D : 0;
        f |= (d & (1u << 10)) ? KK_PT_A : 0;
        f |= (d & (1u << 11)) ? 0 : KK_PT_G;
        f |= (ap1 ? !uxn : !pxn) ? KK_PT_X : 0;
        f |= ((d >> 55) & 1) ? KK_PT_COW : 0;
        f |= attr == 1 ? KK_PT_DEVICE : attr == 2 ? KK_PT_UNCACHED : 0;
        if (attr > 2)
            return REF_BAD;
        r->flags = f;
        *pte_pa = where;
        return 0;
    }
    return REF_FAULT;
}

/* ---- i386 ------------------------------------------------------------------ */

static int i386(const struct arena *a, uint64_t root, uint64_t va, struct ref_result *r,
                uint64_t *pte_pa)
{
    if (va >> 32)
        return REF_FAULT;
    uint32_t pde, pte;
    uint64_t where = root + ((va >> 22) & 0x3ff) * 4;
    if (rd32(a, where, &pde))
        return REF_BAD;
    if (!(pde & 1))
        return REF_FAULT;
    unsigned rw = (pde >> 1) & 1, us = (pde >> 2) & 1;
    uint32_t e = pde;
    if (pde & 0x80) { /* 4 MiB page (CR4.PSE) */
        if (pde & 0x3ff000)
            return REF_BAD; /* PAT, PSE-36 and reserved bits: unused */
        r->size = 4u << 20;
        r->pa = (pde & 0xffc00000u) | (va & 0x3fffff);
    } else {
        where = (pde & 0xfffff000u) + ((va >> 12) & 0x3ff) * 4;
        if (rd32(a, where, &pte))
            return REF_BAD;
        if (!(pte & 1))
            return REF_FAULT;
        if (pte & 0x80)
            return REF_BAD; /* PAT: unused */
        rw &= (pte >> 1) & 1;
        us &= (pte >> 2) & 1;
        e = pte;
        r->size = 4096;
        r->pa = (pte & 0xfffff000u) | (va & 0xfff);
    }
    r->flags = intel_leaf_flags(e, rw, us) | KK_PT_X;
    *pte_pa = where;
    return 0;
}

static int walk(const struct arena *a, enum kk_pt_format f, uint64_t root, uint64_t va,
                struct ref_result *r, uint64_t *pte_pa)
{
    switch (f) {
    case KK_PT_SV39:
        return riscv(a, 3, root, va, r, pte_pa);
    case KK_PT_SV48:
        return riscv(a, 4, root, va, r, pte_pa);
    case KK_PT_SV57:
        return riscv(a, 5, root, va, r, pte_pa);
    case KK_PT_X86_64_4L:
        return x86_64(a, 4, root, va, r, pte_pa);
    case KK_PT_X86_64_5L:
        return x86_64(a, 5, root, va, r, pte_pa);
    case KK_PT_AARCH64_4K:
        return aarch64(a, root, va, r, pte_pa);
    case KK_PT_I386:
        return i386(a, root, va, r, pte_pa);
    }
    return REF_BAD;
}

int ref_walk(const struct arena *a, enum kk_pt_format f, uint64_t root, uint64_t va,
             struct ref_result *r)
{
    uint64_t where;
    return walk(a, f, root, va, r, &where);
}

int ref_hw_set_ad(const struct arena *a, enum kk_pt_format f, uint64_t root, uint64_t va,
                  unsigned which)
{
    struct ref_result r;
    uint64_t where;
    int rc = walk(a, f, root, va, &r, &where);
    if (rc)
        return rc;
    uint8_t *p = arena_ptr(a, where);
    uint64_t e = 0;
    memcpy(&e, p, f == KK_PT_I386 ? 4 : 8);
    switch (f) {
    case KK_PT_SV39:
    case KK_PT_SV48:
    case KK_PT_SV57:
        e |= (which & KK_PT_A) ? 0x40 : 0;
        e |= (which & KK_PT_D) ? 0x80 : 0;
        break;
    case KK_PT_AARCH64_4K: /* AF; dirty = hardware DBM clears AP[2] */
        e |= (which & KK_PT_A) ? (1u << 10) : 0;
        if ((which & KK_PT_D) && ((e >> 51) & 1))
            e &= ~(1ull << 7);
        break;
    default:
        e |= (which & KK_PT_A) ? 0x20 : 0;
        e |= (which & KK_PT_D) ? 0x40 : 0;
        break;
    }
    memcpy(p, &e, f == KK_PT_I386 ? 4 : 8);
    return 0;
}

unsigned ref_expect_flags(enum kk_pt_format f, unsigned req)
{
    if (req & KK_PT_DEVICE)
        req &= ~KK_PT_UNCACHED;
    switch (f) {
    case KK_PT_AARCH64_4K:
        return (req & KK_PT_W) ? req : (req & ~KK_PT_D);
    case KK_PT_I386:
        return req | KK_PT_X;
    default:
        return req;
    }
}
