/*
 * Hosted tests of the x86_64 trapframe: the fncall mode runs "user" code at
 * the test's own privilege through the real save/restore sequences, and the
 * kernel-thread context switch runs on the test's own stacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/trapframe.h>

#define NO_ASAN __attribute__((no_sanitize("address")))

/* ---- user programs (run by kk_uctx_run_fncall) -------------------------- */

/* Values the user program loads before its first trap, in struct order. */
static const uint64_t first_vals[15] = {
    0x7101010101010101ull, 0x7202020202020202ull, 0x7303030303030303ull, 0x7404040404040404ull,
    0x7505050505050505ull, 0x7606060606060606ull, 0x7707070707070707ull, 0x7808080808080808ull,
    0x7909090909090909ull, 0x7a0a0a0a0a0a0a0aull, 0x7b0b0b0b0b0b0b0bull, 0x7c0c0c0c0c0c0c0cull,
    0x7d0d0d0d0d0d0d0dull, 0x7e0e0e0e0e0e0e0eull, 0x7f0f0f0f0f0f0f0full,
};

void user_regs_prog(void);
void user_regs_after1(void);
uint64_t user_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                       uint64_t a5);

/*
 * user_regs_prog: load first_vals into rax rbx rcx rdx rsi rdi rbp r8..r15,
 * set DF, trap; on resume push rflags then rax..r15 as it sees them, trap.
 * user_syscall6: C ABI -> syscall registers (rax, rdi, rsi, rdx, r10, r8, r9).
 */
__asm__(".text\n"
        ".globl user_regs_prog\n"
        "user_regs_prog:\n"
        "  movabs $0x7101010101010101, %rax\n"
        "  movabs $0x7202020202020202, %rbx\n"
        "  movabs $0x7303030303030303, %rcx\n"
        "  movabs $0x7404040404040404, %rdx\n"
        "  movabs $0x7505050505050505, %rsi\n"
        "  movabs $0x7606060606060606, %rdi\n"
        "  movabs $0x7707070707070707, %rbp\n"
        "  movabs $0x7808080808080808, %r8\n"
        "  movabs $0x7909090909090909, %r9\n"
        "  movabs $0x7a0a0a0a0a0a0a0a, %r10\n"
        "  movabs $0x7b0b0b0b0b0b0b0b, %r11\n"
        "  movabs $0x7c0c0c0c0c0c0c0c, %r12\n"
        "  movabs $0x7d0d0d0d0d0d0d0d, %r13\n"
        "  movabs $0x7e0e0e0e0e0e0e0e, %r14\n"
        "  movabs $0x7f0f0f0f0f0f0f0f, %r15\n"
        "  std\n"
        "  call kk_fncall_trap\n"
        ".globl user_regs_after1\n"
        "user_regs_after1:\n"
        "  pushfq\n"
        "  push %rax\n  push %rbx\n  push %rcx\n  push %rdx\n  push %rsi\n"
        "  push %rdi\n  push %rbp\n  push %r8\n  push %r9\n  push %r10\n"
        "  push %r11\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  cld\n"
        "  call kk_fncall_trap\n"
        "  ud2\n"
        ".globl user_syscall6\n"
        "user_syscall6:\n"
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  mov %rdx, %rsi\n"
        "  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n"
        "  mov %r9, %r8\n"
        "  mov 8(%rsp), %r9\n"
        "  call kk_fncall_trap\n"
        "  ret\n");

static _Alignas(16) uint8_t user_stack[64 * 1024];

static uint64_t user_stack_top(void)
{
    return (uint64_t)(uintptr_t)(user_stack + sizeof(user_stack));
}

static uint64_t *uc_gpr(struct kk_user_context *uc, unsigned i)
{
    static const size_t off[15] = {
        KK_UC_RAX, KK_UC_RBX, KK_UC_RCX, KK_UC_RDX, KK_UC_RSI, KK_UC_RDI, KK_UC_RBP, KK_UC_R8,
        KK_UC_R9,  KK_UC_R10, KK_UC_R11, KK_UC_R12, KK_UC_R13, KK_UC_R14, KK_UC_R15,
    };
    return (uint64_t *)(void *)((char *)uc + off[i]);
}

static uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static uint32_t read_mxcsr(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

#define RFLAGS_CF 0x1ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_IF 0x200ull

static void test_every_gpr_round_trip(void **state)
{
    (void)state;
    struct kk_user_context uc;
    memset(&uc, 0, sizeof(uc));
    uc.rip = (uint64_t)(uintptr_t)user_regs_prog;
    uc.rsp = user_stack_top();

    assert_int_equal(kk_uctx_run_fncall(&uc), 0);
    /* The host is back with DF clear although the user set it. */
    assert_int_equal(read_rflags() & RFLAGS_DF, 0);
    assert_int_equal(uc.vector, KK_X86_TRAP_SYSCALL);
    assert_true(kk_uctx_is_syscall(&uc));
    for (unsigned i = 0; i < 15; i++)
        assert_int_equal(*uc_gpr(&uc, i), first_vals[i]);
    assert_int_equal(uc.rip, (uint64_t)(uintptr_t)user_regs_after1);
    assert_int_equal(uc.rsp, user_stack_top());
    assert_int_equal(uc.rflags & RFLAGS_DF, RFLAGS_DF);

    /* Modify every register, clear DF, set CF; the user pushes what it sees. */
    uint64_t second[15];
    for (unsigned i = 0; i < 15; i++) {
        second[i] = ~first_vals[i] ^ ((uint64_t)i << 40);
        *uc_gpr(&uc, i) = second[i];
    }
    uc.rflags = (uc.rflags & ~RFLAGS_DF) | RFLAGS_CF;
    assert_int_equal(kk_uctx_run_fncall(&uc), 0);
    assert_int_equal(read_rflags() & RFLAGS_DF, 0);
    const uint64_t *pushed = (const uint64_t *)(uintptr_t)uc.rsp;
    /* pushed[0] = r15 ... pushed[14] = rax, pushed[15] = rflags */
    for (unsigned i = 0; i < 15; i++)
        assert_int_equal(pushed[14 - i], second[i]);
    assert_int_equal(pushed[15] & (RFLAGS_CF | RFLAGS_DF), RFLAGS_CF);
    assert_int_equal(uc.rsp, user_stack_top() - 16 * 8);
    assert_int_equal(kk_uctx_run_fncall(NULL), KK_EINVAL);
    assert_int_equal(uc.rflags & RFLAGS_DF, 0);
}

/* A C user program: six-argument syscalls; its results come back via syscalls. */
enum { SYS_ADD6 = 1, SYS_REPORT = 2, SYS_EXIT = 3, SYS_MXCSR = 4 };

NO_ASAN static void user_c_prog(void)
{
    uint64_t sum = user_syscall6(SYS_ADD6, 1, 2, 3, 4, 5, 6);
    user_syscall6(SYS_REPORT, sum, 0, 0, 0, 0, 0);
    /* Round-toward-zero, exceptions masked: the host must not inherit it. */
    uint32_t rz = 0x7f80, seen;
    __asm__ volatile("ldmxcsr %0" : : "m"(rz));
    user_syscall6(SYS_MXCSR, 0, 0, 0, 0, 0, 0);
    __asm__ volatile("stmxcsr %0" : "=m"(seen));
    user_syscall6(SYS_REPORT, seen, 0, 0, 0, 0, 0);
    for (;;)
        user_syscall6(SYS_EXIT, 0, 0, 0, 0, 0, 0);
}

static void test_syscalls_from_c(void **state)
{
    (void)state;
    struct kk_user_context uc;
    memset(&uc, 0, sizeof(uc));
    kk_uctx_set_pc(&uc, (uint64_t)(uintptr_t)user_c_prog);
    kk_uctx_set_sp(&uc, user_stack_top() - 8); /* as after a call */
    uint64_t reports[4];
    unsigned nreports = 0, nmxcsr = 0;
    uint32_t host_mxcsr = read_mxcsr();
    for (;;) {
        assert_int_equal(kk_uctx_run_fncall(&uc), 0);
        assert_true(kk_uctx_is_syscall(&uc));
        assert_int_equal(read_mxcsr(), host_mxcsr);
        uint64_t nr = kk_uctx_syscall_nr(&uc);
        if (nr == SYS_EXIT)
            break;
        if (nr == SYS_ADD6) {
            for (unsigned i = 0; i < 6; i++)
                assert_int_equal(kk_uctx_arg(&uc, i), i + 1);
            assert_int_equal(kk_uctx_arg(&uc, 6), 0);
            uint64_t s = 0;
            for (unsigned i = 0; i < 6; i++)
                s = s * 10 + kk_uctx_arg(&uc, i);
            kk_uctx_set_ret(&uc, s);
        } else if (nr == SYS_REPORT) {
            assert_true(nreports < 4);
            reports[nreports++] = kk_uctx_arg(&uc, 0);
        } else if (nr == SYS_MXCSR) {
            nmxcsr++;
            assert_int_equal(uc.mxcsr, 0x7f80);
        } else {
            fail_msg("unexpected syscall %llu", (unsigned long long)nr);
        }
    }
    assert_int_equal(nreports, 2);
    assert_int_equal(nmxcsr, 1);
    assert_int_equal(reports[0], 123456);
    assert_int_equal(reports[1], 0x7f80);
}

static void test_syscall_restart(void **state)
{
    (void)state;
    struct kk_user_context uc;
    memset(&uc, 0, sizeof(uc));
    uc.rip = 0x401000;
    uc.rcx = 0x401000;
    kk_uctx_set_pc(&uc, 0x402002);
    assert_int_equal(kk_uctx_pc(&uc), 0x402002);
    assert_int_equal(uc.rcx, 0x402002); /* still sysret-able */
    kk_uctx_restart_syscall(&uc);
    assert_int_equal(kk_uctx_pc(&uc), 0x402000);
    kk_uctx_set_tls(&uc, 0x7000);
    assert_int_equal(kk_uctx_tls(&uc), 0x7000);
    assert_int_equal(uc.fs_base, 0x7000);
    uc.rcx = 5; /* unrelated to rip: set_pc leaves it alone */
    kk_uctx_set_pc(&uc, 0x1234);
    assert_int_equal(uc.rcx, 5);
}

/* ---- kernel-thread context switch --------------------------------------- */

static struct kk_context main_ctx, t1_ctx, t2_ctx;
static char trace[64];
static unsigned ntrace;

NO_ASAN static void thread_fn(void *arg)
{
    const char *name = arg;
    struct kk_context *self = name[0] == 'a' ? &t1_ctx : &t2_ctx;
    struct kk_context *next = name[0] == 'a' ? &t2_ctx : &main_ctx;
    for (unsigned i = 0; i < 3; i++) {
        trace[ntrace++] = name[0];
        kk_context_switch(self, next);
    }
    for (;;)
        kk_context_switch(self, &main_ctx);
}

static _Alignas(16) uint8_t stack1[32 * 1024], stack2[32 * 1024];

NO_ASAN static void test_context_ping_pong(void **state)
{
    (void)state;
    ntrace = 0;
    assert_int_equal(kk_context_init(&t1_ctx, stack1, sizeof(stack1), thread_fn, "a"), 0);
    assert_int_equal(kk_context_init(&t2_ctx, stack2, sizeof(stack2), thread_fn, "b"), 0);
    assert_int_equal(t1_ctx.rsp % 16, 0);
    assert_true(t1_ctx.rsp <= (uint64_t)(uintptr_t)(stack1 + sizeof(stack1)));
    for (unsigned i = 0; i < 3; i++) {
        trace[ntrace++] = 'm';
        kk_context_switch(&main_ctx, &t1_ctx);
    }
    trace[ntrace] = 0;
    assert_string_equal(trace, "mabmabmab");
}

/* Callee-saved registers survive a switch even if the other thread clobbers them. */
uint64_t switch_keeps_callee_saved(struct kk_context *from, struct kk_context *to);
void clobber_thread(void *arg);
__asm__(".text\n"
        ".globl switch_keeps_callee_saved\n"
        "switch_keeps_callee_saved:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  movabs $0x1111111111111111, %rbx\n"
        "  movabs $0x2222222222222222, %rbp\n"
        "  movabs $0x3333333333333333, %r12\n"
        "  movabs $0x4444444444444444, %r13\n"
        "  movabs $0x5555555555555555, %r14\n"
        "  movabs $0x6666666666666666, %r15\n"
        "  sub $8, %rsp\n"
        "  call kk_context_switch\n"
        "  add $8, %rsp\n"
        "  xor %eax, %eax\n"
        "  movabs $0x1111111111111111, %rcx\n  cmp %rcx, %rbx\n  setne %al\n"
        "  movabs $0x2222222222222222, %rcx\n  cmp %rcx, %rbp\n  setne %cl\n  or %cl, %al\n"
        "  movabs $0x3333333333333333, %rcx\n  cmp %rcx, %r12\n  setne %cl\n  or %cl, %al\n"
        "  movabs $0x4444444444444444, %rcx\n  cmp %rcx, %r13\n  setne %cl\n  or %cl, %al\n"
        "  movabs $0x5555555555555555, %rcx\n  cmp %rcx, %r14\n  setne %cl\n  or %cl, %al\n"
        "  movabs $0x6666666666666666, %rcx\n  cmp %rcx, %r15\n  setne %cl\n  or %cl, %al\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n"
        ".globl clobber_thread\n"
        "clobber_thread:\n" /* rdi = struct kk_context pair: [0] self, [1] back */
        "  mov %rdi, %rax\n"
        "1:\n"
        "  mov $-1, %rbx\n  mov $-1, %rbp\n  mov $-1, %r12\n"
        "  mov $-1, %r13\n  mov $-1, %r14\n  mov $-1, %r15\n"
        "  push %rax\n"
        "  mov 0(%rax), %rdi\n  mov 8(%rax), %rsi\n"
        "  call kk_context_switch\n"
        "  pop %rax\n"
        "  jmp 1b\n");

static void test_context_callee_saved(void **state)
{
    (void)state;
    struct kk_context back, clob;
    struct kk_context *pair[2] = {&clob, &back};
    assert_int_equal(kk_context_init(&clob, stack2, sizeof(stack2), clobber_thread, pair), 0);
    assert_int_equal(switch_keeps_callee_saved(&back, &clob), 0);
    assert_int_equal(switch_keeps_callee_saved(&back, &clob), 0);
}

static void test_context_init_rejects(void **state)
{
    (void)state;
    struct kk_context c;
    assert_int_equal(kk_context_init(NULL, stack1, sizeof(stack1), thread_fn, NULL), KK_EINVAL);
    assert_int_equal(kk_context_init(&c, NULL, sizeof(stack1), thread_fn, NULL), KK_EINVAL);
    assert_int_equal(kk_context_init(&c, stack1, 255, thread_fn, NULL), KK_EINVAL);
    assert_int_equal(kk_context_init(&c, stack1, sizeof(stack1), NULL, NULL), KK_EINVAL);
    /* A stack whose end wraps the address space is refused (its top would be tiny). */
    assert_int_equal(kk_context_init(&c, stack1, SIZE_MAX - 8, thread_fn, NULL), KK_EINVAL);
    /* An unaligned top is aligned down, never past the end. */
    assert_int_equal(kk_context_init(&c, stack1 + 3, 1000, thread_fn, NULL), 0);
    assert_int_equal(c.rsp % 16, 0);
    assert_true(c.rsp <= (uint64_t)(uintptr_t)(stack1 + 1003));
    assert_true(c.rsp > (uint64_t)(uintptr_t)(stack1 + 1003 - 16));
}

/* ---- FPU helpers --------------------------------------------------------- */

static void test_fpu_save_restore(void **state)
{
    (void)state;
    static struct kk_fpu_state a, b;
    uint32_t orig = read_mxcsr(), rz = 0x7f80;
    uint64_t x = 0x0123456789abcdefull, y = 0;
    __asm__ volatile("movq %0, %%xmm7" : : "r"(x) : "xmm7");
    __asm__ volatile("ldmxcsr %0" : : "m"(rz));
    assert_int_equal(kk_fpu_save(&a), 0);
    uint32_t saved_mxcsr;
    memcpy(&saved_mxcsr, a.fxsave + 24, 4);
    assert_int_equal(saved_mxcsr, 0x7f80);
    __asm__ volatile("ldmxcsr %0" : : "m"(orig));
    __asm__ volatile("pxor %%xmm7, %%xmm7" : : : "xmm7");
    assert_int_equal(kk_fpu_save(&b), 0);
    assert_int_equal(kk_fpu_restore(&a), 0);
    assert_int_equal(read_mxcsr(), 0x7f80);
    __asm__ volatile("movq %%xmm7, %0" : "=r"(y));
    assert_int_equal(y, x);
    assert_int_equal(kk_fpu_restore(&b), 0);
    assert_int_equal(read_mxcsr(), orig);
    assert_int_equal(kk_fpu_save(NULL), KK_EINVAL);
    assert_int_equal(kk_fpu_restore(NULL), KK_EINVAL);
}

/* ---- XSAVE (AVX upper halves) -------------------------------------------- */

static bool host_has_avx_xsave(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 27)) || !(c & (1u << 28))) /* OSXSAVE, AVX */
        return false;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return (a & 6) == 6;
}

static void load_ymm7(const uint8_t v[32])
{
    __asm__ volatile("vmovdqu (%0), %%ymm7" : : "r"(v) : "xmm7", "memory");
}

static void store_ymm7(uint8_t v[32])
{
    __asm__ volatile("vmovdqu %%ymm7, (%0)" : : "r"(v) : "memory");
}

/* Load p, save, load q (clobber), restore; return what ymm7 holds then. */
static void ymm_round_trip(struct kk_fpu_state *st, const uint8_t p[32], const uint8_t q[32],
                           uint8_t out[32])
{
    load_ymm7(p);
    assert_int_equal(kk_fpu_save(st), 0);
    load_ymm7(q);
    assert_int_equal(kk_fpu_restore(st), 0);
    store_ymm7(out);
}

static void test_fpu_xsave_avx(void **state)
{
    (void)state;
    if (!host_has_avx_xsave())
        skip();
    size_t size = kk_fpu_state_size();
    assert_true(size > sizeof(struct kk_fpu_state)); /* legacy + header + AVX at least */
    assert_int_equal(size % 64, 0);
    struct kk_fpu_state *st = aligned_alloc(64, size);
    assert_non_null(st);
    assert_int_equal(kk_fpu_state_init(st, size - 1), KK_ERANGE);
    assert_int_equal(kk_fpu_state_init(st, sizeof(*st)), KK_ERANGE);
    assert_int_equal(kk_fpu_state_init((struct kk_fpu_state *)((char *)st + 16), size), KK_EINVAL);
    assert_int_equal(kk_fpu_state_init(NULL, size), KK_EINVAL);
    assert_int_equal(kk_fpu_state_init(st, size), 0);
    assert_true(st->mode == KK_X86_FPU_XSAVE || st->mode == KK_X86_FPU_XSAVEOPT);
    assert_int_equal(st->features & 7, 7);

    uint8_t p[32], q[32], out[32], zero[32] = {0};
    for (unsigned i = 0; i < 32; i++) {
        p[i] = (uint8_t)(0xa0 + i);
        q[i] = (uint8_t)(0x5f - i);
    }
    /* The initial state: ymm7 = 0, MXCSR = default. */
    uint32_t orig_mxcsr = read_mxcsr();
    load_ymm7(p);
    assert_int_equal(kk_fpu_restore(st), 0);
    store_ymm7(out);
    assert_memory_equal(out, zero, 32);
    assert_int_equal(read_mxcsr(), 0x1f80);
    __asm__ volatile("ldmxcsr %0" : : "m"(orig_mxcsr));

    /* The chosen mode (XSAVEOPT on this host), then plain XSAVE. */
    unsigned modes[2] = {st->mode, KK_X86_FPU_XSAVE};
    for (unsigned m = 0; m < 2; m++) {
        st->mode = modes[m];
        memset(out, 0, sizeof(out));
        ymm_round_trip(st, p, q, out);
        assert_memory_equal(out, p, 32); /* upper half (16..31) included */
        ymm_round_trip(st, q, p, out);   /* a second save into the same area */
        assert_memory_equal(out, q, 32);
    }

    /* The FXSAVE fallback keeps xmm7 but not the upper half (it stays q's). */
    static struct kk_fpu_state fx; /* zero-filled: FXSAVE mode */
    assert_int_equal(fx.mode, KK_X86_FPU_FXSAVE);
    ymm_round_trip(&fx, p, q, out);
    assert_memory_equal(out, p, 16);
    assert_memory_equal(out + 16, q + 16, 16);

    st->mode = 7;
    assert_int_equal(kk_fpu_save(st), KK_EINVAL);
    assert_int_equal(kk_fpu_restore(st), KK_EINVAL);
    __asm__ volatile("vzeroupper" : : : "memory");
    free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_gpr_round_trip), cmocka_unit_test(test_syscalls_from_c),
        cmocka_unit_test(test_syscall_restart),      cmocka_unit_test(test_context_ping_pong),
        cmocka_unit_test(test_context_callee_saved), cmocka_unit_test(test_context_init_rejects),
        cmocka_unit_test(test_fpu_save_restore),     cmocka_unit_test(test_fpu_xsave_avx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
