/*
 * core.c: the class-independent part of kernkit::sched.
 *
 * Owns the run-queue bookkeeping: which entity is on which queue, the running
 * entity, the counts, the clock and need_resched; and the SMP policy
 * (select_cpu, find_busiest, pull, migrate). Classes own their structures.
 *
 * Promises: every call validates its arguments and leaves the queues
 * unchanged on error; nothing here walks a whole queue except
 * kk_sched_check(); the running entity is out of its class's structure,
 * except where the class keeps it there (fair: every runnable entity is in its tree).
 * Caller: lock each run queue around calls on it, both for migrate/pull.
 */
#include "internal.h"

int kk_sched_class_index(const struct kk_sched *s, const struct kk_sched_class *cls)
{
    uint32_t i;

    for (i = 0; i < s->cfg.nr_classes; i++) {
        if (s->cfg.classes[i] == cls)
            return (int)i;
    }
    return -1;
}

static bool class_ok(const struct kk_sched_class *c)
{
    return c != NULL && c->version >= 1 && c->init_rq != NULL && c->init_entity != NULL &&
           c->enqueue != NULL && c->dequeue != NULL && c->pick_next != NULL &&
           c->put_prev != NULL && c->prio_min <= c->prio_max;
}

static int check_config(const struct kk_sched_config *cfg)
{
    uint32_t i, j;

    if (cfg->size < sizeof(struct kk_sched_config) || cfg->clock_ns == NULL ||
        cfg->classes == NULL || cfg->nr_classes == 0 || cfg->nr_classes > KK_SCHED_MAX_CLASSES)
        return KK_EINVAL;
    for (i = 0; i < cfg->nr_classes; i++) {
        if (!class_ok(cfg->classes[i]))
            return KK_EINVAL;
        if (cfg->classes[i]->version > KK_SCHED_CLASS_VERSION)
            return KK_ENOTSUP;
        for (j = 0; j < i; j++) {
            if (cfg->classes[j] == cfg->classes[i])
                return KK_EINVAL;
        }
    }
    return 0;
}

int kk_sched_init(struct kk_sched *s, const struct kk_sched_config *cfg, struct kk_sched_rq *rqs,
                  uint32_t nr_cpus)
{
    uint32_t c, i;
    int err;

    if (s == NULL || cfg == NULL || rqs == NULL || nr_cpus == 0 || nr_cpus > KK_SCHED_MAX_CPUS)
        return KK_EINVAL;
    err = check_config(cfg);
    if (err != 0)
        return err;
    kk_memset(s, 0, sizeof(*s));
    kk_memcpy(&s->cfg, cfg, sizeof(s->cfg));
    if (s->cfg.dl_util_max == 0)
        s->cfg.dl_util_max = KK_SCHED_UTIL_ONE;
    if (s->cfg.rr_slice_ns == 0)
        s->cfg.rr_slice_ns = KK_SCHED_DEFAULT_RR_SLICE;
    if (s->cfg.fair_slice_ns == 0)
        s->cfg.fair_slice_ns = KK_SCHED_DEFAULT_FAIR_SLICE;
    if (s->cfg.stride_slice_ns == 0)
        s->cfg.stride_slice_ns = KK_SCHED_DEFAULT_STRIDE_SLICE;
    s->rqs = rqs;
    s->nr_cpus = nr_cpus;
    s->cpu_mask = nr_cpus == 64 ? ~0ull : (1ull << nr_cpus) - 1;
    for (c = 0; c < nr_cpus; c++) {
        struct kk_sched_rq *rq = &rqs[c];
        kk_memset(rq, 0, sizeof(*rq));
        rq->sched = s;
        rq->cpu = c;
        rq->clock = cfg->clock_ns(cfg->ctx);
        for (i = 0; i < s->cfg.nr_classes; i++)
            s->cfg.classes[i]->init_rq(rq, &rq->crq[i]);
    }
    return 0;
}

struct kk_sched_rq *kk_sched_cpu_rq(struct kk_sched *s, uint32_t cpu)
{
    if (s == NULL || cpu >= s->nr_cpus)
        return NULL;
    return &s->rqs[cpu];
}

int kk_sched_entity_init(struct kk_sched *s, struct kk_sched_entity *se,
                         const struct kk_sched_class *cls, int prio)
{
    int idx;

    if (s == NULL || se == NULL || cls == NULL)
        return KK_EINVAL;
    idx = kk_sched_class_index(s, cls);
    if (idx < 0 || prio < cls->prio_min || prio > cls->prio_max)
        return KK_EINVAL;
    if (se->rq != NULL || (se->cls == &kk_sched_edf_class && se->u.dl.admitted != NULL))
        return KK_EBUSY;
    kk_memset(se, 0, sizeof(*se));
    se->cls = cls;
    se->cls_idx = (uint32_t)idx;
    se->prio = prio;
    se->affinity = s->cpu_mask;
    cls->init_entity(s, se);
    return 0;
}

/* ---- run-queue helpers ---------------------------------------------------------------------- */

static inline uint32_t load_of(const struct kk_sched_rq *rq)
{
    return __atomic_load_n(&rq->nr_running, __ATOMIC_RELAXED);
}

static inline void add_running(struct kk_sched_rq *rq, uint32_t idx, int d)
{
    rq->nr_class[idx] += (uint32_t)d;
    __atomic_store_n(&rq->nr_running, rq->nr_running + (uint32_t)d, __ATOMIC_RELAXED);
}

static inline union kk_sched_class_rq *crq_of(struct kk_sched_rq *rq,
                                              const struct kk_sched_entity *se)
{
    return &rq->crq[se->cls_idx];
}

/* Is @se usable with @rq's scheduler (initialised for it)? */
static inline bool se_valid(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    const struct kk_sched *s = rq->sched;
    return se->cls_idx < s->cfg.nr_classes && s->cfg.classes[se->cls_idx] == se->cls;
}

static uint64_t update_clock(struct kk_sched_rq *rq)
{
    const struct kk_sched_config *cfg = rq_cfg(rq);
    uint64_t now = cfg->clock_ns(cfg->ctx);

    if (now > rq->clock)
        rq->clock = now;
    return rq->clock;
}

/* Charge the running entity for the time since it was last charged. */
static inline void charge_curr(struct kk_sched_rq *rq)
{
    struct kk_sched_entity *se = rq->curr;
    uint64_t delta;

    if (se == NULL)
        return;
    delta = rq->clock - se->exec_start;
    se->exec_start = rq->clock;
    if (delta == 0)
        return;
    se->sum_exec_ns += delta;
    if (delta > MAX_CHARGE_NS)
        delta = MAX_CHARGE_NS;
    if (se->cls->charge == kk_sched_list_charge) /* known target: no indirect call */
        list_charge(se, delta);
    else if (se->cls->charge != NULL)
        se->cls->charge(rq, crq_of(rq, se), se, delta);
}

/* Set need_resched if the newly runnable @se should preempt the running entity. */
static inline void check_preempt(struct kk_sched_rq *rq, struct kk_sched_entity *se)
{
    struct kk_sched_entity *curr = rq->curr;
    bool (*preempt)(struct kk_sched_rq *, union kk_sched_class_rq *, struct kk_sched_entity *,
                    struct kk_sched_entity *);

    if (curr == NULL || se->cls_idx < curr->cls_idx) {
        rq->need_resched = true;
        return;
    }
    if (se->cls_idx != curr->cls_idx)
        return;
    preempt = se->cls->wakeup_preempt;
    if (preempt == kk_sched_mlq_wakeup_preempt) /* known target: no indirect call */
        rq->need_resched |= mlq_preempts(curr, se);
    else if (preempt != NULL && preempt(rq, crq_of(rq, se), curr, se))
        rq->need_resched = true;
}

static bool cpu_allowed(const struct kk_sched_entity *se, uint32_t cpu)
{
    return (se->affinity >> cpu) & 1u;
}

static inline void attach(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags)
{
    se->cls->enqueue(rq, crq_of(rq, se), se, flags);
    se->rq = rq;
    se->last_cpu = rq->cpu;
    add_running(rq, se->cls_idx, 1);
}

static void detach(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags)
{
    se->cls->dequeue(rq, crq_of(rq, se), se, flags);
    se->rq = NULL;
    add_running(rq, se->cls_idx, -1);
}

/* ---- per-queue operations ------------------------------------------------------------------- */

int kk_sched_enqueue(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags)
{
    int err;

    if (rq == NULL || se == NULL)
        return KK_EINVAL;
    if (se->rq != NULL)
        return KK_EEXIST;
    if (!se_valid(rq, se) || !cpu_allowed(se, rq->cpu))
        return KK_EINVAL;
    if (se->cls->can_enqueue != NULL) {
        err = se->cls->can_enqueue(rq, se);
        if (err != 0)
            return err;
    }
    update_clock(rq);
    charge_curr(rq);
    attach(rq, se, flags & KK_SCHED_ENQ_WAKEUP);
    check_preempt(rq, se);
    return 0;
}

int kk_sched_dequeue(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags)
{
    if (rq == NULL || se == NULL)
        return KK_EINVAL;
    if (se->rq != rq)
        return KK_ENOENT;
    update_clock(rq);
    flags &= KK_SCHED_DEQ_SLEEP;
    if (se == rq->curr) {
        charge_curr(rq);
        detach(rq, se, flags | KK_SCHED_DEQ_CURR);
        rq->curr = NULL;
        rq->need_resched = true;
    } else {
        detach(rq, se, flags);
    }
    se->flags &= ~SE_YIELDED;
    return 0;
}

/* Fast path of pick_next: the running entity would be picked again (no higher class runnable,
 * its class says so), so it keeps running without touching the structures. */
static bool can_keep(struct kk_sched_rq *rq, struct kk_sched_entity *prev)
{
    uint32_t i;

    if (prev->cls->keep_running == NULL || (prev->flags & SE_YIELDED) != 0)
        return false;
    for (i = 0; i < prev->cls_idx; i++) {
        if (rq->nr_class[i] != 0)
            return false;
    }
    return prev->cls->keep_running(rq, crq_of(rq, prev), prev);
}

struct kk_sched_entity *kk_sched_pick_next(struct kk_sched_rq *rq)
{
    struct kk_sched_entity *prev, *se;
    const struct kk_sched *s;
    uint32_t i;

    if (rq == NULL)
        return NULL;
    s = rq->sched;
    update_clock(rq);
    prev = rq->curr;
    rq->need_resched = false;
    if (prev != NULL) {
        charge_curr(rq);
        if (can_keep(rq, prev))
            return prev;
        prev->cls->put_prev(rq, crq_of(rq, prev), prev);
        prev->flags &= ~SE_YIELDED;
        rq->curr = NULL;
    }
    for (i = 0; i < s->cfg.nr_classes; i++) {
        if (rq->nr_class[i] == 0)
            continue;
        se = s->cfg.classes[i]->pick_next(rq, &rq->crq[i]);
        if (se != NULL) {
            rq->curr = se;
            se->exec_start = rq->clock;
            return se;
        }
    }
    return NULL;
}

bool kk_sched_tick(struct kk_sched_rq *rq)
{
    struct kk_sched_entity *se;

    if (rq == NULL)
        return false;
    update_clock(rq);
    se = rq->curr;
    if (se == NULL)
        return rq->need_resched;
    charge_curr(rq);
    if (se->cls->tick != NULL && se->cls->tick(rq, crq_of(rq, se), se))
        rq->need_resched = true;
    return rq->need_resched;
}

uint64_t kk_sched_time_left(struct kk_sched_rq *rq)
{
    struct kk_sched_entity *se;

    if (rq == NULL || rq->curr == NULL)
        return UINT64_MAX;
    se = rq->curr;
    if (se->cls->time_left == NULL || rq->nr_class[se->cls_idx] < 2)
        return UINT64_MAX;
    update_clock(rq);
    charge_curr(rq);
    return se->cls->time_left(rq, crq_of(rq, se), se);
}

int kk_sched_yield(struct kk_sched_rq *rq)
{
    struct kk_sched_entity *se;

    if (rq == NULL)
        return KK_EINVAL;
    se = rq->curr;
    if (se == NULL)
        return KK_ENOENT;
    update_clock(rq);
    charge_curr(rq);
    se->flags |= SE_YIELDED;
    if (se->cls->yield != NULL)
        se->cls->yield(rq, crq_of(rq, se), se);
    rq->need_resched = true;
    return 0;
}

int kk_sched_set_priority(struct kk_sched_rq *rq, struct kk_sched_entity *se, int prio)
{
    unsigned curr;

    if (se == NULL || se->cls == NULL || prio < se->cls->prio_min || prio > se->cls->prio_max)
        return KK_EINVAL;
    if (se->rq != rq)
        return KK_ENOENT;
    if (rq == NULL) {
        se->prio = prio;
        return 0;
    }
    update_clock(rq);
    curr = se == rq->curr ? KK_SCHED_DEQ_CURR : 0;
    if (curr != 0)
        charge_curr(rq);
    se->cls->dequeue(rq, crq_of(rq, se), se, KK_SCHED_DEQ_SAVE | curr);
    se->prio = prio;
    se->cls->enqueue(rq, crq_of(rq, se), se, KK_SCHED_ENQ_RESTORE | curr);
    if (curr != 0)
        rq->need_resched = true;
    else
        check_preempt(rq, se);
    return 0;
}

int kk_sched_set_affinity(struct kk_sched *s, struct kk_sched_entity *se, uint64_t mask)
{
    if (s == NULL || se == NULL || (mask & s->cpu_mask) == 0)
        return KK_EINVAL;
    se->affinity = mask & s->cpu_mask;
    if (se->rq != NULL && !cpu_allowed(se, se->rq->cpu))
        return 1;
    return 0;
}

/* ---- SMP ------------------------------------------------------------------------------------ */

/* The last CPU if allowed and idle, else the least loaded allowed CPU (@allowed != 0). */
static int select_least_loaded(struct kk_sched *s, const struct kk_sched_entity *se,
                               uint64_t allowed)
{
    uint32_t cpu, best_load = UINT32_MAX;
    int best = -1;

    if (se->last_cpu < s->nr_cpus && cpu_allowed(se, se->last_cpu)) {
        best = (int)se->last_cpu;
        best_load = load_of(&s->rqs[best]);
        if (best_load == 0)
            return best;
    }
    for (cpu = 0; cpu < s->nr_cpus; cpu++) {
        uint32_t l;
        if (!((allowed >> cpu) & 1u))
            continue;
        l = load_of(&s->rqs[cpu]);
        if (l < best_load) {
            best = (int)cpu;
            best_load = l;
        }
    }
    return best;
}

int kk_sched_select_cpu(struct kk_sched *s, const struct kk_sched_entity *se)
{
    return kk_sched_select_cpu_hint(s, se, 0, 0);
}

int kk_sched_select_cpu_hint(struct kk_sched *s, const struct kk_sched_entity *se,
                             uint32_t waker_cpu, unsigned flags)
{
    uint64_t allowed;

    if (s == NULL || se == NULL || (flags & ~KK_SCHED_WAKE_SYNC) != 0)
        return KK_EINVAL;
    allowed = se->affinity & s->cpu_mask;
    if (allowed == 0)
        return KK_EINVAL;
    if ((flags & KK_SCHED_WAKE_SYNC) != 0) {
        if (waker_cpu >= s->nr_cpus)
            return KK_EINVAL;
        /* the waker is about to sleep and is alone there: its CPU is free right after */
        if (((allowed >> waker_cpu) & 1u) != 0 && load_of(&s->rqs[waker_cpu]) <= 1)
            return (int)waker_cpu;
    }
    return select_least_loaded(s, se, allowed);
}

int kk_sched_find_busiest(struct kk_sched *s, uint32_t cpu)
{
    uint32_t mine, c, best_load;
    int best = KK_ENOENT;

    if (s == NULL || cpu >= s->nr_cpus)
        return KK_EINVAL;
    mine = load_of(&s->rqs[cpu]);
    best_load = mine + 1;
    for (c = 0; c < s->nr_cpus; c++) {
        uint32_t l = load_of(&s->rqs[c]);
        if (c != cpu && l > best_load) {
            best = (int)c;
            best_load = l;
        }
    }
    return best;
}

/* Move @se (queued on @src, checked by the caller) to @dst. */
static void move(struct kk_sched_rq *src, struct kk_sched_rq *dst, struct kk_sched_entity *se)
{
    update_clock(src);
    update_clock(dst);
    charge_curr(dst);
    detach(src, se, KK_SCHED_DEQ_MIGRATE);
    attach(dst, se, KK_SCHED_ENQ_MIGRATE);
    check_preempt(dst, se);
}

int kk_sched_migrate(struct kk_sched_rq *src, struct kk_sched_rq *dst, struct kk_sched_entity *se)
{
    if (src == NULL || dst == NULL || se == NULL || src->sched != dst->sched)
        return KK_EINVAL;
    if (se->rq != src)
        return KK_ENOENT;
    if (se == src->curr)
        return KK_EBUSY;
    if (!cpu_allowed(se, dst->cpu))
        return KK_EINVAL;
    if ((se->cls->flags & KK_SCHED_CLASS_PINNED) != 0)
        return KK_EPERM;
    if (src != dst)
        move(src, dst, se);
    return 0;
}

static bool imbalanced(const struct kk_sched_rq *dst, const struct kk_sched_rq *src)
{
    return src->nr_running >= dst->nr_running + 2;
}

int kk_sched_pull(struct kk_sched_rq *dst, struct kk_sched_rq *src, uint32_t max)
{
    const struct kk_sched *s;
    uint32_t i, moved = 0;

    if (dst == NULL || src == NULL || dst == src || dst->sched != src->sched)
        return KK_EINVAL;
    s = src->sched;
    for (i = s->cfg.nr_classes; i-- > 0;) {
        const struct kk_sched_class *cls = s->cfg.classes[i];
        struct kk_sched_entity *se, *next;
        uint32_t scanned = 0;

        if (src->nr_class[i] == 0 || cls->migrate_next == NULL ||
            (cls->flags & KK_SCHED_CLASS_PINNED) != 0)
            continue;
        se = cls->migrate_next(src, &src->crq[i], NULL);
        while (se != NULL && scanned++ < KK_SCHED_PULL_SCAN && moved < max &&
               imbalanced(dst, src)) {
            next = cls->migrate_next(src, &src->crq[i], se);
            if (cpu_allowed(se, dst->cpu)) {
                move(src, dst, se);
                moved++;
            }
            se = next;
        }
    }
    return (int)moved;
}

/* ---- checking ------------------------------------------------------------------------------- */

long kk_sched_list_check(struct kk_sched_rq *rq, const struct kk_list *head,
                         const struct kk_sched_class *cls)
{
    const struct kk_list *n;
    long count = 0;

    for (n = head->next; n != head; n = n->next) {
        const struct kk_sched_entity *se = SE_OF_LIST(n);
        if (n->next->prev != n || se->rq != rq || se->cls != cls || se == rq->curr)
            return -1;
        if (++count > (long)rq->nr_running)
            return -1;
    }
    return count;
}

int kk_sched_check(struct kk_sched_rq *rq)
{
    const struct kk_sched *s;
    uint32_t i, total = 0;

    if (rq == NULL || rq->sched == NULL)
        return KK_ECORRUPT;
    s = rq->sched;
    if (rq->curr != NULL && (rq->curr->rq != rq || !se_valid(rq, rq->curr)))
        return KK_ECORRUPT;
    for (i = 0; i < s->cfg.nr_classes; i++) {
        const struct kk_sched_class *cls = s->cfg.classes[i];
        long queued;
        uint32_t running = rq->curr != NULL && rq->curr->cls_idx == i ? 1 : 0;

        total += rq->nr_class[i];
        if (cls->check == NULL)
            continue;
        queued = cls->check(rq, &rq->crq[i]);
        if (queued < 0 || (uint64_t)queued + running != rq->nr_class[i])
            return KK_ECORRUPT;
    }
    return total == rq->nr_running ? 0 : KK_ECORRUPT;
}
