/* The aarch64 layouts, accessors and syndrome decoding, checked on any host
 * (plain C header). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/trapframe_aarch64.h>

#define ESR(ec, iss) (((uint64_t)(ec) << 26) | (1ull << 25) | (uint64_t)(iss))

static void test_syscall_accessors(void **state)
{
    (void)state;
    struct kk_user_context uc;
    memset(&uc, 0, sizeof(uc));
    for (unsigned i = 0; i < 31; i++)
        uc.x[i] = 0x1000 + i;
    uc.type = KK_A64_TRAP_SYNC;
    uc.esr = ESR(KK_A64_EC_SVC64, 0);
    uc.pc = 0x10004;
    uc.sp = 0x7000;
    uc.tpidr = 0x5000;
    assert_true(kk_uctx_is_syscall(&uc));
    assert_int_equal(kk_uctx_syscall_nr(&uc), 0x1000 + 8); /* x8 */
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(kk_uctx_arg(&uc, i), 0x1000 + i); /* x0..x5 */
    assert_int_equal(kk_uctx_arg(&uc, 6), 0);
    kk_uctx_set_ret(&uc, 77);
    assert_int_equal(uc.x[0], 77);
    assert_int_equal(kk_uctx_sp(&uc), 0x7000);
    kk_uctx_set_sp(&uc, 0x8000);
    assert_int_equal(uc.sp, 0x8000);
    assert_int_equal(kk_uctx_tls(&uc), 0x5000);
    kk_uctx_set_tls(&uc, 0x9000);
    assert_int_equal(uc.tpidr, 0x9000);
    assert_int_equal(kk_uctx_pc(&uc), 0x10004);
    kk_uctx_restart_syscall(&uc);
    assert_int_equal(kk_uctx_pc(&uc), 0x10000);
    kk_uctx_set_pc(&uc, 0x20000);
    assert_int_equal(uc.pc, 0x20000);
    /* An IRQ keeps a stale ESR: it is not a syscall. */
    uc.type = KK_A64_TRAP_IRQ;
    assert_false(kk_uctx_is_syscall(&uc));
    assert_int_equal(kk_uctx_esr_class(&uc), 0);
}

static void test_syndrome(void **state)
{
    (void)state;
    /* Data abort from EL0, write (WnR), level-2 translation fault (0x06). */
    struct kk_a64_syndrome s =
        kk_a64_syndrome_decode(ESR(KK_A64_EC_DABT_LOW, (1u << 6) | 0x06), 0x80400008);
    assert_int_equal(s.ec, KK_A64_EC_DABT_LOW);
    assert_true(s.far_valid);
    assert_true(s.is_write);
    assert_int_equal(s.fsc, 0x06);
    assert_int_equal(s.far, 0x80400008);
    /* FnV set: FAR not valid. */
    s = kk_a64_syndrome_decode(ESR(KK_A64_EC_DABT_CUR, (1u << 10) | 0x10), 0x1234);
    assert_false(s.far_valid);
    assert_int_equal(s.far, 0);
    assert_false(s.is_write);
    /* svc #0x42 and brk #0x3e8 carry their immediates; no FAR. */
    s = kk_a64_syndrome_decode(ESR(KK_A64_EC_SVC64, 0x42), 0xdead);
    assert_int_equal(s.imm16, 0x42);
    assert_false(s.far_valid);
    assert_int_equal(s.fsc, 0);
    s = kk_a64_syndrome_decode(ESR(KK_A64_EC_BRK64, 0x3e8), 0);
    assert_int_equal(s.ec, KK_A64_EC_BRK64);
    assert_int_equal(s.imm16, 0x3e8);
    /* Undefined instruction: EC 0. */
    s = kk_a64_syndrome_decode(ESR(KK_A64_EC_UNKNOWN, 0), 0);
    assert_int_equal(s.ec, KK_A64_EC_UNKNOWN);
    assert_int_equal(s.iss, 0);
}

static void test_layout(void **state)
{
    (void)state;
    struct kk_trapframe tf;
    memset(&tf, 0, sizeof(tf));
    /* Both frames share one layout so the entry code has one set of offsets. */
    assert_int_equal(sizeof(struct kk_user_context), sizeof(struct kk_trapframe));
    assert_int_equal(offsetof(struct kk_user_context, x[30]), KK_UC_X(30));
    assert_int_equal(offsetof(struct kk_trapframe, x[30]), KK_UC_X(30));
    assert_int_equal(offsetof(struct kk_trapframe, sp), KK_UC_SP);
    assert_int_equal(KK_TF_SIZE % 16, 0);
    assert_int_equal(sizeof(struct kk_fpu_state), 528);
    assert_int_equal(_Alignof(struct kk_fpu_state), 16);
    tf.pc = 0x40080000;
    tf.type = KK_A64_TRAP_SYNC;
    tf.esr = ESR(KK_A64_EC_UNKNOWN, 0);
    kk_tf_set_pc(&tf, kk_tf_pc(&tf) + 4);
    assert_int_equal(tf.pc, 0x40080004);
    assert_int_equal(kk_tf_cause(&tf), 0);
    tf.type = KK_A64_TRAP_IRQ;
    assert_int_equal(kk_tf_cause(&tf), (uint64_t)KK_A64_TRAP_IRQ << 32);
    tf.type = KK_A64_TRAP_SYNC;
    tf.esr = ESR(KK_A64_EC_DABT_CUR, 0x07);
    assert_int_equal(kk_tf_cause(&tf), KK_A64_EC_DABT_CUR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_accessors),
        cmocka_unit_test(test_syndrome),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
