/*
 * pte_riscv.c: RISC-V Sv39, Sv48 and Sv57 entry formats (privileged spec,
 * "Supervisor-Level ISA", virtual-memory systems).
 *
 * Entry: V(0) R(1) W(2) X(3) U(4) G(5) A(6) D(7) RSW(9:8) PPN(53:10)
 * PBMT(62:61, Svpbmt) N(63). A valid entry with R=W=X=0 points to the next
 * table; any level may hold a leaf. KK_PT_COW is RSW bit 8. KK_PT_DEVICE
 * sets PBMT=IO and KK_PT_UNCACHED PBMT=NC: pass them only when the hart
 * implements Svpbmt (the bits are reserved otherwise).
 * Hardware A/D updates (Svadu) set A on an access and D on a permitted store
 * only: a leaf with A set and D set, or with W clear, is never written by the
 * MMU (flag rewrites of such leaves are plain stores).
 */
#include "pt_internal.h"

#define RV_V    (1ull << 0)
#define RV_R    (1ull << 1)
#define RV_W    (1ull << 2)
#define RV_X    (1ull << 3)
#define RV_U    (1ull << 4)
#define RV_G    (1ull << 5)
#define RV_A    (1ull << 6)
#define RV_D    (1ull << 7)
#define RV_COW  (1ull << 8)
#define RV_NC   (1ull << 61)
#define RV_IO   (2ull << 61)
#define RV_PBMT (3ull << 61)
#define RV_PPN  (((1ull << 44) - 1) << 10)
#define RV_RWX  (RV_R | RV_W | RV_X)

static int rv_check(unsigned flags)
{
    if (!(flags & (KK_PT_R | KK_PT_X)))
        return KK_EINVAL; /* R=W=X=0 would be a table pointer */
    if ((flags & KK_PT_W) && !(flags & KK_PT_R))
        return KK_EINVAL; /* W without R is reserved */
    return 0;
}

static uint64_t rv_encode(unsigned f, unsigned level)
{
    uint64_t e = RV_V;
    (void)level;
    e |= (f & KK_PT_R) ? RV_R : 0;
    e |= (f & KK_PT_W) ? RV_W : 0;
    e |= (f & KK_PT_X) ? RV_X : 0;
    e |= (f & KK_PT_U) ? RV_U : 0;
    e |= (f & KK_PT_G) ? RV_G : 0;
    e |= (f & KK_PT_A) ? RV_A : 0;
    e |= (f & KK_PT_D) ? RV_D : 0;
    e |= (f & KK_PT_COW) ? RV_COW : 0;
    if (f & KK_PT_DEVICE)
        e |= RV_IO;
    else if (f & KK_PT_UNCACHED)
        e |= RV_NC;
    return e;
}

static unsigned rv_decode(uint64_t e, unsigned level)
{
    unsigned f = 0;
    (void)level;
    f |= (e & RV_R) ? KK_PT_R : 0;
    f |= (e & RV_W) ? KK_PT_W : 0;
    f |= (e & RV_X) ? KK_PT_X : 0;
    f |= (e & RV_U) ? KK_PT_U : 0;
    f |= (e & RV_G) ? KK_PT_G : 0;
    f |= (e & RV_A) ? KK_PT_A : 0;
    f |= (e & RV_D) ? KK_PT_D : 0;
    f |= (e & RV_COW) ? KK_PT_COW : 0;
    if ((e & RV_PBMT) == RV_IO)
        f |= KK_PT_DEVICE;
    else if ((e & RV_PBMT) == RV_NC)
        f |= KK_PT_UNCACHED;
    return f;
}

#define RV_DESC(nm, fmt, lv)                                                                       \
    {                                                                                              \
        .name = nm, .format = fmt, .levels = lv, .index_bits = 9, .pte_bytes = 8, .pa_bits = 56,   \
        .pa_rshift = 2, .sign_extend = 1, .bbm = 0, .leaf_mask = (1u << (lv)) - 1,                 \
        .addr_mask = RV_PPN, .table_bits = RV_V, .attr_mask = RV_PBMT, .hw_a = RV_A,               \
        .hw_d_mask = RV_D, .hw_d_done = RV_D, .hw_w_mask = RV_W, .hw_w_val = RV_W,                 \
        .table_mask = {KK_PT_NEVER_MASK, RV_RWX, RV_RWX, RV_RWX, RV_RWX},                          \
        .table_val = {KK_PT_NEVER_VAL, 0, 0, 0, 0}, .check_flags = rv_check, .encode = rv_encode,  \
        .decode = rv_decode,                                                                       \
    }

const struct kk_pt_desc kk_pt_desc_sv39 = RV_DESC("sv39", KK_PT_SV39, 3);
const struct kk_pt_desc kk_pt_desc_sv48 = RV_DESC("sv48", KK_PT_SV48, 4);
const struct kk_pt_desc kk_pt_desc_sv57 = RV_DESC("sv57", KK_PT_SV57, 5);
