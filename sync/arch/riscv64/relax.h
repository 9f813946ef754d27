/* relax.h (riscv64): Zihintpause "pause" (a FENCE hint, a no-op on older cores). */
#ifndef KK_SYNC_RELAX_H
#define KK_SYNC_RELAX_H
static inline void arch_cpu_relax(void)
{
    __asm__ __volatile__(".4byte 0x0100000f" ::: "memory");
}
#endif
