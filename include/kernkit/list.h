/**
 * @file list.h
 * @brief Intrusive circular doubly linked list (header only, freestanding).
 *
 * Embed a struct kk_list in your object and recover the object with
 * kk_list_entry(). A list head is a struct kk_list that is its own neighbour
 * when empty. Nothing here allocates or locks; the caller serialises access.
 */
#ifndef KERNKIT_LIST_H
#define KERNKIT_LIST_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A list node, or a list head. */
struct kk_list {
    struct kk_list *next; /**< Next node (the head after the last node). */
    struct kk_list *prev; /**< Previous node (the head before the first). */
};

/** Static initialiser for a list head named @p name. */
#define KK_LIST_INIT(name)                                                                         \
    {                                                                                              \
        &(name), &(name)                                                                           \
    }

/** The object of type @p type containing the node @p ptr as @p member. */
#define kk_list_entry(ptr, type, member) container_of(ptr, type, member)

/**
 * @brief Make @p l an empty list (or an unlinked node).
 * @param l the head or node; must not be NULL.
 */
static inline void kk_list_init(struct kk_list *l)
{
    l->next = l;
    l->prev = l;
}

/**
 * @brief Is the list empty (or the node unlinked after kk_list_del_init())?
 * @param l the head; must not be NULL.
 * @return true when @p l has no other node.
 */
static inline bool kk_list_empty(const struct kk_list *l)
{
    return l->next == l;
}

/** @brief Internal: link @p n between @p prev and @p next. @param n node @param prev predecessor
 * @param next successor */
static inline void kk_list_link_(struct kk_list *n, struct kk_list *prev, struct kk_list *next)
{
    next->prev = n;
    n->next = next;
    n->prev = prev;
    prev->next = n;
}

/**
 * @brief Insert @p n at the front of @p head.
 * @param head the list head.
 * @param n a node not on any list.
 */
static inline void kk_list_add(struct kk_list *head, struct kk_list *n)
{
    kk_list_link_(n, head, head->next);
}

/**
 * @brief Insert @p n at the back of @p head.
 * @param head the list head.
 * @param n a node not on any list.
 */
static inline void kk_list_add_tail(struct kk_list *head, struct kk_list *n)
{
    kk_list_link_(n, head->prev, head);
}

/**
 * @brief Unlink @p n from its list and make it an empty node, O(1).
 * @param n a linked node (or an initialised unlinked one: then nothing changes).
 */
static inline void kk_list_del(struct kk_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n;
    n->prev = n;
}

/**
 * @brief Move all nodes of @p from to the back of @p to, leaving @p from empty.
 * @param to the destination head.
 * @param from the source head.
 */
static inline void kk_list_splice_tail(struct kk_list *to, struct kk_list *from)
{
    if (kk_list_empty(from))
        return;
    from->next->prev = to->prev;
    to->prev->next = from->next;
    from->prev->next = to;
    to->prev = from->prev;
    kk_list_init(from);
}

/**
 * @brief First node of a list.
 * @param head the list head.
 * @return the first node, or NULL if the list is empty.
 */
static inline struct kk_list *kk_list_first(const struct kk_list *head)
{
    return kk_list_empty(head) ? NULL : head->next;
}

/** Iterate node pointer @p pos over list @p head (do not unlink @p pos). */
#define kk_list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/** Iterate, allowing @p pos to be unlinked; @p tmp is scratch. */
#define kk_list_for_each_safe(pos, tmp, head)                                                      \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head);                               \
         (pos) = (tmp), (tmp) = (pos)->next)

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_LIST_H */
