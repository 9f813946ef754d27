/*
 * pte_aarch64.c: AArch64 VMSAv8-64 stage 1, 4 KiB granule, 48-bit VA,
 * 4 levels (Arm ARM D8 "The AArch64 Virtual Memory System Architecture").
 *
 * Descriptor: bits[1:0] 0b11 table (levels 1-3 in our numbering) or page
 * (level 0), 0b01 block (2 MiB at level 1, 1 GiB at level 2); AttrIndx[4:2]
 * (MAIR index: 0 normal write-back, 1 Device-nGnRE, 2 normal non-cacheable,
 * the host programs MAIR_EL1 accordingly) AP[2:1] bits 7:6 (AP[1] = EL0
 * access, AP[2] = read-only) SH[9:8] = inner shareable, AF(10), nG(11),
 * address(47:12), DBM(51), PXN(53), UXN(54), software(58:55).
 * Generic flags: KK_PT_W sets DBM; the page is writable right away only with
 * KK_PT_D (AP[2]=0), W without D is writable-clean (AP[2]=1, DBM=1: a
 * write faults unless FEAT_HAFDBS updates it). KK_PT_A is AF (an access with
 * AF=0 faults unless the hardware manages it). KK_PT_X clears UXN for user
 * pages (PXN stays set) and PXN for kernel pages (UXN stays set). KK_PT_COW
 * is software bit 55. Changing block<->table or the memory type uses
 * break-before-make.
 * FEAT_HAFDBS sets AF, and clears AP[2] only where DBM is set: a leaf with AF
 * set and either DBM clear or AP[2] already clear is never written by the MMU.
 */
#include "pt_internal.h"

#define A64_VALID   (1ull << 0)
#define A64_TABLE   (1ull << 1) /* table (levels 1-3) or page (level 0) */
#define A64_ATTR(i) ((uint64_t)(i) << 2)
#define A64_ATTRMSK (7ull << 2)
#define A64_AP_EL0  (1ull << 6)
#define A64_AP_RO   (1ull << 7)
#define A64_SH_IS   (3ull << 8)
#define A64_AF      (1ull << 10)
#define A64_NG      (1ull << 11)
#define A64_DBM     (1ull << 51)
#define A64_PXN     (1ull << 53)
#define A64_UXN     (1ull << 54)
#define A64_COW     (1ull << 55)
#define A64_ADDR    0x0000fffffffff000ull

enum { ATTR_NORMAL = 0, ATTR_DEVICE = 1, ATTR_NC = 2 };

static int a64_check(unsigned flags)
{
    return (flags & KK_PT_R) ? 0 : KK_EINVAL;
}

static uint64_t a64_encode(unsigned f, unsigned level)
{
    uint64_t e = A64_VALID | (level ? 0 : A64_TABLE) | A64_SH_IS;
    if (f & KK_PT_DEVICE)
        e |= A64_ATTR(ATTR_DEVICE);
    else if (f & KK_PT_UNCACHED)
        e |= A64_ATTR(ATTR_NC);
    e |= (f & KK_PT_U) ? A64_AP_EL0 : 0;
    e |= (f & KK_PT_W) ? A64_DBM : 0;
    e |= ((f & KK_PT_W) && (f & KK_PT_D)) ? 0 : A64_AP_RO;
    e |= (f & KK_PT_A) ? A64_AF : 0;
    e |= (f & KK_PT_G) ? 0 : A64_NG;
    e |= (f & KK_PT_COW) ? A64_COW : 0;
    if (f & KK_PT_U)
        e |= A64_PXN | ((f & KK_PT_X) ? 0 : A64_UXN);
    else
        e |= A64_UXN | ((f & KK_PT_X) ? 0 : A64_PXN);
    return e;
}

static unsigned a64_decode(uint64_t e, unsigned level)
{
    unsigned f = KK_PT_R;
    (void)level;
    f |= (e & A64_AP_EL0) ? KK_PT_U : 0;
    f |= (e & A64_DBM) ? KK_PT_W : 0;
    f |= ((e & A64_DBM) && !(e & A64_AP_RO)) ? KK_PT_D : 0;
    f |= (e & A64_AF) ? KK_PT_A : 0;
    f |= (e & A64_NG) ? 0 : KK_PT_G;
    f |= (e & A64_COW) ? KK_PT_COW : 0;
    if (!(e & ((f & KK_PT_U) ? A64_UXN : A64_PXN)))
        f |= KK_PT_X;
    if ((e & A64_ATTRMSK) == A64_ATTR(ATTR_DEVICE))
        f |= KK_PT_DEVICE;
    else if ((e & A64_ATTRMSK) == A64_ATTR(ATTR_NC))
        f |= KK_PT_UNCACHED;
    return f;
}

const struct kk_pt_desc kk_pt_desc_aarch64_4k = {
    .name = "aarch64-4k",
    .format = KK_PT_AARCH64_4K,
    .levels = 4,
    .index_bits = 9,
    .pte_bytes = 8,
    .pa_bits = 48,
    .pa_rshift = 0,
    .sign_extend = 1,
    .bbm = 1,
    .leaf_mask = 0x7,
    .addr_mask = A64_ADDR,
    .table_bits = A64_VALID | A64_TABLE,
    .attr_mask = A64_ATTRMSK,
    .hw_a = A64_AF,
    .hw_d_mask = A64_DBM | A64_AP_RO,
    .hw_d_done = A64_DBM,
    .hw_w_mask = A64_DBM,
    .hw_w_val = A64_DBM,
    .table_mask = {KK_PT_NEVER_MASK, 3, 3, 3, 3},
    .table_val = {KK_PT_NEVER_VAL, 3, 3, 3, 3},
    .check_flags = a64_check,
    .encode = a64_encode,
    .decode = a64_decode,
};
