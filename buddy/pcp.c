/*
 * pcp.c: optional per-CPU caches of small free blocks in front of the engine.
 *
 * Each CPU keeps, per cached order, a stack of blocks threaded through the
 * frames' `next` links; a cached block stays ALLOC in the engine with ST_HELD
 * set in its state byte, so a double free into a cache is detected in O(1)
 * by the same state comparison as any other. A CPU's stacks are touched only under that CPU's
 * cpu_lock hook; the engine only under the allocator lock (always taken after a CPU lock). Caches
 * refill `batch` blocks when empty, give `batch` back when above `high`, and are drained by
 * kk_buddy_drain() and whenever an allocation would otherwise fail.
 *
 * Without per-CPU caches one order-0 reserve in the metadata (struct rsv: a
 * count and an array of RSV_HIGH frame indices, so it touches no link;
 * b->pcp points there, b->cpu_id is NULL; see has_reserve()), frames marked
 * ST_HELD the same way:
 * kk_buddy_free() pushes freed order-0 frames unmerged while it holds fewer
 * than RSV_HIGH, kk_buddy_alloc() pops them, so the common order-0 pair skips
 * the ~10-level split and merge. An empty reserve is not refilled (an order-0
 * allocation then splits as usual) and a full one is bypassed (the frame is
 * merged as usual), so no operation moves a batch. The reserve is touched only
 * under the allocator lock; kk_buddy_stats() and kk_buddy_walk() flush it
 * under that lock first, so their figures never miss its frames; drain and
 * the out-of-memory retry empty it like a cache; kk_buddy_check() verifies it
 * like a cache.
 */
#include "frames.h"

static inline unsigned cur_cpu(const struct kk_buddy *b)
{
    unsigned c = b->cpu_id(b->ctx);
    return c < b->ncpus ? c : c % b->ncpus;
}

static inline void clock_cpu(const struct kk_buddy *b, unsigned c)
{
    if (b->cpu_lock)
        b->cpu_lock(b->ctx, c);
}

static inline void cunlock_cpu(const struct kk_buddy *b, unsigned c)
{
    if (b->cpu_unlock)
        b->cpu_unlock(b->ctx, c);
}

static void pcp_clear(struct kk_buddy *b)
{
    b->e.pcp_marks = true;
    for (uint32_t c = 0; c < b->ncpus; c++) {
        for (unsigned o = 0; o < KK_BUDDY_PCP_ORDERS; o++) {
            b->pcp[c].head[o] = NIL;
            b->pcp[c].count[o] = 0;
        }
    }
}

void kk_buddy__pcp_setup(struct kk_buddy *b, const struct kk_buddy_config *cfg,
                         struct kk_buddy_pcp *mem)
{
    if (!cfg->pcp) {
        struct rsv *reserve = (struct rsv *)(void *)mem; /* the reserve's metadata space */
        b->pcp = mem;
        b->ncpus = 1;
        b->pcp_orders = 1;
        b->pcp_high = RSV_FRAMES;
        b->pcp_batch = 0; /* unused: the reserve never moves batches */
        for (unsigned o = 0; o <= KK_BUDDY_ORDER_LIMIT; o++) {
            unsigned q = o < RSV_ORDERS ? o : RSV_ORDERS; /* RSV_ORDERS and up: no room */
            reserve->top[o] = reserve->bot[o] = (uint16_t)rsv_bot(q);
            reserve->end[o] = (uint16_t)(o < RSV_ORDERS ? rsv_end(o) : rsv_bot(q));
        }
        return;
    }
    b->pcp = cfg->pcp;
    b->ncpus = cfg->ncpus;
    b->pcp_orders = cfg->pcp_orders ? cfg->pcp_orders : 1;
    if (b->pcp_orders > b->e.max_order + 1)
        b->pcp_orders = b->e.max_order + 1;
    b->pcp_high = cfg->pcp_high ? cfg->pcp_high : 128;
    b->pcp_batch = cfg->pcp_batch ? cfg->pcp_batch : 32;
    if (b->pcp_batch > b->pcp_high)
        b->pcp_batch = b->pcp_high;
    b->cpu_id = cfg->cpu_id;
    b->cpu_lock = cfg->cpu_lock;
    b->cpu_unlock = cfg->cpu_unlock;
    pcp_clear(b);
}

/* Move up to n blocks of order o from stack p to the engine (allocator lock held). */
static uint32_t give_back_locked(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o, uint32_t n)
{
    uint32_t moved = 0;
    for (; moved < n && p->count[o] > 0; moved++)
        eng_free(&b->e, pop(b, p, o), o);
    return moved;
}

/* The same under the allocator lock (and the CPU lock of a per-CPU cache p). */
static uint32_t give_back(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o, uint32_t n)
{
    glock(b);
    uint32_t moved = give_back_locked(b, p, o, n);
    gunlock(b);
    return moved;
}

static void refill(struct kk_buddy *b, struct kk_buddy_pcp *p, unsigned o)
{
    glock(b);
    for (uint32_t n = 0; n < b->pcp_batch; n++) {
        uint32_t i = eng_alloc(&b->e, o, o);
        if (i == NIL)
            break;
        push(b, p, o, i);
    }
    gunlock(b);
}

uint32_t kk_buddy__pcp_alloc(struct kk_buddy *b, unsigned o)
{
    unsigned c = cur_cpu(b);
    struct kk_buddy_pcp *p = &b->pcp[c];
    uint32_t i = NIL;
    clock_cpu(b, c);
    if (KK_UNLIKELY(p->count[o] == 0))
        refill(b, p, o);
    if (KK_LIKELY(p->count[o] != 0))
        i = pop(b, p, o);
    cunlock_cpu(b, c);
    if (KK_UNLIKELY(i == NIL) && kk_buddy_drain(b) != 0) {
        glock(b);
        i = eng_alloc(&b->e, o, o);
        gunlock(b);
    }
    return i;
}

int kk_buddy__pcp_free(struct kk_buddy *b, uint32_t i, unsigned o)
{
    unsigned c = cur_cpu(b);
    struct kk_buddy_pcp *p = &b->pcp[c];
    int rc = KK_EINVAL;
    clock_cpu(b, c);
    if (KK_LIKELY(is_alloc_head(&b->e, i, o))) {
        if (KK_UNLIKELY(p->count[o] >= b->pcp_high))
            give_back(b, p, o, b->pcp_batch);
        push(b, p, o, i);
        rc = 0;
    }
    cunlock_cpu(b, c);
    return rc;
}

/* Empty the reserve into the engine (allocator lock held; no-op with caches); returns frames. */
uint32_t kk_buddy__rsv_flush(struct kk_buddy *b)
{
    uint32_t n = 0;
    if (!has_reserve(b))
        return 0;
    struct rsv *r = rsv_of(b);
    for (unsigned o = 0; o < RSV_ORDERS; o++) {
        for (; r->top[o] != r->bot[o]; n += 1u << o)
            eng_free(&b->e, rsv_pop(b, r, o), o);
    }
    return n;
}

uint64_t kk_buddy_drain(struct kk_buddy *b)
{
    uint64_t n = 0;
    if (!buddy_ok(b) || !b->pcp)
        return 0;
    if (has_reserve(b)) {
        glock(b);
        n = kk_buddy__rsv_flush(b);
        gunlock(b);
        return n;
    }
    for (unsigned c = 0; c < b->ncpus; c++) {
        struct kk_buddy_pcp *p = &b->pcp[c];
        clock_cpu(b, c);
        for (unsigned o = 0; o < b->pcp_orders; o++)
            n += (uint64_t)give_back(b, p, o, UINT32_MAX) << o;
        cunlock_cpu(b, c);
    }
    return n;
}

void kk_buddy__pcp_lock_all(struct kk_buddy *b)
{
    for (unsigned c = 0; b->pcp && c < b->ncpus; c++)
        clock_cpu(b, c);
}

void kk_buddy__pcp_unlock_all(struct kk_buddy *b)
{
    for (unsigned c = b->pcp ? b->ncpus : 0; c-- > 0;)
        cunlock_cpu(b, c);
}

uint64_t kk_buddy__pcp_frames(struct kk_buddy *b)
{
    uint64_t n = 0;
    for (unsigned c = 0; b->pcp && c < b->ncpus; c++)
        for (unsigned o = 0; o < b->pcp_orders; o++)
            n += (uint64_t)__atomic_load_n(&b->pcp[c].count[o], __ATOMIC_RELAXED) << o;
    return n;
}

/* Verify the reserve's bounds and blocks (allocator lock held); counts the blocks. */
static int rsv_check(struct kk_buddy *b, uint64_t *blocks)
{
    const struct rsv *r = rsv_of(b);
    for (unsigned o = 0; o <= KK_BUDDY_ORDER_LIMIT; o++) {
        unsigned q = o < RSV_ORDERS ? o : RSV_ORDERS;
        uint32_t end = o < RSV_ORDERS ? rsv_end(o) : rsv_bot(q);
        if (r->bot[o] != rsv_bot(q) || r->end[o] != end || r->top[o] < r->bot[o] || r->top[o] > end)
            return KK_ECORRUPT;
        for (uint32_t j = r->bot[o]; j < r->top[o]; j++) {
            if (r->idx[j] >= b->e.nunits || b->e.state[r->idx[j]] != (ST_HELD | ST_ALLOC | o))
                return KK_ECORRUPT;
            for (uint32_t m = r->bot[o]; m < j; m++) /* each block once: <= 64 x 64 compares */
                if (r->idx[m] == r->idx[j])
                    return KK_ECORRUPT;
        }
        *blocks += (uint32_t)(r->top[o] - r->bot[o]);
    }
    return 0;
}

/*
 * Verify the caches or the reserve (all CPU locks and the allocator lock
 * held): every entry a HELD allocated head of its order; counts the blocks.
 */
int kk_buddy__pcp_check(struct kk_buddy *b, uint64_t *blocks)
{
    *blocks = 0;
    if (has_reserve(b))
        return rsv_check(b, blocks);
    for (unsigned c = 0; b->pcp && c < b->ncpus; c++) {
        for (unsigned o = 0; o < KK_BUDDY_PCP_ORDERS; o++) {
            const struct kk_buddy_pcp *p = &b->pcp[c];
            uint32_t i = p->head[o], n = 0;
            if (o >= b->pcp_orders && (i != NIL || p->count[o] != 0))
                return KK_ECORRUPT;
            for (; i != NIL; i = lnk(&b->e, i)->next)
                if (i >= b->e.nunits || n++ >= p->count[o] || b->e.state[i] != (ST_ALLOC | o) ||
                    lnk(&b->e, i)->prev != PCP_MARK)
                    return KK_ECORRUPT;
            if (n != p->count[o])
                return KK_ECORRUPT;
            *blocks += n;
        }
    }
    return 0;
}
