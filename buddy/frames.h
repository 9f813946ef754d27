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
 * Without per-CPU caches, b->pcp points at one order-0 reserve in the metadata
 * buffer (b->cpu_id is NULL), used under the allocator lock only: see pcp.c.
 */
#define RSV_HIGH 32u /* order-0 frames the reserve holds at most */

static inline bool has_reserve(const struct kk_buddy *b)
{
    return b->pcp && !b->cpu_id;
}

/* Counts are read without the CPU lock by kk_buddy_stats(): store them atomically. */
static inline void set_count(struct kk_buddy_pcp *p, unsigned o, uint32_t n)
{
    __atomic_store_n(&p->count[o], n, __ATOMIC_RELAXED);
}

/* Push block i of order o on stack p (marked as cached, still ALLOC in the engine). */
static inline void push(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o, uint32_t i)
{
    struct link *l = lnk(&b->e, i);
    l->next = p->head[o];
    l->prev = PCP_MARK;
    p->head[o] = i;
    set_count(p, o, p->count[o] + 1);
}

/* Pop the top block of stack p (not empty). */
static inline uint32_t pop(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o)
{
    uint32_t i = p->head[o];
    struct link *l = lnk(&b->e, i);
    p->head[o] = l->next;
    l->prev = NIL;
    set_count(p, o, p->count[o] - 1);
    return i;
}

bool kk_buddy__ok(const struct kk_buddy *b);
void kk_buddy__pcp_setup(struct kk_buddy *b, const struct kk_buddy_config *cfg,
                         struct kk_buddy_pcp *reserve);
void kk_buddy__rsv_flush(struct kk_buddy *b);
uint32_t kk_buddy__pcp_alloc(struct kk_buddy *b, unsigned order);
int kk_buddy__pcp_free(struct kk_buddy *b, uint32_t i, unsigned order);
void kk_buddy__pcp_lock_all(struct kk_buddy *b);
void kk_buddy__pcp_unlock_all(struct kk_buddy *b);
int kk_buddy__pcp_check(struct kk_buddy *b, uint64_t *blocks);
uint64_t kk_buddy__pcp_frames(struct kk_buddy *b);

#endif
