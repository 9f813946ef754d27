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

/* int kk_fpu_save(struct kk_fpu_state *st) */
    .globl  kk_fpu_save
    .type   kk_fpu_save, %function
    .balign 4
kk_fpu_save:
    cbz     x0, 9f
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
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
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    ldr     w1, [x0, #512]
    ldr     w2, [x0, #516]
    msr     fpsr, x1
    msr     fpcr, x2
    mov     x0, #0
    ret
9:  mov     x0, #-22                /* KK_EINVAL */
    ret
    .size   kk_fpu_restore, . - kk_fpu_restore
