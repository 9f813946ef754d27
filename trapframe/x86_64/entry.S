/*
 * entry.S: x86_64 privileged trap paths.
 *
 *  - 256 IDT stubs, 16 bytes apart (stub v at kk_x86_idt_stubs + 16 * v):
 *    each pushes a 0 error code when the CPU pushes none, then the vector.
 *  - Common entry: the CS of the hardware frame says where the trap came from.
 *    From ring 3: swapgs, save everything into the running context (%gs
 *    block), back to the kernel stack saved by kk_uctx_run(), which returns.
 *    From ring 0: push a struct kk_trapframe on the current stack and call
 *    the registered handler; GS is never used on this path (the per-CPU block
 *    is found from the IDT base), so an NMI in a swapgs window is harmless.
 *  - `syscall` entry: swapgs, user rsp parked in the block, registers stored
 *    straight into the context; same way back to kk_uctx_run()'s caller.
 *  - kk_x86_uctx_enter(): `sysret` when rcx == rip, r11 == rflags and rip is a
 *    canonical user address; `iretq` otherwise.
 * DF is cleared on every way into the kernel. Interrupts stay disabled from
 * kk_uctx_run() until the user runs, and after the trap until the kernel
 * enables them.
 */
#include <kernkit/trapframe_x86_64.h>
#include "regs.inc"

    .text

/* ---- IDT stubs ---------------------------------------------------------- */
    .globl  kk_x86_idt_stubs
    .hidden kk_x86_idt_stubs
    .balign 16
kk_x86_idt_stubs:
.set vec, 0
.rept 256
    .balign 16
.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
.else
    pushq   $0
.endif
    pushq   $vec
    jmp     kk_x86_trap_common
.set vec, vec + 1
.endr

/* ---- common IDT entry: [rsp] vector, error, rip, cs, rflags, rsp, ss ----- */
    .balign 16
kk_x86_trap_common:
    testb   $3, 24(%rsp)
    jnz     .Lfrom_user
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    xorl    %eax, %eax
    cmpq    $14, KK_TF_VECTOR - 8(%rsp)
    jne     1f
    movq    %cr2, %rax
1:  pushq   %rax
    cld
    movq    %rsp, %rdi
    movq    %rsp, %rbx
    andq    $-16, %rsp
    call    kk_x86_kernel_trap
    movq    %rbx, %rsp
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp
    iretq

.Lfrom_user:
    swapgs
    pushq   %rax
    movq    %gs:KK_CPU_UCTX, %rax
    KK_UC_SAVE_GPRS %rax
    popq    KK_UC_RAX(%rax)
    popq    KK_UC_VECTOR(%rax)
    popq    KK_UC_ERROR(%rax)
    popq    KK_UC_RIP(%rax)
    addq    $8, %rsp                /* cs */
    popq    KK_UC_RFLAGS(%rax)
    popq    KK_UC_RSP(%rax)
    movq    $0, KK_UC_CR2(%rax)
    cmpq    $14, KK_UC_VECTOR(%rax)
    jne     .Lback_to_kernel
    movq    %cr2, %rcx
    movq    %rcx, KK_UC_CR2(%rax)
    jmp     .Lback_to_kernel

/* ---- syscall entry: rcx = user rip, r11 = user rflags, rsp = user rsp ---- */
    .globl  kk_x86_syscall_entry
    .hidden kk_x86_syscall_entry
    .type   kk_x86_syscall_entry, @function
    .balign 16
kk_x86_syscall_entry:
    swapgs
    movq    %rsp, %gs:KK_CPU_USER_RSP
    movq    %gs:KK_CPU_UCTX, %rsp
    KK_UC_SAVE_GPRS %rsp
    movq    %rcx, KK_UC_RIP(%rsp)
    movq    %r11, KK_UC_RFLAGS(%rsp)
    movq    %gs:KK_CPU_USER_RSP, %rcx
    movq    %rcx, KK_UC_RSP(%rsp)
    movq    $KK_X86_TRAP_SYSCALL, KK_UC_VECTOR(%rsp)
    movq    $0, KK_UC_ERROR(%rsp)
    movq    $0, KK_UC_CR2(%rsp)
    movq    %rsp, %rax

/* rax = the context; GS = the kernel's. Bases, then kk_uctx_run() returns. */
.Lback_to_kernel:
    cld
    testq   $KK_X86_CPU_FSGSBASE, %gs:KK_CPU_FLAGS
    jz      2f
    rdfsbase %rcx
    movq    %rcx, KK_UC_FS_BASE(%rax)
    swapgs
    rdgsbase %rcx
    swapgs
    movq    %rcx, KK_UC_GS_BASE(%rax)
2:  movq    $0, %gs:KK_CPU_UCTX
    movq    %gs:KK_CPU_KSP, %rsp
    KK_POP_CALLEE
    ret
    .size   kk_x86_syscall_entry, . - kk_x86_syscall_entry

/* ---- void kk_x86_uctx_enter(struct kk_user_context *uc) ------------------ */
    .globl  kk_x86_uctx_enter
    .hidden kk_x86_uctx_enter
    .type   kk_x86_uctx_enter, @function
    .balign 16
kk_x86_uctx_enter:
    KK_PUSH_CALLEE
    movq    %rsp, %gs:KK_CPU_KSP
    movq    %rdi, %gs:KK_CPU_UCTX
    movq    KK_UC_RIP(%rdi), %rax
    cmpq    %rax, KK_UC_RCX(%rdi)
    jne     .Liret
    movq    KK_UC_RFLAGS(%rdi), %rdx
    cmpq    %rdx, KK_UC_R11(%rdi)
    jne     .Liret
    shrq    $47, %rax               /* sysret to a non-canonical rip would #GP in ring 0 */
    jnz     .Liret
    /* A null SS (left by an interrupt from ring 3) breaks sysret on AMD. */
    movl    %ss, %eax
    testl   %eax, %eax
    jnz     3f
    movl    $KK_X86_KERNEL_DS, %eax
    movl    %eax, %ss
3:  movq    KK_UC_RSP(%rdi), %rsp
    KK_UC_LOAD_GPRS %rdi
    movq    KK_UC_RDI(%rdi), %rdi
    swapgs
    sysretq
.Liret:
    pushq   $KK_X86_USER_DS
    pushq   KK_UC_RSP(%rdi)
    pushq   KK_UC_RFLAGS(%rdi)
    pushq   $KK_X86_USER_CS
    pushq   KK_UC_RIP(%rdi)
    KK_UC_LOAD_GPRS %rdi
    movq    KK_UC_RDI(%rdi), %rdi
    swapgs
    iretq
    .size   kk_x86_uctx_enter, . - kk_x86_uctx_enter

/* ---- void kk_x86_load_tables(const void *gdtr, const void *idtr) -------- */
    .globl  kk_x86_load_tables
    .hidden kk_x86_load_tables
    .type   kk_x86_load_tables, @function
    .balign 16
kk_x86_load_tables:
    lgdt    (%rdi)
    lidt    (%rsi)
    pushq   $KK_X86_KERNEL_CS
    leaq    1f(%rip), %rax
    pushq   %rax
    lretq
1:  movl    $KK_X86_KERNEL_DS, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    xorl    %eax, %eax
    movl    %eax, %fs
    movl    %eax, %gs
    movl    $KK_X86_TSS_SEL, %eax
    ltr     %ax
    ret
    .size   kk_x86_load_tables, . - kk_x86_load_tables

    .section .note.GNU-stack,"",@progbits
