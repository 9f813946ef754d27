/*
 * trap.S: trap entry, uctx_run and context_switch for the demo kernel.
 *
 * sscratch is 0 while the hart runs kernel code and holds the running
 * struct user_context while it runs user code. A trap from the kernel saves
 * the caller-saved registers on the current stack and calls kernel_trap();
 * a trap from user mode saves every user register into the user context and
 * returns from the uctx_run() call that entered user mode (after an ecall,
 * the saved pc already points past it, as with kernkit::trapframe).
 */
#define UX(n)  (8 * (n))
#define SEPC   256
#define SSTAT  264
#define SCAUSE 272
#define STVAL  280
#define KS(n)  (288 + 8 * (n))

    .section .text
    .globl  trap_entry
    .balign 4
trap_entry:
    csrrw   sp, sscratch, sp
    beqz    sp, from_kernel
    /* from user: sp = user context, sscratch = user sp */
    sd      x1, UX(1)(sp)
    sd      x3, UX(3)(sp)
    sd      x4, UX(4)(sp)
    sd      x5, UX(5)(sp)
    sd      x6, UX(6)(sp)
    sd      x7, UX(7)(sp)
    sd      x8, UX(8)(sp)
    sd      x9, UX(9)(sp)
    sd      x10, UX(10)(sp)
    sd      x11, UX(11)(sp)
    sd      x12, UX(12)(sp)
    sd      x13, UX(13)(sp)
    sd      x14, UX(14)(sp)
    sd      x15, UX(15)(sp)
    sd      x16, UX(16)(sp)
    sd      x17, UX(17)(sp)
    sd      x18, UX(18)(sp)
    sd      x19, UX(19)(sp)
    sd      x20, UX(20)(sp)
    sd      x21, UX(21)(sp)
    sd      x22, UX(22)(sp)
    sd      x23, UX(23)(sp)
    sd      x24, UX(24)(sp)
    sd      x25, UX(25)(sp)
    sd      x26, UX(26)(sp)
    sd      x27, UX(27)(sp)
    sd      x28, UX(28)(sp)
    sd      x29, UX(29)(sp)
    sd      x30, UX(30)(sp)
    sd      x31, UX(31)(sp)
    csrrw   t0, sscratch, zero
    sd      t0, UX(2)(sp)
    csrr    t0, sepc
    csrr    t1, scause
    li      t2, 8               /* ecall from U-mode: resume after it */
    bne     t1, t2, 1f
    addi    t0, t0, 4
1:  sd      t0, SEPC(sp)
    sd      t1, SCAUSE(sp)
    csrr    t0, sstatus
    sd      t0, SSTAT(sp)
    csrr    t0, stval
    sd      t0, STVAL(sp)
    mv      a0, sp
    ld      ra, KS(0)(a0)
    ld      sp, KS(1)(a0)
    ld      gp, KS(2)(a0)
    ld      tp, KS(3)(a0)
    ld      s0, KS(4)(a0)
    ld      s1, KS(5)(a0)
    ld      s2, KS(6)(a0)
    ld      s3, KS(7)(a0)
    ld      s4, KS(8)(a0)
    ld      s5, KS(9)(a0)
    ld      s6, KS(10)(a0)
    ld      s7, KS(11)(a0)
    ld      s8, KS(12)(a0)
    ld      s9, KS(13)(a0)
    ld      s10, KS(14)(a0)
    ld      s11, KS(15)(a0)
    ret                         /* out of uctx_run() */

from_kernel:
    csrrw   sp, sscratch, sp    /* sp = kernel sp again, sscratch = 0 */
    addi    sp, sp, -144
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      a0, 32(sp)
    sd      a1, 40(sp)
    sd      a2, 48(sp)
    sd      a3, 56(sp)
    sd      a4, 64(sp)
    sd      a5, 72(sp)
    sd      a6, 80(sp)
    sd      a7, 88(sp)
    sd      t3, 96(sp)
    sd      t4, 104(sp)
    sd      t5, 112(sp)
    sd      t6, 120(sp)
    csrr    t0, sepc
    sd      t0, 128(sp)
    csrr    t0, sstatus
    sd      t0, 136(sp)
    csrr    a0, scause
    csrr    a1, stval
    ld      a2, 128(sp)
    call    trap_kernel_entry
    ld      t0, 128(sp)
    csrw    sepc, t0
    ld      t0, 136(sp)
    csrw    sstatus, t0
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      a0, 32(sp)
    ld      a1, 40(sp)
    ld      a2, 48(sp)
    ld      a3, 56(sp)
    ld      a4, 64(sp)
    ld      a5, 72(sp)
    ld      a6, 80(sp)
    ld      a7, 88(sp)
    ld      t3, 96(sp)
    ld      t4, 104(sp)
    ld      t5, 112(sp)
    ld      t6, 120(sp)
    addi    sp, sp, 144
    sret

    .globl  uctx_run
uctx_run:
    sd      ra, KS(0)(a0)
    sd      sp, KS(1)(a0)
    sd      gp, KS(2)(a0)
    sd      tp, KS(3)(a0)
    sd      s0, KS(4)(a0)
    sd      s1, KS(5)(a0)
    sd      s2, KS(6)(a0)
    sd      s3, KS(7)(a0)
    sd      s4, KS(8)(a0)
    sd      s5, KS(9)(a0)
    sd      s6, KS(10)(a0)
    sd      s7, KS(11)(a0)
    sd      s8, KS(12)(a0)
    sd      s9, KS(13)(a0)
    sd      s10, KS(14)(a0)
    sd      s11, KS(15)(a0)
    csrci   sstatus, 2          /* no interrupts until sret */
    csrw    sscratch, a0
    ld      t0, SEPC(a0)
    csrw    sepc, t0
    ld      t0, SSTAT(a0)
    andi    t0, t0, ~2          /* keep SIE off until sret */
    csrw    sstatus, t0
    ld      x1, UX(1)(a0)
    ld      x2, UX(2)(a0)
    ld      x3, UX(3)(a0)
    ld      x4, UX(4)(a0)
    ld      x5, UX(5)(a0)
    ld      x6, UX(6)(a0)
    ld      x7, UX(7)(a0)
    ld      x8, UX(8)(a0)
    ld      x9, UX(9)(a0)
    ld      x11, UX(11)(a0)
    ld      x12, UX(12)(a0)
    ld      x13, UX(13)(a0)
    ld      x14, UX(14)(a0)
    ld      x15, UX(15)(a0)
    ld      x16, UX(16)(a0)
    ld      x17, UX(17)(a0)
    ld      x18, UX(18)(a0)
    ld      x19, UX(19)(a0)
    ld      x20, UX(20)(a0)
    ld      x21, UX(21)(a0)
    ld      x22, UX(22)(a0)
    ld      x23, UX(23)(a0)
    ld      x24, UX(24)(a0)
    ld      x25, UX(25)(a0)
    ld      x26, UX(26)(a0)
    ld      x27, UX(27)(a0)
    ld      x28, UX(28)(a0)
    ld      x29, UX(29)(a0)
    ld      x30, UX(30)(a0)
    ld      x31, UX(31)(a0)
    ld      x10, UX(10)(a0)
    sret

    .globl  context_switch
context_switch:
    sd      ra, 0(a0)
    sd      sp, 8(a0)
    sd      s0, 16(a0)
    sd      s1, 24(a0)
    sd      s2, 32(a0)
    sd      s3, 40(a0)
    sd      s4, 48(a0)
    sd      s5, 56(a0)
    sd      s6, 64(a0)
    sd      s7, 72(a0)
    sd      s8, 80(a0)
    sd      s9, 88(a0)
    sd      s10, 96(a0)
    sd      s11, 104(a0)
    ld      ra, 0(a1)
    ld      sp, 8(a1)
    ld      s0, 16(a1)
    ld      s1, 24(a1)
    ld      s2, 32(a1)
    ld      s3, 40(a1)
    ld      s4, 48(a1)
    ld      s5, 56(a1)
    ld      s6, 64(a1)
    ld      s7, 72(a1)
    ld      s8, 80(a1)
    ld      s9, 88(a1)
    ld      s10, 96(a1)
    ld      s11, 104(a1)
    ret
