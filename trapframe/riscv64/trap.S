/*
 * trap.S: riscv64 trap entry (direct and vectored stvec), the kernel-trap
 * path and kk_uctx_run().
 *
 * sscratch always holds the hart's struct kk_trap_cpu. The entry swaps it
 * with sp, decides by sstatus.SPP where the trap came from, and puts it back
 * before anything can trap again:
 *  - from U-mode: every user register goes into cpu->uc, then sp becomes the
 *    kernel sp saved by kk_uctx_run(), which returns to its caller;
 *  - from S-mode: a struct kk_trapframe is pushed on the interrupted stack,
 *    cpu->handler(tf, cpu->ctx) runs, and `sret` resumes through the frame.
 * Kernel stack guard: when bounds are configured, a kernel trap first checks
 * the interrupted sp against [kstack_lo (+ reserve), kstack_hi]. Out of
 * bounds (the stack overflowed into its guard page, or sp is wild), pushing
 * a frame there would fault again inside the entry, forever; instead the
 * frame goes on the per-hart emergency stack and cpu->fatal(tf, ctx) runs
 * (it must not return; a second fatal entry parks the hart).
 */
#include <kernkit/trapframe_riscv64.h>

#define SSTATUS_SIE  0x2
#define SSTATUS_SPIE 0x20
#define SSTATUS_SPP  0x100

/* Kernel registers kk_uctx_run() keeps on its stack: ra gp tp s0-s11. */
#define RUN_FRAME 128

/* Store x\n of the listed registers at \base. */
.macro SAVE_X base, regs:vararg
.irp n, \regs
    sd      x\n, KK_UC_X(\n)(\base)
.endr
.endm

.macro LOAD_X base, regs:vararg
.irp n, \regs
    ld      x\n, KK_UC_X(\n)(\base)
.endr
.endm

/*
 * Fill the frame at sp after a kernel trap: t0 = cpu, the trapped t0/t1 in
 * cpu->t0/t1, the interrupted sp in sscratch. Restores sscratch = cpu, so
 * nested traps are safe afterwards.
 */
.macro SAVE_FRAME
    SAVE_X  sp, 1, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
    SAVE_X  sp, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld      t1, KK_CPU_T0(t0)
    sd      t1, KK_UC_X(5)(sp)
    ld      t1, KK_CPU_T1(t0)
    sd      t1, KK_UC_X(6)(sp)
    csrr    t1, sscratch
    sd      t1, KK_UC_X(2)(sp)
    sd      zero, KK_UC_X(0)(sp)
    csrw    sscratch, t0
    csrr    t1, sepc
    sd      t1, KK_UC_SEPC(sp)
    csrr    t1, sstatus
    sd      t1, KK_UC_SSTATUS(sp)
    csrr    t1, scause
    sd      t1, KK_UC_SCAUSE(sp)
    csrr    t1, stval
    sd      t1, KK_UC_STVAL(sp)
.endm

    .text

/* Vectored mode: exceptions at +0, interrupt n at +4n; all share the entry. */
    .globl  kk_rv_trap_vectors
    .hidden kk_rv_trap_vectors
    .balign 256
kk_rv_trap_vectors:
.rept 16
    j       kk_rv_trap_entry
.endr

    .globl  kk_rv_trap_entry
    .hidden kk_rv_trap_entry
    .type   kk_rv_trap_entry, @function
    .balign 4
kk_rv_trap_entry:
    csrrw   sp, sscratch, sp
    sd      t0, KK_CPU_T0(sp)
    csrr    t0, sstatus
    andi    t0, t0, SSTATUS_SPP
    bnez    t0, from_kernel

    /* ---- from U-mode: sp = cpu, sscratch = user sp, t0 in cpu->t0 ---- */
    ld      t0, KK_CPU_UCTX(sp)
    SAVE_X  t0, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
    SAVE_X  t0, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld      t1, KK_CPU_T0(sp)
    sd      t1, KK_UC_X(5)(t0)
    csrr    t1, sscratch
    sd      t1, KK_UC_X(2)(t0)
    sd      zero, KK_UC_X(0)(t0)
    csrw    sscratch, sp
    csrr    t1, sepc
    csrr    t2, scause
    sd      t2, KK_UC_SCAUSE(t0)
    li      t3, KK_RV_CAUSE_ECALL_U
    bne     t2, t3, 1f
    addi    t1, t1, 4               /* resume after the ecall */
1:  sd      t1, KK_UC_SEPC(t0)
    csrr    t1, sstatus
    sd      t1, KK_UC_SSTATUS(t0)
    csrr    t1, stval
    sd      t1, KK_UC_STVAL(t0)
    sd      zero, KK_CPU_UCTX(sp)
    ld      sp, KK_CPU_KSP(sp)
    ld      ra, 0(sp)
    ld      gp, 8(sp)
    ld      tp, 16(sp)
    ld      s0, 24(sp)
    ld      s1, 32(sp)
    ld      s2, 40(sp)
    ld      s3, 48(sp)
    ld      s4, 56(sp)
    ld      s5, 64(sp)
    ld      s6, 72(sp)
    ld      s7, 80(sp)
    ld      s8, 88(sp)
    ld      s9, 96(sp)
    ld      s10, 104(sp)
    ld      s11, 112(sp)
    addi    sp, sp, RUN_FRAME
    li      a0, 0                   /* kk_uctx_run() returns 0 */
    ret

    /* ---- from S-mode: sp = cpu, sscratch = interrupted sp ---- */
from_kernel:
    mv      t0, sp                  /* t0 = cpu */
    csrr    sp, sscratch
    sd      t1, KK_CPU_T1(t0)
    ld      t1, KK_CPU_KSTACK_LO(t0)
    bltu    sp, t1, kstack_bad
    ld      t1, KK_CPU_KSTACK_HI(t0)
    bltu    t1, sp, kstack_bad
    addi    sp, sp, -KK_TF_SIZE
    andi    sp, sp, -16
    SAVE_FRAME
    mv      a0, sp
    ld      a1, KK_CPU_CTX(t0)
    ld      t1, KK_CPU_HANDLER(t0)
    jalr    t1
    ld      t1, KK_UC_SEPC(sp)
    csrw    sepc, t1
    ld      t1, KK_UC_SSTATUS(sp)
    csrw    sstatus, t1
    LOAD_X  sp, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
    LOAD_X  sp, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld      sp, KK_UC_X(2)(sp)
    sret

    /* ---- kernel sp out of bounds: t0 = cpu, sscratch = the bad sp ---- */
kstack_bad:
    ld      t1, KK_CPU_FATAL_BUSY(t0)
    bnez    t1, 9f                  /* the fatal handler itself trapped */
    li      t1, 1
    sd      t1, KK_CPU_FATAL_BUSY(t0)
    ld      sp, KK_CPU_EMERG_SP(t0)
    addi    sp, sp, -KK_TF_SIZE
    SAVE_FRAME
    mv      a0, sp
    ld      a1, KK_CPU_CTX(t0)
    ld      t1, KK_CPU_FATAL(t0)
    jalr    t1
9:  csrci   sstatus, SSTATUS_SIE    /* park the hart */
    wfi
    j       9b
    .size   kk_rv_trap_entry, . - kk_rv_trap_entry

/* void kk_uctx_run(struct kk_user_context *uc) */
    .globl  kk_uctx_run
    .type   kk_uctx_run, @function
    .balign 4
kk_uctx_run:
    beqz    a0, 9f
    csrci   sstatus, SSTATUS_SIE
    addi    sp, sp, -RUN_FRAME
    sd      ra, 0(sp)
    sd      gp, 8(sp)
    sd      tp, 16(sp)
    sd      s0, 24(sp)
    sd      s1, 32(sp)
    sd      s2, 40(sp)
    sd      s3, 48(sp)
    sd      s4, 56(sp)
    sd      s5, 64(sp)
    sd      s6, 72(sp)
    sd      s7, 80(sp)
    sd      s8, 88(sp)
    sd      s9, 96(sp)
    sd      s10, 104(sp)
    sd      s11, 112(sp)
    csrr    t0, sscratch
    sd      sp, KK_CPU_KSP(t0)
    sd      a0, KK_CPU_UCTX(t0)
    ld      t1, KK_UC_SEPC(a0)
    csrw    sepc, t1
    li      t1, SSTATUS_SPP
    csrc    sstatus, t1             /* return to U-mode */
    li      t1, SSTATUS_SPIE
    csrs    sstatus, t1             /* with interrupts enabled */
    LOAD_X  a0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
    LOAD_X  a0, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld      a0, KK_UC_X(10)(a0)
    sret
9:  li      a0, -22                 /* KK_EINVAL */
    ret
    .size   kk_uctx_run, . - kk_uctx_run
