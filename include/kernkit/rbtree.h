/**
 * @file rbtree.h
 * @brief Intrusive balanced binary search tree (AVL; named kk_rb_* for
 *        historical reasons) with a cached leftmost node and optional
 *        augmentation (freestanding, iterative, never allocates).
 *
 * Embed a struct kk_rb_node in your object and recover the object with
 * kk_rb_entry(). The tree does not know the key: the caller either descends
 * itself and links the node with kk_rb_link() + kk_rb_insert_color(), or calls
 * kk_rb_insert() with a "less" callback (equal keys go to the right, so equal
 * keys keep insertion order).
 *
 * Augmentation: a tree may keep, in every node, a value summarising its
 * subtree (for example the minimum deadline below it). Pass an update
 * callback that recomputes a node's value from the node and its two children
 * and returns true if the value changed; the tree calls it on every node
 * whose subtree changes (the insert/erase path and both nodes of each
 * rotation). Pass NULL for a plain tree.
 *
 * Complexity: insert and erase O(log n), first O(1) (cached), next/prev
 * amortised O(1). No function recurses. The caller serialises access.
 */
#ifndef KERNKIT_RBTREE_H
#define KERNKIT_RBTREE_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A tree node, embedded in the caller's object. */
struct kk_rb_node {
    uintptr_t parent_color;   /**< Parent pointer; bits 0-1 hold the balance factor + 1. */
    struct kk_rb_node *left;  /**< Left child (smaller keys), or NULL. */
    struct kk_rb_node *right; /**< Right child (greater or equal keys), or NULL. */
};

/** A tree: the root and the cached leftmost (smallest) node. */
struct kk_rb_root {
    struct kk_rb_node *node;     /**< Root node, NULL when empty. */
    struct kk_rb_node *leftmost; /**< Smallest node, NULL when empty. */
};

/**
 * Augmentation callback: recompute the summary value of @p node from the node
 * itself and its children (either may be NULL).
 * @param node the node to refresh; never NULL.
 * @return true if the stored value changed.
 */
typedef bool (*kk_rb_update_fn)(struct kk_rb_node *node);

/**
 * Ordering callback for kk_rb_insert() and kk_rb_check().
 * @param a first node.
 * @param b second node.
 * @return true if @p a sorts strictly before @p b.
 */
typedef bool (*kk_rb_less_fn)(const struct kk_rb_node *a, const struct kk_rb_node *b);

/** The object of type @p type containing the node @p ptr as @p member. */
#define kk_rb_entry(ptr, type, member) container_of(ptr, type, member)

/** Static initialiser of an empty tree. */
#define KK_RB_ROOT_INIT                                                                            \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

/**
 * @brief Make @p root an empty tree.
 * @param root the tree; must not be NULL.
 */
static inline void kk_rb_init(struct kk_rb_root *root)
{
    root->node = NULL;
    root->leftmost = NULL;
}

/**
 * @brief Is the tree empty?
 * @param root the tree.
 * @return true when the tree has no node.
 */
static inline bool kk_rb_empty(const struct kk_rb_root *root)
{
    return root->node == NULL;
}

/**
 * @brief Parent of a node.
 * @param n a node in a tree.
 * @return the parent, or NULL for the root.
 */
static inline struct kk_rb_node *kk_rb_parent(const struct kk_rb_node *n)
{
    return (struct kk_rb_node *)(n->parent_color & ~(uintptr_t)3);
}

/**
 * @brief Smallest node, O(1) (cached).
 * @param root the tree.
 * @return the leftmost node, or NULL if the tree is empty.
 */
static inline struct kk_rb_node *kk_rb_first(const struct kk_rb_root *root)
{
    return root->leftmost;
}

/**
 * @brief Attach @p node as a leaf at @p link below @p parent (first half of an insert).
 *
 * Use after a custom descent, then call kk_rb_insert_color().
 * @param node the new node (not in any tree).
 * @param parent the node whose child slot @p link is, or NULL for an empty tree.
 * @param link &parent->left, &parent->right, or &root->node for an empty tree.
 */
static inline void kk_rb_link(struct kk_rb_node *node, struct kk_rb_node *parent,
                              struct kk_rb_node **link)
{
    node->parent_color = (uintptr_t)parent | 1u; /* balanced leaf */
    node->left = NULL;
    node->right = NULL;
    *link = node;
}

/**
 * @brief Rebalance after kk_rb_link() (second half of an insert), O(log n), at most two
 *        rotations.
 * @param root the tree.
 * @param node the node just linked.
 * @param leftmost true if the descent only went left (the node is the new minimum).
 * @param update augmentation callback, or NULL.
 */
KK_API void kk_rb_insert_color(struct kk_rb_root *root, struct kk_rb_node *node, bool leftmost,
                               kk_rb_update_fn update);

/**
 * @brief Insert @p node ordered by @p less; equal keys go after existing ones. O(log n).
 * @param root the tree.
 * @param node a node not in any tree.
 * @param less ordering callback.
 * @param update augmentation callback, or NULL.
 */
KK_API void kk_rb_insert(struct kk_rb_root *root, struct kk_rb_node *node, kk_rb_less_fn less,
                         kk_rb_update_fn update);

/**
 * @brief Remove @p node from the tree, O(log n).
 * @param root the tree.
 * @param node a node in this tree (undefined behaviour otherwise). Its fields
 *        are left stale; the caller owns the node again.
 * @param update augmentation callback (the same as at insertion), or NULL.
 */
KK_API void kk_rb_erase(struct kk_rb_root *root, struct kk_rb_node *node, kk_rb_update_fn update);

/**
 * @brief Largest node, O(log n).
 * @param root the tree.
 * @return the rightmost node, or NULL if the tree is empty.
 */
KK_API struct kk_rb_node *kk_rb_last(const struct kk_rb_root *root);

/**
 * @brief In-order successor, amortised O(1).
 * @param node a node in a tree.
 * @return the next node, or NULL after the last.
 */
KK_API struct kk_rb_node *kk_rb_next(const struct kk_rb_node *node);

/**
 * @brief In-order predecessor, amortised O(1).
 * @param node a node in a tree.
 * @return the previous node, or NULL before the first.
 */
KK_API struct kk_rb_node *kk_rb_prev(const struct kk_rb_node *node);

/**
 * @brief Verify every invariant of the tree, O(n log n). For tests and debugging.
 *
 * Checks parent links, balance (every node's stored balance factor is -1..1
 * and equals the height difference of its subtrees), the order (no node sorts before its
 * predecessor, when @p less is given), the cached leftmost node, and the
 * augmentation: @p update is called on every node, children first, and must
 * return false (a true return means the stored value was stale; it has now
 * been corrected, but the tree is reported corrupt).
 * @param root the tree.
 * @param less ordering callback, or NULL to skip the order check.
 * @param update augmentation callback, or NULL to skip that check.
 * @return the number of nodes, or KK_ECORRUPT if an invariant is broken.
 */
KK_API long kk_rb_check(const struct kk_rb_root *root, kk_rb_less_fn less, kk_rb_update_fn update);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_RBTREE_H */
