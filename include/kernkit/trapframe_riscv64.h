/**
 * @file trapframe_riscv64.h
 * @brief riscv64 layouts of the trapframe library: user context, kernel trap
 *        frame, kernel-thread context, per-hart block, FPU area, accessors.
 *
 * Included by <kernkit/trapframe.h> on riscv64; it can also be included alone
 * on any host (it is plain C) to inspect the layouts. The KK_UC_*, KK_TF_*,
 * KK_CTX_* and KK_CPU_* offsets are usable from assembly (__ASSEMBLER__);
 * the C structs assert them.
 *
 * sscratch convention: sscratch always holds the hart's struct kk_trap_cpu,
 * in user and in kernel mode alike. The entry swaps it with sp to reach the
 * block, and puts it back before anything can trap again, so kernel traps
 * nest. A kernel must not use sscratch for anything else.
 */
#ifndef KERNKIT_TRAPFRAME_RISCV64_H
#define KERNKIT_TRAPFRAME_RISCV64_H

/** @name Offsets in struct kk_user_context and struct kk_trapframe (bytes)
 * Both have the same layout.
 * @{ */
#define KK_UC_X(n)    ((n)*8) /**< general register x@p n (x0 slot unused, 0). */
#define KK_UC_SEPC    256     /**< sepc. */
#define KK_UC_SSTATUS 264     /**< sstatus at the trap. */
#define KK_UC_SCAUSE  272     /**< scause. */
#define KK_UC_STVAL   280     /**< stval. */
#define KK_UC_SIZE    288     /**< sizeof(struct kk_user_context). */
#define KK_TF_SIZE    288     /**< sizeof(struct kk_trapframe). */
/** @} */

/** @name Offsets in struct kk_context (bytes)
 * @{ */
#define KK_CTX_RA   0   /**< ra: where the thread resumes. */
#define KK_CTX_SP   8   /**< sp. */
#define KK_CTX_S0   16  /**< s0 (initial context: entry function); s1..s11 follow. */
#define KK_CTX_SIZE 112 /**< sizeof(struct kk_context). */
/** @} */

/** @name Offsets in struct kk_trap_cpu (bytes), used by the entry code
 * @{ */
#define KK_CPU_KSP        0  /**< kernel sp saved by kk_uctx_run(). */
#define KK_CPU_UCTX       8  /**< user context being run. */
#define KK_CPU_T0         16 /**< scratch for t0 at entry. */
#define KK_CPU_T1         24 /**< scratch for t1 at entry. */
#define KK_CPU_HANDLER    32 /**< kernel-mode trap handler. */
#define KK_CPU_CTX        40 /**< its context pointer. */
#define KK_CPU_KSTACK_LO  64 /**< lowest sp a kernel trap accepts (bound + reserve; 0 = any). */
#define KK_CPU_KSTACK_HI  72 /**< highest sp a kernel trap accepts (~0 = any). */
#define KK_CPU_EMERG_SP   80 /**< top of the emergency stack. */
#define KK_CPU_FATAL      88 /**< fatal handler (kernel stack out of bounds). */
#define KK_CPU_FATAL_BUSY 96 /**< nonzero once the fatal path has been entered. */
/** @} */

/** Bytes the entry needs above the kernel stack's lower bound to push a frame. */
#define KK_RV_KSTACK_RESERVE 304

/** scause of an `ecall` from U-mode. */
#define KK_RV_CAUSE_ECALL_U 8
/** scause bit set for interrupts. */
#define KK_RV_CAUSE_INTR (1ull << 63)
/** kk_trap_config flag: install stvec in vectored mode (interrupts jump to base + 4 * cause). */
#define KK_RV_TRAP_VECTORED 1

#ifndef __ASSEMBLER__

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The full user-mode register state of one thread, and why it last trapped.
 *
 * Filled by kk_uctx_run() when the user code traps and loaded from it on the
 * way back. After an `ecall` sepc already points past the instruction. Caller-owned.
 */
struct kk_user_context {
    uint64_t x[32];   /**< x0..x31 (x[0] is not used); a0 = x[10], a7 = x[17], sp = x[2]. */
    uint64_t sepc;    /**< user pc. */
    uint64_t sstatus; /**< sstatus at the trap (SPP = 0, SPIE, FS...). */
    uint64_t scause;  /**< trap cause (bit 63 = interrupt). */
    uint64_t stval;   /**< faulting address or instruction bits. */
};

/**
 * @brief Registers saved by a kernel-mode trap, on the interrupted stack.
 *
 * The handler may modify it (e.g. advance sepc); the trap returns through it.
 */
struct kk_trapframe {
    uint64_t x[32];   /**< x0..x31 (x[0] is not used; x[2] is the interrupted sp). */
    uint64_t sepc;    /**< interrupted pc. */
    uint64_t sstatus; /**< sstatus at the trap; restored by `sret`. */
    uint64_t scause;  /**< trap cause (bit 63 = interrupt). */
    uint64_t stval;   /**< faulting address or instruction bits. */
};

/**
 * @brief Callee-saved state of a kernel thread for kk_context_switch().
 */
struct kk_context {
    uint64_t ra;    /**< return address: where the thread resumes. */
    uint64_t sp;    /**< stack pointer. */
    uint64_t s[12]; /**< s0..s11 (initial context: s0 = entry, s1 = argument). */
};

/** @brief FP registers f0-f31 and fcsr (D extension). */
struct kk_fpu_state {
    uint64_t f[32];    /**< f0..f31. */
    uint32_t fcsr;     /**< fcsr. */
    uint32_t reserved; /**< Zero. */
};

/** @brief Kernel-mode trap handler: called with the frame and the config's ctx. */
typedef void (*kk_trap_handler_fn)(struct kk_trapframe *tf, void *ctx);

/**
 * @brief Per-hart block of the trap code (its address lives in sscratch).
 *
 * Caller-owned, one per hart, 16-byte aligned, never moved after
 * kk_trap_init(). All fields are the library's: read them, do not write them.
 */
struct kk_trap_cpu {
    uint64_t kernel_sp;         /**< Kernel sp saved by kk_uctx_run(). */
    struct kk_user_context *uc; /**< Context being run, or NULL. */
    uint64_t t0;                /**< Entry scratch. */
    uint64_t t1;                /**< Entry scratch. */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler. */
    void *ctx;                  /**< Its context pointer. */
    uint64_t flags;             /**< The config's flags. */
    uint64_t reserved;          /**< Zero. */
    uint64_t kstack_lo;         /**< Stack guard: lower bound + KK_RV_KSTACK_RESERVE (0 = off). */
    uint64_t kstack_hi;         /**< Stack guard: upper bound (~0 = off). */
    uint64_t emergency_sp;      /**< Top of the emergency stack. */
    kk_trap_handler_fn fatal;   /**< Called on the emergency stack; must not return. */
    uint64_t fatal_busy;        /**< Set when the fatal path is entered (a second entry parks). */
    uint64_t reserved2;         /**< Zero. */
};

/**
 * @brief What kk_trap_init() installs on the calling hart.
 */
struct kk_trap_config {
    uint32_t size;              /**< sizeof(struct kk_trap_config). */
    uint32_t flags;             /**< KK_RV_TRAP_* bits (0 = direct mode). */
    struct kk_trap_cpu *cpu;    /**< Caller-owned per-hart block (required). */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler (required). */
    void *ctx;                  /**< Passed back to @c handler. */
    /**
     * Kernel stack guard (0 = none): the lowest address of the kernel stack
     * that kernel-mode traps may interrupt. Each kernel trap checks the
     * interrupted sp against [kstack_lo + KK_RV_KSTACK_RESERVE, kstack_hi]
     * before pushing its frame; out of bounds (an overflow, or a wild sp), it
     * switches to the emergency stack and calls @c fatal. Change the bounds at
     * each kernel thread switch with kk_rv_set_kstack(). Fields from here on
     * are read only when @c size covers them.
     */
    uint64_t kstack_lo;
    uint64_t kstack_hi;           /**< Top of that stack (required with kstack_lo). */
    uint64_t emergency_stack_top; /**< 16-aligned top of a small per-hart emergency stack
                                       (1 KiB suffices for the frame; required with kstack_lo). */
    /** Called with a frame on the emergency stack (x[2] = the bad sp), interrupts off,
     *  sscratch restored; must not return (if it does, the hart parks). Required with
     *  kstack_lo. A trap while it runs parks the hart. */
    kk_trap_handler_fn fatal;
};

/** @cond KK_LAYOUT_ASSERTS */
KK_STATIC_ASSERT(offsetof(struct kk_user_context, x) == KK_UC_X(0), "uc x");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, sepc) == KK_UC_SEPC, "uc sepc");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, sstatus) == KK_UC_SSTATUS, "uc sstatus");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, scause) == KK_UC_SCAUSE, "uc scause");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, stval) == KK_UC_STVAL, "uc stval");
KK_STATIC_ASSERT(sizeof(struct kk_user_context) == KK_UC_SIZE, "uc size");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, sepc) == KK_UC_SEPC, "tf sepc");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, sstatus) == KK_UC_SSTATUS, "tf sstatus");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, scause) == KK_UC_SCAUSE, "tf scause");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, stval) == KK_UC_STVAL, "tf stval");
KK_STATIC_ASSERT(sizeof(struct kk_trapframe) == KK_TF_SIZE, "tf size");
KK_STATIC_ASSERT(KK_TF_SIZE % 16 == 0, "tf keeps sp aligned");
KK_STATIC_ASSERT(offsetof(struct kk_context, ra) == KK_CTX_RA, "ctx ra");
KK_STATIC_ASSERT(offsetof(struct kk_context, sp) == KK_CTX_SP, "ctx sp");
KK_STATIC_ASSERT(offsetof(struct kk_context, s) == KK_CTX_S0, "ctx s0");
KK_STATIC_ASSERT(sizeof(struct kk_context) == KK_CTX_SIZE, "ctx size");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, kernel_sp) == KK_CPU_KSP, "cpu ksp");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, uc) == KK_CPU_UCTX, "cpu uctx");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, t0) == KK_CPU_T0, "cpu t0");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, t1) == KK_CPU_T1, "cpu t1");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, handler) == KK_CPU_HANDLER, "cpu handler");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, ctx) == KK_CPU_CTX, "cpu ctx");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, kstack_lo) == KK_CPU_KSTACK_LO, "cpu kstack lo");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, kstack_hi) == KK_CPU_KSTACK_HI, "cpu kstack hi");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, emergency_sp) == KK_CPU_EMERG_SP, "cpu emerg sp");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, fatal) == KK_CPU_FATAL, "cpu fatal");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, fatal_busy) == KK_CPU_FATAL_BUSY, "cpu busy");
KK_STATIC_ASSERT(sizeof(struct kk_trap_cpu) % 16 == 0, "cpu size");
KK_STATIC_ASSERT(KK_RV_KSTACK_RESERVE >= KK_TF_SIZE + 16, "reserve holds a frame");
KK_STATIC_ASSERT(sizeof(struct kk_fpu_state) == 264, "fpu size");
/** @endcond */

/** @brief Syscall number (a7). @param uc the context. @return the number. */
static inline uint64_t kk_uctx_syscall_nr(const struct kk_user_context *uc)
{
    return uc->x[17];
}

/**
 * @brief Syscall argument @p i (a0..a5).
 * @param uc the context.
 * @param i argument index 0..5.
 * @return the argument, or 0 when @p i > 5.
 */
static inline uint64_t kk_uctx_arg(const struct kk_user_context *uc, unsigned i)
{
    return i <= 5 ? uc->x[10 + i] : 0;
}

/** @brief Set the syscall return value (a0). @param uc the context. @param v the value. */
static inline void kk_uctx_set_ret(struct kk_user_context *uc, uint64_t v)
{
    uc->x[10] = v;
}

/** @brief User pc. @param uc the context. @return sepc. */
static inline uint64_t kk_uctx_pc(const struct kk_user_context *uc)
{
    return uc->sepc;
}

/** @brief Set the user pc. @param uc the context. @param pc the new sepc. */
static inline void kk_uctx_set_pc(struct kk_user_context *uc, uint64_t pc)
{
    uc->sepc = pc;
}

/** @brief User stack pointer. @param uc the context. @return sp (x2). */
static inline uint64_t kk_uctx_sp(const struct kk_user_context *uc)
{
    return uc->x[2];
}

/** @brief Set the user stack pointer. @param uc the context. @param sp the new sp. */
static inline void kk_uctx_set_sp(struct kk_user_context *uc, uint64_t sp)
{
    uc->x[2] = sp;
}

/** @brief User TLS pointer (tp, x4). @param uc the context. @return tp. */
static inline uint64_t kk_uctx_tls(const struct kk_user_context *uc)
{
    return uc->x[4];
}

/** @brief Set the user TLS pointer (tp). @param uc the context. @param tls the value. */
static inline void kk_uctx_set_tls(struct kk_user_context *uc, uint64_t tls)
{
    uc->x[4] = tls;
}

/** @brief Did the context trap with `ecall`? @param uc the context. @return true if so. */
static inline bool kk_uctx_is_syscall(const struct kk_user_context *uc)
{
    return uc->scause == KK_RV_CAUSE_ECALL_U;
}

/**
 * @brief After an ecall trap, make the `ecall` run again when the context resumes.
 * @param uc the context; its last trap must have been an ecall.
 */
static inline void kk_uctx_restart_syscall(struct kk_user_context *uc)
{
    uc->sepc -= 4;
}

/** @brief Interrupted pc of a kernel trap. @param tf the frame. @return sepc. */
static inline uint64_t kk_tf_pc(const struct kk_trapframe *tf)
{
    return tf->sepc;
}

/** @brief Set the pc a kernel trap returns to. @param tf the frame. @param pc the new sepc. */
static inline void kk_tf_set_pc(struct kk_trapframe *tf, uint64_t pc)
{
    tf->sepc = pc;
}

/** @brief Cause of a kernel trap. @param tf the frame. @return scause. */
static inline uint64_t kk_tf_cause(const struct kk_trapframe *tf)
{
    return tf->scause;
}

/**
 * @brief Set the kernel stack bounds the trap entry checks on this hart.
 *
 * For a kernel that switches kernel threads: call it with interrupts
 * disabled right before kk_context_switch() to the thread that owns
 * [@p lo, @p hi] (it disables interrupts itself while updating). Works on the
 * block in sscratch (kk_trap_init() must have run on this hart). Also
 * re-arms the fatal path, so a fatal handler that kills the overflowed
 * thread and switches to another one calls this (from the new thread, or
 * just before switching) and the next overflow reaches it again.
 * @param lo lowest address of the stack (0 = turn the check off).
 * @param hi its top.
 * @return 0; KK_EINVAL if @p lo is not 0 and the stack is smaller than
 *         KK_RV_KSTACK_RESERVE, or no fatal handler and emergency stack were
 *         configured.
 */
KK_API int kk_rv_set_kstack(uint64_t lo, uint64_t hi);

#ifdef __cplusplus
}
#endif

#endif /* !__ASSEMBLER__ */

#endif /* KERNKIT_TRAPFRAME_RISCV64_H */
