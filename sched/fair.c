/*
 * fair.c: the fair class, EEVDF (earliest eligible virtual deadline first).
 *
 * Virtual time: running d ns advances an entity's vruntime by d * 1024 / w
 * (w = weight of its nice value, nice 0 = 1024). The queue's virtual time
 * V is the weighted average of the runnable entities' vruntimes; an entity
 * is eligible when vruntime <= V (it has received no more than its share),
 * and its virtual deadline is vruntime + slice * 1024 / w. The eligible
 * entity with the earliest deadline runs; it runs until its vruntime reaches
 * its deadline (then a new deadline is set and the CPU re-picked).
 *
 * Integer math only: keys are vruntime - zero_v (signed 64-bit, zero_v
 * trails the smallest runnable vruntime), the queue keeps S = sum w*key
 * and W = sum w over runnable entities (the running one included), so
 * V = zero_v + S / W and "eligible" is key <= floor(S / W), exact. Lag
 * (V - vruntime) is saved at dequeue and restored at enqueue (sleep and
 * migration keep it), scaled by (W + w) / W so that the restored entity's
 * lag is exactly the saved one, and clamped to two slices.
 *
 * Queued entities sit in a red-black tree ordered by vruntime and augmented
 * with the minimum deadline of each subtree: the pick descends once, O(log n).
 * The running entity is out of the tree but counted in S and W.
 */
#include "internal.h"

#define FS(se)       (&(se)->u.fair)
#define VRUNTIME_OFF offsetof(struct kk_sched_entity, u.fair.vruntime)

/* Linux's nice-to-weight table: each step is about 1.25x (10% CPU). */
static const uint32_t nice_weight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
    172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15,
};

uint32_t kk_sched_nice_to_weight(int nice)
{
    if (nice < KK_SCHED_NICE_MIN)
        nice = KK_SCHED_NICE_MIN;
    if (nice > KK_SCHED_NICE_MAX)
        nice = KK_SCHED_NICE_MAX;
    return nice_weight[nice - KK_SCHED_NICE_MIN];
}

/* ns of service -> virtual ns for weight @w (delta <= 2^40, so no overflow). */
static inline uint64_t vdelta(uint64_t delta, uint32_t w)
{
    return delta * KK_SCHED_NICE0_WEIGHT / w;
}

static inline int64_t key_of(const struct kk_sched_fair_rq *f, const struct kk_sched_entity *se)
{
    return (int64_t)(FS(se)->vruntime - f->zero_v);
}

/* floor(S / W) for W > 0: the largest key that is eligible. */
static int64_t eligible_key(const struct kk_sched_fair_rq *f)
{
    uint64_t mag;

    if (f->sum_w == 0)
        return INT64_MAX;
    if (f->sum_wkey >= 0)
        return (int64_t)((uint64_t)f->sum_wkey / f->sum_w);
    mag = (uint64_t)0 - (uint64_t)f->sum_wkey;
    return -(int64_t)((mag + f->sum_w - 1) / f->sum_w);
}

/* The queue's virtual time V (zero_v when nothing is runnable). */
static uint64_t avg_vruntime(const struct kk_sched_fair_rq *f)
{
    int64_t q;

    if (f->sum_w == 0)
        return f->zero_v;
    q = f->sum_wkey >= 0 ? (int64_t)((uint64_t)f->sum_wkey / f->sum_w)
                         : -(int64_t)(((uint64_t)0 - (uint64_t)f->sum_wkey) / f->sum_w);
    return f->zero_v + (uint64_t)q;
}

static inline bool eligible(const struct kk_sched_fair_rq *f, const struct kk_sched_entity *se,
                            int64_t ekey)
{
    return key_of(f, se) <= ekey;
}

static bool vruntime_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return before64(FS(SE_OF_RB(a))->vruntime, FS(SE_OF_RB(b))->vruntime);
}

/* Augmentation: min_deadline = smallest deadline in the subtree. */
static bool min_deadline_update(struct kk_rb_node *n)
{
    struct kk_sched_fair_se *fs = FS(SE_OF_RB(n));
    uint64_t m = fs->deadline;

    if (n->left != NULL && before64(FS(SE_OF_RB(n->left))->min_deadline, m))
        m = FS(SE_OF_RB(n->left))->min_deadline;
    if (n->right != NULL && before64(FS(SE_OF_RB(n->right))->min_deadline, m))
        m = FS(SE_OF_RB(n->right))->min_deadline;
    if (m == fs->min_deadline)
        return false;
    fs->min_deadline = m;
    return true;
}

static void avg_add(struct kk_sched_fair_rq *f, const struct kk_sched_entity *se)
{
    f->sum_wkey += (int64_t)FS(se)->weight * key_of(f, se);
    f->sum_w += FS(se)->weight;
}

static void avg_sub(struct kk_sched_fair_rq *f, const struct kk_sched_entity *se)
{
    f->sum_wkey -= (int64_t)FS(se)->weight * key_of(f, se);
    f->sum_w -= FS(se)->weight;
}

/* Move zero_v up to the smallest runnable vruntime (never down), keeping S exact. */
static void update_zero(struct kk_sched_rq *rq, struct kk_sched_fair_rq *f,
                        const struct kk_sched_entity *gone)
{
    const struct kk_sched_entity *curr = rq->curr;
    struct kk_rb_node *first = kk_rb_first(&f->tree);
    uint64_t v = 0, d;
    bool have = false;

    if (curr != NULL && curr != gone && curr->cls == &kk_sched_eevdf_class) {
        v = FS(curr)->vruntime;
        have = true;
    }
    if (first != NULL && (!have || before64(FS(SE_OF_RB(first))->vruntime, v))) {
        v = FS(SE_OF_RB(first))->vruntime;
        have = true;
    }
    if (!have || !before64(f->zero_v, v))
        return;
    d = v - f->zero_v;
    f->sum_wkey -= (int64_t)(f->sum_w * d);
    f->zero_v = v;
}

static uint64_t fair_slice(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    uint64_t slice = se_slice(se, rq_cfg(rq)->fair_slice_ns);
    return slice > MAX_CHARGE_NS ? MAX_CHARGE_NS : slice;
}

static void fair_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    (void)rq;
    kk_memset(&crq->fair, 0, sizeof(crq->fair));
    kk_rb_init(&crq->fair.tree);
}

static void fair_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    (void)s;
    kk_memset(FS(se), 0, sizeof(*FS(se)));
    FS(se)->weight = kk_sched_nice_to_weight(se->prio);
}

/* Give @se its vruntime from its saved lag and a fresh deadline. */
static void place(struct kk_sched_rq *rq, struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    struct kk_sched_fair_se *fs = FS(se);
    int64_t lag = fs->vlag;

    if (f->sum_w != 0 && lag != 0)
        lag = mul_div_s64(lag, f->sum_w + fs->weight, f->sum_w);
    fs->vruntime = avg_vruntime(f) - (uint64_t)lag;
    fs->deadline = fs->vruntime + vdelta(fair_slice(rq, se), fs->weight);
    fs->min_deadline = fs->deadline;
}

static void fair_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    uint32_t w = kk_sched_nice_to_weight(se->prio);

    if (fs->weight != w) { /* reweight: keep the lag in ns of service */
        fs->vlag = mul_div_s64(fs->vlag, fs->weight, w);
        fs->weight = w;
    }
    f->hint = NULL;
    place(rq, f, se);
    if ((flags & KK_SCHED_ENQ_CURR) == 0)
        rb_insert_key(&f->tree, se, VRUNTIME_OFF, min_deadline_update);
    avg_add(f, se);
    update_zero(rq, f, NULL);
}

static void fair_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    int64_t lag = (int64_t)(avg_vruntime(f) - fs->vruntime);
    int64_t limit = (int64_t)vdelta(2 * fair_slice(rq, se), fs->weight);

    fs->vlag = lag > limit ? limit : lag < -limit ? -limit : lag;
    f->hint = NULL;
    if ((flags & KK_SCHED_DEQ_CURR) == 0)
        kk_rb_erase(&f->tree, &se->node.rb, min_deadline_update);
    avg_sub(f, se);
    update_zero(rq, f, se);
}

/* Node with deadline @dl in the subtree @n (whose min_deadline is @dl). */
static struct kk_rb_node *find_min_deadline(struct kk_rb_node *n, uint64_t dl)
{
    while (FS(SE_OF_RB(n))->deadline != dl) {
        if (n->left != NULL && FS(SE_OF_RB(n->left))->min_deadline == dl)
            n = n->left;
        else
            n = n->right;
    }
    return n;
}

/* Earliest virtual deadline among the eligible queued entities, O(log n). */
static struct kk_rb_node *pick_eevdf(struct kk_sched_fair_rq *f)
{
    struct kk_rb_node *n = f->tree.node, *best = NULL;
    int64_t ekey = eligible_key(f);
    uint64_t best_dl = 0;
    bool subtree = false;

    while (n != NULL) {
        const struct kk_sched_entity *se = SE_OF_RB(n);
        if (!eligible(f, se, ekey)) { /* so is everything to its right */
            n = n->left;
            continue;
        }
        if (best == NULL || before64(FS(se)->deadline, best_dl)) {
            best = n;
            best_dl = FS(se)->deadline;
            subtree = false;
        }
        if (n->left != NULL && before64(FS(SE_OF_RB(n->left))->min_deadline, best_dl)) {
            best = n->left; /* the whole left subtree is eligible */
            best_dl = FS(SE_OF_RB(n->left))->min_deadline;
            subtree = true;
        }
        n = n->right;
    }
    if (best == NULL)
        return kk_rb_first(&f->tree);
    return subtree ? find_min_deadline(best, best_dl) : best;
}

static struct kk_sched_entity *fair_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_rb_node *n = crq->fair.hint != NULL ? crq->fair.hint : pick_eevdf(&crq->fair);

    (void)rq;
    crq->fair.hint = NULL;
    if (n == NULL)
        return NULL;
    kk_rb_erase(&crq->fair.tree, n, min_deadline_update);
    SE_OF_RB(n)->flags &= ~SE_SLICE_DONE;
    return SE_OF_RB(n);
}

/* The running entity is eligible and its deadline beats every queued eligible one. */
static bool fair_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_rb_node *best;

    (void)rq;
    best = pick_eevdf(f);
    if (best == NULL || (eligible(f, se, eligible_key(f)) &&
                         before64(FS(se)->deadline, FS(SE_OF_RB(best))->deadline))) {
        se->flags &= ~SE_SLICE_DONE;
        return true;
    }
    f->hint = best; /* putting @se back does not change the answer: save the next descent */
    return false;
}

static void fair_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se)
{
    (void)rq;
    FS(se)->min_deadline = FS(se)->deadline;
    rb_insert_key(&crq->fair.tree, se, VRUNTIME_OFF, min_deadline_update);
}

static void fair_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se, uint64_t delta)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    uint64_t dv = vdelta(delta, fs->weight);

    fs->vruntime += dv;
    f->sum_wkey += (int64_t)(fs->weight * dv);   /* ~ delta * 1024 <= 2^50 */
    if (!before64(fs->vruntime, fs->deadline)) { /* request served: new deadline */
        fs->deadline = fs->vruntime + vdelta(fair_slice(rq, se), fs->weight);
        se->flags |= SE_SLICE_DONE;
    }
    update_zero(rq, f, NULL);
}

static bool fair_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se)
{
    (void)rq;
    return (se->flags & SE_SLICE_DONE) != 0 && !kk_rb_empty(&crq->fair.tree);
}

/* Service time until the running entity's vruntime reaches its deadline. */
static uint64_t fair_time_left(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                               struct kk_sched_entity *se)
{
    const struct kk_sched_fair_se *fs = FS(se);
    uint64_t vleft;

    (void)rq;
    (void)crq;
    if ((se->flags & SE_SLICE_DONE) != 0 || !before64(fs->vruntime, fs->deadline))
        return 0;
    vleft = fs->deadline - fs->vruntime; /* <= slice * 1024 / w */
    return (vleft * fs->weight + KK_SCHED_NICE0_WEIGHT - 1) / KK_SCHED_NICE0_WEIGHT;
}

/* Yield: the rest of this request is forfeited (deadline pushed by one slice). */
static void fair_yield(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                       struct kk_sched_entity *se)
{
    (void)crq;
    FS(se)->deadline += vdelta(fair_slice(rq, se), FS(se)->weight);
}

static bool fair_wakeup_preempt(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                struct kk_sched_entity *curr, struct kk_sched_entity *se)
{
    const struct kk_sched_fair_rq *f = &crq->fair;
    int64_t ekey = eligible_key(f);

    (void)rq;
    if (!eligible(f, se, ekey))
        return false;
    return !eligible(f, curr, ekey) || before64(FS(se)->deadline, FS(curr)->deadline);
}

/* Migration candidates from the largest vruntime (least owed) down. */
static struct kk_sched_entity *fair_migrate_next(struct kk_sched_rq *rq,
                                                 union kk_sched_class_rq *crq,
                                                 struct kk_sched_entity *prev)
{
    struct kk_rb_node *n = prev != NULL ? kk_rb_prev(&prev->node.rb) : kk_rb_last(&crq->fair.tree);

    (void)rq;
    return n != NULL ? SE_OF_RB(n) : NULL;
}

static bool se_consistent(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    return se->rq == rq && se->cls == &kk_sched_eevdf_class &&
           FS(se)->weight == kk_sched_nice_to_weight(se->prio);
}

static long fair_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    const struct kk_rb_node *pos;
    const struct kk_sched_entity *curr = rq->curr;
    long n = kk_rb_check(&f->tree, vruntime_less, min_deadline_update);
    int64_t s = 0;
    uint64_t w = 0;

    if (n < 0)
        return KK_ECORRUPT;
    for (pos = kk_rb_first(&f->tree); pos != NULL; pos = kk_rb_next(pos)) {
        const struct kk_sched_entity *se = SE_OF_RB(pos);
        if (!se_consistent(rq, se) || se == curr)
            return KK_ECORRUPT;
        s += (int64_t)FS(se)->weight * key_of(f, se);
        w += FS(se)->weight;
    }
    if (curr != NULL && curr->cls == &kk_sched_eevdf_class) {
        if (!se_consistent(rq, curr))
            return KK_ECORRUPT;
        s += (int64_t)FS(curr)->weight * key_of(f, curr);
        w += FS(curr)->weight;
    }
    return s == f->sum_wkey && w == f->sum_w ? n : KK_ECORRUPT;
}

int64_t kk_sched_fair_lag_ns(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                             const struct kk_sched_entity *se)
{
    int64_t vlag = (int64_t)(avg_vruntime(&crq->fair) - FS(se)->vruntime);

    (void)rq;
    return mul_div_s64(vlag, FS(se)->weight, KK_SCHED_NICE0_WEIGHT);
}

int kk_sched_fair_lag(struct kk_sched_rq *rq, const struct kk_sched_entity *se, int64_t *lag_ns)
{
    if (rq == NULL || se == NULL || lag_ns == NULL || se->cls != &kk_sched_eevdf_class)
        return KK_EINVAL;
    if (se->rq != rq)
        return KK_ENOENT;
    *lag_ns = kk_sched_fair_lag_ns(rq, &rq->crq[se->cls_idx], se);
    return 0;
}

const struct kk_sched_class kk_sched_eevdf_class = {
    .version = KK_SCHED_CLASS_VERSION,
    .name = "eevdf",
    .prio_min = KK_SCHED_NICE_MIN,
    .prio_max = KK_SCHED_NICE_MAX,
    .init_rq = fair_init_rq,
    .init_entity = fair_init_entity,
    .enqueue = fair_enqueue,
    .dequeue = fair_dequeue,
    .pick_next = fair_pick,
    .keep_running = fair_keep,
    .put_prev = fair_put_prev,
    .charge = fair_charge,
    .tick = fair_tick,
    .time_left = fair_time_left,
    .yield = fair_yield,
    .wakeup_preempt = fair_wakeup_preempt,
    .migrate_next = fair_migrate_next,
    .check = fair_check,
};
