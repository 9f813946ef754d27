/*
 * edf.c: earliest-deadline-first class with admission control.
 *
 * Partitioned EDF: an entity is admitted on one run queue with (runtime,
 * deadline, period) by kk_sched_dl_admit(), which reserves its density
 * runtime / min(deadline, period) against cfg.dl_util_max; the sum of the
 * densities staying <= 1 is sufficient for every job to meet its deadline
 * on one CPU. Entities of this class are pinned (never migrated).
 *
 * A wake-up starts a new job (deadline now + deadline, budget runtime)
 * unless the current job can still finish within its bandwidth (the
 * constant-bandwidth-server wake-up rule). A job that overruns its budget
 * gets its deadline postponed by one period per budget used up (soft CBS),
 * so an overrunning entity cannot make the others miss. Queued entities
 * sit in a balanced tree by absolute deadline: pick O(1) + O(log n) removal.
 */
#include "internal.h"

#define DL(se) (&(se)->u.dl)
#define DL_OFF offsetof(struct kk_sched_entity, u.dl.abs_deadline)

static bool deadline_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return before64(DL(SE_OF_RB(a))->abs_deadline, DL(SE_OF_RB(b))->abs_deadline);
}

static void dl_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    (void)rq;
    kk_rb_init(&crq->dl.tree);
    crq->dl.util = 0;
}

static void dl_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    (void)s;
    kk_memset(DL(se), 0, sizeof(*DL(se)));
}

static int dl_can_enqueue(struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    return DL(se)->admitted == rq ? 0 : KK_EINVAL;
}

/* Can the current job still finish in its bandwidth: remaining/(deadline - now) <= runtime/period?
 */
static bool job_still_valid(const struct kk_sched_dl_se *dl, uint64_t now)
{
    uint64_t h1, l1, h2, l2;

    if (!before64(now, dl->abs_deadline) || dl->remaining == 0)
        return false;
    mul64(dl->remaining, dl->period, &h1, &l1);
    mul64(dl->abs_deadline - now, dl->runtime, &h2, &l2);
    return h1 < h2 || (h1 == h2 && l1 <= l2);
}

static void dl_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                       struct kk_sched_entity *se, unsigned flags)
{
    struct kk_sched_dl_se *dl = DL(se);

    if ((flags & KK_SCHED_ENQ_CURR) != 0)
        return;
    if ((flags & KK_SCHED_ENQ_WAKEUP) != 0 && !job_still_valid(dl, rq->clock)) {
        dl->abs_deadline = rq->clock + dl->deadline;
        dl->remaining = dl->runtime;
    }
    rb_insert_key(&crq->dl.tree, se, DL_OFF, NULL);
}

static void dl_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                       struct kk_sched_entity *se, unsigned flags)
{
    (void)rq;
    if ((flags & KK_SCHED_DEQ_CURR) == 0)
        rbi_erase(&crq->dl.tree, &se->node.rb, NULL);
}

static struct kk_sched_entity *dl_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_rb_node *n = kk_rb_first(&crq->dl.tree);

    (void)rq;
    if (n == NULL)
        return NULL;
    rbi_erase(&crq->dl.tree, n, NULL);
    return SE_OF_RB(n);
}

static bool dl_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se)
{
    struct kk_rb_node *first = kk_rb_first(&crq->dl.tree);

    (void)rq;
    return first == NULL || before64(DL(se)->abs_deadline, DL(SE_OF_RB(first))->abs_deadline);
}

static void dl_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    (void)rq;
    rb_insert_key(&crq->dl.tree, se, DL_OFF, NULL);
}

/* Use budget; past an exhausted budget, postpone the deadline a period per budget. */
static void dl_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se, uint64_t delta)
{
    struct kk_sched_dl_se *dl = DL(se);
    uint64_t over;

    (void)rq;
    (void)crq;
    if (delta <= dl->remaining) {
        dl->remaining -= delta;
        return;
    }
    over = delta - dl->remaining;
    dl->abs_deadline += (over / dl->runtime + 1) * dl->period;
    dl->remaining = dl->runtime - over % dl->runtime;
}

static bool dl_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se)
{
    struct kk_rb_node *first = kk_rb_first(&crq->dl.tree);

    (void)rq;
    return first != NULL && before64(DL(SE_OF_RB(first))->abs_deadline, DL(se)->abs_deadline);
}

static uint64_t dl_time_left(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                             struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    return DL(se)->remaining;
}

static bool dl_wakeup_preempt(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                              struct kk_sched_entity *curr, struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    return before64(DL(se)->abs_deadline, DL(curr)->abs_deadline);
}

static long dl_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    long n = kk_rb_check(&crq->dl.tree, deadline_less, NULL);
    const struct kk_rb_node *pos;

    if (n < 0 || crq->dl.util > rq_cfg(rq)->dl_util_max)
        return KK_ECORRUPT;
    for (pos = kk_rb_first(&crq->dl.tree); pos != NULL; pos = kk_rb_next(pos)) {
        const struct kk_sched_entity *se = SE_OF_RB(pos);
        if (se->rq != rq || se == rq->curr || DL(se)->admitted != rq ||
            se->cls != &kk_sched_edf_class)
            return KK_ECORRUPT;
    }
    return n;
}

static bool params_ok(uint64_t runtime, uint64_t deadline, uint64_t period)
{
    return runtime != 0 && runtime <= deadline && deadline <= period && period <= MAX_CHARGE_NS;
}

int kk_sched_dl_admit(struct kk_sched_rq *rq, struct kk_sched_entity *se, uint64_t runtime,
                      uint64_t deadline, uint64_t period)
{
    struct kk_sched_dl_rq *drq;
    struct kk_sched_dl_se *dl;
    uint64_t util;
    int idx;

    if (rq == NULL || se == NULL || se->cls != &kk_sched_edf_class ||
        !params_ok(runtime, deadline, period))
        return KK_EINVAL;
    idx = kk_sched_class_index(rq->sched, &kk_sched_edf_class);
    if (idx < 0 || se->cls_idx != (uint32_t)idx || !((se->affinity >> rq->cpu) & 1u))
        return KK_EINVAL;
    dl = DL(se);
    if (se->rq != NULL || dl->admitted != NULL)
        return KK_EEXIST;
    drq = &rq->crq[idx].dl;
    /* density, rounded up: runtime <= 2^40 so the shift cannot overflow */
    util = ((runtime << 20) + deadline - 1) / deadline;
    if (drq->util + util > rq_cfg(rq)->dl_util_max)
        return KK_EBUSY;
    drq->util += (uint32_t)util;
    dl->runtime = runtime;
    dl->deadline = deadline;
    dl->period = period;
    dl->abs_deadline = rq->clock;
    dl->remaining = 0;
    dl->util = (uint32_t)util;
    dl->admitted = rq;
    return 0;
}

int kk_sched_dl_release(struct kk_sched_entity *se)
{
    struct kk_sched_dl_se *dl;

    if (se == NULL || se->cls != &kk_sched_edf_class)
        return KK_EINVAL;
    dl = DL(se);
    if (dl->admitted == NULL)
        return KK_ENOENT;
    if (se->rq != NULL)
        return KK_EBUSY;
    dl->admitted->crq[se->cls_idx].dl.util -= dl->util;
    dl->admitted = NULL;
    return 0;
}

const struct kk_sched_class kk_sched_edf_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .flags = KK_SCHED_CLASS_PINNED,
    .name = "edf",
    .prio_min = 0,
    .prio_max = 0,
    .init_rq = dl_init_rq,
    .init_entity = dl_init_entity,
    .enqueue = dl_enqueue,
    .dequeue = dl_dequeue,
    .pick_next = dl_pick,
    .keep_running = dl_keep,
    .put_prev = dl_put_prev,
    .charge = dl_charge,
    .tick = dl_tick,
    .wakeup_preempt = dl_wakeup_preempt,
    .time_left = dl_time_left,
    .can_enqueue = dl_can_enqueue,
    .check = dl_check,
};
