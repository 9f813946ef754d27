/*
 * engine.h: the buddy free-list engine shared by the frame allocator and the
 * heap (private to buddy/).
 *
 * Units (frames, or heap minimum blocks) are numbered 0 .. nunits-1 from an
 * absolute unit number `base`; blocks are aligned in absolute unit numbers, so
 * a block's buddy is found in O(1) as ((base + i) ^ (1 << k)) - base.
 * Every unit has one state byte:
 *   ABSENT  never added (a hole) - never part of a block;
 *   TAIL    inside a block, not its first unit;
 *   FREE|k  first unit of a free block of order k (on free list k);
 *   ALLOC|k first unit of an allocated block of order k;
 *   HELD|ALLOC|k  an allocated block kept in a cache (the heap's block cache,
 *           a frame allocator's per-CPU cache or order-0 reserve): the engine
 *           treats it as allocated (ST_KIND ignores ST_HELD).
 * Invariant: every unit of a block other than its head is TAIL, so every state
 * change touches only block heads (O(1) per split or merge).
 * Free lists are doubly linked through unit indices stored at
 * links + (i << link_shift): a separate array for frames (the managed memory
 * may be unmapped), inside the free block itself for the heap.
 * Nothing here locks; callers serialise.
 */
#ifndef KK_BUDDY_ENGINE_H
#define KK_BUDDY_ENGINE_H

#include <kernkit/buddy.h>
#include <kk_util.h>

#define ST_ABSENT 0x00u
#define ST_TAIL   0x20u
#define ST_FREE   0x40u
#define ST_ALLOC  0x60u
#define ST_HELD                                                                                    \
    0x80u /* an ALLOC head parked in a cache (heap block cache, frame CPU cache or reserve) */
#define ST_KIND(s)  ((unsigned)(s)&0x60u)
#define ST_ORDER(s) ((unsigned)(s)&0x1Fu)

#define NIL      0xFFFFFFFFu
#define PCP_MARK 0xFFFFFFFEu /* prev link of a block held in a per-CPU cache */

struct link {
    uint32_t next, prev;
};

static inline struct link *lnk(const struct kk_buddy_engine *e, uint32_t i)
{
    return (struct link *)(void *)(e->links + ((size_t)i << e->link_shift));
}

static inline unsigned ilog2_64(uint64_t x)
{
    return 63u - (unsigned)__builtin_clzll(x);
}

/* Smallest k with 2^k >= x (x >= 1). */
static inline unsigned clog2_64(uint64_t x)
{
    return x <= 1 ? 0 : ilog2_64(x - 1) + 1;
}

/* The buddy of block i of order k, or NIL when it lies outside the units. */
static inline uint32_t buddy_of(const struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    uint64_t b = ((e->base + i) ^ ((uint64_t)1 << k)) - e->base;
    return b < e->nunits ? (uint32_t)b : NIL;
}

static inline void bm_flip(struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    uint64_t bit = ((e->base + i) >> k) - (e->base >> k);
    e->bm[k][bit >> 6] ^= (uint64_t)1 << (bit & 63);
}

static inline void list_push(struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    uint32_t h = e->head[k];
    struct link *l = lnk(e, i);
    l->next = h;
    l->prev = NIL;
    if (h != NIL)
        lnk(e, h)->prev = i;
    e->head[k] = i;
    e->nonempty |= 1u << k;
    e->nfree[k]++;
    e->state[i] = (uint8_t)(ST_FREE | k);
    if (e->bm[k])
        bm_flip(e, i, k);
}

static inline void list_del(struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    struct link *l = lnk(e, i);
    uint32_t n = l->next, p = l->prev;
    if (p != NIL)
        lnk(e, p)->next = n;
    else
        e->head[k] = n;
    if (n != NIL)
        lnk(e, n)->prev = p;
    if (e->head[k] == NIL)
        e->nonempty &= ~(1u << k);
    e->nfree[k]--;
    if (e->bm[k])
        bm_flip(e, i, k);
}

/* Split the block at i of order k down to order o, freeing the upper halves. */
static inline void split_down(struct kk_buddy_engine *e, uint32_t i, unsigned k, unsigned o)
{
    while (k > o) {
        k--;
        list_push(e, i + (1u << k), k);
    }
}

/*
 * Allocate a block of order o whose start is aligned to 2^a units (a >= o):
 * O(1) with the non-empty mask. Returns its index or NIL.
 */
static inline uint32_t eng_alloc(struct kk_buddy_engine *e, unsigned o, unsigned a)
{
    uint32_t m = e->nonempty >> a;
    if (KK_UNLIKELY(m == 0))
        return NIL;
    unsigned k = a + (unsigned)__builtin_ctz(m);
    uint32_t i = e->head[k];
    list_del(e, i, k);
    split_down(e, i, k, o);
    e->state[i] = (uint8_t)(ST_ALLOC | o);
    e->free_units -= (uint64_t)1 << o;
    return i;
}

/* Free the block at i of order k (its state is not checked), merging buddies. */
static inline void eng_free(struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    e->free_units += (uint64_t)1 << k;
    while (k < e->max_order) {
        uint32_t b = buddy_of(e, i, k);
        if (b == NIL || e->state[b] != (ST_FREE | k))
            break;
        list_del(e, b, k);
        if (b < i) {
            e->state[i] = ST_TAIL;
            i = b;
        } else {
            e->state[b] = ST_TAIL;
        }
        k++;
    }
    list_push(e, i, k);
}

/*
 * Is i the head of an allocated block of exactly order k, not held in a cache?
 * (The frame reserve and the heap cache set ST_HELD, which fails the
 * comparison; per-CPU caches mark the prev link, so that CPUs never write
 * the shared state bytes of the blocks they cache.)
 */
static inline bool is_alloc_head(const struct kk_buddy_engine *e, uint32_t i, unsigned k)
{
    if (e->state[i] != (ST_ALLOC | k))
        return false;
    return !e->pcp_marks || lnk(e, i)->prev != PCP_MARK;
}

/* Order of the largest aligned block starting at unit i with at most `left` units. */
static inline unsigned chunk_order(const struct kk_buddy_engine *e, uint32_t i, uint64_t left)
{
    uint64_t abs = e->base + i;
    unsigned k = ilog2_64(left);
    if (abs != 0 && (unsigned)__builtin_ctzll(abs) < k)
        k = (unsigned)__builtin_ctzll(abs);
    return k < e->max_order ? k : e->max_order;
}

void kk_buddy__eng_setup(struct kk_buddy_engine *e, uint8_t *state, unsigned char *links,
                         uint32_t link_shift, uint64_t base, uint32_t nunits, unsigned max_order);
uint32_t kk_buddy__eng_find(const struct kk_buddy_engine *e, uint32_t i, unsigned *korder);
uint32_t kk_buddy__eng_alloc_window(struct kk_buddy_engine *e, unsigned o, uint64_t lo,
                                    uint64_t hi);
void kk_buddy__eng_carve(struct kk_buddy_engine *e, uint32_t h, unsigned k, uint32_t i, unsigned o,
                         bool others_free);
void kk_buddy__eng_trim(struct kk_buddy_engine *e, uint32_t i, unsigned o, uint64_t keep);
bool kk_buddy__eng_grow(struct kk_buddy_engine *e, uint32_t i, unsigned o, unsigned n);
void kk_buddy__eng_add(struct kk_buddy_engine *e, uint32_t i, uint64_t n);
int kk_buddy__eng_check(const struct kk_buddy_engine *e);
int kk_buddy__eng_free_range(struct kk_buddy_engine *e, uint32_t i, uint64_t n);
int kk_buddy__eng_reserve_range(struct kk_buddy_engine *e, uint32_t i, uint64_t n);

#endif
