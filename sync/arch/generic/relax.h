/* relax.h (other architectures): a compiler barrier only. */
#ifndef KK_SYNC_RELAX_H
#define KK_SYNC_RELAX_H
static inline void arch_cpu_relax(void)
{
    __asm__ __volatile__("" ::: "memory");
}
#endif
