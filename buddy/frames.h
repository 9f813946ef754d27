/*
 * frames.h: private glue between the frame allocator's files (frames.c,
 * pcp.c, stats.c): locking helpers and the per-CPU cache entry points.
 */
#ifndef KK_BUDDY_FRAMES_H
#define KK_BUDDY_FRAMES_H

#include "engine.h"

#define NOINLINE __attribute__((noinline)) /* keeps a rare path out of a hot caller */

static inline void glock(struct kk_buddy *b)
{
    if (b->lock)
        b->lock(b->ctx);
}

static inline void gunlock(struct kk_buddy *b)
{
    if (b->unlock)
        b->unlock(b->ctx);
}

/*
 * Without per-CPU caches, b->pcp points at the reserve in the metadata buffer
 * (a struct rsv, not a struct kk_buddy_pcp; b->cpu_id is NULL), used under
 * the allocator lock only: see pcp.c. It keeps freed blocks of orders below
 * RSV_ORDERS unmerged, at most RSV_FRAMES frames per order (64 order-0
 * frames, 32 order-1 blocks, ... one order-6 block).
 */
#define RSV_FRAMES 64u
#define RSV_ORDERS 7u /* log2(RSV_FRAMES) + 1 */
#define RSV_SLOTS  (2 * RSV_FRAMES - 1)

/*
 * Order o's stack (last in, first out) is idx[bot[o] .. top[o]), at most
 * RSV_FRAMES >> o entries, ending at end[o]: bot[o] = 2F - (2F >> o) and
 * end[o] = bot[o] + (F >> o) with F = RSV_FRAMES, so orders from RSV_ORDERS
 * on have bot == end (no room). bot and end are constants set at init: the
 * fast paths compare top with them instead of computing bounds.
 */
struct rsv {
    uint16_t top[KK_BUDDY_ORDER_LIMIT + 1];
    uint16_t bot[KK_BUDDY_ORDER_LIMIT + 1];
    uint16_t end[KK_BUDDY_ORDER_LIMIT + 1];
    uint32_t idx[RSV_SLOTS];
};

static inline uint32_t rsv_bot(unsigned o)
{
    return 2 * RSV_FRAMES - ((2 * RSV_FRAMES) >> o);
}

static inline uint32_t rsv_end(unsigned o)
{
    return rsv_bot(o) + (RSV_FRAMES >> o);
}

/*
 * b->magic: BUDDY_MAGIC, or BUDDY_MAGIC_PLAIN when the instance has no lock
 * hooks and no per-CPU caches (so the order-0 reserve is used without a lock):
 * the fast paths test that mode with one compare.
 */
#define BUDDY_MAGIC       0x62756478u
#define BUDDY_MAGIC_PLAIN 0x62756479u

static inline bool has_reserve(const struct kk_buddy *b)
{
    return b->pcp && !b->cpu_id;
}

static inline struct rsv *rsv_of(const struct kk_buddy *b)
{
    return (struct rsv *)(void *)b->pcp;
}

/* Counts are read without the CPU lock by kk_buddy_stats(): store them atomically. */
static inline void set_count(struct kk_buddy_pcp *p, unsigned o, uint32_t n)
{
    __atomic_store_n(&p->count[o], n, __ATOMIC_RELAXED);
}

/* Push block i of order o on CPU stack p (marked as cached, still ALLOC in the engine). */
static inline void push(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o, uint32_t i)
{
    struct link *l = lnk(&b->e, i);
    l->next = p->head[o];
    l->prev = PCP_MARK;
    p->head[o] = i;
    set_count(p, o, p->count[o] + 1);
}

/* Pop the top block of CPU stack p (not empty). */
static inline uint32_t pop(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o)
{
    uint32_t i = p->head[o];
    struct link *l = lnk(&b->e, i);
    p->head[o] = l->next;
    l->prev = NIL;
    set_count(p, o, p->count[o] - 1);
    return i;
}

/* Push the allocated block i of order o on the reserve r (top[o] != end[o]). */
static inline void rsv_push(struct kk_buddy *b, struct rsv *r, uint32_t i, unsigned o)
{
    b->e.state[i] = (uint8_t)(ST_HELD | ST_ALLOC | o);
    r->idx[r->top[o]++] = i;
}

/* Pop the top block of order o from the reserve (top[o] != bot[o]). */
static inline uint32_t rsv_pop(struct kk_buddy *b, struct rsv *r, unsigned o)
{
    uint32_t i = r->idx[--r->top[o]];
    b->e.state[i] = (uint8_t)(ST_ALLOC | o);
    return i;
}

static inline bool buddy_ok(const struct kk_buddy *b)
{
    return b && (b->magic | 1u) == BUDDY_MAGIC_PLAIN;
}

bool kk_buddy__ok(const struct kk_buddy *b);
void kk_buddy__pcp_setup(struct kk_buddy *b, const struct kk_buddy_config *cfg,
                         struct kk_buddy_pcp *reserve);
uint32_t kk_buddy__rsv_flush(struct kk_buddy *b);
uint32_t kk_buddy__pcp_alloc(struct kk_buddy *b, unsigned order);
int kk_buddy__pcp_free(struct kk_buddy *b, uint32_t i, unsigned order);
void kk_buddy__pcp_lock_all(struct kk_buddy *b);
void kk_buddy__pcp_unlock_all(struct kk_buddy *b);
int kk_buddy__pcp_check(struct kk_buddy *b, uint64_t *blocks);
uint64_t kk_buddy__pcp_frames(struct kk_buddy *b);

#endif
