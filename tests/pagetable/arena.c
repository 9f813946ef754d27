/* arena.c: simulated physical memory of the page-table tests (see arena.h). */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

void *arena_ptr(const struct arena *a, uint64_t pa)
{
    if (pa < a->base || pa - a->base >= (uint64_t)ARENA_FRAMES * 4096)
        return NULL;
    return a->mem + (pa - a->base);
}

static void log_ev(struct arena *a, enum arena_event e)
{
    if (a->nev < (int)(sizeof(a->ev) / sizeof(a->ev[0])))
        a->ev[a->nev++] = e;
}

static int a_alloc(void *ctx, uint64_t *pa)
{
    struct arena *a = ctx;
    if (a->attempts++ == a->fail_at)
        return KK_ENOMEM;
    for (size_t k = 0; k < ARENA_FRAMES; k++) {
        size_t f = (a->cursor + k) % ARENA_FRAMES;
        if (!a->used[f]) {
            a->used[f] = 1;
            a->nused++;
            a->cursor = f + 1;
            memset(a->mem + f * 4096, 0, 4096);
            *pa = a->base + (uint64_t)f * 4096;
            return 0;
        }
    }
    return KK_ENOMEM;
}

static void a_free(void *ctx, uint64_t pa)
{
    struct arena *a = ctx;
    uint8_t *p = arena_ptr(a, pa);
    size_t f = (size_t)((pa - a->base) / 4096);
    if (!p || (pa & 4095) || !a->used[f]) {
        a->bad_frees++;
        return;
    }
    for (int i = 0; i < 4096; i++) {
        if (p[i]) {
            a->dirty_frees++;
            break;
        }
    }
    memset(p, 0xA5, 4096); /* poison: a later walk through it would show */
    a->used[f] = 0;
    a->nused--;
    log_ev(a, EV_FREE);
}

static void *a_p2v(void *ctx, uint64_t pa)
{
    return arena_ptr(ctx, pa);
}

static void a_flush(void *ctx, uint32_t asid, const uint64_t *va, size_t n)
{
    struct arena *a = ctx;
    (void)asid;
    a->flushes++;
    a->flushed_vas += va ? n : 0;
    log_ev(a, va ? EV_FLUSH_VA : EV_FLUSH_ALL);
}

void arena_init(struct arena *a, uint64_t base)
{
    memset(a, 0, sizeof(*a));
    a->mem = aligned_alloc(4096, (size_t)ARENA_FRAMES * 4096);
    memset(a->mem, 0xA5, (size_t)ARENA_FRAMES * 4096);
    a->base = base;
    a->fail_at = -1;
    a->plat.version = KK_PT_PLATFORM_VERSION;
    a->plat.ctx = a;
    a->plat.alloc_table = a_alloc;
    a->plat.free_table = a_free;
    a->plat.phys_to_virt = a_p2v;
    a->plat.flush_tlb = a_flush;
}

void arena_fini(struct arena *a)
{
    free(a->mem);
    a->mem = NULL;
}

/* The snapshot keeps the used map and, packed in frame order, the used frames. */
void arena_snap_take(const struct arena *a, struct arena_snap *s)
{
    memcpy(s->used, a->used, sizeof(s->used));
    s->mem = malloc(a->nused ? a->nused * 4096 : 1);
    size_t k = 0;
    for (size_t f = 0; f < ARENA_FRAMES; f++) {
        if (a->used[f])
            memcpy(s->mem + 4096 * k++, a->mem + f * 4096, 4096);
    }
}

int arena_snap_same(const struct arena *a, const struct arena_snap *s)
{
    if (memcmp(s->used, a->used, sizeof(s->used)) != 0)
        return 0;
    size_t k = 0;
    for (size_t f = 0; f < ARENA_FRAMES; f++) {
        if (a->used[f] && memcmp(s->mem + 4096 * k++, a->mem + f * 4096, 4096) != 0)
            return 0;
    }
    return 1;
}

void arena_snap_free(struct arena_snap *s)
{
    free(s->mem);
    s->mem = NULL;
}
