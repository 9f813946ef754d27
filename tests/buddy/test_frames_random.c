/*
 * Randomised test of the frame allocator against a reference model (one state
 * per frame: absent, free, allocated). Every operation's result is predicted
 * from the model (including exactly when KK_ENOMEM, KK_EBUSY and KK_EINVAL must
 * occur), and kk_buddy_check() plus the frame totals are verified after every
 * step. Fixed seed; KK_TEST_ITERS scales the number of operations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define N        600u
#define FS       4096u
#define BASE_PFN 0x80003ull /* deliberately not aligned */
#define MAXO     7u
#define MAXLIVE  512

enum { M_ABSENT, M_FREE, M_ALLOC };

struct live {
    uint32_t idx, count;
    int order; /* >= 0: a block freed with kk_buddy_free(); -1: pages */
};

static struct fixture fx;
static uint8_t model[N];
static struct live live[MAXLIVE];
static unsigned nlive;
static uint64_t rng = 0x1234567887654321ull, model_free, model_total;
static unsigned long n_nomem, n_ok, n_busy;
static unsigned cur_cpu;
static struct kk_buddy_pcp pcps[3];

static unsigned cpu_id(void *ctx)
{
    (void)ctx;
    return cur_cpu;
}

static uint64_t rnd(uint64_t n)
{
    return test_rand(&rng) % n;
}

static uint64_t addr_of(uint32_t idx)
{
    return (BASE_PFN + idx) * FS;
}

static void model_set(uint32_t idx, uint64_t n, uint8_t from, uint8_t to)
{
    for (uint64_t j = 0; j < n; j++) {
        assert_int_equal(model[idx + j], from);
        model[idx + j] = to;
    }
    if (to == M_FREE)
        model_free += n;
    else if (from == M_FREE)
        model_free -= n;
}

static void add_live(uint32_t idx, uint32_t count, int order)
{
    if (nlive == MAXLIVE) { /* too many: free the new one at once */
        assert_int_equal(kk_buddy_free_pages(&fx.b, addr_of(idx), count), 0);
        model_set(idx, count, M_ALLOC, M_FREE);
        return;
    }
    live[nlive++] = (struct live){idx, count, order};
}

static void drop_live(unsigned k)
{
    live[k] = live[--nlive];
}

/* Is there a free run of 2^a frames aligned to 2^a (absolute) inside [lo, hi)? */
static bool model_has_run(unsigned a, uint64_t lo, uint64_t hi)
{
    uint64_t size = 1ull << a;
    for (uint64_t abs = (BASE_PFN + lo + size - 1) & ~(size - 1); abs + size <= BASE_PFN + hi;
         abs += size) {
        uint64_t j = 0, idx = abs - BASE_PFN;
        while (j < size && model[idx + j] == M_FREE)
            j++;
        if (j == size)
            return true;
    }
    return false;
}

/* Expected result of taking [idx, idx+n) (alloc_at, reserve). */
static int model_take_result(uint64_t idx, uint64_t n)
{
    if (idx + n > N)
        return KK_EINVAL;
    for (uint64_t j = 0; j < n; j++) {
        if (model[idx + j] == M_ABSENT)
            return KK_EINVAL;
        if (model[idx + j] == M_ALLOC)
            return KK_EBUSY;
    }
    return 0;
}

static unsigned pick_order(void)
{
    uint64_t r = rnd(100);
    if (r < 60)
        return 0;
    if (r < 75)
        return 1;
    if (r < 85)
        return 2;
    return (unsigned)rnd(MAXO + 1);
}

static void check_alloc_result(int rc, uint64_t addr, unsigned o, unsigned a, uint32_t count,
                               uint64_t lo, uint64_t hi)
{
    if (rc == KK_ENOMEM) {
        assert_false(model_has_run(a > o ? a : o, lo, hi));
        n_nomem++;
        return;
    }
    n_ok++;
    assert_int_equal(rc, 0);
    assert_int_equal(addr % FS, 0);
    uint64_t pfn = addr / FS, idx = pfn - BASE_PFN;
    assert_true(pfn >= BASE_PFN && idx + count <= N && idx >= lo && idx + (1u << o) <= hi);
    assert_int_equal(pfn & ((1ull << (a > o ? a : o)) - 1), 0);
    model_set((uint32_t)idx, count, M_FREE, M_ALLOC);
}

static void op_alloc(void)
{
    unsigned o = pick_order();
    uint64_t a = 0;
    int rc = kk_buddy_alloc(&fx.b, o, &a);
    check_alloc_result(rc, a, o, o, 1u << o, 0, N);
    if (rc == 0)
        add_live((uint32_t)(a / FS - BASE_PFN), 1u << o, (int)o);
}

static void op_alloc_pages(void)
{
    uint32_t count = 1 + (uint32_t)rnd(40);
    uint64_t align = rnd(3) == 0 ? 1ull << rnd(7) : 0, a = 0;
    unsigned o = 0, al = align > 1 ? (unsigned)__builtin_ctzll(align) : 0;
    while ((1u << o) < count)
        o++;
    int rc = kk_buddy_alloc_pages(&fx.b, count, align, &a);
    check_alloc_result(rc, a, o, al, count, 0, N);
    if (rc == 0)
        add_live((uint32_t)(a / FS - BASE_PFN), count, -1);
}

static void op_alloc_window(void)
{
    unsigned o = pick_order();
    uint64_t lo = rnd(N), hi = lo + 1 + rnd(N - lo), a = 0;
    int rc = kk_buddy_alloc_window(&fx.b, o, addr_of((uint32_t)lo), addr_of((uint32_t)hi), &a);
    check_alloc_result(rc, a, o, o, 1u << o, lo, hi);
    if (rc == 0)
        add_live((uint32_t)(a / FS - BASE_PFN), 1u << o, (int)o);
}

static void op_take(bool at)
{
    unsigned o = pick_order();
    uint64_t n = at ? 1u << o : 1 + rnd(20);
    uint64_t idx = at ? ((BASE_PFN + rnd(N)) & ~((uint64_t)n - 1)) - BASE_PFN : rnd(N);
    if (idx >= N) /* below BASE_PFN after alignment */
        idx = N;
    int expect = model_take_result(idx, n);
    int rc = at ? kk_buddy_alloc_at(&fx.b, addr_of((uint32_t)idx), o)
                : kk_buddy_reserve(&fx.b, addr_of((uint32_t)idx), n * FS);
    assert_int_equal(rc, expect);
    n_busy += rc == KK_EBUSY;
    if (rc == 0) {
        model_set((uint32_t)idx, n, M_FREE, M_ALLOC);
        add_live((uint32_t)idx, (uint32_t)n, at ? (int)o : -1);
    }
}

static void op_free(void)
{
    if (nlive == 0)
        return;
    unsigned k = (unsigned)rnd(nlive);
    struct live l = live[k];
    if (rnd(4) == 0 && l.count > 1) { /* free a part: the rest becomes pages */
        uint32_t s = (uint32_t)rnd(l.count), c = 1 + (uint32_t)rnd(l.count - s);
        assert_int_equal(kk_buddy_free_pages(&fx.b, addr_of(l.idx + s), c), 0);
        model_set(l.idx + s, c, M_ALLOC, M_FREE);
        drop_live(k);
        if (s > 0)
            add_live(l.idx, s, -1);
        if (s + c < l.count)
            add_live(l.idx + s + c, l.count - s - c, -1);
        return;
    }
    if (l.order >= 0)
        assert_int_equal(kk_buddy_free(&fx.b, addr_of(l.idx), (unsigned)l.order), 0);
    else
        assert_int_equal(kk_buddy_free_pages(&fx.b, addr_of(l.idx), l.count), 0);
    model_set(l.idx, l.count, M_ALLOC, M_FREE);
    drop_live(k);
}

static void op_bad_free(void)
{
    uint32_t idx = (uint32_t)rnd(N);
    if (model[idx] != M_ALLOC) {
        assert_int_equal(kk_buddy_free(&fx.b, addr_of(idx), (unsigned)rnd(MAXO + 1)), KK_EINVAL);
        assert_int_equal(kk_buddy_free_pages(&fx.b, addr_of(idx), 1 + rnd(8)), KK_EINVAL);
        return;
    }
    if (nlive == 0)
        return;
    struct live l = live[rnd(nlive)];
    if (l.order < 0)
        return;
    unsigned wrong = (unsigned)l.order + 1 + (unsigned)rnd(MAXO);
    assert_int_equal(kk_buddy_free(&fx.b, addr_of(l.idx), wrong % (MAXO + 2)), KK_EINVAL);
    if (l.order > 0)
        assert_int_equal(kk_buddy_free(&fx.b, addr_of(l.idx + 1), 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&fx.b, addr_of(l.idx) + 8, (unsigned)l.order), KK_EINVAL);
}

static void op_bulk(void)
{
    uint64_t a[8];
    size_t want = 1 + (size_t)rnd(8), got = kk_buddy_alloc_bulk(&fx.b, a, want);
    for (size_t j = 0; j < got; j++)
        check_alloc_result(0, a[j], 0, 0, 1, 0, N);
    if (got < want)
        assert_false(model_has_run(0, 0, N));
    if (rnd(2) == 0) {
        assert_int_equal(kk_buddy_free_bulk(&fx.b, a, got), 0);
        for (size_t j = 0; j < got; j++)
            model_set((uint32_t)(a[j] / FS - BASE_PFN), 1, M_ALLOC, M_FREE);
        return;
    }
    for (size_t j = 0; j < got; j++)
        add_live((uint32_t)(a[j] / FS - BASE_PFN), 1, 0);
}

/* kk_buddy_stats() every stats_every steps (it flushes the order-0 reserve). */
static unsigned long stats_every = 1, step;

static void verify(void)
{
    struct kk_buddy_stats st;
    assert_int_equal(kk_buddy_check(&fx.b), 0);
    if (++step % stats_every != 0)
        return;
    kk_buddy_stats(&fx.b, &st);
    assert_int_equal(st.free_frames + st.cached_frames, model_free);
    assert_int_equal(st.total_frames, model_total);
}

static void run_model(bool pcp, unsigned long iters)
{
    fixture_config(&fx, BASE_PFN * FS, N, 0, MAXO);
    if (pcp) {
        fx.cfg.pcp = pcps;
        fx.cfg.ncpus = 3;
        fx.cfg.pcp_orders = 3;
        fx.cfg.pcp_high = 12;
        fx.cfg.pcp_batch = 5;
        fx.cfg.cpu_id = cpu_id;
    }
    nlive = 0;
    n_nomem = n_ok = n_busy = 0;
    assert_int_equal(kk_buddy_init(&fx.b, &fx.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&fx.b, addr_of(0), 250ull * FS), 0);
    assert_int_equal(kk_buddy_add_range(&fx.b, addr_of(261), (N - 261ull) * FS), 0);
    for (uint32_t i = 0; i < N; i++)
        model[i] = (i < 250 || i >= 261) ? M_FREE : M_ABSENT;
    model_free = model_total = N - 11;
    verify();
    for (unsigned long it = 0; it < iters; it++) {
        uint64_t r = rnd(100);
        cur_cpu = (unsigned)rnd(4); /* 3 wraps to CPU 0 */
        if (r < 30)
            op_alloc();
        else if (r < 38)
            op_alloc_pages();
        else if (r < 42)
            op_alloc_window();
        else if (r < 45)
            op_take(true);
        else if (r < 47)
            op_take(false);
        else if (r < 85)
            op_free();
        else if (r < 95)
            op_bad_free();
        else
            op_bulk();
        verify();
    }
    while (nlive > 0) {
        struct live l = live[--nlive];
        assert_int_equal(kk_buddy_free_pages(&fx.b, addr_of(l.idx), l.count), 0);
        model_set(l.idx, l.count, M_ALLOC, M_FREE);
    }
    verify();
    assert_int_equal(model_free, model_total);
    struct kk_buddy_stats st;
    kk_buddy_stats(&fx.b, &st);
    assert_int_equal(kk_buddy_drain(&fx.b), st.cached_frames);
    kk_buddy_stats(&fx.b, &st);
    assert_int_equal(st.free_frames, model_total);
    assert_int_equal(kk_buddy_check(&fx.b), 0);
    print_message("%s: %lu ops: %lu allocations, %lu out of memory, %lu busy\n",
                  pcp ? "per-CPU caches" : "plain", iters, n_ok, n_nomem, n_busy);
    assert_true(n_nomem > 0 && n_busy > 0);
    fixture_done(&fx);
}

static void random_ops_match_model(void **state)
{
    (void)state;
    run_model(false, test_iters(1500000));
}

/* Plain, with stats rarely: the order-0 reserve fills up to its limit between them. */
static void random_ops_with_full_reserve(void **state)
{
    (void)state;
    stats_every = 64;
    run_model(false, test_iters(1500000) / 3);
    stats_every = 1;
}

static void random_ops_with_cpu_caches(void **state)
{
    (void)state;
    run_model(true, test_iters(1500000) * 2 / 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_ops_match_model),
        cmocka_unit_test(random_ops_with_full_reserve),
        cmocka_unit_test(random_ops_with_cpu_caches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
