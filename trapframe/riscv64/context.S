/*
 * context.S: riscv64 kernel-thread switch. Saves ra, sp, s0-s11 of the
 * running thread and resumes the other one by loading the same and
 * returning through ra. No FP state.
 */
#include <kernkit/trapframe_riscv64.h>

    .text

/* void kk_context_switch(struct kk_context *from, const struct kk_context *to) */
    .globl  kk_context_switch
    .type   kk_context_switch, @function
    .balign 4
kk_context_switch:
    sd      ra, KK_CTX_RA(a0)
    sd      sp, KK_CTX_SP(a0)
    sd      s0, KK_CTX_S0 + 0(a0)
    sd      s1, KK_CTX_S0 + 8(a0)
    sd      s2, KK_CTX_S0 + 16(a0)
    sd      s3, KK_CTX_S0 + 24(a0)
    sd      s4, KK_CTX_S0 + 32(a0)
    sd      s5, KK_CTX_S0 + 40(a0)
    sd      s6, KK_CTX_S0 + 48(a0)
    sd      s7, KK_CTX_S0 + 56(a0)
    sd      s8, KK_CTX_S0 + 64(a0)
    sd      s9, KK_CTX_S0 + 72(a0)
    sd      s10, KK_CTX_S0 + 80(a0)
    sd      s11, KK_CTX_S0 + 88(a0)
    ld      ra, KK_CTX_RA(a1)
    ld      sp, KK_CTX_SP(a1)
    ld      s0, KK_CTX_S0 + 0(a1)
    ld      s1, KK_CTX_S0 + 8(a1)
    ld      s2, KK_CTX_S0 + 16(a1)
    ld      s3, KK_CTX_S0 + 24(a1)
    ld      s4, KK_CTX_S0 + 32(a1)
    ld      s5, KK_CTX_S0 + 40(a1)
    ld      s6, KK_CTX_S0 + 48(a1)
    ld      s7, KK_CTX_S0 + 56(a1)
    ld      s8, KK_CTX_S0 + 64(a1)
    ld      s9, KK_CTX_S0 + 72(a1)
    ld      s10, KK_CTX_S0 + 80(a1)
    ld      s11, KK_CTX_S0 + 88(a1)
    ret
    .size   kk_context_switch, . - kk_context_switch

/* First code of a thread built by kk_context_init(): entry in s0, arg in s1. */
    .globl  kk_rv_context_start
    .hidden kk_rv_context_start
    .type   kk_rv_context_start, @function
    .balign 4
kk_rv_context_start:
    mv      a0, s1
    jalr    s0
    unimp
    .size   kk_rv_context_start, . - kk_rv_context_start
