/*
 * trap.c: kk_trap_init() for riscv64.
 *
 * Fills the caller's struct kk_trap_cpu, points sscratch at it and installs
 * the entry in stvec, direct or vectored. Owns no global state: every hart
 * has its own block, found through its own sscratch.
 */
#include <kernkit/trapframe.h>

#include <kk_util.h>

void kk_rv_trap_entry(void);
void kk_rv_trap_vectors(void);

int kk_trap_init(const struct kk_trap_config *cfg)
{
    if (!cfg || cfg->size < offsetof(struct kk_trap_config, ctx) + sizeof(cfg->ctx))
        return KK_EINVAL;
    struct kk_trap_cpu *cpu = cfg->cpu;
    if (!cpu || !cfg->handler || (uintptr_t)cpu % 16 != 0)
        return KK_EINVAL;
    if (cfg->flags & ~(uint32_t)KK_RV_TRAP_VECTORED)
        return KK_EINVAL;
    __asm__ volatile("csrci sstatus, 2" : : : "memory");
    kk_memset(cpu, 0, sizeof(*cpu));
    cpu->handler = cfg->handler;
    cpu->ctx = cfg->ctx;
    cpu->flags = cfg->flags;
    uintptr_t vec = (uintptr_t)kk_rv_trap_entry;
    if (cfg->flags & KK_RV_TRAP_VECTORED)
        vec = (uintptr_t)kk_rv_trap_vectors | 1;
    __asm__ volatile("csrw sscratch, %0\n\tcsrw stvec, %1" : : "r"(cpu), "r"(vec) : "memory");
    return 0;
}
