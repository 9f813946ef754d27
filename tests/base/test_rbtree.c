/* Tests for kernkit/rbtree.h: random insert/erase against a reference model,
 * with the invariant checker and an augmentation (subtree minimum and size)
 * verified after every step. KK_TEST_ITERS scales the random rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/rbtree.h>

struct item {
    struct kk_rb_node rb;
    uint32_t key;
    uint32_t sub_min; /* augmented: smallest "prio" in the subtree */
    uint32_t prio;
    uint32_t size; /* augmented: nodes in the subtree */
    int in_tree;
};

#define ITEM(n) kk_rb_entry(n, struct item, rb)

static bool item_less(const struct kk_rb_node *a, const struct kk_rb_node *b)
{
    return ITEM(a)->key < ITEM(b)->key;
}

static bool item_update(struct kk_rb_node *n)
{
    struct item *it = ITEM(n);
    uint32_t m = it->prio, s = 1;

    if (n->left != NULL) {
        m = ITEM(n->left)->sub_min < m ? ITEM(n->left)->sub_min : m;
        s += ITEM(n->left)->size;
    }
    if (n->right != NULL) {
        m = ITEM(n->right)->sub_min < m ? ITEM(n->right)->sub_min : m;
        s += ITEM(n->right)->size;
    }
    if (m == it->sub_min && s == it->size)
        return false;
    it->sub_min = m;
    it->size = s;
    return true;
}

static uint64_t rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static unsigned iters(unsigned dflt)
{
    const char *e = getenv("KK_TEST_ITERS");
    unsigned long m = e != NULL ? strtoul(e, NULL, 0) : 1;
    return dflt * (unsigned)(m == 0 ? 1 : m);
}

static void empty_tree(void **state)
{
    struct kk_rb_root root = KK_RB_ROOT_INIT;
    (void)state;
    assert_true(kk_rb_empty(&root));
    assert_null(kk_rb_first(&root));
    assert_null(kk_rb_last(&root));
    assert_int_equal(kk_rb_check(&root, item_less, item_update), 0);
}

/* In-order walk must list the keys sorted, equal keys in insertion order. */
static void order_and_stability(void **state)
{
    enum { N = 200 };
    static struct item it[N];
    struct kk_rb_root root;
    struct kk_rb_node *n;
    int i, prev_key = -1, prev_idx = -1;
    (void)state;

    kk_rb_init(&root);
    for (i = 0; i < N; i++) {
        it[i].key = (uint32_t)((i * 7) % 13);
        kk_rb_insert(&root, &it[i].rb, item_less, NULL);
    }
    assert_int_equal(kk_rb_check(&root, item_less, NULL), N);
    for (n = kk_rb_first(&root), i = 0; n != NULL; n = kk_rb_next(n), i++) {
        int idx = (int)(ITEM(n) - it);
        assert_true((int)ITEM(n)->key >= prev_key);
        if ((int)ITEM(n)->key == prev_key)
            assert_true(idx > prev_idx);
        prev_key = (int)ITEM(n)->key;
        prev_idx = idx;
    }
    assert_int_equal(i, N);
    for (n = kk_rb_last(&root), i = 0; n != NULL; n = kk_rb_prev(n))
        i++;
    assert_int_equal(i, N);
}

/* Random insert/erase; checks structure, leftmost, augmentation, reference counts. */
static void random_ops(void **state)
{
    enum { N = 512 };
    static struct item it[N];
    struct kk_rb_root root;
    uint64_t seed = 0x1234567ULL;
    unsigned rounds = iters(20000), r;
    long live = 0;
    (void)state;

    memset(it, 0, sizeof(it));
    kk_rb_init(&root);
    for (r = 0; r < rounds; r++) {
        struct item *x = &it[rng(&seed) % N];
        if (x->in_tree) {
            kk_rb_erase(&root, &x->rb, item_update);
            x->in_tree = 0;
            live--;
        } else {
            x->key = (uint32_t)(rng(&seed) % 1000);
            x->prio = (uint32_t)(rng(&seed) % 100000);
            kk_rb_insert(&root, &x->rb, item_less, item_update);
            x->in_tree = 1;
            live++;
        }
        if (r % 16 == 0 || r + 1 == rounds) {
            uint32_t want_min = UINT32_MAX, want_first = UINT32_MAX;
            int i;
            assert_int_equal(kk_rb_check(&root, item_less, item_update), live);
            for (i = 0; i < N; i++) {
                if (!it[i].in_tree)
                    continue;
                want_min = it[i].prio < want_min ? it[i].prio : want_min;
                want_first = it[i].key < want_first ? it[i].key : want_first;
            }
            if (live > 0) {
                assert_int_equal(ITEM(root.node)->sub_min, want_min);
                assert_int_equal(ITEM(root.node)->size, live);
                assert_int_equal(ITEM(kk_rb_first(&root))->key, want_first);
            }
        }
    }
}

/* The checker must notice corruption: broken order, colour, stale augmentation. */
static void checker_detects_corruption(void **state)
{
    enum { N = 64 };
    static struct item it[N];
    struct kk_rb_root root;
    struct kk_rb_node *n;
    uint32_t saved;
    int i;
    (void)state;

    memset(it, 0, sizeof(it));
    kk_rb_init(&root);
    for (i = 0; i < N; i++) {
        it[i].key = (uint32_t)i;
        it[i].prio = (uint32_t)(1000 - i);
        kk_rb_insert(&root, &it[i].rb, item_less, item_update);
    }
    assert_int_equal(kk_rb_check(&root, item_less, item_update), N);
    /* order */
    it[10].key = 100;
    assert_int_equal(kk_rb_check(&root, item_less, NULL), KK_ECORRUPT);
    it[10].key = 10;
    /* stale augmentation (the checker repairs it and reports corruption once) */
    saved = ITEM(root.node)->sub_min;
    ITEM(root.node)->sub_min = 0;
    assert_int_equal(kk_rb_check(&root, item_less, item_update), KK_ECORRUPT);
    assert_int_equal(ITEM(root.node)->sub_min, saved);
    assert_int_equal(kk_rb_check(&root, item_less, item_update), N);
    /* balance: every wrong balance factor of the root (stored + 1 in bits 0-1) is caught */
    saved = (uint32_t)(root.node->parent_color & 3u);
    for (i = 0; i < 4; i++) {
        if ((uint32_t)i == saved)
            continue;
        root.node->parent_color = (root.node->parent_color & ~(uintptr_t)3) | (uintptr_t)i;
        assert_int_equal(kk_rb_check(&root, item_less, NULL), KK_ECORRUPT);
    }
    root.node->parent_color = (root.node->parent_color & ~(uintptr_t)3) | saved;
    /* stale leftmost cache */
    n = root.leftmost;
    root.leftmost = kk_rb_next(n);
    assert_int_equal(kk_rb_check(&root, item_less, NULL), KK_ECORRUPT);
    root.leftmost = n;
    assert_int_equal(kk_rb_check(&root, item_less, item_update), N);
}

/* Sorted and reverse-sorted inserts keep the height logarithmic. */
static void height_is_logarithmic(void **state)
{
    enum { N = 4096 };
    static struct item it[N];
    struct kk_rb_root root;
    struct kk_rb_node *n;
    int i, maxd = 0;
    (void)state;

    kk_rb_init(&root);
    for (i = 0; i < N; i++) {
        it[i].key = (uint32_t)(i % 2 ? i : N - i);
        kk_rb_insert(&root, &it[i].rb, item_less, NULL);
    }
    assert_int_equal(kk_rb_check(&root, item_less, NULL), N);
    for (n = kk_rb_first(&root); n != NULL; n = kk_rb_next(n)) {
        int d = 0;
        const struct kk_rb_node *p;
        for (p = n; p != NULL; p = kk_rb_parent(p))
            d++;
        maxd = d > maxd ? d : maxd;
    }
    assert_true(maxd <= 17); /* AVL: height < 1.4405 log2(N + 2) - 0.3277 = 17.0 */
    for (i = 0; i < N; i += 2)
        kk_rb_erase(&root, &it[i].rb, NULL);
    assert_int_equal(kk_rb_check(&root, item_less, NULL), N / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_tree),
        cmocka_unit_test(order_and_stability),
        cmocka_unit_test(random_ops),
        cmocka_unit_test(checker_detects_corruption),
        cmocka_unit_test(height_is_logarithmic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
