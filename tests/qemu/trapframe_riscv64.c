/*
 * trapframe on riscv64 QEMU virt: installs the library's own trap entry with
 * kk_trap_init() (direct and vectored), then checks
 *  - kernel mode: a timer interrupt (SBI set_timer) and an illegal
 *    instruction, through the run-time registered handler and trap frame;
 *  - user mode (Sv39, a hand-built table): a 6-argument ecall and its return
 *    value, every register in and out, a timer interrupt in U-mode, load and
 *    store page faults with the right stval;
 *  - kk_context_switch between two kernel threads;
 *  - kk_fpu_save/kk_fpu_restore;
 *  - the kernel stack guard: in-bounds traps unaffected, and a kernel thread
 *    that overflows its stack into an unmapped guard page reaches the fatal
 *    handler on the emergency stack (instead of faulting forever in the entry);
 * and prints the cycle and time cost of a user ecall round trip.
 */
#include "qemu_rt.h"

#include <kernkit/trapframe.h>

#define SBI_EXT_TIME   0x54494D45ul
#define CAUSE_STIMER   (KK_RV_CAUSE_INTR | 5)
#define CAUSE_ILLEGAL  2
#define CAUSE_LOAD_PF  13
#define CAUSE_STORE_PF 15
#define SIE_STIE       0x20ul
#define SSTATUS_SIE    0x2ul

/* ---- user program: one page, position independent, mapped at USER_VA ---- */

#define USER_VA       0x40000000ul
#define USER_STACK_VA (USER_VA + 0x1000)
#define USER_HOLE_VA  (USER_VA + 0x2008) /* unmapped */

enum { SYS_SUM6 = 1, SYS_REGS = 2, SYS_REGS_SEEN = 3, SYS_NOP = 4, SYS_BENCH_DONE = 5 };
#define BENCH_ECALLS 2000

void user_page(void);
void user_main(void);
void user_spin(void);
void user_store_fault(void);

/* clang-format off */
__asm__(".section .text.kkuser, \"ax\", @progbits\n"
        ".balign 4096\n"
        ".globl user_page\n"
        "user_page:\n"
        ".globl user_main\n"
        "user_main:\n"
        /* six arguments, the sum comes back in a0 */
        "  li a0, 11\n  li a1, 22\n  li a2, 33\n  li a3, 44\n  li a4, 55\n  li a5, 66\n"
        "  li a7, 1\n"
        "  ecall\n"
        "  mv s0, a0\n"
        /* every register but sp and a7 gets (n << 32 | n) */
        "  .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "  li x\\n, (\\n << 32) | \\n\n"
        "  .endr\n"
        "  li a7, 2\n"
        "  ecall\n"
        /* store what we see now; the kernel reads it back */
        "  addi sp, sp, -256\n"
        "  .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "  sd x\\n, 8*\\n(sp)\n"
        "  .endr\n"
        "  li a7, 3\n"
        "  ecall\n"
        "  addi sp, sp, 256\n"
        /* ecall round trips for the cycle count */
        "  li s1, 2000\n"
        "1:li a7, 4\n"
        "  ecall\n"
        "  addi s1, s1, -1\n"
        "  bnez s1, 1b\n"
        "  li a7, 5\n"
        "  ecall\n"
        /* a load from an unmapped page */
        "  li t0, 0x40002008\n"
        "  ld t1, 0(t0)\n"
        "  j .\n"
        ".globl user_store_fault\n"
        "user_store_fault:\n" /* a store into the (read-only) code page */
        "  auipc t0, 0\n"
        "  sd zero, 0(t0)\n"
        "  j .\n"
        ".globl user_spin\n"
        "user_spin:\n"
        "  j user_spin\n"
        ".text\n");
/* clang-format on */

static _Alignas(4096) uint64_t pt_root[512];
static _Alignas(4096) uint64_t pt_l1[512];
static _Alignas(4096) uint64_t pt_l0[512];
static _Alignas(4096) uint8_t user_stack[4096];
static _Alignas(4096) uint8_t ovf_stack[2][4096];

/* A kernel thread stack at OVF_VA + 4K .. + 12K, below it an unmapped guard page. */
#define OVF_VA 0x40010000ul
#define OVF_LO (OVF_VA + 0x1000)
#define OVF_HI (OVF_VA + 0x3000)

#define PTE_V 0x1ul
#define PTE_R 0x2ul
#define PTE_W 0x4ul
#define PTE_X 0x8ul
#define PTE_U 0x10ul
#define PTE_A 0x40ul
#define PTE_D 0x80ul

static uint64_t pte(uintptr_t pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12) << 10 | flags;
}

/* Identity gigapages for devices (0..1G) and RAM (2G..3G); the user page,
 * its stack and a hole at USER_VA. */
static void enable_paging(void)
{
    pt_root[0] = pte(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    pt_root[2] = pte(0x80000000ul, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    pt_root[1] = pte((uintptr_t)pt_l1, PTE_V);
    pt_l1[0] = pte((uintptr_t)pt_l0, PTE_V);
    pt_l0[0] = pte((uintptr_t)user_page, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    pt_l0[1] = pte((uintptr_t)user_stack, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    pt_l0[17] = pte((uintptr_t)ovf_stack[0], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    pt_l0[18] = pte((uintptr_t)ovf_stack[1], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    uint64_t satp = (8ul << 60) | ((uintptr_t)pt_root >> 12);
    __asm__ volatile("csrw satp, %0\n\tsfence.vma" : : "r"(satp) : "memory");
}

static uint64_t user_va(void (*fn)(void))
{
    return USER_VA + ((uintptr_t)fn - (uintptr_t)user_page);
}

/* ---- kernel traps ------------------------------------------------------- */

static struct kk_trap_cpu cpu __attribute__((aligned(16)));
static volatile unsigned long timer_irqs, illegals, handler_ctx_ok;
static volatile uint64_t illegal_a0;

static void sbi_set_timer(uint64_t when)
{
    register uint64_t a0 __asm__("a0") = when;
    register uint64_t a1 __asm__("a1") = 0;
    register uint64_t a6 __asm__("a6") = 0;
    register uint64_t a7 __asm__("a7") = SBI_EXT_TIME;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
}

static void kernel_handler(struct kk_trapframe *tf, void *ctx)
{
    if (ctx == &cpu)
        handler_ctx_ok++;
    if (tf->scause == CAUSE_STIMER) {
        timer_irqs++;
        sbi_set_timer(~0ull);
        return;
    }
    if (tf->scause == CAUSE_ILLEGAL) {
        illegals++;
        illegal_a0 = tf->x[10];
        tf->x[11] = 0x600d; /* seen by the interrupted code */
        uint16_t lo = *(const uint16_t *)(uintptr_t)tf->sepc;
        kk_tf_set_pc(tf, kk_tf_pc(tf) + ((lo & 3) == 3 ? 4 : 2));
        return;
    }
    kk_qemu_fail("unexpected kernel trap scause=%lx sepc=%lx stval=%lx", (unsigned long)tf->scause,
                 (unsigned long)tf->sepc, (unsigned long)tf->stval);
}

static void install(uint32_t flags)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg), .flags = flags, .cpu = &cpu, .handler = kernel_handler, .ctx = &cpu};
    KK_QEMU_CHECK(kk_trap_init(&cfg) == 0);
    uint64_t ss;
    __asm__ volatile("csrr %0, sscratch" : "=r"(ss));
    KK_QEMU_CHECK(ss == (uintptr_t)&cpu);
    uint64_t stvec;
    __asm__ volatile("csrr %0, stvec" : "=r"(stvec));
    KK_QEMU_CHECK((stvec & 3) == (flags & KK_RV_TRAP_VECTORED ? 1u : 0u));
}

static void check_config_errors(void)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg), .cpu = &cpu, .handler = kernel_handler, .ctx = &cpu};
    KK_QEMU_CHECK(kk_trap_init(NULL) == KK_EINVAL);
    cfg.handler = NULL;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL);
    cfg.handler = kernel_handler;
    cfg.size = 8;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL);
    cfg.size = sizeof(cfg);
    cfg.flags = 0x80;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL);
}

static void kernel_timer(const char *mode)
{
    unsigned long before = timer_irqs;
    __asm__ volatile("csrs sie, %0" : : "r"(SIE_STIE));
    sbi_set_timer(kk_qemu_rdtime() + 10000);         /* 1 ms */
    uint64_t deadline = kk_qemu_rdtime() + 10000000; /* 1 s */
    /* Test with SIE clear, then WFI (it wakes on a pending enabled interrupt whatever SIE says)
     * and set SIE for one instruction to take it: an interrupt taken between the test and WFI
     * would leave WFI waiting for one that already came. */
    while (timer_irqs == before && kk_qemu_rdtime() < deadline) {
        __asm__ volatile("wfi");
        __asm__ volatile("csrs sstatus, %0\n\tcsrc sstatus, %0" : : "r"(SSTATUS_SIE) : "memory");
    }
    KK_QEMU_CHECK(timer_irqs == before + 1);
    kk_qemu_printf("trapframe: kernel timer interrupt (%s) ok\n", mode);
}

static void kernel_illegal(void)
{
    register uint64_t a0 __asm__("a0") = 0xabcdef;
    register uint64_t a1 __asm__("a1") = 0;
    /* csrw cycle, zero: a write to a read-only CSR (32-bit illegal insn) */
    __asm__ volatile(".word 0xc0001073" : "+r"(a0), "+r"(a1) : : "memory");
    KK_QEMU_CHECK(illegals == 1);
    KK_QEMU_CHECK(illegal_a0 == 0xabcdef);
    KK_QEMU_CHECK(a1 == 0x600d);
    KK_QEMU_CHECK(a0 == 0xabcdef);
    kk_qemu_printf("trapframe: kernel illegal instruction ok\n");
}

/* ---- user mode ---------------------------------------------------------- */

static struct kk_user_context uc;

static void run_expect_ecall(uint64_t nr)
{
    KK_QEMU_CHECK(kk_uctx_run(&uc) == 0);
    if (!kk_uctx_is_syscall(&uc) || kk_uctx_syscall_nr(&uc) != nr)
        kk_qemu_fail("expected ecall %lu, got scause=%lx a7=%lx sepc=%lx stval=%lx",
                     (unsigned long)nr, (unsigned long)uc.scause, (unsigned long)uc.x[17],
                     (unsigned long)uc.sepc, (unsigned long)uc.stval);
}

static uint64_t reg_val(unsigned n)
{
    return ((uint64_t)n << 32) | n;
}

static void user_tests(void)
{
    KK_QEMU_CHECK(kk_uctx_run(NULL) == KK_EINVAL);
    kk_uctx_set_pc(&uc, user_va(user_main));
    kk_uctx_set_sp(&uc, USER_STACK_VA + 4096);

    run_expect_ecall(SYS_SUM6);
    uint64_t sum = 0;
    for (unsigned i = 0; i < 6; i++)
        sum += kk_uctx_arg(&uc, i);
    KK_QEMU_CHECK(sum == 11 + 22 + 33 + 44 + 55 + 66);
    KK_QEMU_CHECK((uc.sstatus & 0x100) == 0); /* SPP: came from U-mode */
    kk_uctx_set_ret(&uc, sum * 1000);
    kk_qemu_printf("trapframe: user ecall with 6 arguments ok\n");

    run_expect_ecall(SYS_REGS);
    KK_QEMU_CHECK(uc.x[10] == reg_val(10));
    for (unsigned n = 1; n < 32; n++) {
        if (n == 2 || n == 17)
            continue;
        if (uc.x[n] != reg_val(n))
            kk_qemu_fail("x%u saved as %lx", n, (unsigned long)uc.x[n]);
        uc.x[n] = ~reg_val(n);
    }
    KK_QEMU_CHECK(uc.x[2] == USER_STACK_VA + 4096);

    run_expect_ecall(SYS_REGS_SEEN);
    const uint64_t *seen =
        (const uint64_t *)(uintptr_t)((uintptr_t)user_stack + (uc.x[2] - USER_STACK_VA));
    for (unsigned n = 1; n < 32; n++) {
        if (n == 2 || n == 17)
            continue;
        if (seen[n] != ~reg_val(n))
            kk_qemu_fail("user saw x%u = %lx", n, (unsigned long)seen[n]);
    }
    KK_QEMU_CHECK(seen[17] == SYS_REGS);
    kk_qemu_printf("trapframe: every user register in and out ok\n");

    uint64_t t0 = kk_qemu_rdtime(), c0, c1;
    __asm__ volatile("rdcycle %0" : "=r"(c0));
    unsigned n = 0;
    for (;;) {
        KK_QEMU_CHECK(kk_uctx_run(&uc) == 0);
        KK_QEMU_CHECK(kk_uctx_is_syscall(&uc));
        if (kk_uctx_syscall_nr(&uc) != SYS_NOP)
            break;
        n++;
    }
    __asm__ volatile("rdcycle %0" : "=r"(c1));
    uint64_t t1 = kk_qemu_rdtime();
    KK_QEMU_CHECK(kk_uctx_syscall_nr(&uc) == SYS_BENCH_DONE);
    KK_QEMU_CHECK(n == BENCH_ECALLS);
    kk_qemu_printf("trapframe: user ecall round trip: %lu cycles, %lu ns (TCG, informational)\n",
                   (unsigned long)((c1 - c0) / n), (unsigned long)((t1 - t0) * 100 / n));

    KK_QEMU_CHECK(kk_uctx_run(&uc) == 0);
    KK_QEMU_CHECK(uc.scause == CAUSE_LOAD_PF);
    KK_QEMU_CHECK(uc.stval == USER_HOLE_VA);
    kk_qemu_printf("trapframe: user load page fault, stval %lx ok\n", (unsigned long)uc.stval);

    kk_uctx_set_pc(&uc, user_va(user_store_fault));
    KK_QEMU_CHECK(kk_uctx_run(&uc) == 0);
    KK_QEMU_CHECK(uc.scause == CAUSE_STORE_PF);
    KK_QEMU_CHECK(uc.stval == user_va(user_store_fault));
    KK_QEMU_CHECK(uc.sepc == user_va(user_store_fault) + 4);
    kk_qemu_printf("trapframe: user store page fault, stval %lx ok\n", (unsigned long)uc.stval);

    /* A timer interrupt while spinning in U-mode ends kk_uctx_run(). */
    unsigned long kernel_irqs = timer_irqs;
    kk_uctx_set_pc(&uc, user_va(user_spin));
    __asm__ volatile("csrs sie, %0" : : "r"(SIE_STIE));
    sbi_set_timer(kk_qemu_rdtime() + 10000);
    KK_QEMU_CHECK(kk_uctx_run(&uc) == 0);
    sbi_set_timer(~0ull);
    KK_QEMU_CHECK(uc.scause == CAUSE_STIMER);
    KK_QEMU_CHECK(uc.sepc == user_va(user_spin));
    KK_QEMU_CHECK(timer_irqs == kernel_irqs); /* not the kernel handler's */
    kk_qemu_printf("trapframe: user timer interrupt ok\n");
}

/* ---- kernel threads ----------------------------------------------------- */

static struct kk_context main_ctx, th_ctx[2];
static _Alignas(16) uint8_t th_stack[2][8192];
static char trace[32];
static unsigned ntrace;

static void thread_fn(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (;;) {
        trace[ntrace++] = (char)('a' + id);
        kk_context_switch(&th_ctx[id], id == 0 ? &th_ctx[1] : &main_ctx);
    }
}

static void threads(void)
{
    KK_QEMU_CHECK(
        kk_context_init(&th_ctx[0], th_stack[0], sizeof(th_stack[0]), thread_fn, (void *)0) == 0);
    KK_QEMU_CHECK(
        kk_context_init(&th_ctx[1], th_stack[1], sizeof(th_stack[1]), thread_fn, (void *)1) == 0);
    KK_QEMU_CHECK(kk_context_init(&th_ctx[1], th_stack[1], 10, thread_fn, NULL) == KK_EINVAL);
    KK_QEMU_CHECK(
        kk_context_init(&th_ctx[1], th_stack[1], sizeof(th_stack[1]), thread_fn, (void *)1) == 0);
    for (unsigned i = 0; i < 4; i++) {
        trace[ntrace++] = 'm';
        kk_context_switch(&main_ctx, &th_ctx[0]);
    }
    trace[ntrace] = 0;
    const char *want = "mabmabmabmab";
    for (unsigned i = 0; want[i] || trace[i]; i++)
        KK_QEMU_CHECK(trace[i] == want[i]);
    kk_qemu_printf("trapframe: kernel thread switch %s ok\n", trace);
}

/* ---- FPU ---------------------------------------------------------------- */

static void fpu(void)
{
    static struct kk_fpu_state a, b;
    KK_QEMU_CHECK(kk_fpu_state_size() == sizeof(a));
    KK_QEMU_CHECK(kk_fpu_state_init(&b, sizeof(b) - 1) == KK_ERANGE);
    KK_QEMU_CHECK(kk_fpu_state_init(&b, sizeof(b)) == 0);
    KK_QEMU_CHECK(kk_fpu_restore(&b) == 0); /* FPU on, all zero */
    KK_QEMU_CHECK(kk_fpu_save(&a) == 0);
    KK_QEMU_CHECK(a.f[31] == 0 && a.fcsr == 0);
    for (unsigned i = 0; i < 32; i++)
        a.f[i] = 0x4000000000000000ull + i;
    a.fcsr = 0x21; /* rounding mode RTZ, NX flag */
    KK_QEMU_CHECK(kk_fpu_restore(&a) == 0);
    KK_QEMU_CHECK(kk_fpu_save(&b) == 0);
    for (unsigned i = 0; i < 32; i++)
        KK_QEMU_CHECK(b.f[i] == a.f[i]);
    KK_QEMU_CHECK(b.fcsr == a.fcsr);
    uint64_t ss;
    __asm__ volatile("csrr %0, sstatus" : "=r"(ss));
    KK_QEMU_CHECK(((ss >> 13) & 3) == 2); /* FS = Clean */
    KK_QEMU_CHECK(kk_fpu_save(NULL) == KK_EINVAL);
    __asm__ volatile("csrc sstatus, %0" : : "r"(0x6000ul)); /* FS = Off */
    KK_QEMU_CHECK(kk_fpu_save(&b) == KK_ENOTSUP);
    kk_qemu_printf("trapframe: fpu save/restore ok\n");
}

/* ---- kernel stack guard ------------------------------------------------- */

extern char __stack_bottom[], __stack_top[];
static _Alignas(16) uint8_t emergency[1024];
static struct kk_context ovf_ctx, dead_ctx;
static volatile int ovf_stop;
static volatile uint64_t fatal_cause, fatal_sp, fatal_stval, fatal_frame, fatal_sscratch;
static volatile unsigned long fatal_calls;

static void fatal_handler(struct kk_trapframe *tf, void *ctx)
{
    KK_QEMU_CHECK(ctx == &cpu);
    fatal_calls++;
    fatal_cause = tf->scause;
    fatal_sp = tf->x[2];
    fatal_stval = tf->stval;
    fatal_frame = (uintptr_t)tf;
    __asm__ volatile("csrr %0, sscratch" : "=r"(fatal_sscratch));
    kk_context_switch(&dead_ctx, &main_ctx); /* the thread is dead; never resumed */
}

static __attribute__((noinline)) unsigned long recurse(unsigned long n)
{
    volatile uint8_t buf[200];
    buf[0] = (uint8_t)n;
    if (ovf_stop)
        return buf[0];
    unsigned long r = recurse(n + 1);
    buf[1] = (uint8_t)r; /* keeps the call out of tail position */
    return r + buf[1];
}

static void ovf_thread(void *arg)
{
    (void)arg;
    recurse(0);
    kk_qemu_fail("the recursion returned");
}

static void install_guarded(void)
{
    struct kk_trap_config cfg = {.size = sizeof(cfg),
                                 .cpu = &cpu,
                                 .handler = kernel_handler,
                                 .ctx = &cpu,
                                 .kstack_lo = (uintptr_t)__stack_bottom,
                                 .kstack_hi = (uintptr_t)__stack_top,
                                 .emergency_stack_top = (uintptr_t)emergency + sizeof(emergency),
                                 .fatal = NULL};
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL); /* no fatal handler */
    cfg.fatal = fatal_handler;
    cfg.emergency_stack_top += 8;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL); /* misaligned emergency stack */
    cfg.emergency_stack_top -= 8;
    cfg.kstack_hi = cfg.kstack_lo + 100;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == KK_EINVAL); /* smaller than a frame */
    cfg.kstack_hi = (uintptr_t)__stack_top;
    KK_QEMU_CHECK(kk_trap_init(&cfg) == 0);
    KK_QEMU_CHECK(cpu.kstack_lo == (uintptr_t)__stack_bottom + KK_RV_KSTACK_RESERVE);
    KK_QEMU_CHECK(kk_rv_set_kstack(OVF_LO, OVF_LO + 64) == KK_EINVAL);
}

static void stack_guard(void)
{
    install_guarded();
    kernel_timer("stack guard on, in bounds");
    KK_QEMU_CHECK(fatal_calls == 0);

    /* Twice: kk_rv_set_kstack() re-arms the fatal path after the first. */
    for (unsigned long round = 1; round <= 2; round++) {
        KK_QEMU_CHECK(
            kk_context_init(&ovf_ctx, (void *)OVF_LO, OVF_HI - OVF_LO, ovf_thread, NULL) == 0);
        __asm__ volatile("csrc sstatus, %0" : : "r"(SSTATUS_SIE));
        KK_QEMU_CHECK(kk_rv_set_kstack(OVF_LO, OVF_HI) == 0);
        kk_context_switch(&main_ctx, &ovf_ctx);
        KK_QEMU_CHECK(kk_rv_set_kstack(0, 0) == 0);
        KK_QEMU_CHECK(fatal_calls == round);
        KK_QEMU_CHECK(fatal_cause == CAUSE_STORE_PF || fatal_cause == CAUSE_LOAD_PF);
        KK_QEMU_CHECK(fatal_stval >= OVF_VA && fatal_stval < OVF_LO); /* in the guard page */
        KK_QEMU_CHECK(fatal_sp < OVF_LO + KK_RV_KSTACK_RESERVE);
        KK_QEMU_CHECK(fatal_frame >= (uintptr_t)emergency &&
                      fatal_frame + KK_TF_SIZE <= (uintptr_t)emergency + sizeof(emergency));
        KK_QEMU_CHECK(fatal_sscratch == (uintptr_t)&cpu);
    }
    kk_qemu_printf("trapframe: kernel stack overflow -> fatal handler on the emergency stack "
                   "(scause %lx, stval %lx, sp %lx) ok\n",
                   (unsigned long)fatal_cause, (unsigned long)fatal_stval, (unsigned long)fatal_sp);
}

void kk_qemu_main(unsigned long hartid, const void *dtb)
{
    (void)hartid;
    (void)dtb;
    check_config_errors();
    install(0);
    kernel_timer("direct");
    kernel_illegal();
    install(KK_RV_TRAP_VECTORED);
    kernel_timer("vectored");
    KK_QEMU_CHECK(handler_ctx_ok == timer_irqs + illegals);
    enable_paging();
    user_tests();
    threads();
    fpu();
    stack_guard();
    kk_qemu_pass();
}
