/*
 * fifo.c: the FIFO and round-robin classes (one list per run queue).
 *
 * FIFO: an entity runs until it blocks or yields; when a higher class
 * preempts it, it keeps the head of the queue. RR: the same with a time
 * slice (entity slice or cfg.rr_slice_ns); when the slice is used up the
 * entity goes to the tail with a fresh slice, when preempted with slice left
 * it keeps its place at the head. Every operation is O(1).
 */
#include "internal.h"

static void list_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    (void)rq;
    kk_list_init(&crq->list.head);
}

static void rr_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    se->u.rr.slice_left = se_slice(se, s->cfg.rr_slice_ns);
    kk_list_init(&se->node.list);
}

static void list_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    if ((flags & KK_SCHED_ENQ_CURR) == 0) {
        list_refill(se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
        kk_list_add_tail(&crq->list.head, &se->node.list);
    }
}

static void list_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    (void)rq;
    (void)crq;
    if ((flags & KK_SCHED_DEQ_CURR) == 0)
        kk_list_del(&se->node.list);
}

static struct kk_sched_entity *list_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_list *n = kk_list_first(&crq->list.head);

    (void)rq;
    if (n == NULL)
        return NULL;
    kk_list_del(n);
    return SE_OF_LIST(n);
}

/* Not yielded (checked by the core): put back at the head, picked again. */
static bool fifo_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    (void)se;
    return true;
}

static void fifo_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se)
{
    (void)rq;
    if ((se->flags & SE_YIELDED) != 0)
        kk_list_add_tail(&crq->list.head, &se->node.list);
    else
        kk_list_add(&crq->list.head, &se->node.list);
}

static bool rr_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se)
{
    return list_keep(&crq->list.head, se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
}

static void rr_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    list_put_prev(&crq->list.head, se, se_slice(se, rq_cfg(rq)->rr_slice_ns));
}

void kk_sched_list_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se, uint64_t delta)
{
    (void)rq;
    (void)crq;
    list_charge(se, delta);
}

static bool rr_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se)
{
    (void)rq;
    return se->u.rr.slice_left == 0 && !kk_list_empty(&crq->list.head);
}

static uint64_t rr_time_left(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                             struct kk_sched_entity *se)
{
    (void)rq;
    (void)crq;
    return se->u.rr.slice_left;
}

/* Migration candidates from the tail (the entity that would run last). */
static struct kk_sched_entity *list_migrate_next(struct kk_sched_rq *rq,
                                                 union kk_sched_class_rq *crq,
                                                 struct kk_sched_entity *prev)
{
    struct kk_list *n = prev != NULL ? prev->node.list.prev : crq->list.head.prev;

    (void)rq;
    return n == &crq->list.head ? NULL : SE_OF_LIST(n);
}

static long fifo_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    long n = kk_sched_list_check(rq, &crq->list.head, &kk_sched_fifo_class);
    return n < 0 ? KK_ECORRUPT : n;
}

static long rr_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    long n = kk_sched_list_check(rq, &crq->list.head, &kk_sched_rr_class);
    return n < 0 ? KK_ECORRUPT : n;
}

const struct kk_sched_class kk_sched_fifo_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .name = "fifo",
    .prio_min = 0,
    .prio_max = 0,
    .init_rq = list_init_rq,
    .init_entity = rr_init_entity,
    .enqueue = list_enqueue,
    .dequeue = list_dequeue,
    .pick_next = list_pick,
    .keep_running = fifo_keep,
    .put_prev = fifo_put_prev,
    .migrate_next = list_migrate_next,
    .check = fifo_check,
};

const struct kk_sched_class kk_sched_rr_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .name = "rr",
    .prio_min = 0,
    .prio_max = 0,
    .init_rq = list_init_rq,
    .init_entity = rr_init_entity,
    .enqueue = list_enqueue,
    .dequeue = list_dequeue,
    .pick_next = list_pick,
    .keep_running = rr_keep,
    .put_prev = rr_put_prev,
    .charge = kk_sched_list_charge,
    .tick = rr_tick,
    .time_left = rr_time_left,
    .migrate_next = list_migrate_next,
    .check = rr_check,
};
