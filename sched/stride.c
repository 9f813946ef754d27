/*
 * stride.c: the Stride scheduling class (Waldspurger), as in uCore's lab 6.
 *
 * Every entity has stride = KK_SCHED_STRIDE_BIG / priority and a 64-bit
 * pass; running for d ns adds d * stride to the pass, and the entity with
 * the smallest pass runs next, so CPU shares are proportional to priority.
 * Passes are compared wrap-safely (signed difference); they stay within
 * 2^63 of each other because one charge adds at most 2^40 * 2^20. A waking
 * entity's pass is raised to the queue's virtual time (the smallest pass of
 * the runnable entities, never decreasing) so a sleeper cannot monopolise the CPU. Queued entities
 * sit in a balanced tree (kk_rb_*) keyed by pass (equal passes in arrival order): pick O(1) (cached
 * leftmost) + O(log n) removal, insert O(log n), no recursion.
 */
#include "internal.h"

#define PASS_OFF offsetof(struct kk_sched_entity, u.stride.pass)

static inline uint64_t pass_of(const struct kk_rb_node *n)
{
    return SE_OF_RB(n)->u.stride.pass;
}

static bool pass_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return before64(pass_of(a), pass_of(b));
}

static void stride_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    (void)rq;
    kk_rb_init(&crq->stride.tree);
    crq->stride.vtime = 0;
}

static void stride_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    (void)s;
    se->u.stride.pass = 0;
    se->u.stride.stride = KK_SCHED_STRIDE_BIG / (uint64_t)se->prio;
    se->u.stride.for_prio = se->prio;
}

/* Advance the queue's virtual time to the smallest pass of the runnable entities. */
static void update_vtime(struct kk_sched_rq *rq, struct kk_sched_stride_rq *srq)
{
    struct kk_rb_node *first = kk_rb_first(&srq->tree);
    const struct kk_sched_entity *curr = rq->curr;
    uint64_t v = 0;
    bool have = false;

    if (curr != NULL && curr->cls == &kk_sched_stride_class) {
        v = curr->u.stride.pass;
        have = true;
    }
    if (first != NULL && (!have || before64(pass_of(first), v))) {
        v = pass_of(first);
        have = true;
    }
    if (have && before64(srq->vtime, v))
        srq->vtime = v;
}

static void stride_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                           struct kk_sched_entity *se, unsigned flags)
{
    update_vtime(rq, &crq->stride);
    if (se->u.stride.for_prio != se->prio) { /* set_priority changed it */
        se->u.stride.stride = KK_SCHED_STRIDE_BIG / (uint64_t)se->prio;
        se->u.stride.for_prio = se->prio;
    }
    if ((flags & KK_SCHED_ENQ_CURR) != 0)
        return;
    if ((flags & (KK_SCHED_ENQ_WAKEUP | KK_SCHED_ENQ_MIGRATE)) != 0 &&
        before64(se->u.stride.pass, crq->stride.vtime))
        se->u.stride.pass = crq->stride.vtime;
    rb_insert_key(&crq->stride.tree, se, PASS_OFF, NULL);
}

static void stride_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                           struct kk_sched_entity *se, unsigned flags)
{
    (void)rq;
    if ((flags & KK_SCHED_DEQ_CURR) == 0)
        rbi_erase(&crq->stride.tree, &se->node.rb, NULL);
}

/* @se starts a new run: its pass is the smallest, a new slice begins. */
static void start_run(struct kk_sched_stride_rq *srq, struct kk_sched_entity *se)
{
    if (before64(srq->vtime, se->u.stride.pass))
        srq->vtime = se->u.stride.pass;
    se->u.stride.ran = 0;
}

static struct kk_sched_entity *stride_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_rb_node *n = kk_rb_first(&crq->stride.tree);
    struct kk_sched_entity *se;

    (void)rq;
    if (n == NULL)
        return NULL;
    rbi_erase(&crq->stride.tree, n, NULL);
    se = SE_OF_RB(n);
    start_run(&crq->stride, se);
    return se;
}

/* Running entity with a pass below every queued one: it would be picked again. */
static bool stride_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    struct kk_rb_node *first = kk_rb_first(&crq->stride.tree);

    (void)rq;
    if (first != NULL && !before64(se->u.stride.pass, pass_of(first)))
        return false;
    start_run(&crq->stride, se);
    return true;
}

static void stride_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                            struct kk_sched_entity *se)
{
    (void)rq;
    rb_insert_key(&crq->stride.tree, se, PASS_OFF, NULL);
}

static void stride_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se, uint64_t delta)
{
    (void)rq;
    (void)crq;
    se->u.stride.pass += delta * se->u.stride.stride; /* <= 2^40 * 2^20 */
    se->u.stride.ran += delta;
}

/* Reschedule after a slice, if someone else is waiting. */
static bool stride_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    return se->u.stride.ran >= se_slice(se, rq_cfg(rq)->stride_slice_ns) &&
           !kk_rb_empty(&crq->stride.tree);
}

static uint64_t stride_time_left(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                 struct kk_sched_entity *se)
{
    uint64_t slice = se_slice(se, rq_cfg(rq)->stride_slice_ns);

    (void)crq;
    return se->u.stride.ran >= slice ? 0 : slice - se->u.stride.ran;
}

/* Yield: give up the rest of the slice, charged as if it had been used. */
static void stride_yield(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se)
{
    uint64_t slice = se_slice(se, rq_cfg(rq)->stride_slice_ns);

    (void)crq;
    if (se->u.stride.ran < slice)
        se->u.stride.pass += (slice - se->u.stride.ran) * se->u.stride.stride;
}

/* Migration candidates from the largest pass (least owed) down. */
static struct kk_sched_entity *stride_migrate_next(struct kk_sched_rq *rq,
                                                   union kk_sched_class_rq *crq,
                                                   struct kk_sched_entity *prev)
{
    struct kk_rb_node *n =
        prev != NULL ? kk_rb_prev(&prev->node.rb) : kk_rb_last(&crq->stride.tree);

    (void)rq;
    return n != NULL ? SE_OF_RB(n) : NULL;
}

static long stride_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    long n = kk_rb_check(&crq->stride.tree, pass_less, NULL);
    const struct kk_rb_node *pos;

    if (n < 0)
        return KK_ECORRUPT;
    for (pos = kk_rb_first(&crq->stride.tree); pos != NULL; pos = kk_rb_next(pos)) {
        const struct kk_sched_entity *se = SE_OF_RB(pos);
        if (se->rq != rq || se == rq->curr || se->cls != &kk_sched_stride_class ||
            se->u.stride.stride != KK_SCHED_STRIDE_BIG / (uint64_t)se->prio)
            return KK_ECORRUPT;
    }
    return n;
}

const struct kk_sched_class kk_sched_stride_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .name = "stride",
    .prio_min = 1,
    .prio_max = KK_SCHED_STRIDE_PRIO_MAX,
    .init_rq = stride_init_rq,
    .init_entity = stride_init_entity,
    .enqueue = stride_enqueue,
    .dequeue = stride_dequeue,
    .pick_next = stride_pick,
    .keep_running = stride_keep,
    .put_prev = stride_put_prev,
    .charge = stride_charge,
    .tick = stride_tick,
    .time_left = stride_time_left,
    .yield = stride_yield,
    .migrate_next = stride_migrate_next,
    .check = stride_check,
};
