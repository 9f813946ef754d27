/*
 * engine.c: the slower engine operations (range add/reserve/free, carving,
 * windowed search, the invariant checker). The O(1) hot paths are inline in
 * engine.h. Owns nothing: works on the state bytes and links it was given.
 * Promise: every operation either completes or leaves the engine unchanged
 * (ranges are validated before the first change); no free list is scanned
 * except by kk_buddy__eng_check().
 */
#include "engine.h"

void kk_buddy__eng_setup(struct kk_buddy_engine *e, uint8_t *state, unsigned char *links,
                         uint32_t link_shift, uint64_t base, uint32_t nunits, unsigned max_order)
{
    kk_memset(e, 0, sizeof *e);
    e->state = state;
    e->links = links;
    e->link_shift = link_shift;
    e->base = base;
    e->nunits = nunits;
    e->max_order = max_order;
    for (unsigned k = 0; k <= KK_BUDDY_ORDER_LIMIT; k++)
        e->head[k] = NIL;
    kk_memset(state, 0, nunits);
}

/* Head of the block containing unit i (and its order), or NIL if none does. */
uint32_t kk_buddy__eng_find(const struct kk_buddy_engine *e, uint32_t i, unsigned *korder)
{
    uint64_t abs = e->base + i;
    for (unsigned k = 0; k <= e->max_order; k++) {
        uint64_t ha = abs & ~(((uint64_t)1 << k) - 1);
        if (ha < e->base)
            return NIL;
        uint32_t h = (uint32_t)(ha - e->base);
        unsigned s = e->state[h];
        if (ST_KIND(s) == ST_ABSENT)
            return NIL;
        if (ST_KIND(s) == ST_TAIL)
            continue;
        if (ST_ORDER(s) < k)
            return NIL;
        *korder = ST_ORDER(s);
        return h;
    }
    return NIL;
}

/*
 * Split the block h of order k (already off any free list) until unit i is
 * the head of a block of order o; the other halves become free blocks
 * (others_free) or allocated blocks. The caller sets the state of i.
 */
void kk_buddy__eng_carve(struct kk_buddy_engine *e, uint32_t h, unsigned k, uint32_t i, unsigned o,
                         bool others_free)
{
    while (k > o) {
        k--;
        uint32_t half = 1u << k, other = h + half;
        if (i >= h + half) {
            other = h;
            h += half;
        }
        if (others_free)
            list_push(e, other, k);
        else
            e->state[other] = (uint8_t)(ST_ALLOC | k);
    }
}

/* Shrink the allocated block i of order o to its first `keep` units (1..2^o). */
void kk_buddy__eng_trim(struct kk_buddy_engine *e, uint32_t i, unsigned o, uint64_t keep)
{
    for (;;) {
        if (keep == ((uint64_t)1 << o)) {
            e->state[i] = (uint8_t)(ST_ALLOC | o);
            return;
        }
        if (keep == 0) {
            /* its buddy is the allocated lower half: nothing to merge */
            list_push(e, i, o);
            e->free_units += (uint64_t)1 << o;
            return;
        }
        o--;
        uint64_t half = (uint64_t)1 << o;
        if (keep >= half) {
            e->state[i] = (uint8_t)(ST_ALLOC | o);
            i += (uint32_t)half;
            keep -= half;
        } else {
            list_push(e, i + (uint32_t)half, o);
            e->free_units += half;
        }
    }
}

/*
 * Grow the allocated block i of order o to order n > o in place, if i is
 * aligned to 2^n and every upper half on the way up is one free block (with
 * free buddies always merged, [i + 2^k, i + 2^(k+1)) is all free exactly when
 * its head is FREE|k). Returns false, changing nothing, otherwise. O(n - o).
 */
bool kk_buddy__eng_grow(struct kk_buddy_engine *e, uint32_t i, unsigned o, unsigned n)
{
    if (n > e->max_order || ((e->base + i) & (((uint64_t)1 << n) - 1)))
        return false;
    for (unsigned k = o; k < n; k++) {
        uint32_t b = buddy_of(e, i, k);
        if (b == NIL || e->state[b] != (ST_FREE | k))
            return false;
    }
    for (unsigned k = o; k < n; k++) {
        uint32_t b = i + (1u << k);
        list_del(e, b, k);
        e->state[b] = ST_TAIL;
    }
    e->state[i] = (uint8_t)(ST_ALLOC | n);
    e->free_units -= ((uint64_t)1 << n) - ((uint64_t)1 << o);
    return true;
}

/* Add the absent units [i, i+n) as free memory (caller checked they are absent). */
void kk_buddy__eng_add(struct kk_buddy_engine *e, uint32_t i, uint64_t n)
{
    kk_memset(e->state + i, ST_TAIL, (size_t)n);
    e->total_units += n;
    while (n > 0) {
        unsigned k = chunk_order(e, i, n);
        eng_free(e, i, k);
        i += 1u << k;
        n -= (uint64_t)1 << k;
    }
}

/*
 * The block (head *h, order *k) holding unit j, and the order of the largest
 * aligned chunk starting at j that stays inside it and below end.
 */
static unsigned range_chunk(const struct kk_buddy_engine *e, uint64_t j, uint64_t end, uint32_t *h,
                            unsigned *k)
{
    unsigned o = chunk_order(e, (uint32_t)j, end - j);
    *h = kk_buddy__eng_find(e, (uint32_t)j, k);
    return o > *k ? *k : o;
}

/* Free the allocated units [i, i+n): any parts of any allocated blocks. */
int kk_buddy__eng_free_range(struct kk_buddy_engine *e, uint32_t i, uint64_t n)
{
    uint64_t end = (uint64_t)i + n;
    unsigned k;
    for (uint64_t j = i; j < end;) {
        uint32_t h = kk_buddy__eng_find(e, (uint32_t)j, &k);
        if (h == NIL || !is_alloc_head(e, h, k))
            return KK_EINVAL;
        j = (uint64_t)h + ((uint64_t)1 << k);
    }
    for (uint64_t j = i; j < end;) {
        uint32_t h;
        unsigned o = range_chunk(e, j, end, &h, &k);
        kk_buddy__eng_carve(e, h, k, (uint32_t)j, o, false);
        eng_free(e, (uint32_t)j, o);
        j += (uint64_t)1 << o;
    }
    return 0;
}

/* Take the free units [i, i+n) off the free lists as allocated blocks. */
int kk_buddy__eng_reserve_range(struct kk_buddy_engine *e, uint32_t i, uint64_t n)
{
    uint64_t end = (uint64_t)i + n;
    unsigned k;
    for (uint64_t j = i; j < end;) {
        uint32_t h = kk_buddy__eng_find(e, (uint32_t)j, &k);
        if (h == NIL)
            return KK_EINVAL;
        if (ST_KIND(e->state[h]) != ST_FREE)
            return KK_EBUSY;
        j = (uint64_t)h + ((uint64_t)1 << k);
    }
    for (uint64_t j = i; j < end;) {
        uint32_t h;
        unsigned o = range_chunk(e, j, end, &h, &k);
        list_del(e, h, k);
        kk_buddy__eng_carve(e, h, k, (uint32_t)j, o, true);
        e->state[j] = (uint8_t)(ST_ALLOC | o);
        e->free_units -= (uint64_t)1 << o;
        j += (uint64_t)1 << o;
    }
    return 0;
}

/* First set bit of bm in [from, to), or `to` when none. */
static uint64_t bm_first(const uint64_t *bm, uint64_t from, uint64_t to)
{
    while (from < to) {
        uint64_t w = bm[from >> 6] >> (from & 63);
        if (w != 0) {
            uint64_t bit = from + (uint64_t)__builtin_ctzll(w);
            return bit < to ? bit : to;
        }
        from = (from | 63) + 1;
    }
    return to;
}

/*
 * Allocate a block of order o inside the absolute unit window [lo, hi): take
 * the smallest free block that overlaps the window's aligned part (found in
 * the per-order bitmaps) and carve the block out of it.
 */
uint32_t kk_buddy__eng_alloc_window(struct kk_buddy_engine *e, unsigned o, uint64_t lo, uint64_t hi)
{
    uint64_t first = e->base, last = e->base + e->nunits, osize = (uint64_t)1 << o;
    lo = KK_ALIGN_UP(lo > first ? lo : first, osize);
    hi = KK_ALIGN_DOWN(hi < last ? hi : last, osize);
    if (lo >= hi)
        return NIL;
    for (unsigned k = o; k <= e->max_order; k++) {
        if (!(e->nonempty & (1u << k)))
            continue;
        uint64_t size = (uint64_t)1 << k, off = e->base >> k;
        uint64_t to = ((hi + size - 1) >> k) - off;
        uint64_t bit = bm_first(e->bm[k], (lo >> k) - off, to);
        if (bit == to)
            continue;
        uint64_t blk = (off + bit) << k, at = blk > lo ? blk : lo;
        uint32_t h = (uint32_t)(blk - e->base), i = (uint32_t)(at - e->base);
        list_del(e, h, k);
        kk_buddy__eng_carve(e, h, k, i, o, true);
        e->state[i] = (uint8_t)(ST_ALLOC | o);
        e->free_units -= osize;
        return i;
    }
    return NIL;
}

static bool bm_test(const struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    uint64_t bit = ((e->base + i) >> k) - (e->base >> k);
    return (e->bm[k][bit >> 6] >> (bit & 63)) & 1;
}

static int check_lists(const struct kk_buddy_engine *e)
{
    for (unsigned k = 0; k <= KK_BUDDY_ORDER_LIMIT; k++) {
        bool empty = e->head[k] == NIL;
        if (empty != !(e->nonempty & (1u << k)) || (k > e->max_order && !empty))
            return KK_ECORRUPT;
        uint64_t n = 0;
        uint32_t prev = NIL;
        for (uint32_t i = e->head[k]; i != NIL; i = lnk(e, i)->next) {
            if (i >= e->nunits || n++ >= e->nfree[k] || e->state[i] != (ST_FREE | k))
                return KK_ECORRUPT;
            if (lnk(e, i)->prev != prev || (e->bm[k] && !bm_test(e, i, k)))
                return KK_ECORRUPT;
            prev = i;
        }
        if (n != e->nfree[k])
            return KK_ECORRUPT;
    }
    return 0;
}

/* Check one block head at i: alignment, extent, tails, unmerged buddy. */
static int check_block(const struct kk_buddy_engine *e, uint32_t i, unsigned s)
{
    unsigned k = ST_ORDER(s);
    uint64_t size = (uint64_t)1 << k;
    if (k > e->max_order || ((e->base + i) & (size - 1)) || i + size > e->nunits)
        return KK_ECORRUPT;
    for (uint64_t j = 1; j < size; j++)
        if (e->state[i + j] != ST_TAIL)
            return KK_ECORRUPT;
    if (ST_KIND(s) == ST_FREE && k < e->max_order) {
        uint32_t b = buddy_of(e, i, k);
        if (b != NIL && e->state[b] == (ST_FREE | k))
            return KK_ECORRUPT;
    }
    return 0;
}

static uint64_t popcount_bm(const struct kk_buddy_engine *e, unsigned k)
{
    uint64_t bits = ((e->base + e->nunits - 1) >> k) - (e->base >> k) + 1, n = 0;
    for (uint64_t w = 0; w < (bits + 63) / 64; w++)
        n += (uint64_t)__builtin_popcountll(e->bm[k][w]);
    return n;
}

int kk_buddy__eng_check(const struct kk_buddy_engine *e)
{
    uint64_t freeu = 0, total = 0, blocks[KK_BUDDY_ORDER_LIMIT + 1] = {0};
    if (check_lists(e) != 0)
        return KK_ECORRUPT;
    for (uint32_t i = 0; i < e->nunits;) {
        unsigned s = e->state[i];
        if ((s & ST_HELD) != 0 && ST_KIND(s) != ST_ALLOC) /* only an allocated head is held */
            return KK_ECORRUPT;
        if (s == ST_ABSENT) {
            i++;
            continue;
        }
        if ((ST_KIND(s) != ST_FREE && ST_KIND(s) != ST_ALLOC) || check_block(e, i, s) != 0)
            return KK_ECORRUPT;
        total += (uint64_t)1 << ST_ORDER(s);
        if (ST_KIND(s) == ST_FREE) {
            freeu += (uint64_t)1 << ST_ORDER(s);
            blocks[ST_ORDER(s)]++;
        }
        i += 1u << ST_ORDER(s);
    }
    if (freeu != e->free_units || total != e->total_units)
        return KK_ECORRUPT;
    for (unsigned k = 0; k <= e->max_order; k++) {
        if (blocks[k] != e->nfree[k])
            return KK_ECORRUPT;
        if (e->bm[k] && popcount_bm(e, k) != e->nfree[k])
            return KK_ECORRUPT;
    }
    return 0;
}
