/*
 * fncall.S: the hosted "user mode as a function call" of x86_64.
 *
 * kk_uctx_run_fncall() enters a user context at the caller's own privilege;
 * the context traps back by calling kk_fncall_trap(). Register save and load
 * use the same macros as the privileged entry (regs.inc). Per-thread state is
 * the library's own TLS slot (initial-exec, reached through %fs as the psABI
 * defines the thread pointer), never a guessed offset in libc's TCB.
 * Promises: the host's callee-saved registers, MXCSR and x87 control word
 * survive the run; DF is clear when the host resumes.
 */
#include <kernkit/trapframe_x86_64.h>
#include "regs.inc"

/* The TLS slot: host rsp at the run, then the running context. */
    .section .tbss,"awT",@nobits
    .balign 16
    .hidden kk_x86_fncall_slot
    .type   kk_x86_fncall_slot, @object
    .size   kk_x86_fncall_slot, 16
kk_x86_fncall_slot:
    .zero   16

    .text

/* void kk_uctx_run_fncall(struct kk_user_context *uc) */
    .globl  kk_uctx_run_fncall
    .type   kk_uctx_run_fncall, @function
    .balign 16
kk_uctx_run_fncall:
    testq   %rdi, %rdi
    jz      9f
    KK_PUSH_CALLEE
    subq    $8, %rsp                /* host MXCSR at 0, x87 CW at 4 */
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    kk_x86_fncall_slot@gottpoff(%rip), %rax
    movq    %rsp, %fs:0(%rax)
    movq    %rdi, %fs:8(%rax)
    /* rflags: user bits only, plus IF and bit 1 */
    movq    KK_UC_RFLAGS(%rdi), %rax
    andq    $KK_X86_RFLAGS_USER, %rax
    orq     $KK_X86_RFLAGS_FIXED, %rax
    movq    %rax, KK_UC_RFLAGS(%rdi)
    /* user FP control words; zero means the ABI defaults */
    movl    KK_UC_MXCSR(%rdi), %eax
    andl    $0xffff, %eax
    jnz     1f
    movl    $0x1f80, %eax
1:  movl    %eax, KK_UC_MXCSR(%rdi)
    ldmxcsr KK_UC_MXCSR(%rdi)
    cmpw    $0, KK_UC_FPU_CW(%rdi)
    jne     2f
    movw    $0x037f, KK_UC_FPU_CW(%rdi)
2:  fldcw   KK_UC_FPU_CW(%rdi)
    /* onto the user stack, with rip and rflags below it for ret and popfq */
    movq    KK_UC_RSP(%rdi), %rsp
    pushq   KK_UC_RIP(%rdi)
    pushq   KK_UC_RFLAGS(%rdi)
    KK_UC_LOAD_GPRS %rdi
    movq    KK_UC_RDI(%rdi), %rdi
    popfq
    ret
9:  movl    $-22, %eax              /* KK_EINVAL */
    ret
    .size   kk_uctx_run_fncall, . - kk_uctx_run_fncall

/* void kk_fncall_trap(void): called by user code, on the user stack */
    .globl  kk_fncall_trap
    .type   kk_fncall_trap, @function
    .balign 16
kk_fncall_trap:
    pushfq                          /* [rsp] rflags, [rsp+8] return rip */
    pushq   %rax                    /* [rsp] rax */
    movq    kk_x86_fncall_slot@gottpoff(%rip), %rax
    movq    %fs:8(%rax), %rax
    KK_UC_SAVE_GPRS %rax
    popq    KK_UC_RAX(%rax)
    popq    KK_UC_RFLAGS(%rax)
    popq    KK_UC_RIP(%rax)
    movq    %rsp, KK_UC_RSP(%rax)
    movq    $KK_X86_TRAP_SYSCALL, KK_UC_VECTOR(%rax)
    movq    $0, KK_UC_ERROR(%rax)
    movq    $0, KK_UC_CR2(%rax)
    stmxcsr KK_UC_MXCSR(%rax)
    fnstcw  KK_UC_FPU_CW(%rax)
    cld
    movq    kk_x86_fncall_slot@gottpoff(%rip), %rcx
    movq    %fs:0(%rcx), %rsp
    movq    $0, %fs:8(%rcx)
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    KK_POP_CALLEE
    xorl    %eax, %eax              /* kk_uctx_run_fncall() returns 0 */
    ret
    .size   kk_fncall_trap, . - kk_fncall_trap

    .section .note.GNU-stack,"",@progbits
