/*
 * fair_group.c: the fair class's request-length groups (see fair.c for why they exist).
 *
 * A group holds queued fair entities that share one request length r (virtual ns) in a plain
 * balanced tree ordered by virtual deadline (equal deadlines in arrival order), with the first
 * (root->leftmost) and last nodes cached. Members arrive at the right end in the common case (a
 * served request's new deadline is the latest of its group), so an insert there is O(1)
 * amortised; erasing the first node is too. No augmentation: the fair class reads only the
 * first member (and, for the running entity, its successor). Up to KK_SCHED_FAIR_GROUPS groups
 * live in struct kk_sched_fair_rq; a slot is free while its bit in group_mask is clear.
 *
 * The caller (fair.c) decides who may join a group and keeps S, W and zero_v; these functions
 * only maintain the trees, the caches, the bitmap and the entity's group bits in se->flags.
 */
#include "internal.h"

int kk_sched__fair_group_slot(struct kk_sched_fair_rq *f, uint64_t r)
{
    uint32_t g, free_mask;

    if ((r >> 32) != 0)
        return -1;
    for (g = 0; g < KK_SCHED_FAIR_GROUPS; g++) {
        if ((f->group_mask >> g & 1u) != 0 && f->group_r[g] == (uint32_t)r)
            return (int)g;
    }
    free_mask = ~f->group_mask & ((1u << KK_SCHED_FAIR_GROUPS) - 1);
    if (free_mask == 0)
        return -1;
    g = (uint32_t)__builtin_ctz(free_mask);
    f->group_r[g] = (uint32_t)r;
    return (int)g;
}

void kk_sched__fair_group_insert(struct kk_sched_fair_rq *f, int g, struct kk_sched_entity *se)
{
    struct kk_sched_fair_group *grp = &f->group[g];
    struct kk_rb_node *n = &se->node.rb, *last = grp->last;

    se->flags = (se->flags & ~SE_GROUP_MASK) | (uint32_t)(g + 1) << SE_GROUP_SHIFT;
    if (last == NULL) { /* empty: the slot comes alive */
        kk_rb_link(n, NULL, &grp->tree.node);
        grp->tree.leftmost = n;
        grp->last = n;
        f->group_mask |= 1u << g;
        return;
    }
    if (!before64(FS(se)->deadline, FS(SE_OF_RB(last))->deadline)) { /* at the right end */
        kk_rb_link(n, last, &last->right);
        grp->last = n;
        rbi_insert_color(&grp->tree, n, false, NULL);
        return;
    }
    rb_insert_key(&grp->tree, se, DEADLINE_OFF, NULL);
}

void kk_sched__fair_group_erase(struct kk_sched_fair_rq *f, struct kk_sched_entity *se)
{
    int g = se_group(se);
    struct kk_sched_fair_group *grp = &f->group[g];
    struct kk_rb_node *n = &se->node.rb;

    if (grp->last == n)
        grp->last = rbi_step(n, 0);
    rbi_erase(&grp->tree, n, NULL);
    if (grp->tree.node == NULL)
        f->group_mask &= ~(1u << g);
    se->flags &= ~SE_GROUP_MASK;
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
