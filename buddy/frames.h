/*
 * frames.h: private glue between the frame allocator's files (frames.c,
 * pcp.c, stats.c): locking helpers and the per-CPU cache entry points.
 */
#ifndef KK_BUDDY_FRAMES_H
#define KK_BUDDY_FRAMES_H

#include "engine.h"

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

bool kk_buddy__ok(const struct kk_buddy *b);
void kk_buddy__pcp_setup(struct kk_buddy *b, const struct kk_buddy_config *cfg,
                         struct kk_buddy_pcp *reserve);
uint32_t kk_buddy__rsv_alloc(struct kk_buddy *b);
int kk_buddy__rsv_free(struct kk_buddy *b, uint32_t i);
void kk_buddy__rsv_flush(struct kk_buddy *b);
uint32_t kk_buddy__pcp_alloc(struct kk_buddy *b, unsigned order);
int kk_buddy__pcp_free(struct kk_buddy *b, uint32_t i, unsigned order);
void kk_buddy__pcp_lock_all(struct kk_buddy *b);
void kk_buddy__pcp_unlock_all(struct kk_buddy *b);
int kk_buddy__pcp_check(struct kk_buddy *b, uint64_t *blocks);
uint64_t kk_buddy__pcp_frames(struct kk_buddy *b);

#endif
