/*
 * trap.c: kk_trap_init() and kk_uctx_run() for x86_64.
 *
 * kk_trap_init() builds the caller's struct kk_trap_cpu (IDT of 256
 * interrupt gates, GDT, TSS with rsp0 and IST1) with pure code, then loads it
 * and programs the MSRs. kk_uctx_run() sanitises rflags, installs the user FS
 * and GS bases (FSGSBASE instructions when enabled, else MSR writes, skipped
 * when unchanged) and enters through entry.S. Kernel-mode traps reach
 * kk_x86_kernel_trap(), which finds the block from the IDT base: no globals,
 * no GS dependence.
 */
#include "x86_internal.h"

#include <kk_util.h>

#define MSR_EFER           0xc0000080u
#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_FMASK          0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define EFER_SCE           1ull
#define CR4_FSGSBASE       (1ull << 16)
/* rflags cleared at `syscall`: TF, IF, DF, NT, AC. */
#define SYSCALL_FMASK  0x44700ull
#define RFLAGS_USER    0x240dd5ull
#define RFLAGS_FIXED   0x202ull
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3      0x60
#define TSS_LIMIT      103u

struct pseudo_desc {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

uint64_t kk_x86_star(void)
{
    /* sysret: CS = base + 16, SS = base + 8 (user code32 at 0x18, RPL 3);
     * syscall: CS = 0x08, SS = 0x10. */
    return ((uint64_t)(0x18 | 3) << 48) | ((uint64_t)KK_X86_KERNEL_CS << 32);
}

static void set_gate(uint8_t *g, uint64_t handler, unsigned ist, unsigned dpl3)
{
    g[0] = (uint8_t)handler;
    g[1] = (uint8_t)(handler >> 8);
    g[2] = KK_X86_KERNEL_CS;
    g[3] = 0;
    g[4] = (uint8_t)ist;
    g[5] = (uint8_t)(GATE_INTERRUPT | (dpl3 ? GATE_DPL3 : 0));
    g[6] = (uint8_t)(handler >> 16);
    g[7] = (uint8_t)(handler >> 24);
    uint32_t hi = (uint32_t)(handler >> 32);
    kk_memcpy(g + 8, &hi, 4);
    kk_memset(g + 12, 0, 4);
}

static void set_tss_u64(uint32_t *tss, unsigned byte_off, uint64_t v)
{
    tss[byte_off / 4] = (uint32_t)v;
    tss[byte_off / 4 + 1] = (uint32_t)(v >> 32);
}

static void build_gdt(struct kk_trap_cpu *cpu)
{
    uint64_t base = (uint64_t)(uintptr_t)cpu->tss;
    cpu->gdt[0] = 0;
    cpu->gdt[1] = 0x00af9a000000ffffull; /* 0x08 kernel code, L=1 */
    cpu->gdt[2] = 0x00cf92000000ffffull; /* 0x10 kernel data */
    cpu->gdt[3] = 0x00cffa000000ffffull; /* 0x18 user code, 32-bit */
    cpu->gdt[4] = 0x00cff2000000ffffull; /* 0x20 user data */
    cpu->gdt[5] = 0x00affa000000ffffull; /* 0x28 user code, L=1 */
    cpu->gdt[6] = (uint64_t)TSS_LIMIT | ((base & 0xffffffull) << 16) | (0x89ull << 40) |
                  (((base >> 24) & 0xffull) << 56); /* 0x30 available 64-bit TSS */
    cpu->gdt[7] = base >> 32;
}

/* The argument checks of kk_trap_init(), run before it touches any CPU state. */
static int check_config(const struct kk_trap_cpu *cpu, const struct kk_trap_config *cfg)
{
    if (!cfg || cfg->size < offsetof(struct kk_trap_config, reserved))
        return KK_EINVAL;
    if (!cpu || !cfg->handler || (uintptr_t)cpu % 16 != 0)
        return KK_EINVAL;
    if (!cfg->trap_stack_top || cfg->trap_stack_top % 16 != 0 || cfg->ist_stack_top % 16 != 0)
        return KK_EINVAL;
    if (cfg->user_int_vector > 255 || (cfg->user_int_vector != 0 && cfg->user_int_vector < 32))
        return KK_EINVAL;
    return 0;
}

int kk_x86_build_tables(struct kk_trap_cpu *cpu, const struct kk_trap_config *cfg)
{
    int err = check_config(cpu, cfg);
    if (err)
        return err;
    kk_memset(cpu, 0, sizeof(*cpu));
    cpu->self = cpu;
    cpu->handler = cfg->handler;
    cpu->ctx = cfg->ctx;
    uint64_t stubs = (uint64_t)(uintptr_t)kk_x86_idt_stubs;
    for (unsigned v = 0; v < 256; v++) {
        unsigned ist = cfg->ist_stack_top && KK_X86_IST_VECTORS(v) ? 1 : 0;
        unsigned dpl3 = v == 3 || v == 4 || (cfg->user_int_vector && v == cfg->user_int_vector);
        set_gate(cpu->idt + 16 * v, stubs + 16 * v, ist, dpl3);
    }
    set_tss_u64(cpu->tss, 4, cfg->trap_stack_top);   /* rsp0 */
    set_tss_u64(cpu->tss, 36, cfg->ist_stack_top);   /* ist1 */
    cpu->tss[25] = (uint32_t)sizeof(cpu->tss) << 16; /* no I/O bitmap */
    build_gdt(cpu);
    return 0;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static bool cpu_has_fsgsbase(void)
{
    uint32_t r[4];
    kk_x86_cpuid(0, 0, r);
    if (r[0] < 7)
        return false;
    kk_x86_cpuid(7, 0, r);
    return r[1] & 1u;
}

/* FSGSBASE on when available and allowed; otherwise off, so user code cannot
 * change its bases behind the MSR cache. */
static void setup_fsgsbase(struct kk_trap_cpu *cpu, const struct kk_trap_config *cfg)
{
    bool use = !(cfg->flags & KK_X86_TRAP_NO_FSGSBASE) && cpu_has_fsgsbase();
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 = use ? cr4 | CR4_FSGSBASE : cr4 & ~CR4_FSGSBASE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
    if (use)
        cpu->flags |= KK_X86_CPU_FSGSBASE;
}

int kk_trap_init(const struct kk_trap_config *cfg)
{
    struct kk_trap_cpu *cpu = cfg ? cfg->cpu : NULL;
    int err = check_config(cpu, cfg);
    if (err)
        return err; /* before cli: a refused call leaves the CPU as it was */
    __asm__ volatile("cli" : : : "memory");
    err = kk_x86_build_tables(cpu, cfg);
    if (err)
        return err;
    struct pseudo_desc gdtr = {sizeof(cpu->gdt) - 1, (uint64_t)(uintptr_t)cpu->gdt};
    struct pseudo_desc idtr = {sizeof(cpu->idt) - 1, (uint64_t)(uintptr_t)cpu->idt};
    kk_x86_load_tables(&gdtr, &idtr);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, kk_x86_star());
    wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)kk_x86_syscall_entry);
    wrmsr(MSR_FMASK, SYSCALL_FMASK);
    wrmsr(MSR_FS_BASE, 0);
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    setup_fsgsbase(cpu, cfg);
    return 0;
}

void kk_x86_kernel_trap(struct kk_trapframe *tf)
{
    struct pseudo_desc idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    struct kk_trap_cpu *cpu =
        (struct kk_trap_cpu *)(uintptr_t)(idtr.base - offsetof(struct kk_trap_cpu, idt));
    cpu->handler(tf, cpu->ctx);
}

/* A base the CPU would refuse (#GP in ring 0) becomes 0. */
static uint64_t user_base(uint64_t b)
{
    return b >> 47 ? 0 : b;
}

int kk_uctx_run(struct kk_user_context *uc)
{
    struct kk_trap_cpu *cpu;
    if (!uc)
        return KK_EINVAL;
    __asm__ volatile("cli" : : : "memory");
    __asm__ volatile("movq %%gs:0, %0" : "=r"(cpu));
    if (uc->rip >> 47) {
        /* iretq would fault in ring 0: report the #GP user code would get. */
        uc->vector = 13;
        uc->error_code = 0;
        uc->cr2 = 0;
        return 0;
    }
    uc->rflags = (uc->rflags & RFLAGS_USER) | RFLAGS_FIXED;
    uc->fs_base = user_base(uc->fs_base);
    uc->gs_base = user_base(uc->gs_base);
    if (cpu->flags & KK_X86_CPU_FSGSBASE) {
        __asm__ volatile("wrfsbase %0\n\tswapgs\n\twrgsbase %1\n\tswapgs"
                         :
                         : "r"(uc->fs_base), "r"(uc->gs_base)
                         : "memory");
    } else {
        if (uc->fs_base != cpu->msr_fs_base) {
            wrmsr(MSR_FS_BASE, uc->fs_base);
            cpu->msr_fs_base = uc->fs_base;
        }
        if (uc->gs_base != cpu->msr_kgs_base) {
            wrmsr(MSR_KERNEL_GS_BASE, uc->gs_base);
            cpu->msr_kgs_base = uc->gs_base;
        }
    }
    kk_x86_uctx_enter(uc);
    return 0;
}
