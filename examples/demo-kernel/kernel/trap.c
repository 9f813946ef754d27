/*
 * trap.c: interrupts (timer, PLIC), kernel-mode traps and the loop every
 * process's kernel thread runs: enter user mode, handle what brought it back.
 */
#include "proc.h"
#include "sched.h"
#include "syscall.h"
#include "virtio.h"

static void kernel_trap(uint64_t scause, uint64_t stval, uint64_t sepc);
static void kk_handler(struct kk_trapframe *tf, void *ctx)
{
    (void)ctx;
    kernel_trap(tf->scause, tf->stval, tf->sepc);
}

static void install_entry(struct cpu *c)
{
    struct kk_trap_config cfg = {
        .size = sizeof cfg, .cpu = &c->trap, .handler = kk_handler, .ctx = NULL};
    if (kk_trap_init(&cfg) < 0)
        panic("kk_trap_init failed");
}
static uint64_t tick_interval;

/* ---- PLIC ---- */
static volatile uint32_t *plic;

static void plic_init_hart(struct cpu *c)
{
    if (c->plic_ctx == UINT32_MAX)
        c->plic_ctx = (uint32_t)(2 * c->hartid + 1); /* QEMU virt layout */
    uintptr_t base = (uintptr_t)plic;
    volatile uint32_t *enable = (volatile uint32_t *)(base + 0x2000 + 0x80 * c->plic_ctx);
    volatile uint32_t *threshold = (volatile uint32_t *)(base + 0x200000 + 0x1000 * c->plic_ctx);
    /* Every device interrupt goes to one hart, CPU 0. Enabled on every
     * hart, each interrupt woke all idle harts (a QEMU vCPU thread each, on
     * a busy host one scheduling delay each), one of them claimed it and the
     * woken process often went to another, idle hart through an IPI: a disk
     * read on -smp 2 waited up to a timer tick per request (issue 15). The
     * wake-up side is in rq_wake(): a process woken from an idle hart's
     * interrupt runs on that hart. */
    uint32_t irqs[9] = {0};
    if (c->id == 0) {
        irqs[0] = boot_info.uart_irq;
        for (uint32_t i = 0; i < boot_info.nvirtio && i < 8; i++)
            irqs[i + 1] = boot_info.virtio_irq[i];
    }
    for (uint32_t i = 0; i < ARRAY_SIZE(irqs); i++) {
        if (!irqs[i])
            continue;
        plic[irqs[i]] = 1; /* priority */
        enable[irqs[i] / 32] |= 1u << (irqs[i] % 32);
    }
    *threshold = 0;
}

static void plic_dispatch(void)
{
    struct cpu *c = mycpu();
    volatile uint32_t *claim =
        (volatile uint32_t *)((uintptr_t)plic + 0x200004 + 0x1000 * c->plic_ctx);
    uint32_t irq;
    while ((irq = *claim) != 0) {
        if (irq == boot_info.uart_irq)
            console_intr();
        else
            virtio_intr(irq);
        *claim = irq;
    }
}

void trap_init_hart(void)
{
    struct cpu *c = mycpu();
    if (!plic)
        plic = P2V(boot_info.plic_base);
    if (!tick_interval)
        tick_interval = (boot_info.timebase ? boot_info.timebase : 10000000) / TICK_HZ;
    install_entry(c);
    csr_write(scounteren, 7); /* user programs may read cycle/time/instret */
    plic_init_hart(c);
    csr_set(sie, SIE_STIE | SIE_SEIE | SIE_SSIE);
    sbi_set_timer(rdtime() + tick_interval);
}

/* Returns true for a timer tick (the caller may reschedule). */
static bool interrupt(uint64_t cause)
{
    switch (cause & 0xff) {
    case IRQ_S_TIMER:
        sbi_set_timer(rdtime() + tick_interval);
        return timer_tick();
    case IRQ_S_EXT:
        plic_dispatch();
        return false;
    case IRQ_S_SOFT: /* a kick from rq_wake(): work arrived, or preempt for a waker */
        csr_clear(sip, SIP_SSIP);
        return rq_need_resched(mycpu());
    default:
        panic("unexpected interrupt %lx", (unsigned long)cause);
    }
}

static void kernel_trap(uint64_t scause, uint64_t stval, uint64_t sepc)
{
    if (scause & CAUSE_INTR) {
        interrupt(scause);
        return;
    }
    struct proc *p = mycpu()->proc;
    panic("kernel trap scause=%lx stval=%lx sepc=%lx (pid %d)", (unsigned long)scause,
          (unsigned long)stval, (unsigned long)sepc, p ? p->pid : -1);
}

static const char *fault_name(uint64_t cause)
{
    switch (cause) {
    case EXC_ILLEGAL:
        return "illegal instruction";
    case EXC_BREAKPOINT:
        return "breakpoint";
    case EXC_INST_PAGE:
    case EXC_INST_ACCESS:
        return "instruction fault";
    case EXC_LOAD_PAGE:
    case EXC_LOAD_ACCESS:
        return "load fault";
    case EXC_STORE_PAGE:
    case EXC_STORE_ACCESS:
        return "store fault";
    default:
        return "exception";
    }
}

/* Informational boot figure: rdtime ticks from reset to init's first user instruction. */
static void note_boot_done(void)
{
    extern uint64_t boot_time0, boot_to_init;
    boot_to_init = rdtime();
    uint64_t tb = boot_info.timebase ? boot_info.timebase : 10000000;
    kprintf("boot.kernel-entry: %lu ticks\nboot.to-shell: %lu ticks (%lu us)\n",
            (unsigned long)boot_time0, (unsigned long)boot_to_init,
            (unsigned long)(boot_to_init * 1000000 / tb));
}

void user_loop(void)
{
    struct proc *p = myproc();
    if (p->pid == 1)
        note_boot_done();
    for (;;) {
        if (p->killed)
            proc_exit(-1);
        intr_off();
        p->uctx.sstatus = (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE;
        uctx_run(&p->uctx);
        uint64_t cause = p->uctx.scause;
        if (cause & CAUSE_INTR) {
            if (interrupt(cause))
                sched_preempt();
            continue;
        }
        intr_on();
        if (cause == EXC_ECALL_U) { /* sepc is already past the ecall */
            long r = syscall_dispatch(p);
            p->uctx.x[UCTX_A0] = (uint64_t)r;
            if (rq_need_resched(mycpu())) /* it woke a process that should run first */
                sched_preempt();
            continue;
        }
        kprintf("pid %d (%s): %s at pc %lx, address %lx: killed\n", p->pid, p->name,
                fault_name(cause), (unsigned long)p->uctx.sepc, (unsigned long)p->uctx.stval);
        proc_exit(-1);
    }
}
