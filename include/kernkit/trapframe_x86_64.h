/**
 * @file trapframe_x86_64.h
 * @brief x86_64 layouts of the trapframe library: user context, kernel trap
 *        frame, kernel-thread context, per-CPU block, FPU area, accessors.
 *
 * Included by <kernkit/trapframe.h> on x86_64; it can also be included alone
 * on any host (it is plain C) to inspect the layouts. The KK_UC_*, KK_TF_*,
 * KK_CTX_* and KK_CPU_* offsets are usable from assembly (define
 * __ASSEMBLER__, as `gcc -c file.S` does); the C structs assert them.
 *
 * Segment layout installed by kk_trap_init(): 0x08 kernel code, 0x10 kernel
 * data, 0x18 user code (32-bit, unused; it anchors `sysret`), 0x20 user data,
 * 0x28 user code (64-bit), 0x30 the TSS. User selectors carry RPL 3.
 */
#ifndef KERNKIT_TRAPFRAME_X86_64_H
#define KERNKIT_TRAPFRAME_X86_64_H

/** @name Offsets in struct kk_user_context (bytes)
 * @{ */
#define KK_UC_RAX     0   /**< rax: syscall number in, return value out. */
#define KK_UC_RBX     8   /**< rbx. */
#define KK_UC_RCX     16  /**< rcx (after `syscall`: the return rip). */
#define KK_UC_RDX     24  /**< rdx: argument 2. */
#define KK_UC_RSI     32  /**< rsi: argument 1. */
#define KK_UC_RDI     40  /**< rdi: argument 0. */
#define KK_UC_RBP     48  /**< rbp. */
#define KK_UC_RSP     56  /**< rsp (the user stack pointer). */
#define KK_UC_R8      64  /**< r8: argument 4. */
#define KK_UC_R9      72  /**< r9: argument 5. */
#define KK_UC_R10     80  /**< r10: argument 3. */
#define KK_UC_R11     88  /**< r11 (after `syscall`: the rflags). */
#define KK_UC_R12     96  /**< r12. */
#define KK_UC_R13     104 /**< r13. */
#define KK_UC_R14     112 /**< r14. */
#define KK_UC_R15     120 /**< r15. */
#define KK_UC_RIP     128 /**< rip. */
#define KK_UC_RFLAGS  136 /**< rflags. */
#define KK_UC_FS_BASE 144 /**< FS base (the TLS pointer). */
#define KK_UC_GS_BASE 152 /**< user GS base. */
#define KK_UC_VECTOR  160 /**< trap cause: IDT vector or KK_X86_TRAP_SYSCALL. */
#define KK_UC_ERROR   168 /**< CPU error code (0 if the vector has none). */
#define KK_UC_CR2     176 /**< faulting address of a page fault (vector 14). */
#define KK_UC_MXCSR   184 /**< MXCSR (fncall mode only, 32 bits). */
#define KK_UC_FPU_CW  188 /**< x87 control word (fncall mode only, 16 bits). */
#define KK_UC_SIZE    192 /**< sizeof(struct kk_user_context). */
/** @} */

/** @name Offsets in struct kk_trapframe (bytes)
 * The trap stubs push the registers in reverse order, so r15 is lowest.
 * @{ */
#define KK_TF_CR2    0   /**< cr2 at entry (page faults; 0 otherwise). */
#define KK_TF_R15    8   /**< r15. */
#define KK_TF_RAX    120 /**< rax (r15..rax are consecutive, in push order reversed). */
#define KK_TF_VECTOR 128 /**< IDT vector. */
#define KK_TF_ERROR  136 /**< CPU error code (0 if the vector has none). */
#define KK_TF_RIP    144 /**< interrupted rip (hardware frame starts here). */
#define KK_TF_CS     152 /**< interrupted cs. */
#define KK_TF_RFLAGS 160 /**< interrupted rflags. */
#define KK_TF_RSP    168 /**< interrupted rsp. */
#define KK_TF_SS     176 /**< interrupted ss. */
#define KK_TF_SIZE   184 /**< sizeof(struct kk_trapframe). */
/** @} */

/** @name Offsets in struct kk_context (bytes)
 * @{ */
#define KK_CTX_RBX  0  /**< rbx. */
#define KK_CTX_RBP  8  /**< rbp. */
#define KK_CTX_R12  16 /**< r12 (initial context: entry function). */
#define KK_CTX_R13  24 /**< r13 (initial context: its argument). */
#define KK_CTX_R14  32 /**< r14. */
#define KK_CTX_R15  40 /**< r15. */
#define KK_CTX_RSP  48 /**< rsp. */
#define KK_CTX_RIP  56 /**< rip to resume at. */
#define KK_CTX_SIZE 64 /**< sizeof(struct kk_context). */
/** @} */

/** @name Offsets in struct kk_trap_cpu (bytes), used by the entry code
 * @{ */
#define KK_CPU_SELF     0   /**< the block's own address (read as %gs:0). */
#define KK_CPU_KSP      8   /**< kernel rsp saved by kk_uctx_run(). */
#define KK_CPU_UCTX     16  /**< user context being run. */
#define KK_CPU_USER_RSP 24  /**< scratch: user rsp at `syscall`. */
#define KK_CPU_FLAGS    32  /**< KK_X86_CPU_* feature bits. */
#define KK_CPU_IDT      128 /**< start of the IDT (256 gates of 16 bytes). */
/** @} */

/** Trap cause recorded for a `syscall` instruction (or a fncall trap). */
#define KK_X86_TRAP_SYSCALL 256
/** kk_trap_cpu flag: CR4.FSGSBASE is on; bases move with rd/wr{fs,gs}base. */
#define KK_X86_CPU_FSGSBASE 1
/** kk_trap_config flag: never enable or use FSGSBASE (MSR fallback only). */
#define KK_X86_TRAP_NO_FSGSBASE 1

/** Kernel code selector. */
#define KK_X86_KERNEL_CS 0x08
/** Kernel data selector. */
#define KK_X86_KERNEL_DS 0x10
/** User data selector (RPL 3). */
#define KK_X86_USER_DS 0x23
/** User 64-bit code selector (RPL 3). */
#define KK_X86_USER_CS 0x2b
/** TSS selector. */
#define KK_X86_TSS_SEL 0x30

#ifndef __ASSEMBLER__

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The full user-mode register state of one thread, and why it last trapped.
 *
 * Filled by kk_uctx_run() (and kk_uctx_run_fncall()) when the user code traps;
 * loaded from it on the way back. The caller owns it; it must stay valid while
 * the context runs.
 */
struct kk_user_context {
    uint64_t rax;        /**< rax; syscall number on entry, return value on exit. */
    uint64_t rbx;        /**< rbx. */
    uint64_t rcx;        /**< rcx; equals rip after a `syscall`. */
    uint64_t rdx;        /**< rdx; syscall argument 2. */
    uint64_t rsi;        /**< rsi; syscall argument 1. */
    uint64_t rdi;        /**< rdi; syscall argument 0. */
    uint64_t rbp;        /**< rbp. */
    uint64_t rsp;        /**< user stack pointer. */
    uint64_t r8;         /**< r8; syscall argument 4. */
    uint64_t r9;         /**< r9; syscall argument 5. */
    uint64_t r10;        /**< r10; syscall argument 3. */
    uint64_t r11;        /**< r11; equals rflags after a `syscall`. */
    uint64_t r12;        /**< r12. */
    uint64_t r13;        /**< r13. */
    uint64_t r14;        /**< r14. */
    uint64_t r15;        /**< r15. */
    uint64_t rip;        /**< user instruction pointer. */
    uint64_t rflags;     /**< user rflags (sanitised to user bits + IF on entry). */
    uint64_t fs_base;    /**< FS base: the user TLS pointer. */
    uint64_t gs_base;    /**< user GS base. */
    uint64_t vector;     /**< trap cause: IDT vector 0..255 or KK_X86_TRAP_SYSCALL. */
    uint64_t error_code; /**< CPU error code of the vector (0 if none). */
    uint64_t cr2;        /**< faulting linear address when vector is 14 (page fault). */
    uint32_t mxcsr;      /**< MXCSR; saved and restored by the fncall mode only. */
    uint16_t fpu_cw;     /**< x87 control word; saved and restored by the fncall mode only. */
    uint16_t reserved;   /**< Zero. */
};

/**
 * @brief Registers saved by a kernel-mode trap, on the interrupted stack.
 *
 * The handler may modify it (e.g. advance rip); the trap returns through it.
 */
struct kk_trapframe {
    uint64_t cr2;        /**< cr2 at entry if the vector is 14, else 0. */
    uint64_t r15;        /**< r15. */
    uint64_t r14;        /**< r14. */
    uint64_t r13;        /**< r13. */
    uint64_t r12;        /**< r12. */
    uint64_t r11;        /**< r11. */
    uint64_t r10;        /**< r10. */
    uint64_t r9;         /**< r9. */
    uint64_t r8;         /**< r8. */
    uint64_t rbp;        /**< rbp. */
    uint64_t rdi;        /**< rdi. */
    uint64_t rsi;        /**< rsi. */
    uint64_t rdx;        /**< rdx. */
    uint64_t rcx;        /**< rcx. */
    uint64_t rbx;        /**< rbx. */
    uint64_t rax;        /**< rax. */
    uint64_t vector;     /**< IDT vector 0..255. */
    uint64_t error_code; /**< CPU error code (0 if the vector has none). */
    uint64_t rip;        /**< interrupted rip. */
    uint64_t cs;         /**< interrupted code selector. */
    uint64_t rflags;     /**< interrupted rflags. */
    uint64_t rsp;        /**< interrupted stack pointer. */
    uint64_t ss;         /**< interrupted stack selector. */
};

/**
 * @brief Callee-saved state of a kernel thread for kk_context_switch().
 *
 * Build the first one with kk_context_init(). FPU/SIMD state is not included
 * (see kk_fpu_save()).
 */
struct kk_context {
    uint64_t rbx; /**< rbx. */
    uint64_t rbp; /**< rbp. */
    uint64_t r12; /**< r12. */
    uint64_t r13; /**< r13. */
    uint64_t r14; /**< r14. */
    uint64_t r15; /**< r15. */
    uint64_t rsp; /**< stack pointer. */
    uint64_t rip; /**< where the thread resumes. */
};

/** @name kk_fpu_state modes (struct kk_fpu_state::mode)
 * @{ */
#define KK_X86_FPU_FXSAVE   0 /**< FXSAVE64/FXRSTOR64: x87, MMX, SSE (the zero-filled default). */
#define KK_X86_FPU_XSAVE    1 /**< XSAVE64/XRSTOR64 of every XCR0 component (AVX upper halves...). */
#define KK_X86_FPU_XSAVEOPT 2 /**< As XSAVE, saving with XSAVEOPT64 (skips unmodified state). */
/** @} */

/**
 * @brief FPU/SIMD save area: a 64-byte header, then the FXSAVE image or the
 *        XSAVE area (legacy region, XSAVE header, extended components).
 *
 * With XSAVE the object is larger than the struct: allocate
 * kk_fpu_state_size() bytes (64-byte aligned) and set it up with
 * kk_fpu_state_init(); the XSAVE header and the extended components follow
 * @c fxsave directly in memory. A zero-filled struct (mode
 * KK_X86_FPU_FXSAVE) is a valid FXSAVE-only area of sizeof bytes.
 */
struct kk_fpu_state {
    uint32_t mode;        /**< KK_X86_FPU_* (set by kk_fpu_state_init()). */
    uint32_t size;        /**< Bytes of the whole object (set by kk_fpu_state_init()). */
    uint64_t features;    /**< XSAVE: XCR0 components saved and restored (x87, SSE, AVX...). */
    uint8_t reserved[48]; /**< Zero. */
    /** FXSAVE image, or legacy region of the XSAVE area (MXCSR at byte 24, xmm0 at 160). */
    uint8_t fxsave[512];
}
#if defined(__GNUC__) || defined(__clang__)
__attribute__((aligned(64)))
#endif
;

/** @brief Kernel-mode trap handler: called with the frame and the config's ctx. */
typedef void (*kk_trap_handler_fn)(struct kk_trapframe *tf, void *ctx);

/**
 * @brief Per-CPU block of the trap code: IDT, GDT, TSS and entry scratch.
 *
 * Caller-owned (one per CPU, 16-byte aligned, never moved after kk_trap_init()).
 * While in the kernel the GS base points to it (%gs:0 holds its address); a
 * kernel may embed it at offset 0 of its own per-CPU data. All fields are the
 * library's: read them, do not write them.
 */
struct kk_trap_cpu {
    struct kk_trap_cpu *self;   /**< This block (read as %gs:0). */
    uint64_t kernel_rsp;        /**< Kernel rsp saved by kk_uctx_run(). */
    struct kk_user_context *uc; /**< Context being run by kk_uctx_run(), or NULL. */
    uint64_t user_rsp;          /**< Scratch: user rsp at a `syscall`. */
    uint64_t flags;             /**< KK_X86_CPU_* bits found by kk_trap_init(). */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler. */
    void *ctx;                  /**< Its context pointer. */
    uint64_t msr_fs_base;       /**< MSR mode: FS base last written. */
    uint64_t msr_kgs_base;      /**< MSR mode: KERNEL_GS_BASE last written. */
    uint64_t reserved[7];       /**< Zero; room for growth. */
    uint8_t idt[256 * 16];      /**< The interrupt descriptor table. */
    uint64_t gdt[8];            /**< GDT: null, kcode, kdata, ucode32, udata, ucode, TSS (2). */
    uint32_t tss[26];           /**< 64-bit TSS (104 bytes). */
    uint32_t reserved2[2];      /**< Padding to a multiple of 16 bytes. */
}
#if defined(__GNUC__) || defined(__clang__)
__attribute__((aligned(16)))
#endif
;

/**
 * @brief What kk_trap_init() installs on the calling CPU.
 */
struct kk_trap_config {
    uint32_t size;              /**< sizeof(struct kk_trap_config). */
    uint32_t flags;             /**< KK_X86_TRAP_* bits (0 = defaults). */
    struct kk_trap_cpu *cpu;    /**< Caller-owned per-CPU block (required). */
    kk_trap_handler_fn handler; /**< Kernel-mode trap handler (required). */
    void *ctx;                  /**< Passed back to @c handler. */
    uint64_t trap_stack_top;    /**< TSS rsp0: stack for traps from user mode (required,
                                     16-aligned top; a few hundred bytes suffice). */
    uint64_t ist_stack_top;     /**< IST1 for NMI, \#DF and \#MC (0 = none; strongly advised:
                                     an NMI at `syscall` entry otherwise runs on the user stack). */
    uint32_t user_int_vector;   /**< An extra vector user code may `int` (e.g. 0x80; 0 = none). */
    uint32_t reserved;          /**< Zero. */
};

/** @cond KK_LAYOUT_ASSERTS */
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rax) == KK_UC_RAX, "uc rax");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rbx) == KK_UC_RBX, "uc rbx");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rcx) == KK_UC_RCX, "uc rcx");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rdx) == KK_UC_RDX, "uc rdx");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rsi) == KK_UC_RSI, "uc rsi");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rdi) == KK_UC_RDI, "uc rdi");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rbp) == KK_UC_RBP, "uc rbp");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rsp) == KK_UC_RSP, "uc rsp");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r8) == KK_UC_R8, "uc r8");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r9) == KK_UC_R9, "uc r9");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r10) == KK_UC_R10, "uc r10");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r11) == KK_UC_R11, "uc r11");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r12) == KK_UC_R12, "uc r12");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r13) == KK_UC_R13, "uc r13");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r14) == KK_UC_R14, "uc r14");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, r15) == KK_UC_R15, "uc r15");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rip) == KK_UC_RIP, "uc rip");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, rflags) == KK_UC_RFLAGS, "uc rflags");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, fs_base) == KK_UC_FS_BASE, "uc fs");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, gs_base) == KK_UC_GS_BASE, "uc gs");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, vector) == KK_UC_VECTOR, "uc vector");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, error_code) == KK_UC_ERROR, "uc error");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, cr2) == KK_UC_CR2, "uc cr2");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, mxcsr) == KK_UC_MXCSR, "uc mxcsr");
KK_STATIC_ASSERT(offsetof(struct kk_user_context, fpu_cw) == KK_UC_FPU_CW, "uc fpu_cw");
KK_STATIC_ASSERT(sizeof(struct kk_user_context) == KK_UC_SIZE, "uc size");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, cr2) == KK_TF_CR2, "tf cr2");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, r15) == KK_TF_R15, "tf r15");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, rax) == KK_TF_RAX, "tf rax");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, vector) == KK_TF_VECTOR, "tf vector");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, error_code) == KK_TF_ERROR, "tf error");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, rip) == KK_TF_RIP, "tf rip");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, cs) == KK_TF_CS, "tf cs");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, rflags) == KK_TF_RFLAGS, "tf rflags");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, rsp) == KK_TF_RSP, "tf rsp");
KK_STATIC_ASSERT(offsetof(struct kk_trapframe, ss) == KK_TF_SS, "tf ss");
KK_STATIC_ASSERT(sizeof(struct kk_trapframe) == KK_TF_SIZE, "tf size");
KK_STATIC_ASSERT(offsetof(struct kk_fpu_state, fxsave) == 64, "fpu area 64-aligned");
KK_STATIC_ASSERT(sizeof(struct kk_fpu_state) == 576, "fpu size");
KK_STATIC_ASSERT(offsetof(struct kk_context, rbx) == KK_CTX_RBX, "ctx rbx");
KK_STATIC_ASSERT(offsetof(struct kk_context, rbp) == KK_CTX_RBP, "ctx rbp");
KK_STATIC_ASSERT(offsetof(struct kk_context, r12) == KK_CTX_R12, "ctx r12");
KK_STATIC_ASSERT(offsetof(struct kk_context, r13) == KK_CTX_R13, "ctx r13");
KK_STATIC_ASSERT(offsetof(struct kk_context, r14) == KK_CTX_R14, "ctx r14");
KK_STATIC_ASSERT(offsetof(struct kk_context, r15) == KK_CTX_R15, "ctx r15");
KK_STATIC_ASSERT(offsetof(struct kk_context, rsp) == KK_CTX_RSP, "ctx rsp");
KK_STATIC_ASSERT(offsetof(struct kk_context, rip) == KK_CTX_RIP, "ctx rip");
KK_STATIC_ASSERT(sizeof(struct kk_context) == KK_CTX_SIZE, "ctx size");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, self) == KK_CPU_SELF, "cpu self");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, kernel_rsp) == KK_CPU_KSP, "cpu ksp");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, uc) == KK_CPU_UCTX, "cpu uctx");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, user_rsp) == KK_CPU_USER_RSP, "cpu user rsp");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, flags) == KK_CPU_FLAGS, "cpu flags");
KK_STATIC_ASSERT(offsetof(struct kk_trap_cpu, idt) == KK_CPU_IDT, "cpu idt");
KK_STATIC_ASSERT(sizeof(struct kk_trap_cpu) % 16 == 0, "cpu size");
/** @endcond */

/** @brief Syscall number (rax). @param uc the context. @return the number. */
static inline uint64_t kk_uctx_syscall_nr(const struct kk_user_context *uc)
{
    return uc->rax;
}

/**
 * @brief Syscall argument @p i (rdi, rsi, rdx, r10, r8, r9).
 * @param uc the context.
 * @param i argument index 0..5.
 * @return the argument, or 0 when @p i > 5.
 */
static inline uint64_t kk_uctx_arg(const struct kk_user_context *uc, unsigned i)
{
    switch (i) {
    case 0:
        return uc->rdi;
    case 1:
        return uc->rsi;
    case 2:
        return uc->rdx;
    case 3:
        return uc->r10;
    case 4:
        return uc->r8;
    case 5:
        return uc->r9;
    default:
        return 0;
    }
}

/** @brief Set the syscall return value (rax). @param uc the context. @param v the value. */
static inline void kk_uctx_set_ret(struct kk_user_context *uc, uint64_t v)
{
    uc->rax = v;
}

/** @brief User pc. @param uc the context. @return rip. */
static inline uint64_t kk_uctx_pc(const struct kk_user_context *uc)
{
    return uc->rip;
}

/**
 * @brief Set the user pc. Also sets rcx when it equalled the old rip, so a
 *        context that came from `syscall` can still return with `sysret`.
 * @param uc the context.
 * @param pc the new rip.
 */
static inline void kk_uctx_set_pc(struct kk_user_context *uc, uint64_t pc)
{
    if (uc->rcx == uc->rip)
        uc->rcx = pc;
    uc->rip = pc;
}

/** @brief User stack pointer. @param uc the context. @return rsp. */
static inline uint64_t kk_uctx_sp(const struct kk_user_context *uc)
{
    return uc->rsp;
}

/** @brief Set the user stack pointer. @param uc the context. @param sp the new rsp. */
static inline void kk_uctx_set_sp(struct kk_user_context *uc, uint64_t sp)
{
    uc->rsp = sp;
}

/** @brief User TLS pointer (FS base). @param uc the context. @return FS base. */
static inline uint64_t kk_uctx_tls(const struct kk_user_context *uc)
{
    return uc->fs_base;
}

/** @brief Set the user TLS pointer (FS base). @param uc the context. @param tls the base. */
static inline void kk_uctx_set_tls(struct kk_user_context *uc, uint64_t tls)
{
    uc->fs_base = tls;
}

/** @brief Did the context trap with a system call? @param uc the context. @return true if so. */
static inline bool kk_uctx_is_syscall(const struct kk_user_context *uc)
{
    return uc->vector == KK_X86_TRAP_SYSCALL;
}

/**
 * @brief After a syscall trap, make the syscall instruction run again when
 *        the context resumes (restart).
 * @param uc the context; its last trap must have been a syscall (2-byte insn).
 */
static inline void kk_uctx_restart_syscall(struct kk_user_context *uc)
{
    kk_uctx_set_pc(uc, uc->rip - 2);
}

/** @brief Interrupted pc of a kernel trap. @param tf the frame. @return rip. */
static inline uint64_t kk_tf_pc(const struct kk_trapframe *tf)
{
    return tf->rip;
}

/** @brief Set the pc a kernel trap returns to. @param tf the frame. @param pc the new rip. */
static inline void kk_tf_set_pc(struct kk_trapframe *tf, uint64_t pc)
{
    tf->rip = pc;
}

/** @brief Cause of a kernel trap. @param tf the frame. @return the IDT vector. */
static inline uint64_t kk_tf_cause(const struct kk_trapframe *tf)
{
    return tf->vector;
}

/**
 * @brief Hosted fncall mode: run @p uc at the caller's privilege until it traps.
 *
 * Only in hosted (non-freestanding) builds. The "user" code runs on its own
 * stack (uc->rsp) starting at uc->rip with every register from @p uc, and
 * traps by calling kk_fncall_trap(); then this function returns with the
 * registers saved in @p uc (rip = the return address, rsp = the stack pointer
 * after the return, vector = KK_X86_TRAP_SYSCALL), DF cleared, and the
 * caller's MXCSR and x87 control word restored (the user's are kept in @p uc).
 * The per-thread state lives in the library's own TLS slot.
 * @param uc the context; rflags is sanitised as for kk_uctx_run().
 * @return 0 once the context trapped; KK_EINVAL if @p uc is NULL.
 */
KK_API int kk_uctx_run_fncall(struct kk_user_context *uc);

/**
 * @brief Hosted fncall mode: the "syscall instruction" for user code. Call it
 *        with the syscall registers loaded (rax = number, rdi, rsi, rdx, r10,
 *        r8, r9); it returns when kk_uctx_run_fncall() resumes the context,
 *        with the registers then in the context. Only callable from code started
 *        by kk_uctx_run_fncall().
 */
KK_API void kk_fncall_trap(void);

/** @name XCR0 component bits for kk_x86_fpu_enable()
 * @{ */
#define KK_X86_XCR0_X87    0x1ull  /**< x87 state (always enabled). */
#define KK_X86_XCR0_SSE    0x2ull  /**< SSE state: xmm0-15, MXCSR (always enabled). */
#define KK_X86_XCR0_AVX    0x4ull  /**< AVX: upper halves of ymm0-15. */
#define KK_X86_XCR0_AVX512 0xe0ull /**< AVX-512: opmask, upper zmm0-15, zmm16-31 (all or none). */
/** @} */

/**
 * @brief Turn the FPU/SIMD units on for the calling CPU (kernel only, CPL 0).
 *
 * Clears CR0.EM and CR0.TS, sets CR0.MP, CR4.OSFXSR and CR4.OSXMMEXCPT. When
 * the CPU has XSAVE (CPUID.1:ECX.XSAVE) also sets CR4.OSXSAVE and XCR0 to x87
 * | SSE | the bits of @p features the CPU supports (CPUID leaf 0xD), keeping
 * the architectural dependencies (AVX-512 needs AVX, and all three of its
 * bits). Call once per CPU, before kk_fpu_state_size() and before user code
 * runs. Not for hosted builds (privileged instructions).
 * @param features wanted KK_X86_XCR0_* bits (e.g. ~0ull for everything).
 * @return the XCR0 now in effect, or 0 when the CPU has no XSAVE (then
 *         kk_fpu_save() uses FXSAVE).
 */
KK_API uint64_t kk_x86_fpu_enable(uint64_t features);

#ifdef __cplusplus
}
#endif

#endif /* !__ASSEMBLER__ */

#endif /* KERNKIT_TRAPFRAME_X86_64_H */
