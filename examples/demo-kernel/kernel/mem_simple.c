/*
 * mem_simple.c: TEMPORARY frame allocator and heap until kernkit::buddy lands.
 * Free lists per order without coalescing, carved from the free range by a
 * bump pointer; the heap rounds sizes to powers of two with a 16-byte header.
 */
#include "mem.h"
#include "proc.h"

#define MAXORDER 8
static struct spinlock lock;
static uintptr_t bump, end;
static uintptr_t freelist[MAXORDER + 1];
static size_t nfree, ntotal;

void mem_init(uintptr_t start, uintptr_t stop)
{
    spin_init(&lock, "mem");
    bump = PGROUNDUP(start);
    end = PGROUNDDOWN(stop);
    ntotal = nfree = (end - bump) / PGSIZE;
}

uintptr_t frames_alloc(unsigned order)
{
    uintptr_t pa = 0, size = PGSIZE << order;
    if (order > MAXORDER)
        return 0;
    spin_lock(&lock);
    if (freelist[order]) {
        pa = freelist[order];
        freelist[order] = *(uintptr_t *)P2V(pa);
    } else {
        uintptr_t b = (bump + size - 1) & ~(size - 1);
        if (b + size <= end) {
            pa = b;
            bump = b + size;
        }
    }
    if (pa)
        nfree -= 1ul << order;
    spin_unlock(&lock);
    if (pa)
        memset(P2V(pa), 0, size);
    return pa;
}

void frames_free(uintptr_t pa, unsigned order)
{
    spin_lock(&lock);
    *(uintptr_t *)P2V(pa) = freelist[order];
    freelist[order] = pa;
    nfree += 1ul << order;
    spin_unlock(&lock);
}

size_t mem_free_frames(void)
{
    return nfree;
}
size_t mem_total_frames(void)
{
    return ntotal;
}

/* Heap: sizes 32..2048 from page-carved classes, bigger ones from frames. */
static void *classes[8];

void *kmalloc(size_t n)
{
    size_t need = n + 16;
    if (need > PGSIZE / 2) {
        unsigned order = 0;
        while ((PGSIZE << order) < need)
            order++;
        uintptr_t pa = frames_alloc(order);
        if (!pa)
            return NULL;
        uint64_t *h = P2V(pa);
        h[0] = 100 + order;
        return h + 2;
    }
    unsigned c = 0;
    while ((32ul << c) < need)
        c++;
    spin_lock(&lock);
    void *p = classes[c];
    if (p)
        classes[c] = *(void **)p;
    spin_unlock(&lock);
    if (!p) {
        uintptr_t pa = frame_alloc();
        if (!pa)
            return NULL;
        char *base = P2V(pa);
        size_t sz = 32ul << c;
        spin_lock(&lock);
        for (size_t off = sz; off + sz <= PGSIZE; off += sz) {
            *(void **)(base + off) = classes[c];
            classes[c] = base + off;
        }
        spin_unlock(&lock);
        p = base;
    }
    uint64_t *h = p;
    h[0] = c;
    return h + 2;
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
    if (!p)
        return;
    uint64_t *h = (uint64_t *)p - 2;
    if (h[0] >= 100) {
        frames_free(V2P(h), (unsigned)(h[0] - 100));
        return;
    }
    unsigned c = (unsigned)h[0];
    KASSERT(c < 8);
    spin_lock(&lock);
    *(void **)h = classes[c];
    classes[c] = h;
    spin_unlock(&lock);
}
