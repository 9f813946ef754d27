/*
 * trapframe on aarch64 QEMU virt (EL1, -semihosting for the exit status):
 * installs the library's vector table with kk_trap_init(), turns the MMU on
 * (identity RAM and devices for EL1, a 2 MiB EL0 block at USER_VA), then:
 *  - kernel: an undefined instruction through the run-time handler, a brk
 *    whose handler itself hits an undefined instruction (nested traps), a
 *    timer IRQ (generic virtual timer through the GICv2);
 *  - kk_context_switch between two kernel threads;
 *  - EL0: an svc with 6 arguments and its result, a data abort from a bad
 *    EL0 pointer with the right FAR, an undefined instruction, every
 *    register (and SP_EL0, TPIDR_EL0) in and out, a timer IRQ preempting
 *    EL0;
 *  - SMP: CPU 1 started with PSCI CPU_ON runs kk_trap_init() with its own
 *    block and takes kernel and EL0 traps at the same time as CPU 0;
 *  - kk_fpu_save/kk_fpu_restore of v0-v31, FPCR, FPSR;
 * and prints figures (EL0 svc and EL1 trap round trips, FPU save+restore,
 * context switch pair; TCG, informational) that bench-trapframe repeats.
 */
#include <stdint.h>

#include <kernkit/trapframe.h>

/* ---- tiny runtime: PL011 console, semihosting exit, mem* ---------------- */

#define UART 0x09000000ul

void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}
void *memcpy(void *dst, const void *src, unsigned long n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

static void putc_(char c)
{
    volatile uint32_t *u = (volatile uint32_t *)UART;
    while (u[0x18 / 4] & 0x20) /* FR.TXFF */
        ;
    u[0] = (uint32_t)c;
}

static void puts_(const char *s)
{
    for (; *s; s++)
        putc_(*s);
}

static void puthex(uint64_t v)
{
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4)
        putc_("0123456789abcdef"[(v >> i) & 15]);
}

static void putdec(uint64_t v)
{
    char b[24];
    int n = 0;
    do
        b[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        putc_(b[--n]);
}

static __attribute__((noreturn)) void semihost_exit(uint64_t code)
{
    static uint64_t block[2];
    block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
    block[1] = code;
    register uint64_t x0 __asm__("x0") = 0x18; /* SYS_EXIT */
    register uint64_t x1 __asm__("x1") = (uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

static __attribute__((noreturn)) void fail(const char *what, uint64_t v)
{
    puts_("KK-QEMU-FAIL: ");
    puts_(what);
    puts_(" ");
    puthex(v);
    puts_("\n");
    semihost_exit(1);
}

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            fail("check failed at line", __LINE__);                                                \
    } while (0)

/* ---- MMU: identity for EL1, one EL0 block ------------------------------ */

#define USER_VA  0x80000000ul
#define BAD_VA   (USER_VA + 0x200008ul) /* the next 2 MiB: unmapped */
#define PTE_BLK  0x1ul
#define PTE_TBL  0x3ul
#define PTE_AF   (1ul << 10)
#define PTE_ISH  (3ul << 8)
#define PTE_EL0  (1ul << 6)
#define PTE_PXN  (1ul << 53)
#define PTE_UXN  (1ul << 54)
#define ATTR_DEV (0ul << 2)
#define ATTR_MEM (1ul << 2)

extern char __user_start[];
static _Alignas(4096) uint64_t l1[512];
static _Alignas(4096) uint64_t l2[512];

static void mmu_build(void)
{
    l1[0] = 0x00000000ul | PTE_BLK | ATTR_DEV | PTE_AF | PTE_PXN | PTE_UXN;
    l1[1] = 0x40000000ul | PTE_BLK | ATTR_MEM | PTE_ISH | PTE_AF | PTE_UXN;
    l1[2] = (uintptr_t)l2 | PTE_TBL;
    l2[0] = (uintptr_t)__user_start | PTE_BLK | ATTR_MEM | PTE_ISH | PTE_AF | PTE_EL0 | PTE_PXN;
}

static void mmu_on(void)
{
    uint64_t mair = 0xff00; /* 0 device, 1 WB */
    uint64_t tcr = 25 | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (1ul << 32);
    uint64_t sctlr;
    __asm__ volatile("msr mair_el1, %0\n\tmsr tcr_el1, %1\n\tmsr ttbr0_el1, %2\n\t"
                     "dsb ish\n\ttlbi vmalle1\n\tdsb ish\n\tisb"
                     :
                     : "r"(mair), "r"(tcr), "r"((uintptr_t)l1)
                     : "memory");
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= 1 | (1ul << 2) | (1ul << 12); /* M, C, I */
    sctlr &= ~((1ul << 1) | (1ul << 19));  /* A, WXN */
    __asm__ volatile("msr sctlr_el1, %0\n\tisb" : : "r"(sctlr) : "memory");
}

/* ---- GICv2 and the virtual timer (PPI 27) ------------------------------- */

#define GICD      0x08000000ul
#define GICC      0x08010000ul
#define TIMER_IRQ 27

static void mmio_w32(uintptr_t a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}
static uint32_t mmio_r32(uintptr_t a)
{
    return *(volatile uint32_t *)a;
}

static void gic_init_cpu(void)
{
    mmio_w32(GICD + 0x000, 1);               /* GICD_CTLR */
    mmio_w32(GICD + 0x100, 1u << TIMER_IRQ); /* ISENABLER0 (banked) */
    *(volatile uint8_t *)(GICD + 0x400 + TIMER_IRQ) = 0xa0;
    mmio_w32(GICC + 0x004, 0xf0); /* PMR */
    mmio_w32(GICC + 0x000, 1);    /* CTLR */
}

static uint64_t counter(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
    return v;
}

static uint64_t counter_hz(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

static void timer_arm(uint64_t ticks)
{
    __asm__ volatile("msr cntv_tval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb"
                     :
                     : "r"(ticks), "r"(1ul));
}

/* Acknowledge the timer: mask it at the source, end the interrupt. */
static uint32_t timer_ack(void)
{
    uint32_t iar = mmio_r32(GICC + 0x00c);
    __asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(0ul));
    mmio_w32(GICC + 0x010, iar);
    return iar & 0x3ff;
}

/* ---- the user program (EL0), in the 2 MiB user block ------------------- */

void user_main(void);
void user_ldr(void);
void user_udf(void);
void user_svc(void);
void user_spin(void);
void user_bench(void);

/* clang-format off */
__asm__(".section .user.text, \"ax\"\n"
        ".globl user_main\n"
        "user_main:\n"
        "  mov x0, #11\n  mov x1, #22\n  mov x2, #33\n  mov x3, #44\n  mov x4, #55\n  mov x5, #66\n"
        "  mov x8, #1\n"
        "  svc #0\n"
        "  mov x8, #2\n"
        "  svc #0\n"
        ".globl user_ldr\n"
        "user_ldr:\n"
        "  ldr x2, [x1]\n"
        ".globl user_udf\n"
        "user_udf:\n"
        "  udf #0\n"
        ".globl user_svc\n"
        "user_svc:\n"
        "  svc #0\n"
        ".globl user_spin\n"
        "user_spin:\n"
        "  b user_spin\n"
        ".globl user_bench\n"
        "user_bench:\n"
        "  svc #0\n"
        "  b user_bench\n"
        ".text\n");
/* clang-format on */

static uint64_t uva(void (*fn)(void))
{
    return USER_VA + ((uintptr_t)fn - (uintptr_t)__user_start);
}

/* Two user stacks (one per CPU) at the end of the user block. */
#define USER_STACK_TOP(cpu) (USER_VA + 0x200000ul - (cpu)*0x10000ul)

/* ---- kernel traps ------------------------------------------------------- */

static struct kk_trap_cpu cpus[2] __attribute__((aligned(16)));
static volatile uint64_t undefs[2], brks, nested, timer_irqs, nested_depth;

static struct kk_trap_cpu *tpidr_el1(void)
{
    struct kk_trap_cpu *c;
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}

static void kernel_handler(struct kk_trapframe *tf, void *ctx)
{
    struct kk_trap_cpu *me = ctx;
    unsigned cpu = (unsigned)(me - cpus);
    if (tpidr_el1() != me || me->self != me || cpu > 1)
        fail("kernel trap on the wrong per-CPU block", (uintptr_t)ctx);
    if (tf->type == KK_A64_TRAP_IRQ) {
        CHECK(timer_ack() == TIMER_IRQ);
        timer_irqs++;
        return;
    }
    struct kk_a64_syndrome s = kk_a64_syndrome_decode(tf->esr, tf->far);
    if (tf->type == KK_A64_TRAP_SYNC && s.ec == KK_A64_EC_UNKNOWN) {
        if (nested_depth)
            nested++;
        undefs[cpu]++;
        tf->x[1] = 0x600d; /* seen by the interrupted code */
        kk_tf_set_pc(tf, kk_tf_pc(tf) + 4);
        return;
    }
    if (tf->type == KK_A64_TRAP_SYNC && s.ec == KK_A64_EC_BRK64 && s.imm16 == 7) {
        brks++;
        nested_depth = 1;
        uint64_t before = nested;
        register uint64_t x1 __asm__("x1") = 0;
        __asm__ volatile("udf #0" : "+r"(x1) : : "memory"); /* a trap inside the handler */
        nested_depth = 0;
        CHECK(x1 == 0x600d && nested == before + 1);
        kk_tf_set_pc(tf, kk_tf_pc(tf) + 4);
        return;
    }
    fail("unexpected kernel trap, esr", tf->esr);
}

static void install(unsigned cpu)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg), .cpu = &cpus[cpu], .handler = kernel_handler, .ctx = &cpus[cpu]};
    CHECK(kk_trap_init(&cfg) == 0);
    CHECK(tpidr_el1() == &cpus[cpu]);
}

static void kernel_undef(unsigned cpu)
{
    uint64_t before = undefs[cpu];
    register uint64_t x0 __asm__("x0") = 0xabcdef;
    register uint64_t x1 __asm__("x1") = 0;
    __asm__ volatile("udf #0" : "+r"(x0), "+r"(x1) : : "memory");
    CHECK(undefs[cpu] == before + 1);
    CHECK(x0 == 0xabcdef && x1 == 0x600d);
}

static void kernel_tests(void)
{
    struct kk_trap_config cfg = {.size = sizeof(cfg), .cpu = &cpus[0], .ctx = &cpus[0]};
    CHECK(kk_trap_init(NULL) == KK_EINVAL);
    CHECK(kk_trap_init(&cfg) == KK_EINVAL); /* no handler */
    cfg.handler = kernel_handler;
    cfg.size = 8;
    CHECK(kk_trap_init(&cfg) == KK_EINVAL);
    install(0);
    kernel_undef(0);
    puts_("trapframe-aarch64: kernel undefined instruction ok\n");

    register uint64_t x19 __asm__("x19") = 0x1919;
    __asm__ volatile("brk #7" : "+r"(x19) : : "memory");
    CHECK(brks == 1 && nested == 1 && x19 == 0x1919);
    puts_("trapframe-aarch64: nested kernel traps (undefined inside a brk handler) ok\n");

    gic_init_cpu();
    timer_arm(counter_hz() / 1000);
    uint64_t deadline = counter() + counter_hz();
    /* Test with IRQs masked, then WFI (it wakes on a pending IRQ even while masked) and unmask
     * for one instruction to take it: an IRQ taken between the test and WFI would leave WFI
     * waiting for an interrupt that already came. */
    while (timer_irqs == 0 && counter() < deadline) {
        __asm__ volatile("wfi");
        __asm__ volatile("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" : : : "memory");
    }
    CHECK(timer_irqs == 1);
    puts_("trapframe-aarch64: kernel timer IRQ ok\n");
}

/* ---- kernel threads ----------------------------------------------------- */

static struct kk_context main_ctx, thr_ctx[2];
static _Alignas(16) uint8_t thr_stack[2][4096];
static volatile unsigned trace[8], ntrace;

static void thread_fn(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned round = 0; round < 2; round++) {
        trace[ntrace++] = id * 10 + round;
        kk_context_switch(&thr_ctx[id], id == 0 ? &thr_ctx[1] : &main_ctx);
    }
    kk_context_switch(&thr_ctx[id], &main_ctx);
}

static void bench_thread(void *arg)
{
    (void)arg;
    for (;;)
        kk_context_switch(&thr_ctx[0], &main_ctx);
}

static void thread_tests(void)
{
    CHECK(kk_context_init(&thr_ctx[0], NULL, 4096, thread_fn, 0) == KK_EINVAL);
    CHECK(kk_context_init(&thr_ctx[0], thr_stack[0], 4096, thread_fn, (void *)0) == 0);
    CHECK(kk_context_init(&thr_ctx[1], thr_stack[1], 4096, thread_fn, (void *)1) == 0);
    register uint64_t x20 __asm__("x20") = 0x2020;
    register uint64_t x28 __asm__("x28") = 0x2828;
    __asm__ volatile("" : "+r"(x20), "+r"(x28));
    kk_context_switch(&main_ctx, &thr_ctx[0]); /* 0 -> 1 -> main */
    kk_context_switch(&main_ctx, &thr_ctx[0]); /* 0 -> 1 -> main */
    __asm__ volatile("" : "+r"(x20), "+r"(x28));
    CHECK(x20 == 0x2020 && x28 == 0x2828);
    CHECK(ntrace == 4 && trace[0] == 0 && trace[1] == 10 && trace[2] == 1 && trace[3] == 11);
    puts_("trapframe-aarch64: context switch between two kernel threads ok\n");
}

/* ---- EL0 ---------------------------------------------------------------- */

static struct kk_user_context ucs[2];

static void run_expect(struct kk_user_context *uc, uint32_t ec, uint64_t pc)
{
    CHECK(kk_uctx_run(uc) == 0);
    if (uc->type != KK_A64_TRAP_SYNC || kk_uctx_esr_class(uc) != ec)
        fail("unexpected EL0 trap, esr", uc->esr);
    if (pc && kk_uctx_pc(uc) != pc)
        fail("EL0 trap at pc", kk_uctx_pc(uc));
}

static uint64_t pattern(unsigned n)
{
    return 0x0101010101010101ull * n ^ 0xa5a5000000000000ull;
}

/* ---- FP/SIMD helpers ---------------------------------------------------- */

static struct kk_fpu_state fa, fb;

static void fpu_tests(void)
{
    CHECK(kk_fpu_state_size() == sizeof(struct kk_fpu_state));
    CHECK(kk_fpu_state_init(&fa, sizeof(fa) - 1) == KK_ERANGE);
    CHECK(kk_fpu_state_init((struct kk_fpu_state *)((uintptr_t)&fa + 8), sizeof(fa)) == KK_EINVAL);
    CHECK(kk_fpu_state_init(&fa, sizeof(fa)) == 0);
    CHECK(kk_fpu_save(NULL) == KK_EINVAL && kk_fpu_restore(NULL) == KK_EINVAL);
    kk_a64_fpu_enable();
    for (unsigned i = 0; i < 64; i++)
        fa.v[i] = pattern(i + 40);
    fa.fpcr = 3u << 22; /* RMode: towards zero */
    fa.fpsr = 1u << 27; /* QC */
    CHECK(kk_fpu_restore(&fa) == 0);
    CHECK(kk_fpu_save(&fb) == 0);
    for (unsigned i = 0; i < 64; i++)
        if (fb.v[i] != fa.v[i])
            fail("v register half not kept", i);
    CHECK(fb.fpcr == fa.fpcr && fb.fpsr == fa.fpsr);
    puts_("trapframe-aarch64: FP/SIMD save and restore (v0-v31, FPCR, FPSR) ok\n");
}

static void user_tests(void)
{
    struct kk_user_context *uc = &ucs[0];
    CHECK(kk_uctx_run(NULL) == KK_EINVAL);
    kk_uctx_set_pc(uc, uva(user_main));
    kk_uctx_set_sp(uc, USER_STACK_TOP(0));

    run_expect(uc, KK_A64_EC_SVC64, uva(user_main) + 8 * 4); /* past the svc */
    CHECK(kk_uctx_is_syscall(uc) && kk_uctx_syscall_nr(uc) == 1);
    uint64_t sum = 0;
    for (unsigned i = 0; i < 6; i++)
        sum += kk_uctx_arg(uc, i);
    CHECK(sum == 11 + 22 + 33 + 44 + 55 + 66);
    CHECK((uc->pstate & 0xf) == 0); /* came from EL0t */
    kk_uctx_set_ret(uc, sum * 1000);
    run_expect(uc, KK_A64_EC_SVC64, uva(user_ldr));
    CHECK(kk_uctx_syscall_nr(uc) == 2 && uc->x[0] == sum * 1000);
    puts_("trapframe-aarch64: EL0 svc round trip with 6 arguments ok\n");

    uc->x[1] = BAD_VA;
    run_expect(uc, KK_A64_EC_DABT_LOW, uva(user_ldr));
    struct kk_a64_syndrome s = kk_a64_syndrome_decode(uc->esr, uc->far);
    CHECK(s.far_valid && s.far == BAD_VA && !s.is_write);
    CHECK(s.fsc >= 0x04 && s.fsc <= 0x07); /* translation fault */
    kk_uctx_set_pc(uc, kk_uctx_pc(uc) + 4);
    puts_("trapframe-aarch64: EL0 data abort at ");
    puthex(s.far);
    puts_(" ok\n");

    run_expect(uc, KK_A64_EC_UNKNOWN, uva(user_udf));
    puts_("trapframe-aarch64: EL0 undefined instruction ok\n");

    kk_uctx_set_pc(uc, uva(user_svc));
    for (unsigned n = 0; n < 31; n++)
        uc->x[n] = pattern(n + 1);
    uc->x[8] = 3;
    kk_uctx_set_sp(uc, USER_STACK_TOP(0) - 64);
    kk_uctx_set_tls(uc, 0x7157);
    run_expect(uc, KK_A64_EC_SVC64, uva(user_spin));
    for (unsigned n = 0; n < 31; n++)
        if (n != 8 && uc->x[n] != pattern(n + 1))
            fail("register not kept across EL0, x", n);
    CHECK(uc->x[8] == 3 && uc->sp == USER_STACK_TOP(0) - 64 && uc->tpidr == 0x7157);
    puts_("trapframe-aarch64: every EL0 register, SP_EL0 and TPIDR_EL0 in and out ok\n");

    uint64_t irqs = timer_irqs;
    timer_arm(counter_hz() / 1000);
    CHECK(kk_uctx_run(uc) == 0);
    CHECK(uc->type == KK_A64_TRAP_IRQ && kk_uctx_pc(uc) == uva(user_spin));
    CHECK(timer_irqs == irqs); /* it ended kk_uctx_run(), not the kernel handler */
    CHECK(timer_ack() == TIMER_IRQ);
    puts_("trapframe-aarch64: timer IRQ preempting EL0 ok\n");
}

static uint64_t svc_round_trips(struct kk_user_context *uc, unsigned n)
{
    kk_uctx_set_pc(uc, uva(user_bench));
    uint64_t t0 = counter();
    for (unsigned i = 0; i < n; i++) {
        CHECK(kk_uctx_run(uc) == 0);
        CHECK(kk_uctx_is_syscall(uc));
    }
    return counter() - t0;
}

/* Informational figures (TCG: they measure the emulator, not a CPU): the
 * best of ROUNDS rounds of ROUND_N operations (the host is shared and noisy). */
#define ROUNDS  9
#define ROUND_N 300

static uint64_t one_round(unsigned what)
{
    uint64_t t0 = counter();
    switch (what) {
    case 0:
        return svc_round_trips(&ucs[0], ROUND_N);
    case 1:
        for (unsigned i = 0; i < ROUND_N; i++)
            kernel_undef(0);
        break;
    case 2:
        for (unsigned i = 0; i < ROUND_N; i++) {
            kk_fpu_save(&fb);
            kk_fpu_restore(&fb);
        }
        break;
    default:
        for (unsigned i = 0; i < ROUND_N; i++)
            kk_context_switch(&main_ctx, &thr_ctx[0]);
        break;
    }
    return counter() - t0;
}

static void figures(void)
{
    static const char *const names[] = {"el0-svc-round-trip", "el1-trap-round-trip",
                                        "fpu-save-restore", "context-switch-pair"};
    CHECK(kk_context_init(&thr_ctx[0], thr_stack[0], 4096, bench_thread, 0) == 0);
    for (unsigned w = 0; w < 4; w++) {
        uint64_t best = ~0ull;
        for (unsigned r = 0; r < ROUNDS; r++) {
            uint64_t t = one_round(w);
            best = t < best ? t : best;
        }
        puts_("aarch64-tcg.");
        puts_(names[w]);
        puts_(".min: ");
        putdec(best * 1000000000ull / counter_hz() / ROUND_N);
        puts_(" ns\n");
    }
}

/* ---- CPU 1 -------------------------------------------------------------- */

void kk_a64_test_secondary(void);
void kk_a64_secondary_entry(void);
static _Alignas(16) uint8_t cpu1_stack[16384];
static volatile uint64_t cpu1_done;

void kk_a64_test_secondary(void)
{
    mmu_on();
    install(1);
    kernel_undef(1);
    struct kk_user_context *uc = &ucs[1];
    kk_uctx_set_sp(uc, USER_STACK_TOP(1));
    svc_round_trips(uc, 400);
    CHECK(tpidr_el1() == &cpus[1]);
    __asm__ volatile("dmb ish" ::: "memory");
    cpu1_done = 1;
}

static void smp_tests(void)
{
    register uint64_t x0 __asm__("x0") = 0xc4000003; /* PSCI CPU_ON (64-bit) */
    register uint64_t x1 __asm__("x1") = 1;          /* MPIDR of CPU 1 */
    register uint64_t x2 __asm__("x2") = (uintptr_t)kk_a64_secondary_entry;
    register uint64_t x3 __asm__("x3") = (uintptr_t)(cpu1_stack + sizeof(cpu1_stack));
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    if (x0 != 0)
        fail("PSCI CPU_ON failed", x0);
    /* At the same time as CPU 1: kernel and EL0 traps on CPU 0. */
    kernel_undef(0);
    svc_round_trips(&ucs[0], 400);
    uint64_t deadline = counter() + 20 * counter_hz();
    while (!cpu1_done && counter() < deadline)
        ;
    CHECK(cpu1_done);
    CHECK(undefs[1] == 1 && tpidr_el1() == &cpus[0]);
    puts_("trapframe-aarch64: SMP, two CPUs with their own blocks (PSCI CPU_ON) ok\n");
}

void kk_a64_test_main(void);
void kk_a64_test_main(void)
{
    puts_("trapframe-aarch64: start\n");
    mmu_build();
    mmu_on();
    kernel_tests();
    thread_tests();
    user_tests();
    fpu_tests();
    figures();
    smp_tests();
    puts_("KK-QEMU-PASS\n");
    semihost_exit(0);
}
