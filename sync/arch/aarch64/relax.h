/* relax.h (aarch64): spin-loop hint. */
#ifndef KK_SYNC_RELAX_H
#define KK_SYNC_RELAX_H
static inline void arch_cpu_relax(void)
{
    __asm__ __volatile__("yield" ::: "memory");
}
#endif
