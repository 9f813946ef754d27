/*
 * context.S: x86_64 kernel-thread switch. Saves rbx rbp r12-r15, the stack
 * pointer as it will be after the return, and the return address; resumes
 * the other thread by loading the same and jumping. No FP state.
 */
#include <kernkit/trapframe_x86_64.h>

    .text

/* void kk_context_switch(struct kk_context *from, const struct kk_context *to) */
    .globl  kk_context_switch
    .type   kk_context_switch, @function
    .balign 16
kk_context_switch:
    movq    (%rsp), %rdx
    leaq    8(%rsp), %rcx
    movq    %rbx, KK_CTX_RBX(%rdi)
    movq    %rbp, KK_CTX_RBP(%rdi)
    movq    %r12, KK_CTX_R12(%rdi)
    movq    %r13, KK_CTX_R13(%rdi)
    movq    %r14, KK_CTX_R14(%rdi)
    movq    %r15, KK_CTX_R15(%rdi)
    movq    %rcx, KK_CTX_RSP(%rdi)
    movq    %rdx, KK_CTX_RIP(%rdi)
    movq    KK_CTX_RBX(%rsi), %rbx
    movq    KK_CTX_RBP(%rsi), %rbp
    movq    KK_CTX_R12(%rsi), %r12
    movq    KK_CTX_R13(%rsi), %r13
    movq    KK_CTX_R14(%rsi), %r14
    movq    KK_CTX_R15(%rsi), %r15
    movq    KK_CTX_RSP(%rsi), %rsp
    jmpq    *KK_CTX_RIP(%rsi)
    .size   kk_context_switch, . - kk_context_switch

/* First code of a thread built by kk_context_init(): entry in r12, arg in r13. */
    .globl  kk_x86_context_start
    .hidden kk_x86_context_start
    .type   kk_x86_context_start, @function
    .balign 16
kk_x86_context_start:
    movq    %r13, %rdi
    callq   *%r12
    ud2
    .size   kk_x86_context_start, . - kk_x86_context_start

    .section .note.GNU-stack,"",@progbits
