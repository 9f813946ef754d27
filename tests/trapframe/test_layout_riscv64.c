/* The riscv64 layouts and accessors, checked on any host (plain C header). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/trapframe_riscv64.h>

static void test_syscall_accessors(void **state)
{
    (void)state;
    struct kk_user_context uc;
    memset(&uc, 0, sizeof(uc));
    for (unsigned i = 0; i < 32; i++)
        uc.x[i] = 0x1000 + i;
    uc.scause = KK_RV_CAUSE_ECALL_U;
    uc.sepc = 0x10004;
    assert_true(kk_uctx_is_syscall(&uc));
    assert_int_equal(kk_uctx_syscall_nr(&uc), 0x1000 + 17); /* a7 */
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(kk_uctx_arg(&uc, i), 0x1000 + 10 + i); /* a0..a5 */
    assert_int_equal(kk_uctx_arg(&uc, 6), 0);
    kk_uctx_set_ret(&uc, 77);
    assert_int_equal(uc.x[10], 77);
    assert_int_equal(kk_uctx_sp(&uc), 0x1002);
    kk_uctx_set_sp(&uc, 0x8000);
    assert_int_equal(uc.x[2], 0x8000);
    assert_int_equal(kk_uctx_tls(&uc), 0x1004);
    kk_uctx_set_tls(&uc, 0x9000);
    assert_int_equal(uc.x[4], 0x9000);
    assert_int_equal(kk_uctx_pc(&uc), 0x10004);
    kk_uctx_restart_syscall(&uc);
    assert_int_equal(kk_uctx_pc(&uc), 0x10000);
    kk_uctx_set_pc(&uc, 0x20000);
    assert_int_equal(uc.sepc, 0x20000);
    uc.scause = KK_RV_CAUSE_INTR | 5;
    assert_false(kk_uctx_is_syscall(&uc));
}

static void test_layout(void **state)
{
    (void)state;
    struct kk_user_context uc;
    struct kk_trapframe tf;
    /* Both frames share one layout so the entry code has one set of offsets. */
    assert_int_equal(offsetof(struct kk_user_context, x[10]), KK_UC_X(10));
    assert_int_equal(offsetof(struct kk_trapframe, x[31]), KK_UC_X(31));
    assert_int_equal(sizeof(uc), sizeof(tf));
    tf.sepc = 0x80200000;
    tf.scause = 2;
    kk_tf_set_pc(&tf, kk_tf_pc(&tf) + 4);
    assert_int_equal(tf.sepc, 0x80200004);
    assert_int_equal(kk_tf_cause(&tf), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscall_accessors),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
