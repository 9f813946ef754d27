/*
 * stride.c: the Stride scheduling class (Waldspurger), as in uCore's lab 6.
 *
 * Every entity has stride = KK_SCHED_STRIDE_BIG / priority and a 64-bit
 * pass; running for d ns adds d * stride to the pass, and the entity with
 * the smallest pass runs next, so CPU shares are proportional to priority.
 * Passes are compared wrap-safely (signed difference); they stay within
 * 2^63 of each other because one charge adds at most 2^40 * 2^20. A waking
 * entity's pass is raised to the queue's virtual time (the smallest pass of
 * the runnable entities, never decreasing) so a sleeper cannot monopolise the CPU.
 *
 * Queued entities are ordered by (pass, arrival): every insertion stamps the entity with the run
 * queue's next arrival number, so equal passes run in arrival order. They sit in one of two kinds
 * of structure:
 * - a priority group (up to KK_SCHED_STRIDE_GROUPS per queue): a list of entities of one stride in
 *   (pass, arrival) order, joined only at its end (pass not before the last member's). In steady
 *   state that is where a charged entity lands: the members of a group run in turn and each
 *   comes back one slice * stride later, after the others. Joining, leaving and reading the first
 *   member are O(1), and no tree descent (with its mispredicted branches) is paid per switch;
 * - a balanced tree (kk_rb_*) for everything else (a woken entity caught up to the virtual time,
 *   a partial charge, more strides than groups): O(log n) insert and erase.
 * The pick is the smallest (pass, arrival) among the tree's first node and every live group's
 * first member (a bitmap lists the groups; their first passes are cached in the run queue, so the
 * scan reads no entity unless two passes are equal): O(groups) + O(1).
 */
#include "internal.h"

_Static_assert(sizeof(struct kk_sched_stride_rq) <= sizeof(struct kk_sched_mlq_rq),
               "the Stride class must not grow union kk_sched_class_rq");
_Static_assert(sizeof(struct kk_sched_stride_se) <= sizeof(struct kk_sched_fair_se),
               "the Stride state must not grow struct kk_sched_entity");
_Static_assert(KK_SCHED_STRIDE_GROUPS < 32 &&
                   KK_SCHED_STRIDE_GROUPS < (SE_GROUP_MASK >> SE_GROUP_SHIFT),
               "group_mask and the entity's group bits must hold every group");
_Static_assert(KK_SCHED_STRIDE_BIG <= UINT32_MAX, "group_stride[] holds a stride");

#define SS(se)   (&(se)->u.stride)
#define PASS_OFF offsetof(struct kk_sched_entity, u.stride.pass)

static inline uint64_t pass_of(const struct kk_rb_node *n)
{
    return SE_OF_RB(n)->u.stride.pass;
}

static bool pass_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return before64(pass_of(a), pass_of(b));
}

/* @a runs before @b: a smaller pass, or the same pass and an earlier arrival. */
static inline bool se_before(const struct kk_sched_entity *a, const struct kk_sched_entity *b)
{
    return before64(SS(a)->pass, SS(b)->pass) ||
           (SS(a)->pass == SS(b)->pass && SS(a)->seq < SS(b)->seq);
}

static inline struct kk_sched_entity *grp_first(const struct kk_sched_stride_rq *r, uint32_t g)
{
    return SE_OF_LIST(r->group[g].next);
}

static inline struct kk_sched_entity *grp_last(const struct kk_sched_stride_rq *r, uint32_t g)
{
    return SE_OF_LIST(r->group[g].prev);
}

/* The group @se may join at its end: the live group of its stride if its pass is not before the
 * last member's, else a free slot if no live group has its stride, else -1 (the tree). */
static int group_slot(const struct kk_sched_stride_rq *r, const struct kk_sched_entity *se)
{
    uint32_t st = (uint32_t)SS(se)->stride, m, free_mask;
    uint32_t last = (se->flags & SE_LASTG_MASK) >> SE_LASTG_SHIFT;

    if (last < KK_SCHED_STRIDE_GROUPS && r->group_stride[last] == st) /* the group it left */
        return before64(SS(se)->pass, SS(grp_last(r, last))->pass) ? -1 : (int)last;
    for (m = r->group_mask; m != 0; m &= m - 1) {
        uint32_t g = (uint32_t)__builtin_ctz(m);
        if (r->group_stride[g] == st)
            return before64(SS(se)->pass, SS(grp_last(r, g))->pass) ? -1 : (int)g;
    }
    free_mask = ~r->group_mask & ((1u << KK_SCHED_STRIDE_GROUPS) - 1);
    return free_mask != 0 ? __builtin_ctz(free_mask) : -1;
}

/* Queue @se (not queued, its pass final): stamp its arrival, then its group's end or the tree. */
static void queue_insert(struct kk_sched_stride_rq *r, struct kk_sched_entity *se)
{
    int g = group_slot(r, se);

    SS(se)->seq = r->seq++;
    if (g < 0) {
        rb_insert_key(&r->tree, se, PASS_OFF, NULL); /* equal passes after: arrival order */
        return;
    }
    se->flags = (se->flags & ~SE_GROUP_MASK) | ((uint32_t)g + 1) << SE_GROUP_SHIFT;
    if ((r->group_mask >> g & 1u) == 0) { /* the first member */
        r->group_mask |= 1u << g;
        r->group_stride[g] = (uint32_t)SS(se)->stride;
        r->group_first[g] = SS(se)->pass;
        kk_list_init(&r->group[g]);
    }
    kk_list_add_tail(&r->group[g], &se->node.list);
}

static void queue_remove(struct kk_sched_stride_rq *r, struct kk_sched_entity *se)
{
    int g = se_group(se);
    struct kk_list *head;
    bool first;

    if (g < 0) {
        rbi_erase(&r->tree, &se->node.rb, NULL);
        return;
    }
    head = &r->group[g];
    first = head->next == &se->node.list;
    kk_list_del(&se->node.list);
    se->flags = (se->flags & ~(SE_GROUP_MASK | SE_LASTG_MASK)) | (uint32_t)g << SE_LASTG_SHIFT;
    if (kk_list_empty(head)) {
        r->group_mask &= ~(1u << g);
        r->group_stride[g] = 0;
    } else if (first) {
        r->group_first[g] = SS(grp_first(r, (uint32_t)g))->pass;
    }
}

/* The queued entity that runs next (smallest pass, then earliest arrival), or NULL. */
static struct kk_sched_entity *queue_first(const struct kk_sched_stride_rq *r)
{
    struct kk_rb_node *n = kk_rb_first(&r->tree);
    uint32_t m = r->group_mask;
    struct kk_sched_entity *best;
    uint64_t best_p;

    if (n != NULL) {
        best = SE_OF_RB(n);
    } else if (m != 0) {
        best = grp_first(r, (uint32_t)__builtin_ctz(m));
        m &= m - 1;
    } else {
        return NULL;
    }
    best_p = SS(best)->pass;
    for (; m != 0; m &= m - 1) {
        uint32_t g = (uint32_t)__builtin_ctz(m);
        uint64_t p = r->group_first[g];
        if (before64(p, best_p) ||
            (p == best_p && SS(grp_first(r, g))->seq < SS(best)->seq)) { /* the earlier arrival */
            best = grp_first(r, g);
            best_p = p;
        }
    }
    return best;
}

static void stride_init_rq(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    struct kk_sched_stride_rq *r = &crq->stride;

    (void)rq;
    kk_memset(r, 0, sizeof(*r));
    kk_rb_init(&r->tree);
}

static void stride_init_entity(const struct kk_sched *s, struct kk_sched_entity *se)
{
    (void)s;
    se->u.stride.pass = 0;
    se->u.stride.stride = KK_SCHED_STRIDE_BIG / (uint64_t)se->prio;
    se->u.stride.for_prio = se->prio;
    se->u.stride.seq = 0;
}

/* Advance the queue's virtual time to the smallest pass of the runnable entities. */
static void update_vtime(struct kk_sched_rq *rq, struct kk_sched_stride_rq *srq)
{
    const struct kk_sched_entity *first = queue_first(srq);
    const struct kk_sched_entity *curr = rq->curr;
    uint64_t v = 0;
    bool have = false;

    if (curr != NULL && curr->cls == &kk_sched_stride_class) {
        v = curr->u.stride.pass;
        have = true;
    }
    if (first != NULL && (!have || before64(SS(first)->pass, v))) {
        v = SS(first)->pass;
        have = true;
    }
    if (have && before64(srq->vtime, v))
        srq->vtime = v;
}

static void stride_enqueue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                           struct kk_sched_entity *se, unsigned flags)
{
    crq->stride.hint = NULL;
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
    queue_insert(&crq->stride, se);
}

static void stride_dequeue(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                           struct kk_sched_entity *se, unsigned flags)
{
    (void)rq;
    crq->stride.hint = NULL;
    if ((flags & KK_SCHED_DEQ_CURR) == 0)
        queue_remove(&crq->stride, se);
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
    struct kk_sched_entity *se =
        crq->stride.hint != NULL ? crq->stride.hint : queue_first(&crq->stride);

    (void)rq;
    crq->stride.hint = NULL;
    if (se == NULL)
        return NULL;
    queue_remove(&crq->stride, se);
    start_run(&crq->stride, se);
    return se;
}

/* Running entity with a pass below every queued one: it would be picked again. */
static bool stride_keep(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    struct kk_sched_entity *first = queue_first(&crq->stride);

    (void)rq;
    if (first != NULL && !before64(se->u.stride.pass, SS(first)->pass)) {
        /* put_prev stamps @se after @first, whose pass is not above its own: save the pick */
        crq->stride.hint = first;
        return false;
    }
    start_run(&crq->stride, se);
    return true;
}

static void stride_put_prev(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                            struct kk_sched_entity *se)
{
    (void)rq;
    queue_insert(&crq->stride, se);
}

static void stride_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se, uint64_t delta)
{
    (void)rq;
    crq->stride.hint = NULL;
    se->u.stride.pass += delta * se->u.stride.stride; /* <= 2^40 * 2^20 */
    se->u.stride.ran += delta;
}

/* Reschedule after a slice, if someone else is waiting. */
static bool stride_tick(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                        struct kk_sched_entity *se)
{
    return se->u.stride.ran >= se_slice(se, rq_cfg(rq)->stride_slice_ns) &&
           (!kk_rb_empty(&crq->stride.tree) || crq->stride.group_mask != 0);
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

    crq->stride.hint = NULL;
    if (se->u.stride.ran < slice)
        se->u.stride.pass += (slice - se->u.stride.ran) * se->u.stride.stride;
}

/* Last node of the tree at @n that runs before @se, or NULL. O(log n). */
static struct kk_rb_node *tree_last_before(struct kk_rb_node *n, const struct kk_sched_entity *se)
{
    struct kk_rb_node *best = NULL;

    while (n != NULL) {
        if (se_before(SE_OF_RB(n), se)) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

/* The queued entity just before @prev in run order (NULL: the last one), or NULL. O(log n) in
 * the tree; in a group other than @prev's, a walk back over the members after @prev (already
 * offered by migrate_next and not taken). */
static struct kk_sched_entity *queued_before(const struct kk_sched_stride_rq *r,
                                             const struct kk_sched_entity *prev)
{
    int pg = prev != NULL ? se_group(prev) : -1;
    struct kk_rb_node *n;
    struct kk_sched_entity *best;
    uint32_t m;

    if (prev == NULL)
        n = kk_rb_last(&r->tree);
    else if (pg < 0)
        n = kk_rb_prev(&prev->node.rb);
    else
        n = tree_last_before(r->tree.node, prev);
    best = n != NULL ? SE_OF_RB(n) : NULL;
    for (m = r->group_mask; m != 0; m &= m - 1) {
        uint32_t g = (uint32_t)__builtin_ctz(m);
        const struct kk_list *head = &r->group[g], *pos;
        struct kk_sched_entity *se = NULL;
        if (prev != NULL && (int)g == pg) {
            pos = prev->node.list.prev;
            se = pos != head ? SE_OF_LIST(pos) : NULL;
        } else {
            for (pos = head->prev; pos != head; pos = pos->prev)
                if (prev == NULL || se_before(SE_OF_LIST(pos), prev)) {
                    se = SE_OF_LIST(pos);
                    break;
                }
        }
        if (se != NULL && (best == NULL || se_before(best, se)))
            best = se;
    }
    return best;
}

/* Migration candidates from the largest pass (least owed) down. */
static struct kk_sched_entity *stride_migrate_next(struct kk_sched_rq *rq,
                                                   union kk_sched_class_rq *crq,
                                                   struct kk_sched_entity *prev)
{
    (void)rq;
    return queued_before(&crq->stride, prev);
}

/* A queued entity of this queue and class, with its stride up to date, stamped before now. */
static bool se_consistent(const struct kk_sched_rq *rq, const struct kk_sched_stride_rq *r,
                          const struct kk_sched_entity *se)
{
    return se->rq == rq && se != rq->curr && se->cls == &kk_sched_stride_class &&
           se->u.stride.stride == KK_SCHED_STRIDE_BIG / (uint64_t)se->prio && SS(se)->seq < r->seq;
}

/* Group @g: a free slot has stride 0; a live one is non-empty, its first pass cached, its members
 * of its stride, marked as its members, in run order. Returns its size or KK_ECORRUPT. */
static long check_group(const struct kk_sched_rq *rq, const struct kk_sched_stride_rq *r,
                        uint32_t g)
{
    const struct kk_list *head = &r->group[g], *pos;
    const struct kk_sched_entity *prev = NULL;
    long n = 0;

    if ((r->group_mask >> g & 1u) == 0)
        return r->group_stride[g] == 0 ? 0 : KK_ECORRUPT;
    if (head->next == head || r->group_first[g] != SS(grp_first(r, g))->pass)
        return KK_ECORRUPT;
    for (pos = head->next; pos != head; pos = pos->next) {
        const struct kk_sched_entity *se = SE_OF_LIST(pos);
        if (pos->next->prev != pos || !se_consistent(rq, r, se) || se_group(se) != (int)g ||
            SS(se)->stride != r->group_stride[g] || (prev != NULL && !se_before(prev, se)))
            return KK_ECORRUPT;
        prev = se;
        n++;
    }
    return n;
}

static long stride_check(struct kk_sched_rq *rq, union kk_sched_class_rq *crq)
{
    const struct kk_sched_stride_rq *r = &crq->stride;
    long n = kk_rb_check(&r->tree, pass_less, NULL), k;
    const struct kk_rb_node *pos;
    const struct kk_sched_entity *prev = NULL;
    uint32_t g;

    if (n < 0 || (r->group_mask >> KK_SCHED_STRIDE_GROUPS) != 0 || r->hint != NULL)
        return KK_ECORRUPT;
    for (pos = kk_rb_first(&r->tree); pos != NULL; pos = kk_rb_next(pos)) {
        const struct kk_sched_entity *se = SE_OF_RB(pos);
        if (!se_consistent(rq, r, se) || se_group(se) >= 0 ||
            (prev != NULL && !se_before(prev, se)))
            return KK_ECORRUPT;
        prev = se;
    }
    for (g = 0; g < KK_SCHED_STRIDE_GROUPS; g++) {
        if ((k = check_group(rq, r, g)) < 0)
            return KK_ECORRUPT;
        n += k;
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
