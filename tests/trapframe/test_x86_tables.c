/*
 * The x86_64 descriptor tables kk_trap_init() loads, built by the pure
 * builder and checked gate by gate and descriptor by descriptor (the loading
 * itself is privileged and runs only on a real kernel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "x86_internal.h"

static struct kk_trap_cpu cpu;
static _Alignas(16) uint8_t trap_stack[4096], ist_stack[4096];

static void handler(struct kk_trapframe *tf, void *ctx)
{
    (void)tf;
    (void)ctx;
}

static struct kk_trap_config base_cfg(void)
{
    struct kk_trap_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.cpu = &cpu;
    cfg.handler = handler;
    cfg.ctx = &cpu;
    cfg.trap_stack_top = (uint64_t)(uintptr_t)(trap_stack + sizeof(trap_stack));
    cfg.ist_stack_top = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack));
    cfg.user_int_vector = 0x80;
    return cfg;
}

static uint64_t gate_offset(const uint8_t *g)
{
    uint32_t hi;
    memcpy(&hi, g + 8, 4);
    return (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24 |
           (uint64_t)hi << 32;
}

static bool has_error_code(unsigned v)
{
    return v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 || v == 21 ||
           v == 29 || v == 30;
}

static void test_idt(void **state)
{
    (void)state;
    struct kk_trap_config cfg = base_cfg();
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), 0);
    assert_ptr_equal(cpu.self, &cpu);
    assert_ptr_equal(cpu.handler, handler);
    uint64_t stubs = (uint64_t)(uintptr_t)kk_x86_idt_stubs;
    for (unsigned v = 0; v < 256; v++) {
        const uint8_t *g = cpu.idt + 16 * v;
        assert_int_equal(gate_offset(g), stubs + 16 * v);
        assert_int_equal(g[2] | g[3] << 8, KK_X86_KERNEL_CS);
        bool user = v == 3 || v == 4 || v == 0x80;
        assert_int_equal(g[5], user ? 0xee : 0x8e);
        assert_int_equal(g[4], (v == 2 || v == 8 || v == 18) ? 1 : 0);
        /* The stub pushes a zero error code only when the CPU pushes none,
         * then the vector (imm8 or imm32). */
        const uint8_t *s = (const uint8_t *)(uintptr_t)(stubs + 16 * v);
        if (!has_error_code(v)) {
            assert_int_equal(s[0], 0x6a);
            assert_int_equal(s[1], 0);
            s += 2;
        }
        if (v < 128) {
            assert_int_equal(s[0], 0x6a);
            assert_int_equal(s[1], v);
        } else {
            uint32_t imm;
            memcpy(&imm, s + 1, 4);
            assert_int_equal(s[0], 0x68);
            assert_int_equal(imm, v);
        }
    }
    /* Without an IST stack nothing uses IST. */
    cfg.ist_stack_top = 0;
    cfg.user_int_vector = 0;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), 0);
    for (unsigned v = 0; v < 256; v++) {
        assert_int_equal(cpu.idt[16 * v + 4], 0);
        assert_int_equal(cpu.idt[16 * v + 5], (v == 3 || v == 4) ? 0xee : 0x8e);
    }
}

static void test_gdt_tss(void **state)
{
    (void)state;
    struct kk_trap_config cfg = base_cfg();
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), 0);
    uint64_t rsp0 = (uint64_t)cpu.tss[1] | (uint64_t)cpu.tss[2] << 32;
    uint64_t ist1 = (uint64_t)cpu.tss[9] | (uint64_t)cpu.tss[10] << 32;
    assert_int_equal(rsp0, cfg.trap_stack_top);
    assert_int_equal(ist1, cfg.ist_stack_top);
    assert_int_equal(cpu.tss[25] >> 16, 104); /* I/O map base past the limit */

    uint64_t lo = cpu.gdt[KK_X86_TSS_SEL >> 3], hi = cpu.gdt[(KK_X86_TSS_SEL >> 3) + 1];
    uint64_t base = ((lo >> 16) & 0xffffff) | ((lo >> 56) & 0xff) << 24 | hi << 32;
    assert_int_equal(base, (uint64_t)(uintptr_t)cpu.tss);
    assert_int_equal(lo & 0xffff, 103);
    assert_int_equal((lo >> 40) & 0xff, 0x89);

    /* Code/data descriptors: DPL, present, long mode, code vs data. */
    uint64_t kcs = cpu.gdt[KK_X86_KERNEL_CS >> 3], ucs = cpu.gdt[KK_X86_USER_CS >> 3];
    uint64_t kds = cpu.gdt[KK_X86_KERNEL_DS >> 3], uds = cpu.gdt[KK_X86_USER_DS >> 3];
    assert_int_equal((kcs >> 45) & 3, 0);
    assert_int_equal((ucs >> 45) & 3, 3);
    assert_int_equal((uds >> 45) & 3, 3);
    assert_int_equal((kds >> 45) & 3, 0);
    assert_true((kcs >> 53) & 1 && (ucs >> 53) & 1); /* L */
    assert_true((kcs >> 43) & 1 && (ucs >> 43) & 1); /* code */
    assert_false((kds >> 43) & 1 || (uds >> 43) & 1);
    for (unsigned i = 1; i < 6; i++)
        assert_true((cpu.gdt[i] >> 47) & 1); /* present */

    /* STAR gives sysret the user selectors and syscall the kernel ones. */
    uint64_t star = kk_x86_star();
    assert_int_equal((((star >> 48) & 0xffff) + 16) | 3, KK_X86_USER_CS);
    assert_int_equal((((star >> 48) & 0xffff) + 8) | 3, KK_X86_USER_DS);
    assert_int_equal((star >> 32) & 0xffff, KK_X86_KERNEL_CS);
    assert_int_equal(((star >> 32) & 0xffff) + 8, KK_X86_KERNEL_DS);
}

static void test_rejects(void **state)
{
    (void)state;
    struct kk_trap_config cfg = base_cfg();
    assert_int_equal(kk_x86_build_tables(&cpu, NULL), KK_EINVAL);
    assert_int_equal(kk_x86_build_tables(NULL, &cfg), KK_EINVAL);
    assert_int_equal(kk_x86_build_tables((struct kk_trap_cpu *)(void *)((char *)&cpu + 8), &cfg),
                     KK_EINVAL);
    cfg.size = 16;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.handler = NULL;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.trap_stack_top = 0;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.trap_stack_top += 8;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.ist_stack_top += 4;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.user_int_vector = 14; /* an exception vector must not be user-callable */
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
    cfg.user_int_vector = 256;
    assert_int_equal(kk_x86_build_tables(&cpu, &cfg), KK_EINVAL);
}

/* kk_trap_init() refuses bad arguments before any privileged instruction: in
 * user mode a cli would fault, so these calls return only if the checks come
 * first. */
static void test_init_rejects_before_cli(void **state)
{
    (void)state;
    struct kk_trap_config cfg = base_cfg();
    assert_int_equal(kk_trap_init(NULL), KK_EINVAL);
    cfg.cpu = NULL;
    assert_int_equal(kk_trap_init(&cfg), KK_EINVAL);
    cfg = base_cfg();
    cfg.cpu = &cpu;
    cfg.handler = NULL;
    assert_int_equal(kk_trap_init(&cfg), KK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idt),
        cmocka_unit_test(test_gdt_tss),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_init_rejects_before_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
