/*
 * heap.c: a malloc-style byte heap (struct kk_heap) on the buddy engine.
 *
 * Each region the caller adds is laid out as
 *   [struct kk_heap_region][state: 1 byte per unit][pad][units ...]
 * where a unit is the minimum block. Free blocks keep their list links inside
 * themselves (the memory is mapped), so the only out-of-band metadata is the
 * header and one state byte per unit. kk_heap_free() needs no size: the
 * block's order is in its state byte, and a pointer that is not the head of an
 * allocated block is rejected. Regions sit in a red-black tree keyed by
 * address, so free/realloc/usable_size find a pointer's region in
 * O(log regions) (the last region used is tried first). The tree is
 * augmented with the OR of the regions' non-empty-order masks, so an
 * allocation the last-used region cannot serve finds the first region with a
 * large enough free block in O(log regions) too. The heap owns the regions' memory from
 * kk_heap_add_region() on; with lock hooks every call holds the lock except
 * while the OOM callback runs.
 *
 * Free-block cache: regions of at least 128 KiB keep, per small order (the
 * first HEAP_CACHE_ORDERS), a stack of up to `cap` freed blocks' unit indices
 * right after the header. A cached block stays allocated in the engine with
 * ST_HELD set in its state byte (so a second free is still rejected), and
 * kk_heap_alloc() of that order pops it without touching the engine or the
 * block's memory. A full stack gives its older half back to the engine
 * (merging buddies); an allocation that finds no block anywhere gives every
 * cached block back and retries, so caching never makes an allocation fail.
 */
#include "engine.h"

#define HEAP_MAGIC   0x68656170u
#define OOM_RETRIES  8
#define HEAP_MAX_ORD 30u

#define HEAP_CACHE_ORDERS 10u  /* orders cached: blocks of 1 .. 512 minimum blocks */
#define HEAP_CACHE_MAX    128u /* cache entries per order (regions >= 2 MiB) */
#define HEAP_CACHE_MIN    8u   /* fewer would not pay: no cache (regions < 128 KiB) */
#define HEAP_HELD(s)      ((unsigned)(s) & (ST_HELD | 0x60u))

struct kk_heap_region {
    struct kk_rb_node node; /* in kk_heap::regions, ordered by address */
    uint32_t sub_mask;      /* OR of e.nonempty over this node's subtree */
    uintptr_t start, end;   /* managed units; the region spans [mem, end) */
    uint32_t *cache;        /* HEAP_CACHE_ORDERS stacks of cap unit indices, or NULL */
    uint32_t cap;           /* entries per order (0: no cache) */
    uint32_t ncached[HEAP_CACHE_ORDERS];
    uintptr_t mem; /* the region as added: [mem, mem + size) */
    size_t size;
    struct kk_buddy_engine e;
};

static inline void hlock(struct kk_heap *h)
{
    if (h->lock)
        h->lock(h->ctx);
}

static inline void hunlock(struct kk_heap *h)
{
    if (h->unlock)
        h->unlock(h->ctx);
}

static inline bool heap_ok(const struct kk_heap *h)
{
    return h && h->magic == HEAP_MAGIC;
}

int kk_heap_init(struct kk_heap *h, const struct kk_heap_config *cfg)
{
    if (!h || !cfg || cfg->size < sizeof(*cfg))
        return KK_EINVAL;
    uint32_t mb = cfg->min_block ? cfg->min_block : KK_HEAP_DEFAULT_MIN_BLOCK;
    uint32_t mo = cfg->max_order ? cfg->max_order : KK_HEAP_DEFAULT_MAX_ORDER;
    if (!KK_IS_POW2(mb) || mb < sizeof(struct link) || mo > HEAP_MAX_ORD ||
        !cfg->lock != !cfg->unlock)
        return KK_EINVAL;
    kk_memset(h, 0, sizeof *h);
    h->shift = ilog2_64(mb);
    h->max_order = mo;
    h->ctx = cfg->ctx;
    h->oom = cfg->oom;
    h->lock = cfg->lock;
    h->unlock = cfg->unlock;
    h->magic = HEAP_MAGIC;
    return 0;
}

/* Cache entries per order for a region of size bytes (0 below 128 KiB). */
static uint32_t cache_cap(size_t size)
{
    size_t c = size >> 14;
    if (c < HEAP_CACHE_MIN)
        return 0;
    return c > HEAP_CACHE_MAX ? HEAP_CACHE_MAX : (uint32_t)c;
}

/* Orders a region's cache holds (the heap's orders, at most HEAP_CACHE_ORDERS). */
static inline uint32_t cache_orders(const struct kk_heap *h)
{
    return h->max_order + 1 < HEAP_CACHE_ORDERS ? h->max_order + 1 : HEAP_CACHE_ORDERS;
}

/* Units a region [mem, mem+size) holds and where they start; 0 if too small. */
static uint32_t region_layout(const struct kk_heap *h, uintptr_t mem, size_t size, uintptr_t *start)
{
    uintptr_t unit = (uintptr_t)1 << h->shift;
    uintptr_t hdr = KK_ALIGN_UP(mem, sizeof(void *)) + sizeof(struct kk_heap_region) +
                    (uintptr_t)cache_cap(size) * cache_orders(h) * sizeof(uint32_t);
    if (size < sizeof(struct kk_heap_region) + 2 * unit + 8 || mem > UINTPTR_MAX - size)
        return 0;
    uintptr_t end = KK_ALIGN_DOWN(mem + size, unit);
    if (hdr >= end)
        return 0;
    uint64_t n = (end - hdr) / (unit + 1);
    if (n > KK_BUDDY_MAX_FRAMES)
        n = KK_BUDDY_MAX_FRAMES;
    while (n > 0 && KK_ALIGN_UP(hdr + n, unit) + (n << h->shift) > end)
        n--;
    *start = KK_ALIGN_UP(hdr + (uintptr_t)n, unit);
    return (uint32_t)n;
}

size_t kk_heap_region_overhead(const struct kk_heap *h, size_t size)
{
    uintptr_t start;
    if (!heap_ok(h))
        return 0;
    uint32_t n = region_layout(h, 0x1000, size, &start);
    return n ? size - ((size_t)n << h->shift) : 0;
}

static inline struct kk_heap_region *reg_of(struct kk_rb_node *n)
{
    return n ? kk_rb_entry(n, struct kk_heap_region, node) : NULL;
}

/* Augmentation: recompute n's subtree mask; true if it changed. */
static bool reg_update(struct kk_rb_node *n)
{
    struct kk_heap_region *r = reg_of(n);
    uint32_t m = r->e.nonempty;
    if (n->left)
        m |= reg_of(n->left)->sub_mask;
    if (n->right)
        m |= reg_of(n->right)->sub_mask;
    if (m == r->sub_mask)
        return false;
    r->sub_mask = m;
    return true;
}

/* After r's free lists changed from mask `before`: refresh the masks up the tree. */
static inline void reg_changed(struct kk_heap_region *r, uint32_t before)
{
    if (r->e.nonempty == before)
        return;
    for (struct kk_rb_node *n = &r->node; n && reg_update(n); n = kk_rb_parent(n))
        ;
}

/* First region (by address) with a free block of order >= a, or NULL. O(log regions). */
static struct kk_heap_region *reg_with_space(const struct kk_heap *h, unsigned a)
{
    struct kk_rb_node *n = h->regions.node;
    while (n && (reg_of(n)->sub_mask >> a)) {
        if (n->left && (reg_of(n->left)->sub_mask >> a))
            n = n->left;
        else if (reg_of(n)->e.nonempty >> a)
            return reg_of(n);
        else
            n = n->right;
    }
    return NULL;
}

/* The region with the largest mem <= a, or NULL (lock held). O(log regions). */
static struct kk_heap_region *reg_floor(const struct kk_heap *h, uintptr_t a)
{
    struct kk_rb_node *n = h->regions.node, *best = NULL;
    while (n) {
        if (reg_of(n)->mem <= a) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return reg_of(best);
}

/* Does [m, m + size) overlap a region already added? (lock held) */
static bool reg_overlaps(const struct kk_heap *h, uintptr_t m, size_t size)
{
    struct kk_heap_region *r = reg_floor(h, m + size - 1);
    return r && m < r->mem + r->size;
}

/* Link r into the address-ordered tree (lock held, no overlap). */
static void reg_insert(struct kk_heap *h, struct kk_heap_region *r)
{
    struct kk_rb_node **link = &h->regions.node, *parent = NULL;
    bool leftmost = true;
    while (*link) {
        parent = *link;
        if (r->mem < reg_of(parent)->mem) {
            link = &parent->left;
        } else {
            link = &parent->right;
            leftmost = false;
        }
    }
    kk_rb_link(&r->node, parent, link);
    r->sub_mask = r->e.nonempty;
    kk_rb_insert_color(&h->regions, &r->node, leftmost, reg_update);
}

int kk_heap_add_region(struct kk_heap *h, void *mem, size_t size)
{
    uintptr_t start, m = (uintptr_t)mem;
    if (!heap_ok(h) || !mem)
        return KK_EINVAL;
    uint32_t n = region_layout(h, m, size, &start);
    if (n == 0)
        return KK_EINVAL;
    hlock(h);
    if (reg_overlaps(h, m, size)) {
        hunlock(h);
        return KK_EINVAL;
    }
    struct kk_heap_region *r = (struct kk_heap_region *)KK_ALIGN_UP(m, sizeof(void *));
    r->mem = m;
    r->size = size;
    r->start = start;
    r->end = start + ((uintptr_t)n << h->shift);
    r->cap = cache_cap(size);
    r->cache = r->cap ? (uint32_t *)(void *)(r + 1) : NULL;
    kk_memset(r->ncached, 0, sizeof r->ncached);
    uint8_t *state = (uint8_t *)(r + 1) + (size_t)r->cap * cache_orders(h) * sizeof(uint32_t);
    kk_buddy__eng_setup(&r->e, state, (unsigned char *)start, h->shift, start >> h->shift, n,
                        h->max_order);
    kk_buddy__eng_add(&r->e, 0, n);
    reg_insert(h, r);
    h->hint = r;
    h->nregions++;
    hunlock(h);
    return 0;
}

/* Allocate order o aligned to 2^a in region r (lock held), or NULL. */
static inline void *region_alloc(struct kk_heap *h, struct kk_heap_region *r, unsigned o,
                                 unsigned a)
{
    uint32_t before = r->e.nonempty, i = eng_alloc(&r->e, o, a);
    if (i == NIL)
        return NULL;
    reg_changed(r, before);
    return (void *)(r->start + ((uintptr_t)i << h->shift));
}

/* Give the cached blocks cache[o][from, from + n) back to the engine (lock held). */
static void cache_release(struct kk_heap_region *r, unsigned o, uint32_t from, uint32_t n)
{
    uint32_t before = r->e.nonempty, *c = r->cache + (size_t)o * r->cap;
    for (uint32_t j = from; j < from + n; j++)
        eng_free(&r->e, c[j], o); /* sets the head's new state: ST_HELD goes */
    reg_changed(r, before);
}

/* Cache stack o of r is full: give its older half back, keep the newer half. */
static void cache_spill(struct kk_heap_region *r, unsigned o)
{
    uint32_t half = r->cap / 2, *c = r->cache + (size_t)o * r->cap;
    cache_release(r, o, 0, half);
    kk_memmove(c, c + half, (size_t)(r->cap - half) * sizeof *c);
    r->ncached[o] = r->cap - half;
}

/* Give every cached block of every region back; true if there was one (lock held). */
static bool cache_drain_all(struct kk_heap *h)
{
    bool any = false;
    for (struct kk_heap_region *r = reg_of(kk_rb_first(&h->regions)); r;
         r = reg_of(kk_rb_next(&r->node))) {
        for (unsigned o = 0; o < HEAP_CACHE_ORDERS; o++) {
            if (r->ncached[o] != 0) {
                cache_release(r, o, 0, r->ncached[o]);
                r->ncached[o] = 0;
                any = true;
            }
        }
    }
    return any;
}

/*
 * One allocation attempt (lock held): the last region's cache, the region of
 * the last success, else the first region whose subtree mask shows a block of
 * order >= a.
 */
static void *try_alloc(struct kk_heap *h, unsigned o, unsigned a)
{
    struct kk_heap_region *r = h->hint;
    if (KK_LIKELY(r != NULL)) {
        if (KK_LIKELY(o == a && o < HEAP_CACHE_ORDERS && r->ncached[o] != 0)) {
            uint32_t i = r->cache[(size_t)o * r->cap + --r->ncached[o]];
            r->e.state[i] = (uint8_t)(ST_ALLOC | o);
            return (void *)(r->start + ((uintptr_t)i << h->shift));
        }
        if (KK_LIKELY((r->e.nonempty >> a) != 0))
            return region_alloc(h, r, o, a);
    }
    r = reg_with_space(h, a);
    if (!r)
        return NULL;
    h->hint = r;
    return region_alloc(h, r, o, a);
}

/* Largest block in bytes (capped so that sizes below it never overflow). */
static size_t heap_limit(const struct kk_heap *h)
{
    unsigned lbits = h->shift + h->max_order;
    return (size_t)1 << (lbits < sizeof(size_t) * 8 - 2 ? lbits : sizeof(size_t) * 8 - 2);
}

/* Block order for size bytes (size <= heap_limit(h)). */
static unsigned size_order(const struct kk_heap *h, size_t size)
{
    return clog2_64(((uint64_t)size + ((uint64_t)1 << h->shift) - 1) >> h->shift);
}

static void *heap_alloc(struct kk_heap *h, size_t size, size_t align)
{
    if (!heap_ok(h) || size == 0 || (align & (align - 1)))
        return NULL;
    size_t limit = heap_limit(h);
    if (size > limit || align > limit)
        return NULL;
    unsigned o = size_order(h, size);
    unsigned a = align > ((size_t)1 << h->shift) ? ilog2_64(align) - h->shift : 0;
    for (int tries = 0;; tries++) {
        hlock(h);
        void *p = try_alloc(h, o, a > o ? a : o);
        if (KK_UNLIKELY(p == NULL) && cache_drain_all(h))
            p = try_alloc(h, o, a > o ? a : o);
        hunlock(h);
        if (KK_LIKELY(p != NULL) || !h->oom || tries == OOM_RETRIES)
            return p;
        if (h->oom(h->ctx, h, size, align) != 0)
            return NULL;
    }
}

/* Fast path of an allocation (lock held, or no lock hooks): a cached order (x <
 * 2^(HEAP_CACHE_ORDERS-1) units - 1) in the last region; NULL if that does not apply. */
static inline __attribute__((always_inline)) void *cache_pop(struct kk_heap *h, size_t size)
{
    size_t x = (size - 1) >> h->shift;
    if (KK_LIKELY(x < ((size_t)1 << (HEAP_CACHE_ORDERS - 1)))) {
        unsigned o = 63u - (unsigned)__builtin_clzll(((uint64_t)x << 1) | 1); /* bit width */
        struct kk_heap_region *r = h->hint;
        if (KK_LIKELY(r != NULL && r->ncached[o] != 0)) {
            uint32_t i = r->cache[(size_t)o * r->cap + --r->ncached[o]];
            r->e.state[i] = (uint8_t)(ST_ALLOC | o);
            return (void *)(r->start + ((uintptr_t)i << h->shift));
        }
    }
    return NULL;
}

/* Everything but the unlocked fast path: the fast path under the lock hooks, else the engine. Out
 * of line, so that kk_heap_alloc() without lock hooks calls nothing and saves no register. */
static __attribute__((noinline)) void *alloc_slow(struct kk_heap *h, size_t size)
{
    if (heap_ok(h) && size != 0 && h->lock != NULL &&
        ((size - 1) >> h->shift) < ((size_t)1 << (HEAP_CACHE_ORDERS - 1))) { /* a cached order */
        hlock(h);
        void *p = cache_pop(h, size);
        hunlock(h);
        if (p != NULL)
            return p;
    }
    return heap_alloc(h, size, 0);
}

void *kk_heap_alloc(struct kk_heap *h, size_t size)
{
    if (KK_LIKELY(heap_ok(h) && size != 0 && h->lock == NULL)) {
        void *p = cache_pop(h, size);
        if (KK_LIKELY(p != NULL))
            return p;
    }
    return alloc_slow(h, size);
}

void *kk_heap_alloc_aligned(struct kk_heap *h, size_t size, size_t align)
{
    if (align == 0)
        return NULL;
    return heap_alloc(h, size, align);
}

/* Region and unit of the allocated block at p (lock held), or NULL. */
static struct kk_heap_region *find_block(struct kk_heap *h, const void *p, uint32_t *unit)
{
    uintptr_t a = (uintptr_t)p;
    struct kk_heap_region *r = h->hint;
    if (!r || a < r->start || a >= r->end) {
        r = reg_floor(h, a);
        if (r && (a < r->start || a >= r->end))
            r = NULL;
    }
    if (!r || (a & (((uintptr_t)1 << h->shift) - 1)))
        return NULL;
    uint32_t i = (uint32_t)((a - r->start) >> h->shift);
    if (HEAP_HELD(r->e.state[i]) != ST_ALLOC) /* free, tail, or cached: not allocated */
        return NULL;
    *unit = i;
    return r;
}

/* Fast path of a free (lock held, or no lock hooks): an allocated block of a cached order in the
 * last region, room in its stack; false if that does not apply. */
static inline __attribute__((always_inline)) bool cache_push(struct kk_heap *h, uintptr_t a)
{
    struct kk_heap_region *r = h->hint;
    if (KK_LIKELY(r != NULL && a - r->start < r->end - r->start &&
                  !(a & (((uintptr_t)1 << h->shift) - 1)))) {
        uint32_t j = (uint32_t)((a - r->start) >> h->shift);
        unsigned s = r->e.state[j], o = ST_ORDER(s);
        if (KK_LIKELY(HEAP_HELD(s) == ST_ALLOC && o < HEAP_CACHE_ORDERS &&
                      r->ncached[o] < r->cap)) {
            r->cache[(size_t)o * r->cap + r->ncached[o]++] = j;
            r->e.state[j] = (uint8_t)(ST_HELD | s);
            return true;
        }
    }
    return false;
}

/* Everything but the unlocked fast path (see alloc_slow()). */
static __attribute__((noinline)) int free_slow(struct kk_heap *h, void *ptr)
{
    uint32_t i;
    int rc = KK_EINVAL;
    if (!heap_ok(h))
        return KK_EINVAL;
    if (!ptr)
        return 0;
    hlock(h);
    if (h->lock != NULL && cache_push(h, (uintptr_t)ptr)) {
        hunlock(h);
        return 0;
    }
    struct kk_heap_region *r = find_block(h, ptr, &i);
    if (KK_LIKELY(r != NULL)) {
        unsigned o = ST_ORDER(r->e.state[i]);
        if (KK_LIKELY(o < HEAP_CACHE_ORDERS && r->cap != 0)) {
            if (KK_UNLIKELY(r->ncached[o] == r->cap))
                cache_spill(r, o);
            r->cache[(size_t)o * r->cap + r->ncached[o]++] = i;
            r->e.state[i] = (uint8_t)(ST_HELD | ST_ALLOC | o);
        } else {
            uint32_t before = r->e.nonempty;
            eng_free(&r->e, i, o);
            reg_changed(r, before);
        }
        rc = 0;
    }
    hunlock(h);
    return rc;
}

int kk_heap_free(struct kk_heap *h, void *ptr)
{
    if (KK_LIKELY(heap_ok(h) && ptr != NULL && h->lock == NULL && cache_push(h, (uintptr_t)ptr)))
        return 0;
    return free_slow(h, ptr);
}

size_t kk_heap_usable_size(struct kk_heap *h, const void *ptr)
{
    uint32_t i;
    size_t n = 0;
    if (!heap_ok(h) || !ptr)
        return 0;
    hlock(h);
    struct kk_heap_region *r = find_block(h, ptr, &i);
    if (r)
        n = (size_t)1 << (h->shift + ST_ORDER(r->e.state[i]));
    hunlock(h);
    return n;
}

/*
 * Before growing block i from order cur to o in place: if every upper half on
 * the way is free or cached, give the cached ones back to the engine so that
 * kk_buddy__eng_grow() finds them free (lock held). O((o - cur) * cap).
 */
static void uncache_for_grow(struct kk_heap_region *r, uint32_t i, unsigned cur, unsigned o)
{
    if (r->cap == 0 || o > r->e.max_order || ((r->e.base + i) & (((uint64_t)1 << o) - 1)))
        return;
    for (unsigned k = cur; k < o; k++) {
        uint32_t b = buddy_of(&r->e, i, k);
        if (b == NIL ||
            (r->e.state[b] != (ST_FREE | k) && r->e.state[b] != (ST_HELD | ST_ALLOC | k)))
            return;
    }
    for (unsigned k = cur; k < o; k++) {
        uint32_t b = i + (1u << k), *c = r->cache + (size_t)k * r->cap;
        if (r->e.state[b] != (ST_HELD | ST_ALLOC | k))
            continue;
        for (uint32_t j = 0; j < r->ncached[k]; j++) {
            if (c[j] == b) {
                c[j] = c[--r->ncached[k]];
                eng_free(&r->e, b, k); /* its buddy (part of block i) is allocated: no merge */
                break;
            }
        }
    }
}

void *kk_heap_realloc(struct kk_heap *h, void *ptr, size_t size)
{
    uint32_t i;
    if (!ptr)
        return kk_heap_alloc(h, size);
    if (size == 0) {
        kk_heap_free(h, ptr);
        return NULL;
    }
    if (!heap_ok(h) || size > heap_limit(h)) /* too big: ptr is left alone */
        return NULL;
    unsigned o = size_order(h, size);
    hlock(h);
    struct kk_heap_region *r = find_block(h, ptr, &i);
    if (!r) {
        hunlock(h);
        return NULL;
    }
    unsigned cur = ST_ORDER(r->e.state[i]);
    uint32_t before = r->e.nonempty;
    bool in_place = true;
    if (o <= cur) /* shrink in place: the upper halves go back */
        kk_buddy__eng_trim(&r->e, i, cur, (uint64_t)1 << o);
    else { /* grow in place if the following buddies are free: no copy */
        uncache_for_grow(r, i, cur, o);
        in_place = kk_buddy__eng_grow(&r->e, i, cur, o);
    }
    reg_changed(r, before);
    if (in_place) {
        hunlock(h);
        return ptr;
    }
    hunlock(h);
    void *n = kk_heap_alloc(h, size);
    if (n) {
        kk_memcpy(n, ptr, (size_t)1 << (h->shift + cur));
        kk_heap_free(h, ptr);
    }
    return n;
}

void kk_heap_stats(struct kk_heap *h, struct kk_heap_stats *st)
{
    if (!st)
        return;
    kk_memset(st, 0, sizeof *st);
    if (!heap_ok(h))
        return;
    hlock(h);
    for (struct kk_heap_region *r = reg_of(kk_rb_first(&h->regions)); r;
         r = reg_of(kk_rb_next(&r->node))) {
        size_t managed = (size_t)r->e.total_units << h->shift;
        st->regions++;
        st->total_bytes += r->size;
        st->meta_bytes += r->size - managed;
        uint64_t freeu = r->e.free_units;
        for (unsigned k = 0; k <= h->max_order; k++) {
            uint32_t cached = k < HEAP_CACHE_ORDERS ? r->ncached[k] : 0;
            freeu += (uint64_t)cached << k; /* cached blocks are free to the caller */
            if ((r->e.nfree[k] || cached) && ((size_t)1 << (h->shift + k)) > st->largest_free)
                st->largest_free = (size_t)1 << (h->shift + k);
        }
        st->free_bytes += (size_t)freeu << h->shift;
        st->used_bytes += (size_t)(r->e.total_units - freeu) << h->shift;
    }
    hunlock(h);
}

/* The cache of r (engine already checked): every entry a HELD head of its order, once. */
static int check_cache(const struct kk_heap *h, const struct kk_heap_region *r)
{
    uint64_t entries = 0, held = 0;
    if (r->cap != cache_cap(r->size) || (r->cap != 0) != (r->cache != NULL))
        return KK_ECORRUPT;
    for (unsigned o = 0; o < HEAP_CACHE_ORDERS; o++) {
        if (r->ncached[o] > r->cap || (r->ncached[o] != 0 && o >= cache_orders(h)))
            return KK_ECORRUPT;
        for (uint32_t j = 0; j < r->ncached[o]; j++) {
            uint32_t i = r->cache[(size_t)o * r->cap + j];
            if (i >= r->e.nunits || r->e.state[i] != (ST_HELD | ST_ALLOC | o))
                return KK_ECORRUPT;
        }
        entries += r->ncached[o];
    }
    for (uint32_t i = 0; i < r->e.nunits;) { /* count HELD heads: catches duplicates */
        unsigned s = r->e.state[i];
        held += (s & ST_HELD) != 0;
        i += ST_KIND(s) == ST_ABSENT ? 1u : 1u << ST_ORDER(s);
    }
    return held == entries ? 0 : KK_ECORRUPT;
}

int kk_heap_check(struct kk_heap *h)
{
    int rc = 0;
    uint32_t n = 0;
    if (!heap_ok(h))
        return KK_EINVAL;
    hlock(h);
    uintptr_t prev_end = 0;
    for (struct kk_heap_region *r = reg_of(kk_rb_first(&h->regions)); r && rc == 0;
         r = reg_of(kk_rb_next(&r->node)), n++) {
        if (r->mem < prev_end || r->start < r->mem || r->end <= r->start ||
            r->end > r->mem + r->size || r->e.base != r->start >> h->shift ||
            r->e.total_units != r->e.nunits)
            rc = KK_ECORRUPT;
        else
            rc = kk_buddy__eng_check(&r->e);
        if (rc == 0)
            rc = check_cache(h, r);
        prev_end = r->mem + r->size;
    }
    if (rc == 0 && (n != h->nregions || kk_rb_check(&h->regions, NULL, reg_update) != (long)n))
        rc = KK_ECORRUPT;
    hunlock(h);
    return rc;
}
