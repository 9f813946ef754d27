/*
 * Randomised heap test: allocations, aligned allocations, reallocs and frees
 * (plus invalid frees) over 256 slots. Every block is filled with a pattern
 * unique to its slot and generation and verified before it is freed or moved,
 * so overlapping blocks or a heap writing into user memory are caught;
 * kk_heap_check() and the used-byte total are verified after every step.
 * The heap starts with one region and grows once through its OOM callback.
 * Run twice: with 48 KiB regions (no free-block cache) and with 128 KiB
 * regions (the smallest with a cache, 8 blocks per order: stacks spill and
 * drain often). Fixed seed; KK_TEST_ITERS scales the number of operations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define SLOTS      256
#define REGION     (48 * 1024)
#define REGION_BIG (128 * 1024)

static _Alignas(4096) unsigned char pool[2 * REGION_BIG + 4096];
static size_t region = REGION;

struct slot {
    unsigned char *p;
    size_t size;
    uint8_t tag;
};

static struct slot slots[SLOTS];
static struct kk_heap heap;
static uint64_t rng = 0xC0FFEE123456789ull;
static size_t used_bytes;
static int grown;
static unsigned long n_null;

static int grow(void *ctx, struct kk_heap *h, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    if (grown)
        return KK_ENOMEM;
    grown = 1;
    return kk_heap_add_region(h, pool + region + 4096, region);
}

static size_t rnd_size(void)
{
    unsigned bits = (unsigned)(test_rand(&rng) % 13); /* log-uniform 1 .. 8191 */
    return 1 + (size_t)(test_rand(&rng) % ((size_t)1 << bits));
}

static void fill(struct slot *s, unsigned idx)
{
    s->tag = (uint8_t)(idx * 31 + test_rand(&rng));
    for (size_t j = 0; j < s->size; j++)
        s->p[j] = (uint8_t)(s->tag + j);
}

static void verify_contents(const struct slot *s, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (s->p[j] != (uint8_t)(s->tag + j))
            fail_msg("block %p corrupted at byte %zu", (void *)s->p, j);
}

static void took(struct slot *s, unsigned idx, unsigned char *p, size_t size, size_t align)
{
    if (!p) {
        n_null++;
        return;
    }
    size_t u = kk_heap_usable_size(&heap, p);
    assert_true(u >= size && u >= 16 && (uintptr_t)p % u == 0);
    if (align)
        assert_int_equal((uintptr_t)p % align, 0);
    s->p = p;
    s->size = size;
    used_bytes += u;
    fill(s, idx);
}

static void release(struct slot *s)
{
    verify_contents(s, s->size);
    used_bytes -= kk_heap_usable_size(&heap, s->p);
    assert_int_equal(kk_heap_free(&heap, s->p), 0);
    s->p = NULL;
}

static void op_realloc(struct slot *s, unsigned idx)
{
    size_t n = rnd_size(), old_u = kk_heap_usable_size(&heap, s->p);
    unsigned char *q = kk_heap_realloc(&heap, s->p, n);
    if (!q) { /* the old block must be intact */
        n_null++;
        assert_int_equal(kk_heap_usable_size(&heap, s->p), old_u);
        verify_contents(s, s->size);
        return;
    }
    size_t keep = n < s->size ? n : s->size;
    s->p = q;
    verify_contents(s, keep);
    used_bytes = used_bytes - old_u;
    took(s, idx, q, n, 0);
}

static void op_bad_free(void)
{
    unsigned idx = (unsigned)(test_rand(&rng) % SLOTS);
    struct slot *s = &slots[idx];
    if (s->p && kk_heap_usable_size(&heap, s->p) > 16)
        assert_int_equal(kk_heap_free(&heap, s->p + 16), KK_EINVAL);
    else if (s->p)
        assert_int_equal(kk_heap_free(&heap, s->p + 8), KK_EINVAL);
    else
        assert_int_equal(kk_heap_free(&heap, pool + 8), KK_EINVAL);
}

static void run_ops(size_t region_size, unsigned long iters)
{
    struct kk_heap_config c = {.size = sizeof c, .oom = grow};
    struct kk_heap_stats st;
    region = region_size;
    grown = 0;
    n_null = 0;
    used_bytes = 0;
    memset(slots, 0, sizeof slots);
    assert_int_equal(kk_heap_init(&heap, &c), 0);
    assert_int_equal(kk_heap_add_region(&heap, pool, region), 0);
    for (unsigned long it = 0; it < iters; it++) {
        unsigned idx = (unsigned)(test_rand(&rng) % SLOTS), r = (unsigned)(test_rand(&rng) % 100);
        struct slot *s = &slots[idx];
        if (r < 5) {
            op_bad_free();
        } else if (s->p && r < 20) {
            op_realloc(s, idx);
        } else if (s->p) {
            release(s);
        } else if (r < 30) {
            size_t n = rnd_size(), align = (size_t)16 << (test_rand(&rng) % 9);
            took(s, idx, kk_heap_alloc_aligned(&heap, n, align), n, align);
        } else {
            size_t n = rnd_size();
            took(s, idx, kk_heap_alloc(&heap, n), n, 0);
        }
        assert_int_equal(kk_heap_check(&heap), 0);
        kk_heap_stats(&heap, &st);
        assert_int_equal(st.used_bytes, used_bytes);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].p)
            release(&slots[i]);
    kk_heap_stats(&heap, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(st.regions, 2);
    if (region == REGION) /* the small regions run out (the cached run may not, at 1/10 iters) */
        assert_true(grown && n_null > 0);
    print_message("%zu-byte regions: %lu ops, %lu out of memory\n", region, iters, n_null);
}

static void random_heap_ops(void **state)
{
    (void)state;
    run_ops(REGION, test_iters(500000));
}

/* The same with regions that have a free-block cache. */
static void random_heap_ops_cached(void **state)
{
    (void)state;
    run_ops(REGION_BIG, test_iters(100000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_heap_ops),
        cmocka_unit_test(random_heap_ops_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
