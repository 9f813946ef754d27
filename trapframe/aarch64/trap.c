/*
 * trap.c: kk_trap_init(), kk_context_init() and the FP/SIMD helpers for
 * aarch64.
 *
 * kk_trap_init() fills the caller's struct kk_trap_cpu, points TPIDR_EL1 at
 * it and VBAR_EL1 at the library's vector table. Owns no global state: every
 * CPU has its own block, found through its own TPIDR_EL1.
 */
#include <kernkit/trapframe.h>

#include <kk_util.h>

void kk_a64_vectors(void);
void kk_a64_context_start(void);

int kk_trap_init(const struct kk_trap_config *cfg)
{
    if (!cfg || cfg->size < offsetof(struct kk_trap_config, ctx) + sizeof(cfg->ctx))
        return KK_EINVAL;
    struct kk_trap_cpu *cpu = cfg->cpu;
    if (!cpu || !cfg->handler || (uintptr_t)cpu % 16 != 0 || cfg->flags != 0)
        return KK_EINVAL;
    __asm__ volatile("msr daifset, #0xf" : : : "memory");
    kk_memset(cpu, 0, sizeof(*cpu));
    cpu->self = cpu;
    cpu->handler = cfg->handler;
    cpu->ctx = cfg->ctx;
    cpu->flags = cfg->flags;
    __asm__ volatile("msr tpidr_el1, %0\n\t"
                     "msr vbar_el1, %1\n\t"
                     "isb"
                     :
                     : "r"(cpu), "r"((uintptr_t)kk_a64_vectors)
                     : "memory");
    return 0;
}

int kk_context_init(struct kk_context *ctx, void *stack, size_t stack_size,
                    void (*entry)(void *arg), void *arg)
{
    if (!ctx || !stack || !entry || stack_size < 256 ||
        (uintptr_t)stack > UINTPTR_MAX - stack_size) /* the top would wrap */
        return KK_EINVAL;
    kk_memset(ctx, 0, sizeof(*ctx));
    ctx->lr = (uint64_t)(uintptr_t)kk_a64_context_start;
    ctx->sp = KK_ALIGN_DOWN((uintptr_t)stack + stack_size, (uintptr_t)16);
    ctx->x19_28[0] = (uint64_t)(uintptr_t)entry;
    ctx->x19_28[1] = (uint64_t)(uintptr_t)arg;
    return 0;
}

void kk_a64_fpu_enable(void)
{
    uint64_t cpacr;
    __asm__ volatile("mrs %0, cpacr_el1" : "=r"(cpacr));
    cpacr |= 3ull << 20; /* FPEN: no trapping at EL0 or EL1 */
    __asm__ volatile("msr cpacr_el1, %0\n\tisb" : : "r"(cpacr) : "memory");
}

/* v0-v31, FPSR, FPCR: a fixed size. */
size_t kk_fpu_state_size(void)
{
    return sizeof(struct kk_fpu_state);
}

int kk_fpu_state_init(struct kk_fpu_state *st, size_t size)
{
    if (!st || (uintptr_t)st % 16 != 0)
        return KK_EINVAL;
    if (size < sizeof(*st))
        return KK_ERANGE;
    kk_memset(st, 0, sizeof(*st));
    return 0;
}
