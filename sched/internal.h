/*
 * internal.h: helpers shared by the sched/ sources (not installed).
 *
 * Wrap-safe time comparison, overflow-safe multiply/divide without 128-bit
 * types (i386 has no __int128), the list-queue helpers FIFO, RR and MLQ share,
 * and the entry points the core calls in the fair and EDF classes.
 */
#ifndef KK_SCHED_INTERNAL_H
#define KK_SCHED_INTERNAL_H

#include <kernkit/sched.h>

#include <kk_rbtree_impl.h>
#include <kk_util.h>

/* Entity flags (se->flags). */
#define SE_YIELDED    0x1u /* yield pending: put_prev goes to the back */
#define SE_SLICE_DONE 0x2u /* fair: request served since the pick */
/* fair and Stride: bits 8-15 hold 1 + the index of the queued entity's group (fair: request
 * length, Stride: stride), 0 = the class's tree */
#define SE_GROUP_SHIFT 8
#define SE_GROUP_MASK  (0xffu << SE_GROUP_SHIFT)
/* Stride: bits 16-23 hold the index of the group the entity last left (a hint, checked on use) */
#define SE_LASTG_SHIFT 16
#define SE_LASTG_MASK  (0xffu << SE_LASTG_SHIFT)

#define SE_OF_LIST(n) container_of(n, struct kk_sched_entity, node.list)
#define SE_OF_RB(n)   container_of(n, struct kk_sched_entity, node.rb)

/* Longest CPU time charged at once (about 18 minutes); keeps products in 64 bits. */
#define MAX_CHARGE_NS (1ull << 40)

/* a < b for values that may wrap, as long as they are within 2^63 of each other. */
static inline bool before64(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* 64 x 64 -> 128-bit product as (hi, lo), portable (no __int128). */
static inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* a * b / c, rounded down, saturating at UINT64_MAX; c must not be 0. */
static inline uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t hi, lo, q = 0;
    int i;

    if ((a | b) >> 32 == 0)
        return a * b / c;
    mul64(a, b, &hi, &lo);
    if (hi == 0)
        return lo / c;
    if (hi >= c)
        return UINT64_MAX;
    for (i = 0; i < 64; i++) { /* long division of (hi:lo) by c, hi < c */
        uint64_t top = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        q <<= 1;
        if (top || hi >= c) {
            hi -= c;
            q |= 1;
        }
    }
    return q;
}

/* Signed a * b / c (c > 0), rounding toward zero, saturating. */
static inline int64_t mul_div_s64(int64_t a, uint64_t b, uint64_t c)
{
    uint64_t mag = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
    uint64_t r = mul_div_u64(mag, b, c);

    if (r > (uint64_t)INT64_MAX)
        r = (uint64_t)INT64_MAX;
    return a < 0 ? -(int64_t)r : (int64_t)r;
}

static inline const struct kk_sched_config *rq_cfg(const struct kk_sched_rq *rq)
{
    return &rq->sched->cfg;
}

/* Slice of @se: its own request, or @dflt. */
static inline uint64_t se_slice(const struct kk_sched_entity *se, uint64_t dflt)
{
    return se->slice_ns != 0 ? se->slice_ns : dflt;
}

/* Give a list entity a fresh slice if it has none, or more than its (new) slice. */
static inline void list_refill(struct kk_sched_entity *se, uint64_t slice)
{
    if (se->u.rr.slice_left == 0 || se->u.rr.slice_left > slice)
        se->u.rr.slice_left = slice;
}

/* Put a list entity back after running: a preempted one with slice left keeps the
 * head (its place), one that used its slice or yielded goes to the tail. */
static inline void list_put_prev(struct kk_list *head, struct kk_sched_entity *se, uint64_t slice)
{
    if (se->u.rr.slice_left == 0 || (se->flags & SE_YIELDED) != 0) {
        se->u.rr.slice_left = slice;
        kk_list_add_tail(head, &se->node.list);
    } else {
        kk_list_add(head, &se->node.list);
    }
}

/* Would list_put_prev() + taking the head give @se back? (Refills its slice if so.) */
static inline bool list_keep(const struct kk_list *head, struct kk_sched_entity *se, uint64_t slice)
{
    if (se->u.rr.slice_left != 0)
        return true;
    if (!kk_list_empty(head))
        return false;
    se->u.rr.slice_left = slice;
    return true;
}

/* Charge a list entity's slice. */
static inline void list_charge(struct kk_sched_entity *se, uint64_t delta)
{
    se->u.rr.slice_left = delta >= se->u.rr.slice_left ? 0 : se->u.rr.slice_left - delta;
}

/* The shared list charge (RR, MLQ): the core calls list_charge() directly when a class's
 * charge is this function, saving an indirect call per charge (see CALL_KNOWN). */
void kk_sched_list_charge(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se, uint64_t delta);

/* MLQ: does the newly runnable @se preempt @curr (a higher level, i.e. a lower number)? */
static inline bool mlq_preempts(const struct kk_sched_entity *curr,
                                const struct kk_sched_entity *se)
{
    return se->prio < curr->prio;
}

/* MLQ wakeup_preempt; the core inlines mlq_preempts() when it sees this function. */
bool kk_sched_mlq_wakeup_preempt(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                 struct kk_sched_entity *curr, struct kk_sched_entity *se);

/* Insert @se into @root ordered (wrap-safe) by the 64-bit key at byte offset @off of the entity;
 * equal keys go after existing ones. Always inline, with the tree's rebalancing: the key load is
 * not an indirect call per level, and a constant @update is inlined into the retrace. */
static RBI_INLINE void rb_insert_key(struct kk_rb_root *root, struct kk_sched_entity *se,
                                     size_t off, kk_rb_update_fn update)
{
    struct kk_rb_node **link = &root->node, *parent = NULL;
    uint64_t key = *(const uint64_t *)(const void *)((const char *)se + off);
    bool leftmost = true;

    while (*link != NULL) {
        const char *pe;
        bool lt;
        parent = *link;
        pe = (const char *)SE_OF_RB(parent);
        lt = before64(key, *(const uint64_t *)(const void *)(pe + off));
        leftmost = leftmost & lt;
        link = lt ? &parent->left : &parent->right;
    }
    kk_rb_link(&se->node.rb, parent, link);
    rbi_insert_color(root, &se->node.rb, leftmost, update);
}

/* ---- fair class: request-length groups (fair_group.c) ---- */

#define FS(se)       (&(se)->u.fair)
#define DEADLINE_OFF offsetof(struct kk_sched_entity, u.fair.deadline)

/* Group of a queued fair or Stride entity, or -1 if it is in its class's tree. */
static inline int se_group(const struct kk_sched_entity *se)
{
    return (int)((se->flags & SE_GROUP_MASK) >> SE_GROUP_SHIFT) - 1;
}

/* First member of live group @g (the earliest deadline). */
static inline struct kk_sched_entity *group_first(const struct kk_sched_fair_rq *f, uint32_t g)
{
    return SE_OF_LIST(f->group[g].members.next);
}

/* Last member of live group @g (the latest deadline). */
static inline struct kk_sched_entity *group_last(const struct kk_sched_fair_rq *f, uint32_t g)
{
    return SE_OF_LIST(f->group[g].members.prev);
}

/* Member after @se in group @g, or NULL. */
static inline struct kk_sched_entity *group_next(const struct kk_sched_fair_rq *f, uint32_t g,
                                                 const struct kk_sched_entity *se)
{
    const struct kk_list *n = se->node.list.next;
    return n != &f->group[g].members ? SE_OF_LIST(n) : NULL;
}

/* Group @se (deadline @d, request length @r) may join at the end: the live group of length @r if
 * @d is not before its last deadline, else a free slot (taken: its length set, its list empty),
 * else -1 (also when @r is 0 or does not fit in 32 bits). */
int kk_sched__fair_group_slot(struct kk_sched_fair_rq *f, uint64_t r, uint64_t d);

/* group_order (the live groups by first deadline, then slot; 4 bits each, 0xf after the last):
 * insert live group @g; move @g (in it) later after its first deadline grew; remove @g. */
void kk_sched__fair_order_insert(struct kk_sched_fair_rq *f, uint32_t g);
void kk_sched__fair_order_later(struct kk_sched_fair_rq *f, uint32_t g);
void kk_sched__fair_order_remove(struct kk_sched_fair_rq *f, uint32_t g);
/* Does group_order list exactly the live groups, in order, with 0xf after them? */
bool kk_sched__fair_order_ok(const struct kk_sched_fair_rq *f);

/* Append @se to group @g (slot from kk_sched__fair_group_slot()). */
static inline void group_append(struct kk_sched_fair_rq *f, uint32_t g, struct kk_sched_entity *se)
{
    se->flags = (se->flags & ~SE_GROUP_MASK) | (g + 1) << SE_GROUP_SHIFT;
    kk_list_add_tail(&f->group[g].members, &se->node.list);
    if ((f->group_mask >> g & 1u) == 0) { /* the first member */
        f->group_mask |= 1u << g;
        f->group_min_v[g] = FS(se)->deadline - f->group_r[g];
        kk_sched__fair_order_insert(f, g);
    }
}

/* Remove @se from its group (the slot frees when the group empties). */
static inline void group_erase(struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    uint32_t g = (uint32_t)se_group(se);
    struct kk_list *head = &f->group[g].members;
    bool first = head->next == &se->node.list;

    kk_list_del(&se->node.list);
    se->flags &= ~SE_GROUP_MASK;
    if (kk_list_empty(head)) {
        kk_sched__fair_order_remove(f, g);
        f->group_mask &= ~(1u << g);
        f->group_r[g] = 0;
    } else if (first) {
        f->group_min_v[g] = FS(group_first(f, g))->deadline - f->group_r[g];
        kk_sched__fair_order_later(f, g);
    }
}

/* Member of live group @g with the latest deadline before @d (or at @d too if @inclusive), or
 * NULL; walks back from the last member. */
struct kk_sched_entity *kk_sched__fair_group_last_before(const struct kk_sched_fair_rq *f,
                                                         uint32_t g, uint64_t d, bool inclusive);

/* Node with the latest deadline before @d (or at @d too if @inclusive) in @root, a tree ordered by
 * deadline, or NULL. O(log n). */
struct kk_rb_node *kk_sched__fair_last_before(const struct kk_rb_root *root, uint64_t d,
                                              bool inclusive);

/* Count a list and check its links; -1 if broken or an entity points elsewhere. */
long kk_sched_list_check(struct kk_sched_rq *rq, const struct kk_list *head,
                         const struct kk_sched_class *cls);

/* Fair class: lag of a runnable entity in ns of service. */
int64_t kk_sched_fair_lag_ns(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                             const struct kk_sched_entity *se);

/* Index of @cls in @s's stack, or -1. */
int kk_sched_class_index(const struct kk_sched *s, const struct kk_sched_class *cls);

#endif
