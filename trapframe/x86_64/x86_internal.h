/*
 * x86_internal.h: private interface between the x86_64 trap sources and the
 * hosted tests (not installed). The table builders are pure functions, so
 * the hosted tests check every gate and descriptor they produce.
 */
#ifndef KK_X86_INTERNAL_H
#define KK_X86_INTERNAL_H

#include <kernkit/trapframe.h>

/* Entry points in entry.S (addresses only from C). */
void kk_x86_idt_stubs(void);
void kk_x86_syscall_entry(void);
void kk_x86_uctx_enter(struct kk_user_context *uc);
void kk_x86_load_tables(const void *gdtr, const void *idtr);
void kk_x86_kernel_trap(struct kk_trapframe *tf);

/* Vectors that run on IST1 when the config gives one: NMI, #DF, #MC. */
#define KK_X86_IST_VECTORS(v) ((v) == 2 || (v) == 8 || (v) == 18)

/* CPUID leaf/subleaf into r[0..3] = eax, ebx, ecx, edx. */
static inline void kk_x86_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

/* IA32_STAR value for the GDT layout of kk_trap_init(). */
uint64_t kk_x86_star(void);

/* Check cfg and fill cpu's IDT, GDT, TSS and fields; touches no CPU state. */
int kk_x86_build_tables(struct kk_trap_cpu *cpu, const struct kk_trap_config *cfg);

#endif
