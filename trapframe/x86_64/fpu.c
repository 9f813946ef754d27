/*
 * fpu.c: x86_64 FPU/SIMD save and restore.
 *
 * Contract: kk_fpu_state_init() asks the CPU once (CPUID 1 and 0xD, XGETBV)
 * and records in the caller's area how to save it: XSAVEOPT64, XSAVE64 (all
 * XCR0 components, so AVX/AVX-512 upper state survives) or FXSAVE64 when the
 * CPU or the OS has no XSAVE. kk_fpu_save()/kk_fpu_restore() then dispatch
 * on that record with no CPUID. The XSAVE area is in the standard
 * (non-compacted) format, starting at st->fxsave, 64-byte aligned.
 * kk_x86_fpu_enable() is the privileged part a kernel calls once per CPU.
 * No global state.
 */
#include "x86_internal.h"

#include <kk_util.h>

#define CPUID1_ECX_XSAVE   (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID_D1_XSAVEOPT  1u
#define CR0_MP             (1ull << 1)
#define CR0_EM             (1ull << 2)
#define CR0_TS             (1ull << 3)
#define CR0_NE             (1ull << 5)
#define CR4_OSFXSR         (1ull << 9)
#define CR4_OSXMMEXCPT     (1ull << 10)
#define CR4_OSXSAVE        (1ull << 18)
#define FCW_DEFAULT        0x037fu
#define MXCSR_DEFAULT      0x1f80u
#define XCR0_KNOWN         (KK_X86_XCR0_X87 | KK_X86_XCR0_SSE | KK_X86_XCR0_AVX | KK_X86_XCR0_AVX512)

/* What the running CPU/OS offers for saving: XSAVE area size (0 = none). */
struct xsave_info {
    uint64_t xcr0;
    uint32_t size;
    bool opt;
};

static bool cpu_has_leaf_d(void)
{
    uint32_t r[4];
    kk_x86_cpuid(0, 0, r);
    return r[0] >= 0xd;
}

static struct xsave_info xsave_info(void)
{
    struct xsave_info xi = {0, 0, false};
    uint32_t r[4];
    kk_x86_cpuid(1, 0, r);
    if (!(r[2] & CPUID1_ECX_OSXSAVE) || !cpu_has_leaf_d())
        return xi;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xi.xcr0 = ((uint64_t)hi << 32) | lo;
    kk_x86_cpuid(0xd, 0, r);
    xi.size = r[1]; /* for the components enabled in XCR0 now */
    kk_x86_cpuid(0xd, 1, r);
    xi.opt = r[0] & CPUID_D1_XSAVEOPT;
    return xi;
}

static size_t area_size(const struct xsave_info *xi)
{
    if (!xi->size)
        return sizeof(struct kk_fpu_state);
    return offsetof(struct kk_fpu_state, fxsave) + KK_ALIGN_UP((size_t)xi->size, (size_t)64);
}

size_t kk_fpu_state_size(void)
{
    struct xsave_info xi = xsave_info();
    return area_size(&xi);
}

int kk_fpu_state_init(struct kk_fpu_state *st, size_t size)
{
    if (!st || (uintptr_t)st % 64 != 0)
        return KK_EINVAL;
    struct xsave_info xi = xsave_info();
    size_t need = area_size(&xi);
    if (size < need)
        return KK_ERANGE;
    kk_memset(st, 0, need); /* XSAVE header zero: XRSTOR loads the init state */
    st->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    if (xi.size) {
        st->mode = xi.opt ? KK_X86_FPU_XSAVEOPT : KK_X86_FPU_XSAVE;
        st->features = xi.xcr0;
    }
    uint16_t fcw = FCW_DEFAULT;
    uint32_t mxcsr = MXCSR_DEFAULT;
    kk_memcpy(st->fxsave, &fcw, sizeof(fcw));
    kk_memcpy(st->fxsave + 24, &mxcsr, sizeof(mxcsr));
    return 0;
}

int kk_fpu_save(struct kk_fpu_state *st)
{
    if (!st)
        return KK_EINVAL;
    uint32_t lo = (uint32_t)st->features, hi = (uint32_t)(st->features >> 32);
    switch (st->mode) {
    case KK_X86_FPU_FXSAVE:
        __asm__ volatile("fxsave64 (%0)" : : "r"(st->fxsave) : "memory");
        return 0;
    case KK_X86_FPU_XSAVE:
        __asm__ volatile("xsave64 (%0)" : : "r"(st->fxsave), "a"(lo), "d"(hi) : "memory");
        return 0;
    case KK_X86_FPU_XSAVEOPT:
        __asm__ volatile("xsaveopt64 (%0)" : : "r"(st->fxsave), "a"(lo), "d"(hi) : "memory");
        return 0;
    default:
        return KK_EINVAL;
    }
}

int kk_fpu_restore(const struct kk_fpu_state *st)
{
    if (!st)
        return KK_EINVAL;
    uint32_t lo = (uint32_t)st->features, hi = (uint32_t)(st->features >> 32);
    switch (st->mode) {
    case KK_X86_FPU_FXSAVE:
        __asm__ volatile("fxrstor64 (%0)" : : "r"(st->fxsave) : "memory");
        return 0;
    case KK_X86_FPU_XSAVE:
    case KK_X86_FPU_XSAVEOPT:
        __asm__ volatile("xrstor64 (%0)" : : "r"(st->fxsave), "a"(lo), "d"(hi) : "memory");
        return 0;
    default:
        return KK_EINVAL;
    }
}

/* XCR0 bits to enable: the known ones the CPU has, with their dependencies. */
static uint64_t xcr0_for(uint64_t features, uint64_t supported)
{
    uint64_t want = (features | KK_X86_XCR0_X87 | KK_X86_XCR0_SSE) & supported & XCR0_KNOWN;
    if (!(want & KK_X86_XCR0_AVX) || (want & KK_X86_XCR0_AVX512) != KK_X86_XCR0_AVX512)
        want &= ~KK_X86_XCR0_AVX512;
    return want;
}

uint64_t kk_x86_fpu_enable(uint64_t features)
{
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    uint32_t r[4];
    kk_x86_cpuid(1, 0, r);
    bool xsave = (r[2] & CPUID1_ECX_XSAVE) && cpu_has_leaf_d();
    if (xsave)
        cr4 |= CR4_OSXSAVE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
    if (!xsave)
        return 0;
    kk_x86_cpuid(0xd, 0, r);
    uint64_t xcr0 = xcr0_for(features, ((uint64_t)r[3] << 32) | r[0]);
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)));
    return xcr0;
}
