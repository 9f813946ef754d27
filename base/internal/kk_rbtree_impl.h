/*
 * kk_rbtree_impl.h: the AVL tree's insert and erase (see base/rbtree.c), as always-inline
 * functions. base/rbtree.c wraps them as kk_rb_insert_color() and kk_rb_erase(); kernkit's own
 * libraries (sched) include this header so that a constant augmentation callback is inlined
 * into the rebalancing code instead of called through a pointer on every node.
 * Not installed.
 */
#ifndef KK_RBTREE_IMPL_H
#define KK_RBTREE_IMPL_H

#include <kernkit/rbtree.h>

#define RBI_INLINE inline __attribute__((always_inline))

typedef struct kk_rb_node rbi_node;

#define RBI_BF_MASK ((uintptr_t)3)

/* Balance factor: height(right) - height(left), -1..1, stored + 1 in bits 0-1. */
static RBI_INLINE int rbi_bf(const rbi_node *n)
{
    return (int)(n->parent_color & RBI_BF_MASK) - 1;
}

static RBI_INLINE void rbi_set_bf(rbi_node *n, int b)
{
    n->parent_color = (n->parent_color & ~RBI_BF_MASK) | (uintptr_t)(b + 1);
}

static RBI_INLINE void rbi_set_parent(rbi_node *n, rbi_node *p)
{
    n->parent_color = (uintptr_t)p | (n->parent_color & RBI_BF_MASK);
}

/* Make @nw take @old's place in @old's parent (or as root). */
static RBI_INLINE void rbi_replace_child(struct kk_rb_root *root, rbi_node *parent, rbi_node *old,
                                         rbi_node *nw)
{
    if (parent == NULL)
        root->node = nw;
    else if (parent->left == old)
        parent->left = nw;
    else
        parent->right = nw;
}

static RBI_INLINE void rbi_refresh(kk_rb_update_fn update, rbi_node *n)
{
    if (update != NULL)
        update(n);
}

/* Child of @n on side @dir (0 = left, 1 = right). The mirror-image cases of the
 * rebalancing code are written once, for a side and its opposite. */
static RBI_INLINE rbi_node *rbi_child(const rbi_node *n, int dir)
{
    return dir ? n->right : n->left;
}

static RBI_INLINE void rbi_set_child(rbi_node *n, int dir, rbi_node *c)
{
    if (dir)
        n->right = c;
    else
        n->left = c;
}

/* Rotate @x towards side @dir (0 = left rotation): its child on the other side takes its
 * place. Refreshes both nodes' augmented values, lower one first. Balance factors are the
 * caller's. */
static RBI_INLINE void rbi_rotate(struct kk_rb_root *root, rbi_node *x, int dir,
                                  kk_rb_update_fn update)
{
    rbi_node *y = rbi_child(x, !dir);
    rbi_node *p = kk_rb_parent(x);
    rbi_node *m = rbi_child(y, dir);

    rbi_set_child(x, !dir, m);
    if (m != NULL)
        rbi_set_parent(m, x);
    rbi_set_parent(y, p);
    rbi_replace_child(root, p, x, y);
    rbi_set_child(y, dir, x);
    rbi_set_parent(x, y);
    rbi_refresh(update, x);
    rbi_refresh(update, y);
}

/* Refresh augmented values from @n up to the root; stop early if @early and a value is unchanged.
 */
static RBI_INLINE void rbi_propagate(rbi_node *n, kk_rb_update_fn update, bool early)
{
    if (update == NULL)
        return;
    for (; n != NULL; n = kk_rb_parent(n)) {
        if (!update(n) && early)
            return;
    }
}

/* @p is unbalanced by 2 towards side @s (1 = right heavy): rotate it back. Returns the new root
 * of the subtree; *@shrunk tells whether the subtree is now one lower than before the rotation
 * (always after an insert, depends on the heavy child after an erase). */
static RBI_INLINE rbi_node *rbi_rebalance(struct kk_rb_root *root, rbi_node *p, int s,
                                          kk_rb_update_fn update, bool *shrunk)
{
    int sign = s ? 1 : -1;
    rbi_node *c = rbi_child(p, s), *g;
    int bc = rbi_bf(c);

    if (bc != -sign) { /* single rotation */
        rbi_rotate(root, p, !s, update);
        if (bc == 0) { /* erase only: heights stay */
            rbi_set_bf(p, sign);
            rbi_set_bf(c, -sign);
            *shrunk = false;
        } else {
            rbi_set_bf(p, 0);
            rbi_set_bf(c, 0);
            *shrunk = true;
        }
        return c;
    }
    g = rbi_child(c, !s); /* double rotation: the inner grandchild goes up */
    rbi_rotate(root, c, s, update);
    rbi_rotate(root, p, !s, update);
    rbi_set_bf(p, rbi_bf(g) == sign ? -sign : 0);
    rbi_set_bf(c, rbi_bf(g) == -sign ? sign : 0);
    rbi_set_bf(g, 0);
    *shrunk = true;
    return g;
}

static RBI_INLINE void rbi_insert_color(struct kk_rb_root *root, rbi_node *z, bool leftmost,
                                        kk_rb_update_fn update)
{
    rbi_node *c = z, *p;
    bool shrunk;

    if (leftmost)
        root->leftmost = z;
    rbi_refresh(update, z);
    rbi_propagate(kk_rb_parent(z), update, true);
    /* retrace: the subtree at c grew by one */
    for (p = kk_rb_parent(c); p != NULL; c = p, p = kk_rb_parent(c)) {
        int s = c == p->right;
        int b = rbi_bf(p) + (s ? 1 : -1);
        if (b == 0) {
            rbi_set_bf(p, 0);
            return;
        }
        if (b == 1 || b == -1) {
            rbi_set_bf(p, b);
            continue;
        }
        rbi_rebalance(root, p, s, update, &shrunk); /* back to the height before the insert */
        return;
    }
}

/* Retrace after an erase: the subtree on side @s of @p is one lower. */
static RBI_INLINE void rbi_erase_retrace(struct kk_rb_root *root, rbi_node *p, int s,
                                         kk_rb_update_fn update)
{
    while (p != NULL) {
        int b = rbi_bf(p) + (s ? -1 : 1);
        rbi_node *top = p, *up;
        bool shrunk = true;
        if (b == 1 || b == -1) {
            rbi_set_bf(p, b); /* was balanced: height unchanged */
            return;
        }
        if (b == 0)
            rbi_set_bf(p, 0); /* the taller side shrank: so did p */
        else
            top = rbi_rebalance(root, p, b > 0, update, &shrunk);
        if (!shrunk)
            return;
        up = kk_rb_parent(top);
        if (up != NULL)
            s = top == up->right;
        p = up;
    }
}

/* Refresh augmented values after an erase. @xp: parent of the removed position; @top: the
 * successor now at the erased node's place (two-children case) or NULL. Every node from @xp up
 * to @top lost the successor and @top got new children, so all of them are refreshed; above
 * that (or above @xp in the simple case) a node's value can only change if its child's did. */
static RBI_INLINE void rbi_erase_propagate(rbi_node *xp, rbi_node *top, kk_rb_update_fn update)
{
    rbi_node *n = xp;

    if (top != NULL) {
        for (;;) {
            update(n);
            if (n == top)
                break;
            n = kk_rb_parent(n);
        }
        n = kk_rb_parent(top);
    }
    rbi_propagate(n, update, true);
}

/* In-order neighbour of @n: successor for @dir = 1, predecessor for @dir = 0. */
static RBI_INLINE rbi_node *rbi_step(const rbi_node *n, int dir)
{
    rbi_node *p;

    if (rbi_child(n, dir) != NULL) {
        n = rbi_child(n, dir);
        while (rbi_child(n, !dir) != NULL)
            n = rbi_child(n, !dir);
        return (rbi_node *)n;
    }
    while ((p = kk_rb_parent(n)) != NULL && n == rbi_child(p, dir))
        n = p;
    return p;
}

static RBI_INLINE void rbi_erase(struct kk_rb_root *root, rbi_node *z, kk_rb_update_fn update)
{
    rbi_node *zp = kk_rb_parent(z);
    rbi_node *x, *xp, *y, *top = NULL;
    int side;

    if (root->leftmost == z)
        root->leftmost = rbi_step(z, 1);
    if (z->left == NULL || z->right == NULL) {
        x = z->left != NULL ? z->left : z->right;
        xp = zp;
        side = zp != NULL && zp->right == z;
        if (x != NULL)
            rbi_set_parent(x, zp);
        rbi_replace_child(root, zp, z, x);
    } else {
        y = z->right;
        while (y->left != NULL)
            y = y->left;
        top = y;
        x = y->right;
        if (kk_rb_parent(y) == z) {
            xp = y;
            side = 1;
        } else {
            xp = kk_rb_parent(y);
            side = 0;
            xp->left = x;
            if (x != NULL)
                rbi_set_parent(x, xp);
            y->right = z->right;
            rbi_set_parent(z->right, y);
        }
        y->left = z->left;
        rbi_set_parent(z->left, y);
        y->parent_color = z->parent_color; /* z's parent and balance */
        rbi_replace_child(root, zp, z, y);
    }
    if (update != NULL && xp != NULL)
        rbi_erase_propagate(xp, top, update);
    rbi_erase_retrace(root, xp, side, update);
}

#endif
