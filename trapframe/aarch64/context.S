/*
 * context.S: aarch64 kernel-thread switch and FP/SIMD save/restore.
 *
 * kk_context_switch() saves x19-x29, lr and sp of the running thread and
 * resumes the other by loading the same and returning through lr. No FP
 * state (the kernel is built with -mgeneral-regs-only); kk_fpu_save() and
 * kk_fpu_restore() move v0-v31, FPSR and FPCR when the kernel asks.
 */
#include <kernkit/trapframe_aarch64.h>

    .text

/* void kk_context_switch(struct kk_context *from, const struct kk_context *to) */
    .globl  kk_context_switch
    .type   kk_context_switch, %function
    .balign 4
kk_context_switch:
    stp     x19, x20, [x0, #KK_CTX_X19 + 0]
    stp     x21, x22, [x0, #KK_CTX_X19 + 16]
    stp     x23, x24, [x0, #KK_CTX_X19 + 32]
    stp     x25, x26, [x0, #KK_CTX_X19 + 48]
    stp     x27, x28, [x0, #KK_CTX_X19 + 64]
    stp     x29, x30, [x0, #KK_CTX_FP]
    mov     x2, sp
    str     x2, [x0, #KK_CTX_SP]
    ldp     x19, x20, [x1, #KK_CTX_X19 + 0]
    ldp     x21, x22, [x1, #KK_CTX_X19 + 16]
    ldp     x23, x24, [x1, #KK_CTX_X19 + 32]
    ldp     x25, x26, [x1, #KK_CTX_X19 + 48]
    ldp     x27, x28, [x1, #KK_CTX_X19 + 64]
    ldp     x29, x30, [x1, #KK_CTX_FP]
    ldr     x2, [x1, #KK_CTX_SP]
    mov     sp, x2
    ret
    .size   kk_context_switch, . - kk_context_switch

/* First code of a thread built by kk_context_init(): entry in x19, arg in x20. */
    .globl  kk_a64_context_start
    .hidden kk_a64_context_start
    .type   kk_a64_context_start, %function
    .balign 4
kk_a64_context_start:
    mov     x0, x20
    blr     x19
    udf     #0
    .size   kk_a64_context_start, . - kk_a64_context_start

    .arch_extension fp
    .arch_extension simd

/* \op (stp or ldp) of q0..q31 at x0 + 16 * n. */
.macro FP_PAIRS op
.irp a, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
    .altmacro
    QPAIR_ \op, %(\a), %(\a + 1)
    .noaltmacro
.endr
.endm
.macro QPAIR_ op, a, b
    \op    q\a, q\b, [x0, #(\a * 16)]
.endm

/* int kk_fpu_save(struct kk_fpu_state *st) */
    .globl  kk_fpu_save
    .type   kk_fpu_save, %function
    .balign 4
kk_fpu_save:
    cbz     x0, 9f
    FP_PAIRS stp
    mrs     x1, fpsr
    mrs     x2, fpcr
    str     w1, [x0, #512]
    str     w2, [x0, #516]
    mov     x0, #0
    ret
9:  mov     x0, #-22                /* KK_EINVAL */
    ret
    .size   kk_fpu_save, . - kk_fpu_save

/* int kk_fpu_restore(const struct kk_fpu_state *st) */
    .globl  kk_fpu_restore
    .type   kk_fpu_restore, %function
    .balign 4
kk_fpu_restore:
    cbz     x0, 9f
    FP_PAIRS ldp
    ldr     w1, [x0, #512]
    ldr     w2, [x0, #516]
    msr     fpsr, x1
    msr     fpcr, x2
    mov     x0, #0
    ret
9:  mov     x0, #-22                /* KK_EINVAL */
    ret
    .size   kk_fpu_restore, . - kk_fpu_restore
