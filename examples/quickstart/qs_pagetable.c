/*
 * qs_pagetable.c: kernkit::pagetable on your frame allocator. The library
 * builds and edits the tables; loading the root (satp, CR3, TTBR0) and
 * sfence.vma/invlpg stay yours.
 */
#include <kernkit/pagetable.h>

#include "your_kernel.h"

static int plat_alloc_table(void *ctx, uint64_t *pa)
{
    (void)ctx;
    if (frame_alloc(pa) != 0)
        return KK_ENOMEM;
    uint8_t *p = phys_to_virt(*pa);
    for (unsigned i = 0; i < 4096; i++) /* tables must start zero-filled */
        p[i] = 0;
    return 0;
}

static void plat_free_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    frame_free(pa);
}

static void *plat_phys_to_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static void plat_flush_tlb(void *ctx, uint32_t asid, const uint64_t *va, size_t n)
{
    (void)ctx, (void)asid, (void)va, (void)n; /* sfence.vma / invlpg / tlbi here */
}

static const struct kk_pt_platform pt_plat = {
    .version = KK_PT_PLATFORM_VERSION,
    .alloc_table = plat_alloc_table,
    .free_table = plat_free_table,
    .phys_to_virt = plat_phys_to_virt, /* or NULL and .phys_offset for a direct map */
    .flush_tlb = plat_flush_tlb,
};

int qs_pagetable(void)
{
    struct kk_pt pt;
    struct kk_pt_config cfg = {.size = sizeof cfg, .format = KK_PT_SV39, .plat = &pt_plat};
    int err = kk_pt_init(&pt, &cfg);
    if (err)
        goto out;

    /* One 4 KiB kernel data page at a high address, then ask where it goes. */
    const uint64_t va = 0xffffffc000200000ull, pa = 0x80200000ull;
    err = kk_pt_map(&pt, va, pa, 4096, KK_PT_R | KK_PT_W | KK_PT_G | KK_PT_A | KK_PT_D);
    struct kk_pt_mapping m;
    if (!err)
        err = kk_pt_query(&pt, va + 0x123, &m);
    if (!err && m.pa + 0x123 != pa + 0x123)
        err = KK_ECORRUPT;
    if (!err) /* mapping it twice is refused, not overwritten */
        err = kk_pt_map(&pt, va, pa, 4096, KK_PT_R) == KK_EEXIST ? 0 : KK_EINVAL;
    /* kk_pt_root(&pt) is what goes into satp (Sv39: mode 8 << 60 | root >> 12). */
    kk_pt_destroy(&pt);
out:
    if (err) {
        kputs("pagetable: ");
        kputs(kk_strerror(err));
        kputs("\n");
    }
    return err;
}
