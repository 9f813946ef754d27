/*
 * pte_i386.c: i386 32-bit 2-level paging without PAE (Intel SDM vol. 3A,
 * 4.3 "32-bit paging").
 *
 * 32-bit entries: P(0) RW(1) US(2) PWT(3) PCD(4) A(5) D(6) PS(7, 4 MiB page
 * in a PDE; needs CR4.PSE) G(8) software(11:9) address(31:12). Physical
 * addresses are limited to 32 bits (PSE-36 is not used). There is no
 * execute-disable bit: every present page is readable and executable, so
 * decoded flags always carry KK_PT_R and KK_PT_X. KK_PT_DEVICE = PCD|PWT,
 * KK_PT_UNCACHED = PCD; KK_PT_COW is software bit 9.
 */
#include "pt_internal.h"

#define I386_P    (1u << 0)
#define I386_RW   (1u << 1)
#define I386_US   (1u << 2)
#define I386_PS   (1u << 7)
#define I386_PCD  (1u << 4)
#define I386_PWT  (1u << 3)
#define I386_ADDR 0xfffff000u

static int i386_check(unsigned flags)
{
    return (flags & KK_PT_R) ? 0 : KK_EINVAL;
}

/* Same low 12 bits as x86_64 (pte_x86_64.c); no XD bit. */
static uint64_t i386_encode(unsigned f, unsigned level)
{
    return kk_pt_x86_low_bits(f, level);
}

static unsigned i386_decode(uint64_t e, unsigned level)
{
    (void)level;
    return kk_pt_x86_low_flags(e) | KK_PT_X;
}

const struct kk_pt_desc kk_pt_desc_i386 = {
    .name = "i386",
    .format = KK_PT_I386,
    .levels = 2,
    .index_bits = 10,
    .pte_bytes = 4,
    .pa_bits = 32,
    .pa_rshift = 0,
    .sign_extend = 0,
    .bbm = 0,
    .leaf_mask = 0x3,
    .addr_mask = I386_ADDR,
    .table_bits = I386_P | I386_RW | I386_US,
    .attr_mask = I386_PCD | I386_PWT,
    .hw_a = 1u << 5, /* A and D both set: the MMU never writes the leaf */
    .hw_d_mask = 1u << 6,
    .hw_d_done = 1u << 6,
    .table_mask = {KK_PT_NEVER_MASK, I386_PS},
    .table_val = {KK_PT_NEVER_VAL, 0},
    .check_flags = i386_check,
    .encode = i386_encode,
    .decode = i386_decode,
};
