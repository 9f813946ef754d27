/*
 * trap.S: aarch64 EL1 vector table, the kernel-trap path and kk_uctx_run().
 *
 * The kernel runs at EL1 on SP_EL1; TPIDR_EL1 holds the CPU's struct
 * kk_trap_cpu. Every entry records which vector it was (sync, IRQ, FIQ,
 * SError) and goes one of two ways:
 *  - from EL0 (AArch64 or AArch32 vectors): sp is the kernel sp that
 *    kk_uctx_run() left, with its frame on top. Every user register, SP_EL0,
 *    ELR/SPSR, TPIDR_EL0, ESR/FAR go into cpu->uc, and kk_uctx_run() returns
 *    to its caller;
 *  - from EL1 (SP_EL1 or SP_EL0 vectors): a struct kk_trapframe is pushed on
 *    the interrupted stack, cpu->handler(tf, cpu->ctx) runs with DAIF masked
 *    (a synchronous trap inside it nests: ELR/SPSR are already in the
 *    frame), and `eret` resumes through the frame.
 * No FP/SIMD register is touched (see kk_fpu_save()).
 */
#include <kernkit/trapframe_aarch64.h>

/* kk_uctx_run() keeps x19-x30 on its stack (96 bytes). */
#define RUN_FRAME 96

/* Store (load) x2..x30 at \base, in the struct kk_user_context layout. */
.macro SAVE_X2_30 base
.irp a, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28
    XPAIR   stp, \a, \base
.endr
    str     x30, [\base, #KK_UC_X(30)]
.endm

.macro LOAD_X2_30 base
.irp a, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28
    XPAIR   ldp, \a, \base
.endr
    ldr     x30, [\base, #KK_UC_X(30)]
.endm

/* \op x\a, x(\a+1) at their slots of \base. */
.macro XPAIR op, a, base
    .altmacro
    XPAIR_ \op, %(\a), %(\a + 1), \base
    .noaltmacro
.endm
.macro XPAIR_ op, a, b, base
    \op    x\a, x\b, [\base, #KK_UC_X(\a)]
.endm

    .text

/* One 128-byte vector slot: kernel trap of \type. */
.macro KVEC type
    .balign 128
    sub     sp, sp, #KK_TF_SIZE
    stp     x0, x1, [sp, #KK_UC_X(0)]
    mov     x0, #\type
    b       kernel_trap
.endm

/* One 128-byte vector slot: trap from EL0 of \type. */
.macro UVEC type
    .balign 128
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\type
    b       user_trap
.endm

    .globl  kk_a64_vectors
    .hidden kk_a64_vectors
    .balign 2048
kk_a64_vectors:
    KVEC    KK_A64_TRAP_SYNC        /* current EL, SP_EL0 */
    KVEC    KK_A64_TRAP_IRQ
    KVEC    KK_A64_TRAP_FIQ
    KVEC    KK_A64_TRAP_SERROR
    KVEC    KK_A64_TRAP_SYNC        /* current EL, SP_EL1 */
    KVEC    KK_A64_TRAP_IRQ
    KVEC    KK_A64_TRAP_FIQ
    KVEC    KK_A64_TRAP_SERROR
    UVEC    KK_A64_TRAP_SYNC        /* lower EL, AArch64 */
    UVEC    KK_A64_TRAP_IRQ
    UVEC    KK_A64_TRAP_FIQ
    UVEC    KK_A64_TRAP_SERROR
    UVEC    KK_A64_TRAP_SYNC        /* lower EL, AArch32 */
    UVEC    KK_A64_TRAP_IRQ
    UVEC    KK_A64_TRAP_FIQ
    UVEC    KK_A64_TRAP_SERROR

/* ---- from EL1: frame at sp with x0/x1 saved, x0 = type, x1 free ---- */
    .balign 4
kernel_trap:
    str     x0, [sp, #KK_UC_TYPE]
    ldr     x0, [sp, #KK_UC_X(0)]
    SAVE_X2_30 sp
    add     x1, sp, #KK_TF_SIZE
    str     x1, [sp, #KK_UC_SP]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #KK_UC_PC]
    mrs     x1, tpidr_el0
    mrs     x2, esr_el1
    stp     x1, x2, [sp, #KK_UC_TPIDR]
    mrs     x1, far_el1
    str     x1, [sp, #KK_UC_FAR]
    mov     x0, sp
    mrs     x2, tpidr_el1
    ldr     x1, [x2, #KK_CPU_CTX]
    ldr     x3, [x2, #KK_CPU_HANDLER]
    blr     x3
    ldp     x1, x2, [sp, #KK_UC_PC]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    ldp     x0, x1, [sp, #KK_UC_X(0)]
    LOAD_X2_30 sp
    add     sp, sp, #KK_TF_SIZE
    eret

/* ---- from EL0: user x0/x1 at [sp], x0 = type; sp = kk_uctx_run()'s ---- */
    .balign 4
user_trap:
    mrs     x1, tpidr_el1
    ldr     x1, [x1, #KK_CPU_UCTX]
    str     x0, [x1, #KK_UC_TYPE]
    SAVE_X2_30 x1
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x1, #KK_UC_X(0)]
    mrs     x2, sp_el0
    str     x2, [x1, #KK_UC_SP]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x1, #KK_UC_PC]
    mrs     x2, tpidr_el0
    mrs     x3, esr_el1
    stp     x2, x3, [x1, #KK_UC_TPIDR]
    mrs     x2, far_el1
    str     x2, [x1, #KK_UC_FAR]
    mrs     x2, tpidr_el1
    str     xzr, [x2, #KK_CPU_UCTX]
    ldr     x3, [x2, #KK_CPU_KSP]
    mov     sp, x3
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #RUN_FRAME
    mov     x0, #0                  /* kk_uctx_run() returns 0 */
    ret

/* int kk_uctx_run(struct kk_user_context *uc) */
    .globl  kk_uctx_run
    .type   kk_uctx_run, %function
    .balign 4
kk_uctx_run:
    cbz     x0, 9f
    msr     daifset, #0xf
    sub     sp, sp, #RUN_FRAME
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    mrs     x1, tpidr_el1
    mov     x2, sp
    str     x2, [x1, #KK_CPU_KSP]
    str     x0, [x1, #KK_CPU_UCTX]
    ldp     x2, x3, [x0, #KK_UC_PC]
    msr     elr_el1, x2
    and     x3, x3, #KK_A64_PSTATE_USER_MASK  /* EL0t, AArch64, DAIF clear */
    msr     spsr_el1, x3
    ldr     x2, [x0, #KK_UC_SP]
    msr     sp_el0, x2
    ldr     x2, [x0, #KK_UC_TPIDR]
    msr     tpidr_el0, x2
    LOAD_X2_30 x0
    ldp     x0, x1, [x0, #KK_UC_X(0)]
    eret
9:  mov     x0, #-22                /* KK_EINVAL */
    ret
    .size   kk_uctx_run, . - kk_uctx_run
