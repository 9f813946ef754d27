/*
 * trapframe on two riscv64 harts (QEMU virt -smp 2). The boot hart (0 or 1,
 * whichever OpenSBI picked) starts the other one with SBI HSM hart_start.
 * Each hart then, at the same time as the other:
 *  - runs kk_trap_init() with its own per-CPU block (struct percpu, the
 *    library's struct kk_trap_cpu at offset 0);
 *  - takes kernel timer interrupts, and user ecalls and a user timer interrupt
 *    through kk_uctx_run();
 *  - checks on every trap that sscratch, the handler's ctx and the user
 *    context are this hart's own (tp holds the hart's index in kernel mode).
 * The second hart reports through its block; the boot hart checks both and
 * passes.
 */
#include "qemu_rt.h"

#include <kernkit/trapframe.h>

#define SBI_EXT_TIME  0x54494D45ul
#define SBI_EXT_HSM   0x48534Dul
#define HSM_START     0
#define HSM_STATUS    2
#define CAUSE_STIMER  (KK_RV_CAUSE_INTR | 5)
#define SIE_STIE      0x20ul
#define SSTATUS_SIE   0x2ul
#define USER_VA       0x40000000ul
#define ROUNDS        200
#define KERNEL_TIMERS 3

enum { SYS_ADD = 1, SYS_ECHO = 2 };

void smp_user_page(void);
void smp_user_spin(void);
void smp_secondary_entry(void);

/* clang-format off */
/* User code without a stack: a0 comes in with a per-hart tag. */
__asm__(".section .text.kkuser, \"ax\", @progbits\n"
        ".balign 4096\n"
        ".globl smp_user_page\n"
        "smp_user_page:\n"
        "1:addi a0, a0, 1\n"
        "  li a7, 1\n"
        "  ecall\n"              /* returns a0 = tag * 3 */
        "  mv a1, a0\n"
        "  li a7, 2\n"
        "  ecall\n"              /* kernel checks a1, sets a0 = next tag */
        "  j 1b\n"
        ".globl smp_user_spin\n"
        "smp_user_spin:\n"
        "  j smp_user_spin\n"
        ".text\n"
        /* HSM start address: a0 = hart id, a1 = opaque (stack top). */
        ".globl smp_secondary_entry\n"
        "smp_secondary_entry:\n"
        "  mv sp, a1\n"
        "  call smp_secondary_main\n"
        "2:wfi\n"
        "  j 2b\n");
/* clang-format on */

/* Per-hart data: the library's block first, then the test's own counters. */
struct percpu {
    struct kk_trap_cpu cpu;
    unsigned long hartid;
    unsigned long index;
    struct kk_user_context uc;
    volatile unsigned long kernel_timers;
    volatile unsigned long user_ecalls;
    volatile unsigned long user_timers;
    volatile unsigned long bad; /* first cross-talk seen, as a line number */
    volatile uint32_t done;
} __attribute__((aligned(16)));

static struct percpu pcpu[2];
static _Alignas(16) uint8_t secondary_stack[16384];
static _Alignas(4096) uint64_t pt_root[512];
static _Alignas(4096) uint64_t pt_l1[512];
static _Alignas(4096) uint64_t pt_l0[512];
static volatile uint32_t arrived, print_lock;

#define BAD(p)                                                                                     \
    do {                                                                                           \
        if (!(p)->bad)                                                                             \
            (p)->bad = __LINE__;                                                                   \
    } while (0)

static struct percpu *self(void)
{
    unsigned long tp;
    __asm__ volatile("mv %0, tp" : "=r"(tp));
    return &pcpu[tp & 1];
}

static void lock_print(void)
{
    while (__atomic_exchange_n(&print_lock, 1u, __ATOMIC_ACQUIRE))
        ;
}

static void unlock_print(void)
{
    __atomic_store_n(&print_lock, 0u, __ATOMIC_RELEASE);
}

static long sbi_call(unsigned long ext, unsigned long fid, unsigned long a0v, unsigned long a1v,
                     unsigned long a2v)
{
    register unsigned long a0 __asm__("a0") = a0v;
    register unsigned long a1 __asm__("a1") = a1v;
    register unsigned long a2 __asm__("a2") = a2v;
    register unsigned long a6 __asm__("a6") = fid;
    register unsigned long a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return a0 ? (long)a0 : (long)a1; /* error, or the value */
}

static void set_timer(uint64_t when)
{
    sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

static uint64_t pte(uintptr_t pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12) << 10 | flags;
}

/* Shared Sv39 table: RAM identity gigapage, the user code page at USER_VA. */
static void build_page_table(void)
{
    pt_root[2] = pte(0x80000000ul, 0xcful); /* V R W X A D */
    pt_root[0] = pte(0, 0xc7ul);            /* devices: V R W A D */
    pt_root[1] = pte((uintptr_t)pt_l1, 1);
    pt_l1[0] = pte((uintptr_t)pt_l0, 1);
    pt_l0[0] = pte((uintptr_t)smp_user_page, 0x5bul); /* V R X U A */
}

static void enable_paging(void)
{
    uint64_t satp = (8ul << 60) | ((uintptr_t)pt_root >> 12);
    __asm__ volatile("csrw satp, %0\n\tsfence.vma" : : "r"(satp) : "memory");
}

static uint64_t read_sscratch(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, sscratch" : "=r"(v));
    return v;
}

static void kernel_handler(struct kk_trapframe *tf, void *ctx)
{
    struct percpu *p = self();
    if (ctx != p || read_sscratch() != (uintptr_t)&p->cpu)
        BAD(p);
    if (tf->scause != CAUSE_STIMER) {
        kk_qemu_fail("hart %lu: unexpected kernel trap scause=%lx sepc=%lx", p->hartid,
                     (unsigned long)tf->scause, (unsigned long)tf->sepc);
    }
    p->kernel_timers++;
    set_timer(~0ull);
}

static void install(struct percpu *p)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg), .flags = 0, .cpu = &p->cpu, .handler = kernel_handler, .ctx = p};
    if (p->index == 1)
        cfg.flags = KK_RV_TRAP_VECTORED; /* the two harts differ in mode, too */
    KK_QEMU_CHECK(kk_trap_init(&cfg) == 0);
    if (read_sscratch() != (uintptr_t)&p->cpu)
        BAD(p);
}

static void kernel_timers(struct percpu *p)
{
    __asm__ volatile("csrs sie, %0" : : "r"(SIE_STIE));
    for (unsigned i = 0; i < KERNEL_TIMERS; i++) {
        unsigned long before = p->kernel_timers;
        set_timer(kk_qemu_rdtime() + 5000);
        uint64_t deadline = kk_qemu_rdtime() + 20000000; /* 2 s */
        while (p->kernel_timers == before &&
               kk_qemu_rdtime() < deadline) { /* see trapframe_riscv64.c */
            __asm__ volatile("wfi");
            __asm__ volatile("csrs sstatus, %0\n\tcsrc sstatus, %0"
                             :
                             : "r"(SSTATUS_SIE)
                             : "memory");
        }
    }
}

static uint64_t tag(struct percpu *p, unsigned round)
{
    return (p->index + 1) << 40 | (uint64_t)round << 8;
}

static void run_checked(struct percpu *p)
{
    KK_QEMU_CHECK(kk_uctx_run(&p->uc) == 0);
    if (read_sscratch() != (uintptr_t)&p->cpu || p->cpu.uc != NULL || self() != p)
        BAD(p);
}

static void user_rounds(struct percpu *p)
{
    kk_uctx_set_pc(&p->uc, USER_VA);
    p->uc.x[10] = tag(p, 0);
    for (unsigned r = 0; r < ROUNDS; r++) {
        run_checked(p);
        if (!kk_uctx_is_syscall(&p->uc) || kk_uctx_syscall_nr(&p->uc) != SYS_ADD ||
            kk_uctx_arg(&p->uc, 0) != tag(p, r) + 1)
            BAD(p);
        kk_uctx_set_ret(&p->uc, tag(p, r) * 3);
        run_checked(p);
        if (!kk_uctx_is_syscall(&p->uc) || kk_uctx_syscall_nr(&p->uc) != SYS_ECHO ||
            kk_uctx_arg(&p->uc, 1) != tag(p, r) * 3)
            BAD(p);
        kk_uctx_set_ret(&p->uc, tag(p, r + 1));
        p->user_ecalls += 2;
    }
    /* A timer interrupt in U-mode ends kk_uctx_run() on this hart. */
    kk_uctx_set_pc(&p->uc, USER_VA + ((uintptr_t)smp_user_spin - (uintptr_t)smp_user_page));
    unsigned long kt = p->kernel_timers;
    set_timer(kk_qemu_rdtime() + 5000);
    run_checked(p);
    set_timer(~0ull);
    if (p->uc.scause == CAUSE_STIMER && p->kernel_timers == kt)
        p->user_timers++;
}

static void barrier(void)
{
    __atomic_fetch_add(&arrived, 1u, __ATOMIC_ACQ_REL);
    uint64_t deadline = kk_qemu_rdtime() + 50000000; /* 5 s */
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < 2) {
        if (kk_qemu_rdtime() > deadline)
            kk_qemu_fail("hart %lu: the other hart never arrived", self()->hartid);
    }
}

static void hart_body(struct percpu *p)
{
    __asm__ volatile("mv tp, %0" : : "r"(p->index));
    enable_paging();
    install(p);
    barrier();
    kernel_timers(p);
    user_rounds(p);
    kernel_timers(p);
    lock_print();
    kk_qemu_printf("trapframe-smp: hart %lu (block %p): %lu kernel timers, %lu user ecalls, "
                   "%lu user timer, cross-talk %s\n",
                   p->hartid, (void *)&p->cpu, p->kernel_timers, p->user_ecalls, p->user_timers,
                   p->bad ? "SEEN" : "none");
    unlock_print();
    __atomic_store_n(&p->done, 1u, __ATOMIC_RELEASE);
}

void smp_secondary_main(unsigned long hartid);
void smp_secondary_main(unsigned long hartid)
{
    struct percpu *p = &pcpu[1];
    KK_QEMU_CHECK(hartid == p->hartid);
    hart_body(p);
}

static void check(const struct percpu *p)
{
    if (p->bad)
        kk_qemu_fail("hart %lu: cross-talk detected at line %lu", p->hartid, p->bad);
    KK_QEMU_CHECK(p->kernel_timers == 2 * KERNEL_TIMERS);
    KK_QEMU_CHECK(p->user_ecalls == 2 * ROUNDS);
    KK_QEMU_CHECK(p->user_timers == 1);
}

void kk_qemu_main(unsigned long hartid, const void *dtb)
{
    (void)dtb;
    KK_QEMU_CHECK(hartid <= 1);
    pcpu[0].hartid = hartid;
    pcpu[0].index = 0;
    pcpu[1].hartid = hartid ^ 1;
    pcpu[1].index = 1;
    build_page_table();
    kk_qemu_printf("trapframe-smp: boot hart %lu, starting hart %lu\n", hartid, hartid ^ 1);
    KK_QEMU_CHECK(sbi_call(SBI_EXT_HSM, HSM_STATUS, hartid ^ 1, 0, 0) == 1); /* STOPPED */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    long err = sbi_call(SBI_EXT_HSM, HSM_START, hartid ^ 1, (uintptr_t)smp_secondary_entry,
                        (uintptr_t)secondary_stack + sizeof(secondary_stack));
    if (err < 0)
        kk_qemu_fail("SBI hart_start failed: %ld", err);
    hart_body(&pcpu[0]);
    uint64_t deadline = kk_qemu_rdtime() + 100000000; /* 10 s */
    while (!__atomic_load_n(&pcpu[1].done, __ATOMIC_ACQUIRE)) {
        if (kk_qemu_rdtime() > deadline)
            kk_qemu_fail("hart %lu never reported", pcpu[1].hartid);
    }
    check(&pcpu[0]);
    check(&pcpu[1]);
    KK_QEMU_CHECK(pcpu[0].cpu.handler == kernel_handler && pcpu[1].cpu.ctx == &pcpu[1]);
    kk_qemu_pass();
}
