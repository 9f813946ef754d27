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
 * near the smallest runnable vruntime), the queue keeps S = sum w*key
 * and W = sum w over runnable entities (the running one included), so
 * V = zero_v + S / W and "eligible" is key <= floor(S / W), exact. Lag
 * (V - vruntime) is saved at dequeue and restored at enqueue (sleep and
 * migration keep it), scaled by (W + w) / W so that the restored entity's
 * lag is exactly the saved one, and clamped to two slices.
 *
 * Queued entities (the running one too) sit in one of two structures. Most are in a
 * request-length group (fair_group.c): entities with the same request length r = slice * 1024 / w
 * (virtual ns) that are "fresh", deadline = vruntime + r, as every entity is right after place()
 * and after a served request. Within a group deadline order is vruntime order, so the group's
 * first member (earliest deadline) has its smallest vruntime: the group holds an eligible entity
 * iff its first member is eligible, and then that one is the group's answer. A group is a list
 * by deadline that an entity joins only at the end (its deadline not before the last one's: where
 * a served request's new deadline lands in steady state), so joining, leaving and the group's
 * answer are O(1), with no tree update at all. The running entity may stay in its group while
 * charged partway (no longer fresh): if it is first and not eligible, its successor (fresh)
 * decides; when it leaves the CPU unserved it moves to the tree.
 *
 * The rest (not fresh: preempted partway, yielded; a deadline before its group's last; no free
 * group slot out of KK_SCHED_FAIR_GROUPS; r >= 2^32) sit in a balanced tree ordered by virtual
 * deadline (equal deadlines in arrival order) and augmented with the minimum vruntime of each
 * subtree (as Linux since 6.8). The tree's pick takes the cached leftmost node when it is
 * eligible, O(1), else the entity at or after the last pick when nothing before it can be
 * eligible (a kept lower bound says so), O(1); otherwise one descent finds the leftmost eligible
 * node: go left while the left subtree holds an eligible entity (its min vruntime is eligible),
 * else take the node if eligible, else go right, O(log n). Charging the running entity leaves the
 * augmentation's copy of its vruntime behind until the next switch or descent (the minima stay
 * lower bounds), and a new deadline (request served, yield) re-inserts it, into its group when it
 * is fresh and may join.
 *
 * The pick is the earliest deadline among the tree's answer and the groups': the run queue keeps
 * the live groups in first-deadline order (group_order), and the pick walks it to the first
 * eligible group, usually one to three steps, O(groups) at worst; equal deadlines go to the tree,
 * then to the lower group slot. zero_v follows the smallest runnable vruntime from below at
 * enqueue, dequeue and tick (the tree root's minimum, each group's first deadline - r), and at a
 * pick moves up to the smallest bound the walk read (at most V: keys stay small, some negative).
 */
#include "internal.h"

_Static_assert(sizeof(struct kk_sched_fair_rq) <= sizeof(struct kk_sched_mlq_rq),
               "the fair class must not grow union kk_sched_class_rq");
_Static_assert(KK_SCHED_FAIR_GROUPS <= 32 &&
                   KK_SCHED_FAIR_GROUPS < (SE_GROUP_MASK >> SE_GROUP_SHIFT),
               "group_mask and the entity's group bits must hold every group");

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

int kk_sched_weight_to_nice(uint64_t weight)
{
    int lo = 0, hi = 39; /* nice_weight[] decreases: find the first index with weight >= w[i] */

    if (weight >= nice_weight[0])
        return KK_SCHED_NICE_MIN;
    if (weight <= nice_weight[39])
        return KK_SCHED_NICE_MAX;
    while (lo < hi) { /* invariant: w[hi] <= weight, w[lo - 1] > weight */
        int mid = (lo + hi) / 2;
        if (nice_weight[mid] <= weight)
            hi = mid;
        else
            lo = mid + 1;
    }
    /* w[lo] <= weight < w[lo - 1] (lo >= 1): heavier one if weight^2 >= w[lo] * w[lo - 1] */
    if (weight * weight >= (uint64_t)nice_weight[lo] * nice_weight[lo - 1])
        lo--;
    return lo + KK_SCHED_NICE_MIN;
}

int kk_sched_prio_to_nice(int prio)
{
    if (prio < 1)
        prio = 1;
    return kk_sched_weight_to_nice((uint64_t)prio * KK_SCHED_NICE0_WEIGHT);
}

/* ceil(2^32 / w): vdelta() multiplies by it instead of dividing (as Linux's wmult). */
static inline uint32_t inv_weight(uint32_t w)
{
    return (uint32_t)(((1ull << 32) + w - 1) / w);
}

/* Set the weight (and inverse weight) of @fs for @nice. */
static void set_weight(struct kk_sched_fair_se *fs, int nice)
{
    fs->weight = kk_sched_nice_to_weight(nice);
    fs->inv_weight = inv_weight(fs->weight);
}

/* ns of service -> virtual ns, delta * 1024 / weight. Multiplies by the inverse weight
 * (rounded up, so the result is never below the exact quotient and exceeds it by at most
 * 1 + delta / 2^22); divides only for deltas of 2^35 ns or more, where the product would not
 * fit in 64 bits (delta <= 2^41 there, so delta * 1024 fits). */
static inline uint64_t vdelta(uint64_t delta, const struct kk_sched_fair_se *fs)
{
    if ((delta >> 35) != 0)
        return delta * KK_SCHED_NICE0_WEIGHT / fs->weight;
    return (delta * fs->inv_weight) >> 22;
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

/* Is @key (vruntime - zero_v) eligible, key <= floor(S / W)? For W > 0 that is key * W <= S, which
 * needs no division when the product fits (W < 2^32, |key| < 2^31: always, in practice); else (or
 * with nothing runnable) the quotient. A pick tests a few keys: a 64-bit division is the slowest
 * instruction of the step. */
static inline bool key_eligible(const struct kk_sched_fair_rq *f, int64_t key)
{
    if (f->sum_w - 1 < (1ull << 32) - 1 && (uint64_t)key + (1ull << 31) < (1ull << 32))
        return key * (int64_t)f->sum_w <= f->sum_wkey;
    return key <= eligible_key(f);
}

static inline bool eligible(const struct kk_sched_fair_rq *f, const struct kk_sched_entity *se)
{
    return key_eligible(f, key_of(f, se));
}

static bool deadline_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return before64(FS(SE_OF_RB(a))->deadline, FS(SE_OF_RB(b))->deadline);
}

static inline uint64_t min_v(const struct kk_rb_node *n)
{
    return FS(SE_OF_RB(n))->min_vruntime;
}

/* Augmentation: min_vruntime = smallest tree_v in the subtree. tree_v is the vruntime, except that
 * charging the running entity leaves its tree_v behind until sync_tree(): the minima are then lower
 * bounds (enough for zero_v and the finger), made exact before a descent reads them. */
static RBI_INLINE bool min_vruntime_update(struct kk_rb_node *n)
{
    struct kk_sched_fair_se *fs = FS(SE_OF_RB(n));
    uint64_t m = fs->tree_v;

    if (n->left != NULL && before64(min_v(n->left), m))
        m = min_v(n->left);
    if (n->right != NULL && before64(min_v(n->right), m))
        m = min_v(n->right);
    if (m == fs->min_vruntime)
        return false;
    fs->min_vruntime = m;
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

/* Move zero_v up to @v (never down; @v at most V, so keys stay small), keeping S exact. */
static inline void advance_zero(struct kk_sched_fair_rq *f, uint64_t v)
{
    uint64_t d;

    if (!before64(f->zero_v, v))
        return;
    d = v - f->zero_v;
    f->sum_wkey -= (int64_t)(f->sum_w * d);
    f->zero_v += d;
}

/* Move zero_v up to a lower bound of the smallest runnable vruntime: the tree root's minimum and
 * every group's (group_min_v[]: every member's vruntime is at least its first deadline - r, equal
 * when fresh, above for the running entity charged partway). The bound may trail (a stale tree_v, a
 * running group member): keys only need to stay small, so zero_v moves at enqueue, dequeue, tick
 * and pick (which folds this scan into its own), not at every charge. */
static void update_zero(struct kk_sched_fair_rq *f)
{
    uint32_t m = f->group_mask;
    bool any = f->tree.node != NULL;
    uint64_t v = any ? min_v(f->tree.node) : 0;

    for (; m != 0; m &= m - 1) {
        uint64_t lb = f->group_min_v[__builtin_ctz(m)];
        if (!any || before64(lb, v))
            v = lb;
        any = true;
    }
    if (any)
        advance_zero(f, v);
}

/* Make the augmentation exact: the stale entity's vruntime only grew, so refresh the minima above
 * its node, stopping where one is unchanged. Once per switch or descent, not once per charge. */
static void sync_tree(struct kk_sched_fair_rq *f)
{
    struct kk_sched_entity *se = f->stale;
    struct kk_rb_node *n;

    if (se == NULL)
        return;
    f->stale = NULL;
    FS(se)->tree_v = FS(se)->vruntime;
    for (n = &se->node.rb; n != NULL && min_vruntime_update(n);)
        n = kk_rb_parent(n);
}

/* The finger is the last pick; before_min bounds from below the vruntimes of the entities before it
 * in the tree (they were all ineligible then). Vruntimes only grow in the tree and erasing keeps a
 * lower bound, so only an insert before the finger (earlier deadline) lowers it. */
static void finger_set(struct kk_sched_fair_rq *f, struct kk_rb_node *n, bool any, uint64_t min)
{
    f->finger = n;
    f->before_any = any;
    f->before_min = min;
}

static void finger_add(struct kk_sched_fair_rq *f, uint64_t v)
{
    if (!f->before_any || before64(v, f->before_min))
        f->before_min = v;
    f->before_any = true;
}

static void tree_insert(struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    FS(se)->tree_v = FS(se)->vruntime;
    FS(se)->min_vruntime = FS(se)->vruntime;
    if (f->finger != NULL && before64(FS(se)->deadline, FS(SE_OF_RB(f->finger))->deadline))
        finger_add(f, FS(se)->vruntime);
    rb_insert_key(&f->tree, se, DEADLINE_OFF, min_vruntime_update);
}

static void tree_erase(struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    if (f->finger == &se->node.rb)
        f->finger = NULL;
    if (f->stale == se)
        f->stale = NULL;
    rbi_erase(&f->tree, &se->node.rb, min_vruntime_update);
}

static uint64_t fair_slice(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    uint64_t slice = se_slice(se, rq_cfg(rq)->fair_slice_ns);
    return slice > MAX_CHARGE_NS ? MAX_CHARGE_NS : slice;
}

/* Request length of @se in virtual ns: a fresh deadline is vruntime + this. */
static inline uint64_t request_of(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    return vdelta(fair_slice(rq, se), FS(se));
}

/* Queue @se (deadline set, request length @r): at the end of its request-length group if it is
 * fresh (deadline = vruntime + r) and may join there, else into the augmented tree. */
static void queue_insert(struct kk_sched_fair_rq *f, struct kk_sched_entity *se, uint64_t r)
{
    int g;

    if (FS(se)->deadline == FS(se)->vruntime + r &&
        (g = kk_sched__fair_group_slot(f, r, FS(se)->deadline)) >= 0)
        group_append(f, (uint32_t)g, se);
    else
        tree_insert(f, se);
}

static void queue_erase(struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    if (se_group(se) >= 0)
        group_erase(f, se);
    else
        tree_erase(f, se);
}

/* Move @se (queued) to the place of its new @deadline (request length @r). The usual case, a
 * served request in a group whose new deadline is not before the group's others, is O(1). */
static void set_deadline(struct kk_sched_fair_rq *f, struct kk_sched_entity *se, uint64_t deadline,
                         uint64_t r)
{
    int g = se_group(se);

    if (g >= 0 && deadline == FS(se)->vruntime + r) { /* stays fresh: to its group's end? */
        struct kk_list *head = &f->group[g].members, *last = head->prev;
        if (last == &se->node.list)
            last = last->prev; /* the last other member, or the head */
        if (last == head || !before64(deadline, FS(SE_OF_LIST(last))->deadline)) {
            kk_list_del(&se->node.list);
            FS(se)->deadline = deadline;
            kk_list_add_tail(head, &se->node.list);
            uint64_t min_v = FS(group_first(f, (uint32_t)g))->deadline - r;
            if (f->group_min_v[g] != min_v) { /* a new first member: the group moves later */
                f->group_min_v[g] = min_v;
                kk_sched__fair_order_later(f, (uint32_t)g);
            }
            return;
        }
    }
    queue_erase(f, se);
    FS(se)->deadline = deadline;
    queue_insert(f, se, r);
}

static void fair_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    (void)rq;
    kk_memset(&crq->fair, 0, sizeof(crq->fair));
    crq->fair.group_order = UINT64_MAX; /* no live group */
    kk_rb_init(&crq->fair.tree);
}

static void fair_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    (void)s;
    kk_memset(FS(se), 0, sizeof(*FS(se)));
    set_weight(FS(se), se->prio);
}

/* Give @se its vruntime from its saved lag and a fresh deadline (request length @r). */
static void place(struct kk_sched_fair_rq *f, struct kk_sched_entity *se, uint64_t r)
{
    struct kk_sched_fair_se *fs = FS(se);
    int64_t lag = fs->vlag;

    if (f->sum_w != 0 && lag != 0)
        lag = mul_div_s64(lag, f->sum_w + fs->weight, f->sum_w);
    fs->vruntime = avg_vruntime(f) - (uint64_t)lag;
    fs->deadline = fs->vruntime + r;
}

static void fair_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    uint32_t w = kk_sched_nice_to_weight(se->prio);
    uint64_t r;

    if (fs->weight != w) { /* reweight: keep the lag in ns of service */
        fs->vlag = mul_div_s64(fs->vlag, fs->weight, w);
        set_weight(fs, se->prio);
    }
    (void)flags; /* the running entity is queued too */
    f->hint = NULL;
    r = request_of(rq, se);
    place(f, se, r);
    se->flags &= ~SE_GROUP_MASK;
    queue_insert(f, se, r);
    avg_add(f, se);
    update_zero(f);
}

static void fair_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se, unsigned flags)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    int64_t lag = (int64_t)(avg_vruntime(f) - fs->vruntime);
    int64_t limit = (int64_t)vdelta(2 * fair_slice(rq, se), fs);

    fs->vlag = lag > limit ? limit : lag < -limit ? -limit : lag;
    (void)flags;
    f->hint = NULL;
    queue_erase(f, se);
    avg_sub(f, se);
    update_zero(f);
}

/* Node of the smallest vruntime (when none is eligible), following the augmentation. */
static struct kk_rb_node *find_min_vruntime(struct kk_rb_node *n)
{
    uint64_t m = min_v(n);

    while (FS(SE_OF_RB(n))->tree_v != m)
        n = n->left != NULL && min_v(n->left) == m ? n->left : n->right;
    return n;
}

/* The finger's answer, or NULL: if nothing before the finger is eligible, the finger itself if
 * eligible, else its successor if eligible (the usual case: the last pick ran and is no longer
 * eligible, the next one in deadline order is). O(1). */
static struct kk_rb_node *pick_at_finger(struct kk_sched_fair_rq *f)
{
    struct kk_rb_node *n = f->finger, *next;

    if (n == NULL || (f->before_any && key_eligible(f, (int64_t)(f->before_min - f->zero_v))))
        return NULL;
    if (eligible(f, SE_OF_RB(n)))
        return n;
    next = kk_rb_next(n);
    if (next == NULL || !eligible(f, SE_OF_RB(next)))
        return NULL;
    finger_add(f, FS(SE_OF_RB(n))->vruntime);
    f->finger = next;
    return next;
}

/* Leftmost eligible node by one descent, O(log n): go left while the left subtree holds an
 * eligible entity, else take the node if eligible, else go right. Every left subtree not taken and
 * every node passed to the right precede the answer and are ineligible: their minimum is the
 * finger's lower bound. */
static struct kk_rb_node *descend(struct kk_sched_fair_rq *f)
{
    struct kk_rb_node *n = f->tree.node;
    uint64_t before = 0;
    bool any = false;

    while (n != NULL) {
        if (n->left != NULL) {
            uint64_t lm = min_v(n->left);
            if (key_eligible(f, (int64_t)(lm - f->zero_v))) {
                n = n->left;
                continue;
            }
            if (!any || before64(lm, before))
                before = lm;
            any = true;
        }
        if (eligible(f, SE_OF_RB(n))) {
            finger_set(f, n, any, before);
            return n;
        }
        if (!any || before64(FS(SE_OF_RB(n))->vruntime, before))
            before = FS(SE_OF_RB(n))->vruntime;
        any = true;
        n = n->right;
    }
    return NULL;
}

/* Earliest virtual deadline among the tree's eligible entities, or NULL: O(1) when it is the
 * leftmost or next to the last pick, else one descent, O(log n). */
static struct kk_rb_node *tree_pick(struct kk_sched_fair_rq *f)
{
    struct kk_rb_node *n = kk_rb_first(&f->tree);

    if (n == NULL)
        return NULL;
    if (eligible(f, SE_OF_RB(n))) {
        finger_set(f, n, false, 0);
        return n;
    }
    if ((n = pick_at_finger(f)) != NULL)
        return n;
    sync_tree(f);
    if ((n = descend(f)) != NULL)
        return n;
    f->finger = NULL;
    return NULL;
}

/* Group @g's answer when its first member @se is not eligible, or NULL: fresh members' deadline
 * order is their vruntime order, so no fresh member is eligible then; but if @se is the running
 * entity charged partway (not fresh), its successor decides the same way. */
static struct kk_sched_entity *group_pick_next(const struct kk_sched_fair_rq *f, uint32_t g,
                                               struct kk_sched_entity *se)
{
    if (FS(se)->deadline == FS(se)->vruntime + f->group_r[g])
        return NULL;
    se = group_next(f, g, se);
    return se != NULL && eligible(f, se) ? se : NULL;
}

/* Smallest vruntime of all (none eligible: not expected, the smallest vruntime is never above the
 * average); a group's smallest is its first member's or, if that one is not fresh, its
 * successor's. */
static struct kk_sched_entity *pick_min_vruntime(struct kk_sched_fair_rq *f)
{
    struct kk_sched_entity *best = NULL;
    uint32_t m;

    if (f->tree.node != NULL) {
        sync_tree(f);
        best = SE_OF_RB(find_min_vruntime(f->tree.node));
    }
    for (m = f->group_mask; m != 0; m &= m - 1) {
        uint32_t g = (uint32_t)__builtin_ctz(m);
        struct kk_sched_entity *se = group_first(f, g), *next = group_next(f, g, se);
        if (next != NULL && before64(FS(next)->vruntime, FS(se)->vruntime))
            se = next;
        if (best == NULL || before64(FS(se)->vruntime, FS(best)->vruntime))
            best = se;
    }
    return best;
}

/* Earliest virtual deadline among the eligible entities: the tree's answer and the first eligible
 * group in group_order (live groups by first deadline, then slot). A group whose first member is
 * fresh needs only group_min_v[] (that member's vruntime) and its deadline, min_v + r: no entity is
 * read. The walk stops at the first eligible group, or at a group whose first deadline does not
 * beat the tree's answer: in steady state it reads one to three groups, not all of them. Only the
 * running entity @curr (NULL from pick_next: it was put back, and put_prev leaves no member of a
 * group charged partway) can be a first member that is not fresh: group_pick_next() decides that
 * group, outside the walk. Equal deadlines: the tree's first, then the groups in slot order.
 * zero_v moves up to the smallest vruntime bound the walk read (the tree's minimum, the groups
 * read): not below every group, but at or below V, so keys stay small (update_zero() at enqueue,
 * dequeue and tick takes every group). */
static struct kk_sched_entity *pick_eevdf(struct kk_sched_fair_rq *f,
                                          const struct kk_sched_entity *curr)
{
    struct kk_rb_node *tn = tree_pick(f);
    struct kk_sched_entity *best = tn != NULL ? SE_OF_RB(tn) : NULL, *cse = NULL;
    uint64_t best_d = best != NULL ? FS(best)->deadline : 0, zero = 0, o;
    bool zany = f->tree.node != NULL;
    uint32_t g, gc = 0xffu, i;
    int best_g = -1;

    if (f->group_mask == 0) {
        if (zany)
            advance_zero(f, min_v(f->tree.node));
        return best != NULL ? best : pick_min_vruntime(f);
    }
    if (zany)
        zero = min_v(f->tree.node);
    if (curr != NULL && se_group(curr) >= 0 && group_first(f, (uint32_t)se_group(curr)) == curr &&
        FS(curr)->deadline != FS(curr)->vruntime + f->group_r[se_group(curr)]) {
        /* first member charged partway: its own eligibility (or its successor's) decides */
        gc = (uint32_t)se_group(curr);
        if (!zany || before64(f->group_min_v[gc], zero))
            zero = f->group_min_v[gc];
        zany = true;
        cse = eligible(f, curr) ? (struct kk_sched_entity *)curr
                                : group_pick_next(f, gc, (struct kk_sched_entity *)curr);
    }
    for (o = f->group_order, i = 0;
         i < KK_SCHED_FAIR_GROUPS && (g = (uint32_t)o & 0xfu) < KK_SCHED_FAIR_GROUPS;
         o >>= 4, i++) {
        uint64_t lb = f->group_min_v[g], d = lb + f->group_r[g];
        if (g == gc)
            continue;
        if (best != NULL && !before64(d, best_d))
            break; /* this group and every later one lose to the tree's answer */
        if (!zany || before64(lb, zero))
            zero = lb;
        zany = true;
        if (key_eligible(f, (int64_t)(lb - f->zero_v))) {
            best_g = (int)g;
            best_d = d;
            break;
        }
    }
    if (zany)
        advance_zero(f, zero);
    if (cse != NULL && (best_g < 0 ? best == NULL || before64(FS(cse)->deadline, best_d)
                                   : before64(FS(cse)->deadline, best_d) ||
                                         (FS(cse)->deadline == best_d && gc < (uint32_t)best_g)))
        return cse;
    if (best_g >= 0)
        return group_first(f, (uint32_t)best_g);
    return best != NULL ? best : pick_min_vruntime(f);
}

static struct kk_sched_entity *fair_pick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_sched_entity *se =
        crq->fair.hint != NULL ? SE_OF_RB(crq->fair.hint) : pick_eevdf(&crq->fair, NULL);

    (void)rq;
    crq->fair.hint = NULL;
    if (se == NULL)
        return NULL;
    se->flags &= ~SE_SLICE_DONE;
    return se;
}

/* The running entity (queued) is the earliest eligible deadline. */
static bool fair_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_entity *best = pick_eevdf(f, se);

    (void)rq;
    if (best == NULL || best == se) {
        se->flags &= ~SE_SLICE_DONE;
        return true;
    }
    f->hint = &best->node.rb; /* put_prev does not change the answer: save the next pick */
    return false;
}

/* The running entity leaves the CPU, still queued: if it was charged partway while in a group (not
 * fresh any more), the group cannot order it: it moves to the augmented tree. */
static void fair_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    int g = se_group(se);

    (void)rq;
    if (g < 0 || FS(se)->deadline == FS(se)->vruntime + f->group_r[g])
        return;
    group_erase(f, se);
    tree_insert(f, se);
}

static void fair_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se, uint64_t delta)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    struct kk_sched_fair_se *fs = FS(se);
    uint64_t dv = vdelta(delta, fs);

    fs->vruntime += dv;
    f->sum_wkey += (int64_t)(fs->weight * dv); /* ~ delta * 1024 <= 2^50 */
    f->hint = NULL;
    if (!before64(fs->vruntime, fs->deadline)) { /* request served: new deadline */
        uint64_t r = request_of(rq, se);
        set_deadline(f, se, fs->vruntime + r, r);
        se->flags |= SE_SLICE_DONE;
    } else if (se_group(se) < 0 && f->stale != se) {
        sync_tree(f); /* the previous running entity's */
        f->stale = se;
    }
}

static bool fair_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                      struct kk_sched_entity *se)
{
    update_zero(&crq->fair);
    return (se->flags & SE_SLICE_DONE) != 0 && rq->nr_class[se->cls_idx] > 1; /* others queued */
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
    uint64_t r = request_of(rq, se);

    crq->fair.hint = NULL;
    set_deadline(&crq->fair, se, FS(se)->deadline + r, r);
}

static bool fair_wakeup_preempt(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                struct kk_sched_entity *curr, struct kk_sched_entity *se)
{
    const struct kk_sched_fair_rq *f = &crq->fair;

    (void)rq;
    if (!eligible(f, se))
        return false;
    return !eligible(f, curr) || before64(FS(se)->deadline, FS(curr)->deadline);
}

/* The queued entity before @prev (NULL: the last one) in the order (deadline, structure, place in
 * the structure), structures numbered tree = 0, group g = g + 1. O(log n) in the tree, and in a
 * group a walk back over the members at or after @prev's deadline (already offered by
 * migrate_next and not taken). */
static struct kk_sched_entity *queued_before(const struct kk_sched_fair_rq *f,
                                             const struct kk_sched_entity *prev)
{
    struct kk_sched_entity *best = NULL, *se;
    int ps = prev != NULL ? se_group(prev) + 1 : -1, best_s = 0, s;
    uint64_t d = prev != NULL ? FS(prev)->deadline : 0;
    struct kk_rb_node *n;

    if (ps == 0) {
        n = kk_rb_prev(&prev->node.rb);
    } else if (prev == NULL) {
        n = kk_rb_last(&f->tree);
    } else {
        n = kk_sched__fair_last_before(&f->tree, d, true);
    }
    best = n != NULL ? SE_OF_RB(n) : NULL;
    for (s = 1; s <= (int)KK_SCHED_FAIR_GROUPS; s++) {
        uint32_t g = (uint32_t)s - 1;
        if ((f->group_mask >> g & 1u) == 0)
            continue;
        if (prev == NULL)
            se = group_last(f, g);
        else if (s == ps)
            se = prev->node.list.prev != &f->group[g].members ? SE_OF_LIST(prev->node.list.prev)
                                                              : NULL;
        else
            se = kk_sched__fair_group_last_before(f, g, d, s < ps);
        if (se != NULL && (best == NULL || before64(FS(best)->deadline, FS(se)->deadline) ||
                           (FS(best)->deadline == FS(se)->deadline && s > best_s))) {
            best = se;
            best_s = s;
        }
    }
    return best;
}

/* Migration candidates from the latest deadline (least urgent) down. */
static struct kk_sched_entity *fair_migrate_next(struct kk_sched_rq *rq,
                                                 union kk_sched_class_rq *crq,
                                                 struct kk_sched_entity *prev)
{
    struct kk_sched_entity *se = queued_before(&crq->fair, prev);

    if (se != NULL && se == rq->curr) /* the running entity stays */
        se = queued_before(&crq->fair, se);
    return se;
}

static bool se_consistent(const struct kk_sched_rq *rq, const struct kk_sched_entity *se)
{
    return se->rq == rq && se->cls == &kk_sched_eevdf_class &&
           FS(se)->weight == kk_sched_nice_to_weight(se->prio) &&
           FS(se)->inv_weight == inv_weight(FS(se)->weight);
}

/* Group @g (if live): non-empty, group_min_v[] its first deadline - r, deadlines in order, every
 * member in it by its flags, of request length group_r[g] and fresh (the running entity may be
 * charged partway). Adds the members to
 * *@s and *@w, sets *@has_curr if the running entity is one; returns their number or
 * KK_ECORRUPT. */
static long check_group(struct kk_sched_rq *rq, struct kk_sched_fair_rq *f, uint32_t g, int64_t *s,
                        uint64_t *w, bool *has_curr)
{
    const struct kk_list *head = &f->group[g].members, *pos;
    const struct kk_sched_entity *prev = NULL;
    long n = 0;

    if ((f->group_mask >> g & 1u) == 0)
        return f->group_r[g] == 0 ? 0 : KK_ECORRUPT; /* a free slot */
    if (head->next == head ||
        f->group_min_v[g] != FS(SE_OF_LIST(head->next))->deadline - f->group_r[g])
        return KK_ECORRUPT;
    for (pos = head->next; pos != head; pos = pos->next) {
        const struct kk_sched_entity *se = SE_OF_LIST(pos);
        uint64_t r = request_of(rq, se);
        if (pos->next->prev != pos || !se_consistent(rq, se) || se_group(se) != (int)g ||
            r != f->group_r[g] || r == 0 ||
            (FS(se)->deadline != FS(se)->vruntime + r && se != rq->curr) ||
            (prev != NULL && before64(FS(se)->deadline, FS(prev)->deadline)))
            return KK_ECORRUPT;
        *has_curr |= se == rq->curr;
        *s += (int64_t)FS(se)->weight * key_of(f, se);
        *w += FS(se)->weight;
        prev = se;
        n++;
    }
    return n > 0 ? n : KK_ECORRUPT;
}

static long fair_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_sched_fair_rq *f = &crq->fair;
    const struct kk_rb_node *pos;
    const struct kk_sched_entity *curr = rq->curr;
    long n = kk_rb_check(&f->tree, deadline_less, min_vruntime_update), ng;
    bool has_curr = curr == NULL || curr->cls != &kk_sched_eevdf_class;
    bool seen_finger = false, before = false; /* before: some node precedes the finger */
    uint64_t before_min = 0;
    int64_t s = 0;
    uint64_t w = 0;
    uint32_t g;

    if (n < 0 || (f->group_mask >> KK_SCHED_FAIR_GROUPS) != 0 || !kk_sched__fair_order_ok(f))
        return KK_ECORRUPT;
    for (pos = kk_rb_first(&f->tree); pos != NULL; pos = kk_rb_next(pos)) {
        const struct kk_sched_entity *se = SE_OF_RB(pos);
        if (!se_consistent(rq, se) || se_group(se) >= 0 ||
            (FS(se)->tree_v != FS(se)->vruntime && se != f->stale))
            return KK_ECORRUPT;
        if (se == curr)
            has_curr = true;
        if (pos == f->finger)
            seen_finger = true;
        if (!seen_finger && (!before || before64(FS(se)->vruntime, before_min)))
            before_min = FS(se)->vruntime;
        before |= !seen_finger;
        s += (int64_t)FS(se)->weight * key_of(f, se);
        w += FS(se)->weight;
    }
    for (g = 0; g < KK_SCHED_FAIR_GROUPS; g++) {
        if ((ng = check_group(rq, f, g, &s, &w, &has_curr)) < 0)
            return KK_ECORRUPT;
        n += ng;
    }
    if (!has_curr || s != f->sum_wkey || w != f->sum_w)
        return KK_ECORRUPT;
    if (f->finger != NULL &&
        (!seen_finger || (before && (!f->before_any || before64(before_min, f->before_min)))))
        return KK_ECORRUPT; /* the finger's lower bound must hold */
    return curr != NULL && curr->cls == &kk_sched_eevdf_class ? n - 1 : n; /* queued, not running */
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
