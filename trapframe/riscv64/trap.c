/*
 * trap.c: kk_trap_init() for riscv64.
 *
 * Fills the caller's struct kk_trap_cpu, points sscratch at it and installs
 * the entry in stvec, direct or vectored, with the optional kernel stack
 * guard (bounds, emergency stack, fatal handler). kk_rv_set_kstack() moves
 * the bounds at kernel thread switches. Owns no global state: every hart has
 * its own block, found through its own sscratch.
 */
#include <kernkit/trapframe.h>

#include <kk_util.h>

void kk_rv_trap_entry(void);
void kk_rv_trap_vectors(void);

#define SSTATUS_SIE 2ul

static bool cfg_has_guard(const struct kk_trap_config *cfg)
{
    return cfg->size >= offsetof(struct kk_trap_config, fatal) + sizeof(cfg->fatal) &&
           cfg->kstack_lo != 0;
}

static bool bounds_ok(uint64_t lo, uint64_t hi)
{
    return lo <= UINT64_MAX - KK_RV_KSTACK_RESERVE && hi >= lo + KK_RV_KSTACK_RESERVE;
}

static void set_bounds(struct kk_trap_cpu *cpu, uint64_t lo, uint64_t hi)
{
    cpu->kstack_lo = lo ? lo + KK_RV_KSTACK_RESERVE : 0;
    cpu->kstack_hi = lo ? hi : UINT64_MAX;
}

int kk_trap_init(const struct kk_trap_config *cfg)
{
    if (!cfg || cfg->size < offsetof(struct kk_trap_config, ctx) + sizeof(cfg->ctx))
        return KK_EINVAL;
    struct kk_trap_cpu *cpu = cfg->cpu;
    if (!cpu || !cfg->handler || (uintptr_t)cpu % 16 != 0)
        return KK_EINVAL;
    if (cfg->flags & ~(uint32_t)KK_RV_TRAP_VECTORED)
        return KK_EINVAL;
    bool guard = cfg_has_guard(cfg);
    if (guard && (!bounds_ok(cfg->kstack_lo, cfg->kstack_hi) || !cfg->fatal ||
                  !cfg->emergency_stack_top || cfg->emergency_stack_top % 16 != 0))
        return KK_EINVAL;
    __asm__ volatile("csrci sstatus, 2" : : : "memory");
    kk_memset(cpu, 0, sizeof(*cpu));
    cpu->handler = cfg->handler;
    cpu->ctx = cfg->ctx;
    cpu->flags = cfg->flags;
    set_bounds(cpu, 0, 0);
    if (guard) {
        set_bounds(cpu, cfg->kstack_lo, cfg->kstack_hi);
        cpu->emergency_sp = cfg->emergency_stack_top;
        cpu->fatal = cfg->fatal;
    }
    uintptr_t vec = (uintptr_t)kk_rv_trap_entry;
    if (cfg->flags & KK_RV_TRAP_VECTORED)
        vec = (uintptr_t)kk_rv_trap_vectors | 1;
    __asm__ volatile("csrw sscratch, %0\n\tcsrw stvec, %1" : : "r"(cpu), "r"(vec) : "memory");
    return 0;
}

int kk_rv_set_kstack(uint64_t lo, uint64_t hi)
{
    struct kk_trap_cpu *cpu;
    __asm__ volatile("csrr %0, sscratch" : "=r"(cpu));
    if (lo && (!bounds_ok(lo, hi) || !cpu->fatal))
        return KK_EINVAL;
    unsigned long old;
    __asm__ volatile("csrrci %0, sstatus, 2" : "=r"(old) : : "memory");
    set_bounds(cpu, lo, hi);
    cpu->fatal_busy = 0; /* the kernel moved on: re-arm the fatal path */
    if (old & SSTATUS_SIE)
        __asm__ volatile("csrsi sstatus, 2" : : : "memory");
    return 0;
}
