/**
 * @file trapframe_aarch64.h
 * @brief aarch64 layouts of the trapframe library: user context, kernel trap
 *        frame, kernel-thread context, per-CPU block, FP/SIMD area, decoded
 *        syndrome, accessors.
 *
 * Included by <kernkit/trapframe.h> on aarch64; it can also be included alone
 * on any host (it is plain C) to inspect the layouts. The KK_UC_*, KK_TF_*,
 * KK_CTX_* and KK_CPU_* offsets are usable from assembly (__ASSEMBLER__);
 * the C structs assert them.
 *
 * The kernel runs at EL1 on SP_EL1 (EL1h); user code at EL0 (AArch64).
 * TPIDR_EL1 always holds the CPU's struct kk_trap_cpu (its first field is its
 * own address): a kernel must not use TPIDR_EL1 for anything else, but may
 * embed the block at offset 0 of its own per-CPU data and reach that through
 * TPIDR_EL1.
 */
#ifndef KERNKIT_TRAPFRAME_AARCH64_H
#define KERNKIT_TRAPFRAME_AARCH64_H

/** @name Offsets in struct kk_user_context and struct kk_trapframe (bytes)
 * Both have the same layout.
 * @{ */
#define KK_UC_X(n)   ((n)*8) /**< general register x@p n, 0..30 (x30 = lr). */
#define KK_UC_SP     248     /**< SP_EL0 (user) / the interrupted SP_EL1 (kernel frame). */
#define KK_UC_PC     256     /**< ELR_EL1: the pc to resume at. */
#define KK_UC_PSTATE 264     /**< SPSR_EL1: NZCV, DAIF, mode at the trap. */
#define KK_UC_TPIDR  272     /**< TPIDR_EL0 (user TLS pointer). */
#define KK_UC_ESR    280     /**< ESR_EL1 (syndrome; meaningful for sync and SError). */
#define KK_UC_FAR    288     /**< FAR_EL1 (faulting address of aborts). */
#define KK_UC_TYPE   296     /**< KK_A64_TRAP_SYNC, _IRQ, _FIQ or _SERROR. */
#define KK_UC_SIZE   304     /**< sizeof(struct kk_user_context). */
#define KK_TF_SIZE   304     /**< sizeof(struct kk_trapframe). */
/** @} */

/** @name Offsets in struct kk_context (bytes)
 * @{ */
#define KK_CTX_X19  0   /**< x19 (initial context: entry function); x20..x28 follow. */
#define KK_CTX_FP   80  /**< x29. */
#define KK_CTX_LR   88  /**< x30: where the thread resumes. */
#define KK_CTX_SP   96  /**< sp. */
#define KK_CTX_SIZE 112 /**< sizeof(struct kk_context). */
/** @} */

/** @name Offsets in struct kk_trap_cpu (bytes), used by the entry code
 * @{ */
#define KK_CPU_SELF    0  /**< the block's own address. */
#define KK_CPU_KSP     8  /**< kernel sp saved by kk_uctx_run(). */
#define KK_CPU_UCTX    16 /**< user context being run. */
#define KK_CPU_HANDLER 24 /**< kernel-mode trap handler. */
#define KK_CPU_CTX     32 /**< its context pointer. */
/** @} */

/** @name Trap types (which vector entry was taken): struct kk_user_context::type
 * @{ */
#define KK_A64_TRAP_SYNC   0 /**< synchronous exception (svc, abort, undefined...): see esr. */
#define KK_A64_TRAP_IRQ    1 /**< IRQ. */
#define KK_A64_TRAP_FIQ    2 /**< FIQ. */
#define KK_A64_TRAP_SERROR 3 /**< SError (asynchronous abort): see esr. */
/** @} */

/** @name ESR_EL1 exception classes (ESR_EL1.EC, bits 31:26)
 * @{ */
#define KK_A64_EC_UNKNOWN  0x00 /**< unknown reason: undefined instruction (udf...). */
#define KK_A64_EC_WFX      0x01 /**< trapped wfi/wfe. */
#define KK_A64_EC_FP       0x07 /**< FP/SIMD access trapped by CPACR_EL1.FPEN. */
#define KK_A64_EC_ILLEGAL  0x0e /**< illegal execution state. */
#define KK_A64_EC_SVC64    0x15 /**< svc from AArch64: a system call. */
#define KK_A64_EC_SYSREG   0x18 /**< trapped msr/mrs/system instruction. */
#define KK_A64_EC_IABT_LOW 0x20 /**< instruction abort from EL0. */
#define KK_A64_EC_IABT_CUR 0x21 /**< instruction abort from EL1. */
#define KK_A64_EC_PC_ALIGN 0x22 /**< pc alignment fault. */
#define KK_A64_EC_DABT_LOW 0x24 /**< data abort from EL0. */
#define KK_A64_EC_DABT_CUR 0x25 /**< data abort from EL1. */
#define KK_A64_EC_SP_ALIGN 0x26 /**< sp alignment fault. */
#define KK_A64_EC_SERROR   0x2f /**< SError. */
#define KK_A64_EC_BRK64    0x3c /**< brk from AArch64. */
/** @} */

/** SPSR_EL1 bits user code may set through struct kk_user_context::pstate (NZCV). */
#define KK_A64_PSTATE_USER_MASK 0xf0000000ull

#ifndef __ASSEMBLER__

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The full user-mode register state of one thread, and why it last trapped.
 *
 * Filled by kk_uctx_run() when the user code traps and loaded from it on the
 * way back. After an `svc` the pc (ELR_EL1) already points past the
 * instruction. Caller-owned; must stay valid while the context runs.
 */
struct kk_user_context {
    uint64_t x[31];  /**< x0..x30; syscall number x8, arguments x0..x5, result x0. */
    uint64_t sp;     /**< SP_EL0: the user stack pointer. */
    uint64_t pc;     /**< ELR_EL1: the user pc. */
    uint64_t pstate; /**< SPSR_EL1 at the trap; on entry only the NZCV bits are used. */
    uint64_t tpidr;  /**< TPIDR_EL0: the user TLS pointer. */
    uint64_t esr;    /**< ESR_EL1 of the trap (sync, SError). */
    uint64_t far;    /**< FAR_EL1 of the trap (aborts, pc alignment). */
    uint64_t type;   /**< KK_A64_TRAP_* (which vector). */
};

/**
 * @brief Registers saved by a kernel-mode (EL1) trap, on the interrupted stack.
 *
 * The handler may modify it (e.g. advance pc); the trap returns through it.
 * sp is the interrupted SP_EL1 (read only: the frame is popped to it).
 */
struct kk_trapframe {
    uint64_t x[31];  /**< x0..x30. */
    uint64_t sp;     /**< interrupted sp. */
    uint64_t pc;     /**< ELR_EL1: interrupted pc; restored by `eret`. */
    uint64_t pstate; /**< SPSR_EL1; restored by `eret`. */
    uint64_t tpidr;  /**< TPIDR_EL0 at the trap (not restored). */
    uint64_t esr;    /**< ESR_EL1. */
    uint64_t far;    /**< FAR_EL1. */
    uint64_t type;   /**< KK_A64_TRAP_*. */
};

/**
 * @brief Callee-saved state of a kernel thread for kk_context_switch().
 * Integer registers only (the kernel is built without FP/SIMD).
 */
struct kk_context {
    uint64_t x19_28[10]; /**< x19..x28 (initial context: x19 = entry, x20 = argument). */
    uint64_t fp;         /**< x29. */
    uint64_t lr;         /**< x30: where the thread resumes. */
    uint64_t sp;         /**< stack pointer. */
    uint64_t reserved;   /**< Zero. */
};

/** @brief FP/SIMD registers: v0-v31 (128 bits each, as two 64-bit halves), FPSR, FPCR. */
struct kk_fpu_state {
    uint64_t v[64];    /**< v@p n is v[2n] (low half) and v[2n+1] (high half). */
    uint32_t fpsr;     /**< FPSR. */
    uint32_t fpcr;     /**< FPCR. */
    uint64_t reserved; /**< Zero. */
}
#if defined(__GNUC__) || defined(__clang__)
__attribute__((aligned(16)))
#endif
;

/** @brief Kernel-mode trap handler: called with the frame and the config's ctx. */
typedef void (*kk_trap_handler_fn)(struct kk_trapframe *tf, void *ctx);

/**
 * @brief Per-CPU block of the trap code (its address lives in TPIDR_EL1).
 *
 * Caller-owned, one per CPU, 16-byte aligned, never moved after
 * kk_trap_init(). All fields are the library's: read them, do not write them.
 */
struct kk_trap_cpu {
    struct kk_trap_cpu *self;   /**< This block. */
    uint64_t kernel_sp;         /**< Kernel sp saved by kk_uctx_run(). */
    struct kk_user_context *uc; /**< Context being run, or NULL. */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler. */
    void *ctx;                  /**< Its context pointer. */
    uint64_t flags;             /**< The config's flags. */
    uint64_t reserved[2];       /**< Zero. */
};

/**
 * @brief What kk_trap_init() installs on the calling CPU.
 */
struct kk_trap_config {
    uint32_t size;              /**< sizeof(struct kk_trap_config). */
    uint32_t flags;             /**< Zero (no flags yet). */
    struct kk_trap_cpu *cpu;    /**< Caller-owned per-CPU block (required). */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler (required). */
    void *ctx;                  /**< Passed back to @c handler. */
};

/** @cond KK_LAYOUT_ASSERTS */
KK_STATIC_ASSERT(offsetof(struct kk_user_context, x) == KK_UC_X(0), "uc x");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, sp) == KK_UC_SP, "uc sp");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, pc) == KK_UC_PC, "uc pc");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, pstate) == KK_UC_PSTATE, "uc pstate");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, tpidr) == KK_UC_TPIDR, "uc tpidr");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, esr) == KK_UC_ESR, "uc esr");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, far) == KK_UC_FAR, "uc far");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, type) == KK_UC_TYPE, "uc type");
KK_STATIC_ASSERT(sizeof(struct kk_user_context) == KK_UC_SIZE, "uc size");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, sp) == KK_UC_SP, "tf sp");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, pc) == KK_UC_PC, "tf pc");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, pstate) == KK_UC_PSTATE, "tf pstate");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, esr) == KK_UC_ESR, "tf esr");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, far) == KK_UC_FAR, "tf far");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, type) == KK_UC_TYPE, "tf type");
KK_STATIC_ASSERT(sizeof(struct kk_trapframe) == KK_TF_SIZE, "tf size");
KK_STATIC_ASSERT(KK_TF_SIZE % 16 == 0, "tf keeps sp aligned");
KK_STATIC_ASSERT(offsetof(struct kk_context, x19_28) == KK_CTX_X19, "ctx x19");
KK_STATIC_ASSERT(offsetof(struct kk_context, fp) == KK_CTX_FP, "ctx fp");
KK_STATIC_ASSERT(offsetof(struct kk_context, lr) == KK_CTX_LR, "ctx lr");
KK_STATIC_ASSERT(offsetof(struct kk_context, sp) == KK_CTX_SP, "ctx sp");
KK_STATIC_ASSERT(sizeof(struct kk_context) == KK_CTX_SIZE, "ctx size");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, self) == KK_CPU_SELF, "cpu self");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, kernel_sp) == KK_CPU_KSP, "cpu ksp");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, uc) == KK_CPU_UCTX, "cpu uctx");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, handler) == KK_CPU_HANDLER, "cpu handler");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, ctx) == KK_CPU_CTX, "cpu ctx");
KK_STATIC_ASSERT(sizeof(struct kk_trap_cpu) % 16 == 0, "cpu size");
KK_STATIC_ASSERT(sizeof(struct kk_fpu_state) == 528, "fpu size");
/** @endcond */

/**
 * @brief ESR_EL1 and FAR_EL1 of a synchronous trap, decoded.
 */
struct kk_a64_syndrome {
    uint32_t ec;      /**< Exception class, KK_A64_EC_*. */
    uint32_t iss;     /**< Instruction-specific syndrome (ESR bits 24:0). */
    uint64_t far;     /**< Faulting virtual address (valid when @c far_valid). */
    bool far_valid;   /**< Aborts and pc alignment faults with FAR valid (ISS.FnV clear). */
    bool is_write;    /**< Data aborts: the access was a write (ISS.WnR). */
    uint8_t fsc;      /**< Aborts: the fault status code (ISS bits 5:0). */
    uint8_t reserved; /**< Zero. */
    uint32_t imm16;   /**< svc/brk: the instruction's immediate. */
};

/**
 * @brief Decode a syndrome.
 * @param esr ESR_EL1 (struct kk_user_context::esr or struct kk_trapframe::esr).
 * @param far FAR_EL1 of the same trap.
 * @return the decoded fields.
 */
static inline struct kk_a64_syndrome kk_a64_syndrome_decode(uint64_t esr, uint64_t far)
{
    struct kk_a64_syndrome s;
    s.ec = (uint32_t)(esr >> 26) & 0x3f;
    s.iss = (uint32_t)esr & 0x1ffffff;
    bool is_abort = s.ec == KK_A64_EC_IABT_LOW || s.ec == KK_A64_EC_IABT_CUR ||
                    s.ec == KK_A64_EC_DABT_LOW || s.ec == KK_A64_EC_DABT_CUR;
    bool dabt = s.ec == KK_A64_EC_DABT_LOW || s.ec == KK_A64_EC_DABT_CUR;
    s.far_valid = (is_abort && !(s.iss & (1u << 10))) || s.ec == KK_A64_EC_PC_ALIGN;
    s.far = s.far_valid ? far : 0;
    s.is_write = dabt && (s.iss & (1u << 6)) != 0;
    s.fsc = is_abort ? (uint8_t)(s.iss & 0x3f) : 0;
    s.reserved = 0;
    s.imm16 = (s.ec == KK_A64_EC_SVC64 || s.ec == KK_A64_EC_BRK64) ? (s.iss & 0xffff) : 0;
    return s;
}

/** @brief Exception class of the context's last trap (0 unless a sync trap). @param uc the context.
 * @return ESR_EL1.EC. */
static inline uint32_t kk_uctx_esr_class(const struct kk_user_context *uc)
{
    return uc->type == KK_A64_TRAP_SYNC ? (uint32_t)(uc->esr >> 26) & 0x3f : 0;
}

/** @brief Syscall number (x8). @param uc the context. @return the number. */
static inline uint64_t kk_uctx_syscall_nr(const struct kk_user_context *uc)
{
    return uc->x[8];
}

/**
 * @brief Syscall argument @p i (x0..x5).
 * @param uc the context.
 * @param i argument index 0..5.
 * @return the argument, or 0 when @p i > 5.
 */
static inline uint64_t kk_uctx_arg(const struct kk_user_context *uc, unsigned i)
{
    return i <= 5 ? uc->x[i] : 0;
}

/** @brief Set the syscall return value (x0). @param uc the context. @param v the value. */
static inline void kk_uctx_set_ret(struct kk_user_context *uc, uint64_t v)
{
    uc->x[0] = v;
}

/** @brief User pc. @param uc the context. @return ELR_EL1 as saved. */
static inline uint64_t kk_uctx_pc(const struct kk_user_context *uc)
{
    return uc->pc;
}

/** @brief Set the user pc. @param uc the context. @param pc the new pc. */
static inline void kk_uctx_set_pc(struct kk_user_context *uc, uint64_t pc)
{
    uc->pc = pc;
}

/** @brief User stack pointer. @param uc the context. @return SP_EL0. */
static inline uint64_t kk_uctx_sp(const struct kk_user_context *uc)
{
    return uc->sp;
}

/** @brief Set the user stack pointer. @param uc the context. @param sp the new SP_EL0. */
static inline void kk_uctx_set_sp(struct kk_user_context *uc, uint64_t sp)
{
    uc->sp = sp;
}

/** @brief User TLS pointer. @param uc the context. @return TPIDR_EL0. */
static inline uint64_t kk_uctx_tls(const struct kk_user_context *uc)
{
    return uc->tpidr;
}

/** @brief Set the user TLS pointer. @param uc the context. @param tls the new TPIDR_EL0. */
static inline void kk_uctx_set_tls(struct kk_user_context *uc, uint64_t tls)
{
    uc->tpidr = tls;
}

/** @brief Did the context trap with `svc`? @param uc the context. @return true if so. */
static inline bool kk_uctx_is_syscall(const struct kk_user_context *uc)
{
    return kk_uctx_esr_class(uc) == KK_A64_EC_SVC64;
}

/**
 * @brief After an svc trap, make the `svc` run again when the context resumes.
 * @param uc the context; its last trap must have been an svc.
 */
static inline void kk_uctx_restart_syscall(struct kk_user_context *uc)
{
    uc->pc -= 4;
}

/** @brief Interrupted pc of a kernel trap. @param tf the frame. @return ELR_EL1 as saved. */
static inline uint64_t kk_tf_pc(const struct kk_trapframe *tf)
{
    return tf->pc;
}

/** @brief Set the pc a kernel trap returns to. @param tf the frame. @param pc the new pc. */
static inline void kk_tf_set_pc(struct kk_trapframe *tf, uint64_t pc)
{
    tf->pc = pc;
}

/**
 * @brief Cause of a kernel trap: the type in bits 63:32, ESR_EL1.EC below.
 * @param tf the frame.
 * @return (type << 32) | EC (EC is 0 for IRQ and FIQ).
 */
static inline uint64_t kk_tf_cause(const struct kk_trapframe *tf)
{
    uint64_t ec =
        tf->type == KK_A64_TRAP_SYNC || tf->type == KK_A64_TRAP_SERROR ? (tf->esr >> 26) & 0x3f : 0;
    return (tf->type << 32) | ec;
}

/**
 * @brief Let EL0 and EL1 use FP/SIMD (CPACR_EL1.FPEN = 0b11) on this CPU.
 *
 * Kernel only (EL1). Call once per CPU before kk_fpu_save()/kk_fpu_restore()
 * and before user code that uses FP/SIMD runs; without it such user code
 * traps with KK_A64_EC_FP (which a kernel may use for lazy switching).
 */
KK_API void kk_a64_fpu_enable(void);

#ifdef __cplusplus
}
#endif

#endif /* !__ASSEMBLER__ */

#endif /* KERNKIT_TRAPFRAME_AARCH64_H */
