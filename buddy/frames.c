/*
 * frames.c: the physical frame allocator (struct kk_buddy).
 *
 * Owns: the caller's metadata buffer, laid out as
 *   [state: 1 byte/frame][pad to 8][links: 8 bytes/frame][bitmaps: ~2 bits/frame]
 *   [order-0 reserve: one struct kk_buddy_pcp, used when no per-CPU caches are]
 * It never reads or writes the managed memory. Promises: every call either
 * succeeds or returns a negative KK_E* code and leaves the allocator as it
 * was; addresses are validated against the metadata, never trusted. With
 * lock hooks every public call holds the lock while it touches the engine;
 * without them the caller serialises. Per-CPU caches live in pcp.c.
 */
#include "frames.h"

static size_t bm_words(uint64_t nframes, unsigned k)
{
    return (size_t)((((nframes - 1) >> k) + 2 + 63) >> 6);
}

size_t kk_buddy_meta_size(uint64_t nframes)
{
    if (nframes == 0 || nframes > KK_BUDDY_MAX_FRAMES)
        return 0;
    /* Sum in 64 bits: on 32-bit targets the total can exceed SIZE_MAX (~9 bytes/frame). */
    uint64_t n = KK_ALIGN_UP(nframes, 8) + nframes * sizeof(struct link);
    for (unsigned k = 0; k <= KK_BUDDY_ORDER_LIMIT; k++)
        n += (uint64_t)bm_words(nframes, k) * sizeof(uint64_t);
    n += KK_ALIGN_UP(sizeof(struct rsv), 8); /* the order-0 reserve */
    return n > SIZE_MAX ? 0 : (size_t)n;
}

static int check_config(const struct kk_buddy_config *c, uint32_t *shift, uint32_t *max_order)
{
    uint32_t fs = c->frame_size ? c->frame_size : KK_BUDDY_DEFAULT_FRAME_SIZE;
    if (c->size < sizeof(*c) || !KK_IS_POW2(fs) || fs < 16 || !c->meta)
        return KK_EINVAL;
    *shift = ilog2_64(fs);
    *max_order = c->max_order ? c->max_order : KK_BUDDY_DEFAULT_MAX_ORDER;
    if (*max_order > KK_BUDDY_ORDER_LIMIT || (c->base & (fs - 1)) || ((uintptr_t)c->meta & 7))
        return KK_EINVAL;
    if (kk_buddy_meta_size(c->nframes) == 0 || c->meta_size < kk_buddy_meta_size(c->nframes))
        return KK_EINVAL;
    if (c->base >> *shift > UINT64_MAX - c->nframes)
        return KK_EINVAL;
    if (c->pcp && (c->ncpus == 0 || !c->cpu_id || c->pcp_orders > KK_BUDDY_PCP_ORDERS ||
                   (c->pcp_batch && c->pcp_high && c->pcp_batch > c->pcp_high)))
        return KK_EINVAL;
    if (!c->lock != !c->unlock || !c->cpu_lock != !c->cpu_unlock)
        return KK_EINVAL;
    return 0;
}

int kk_buddy_init(struct kk_buddy *b, const struct kk_buddy_config *cfg)
{
    uint32_t shift, max_order;
    if (!b || !cfg || check_config(cfg, &shift, &max_order) != 0)
        return KK_EINVAL;
    kk_memset(b, 0, sizeof *b);
    uint32_t n = (uint32_t)cfg->nframes;
    unsigned char *m = cfg->meta;
    unsigned char *links = m + KK_ALIGN_UP((size_t)n, 8);
    kk_buddy__eng_setup(&b->e, m, links, 3, cfg->base >> shift, n, max_order);
    kk_memset(links, 0, (size_t)n * sizeof(struct link));
    uint64_t *bm = (uint64_t *)(void *)(links + (size_t)n * sizeof(struct link));
    for (unsigned k = 0; k <= KK_BUDDY_ORDER_LIMIT; k++)
        bm += bm_words(n, k); /* bitmaps: built by bm_build(); the reserve follows them */
    b->shift = shift;
    b->ctx = cfg->ctx;
    b->lock = cfg->lock;
    b->unlock = cfg->unlock;
    kk_buddy__pcp_setup(b, cfg, (struct kk_buddy_pcp *)(void *)bm); /* really a struct rsv */
    b->magic = !cfg->pcp && !cfg->lock ? BUDDY_MAGIC_PLAIN : BUDDY_MAGIC;
    return 0;
}

/* Out of line as well: the symbol is in the ABI baseline. */
bool kk_buddy__ok(const struct kk_buddy *b)
{
    return buddy_ok(b);
}

/* Frame index of addr (frame-aligned, inside the span), or NIL. */
static uint32_t to_idx(const struct kk_buddy *b, uint64_t addr)
{
    if (addr & (((uint64_t)1 << b->shift) - 1))
        return NIL;
    uint64_t u = (addr >> b->shift) - b->e.base;
    return u < b->e.nunits ? (uint32_t)u : NIL;
}

/* Index of the range [addr, addr + n frames), or NIL when any of it is outside. */
static uint32_t range_idx(const struct kk_buddy *b, uint64_t addr, uint64_t n)
{
    uint32_t i = to_idx(b, addr);
    if (i == NIL || n == 0 || n > b->e.nunits - i)
        return NIL;
    return i;
}

/* eng_free out of line: keeps the callers' common paths short (and frameless). */
static NOINLINE int eng_free_call(struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    eng_free(e, i, k);
    return 0;
}

static inline uint64_t to_addr(const struct kk_buddy *b, uint32_t i)
{
    return (b->e.base + i) << b->shift;
}

int kk_buddy_add_range(struct kk_buddy *b, uint64_t addr, uint64_t size)
{
    if (!buddy_ok(b) || (size & (((uint64_t)1 << b->shift) - 1)))
        return KK_EINVAL;
    uint64_t n = size >> b->shift;
    uint32_t i = range_idx(b, addr, n);
    int rc = KK_EINVAL;
    if (i == NIL)
        return KK_EINVAL;
    glock(b);
    for (uint64_t j = 0; j < n; j++)
        if (b->e.state[i + j] != ST_ABSENT)
            goto out;
    kk_buddy__eng_add(&b->e, i, n);
    rc = 0;
out:
    gunlock(b);
    return rc;
}

/* Reserve [i, i+n), draining the per-CPU caches once if they hold part of it. */
static int reserve_idx(struct kk_buddy *b, uint32_t i, uint64_t n)
{
    glock(b);
    int rc = kk_buddy__eng_reserve_range(&b->e, i, n);
    gunlock(b);
    if (rc == KK_EBUSY && b->pcp && kk_buddy_drain(b) != 0) {
        glock(b);
        rc = kk_buddy__eng_reserve_range(&b->e, i, n);
        gunlock(b);
    }
    return rc;
}

int kk_buddy_reserve(struct kk_buddy *b, uint64_t addr, uint64_t size)
{
    if (!buddy_ok(b) || (size & (((uint64_t)1 << b->shift) - 1)))
        return KK_EINVAL;
    uint32_t i = range_idx(b, addr, size >> b->shift);
    if (i == NIL)
        return KK_EINVAL;
    return reserve_idx(b, i, size >> b->shift);
}

int kk_buddy_alloc_at(struct kk_buddy *b, uint64_t addr, unsigned order)
{
    if (!buddy_ok(b) || order > b->e.max_order)
        return KK_EINVAL;
    uint64_t n = (uint64_t)1 << order;
    uint32_t i = range_idx(b, addr, n);
    if (i == NIL || ((addr >> b->shift) & (n - 1)))
        return KK_EINVAL;
    return reserve_idx(b, i, n);
}

/*
 * Engine allocation under the lock, draining the caches once under pressure.
 * An order-0 request (o == a == 0) takes the reserve's top frame first.
 */
static NOINLINE uint32_t alloc_engine(struct kk_buddy *b, unsigned o, unsigned a)
{
    uint32_t i;
    glock(b);
    if (o == a && has_reserve(b) && rsv_of(b)->top[o] != rsv_of(b)->bot[o])
        i = rsv_pop(b, rsv_of(b), o);
    else
        i = eng_alloc(&b->e, o, a);
    gunlock(b);
    if (KK_UNLIKELY(i == NIL) && b->pcp && kk_buddy_drain(b) != 0) {
        glock(b);
        i = eng_alloc(&b->e, o, a);
        gunlock(b);
    }
    return i;
}

/* kk_buddy_alloc() with lock hooks or per-CPU caches, bad arguments, or no memory. */
static NOINLINE int alloc_slow(struct kk_buddy *b, unsigned order, uint64_t *addr)
{
    if (!buddy_ok(b) || !addr || order > b->e.max_order)
        return KK_EINVAL;
    uint32_t i;
    if (b->cpu_id && order < b->pcp_orders)
        i = kk_buddy__pcp_alloc(b, order);
    else
        i = alloc_engine(b, order, order);
    if (i == NIL)
        return KK_ENOMEM;
    *addr = to_addr(b, i);
    return 0;
}

/* kk_buddy_alloc() without hooks or caches when the reserve has no block of the order. */
static NOINLINE int alloc_plain(struct kk_buddy *b, unsigned order, uint64_t *addr)
{
    uint32_t i = eng_alloc(&b->e, order, order);
    if (KK_UNLIKELY(i == NIL))
        return alloc_slow(b, order, addr); /* drains the reserve and retries */
    *addr = to_addr(b, i);
    return 0;
}

int kk_buddy_alloc(struct kk_buddy *b, unsigned order, uint64_t *addr)
{
    if (KK_LIKELY(b && b->magic == BUDDY_MAGIC_PLAIN && addr && order <= b->e.max_order)) {
        /* no hooks, no caches: the reserve's top block of the order, else the engine */
        struct rsv *r = rsv_of(b);
        if (KK_UNLIKELY(r->top[order] == r->bot[order]))
            return alloc_plain(b, order, addr);
        *addr = to_addr(b, rsv_pop(b, r, order));
        return 0;
    }
    if (b && b->magic == BUDDY_MAGIC && b->cpu_id && addr && order < b->pcp_orders) {
        uint32_t i = kk_buddy__pcp_alloc(b, order); /* a per-CPU cache, without a detour */
        if (KK_UNLIKELY(i == NIL))
            return KK_ENOMEM;
        *addr = to_addr(b, i);
        return 0;
    }
    return alloc_slow(b, order, addr);
}

/*
 * The per-order free-head bitmaps serve kk_buddy_alloc_window() only: they are
 * built on its first call, O(nframes / 64 + free blocks), and kept in step
 * with the free lists from then on (until then b->e.bm[] is NULL and list
 * operations skip them). Allocator lock held.
 */
static NOINLINE void bm_build(struct kk_buddy *b)
{
    uint32_t n = b->e.nunits;
    uint64_t *bm = (uint64_t *)(void *)(b->e.links + (size_t)n * sizeof(struct link));
    for (unsigned k = 0; k <= b->e.max_order; k++) {
        kk_memset(bm, 0, bm_words(n, k) * sizeof(uint64_t));
        b->e.bm[k] = bm;
        for (uint32_t i = b->e.head[k]; i != NIL; i = lnk(&b->e, i)->next)
            bm_flip(&b->e, i, k);
        bm += bm_words(n, k);
    }
}

int kk_buddy_alloc_window(struct kk_buddy *b, unsigned order, uint64_t min, uint64_t max,
                          uint64_t *addr)
{
    if (!buddy_ok(b) || !addr || order > b->e.max_order || max <= min)
        return KK_EINVAL;
    if (min > UINT64_MAX - ((uint64_t)1 << b->shift))
        return KK_ENOMEM;
    uint64_t lo = (min + ((uint64_t)1 << b->shift) - 1) >> b->shift;
    uint64_t hi = max >> b->shift;
    glock(b);
    if (KK_UNLIKELY(!b->e.bm[0]))
        bm_build(b);
    uint32_t i = kk_buddy__eng_alloc_window(&b->e, order, lo, hi);
    gunlock(b);
    if (i == NIL && b->pcp && kk_buddy_drain(b) != 0) {
        glock(b);
        i = kk_buddy__eng_alloc_window(&b->e, order, lo, hi);
        gunlock(b);
    }
    if (i == NIL)
        return KK_ENOMEM;
    *addr = to_addr(b, i);
    return 0;
}

int kk_buddy_alloc_pages(struct kk_buddy *b, uint64_t count, uint64_t align, uint64_t *addr)
{
    if (!buddy_ok(b) || !addr || count == 0 || count > ((uint64_t)1 << b->e.max_order))
        return KK_EINVAL;
    if (align > ((uint64_t)1 << b->e.max_order) || (align > 1 && !KK_IS_POW2(align)))
        return KK_EINVAL;
    unsigned o = clog2_64(count), a = align > 1 ? ilog2_64(align) : 0;
    uint32_t i = alloc_engine(b, o, a > o ? a : o);
    if (i == NIL)
        return KK_ENOMEM;
    if (count < ((uint64_t)1 << o)) {
        glock(b);
        kk_buddy__eng_trim(&b->e, i, o, count);
        gunlock(b);
    }
    *addr = to_addr(b, i);
    return 0;
}

/* Free block i of order o (no per-CPU cache; allocator lock held or none). */
static inline int free_unlocked(struct kk_buddy *b, uint32_t i, unsigned o)
{
    if (KK_UNLIKELY(!is_alloc_head(&b->e, i, o)))
        return KK_EINVAL;
    /* into the reserve, unmerged, while it has room for the order */
    struct rsv *r = rsv_of(b);
    if (KK_UNLIKELY(r->top[o] == r->end[o]))
        return eng_free_call(&b->e, i, o);
    rsv_push(b, r, i, o);
    return 0;
}

/* kk_buddy_free() with lock hooks or per-CPU caches, or on a bad instance. */
static NOINLINE int free_slow(struct kk_buddy *b, uint64_t addr, unsigned order)
{
    if (!buddy_ok(b) || order > b->e.max_order)
        return KK_EINVAL;
    uint32_t i = to_idx(b, addr);
    if (i == NIL)
        return KK_EINVAL;
    if (b->cpu_id && order < b->pcp_orders)
        return kk_buddy__pcp_free(b, i, order);
    if (b->cpu_id) { /* with caches there is no reserve */
        glock(b);
        int rc = is_alloc_head(&b->e, i, order) ? (eng_free(&b->e, i, order), 0) : KK_EINVAL;
        gunlock(b);
        return rc;
    }
    glock(b);
    int rc = free_unlocked(b, i, order);
    gunlock(b);
    return rc;
}

int kk_buddy_free(struct kk_buddy *b, uint64_t addr, unsigned order)
{
    if (KK_LIKELY(b && b->magic == BUDDY_MAGIC_PLAIN)) { /* no hooks, no caches */
        uint32_t i = to_idx(b, addr);
        if (KK_UNLIKELY(i == NIL || order > b->e.max_order))
            return KK_EINVAL;
        return free_unlocked(b, i, order);
    }
    if (b && b->magic == BUDDY_MAGIC && b->cpu_id && order < b->pcp_orders) {
        uint32_t i = to_idx(b, addr);
        return KK_LIKELY(i != NIL) ? kk_buddy__pcp_free(b, i, order) : KK_EINVAL;
    }
    return free_slow(b, addr, order);
}

int kk_buddy_free_pages(struct kk_buddy *b, uint64_t addr, uint64_t count)
{
    if (!buddy_ok(b))
        return KK_EINVAL;
    uint32_t i = range_idx(b, addr, count);
    if (i == NIL)
        return KK_EINVAL;
    glock(b);
    int rc = kk_buddy__eng_free_range(&b->e, i, count);
    gunlock(b);
    return rc;
}

size_t kk_buddy_alloc_bulk(struct kk_buddy *b, uint64_t *addrs, size_t n)
{
    size_t got = 0;
    if (!buddy_ok(b) || !addrs)
        return 0;
    glock(b);
    for (; got < n; got++) {
        uint32_t i = eng_alloc(&b->e, 0, 0);
        if (i == NIL)
            break;
        addrs[got] = to_addr(b, i);
    }
    gunlock(b);
    if (got < n && b->pcp && kk_buddy_drain(b) != 0)
        got += kk_buddy_alloc_bulk(b, addrs + got, n - got);
    return got;
}

int kk_buddy_free_bulk(struct kk_buddy *b, const uint64_t *addrs, size_t n)
{
    int rc = 0;
    if (!buddy_ok(b) || (!addrs && n))
        return KK_EINVAL;
    glock(b);
    for (size_t j = 0; j < n; j++) {
        uint32_t i = to_idx(b, addrs[j]);
        if (i != NIL && is_alloc_head(&b->e, i, 0))
            eng_free(&b->e, i, 0);
        else
            rc = KK_EINVAL;
    }
    gunlock(b);
    return rc;
}
