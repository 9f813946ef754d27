/*
 * rbtree.c: intrusive balanced (AVL) search tree (see include/kernkit/rbtree.h).
 *
 * Owns nothing: nodes live in the caller's objects. Promises: every
 * operation is iterative (bounded stack use, fit for a kernel stack), insert
 * and erase are O(log n), the leftmost node is cached, and the augmentation
 * callback sees every node whose subtree changed. The caller serialises
 * access and must not pass a node that is not in the given tree.
 *
 * The tree is an AVL tree (the kk_rb_* names are kept for API stability): its
 * height is at most 1.44 log2(n + 2), against 2 log2(n + 1) for a red-black
 * tree, and the keys schedulers insert (growing passes and deadlines) leave a
 * red-black tree near that bound on its right side, so descents are about a
 * third shorter. The balance factor (height of the right subtree minus the
 * left one, -1..1) lives + 1 in bits 0-1 of parent_color; nodes are at least
 * pointer aligned so the bits are free. Insert rotates at most twice; erase
 * may rotate on every level of the path, O(log n).
 */
#include <kernkit/rbtree.h>

#include <kk_util.h>

typedef struct kk_rb_node node_t;

#define BF_MASK ((uintptr_t)3)

/* Balance factor: height(right) - height(left), -1..1, stored + 1 in bits 0-1. */
static inline int bf(const node_t *n)
{
    return (int)(n->parent_color & BF_MASK) - 1;
}

static inline void set_bf(node_t *n, int b)
{
    n->parent_color = (n->parent_color & ~BF_MASK) | (uintptr_t)(b + 1);
}

static inline void set_parent(node_t *n, node_t *p)
{
    n->parent_color = (uintptr_t)p | (n->parent_color & BF_MASK);
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
 * place. Refreshes both nodes' augmented values, lower one first. Balance factors are the
 * caller's. */
static inline void rotate(struct kk_rb_root *root, node_t *x, int dir, kk_rb_update_fn update)
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

/* @p is unbalanced by 2 towards side @s (1 = right heavy): rotate it back. Returns the new root
 * of the subtree; *@shrunk tells whether the subtree is now one lower than before the rotation
 * (always after an insert, depends on the heavy child after an erase). */
static inline node_t *rebalance(struct kk_rb_root *root, node_t *p, int s, kk_rb_update_fn update,
                                bool *shrunk)
{
    int sign = s ? 1 : -1;
    node_t *c = child(p, s), *g;
    int bc = bf(c);

    if (bc != -sign) { /* single rotation */
        rotate(root, p, !s, update);
        if (bc == 0) { /* erase only: heights stay */
            set_bf(p, sign);
            set_bf(c, -sign);
            *shrunk = false;
        } else {
            set_bf(p, 0);
            set_bf(c, 0);
            *shrunk = true;
        }
        return c;
    }
    g = child(c, !s); /* double rotation: the inner grandchild goes up */
    rotate(root, c, s, update);
    rotate(root, p, !s, update);
    set_bf(p, bf(g) == sign ? -sign : 0);
    set_bf(c, bf(g) == -sign ? sign : 0);
    set_bf(g, 0);
    *shrunk = true;
    return g;
}

void kk_rb_insert_color(struct kk_rb_root *root, node_t *z, bool leftmost, kk_rb_update_fn update)
{
    node_t *c = z, *p;
    bool shrunk;

    if (leftmost)
        root->leftmost = z;
    refresh(update, z);
    propagate(kk_rb_parent(z), update, true);
    /* retrace: the subtree at c grew by one */
    for (p = kk_rb_parent(c); p != NULL; c = p, p = kk_rb_parent(c)) {
        int s = c == p->right;
        int b = bf(p) + (s ? 1 : -1);
        if (b == 0) {
            set_bf(p, 0);
            return;
        }
        if (b == 1 || b == -1) {
            set_bf(p, b);
            continue;
        }
        rebalance(root, p, s, update, &shrunk); /* back to the height before the insert */
        return;
    }
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

/* Retrace after an erase: the subtree on side @s of @p is one lower. */
static void erase_retrace(struct kk_rb_root *root, node_t *p, int s, kk_rb_update_fn update)
{
    while (p != NULL) {
        int b = bf(p) + (s ? -1 : 1);
        node_t *top = p, *up;
        bool shrunk = true;
        if (b == 1 || b == -1) {
            set_bf(p, b); /* was balanced: height unchanged */
            return;
        }
        if (b == 0)
            set_bf(p, 0); /* the taller side shrank: so did p */
        else
            top = rebalance(root, p, b > 0, update, &shrunk);
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
    int side;

    if (root->leftmost == z)
        root->leftmost = kk_rb_next(z);
    if (z->left == NULL || z->right == NULL) {
        x = z->left != NULL ? z->left : z->right;
        xp = zp;
        side = zp != NULL && zp->right == z;
        if (x != NULL)
            set_parent(x, zp);
        replace_child(root, zp, z, x);
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
                set_parent(x, xp);
            y->right = z->right;
            set_parent(z->right, y);
        }
        y->left = z->left;
        set_parent(z->left, y);
        y->parent_color = z->parent_color; /* z's parent and balance */
        replace_child(root, zp, z, y);
    }
    if (update != NULL && xp != NULL)
        erase_propagate(xp, top, update);
    erase_retrace(root, xp, side, update);
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

/* Height of the subtree @n, trusting the balance factors below it: follow the taller side. */
static long height(const node_t *n)
{
    long h = 0;

    for (; n != NULL; n = bf(n) > 0 ? n->right : n->left)
        h++;
    return h;
}

/* Local structure of one node: links, and a balance factor in -1..1 equal to the height
 * difference of its subtrees (checked for every node, bottom-up induction makes the
 * trusted heights true). */
static bool node_ok(const struct kk_rb_root *root, const node_t *n)
{
    const node_t *p = kk_rb_parent(n);
    int b = bf(n);

    if ((p == NULL) != (n == root->node))
        return false;
    if (p != NULL && p->left != n && p->right != n)
        return false;
    if (b < -1 || b > 1)
        return false;
    return height(n->right) - height(n->left) == b;
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
    long count = 0;

    if (root->node != NULL) {
        first = root->node;
        while (first->left != NULL)
            first = first->left;
    }
    if (root->leftmost != first)
        return KK_ECORRUPT;
    for (n = first; n != NULL; n = kk_rb_next(n)) {
        if (!node_ok(root, n))
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
