/*
 * mem_buddy.c: physical frames from kernkit::buddy (with per-CPU caches) and
 * the kernel heap from its byte heap, which grows by taking frames from the
 * buddy allocator when it runs out (its out-of-memory callback).
 */
#include <kernkit/buddy.h>

#include "mem.h"
#include "proc.h"

#define HEAP_CHUNK_ORDER 8 /* the heap grows by 1 MiB */

static struct kk_buddy buddy;
static struct kk_heap heap;
static struct kk_buddy_pcp pcp[MAXCPU];
static struct spinlock buddy_lock, heap_lock, pcp_lock[MAXCPU];

static void b_lock(void *ctx)
{
    spin_lock(ctx);
}
static void b_unlock(void *ctx)
{
    spin_unlock(ctx);
}
static unsigned b_cpu(void *ctx)
{
    (void)ctx;
    return (unsigned)mycpu()->id;
}
static void b_cpu_lock(void *ctx, unsigned cpu)
{
    (void)ctx;
    spin_lock(&pcp_lock[cpu % MAXCPU]);
}
static void b_cpu_unlock(void *ctx, unsigned cpu)
{
    (void)ctx;
    spin_unlock(&pcp_lock[cpu % MAXCPU]);
}

/* The heap is out of memory: give it another chunk of frames and retry. */
static int heap_oom(void *ctx, struct kk_heap *h, size_t size, size_t align)
{
    (void)ctx;
    unsigned order = HEAP_CHUNK_ORDER;
    while ((PGSIZE << order) < 2 * (size + align) && order < 14)
        order++;
    uint64_t pa;
    if (kk_buddy_alloc(&buddy, order, &pa) < 0)
        return KK_ENOMEM;
    int rc = kk_heap_add_region(h, P2V(pa), PGSIZE << order);
    if (rc < 0)
        kk_buddy_free(&buddy, pa, order);
    return rc;
}

void mem_init(uintptr_t start, uintptr_t stop)
{
    start = PGROUNDUP(start);
    stop = PGROUNDDOWN(stop);
    spin_init(&buddy_lock, "buddy");
    spin_init(&heap_lock, "heap");
    for (int i = 0; i < MAXCPU; i++)
        spin_init(&pcp_lock[i], "buddy-pcp");
    /* the metadata lives at the start of the free range, outside what it manages */
    uint64_t nframes = (stop - start) / PGSIZE;
    size_t meta = PGROUNDUP(kk_buddy_meta_size(nframes));
    uintptr_t base = start + meta;
    struct kk_buddy_config cfg = {
        .size = sizeof cfg,
        .max_order = 14,
        .ctx = &buddy_lock,
        .base = base,
        .nframes = (stop - base) / PGSIZE,
        .meta = P2V(start),
        .meta_size = meta,
        .lock = b_lock,
        .unlock = b_unlock,
        .pcp = pcp,
        .ncpus = MAXCPU,
        .cpu_id = b_cpu,
        .cpu_lock = b_cpu_lock,
        .cpu_unlock = b_cpu_unlock,
    };
    int rc = kk_buddy_init(&buddy, &cfg);
    if (rc == 0)
        rc = kk_buddy_add_range(&buddy, base, stop - base);
    if (rc < 0)
        panic("buddy: %s", kk_strerror(rc));
    struct kk_heap_config hc = {
        .size = sizeof hc, .ctx = &heap_lock, .oom = heap_oom, .lock = b_lock, .unlock = b_unlock};
    if ((rc = kk_heap_init(&heap, &hc)) < 0)
        panic("heap: %s", kk_strerror(rc));
}

uintptr_t frames_alloc(unsigned order)
{
    uint64_t pa;
    if (kk_buddy_alloc(&buddy, order, &pa) < 0)
        return 0;
    memset(P2V(pa), 0, PGSIZE << order);
    return (uintptr_t)pa;
}

void frames_free(uintptr_t pa, unsigned order)
{
    int rc = kk_buddy_free(&buddy, pa, order);
    if (rc < 0)
        panic("frames_free %lx order %u: %s", (unsigned long)pa, order, kk_strerror(rc));
}

size_t mem_free_frames(void)
{
    struct kk_buddy_stats st;
    kk_buddy_stats(&buddy, &st);
    return (size_t)(st.free_frames + st.cached_frames);
}

size_t mem_total_frames(void)
{
    struct kk_buddy_stats st;
    kk_buddy_stats(&buddy, &st);
    return (size_t)st.total_frames;
}

void *kmalloc(size_t n)
{
    return kk_heap_alloc(&heap, n ? n : 1);
}

void *kzalloc(size_t n)
{
    void *p = kmalloc(n);
    if (p)
        memset(p, 0, n);
    return p;
}

void kfree(void *p)
{
    if (p && kk_heap_free(&heap, p) < 0)
        panic("kfree %p: not a heap block", p);
}
