/*
 * rbtree.c: intrusive red-black tree (see include/kernkit/rbtree.h).
 *
 * Owns nothing: nodes live in the caller's objects. Promises: every
 * operation is iterative (bounded stack use, fit for a kernel stack), insert
 * and erase are O(log n), the leftmost node is cached, and the augmentation
 * callback sees every node whose subtree changed. The caller serialises
 * access and must not pass a node that is not in the given tree.
 *
 * Colour lives in bit 0 of parent_color (0 = red, 1 = black); nodes are at
 * least pointer aligned so the bit is free.
 */
#include <kernkit/rbtree.h>

#include <kk_util.h>

#define RB_RED   0u
#define RB_BLACK 1u

typedef struct kk_rb_node node_t;

static inline bool is_black(const node_t *n)
{
    return n == NULL || (n->parent_color & 1u) != 0;
}

static inline bool is_red(const node_t *n)
{
    return !is_black(n);
}

static inline void set_color(node_t *n, unsigned c)
{
    n->parent_color = (n->parent_color & ~(uintptr_t)1) | c;
}

static inline void set_parent(node_t *n, node_t *p)
{
    n->parent_color = (uintptr_t)p | (n->parent_color & 1u);
}

/* Make @nw take @old's place in @old's parent (or as root). */
static void replace_child(struct kk_rb_root *root, node_t *parent, node_t *old, node_t *nw)
{
    if (parent == NULL)
        root->node = nw;
    else if (parent->left == old)
        parent->left = nw;
    else
        parent->right = nw;
}

static inline void refresh(kk_rb_update_fn update, node_t *n)
{
    if (update != NULL)
        update(n);
}

/* Child of @n on side @dir (0 = left, 1 = right). The mirror-image cases of the
 * rebalancing code are written once, for a side and its opposite. */
static inline node_t *child(const node_t *n, int dir)
{
    return dir ? n->right : n->left;
}

static inline void set_child(node_t *n, int dir, node_t *c)
{
    if (dir)
        n->right = c;
    else
        n->left = c;
}

/* Rotate @x towards side @dir (0 = left rotation): its child on the other side takes its
 * place. Refreshes both nodes' augmented values, lower one first. */
static void rotate(struct kk_rb_root *root, node_t *x, int dir, kk_rb_update_fn update)
{
    node_t *y = child(x, !dir);
    node_t *p = kk_rb_parent(x);
    node_t *m = child(y, dir);

    set_child(x, !dir, m);
    if (m != NULL)
        set_parent(m, x);
    set_parent(y, p);
    replace_child(root, p, x, y);
    set_child(y, dir, x);
    set_parent(x, y);
    refresh(update, x);
    refresh(update, y);
}

/* Refresh augmented values from @n up to the root; stop early if @early and a value is unchanged.
 */
static void propagate(node_t *n, kk_rb_update_fn update, bool early)
{
    if (update == NULL)
        return;
    for (; n != NULL; n = kk_rb_parent(n)) {
        if (!update(n) && early)
            return;
    }
}

void kk_rb_insert_color(struct kk_rb_root *root, node_t *z, bool leftmost, kk_rb_update_fn update)
{
    node_t *p, *g, *u;

    if (leftmost)
        root->leftmost = z;
    refresh(update, z);
    propagate(kk_rb_parent(z), update, true);
    while ((p = kk_rb_parent(z)) != NULL && is_red(p)) {
        int side;
        g = kk_rb_parent(p); /* exists: a red node is never the root */
        side = p == g->right;
        u = child(g, !side);
        if (is_red(u)) {
            set_color(p, RB_BLACK);
            set_color(u, RB_BLACK);
            set_color(g, RB_RED);
            z = g;
            continue;
        }
        if (z == child(p, !side)) {
            rotate(root, p, side, update);
            z = p;
            p = kk_rb_parent(z);
        }
        set_color(p, RB_BLACK);
        set_color(g, RB_RED);
        rotate(root, g, !side, update);
    }
    set_color(root->node, RB_BLACK);
}

void kk_rb_insert(struct kk_rb_root *root, node_t *node, kk_rb_less_fn less, kk_rb_update_fn update)
{
    node_t **link = &root->node;
    node_t *parent = NULL;
    bool leftmost = true;

    while (*link != NULL) {
        parent = *link;
        if (less(node, parent)) {
            link = &parent->left;
        } else {
            link = &parent->right;
            leftmost = false;
        }
    }
    kk_rb_link(node, parent, link);
    kk_rb_insert_color(root, node, leftmost, update);
}

/* Restore the colour rules after removing a black node; @x (maybe NULL) is
 * the child that took its place, @xp the parent of that position. */
static void erase_fixup(struct kk_rb_root *root, node_t *x, node_t *xp, kk_rb_update_fn update)
{
    node_t *w;

    while (x != root->node && is_black(x)) {
        int side = x != xp->left; /* x may be NULL: then it is the empty side */
        w = child(xp, !side);     /* exists: x's side is one black short */
        if (is_red(w)) {
            set_color(w, RB_BLACK);
            set_color(xp, RB_RED);
            rotate(root, xp, side, update);
            w = child(xp, !side);
        }
        if (is_black(w->left) && is_black(w->right)) {
            set_color(w, RB_RED);
            x = xp;
            xp = kk_rb_parent(x);
            continue;
        }
        if (is_black(child(w, !side))) {
            set_color(child(w, side), RB_BLACK);
            set_color(w, RB_RED);
            rotate(root, w, !side, update);
            w = child(xp, !side);
        }
        set_color(w, (unsigned)(xp->parent_color & 1u));
        set_color(xp, RB_BLACK);
        set_color(child(w, !side), RB_BLACK);
        rotate(root, xp, side, update);
        x = root->node;
        break;
    }
    if (x != NULL)
        set_color(x, RB_BLACK);
}

/* Refresh augmented values after an erase. @xp: parent of the removed position; @top: the
 * successor now at the erased node's place (two-children case) or NULL. Every node from @xp up
 * to @top lost the successor and @top got new children, so all of them are refreshed; above
 * that (or above @xp in the simple case) a node's value can only change if its child's did. */
static void erase_propagate(node_t *xp, node_t *top, kk_rb_update_fn update)
{
    node_t *n = xp;

    if (top != NULL) {
        for (;;) {
            update(n);
            if (n == top)
                break;
            n = kk_rb_parent(n);
        }
        n = kk_rb_parent(top);
    }
    propagate(n, update, true);
}

void kk_rb_erase(struct kk_rb_root *root, node_t *z, kk_rb_update_fn update)
{
    node_t *zp = kk_rb_parent(z);
    node_t *x, *xp, *y, *top = NULL;
    unsigned removed = (unsigned)(z->parent_color & 1u);

    if (root->leftmost == z)
        root->leftmost = kk_rb_next(z);
    if (z->left == NULL || z->right == NULL) {
        x = z->left != NULL ? z->left : z->right;
        xp = zp;
        if (x != NULL)
            set_parent(x, zp);
        replace_child(root, zp, z, x);
    } else {
        y = z->right;
        while (y->left != NULL)
            y = y->left;
        removed = (unsigned)(y->parent_color & 1u);
        top = y;
        x = y->right;
        if (kk_rb_parent(y) == z) {
            xp = y;
        } else {
            xp = kk_rb_parent(y);
            xp->left = x;
            if (x != NULL)
                set_parent(x, xp);
            y->right = z->right;
            set_parent(z->right, y);
        }
        y->left = z->left;
        set_parent(z->left, y);
        y->parent_color = z->parent_color; /* z's parent and colour */
        replace_child(root, zp, z, y);
    }
    if (update != NULL)
        erase_propagate(xp, top, update);
    if (removed == RB_BLACK)
        erase_fixup(root, x, xp, update);
}

struct kk_rb_node *kk_rb_last(const struct kk_rb_root *root)
{
    node_t *n = root->node;

    if (n == NULL)
        return NULL;
    while (n->right != NULL)
        n = n->right;
    return n;
}

/* In-order neighbour of @n: successor for @dir = 1, predecessor for @dir = 0. */
static node_t *step(const node_t *n, int dir)
{
    node_t *p;

    if (child(n, dir) != NULL) {
        n = child(n, dir);
        while (child(n, !dir) != NULL)
            n = child(n, !dir);
        return (node_t *)n;
    }
    while ((p = kk_rb_parent(n)) != NULL && n == child(p, dir))
        n = p;
    return p;
}

struct kk_rb_node *kk_rb_next(const node_t *n)
{
    return step(n, 1);
}

struct kk_rb_node *kk_rb_prev(const node_t *n)
{
    return step(n, 0);
}

/* Number of black nodes from @n up to the root, both included. */
static long black_depth(const node_t *n)
{
    long d = 0;

    for (; n != NULL; n = kk_rb_parent(n))
        d += is_black(n) ? 1 : 0;
    return d;
}

/* Local structure of one node: links, colours, black height at NULL children. */
static bool node_ok(const struct kk_rb_root *root, const node_t *n, long *bh)
{
    const node_t *p = kk_rb_parent(n);

    if ((p == NULL) != (n == root->node))
        return false;
    if (p != NULL && p->left != n && p->right != n)
        return false;
    if (is_red(n) && (is_red(n->left) || is_red(n->right) || p == NULL))
        return false;
    if (n->left == NULL || n->right == NULL) {
        long d = black_depth(n);
        if (*bh < 0)
            *bh = d;
        else if (*bh != d)
            return false;
    }
    return true;
}

/* Post-order walk calling @update on every node; false if any value was stale. */
static bool augment_ok(const struct kk_rb_root *root, kk_rb_update_fn update)
{
    node_t *n = root->node, *p;
    bool ok = true;

    if (n == NULL)
        return true;
    for (;;) {
        while (n->left != NULL || n->right != NULL)
            n = n->left != NULL ? n->left : n->right;
        for (;;) { /* n: both subtrees done */
            if (update(n))
                ok = false;
            p = kk_rb_parent(n);
            if (p == NULL)
                return ok;
            if (n == p->left && p->right != NULL) {
                n = p->right;
                break;
            }
            n = p;
        }
    }
}

long kk_rb_check(const struct kk_rb_root *root, kk_rb_less_fn less, kk_rb_update_fn update)
{
    const node_t *n, *prev = NULL, *first = NULL;
    long count = 0, bh = -1;

    if (root->node != NULL) {
        first = root->node;
        while (first->left != NULL)
            first = first->left;
        if (is_red(root->node))
            return KK_ECORRUPT;
    }
    if (root->leftmost != first)
        return KK_ECORRUPT;
    for (n = first; n != NULL; n = kk_rb_next(n)) {
        if (!node_ok(root, n, &bh))
            return KK_ECORRUPT;
        if (less != NULL && prev != NULL && less(n, prev))
            return KK_ECORRUPT;
        prev = n;
        count++;
    }
    if (update != NULL && !augment_ok(root, update))
        return KK_ECORRUPT;
    return count;
}
