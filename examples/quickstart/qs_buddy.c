/*
 * qs_buddy.c: kernkit::buddy as the physical frame allocator, built from the
 * boot loader's memory map.
 */
#include <kernkit/buddy.h>

#include "your_kernel.h"

#define FRAME 4096u

static struct kk_buddy frames; /* your kernel's one frame allocator */

int qs_buddy(void)
{
    const struct mem_region *map;
    size_t n = boot_memory_map(&map);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (!map[i].usable)
            continue;
        lo = map[i].base < lo ? map[i].base : lo;
        hi = map[i].base + map[i].size > hi ? map[i].base + map[i].size : hi;
    }
    if (lo >= hi)
        return KK_ENOMEM;
    lo &= ~(uint64_t)(FRAME - 1);

    /* 1. Metadata for every frame of the span (holes included), ~9.3 bytes each. */
    uint64_t nframes = (hi - lo + FRAME - 1) / FRAME;
    size_t meta_size = kk_buddy_meta_size(nframes);
    void *meta = meta_size ? kmalloc(meta_size) : NULL;
    if (!meta)
        return KK_ENOMEM;

    /* 2. Configure: zero fields are defaults (4 KiB frames, max order 10, no lock). */
    struct kk_buddy_config cfg = {
        .size = sizeof cfg, .base = lo, .nframes = nframes, .meta = meta, .meta_size = meta_size};
    int err = kk_buddy_init(&frames, &cfg);

    /* 3. Hand over the usable RAM, then take back what the kernel image occupies. */
    for (size_t i = 0; !err && i < n; i++)
        if (map[i].usable)
            err = kk_buddy_add_range(&frames, map[i].base, map[i].size);
    uint64_t kstart, kend;
    kernel_image(&kstart, &kend);
    if (!err && kend > kstart)
        err = kk_buddy_reserve(&frames, kstart, kend - kstart);

    /* 4. One operation: 4 contiguous frames (order 2), aligned to 16 KiB. */
    uint64_t pa = 0;
    if (!err)
        err = kk_buddy_alloc(&frames, 2, &pa);
    if (!err)
        err = kk_buddy_free(&frames, pa, 2);
    if (!err)
        err = kk_buddy_check(&frames); /* invariants: cheap enough for boot or a debug shell */
    if (err) {
        kputs("buddy: ");
        kputs(kk_strerror(err)); /* e.g. "Cannot allocate memory" (KK_ENOMEM) */
        kputs("\n");
    }
    return err;
}
