/**
 * @file trapframe.h
 * @brief Trap entry/exit, "user mode as a function call", and kernel-thread
 *        context switching for riscv64, x86_64 and aarch64.
 *
 * The layouts (struct kk_user_context, struct kk_trapframe, struct
 * kk_context, struct kk_trap_cpu, struct kk_trap_config, struct
 * kk_fpu_state) and the inline accessors live in the per-architecture header
 * this one includes: <kernkit/trapframe_riscv64.h>,
 * <kernkit/trapframe_x86_64.h> or <kernkit/trapframe_aarch64.h>.
 *
 * Model: the kernel calls kk_uctx_run(uc); the CPU enters user mode with the
 * registers of @c uc; the next trap from user mode (syscall, fault,
 * interrupt) saves the user registers and the cause into @c uc and returns
 * from kk_uctx_run(), on the kernel stack that called it, with interrupts
 * disabled. Traps taken in kernel mode go to the handler registered with
 * kk_trap_init(), with a struct kk_trapframe on the interrupted stack.
 *
 * FPU policy (both architectures): the trap paths never touch FP/SIMD state
 * (kernels are built without floating point). User FP state therefore stays
 * in the registers across traps; a kernel that switches between user contexts
 * saves and restores it eagerly at the switch with kk_fpu_save() and
 * kk_fpu_restore(). kk_context_switch() does not switch FP state either.
 * See docs/trapframe.md for the whole contract.
 */
#ifndef KERNKIT_TRAPFRAME_H
#define KERNKIT_TRAPFRAME_H

#include <kernkit/base.h>

#if defined(__x86_64__)
#include <kernkit/trapframe_x86_64.h>
#elif defined(__riscv) && __riscv_xlen == 64
#include <kernkit/trapframe_riscv64.h>
#elif defined(__aarch64__)
#include <kernkit/trapframe_aarch64.h>
#else
#error "kernkit trapframe supports x86_64, riscv64 and aarch64 only"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Install the trap entry on the calling CPU (hart).
 *
 * riscv64: writes sscratch = cfg->cpu and stvec (direct, or vectored with
 * KK_RV_TRAP_VECTORED). x86_64: builds the GDT, TSS and 256-gate IDT in
 * cfg->cpu and loads them, sets GS base to cfg->cpu, programs EFER.SCE,
 * STAR/LSTAR/FMASK for `syscall`, and enables FSGSBASE when the CPU has it.
 * Call once per CPU with interrupts disabled; calling again re-installs.
 * @param cfg what to install; read during the call only (cfg->cpu is kept).
 * @return 0; KK_EINVAL if @p cfg, cfg->cpu or cfg->handler is NULL, cfg->size
 *         is smaller than the fields the library needs, or a required stack
 *         (x86_64 trap_stack_top) is missing or misaligned.
 */
KK_API int kk_trap_init(const struct kk_trap_config *cfg);

/**
 * @brief Enter user mode with the registers of @p uc; return at its next trap.
 *
 * On return @p uc holds the user registers at the trap and the cause (riscv64:
 * scause/stval; x86_64: vector/error_code/cr2). Interrupts are disabled on
 * return. Requires kk_trap_init() on this CPU. The kernel stack, callee-saved
 * registers and (riscv64) gp/tp of the caller are preserved. x86_64: a
 * non-canonical or kernel-half rip is not entered; the call returns at once
 * with vector 13 (\#GP), as if the user code had faulted.
 * @param uc the context to run; owned by the caller.
 * @return 0 once the context trapped (the cause is in @p uc); KK_EINVAL if
 *         @p uc is NULL.
 */
KK_API int kk_uctx_run(struct kk_user_context *uc);

/**
 * @brief Save the callee-saved registers and stack of the running kernel
 *        thread into @p from and resume @p to.
 *
 * Returns (into @p from's thread) when some thread later switches back to
 * @p from. Integer registers only (see kk_fpu_save()).
 * @param from where to save the current thread; must not be NULL.
 * @param to the thread to resume, saved by kk_context_switch() or built by
 *        kk_context_init(); must not be NULL; may equal @p from.
 */
KK_API void kk_context_switch(struct kk_context *from, const struct kk_context *to);

/**
 * @brief Build the initial context of a new kernel thread.
 *
 * Switching to @p ctx calls entry(arg) on the given stack (top aligned down
 * to 16 bytes). @p entry must not return: if it does, the thread executes an
 * undefined instruction, so the mistake traps at once.
 * @param ctx the context to fill.
 * @param stack lowest address of the thread's stack (caller-owned).
 * @param stack_size its size in bytes; at least 256.
 * @param entry the thread function.
 * @param arg its argument.
 * @return 0; KK_EINVAL if a pointer is NULL, @p stack_size < 256 or
 *         @p stack + @p stack_size wraps around the address space.
 */
KK_API int kk_context_init(struct kk_context *ctx, void *stack, size_t stack_size,
                           void (*entry)(void *arg), void *arg);

/**
 * @brief Bytes a struct kk_fpu_state must have on this CPU.
 *
 * x86_64: with XSAVE enabled by the OS (CPUID.1:ECX.OSXSAVE), the 64-byte
 * header plus the XSAVE area size for the components enabled in XCR0
 * (CPUID.(EAX=0xD,ECX=0):EBX), rounded up to 64; otherwise sizeof(struct
 * kk_fpu_state) (FXSAVE). riscv64: sizeof(struct kk_fpu_state). The value
 * does not change while XCR0 does not, so query once and size every area
 * with it (64-byte aligned on x86_64).
 * @return the size in bytes.
 */
KK_API size_t kk_fpu_state_size(void);

/**
 * @brief Prepare a save area of @p size bytes: initial FP state, save mode.
 *
 * x86_64: picks XSAVEOPT, XSAVE or FXSAVE (the fallback when the CPU or the
 * OS has no XSAVE) and records it with the XCR0 components in @p st, so
 * kk_fpu_save() and kk_fpu_restore() need no CPUID. The area then holds the
 * initial state (x87 control word 0x37f, MXCSR 0x1f80, every register 0).
 * riscv64: zero-fills (restoring it turns the FPU on with f0-f31 = 0).
 * @param st the area, caller-owned (x86_64: 64-byte aligned).
 * @param size its size in bytes.
 * @return 0; KK_EINVAL if @p st is NULL or misaligned; KK_ERANGE if @p size
 *         is smaller than kk_fpu_state_size().
 */
KK_API int kk_fpu_state_init(struct kk_fpu_state *st, size_t size);

/**
 * @brief Save the FP/SIMD registers of the current CPU into @p st.
 *
 * x86_64: by the mode kk_fpu_state_init() chose: XSAVEOPT64 or XSAVE64 of
 * every XCR0 component (AVX upper halves included), or FXSAVE64 (x87, SSE
 * only; also for a zero-filled struct never initialised). CR4.OSFXSR must be
 * set (kk_x86_fpu_enable()). riscv64: f0-f31 and fcsr, when
 * sstatus.FS is not Off (then FS becomes Clean); with FS Off nothing is saved.
 * @param st destination, caller-owned.
 * @return 0; KK_EINVAL if @p st is NULL (x86_64: or its mode is unknown);
 *         KK_ENOTSUP (riscv64) if the FPU is off.
 */
KK_API int kk_fpu_save(struct kk_fpu_state *st);

/**
 * @brief Load the FP/SIMD registers of the current CPU from @p st.
 *
 * Uses the mode recorded in @p st (see kk_fpu_save()). riscv64 turns
 * sstatus.FS on (Clean) first.
 * @param st state saved by kk_fpu_save() or set up by kk_fpu_state_init()
 *        (or zero-filled: FXSAVE mode on x86_64, all zero on riscv64).
 * @return 0; KK_EINVAL if @p st is NULL (x86_64: or its mode is unknown).
 */
KK_API int kk_fpu_restore(const struct kk_fpu_state *st);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_TRAPFRAME_H */
