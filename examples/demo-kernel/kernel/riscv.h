/* riscv.h: CSR access, interrupt enable and the SBI calls the kernel uses. */
#ifndef DEMO_RISCV_H
#define DEMO_RISCV_H

#include <stdint.h>

#define SSTATUS_SIE  (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP  (1ul << 8)
#define SSTATUS_SUM  (1ul << 18)
#define SIE_SSIE     (1ul << 1)
#define SIP_SSIP     (1ul << 1)
#define SIE_STIE     (1ul << 5)
#define SIE_SEIE     (1ul << 9)

#define CAUSE_INTR          (1ul << 63)
#define IRQ_S_SOFT          1
#define IRQ_S_TIMER         5
#define IRQ_S_EXT           9
#define EXC_INST_MISALIGNED 0
#define EXC_INST_ACCESS     1
#define EXC_ILLEGAL         2
#define EXC_BREAKPOINT      3
#define EXC_LOAD_ACCESS     5
#define EXC_STORE_ACCESS    7
#define EXC_ECALL_U         8
#define EXC_INST_PAGE       12
#define EXC_LOAD_PAGE       13
#define EXC_STORE_PAGE      15

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        unsigned long v_;                                                                          \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_));                                             \
        v_;                                                                                        \
    })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"((unsigned long)(v)))
#define csr_set(csr, v)   __asm__ volatile("csrs " #csr ", %0" ::"r"((unsigned long)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((unsigned long)(v)))

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline void intr_on(void)
{
    csr_set(sstatus, SSTATUS_SIE);
}
static inline void intr_off(void)
{
    csr_clear(sstatus, SSTATUS_SIE);
}
static inline int intr_get(void)
{
    return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}
static inline void sfence_vma(void)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

struct sbiret {
    long error;
    long value;
};
static inline struct sbiret sbi_call(long ext, long fid, unsigned long a0, unsigned long a1,
                                     unsigned long a2)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r6 __asm__("a6") = (unsigned long)fid;
    register unsigned long r7 __asm__("a7") = (unsigned long)ext;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
    struct sbiret r = {(long)r0, (long)r1};
    return r;
}
#define SBI_EXT_TIME 0x54494D45
#define SBI_EXT_HSM  0x48534D
#define SBI_EXT_IPI  0x735049
static inline void sbi_set_timer(uint64_t when)
{
    sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}
/* Raise a supervisor software interrupt on one hart (SBI IPI extension). */
static inline void sbi_send_ipi(unsigned long hartid)
{
    sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0); /* hart_mask bit 0, hart_mask_base = hartid */
}
static inline long sbi_hart_start(unsigned long hartid, unsigned long start, unsigned long opaque)
{
    return sbi_call(SBI_EXT_HSM, 0, hartid, start, opaque).error;
}

#endif
