/*
 * fair_group.c: the fair class's request-length groups (see fair.c for why they exist).
 *
 * A group holds queued fair entities that share one request length r (virtual ns) and are fresh
 * (deadline = vruntime + r; the running entity may have been charged partway since), in a list
 * ordered by virtual deadline: an entity joins only at the end (its deadline not before the
 * last one's; equal deadlines thus in arrival order), which is where a served request's new
 * deadline lands in steady state. Everything else goes to the augmented tree. A group is created
 * only for a request length seen recently (one of the last four queued with no group): a group
 * costs every pick a test, so a length that only one entity has (every entity its own slice)
 * stays in the tree instead of filling the slots with groups of one. Joining, leaving
 * and reading the first member are O(1) (inline in internal.h); this file finds a slot and walks
 * a group for migration. Up to KK_SCHED_FAIR_GROUPS groups live in struct kk_sched_fair_rq; a
 * slot is free while its bit in group_mask is clear (its length then 0, its list head undefined).
 */
#include "internal.h"

int kk_sched__fair_group_slot(struct kk_sched_fair_rq *f, uint64_t r, uint64_t d)
{
    uint32_t g, m, free_mask;

    if (r - 1 >= UINT32_MAX) /* 0 (a degenerate request) or too long for group_r[] */
        return -1;
    for (m = f->group_mask; m != 0; m &= m - 1) {
        g = (uint32_t)__builtin_ctz(m);
        if (f->group_r[g] == (uint32_t)r)
            return before64(d, FS(group_last(f, g))->deadline) ? -1 : (int)g;
    }
    free_mask = ~f->group_mask & ((1u << KK_SCHED_FAIR_GROUPS) - 1);
    if (free_mask == 0)
        return -1;
    for (g = 0; g < 4 && f->group_seen[g] != (uint32_t)r; g++)
        ;
    if (g == 4) { /* first sighting: no group yet (it would cost every pick for one entity) */
        f->group_seen[f->group_seen_next++ & 3] = (uint32_t)r;
        return -1;
    }
    g = (uint32_t)__builtin_ctz(free_mask);
    f->group_r[g] = (uint32_t)r;
    kk_list_init(&f->group[g].members);
    return (int)g;
}

struct kk_sched_entity *kk_sched__fair_group_last_before(const struct kk_sched_fair_rq *f,
                                                         uint32_t g, uint64_t d, bool inclusive)
{
    const struct kk_list *head = &f->group[g].members, *n;

    for (n = head->prev; n != head; n = n->prev) {
        uint64_t nd = FS(SE_OF_LIST(n))->deadline;
        if (before64(nd, d) || (inclusive && nd == d))
            return SE_OF_LIST(n);
    }
    return NULL;
}

struct kk_rb_node *kk_sched__fair_last_before(const struct kk_rb_root *root, uint64_t d,
                                              bool inclusive)
{
    struct kk_rb_node *n = root->node, *best = NULL;

    while (n != NULL) {
        uint64_t nd = FS(SE_OF_RB(n))->deadline;
        if (before64(nd, d) || (inclusive && nd == d)) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

/* ---- group_order: the live groups by (first deadline, slot) ---- */

#define ORDER_END 0xfu

static inline uint32_t order_at(uint64_t o, uint32_t i)
{
    return (uint32_t)(o >> (4 * i)) & ORDER_END;
}

/* Does live group @a come before live group @b: earlier first deadline, or the same and a lower
 * slot? */
static inline bool order_before(const struct kk_sched_fair_rq *f, uint32_t a, uint32_t b)
{
    uint64_t da = f->group_min_v[a] + f->group_r[a], db = f->group_min_v[b] + f->group_r[b];

    return before64(da, db) || (da == db && a < b);
}

/* Insert @g at its place, searching from position @i (every group before @i precedes @g). */
static void order_insert_from(struct kk_sched_fair_rq *f, uint32_t g, uint32_t i)
{
    uint64_t o = f->group_order, low;
    uint32_t h;

    while (i < KK_SCHED_FAIR_GROUPS && (h = order_at(o, i)) != ORDER_END && order_before(f, h, g))
        i++;
    low = i == 0 ? 0 : o & ((1ull << (4 * i)) - 1);
    f->group_order = low | (uint64_t)g << (4 * i) | (o >> (4 * i)) << (4 * i + 4);
}

/* Take @g out; returns its position. */
static uint32_t order_take(struct kk_sched_fair_rq *f, uint32_t g)
{
    uint64_t o = f->group_order, low;
    uint32_t i = 0;

    while (i < KK_SCHED_FAIR_GROUPS && order_at(o, i) != g)
        i++;
    if (i == KK_SCHED_FAIR_GROUPS) /* not there (a damaged word): nothing to take */
        return 0;
    low = i == 0 ? 0 : o & ((1ull << (4 * i)) - 1);
    f->group_order = low | (o >> (4 * i + 4)) << (4 * i) | (uint64_t)ORDER_END << 60;
    return i;
}

void kk_sched__fair_order_insert(struct kk_sched_fair_rq *f, uint32_t g)
{
    order_insert_from(f, g, 0);
}

void kk_sched__fair_order_later(struct kk_sched_fair_rq *f, uint32_t g)
{
    order_insert_from(f, g, order_take(f, g));
}

void kk_sched__fair_order_remove(struct kk_sched_fair_rq *f, uint32_t g)
{
    (void)order_take(f, g);
}

bool kk_sched__fair_order_ok(const struct kk_sched_fair_rq *f)
{
    uint64_t o = f->group_order;
    uint32_t i, seen = 0, prev = ORDER_END;

    for (i = 0; i < 16; i++) {
        uint32_t g = order_at(o, i);
        if (g == ORDER_END)
            break;
        if (g >= KK_SCHED_FAIR_GROUPS || (seen >> g & 1u) != 0 || (f->group_mask >> g & 1u) == 0 ||
            (prev != ORDER_END && !order_before(f, prev, g)))
            return false;
        seen |= 1u << g;
        prev = g;
    }
    return seen == f->group_mask && (i == 16 || o >> (4 * i) == UINT64_MAX >> (4 * i));
}
