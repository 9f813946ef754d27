/*
 * mlq.c: the multi-level queue class.
 *
 * KK_SCHED_MLQ_LEVELS strict priority levels (0 = highest), one list per
 * level and a bitmap of the non-empty ones: pick is a find-first-set, every
 * operation O(1). Within a level entities share the CPU round robin (slice =
 * entity slice or cfg.rr_slice_ns; a preempted entity with slice left keeps
 * its place). A wake-up at a higher level preempts a lower-level entity.
 */
#include "internal.h"

static inline unsigned level_of(const struct kk_sched_entity *se)
{
    return (unsigned)se->prio;
}

static void mlq_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    unsigned l;

    (void)rq;
    crq->mlq.bitmap = 0;
    for (l = 0; l < KK_SCHED_MLQ_LEVELS; l++)
        kk_list_init(&crq->mlq.level[l]);
}

static void mlq_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    se->u.rr.slice_left = se_slice(se, s->cfg.rr_slice_ns);
    kk_list_init(&se->node.list);
}

static void mark(struct kk_sched_mlq_rq *m, unsigned l)
{
    m->bitmap |= 1u << l;
}

static void unmark_if_empty(struct kk_sched_mlq_rq *m, unsigned l)
{
    if (kk_list_empty(&m->level[l]))
        m->bitmap &= ~(1u << l);
}

static void mlq_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se, unsigned flags)
{
    unsigned l = level_of(se);

    if ((flags & KK_SCHED_ENQ_CURR) != 0)
        return;
    list_refill(se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
    kk_list_add_tail(&crq->mlq.level[l], &se->node.list);
    mark(&crq->mlq, l);
}

static void mlq_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se, unsigned flags)
{
    (void)rq;
    if ((flags & KK_SCHED_DEQ_CURR) != 0)
        return;
    kk_list_del(&se->node.list);
    unmark_if_empty(&crq->mlq, level_of(se));
}

static struct kk_sched_entity *mlq_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_list *n;
    unsigned l;

    (void)rq;
    if (crq->mlq.bitmap == 0)
        return NULL;
    l = (unsigned)__builtin_ctz(crq->mlq.bitmap);
    n = crq->mlq.level[l].next;
    kk_list_del(n);
    unmark_if_empty(&crq->mlq, l);
    return SE_OF_LIST(n);
}

static bool mlq_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                     struct kk_sched_entity *se)
{
    unsigned l = level_of(se);

    if ((crq->mlq.bitmap & ((1u << l) - 1u)) != 0)
        return false;
    return list_keep(&crq->mlq.level[l], se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
}

static void mlq_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se)
{
    unsigned l = level_of(se);

    list_put_prev(&crq->mlq.level[l], se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
    mark(&crq->mlq, l);
}

/* Reschedule when a higher level is waiting, or the slice is used and the level has others. */
static bool mlq_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                     struct kk_sched_entity *se)
{
    uint32_t upto = (2u << level_of(se)) - 1u; /* levels 0..l; l <= 31 */

    (void)rq;
    if ((crq->mlq.bitmap & (upto >> 1)) != 0)
        return true;
    return se->u.rr.slice_left == 0 && (crq->mlq.bitmap & upto) != 0;
}

static uint64_t mlq_time_left(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                              struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    return se->u.rr.slice_left;
}

bool kk_sched_mlq_wakeup_preempt(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                 struct kk_sched_entity *curr, struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    return mlq_preempts(curr, se);
}

/* Candidates from the lowest non-empty level, tail first; then the next higher level. */
static struct kk_sched_entity *
mlq_migrate_next(struct kk_sched_rq *rq, union kk_sched_class_rq *crq, struct kk_sched_entity *prev)
{
    struct kk_list *n;
    int l;

    (void)rq;
    if (prev != NULL) {
        n = prev->node.list.prev;
        if (n != &crq->mlq.level[level_of(prev)])
            return SE_OF_LIST(n);
        l = (int)level_of(prev) - 1;
    } else {
        l = KK_SCHED_MLQ_LEVELS - 1;
    }
    for (; l >= 0; l--) {
        if ((crq->mlq.bitmap >> l) & 1u)
            return SE_OF_LIST(crq->mlq.level[l].prev);
    }
    return NULL;
}

static long mlq_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    long total = 0, n;
    unsigned l;

    for (l = 0; l < KK_SCHED_MLQ_LEVELS; l++) {
        const struct kk_list *pos;
        n = kk_sched_list_check(rq, &crq->mlq.level[l], &kk_sched_mlq_class);
        if (n < 0 || (n > 0) != (((crq->mlq.bitmap >> l) & 1u) != 0))
            return KK_ECORRUPT;
        kk_list_for_each(pos, &crq->mlq.level[l])
        {
            if (level_of(SE_OF_LIST(pos)) != l)
                return KK_ECORRUPT;
        }
        total += n;
    }
    return total;
}

const struct kk_sched_class kk_sched_mlq_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .name = "mlq",
    .prio_min = 0,
    .prio_max = KK_SCHED_MLQ_LEVELS - 1,
    .init_rq = mlq_init_rq,
    .init_entity = mlq_init_entity,
    .enqueue = mlq_enqueue,
    .dequeue = mlq_dequeue,
    .pick_next = mlq_pick,
    .keep_running = mlq_keep,
    .put_prev = mlq_put_prev,
    .charge = kk_sched_list_charge,
    .tick = mlq_tick,
    .time_left = mlq_time_left,
    .wakeup_preempt = kk_sched_mlq_wakeup_preempt,
    .migrate_next = mlq_migrate_next,
    .check = mlq_check,
};
