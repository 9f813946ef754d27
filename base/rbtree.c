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
#include <kk_rbtree_impl.h>

typedef struct kk_rb_node node_t;

void kk_rb_insert_color(struct kk_rb_root *root, node_t *z, bool leftmost, kk_rb_update_fn update)
{
    rbi_insert_color(root, z, leftmost, update);
}

void kk_rb_erase(struct kk_rb_root *root, node_t *z, kk_rb_update_fn update)
{
    rbi_erase(root, z, update);
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

struct kk_rb_node *kk_rb_last(const struct kk_rb_root *root)
{
    node_t *n = root->node;

    if (n == NULL)
        return NULL;
    while (n->right != NULL)
        n = n->right;
    return n;
}

struct kk_rb_node *kk_rb_next(const node_t *n)
{
    return rbi_step(n, 1);
}

struct kk_rb_node *kk_rb_prev(const node_t *n)
{
    return rbi_step(n, 0);
}

/* Height of the subtree @n, trusting the balance factors below it: follow the taller side. */
static long height(const node_t *n)
{
    long h = 0;

    for (; n != NULL; n = rbi_bf(n) > 0 ? n->right : n->left)
        h++;
    return h;
}

/* Local structure of one node: links, and a balance factor in -1..1 equal to the height
 * difference of its subtrees (checked for every node, bottom-up induction makes the
 * trusted heights true). */
static bool node_ok(const struct kk_rb_root *root, const node_t *n)
{
    const node_t *p = kk_rb_parent(n);
    int b = rbi_bf(n);

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
