/*
 * Tests of the per-CPU caches: refill and give-back watermarks, double frees
 * into a cache, draining on demand and under memory pressure, and a threaded
 * run (4 threads on 2 "CPUs", real locks) that checks no frame is ever handed
 * out twice (run it under tsan too).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define FS   4096u
#define BASE 0x100000ull

static _Thread_local unsigned this_cpu;
static int cpu_depth[2], glock_depth;

static unsigned t_cpu_id(void *ctx)
{
    (void)ctx;
    return this_cpu;
}

static void t_cpu_lock(void *ctx, unsigned c)
{
    (void)ctx;
    assert_true(c < 2);
    assert_int_equal(cpu_depth[c]++, 0);
    assert_int_equal(glock_depth, 0); /* lock order: CPU lock before the allocator lock */
}

static void t_cpu_unlock(void *ctx, unsigned c)
{
    (void)ctx;
    assert_int_equal(--cpu_depth[c], 0);
}

static void t_lock(void *ctx)
{
    (void)ctx;
    assert_int_equal(glock_depth++, 0);
}

static void t_unlock(void *ctx)
{
    (void)ctx;
    assert_int_equal(--glock_depth, 0);
}

static struct kk_buddy_pcp pcps[2];

static void pcp_setup(struct fixture *f, uint64_t nframes)
{
    fixture_config(f, BASE, nframes, 0, 6);
    f->cfg.pcp = pcps;
    f->cfg.ncpus = 2;
    f->cfg.pcp_orders = 2;
    f->cfg.pcp_high = 8;
    f->cfg.pcp_batch = 4;
    f->cfg.cpu_id = t_cpu_id;
    f->cfg.cpu_lock = t_cpu_lock;
    f->cfg.cpu_unlock = t_cpu_unlock;
    f->cfg.lock = t_lock;
    f->cfg.unlock = t_unlock;
    assert_int_equal(kk_buddy_init(&f->b, &f->cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f->b, BASE, nframes * FS), 0);
    this_cpu = 0;
}

static struct kk_buddy_stats stats(struct fixture *f)
{
    struct kk_buddy_stats st;
    kk_buddy_stats(&f->b, &st);
    return st;
}

static void config_errors(void **state)
{
    struct fixture f;
    (void)state;
    fixture_config(&f, BASE, 64, 0, 0);
    f.cfg.pcp = pcps;
    f.cfg.ncpus = 0;
    f.cfg.cpu_id = t_cpu_id;
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), KK_EINVAL);
    f.cfg.ncpus = 2;
    f.cfg.pcp_orders = KK_BUDDY_PCP_ORDERS + 1;
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), KK_EINVAL);
    f.cfg.pcp_orders = 0;
    f.cfg.pcp_high = 4;
    f.cfg.pcp_batch = 5;
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), KK_EINVAL);
    f.cfg.pcp_batch = 0;
    f.cfg.cpu_lock = t_cpu_lock; /* without cpu_unlock */
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), KK_EINVAL);
    f.cfg.cpu_lock = NULL;
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0); /* defaults: order 0, batch <= high */
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 64 * FS), 0);
    uint64_t a;
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), 0);
    assert_int_equal(stats(&f).cached_frames, 3);
    assert_int_equal(kk_buddy_alloc(&f.b, 1, &a), 0); /* order 1 is not cached */
    assert_int_equal(stats(&f).cached_frames, 3);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void refill_giveback_and_double_free(void **state)
{
    struct fixture f;
    uint64_t a[32];
    (void)state;
    pcp_setup(&f, 256);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[0]), 0);
    struct kk_buddy_stats st = stats(&f);
    assert_int_equal(st.cached_frames, 3); /* batch of 4, one handed out */
    assert_int_equal(st.free_frames + st.cached_frames + st.used_frames, 256);
    assert_int_equal(st.used_frames, 1);
    assert_int_equal(kk_buddy_free(&f.b, a[0], 0), 0);
    assert_int_equal(kk_buddy_free(&f.b, a[0], 0), KK_EINVAL); /* double free into the cache */
    assert_int_equal(kk_buddy_free(&f.b, a[0], 1), KK_EINVAL); /* wrong order */
    assert_int_equal(kk_buddy_free_pages(&f.b, a[0], 1), KK_EINVAL); /* cached = free */
    assert_int_equal(stats(&f).cached_frames, 4);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    for (int i = 0; i < 32; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    for (int i = 0; i < 32; i++) {
        assert_int_equal(kk_buddy_free(&f.b, a[i], 0), 0);
        assert_true(stats(&f).cached_frames <= 8); /* high watermark */
    }
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* order 1 is cached too, with its own stack */
    assert_int_equal(kk_buddy_alloc(&f.b, 1, &a[0]), 0);
    assert_int_equal(((a[0] - BASE) / FS) % 2, 0);
    assert_int_equal(kk_buddy_free(&f.b, a[0], 1), 0);
    assert_int_equal(kk_buddy_free(&f.b, a[0], 1), KK_EINVAL);
    /* another CPU frees what CPU 0 allocated */
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[1]), 0);
    this_cpu = 3; /* taken modulo ncpus */
    assert_int_equal(kk_buddy_free(&f.b, a[1], 0), 0);
    assert_int_equal(f.b.pcp[1].count[0], 1);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    uint64_t cached = stats(&f).cached_frames;
    assert_int_equal(kk_buddy_drain(&f.b), cached);
    st = stats(&f);
    assert_int_equal(st.cached_frames, 0);
    assert_int_equal(st.free_frames, 256);
    assert_int_equal(st.free_blocks[6], 4);
    assert_int_equal(kk_buddy_drain(&f.b), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void pressure_drains_other_cpus(void **state)
{
    struct fixture f;
    uint64_t a[64], x;
    (void)state;
    pcp_setup(&f, 64);
    /* CPU 1 fills its cache, then CPU 0 must still get every frame */
    this_cpu = 1;
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &x), 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 0), 0);
    assert_int_equal(stats(&f).cached_frames, 4);
    /* a cached frame can still be taken by address */
    assert_int_equal(kk_buddy_alloc_at(&f.b, x, 0), 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 0), 0);
    this_cpu = 0;
    for (int i = 0; i < 64; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &x), KK_ENOMEM);
    assert_int_equal(kk_buddy_alloc(&f.b, 1, &x), KK_ENOMEM);
    assert_int_equal(stats(&f).free_frames, 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    for (int i = 0; i < 64; i++) {
        this_cpu = (unsigned)i & 1;
        assert_int_equal(kk_buddy_free(&f.b, a[i], 0), 0);
    }
    /* an order-6 request drains both caches to find its block */
    assert_int_equal(kk_buddy_alloc(&f.b, 6, &x), 0);
    assert_int_equal(stats(&f).cached_frames, 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 6), 0);
    /* so do windows and bulk allocations */
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &x), 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 0), 0);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 6, BASE, BASE + 64 * FS, &x), 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 6), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &x), 0);
    assert_int_equal(kk_buddy_free(&f.b, x, 0), 0);
    assert_int_equal(kk_buddy_alloc_bulk(&f.b, a, 64), 64);
    assert_int_equal(kk_buddy_free_bulk(&f.b, a, 64), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

/* ---- threads: real mutexes, 4 threads on 2 CPUs ---- */

#define TFRAMES 512
static pthread_mutex_t mtx_cpu[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_mutex_t mtx_global = PTHREAD_MUTEX_INITIALIZER;
static uint32_t owned[TFRAMES];
static struct fixture tf;

static void m_cpu_lock(void *ctx, unsigned c)
{
    (void)ctx;
    pthread_mutex_lock(&mtx_cpu[c]);
}

static void m_cpu_unlock(void *ctx, unsigned c)
{
    (void)ctx;
    pthread_mutex_unlock(&mtx_cpu[c]);
}

static void m_lock(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&mtx_global);
}

static void m_unlock(void *ctx)
{
    (void)ctx;
    pthread_mutex_unlock(&mtx_global);
}

static void own(uint64_t a, unsigned order, uint32_t from, uint32_t to)
{
    for (uint64_t j = 0; j < (1u << order); j++) {
        uint32_t expect = from;
        uint64_t idx = (a - BASE) / FS + j;
        if (idx >= TFRAMES || !__atomic_compare_exchange_n(&owned[idx], &expect, to, false,
                                                           __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            fail_msg("frame %llu handed out twice", (unsigned long long)idx);
    }
}

static void *worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (id + 1), live[48];
    unsigned order[48], n = 0, iters = (unsigned)test_iters(200000) / 4;
    this_cpu = id & 1;
    for (unsigned it = 0; it < iters; it++) {
        if (id == 3 && it % 64 == 0) { /* stats and drain race with the others */
            struct kk_buddy_stats st;
            kk_buddy_stats(&tf.b, &st);
            if (st.total_frames != TFRAMES || st.free_frames > TFRAMES)
                fail_msg("stats out of range");
            kk_buddy_drain(&tf.b);
        }
        if (n > 0 && (n == 48 || test_rand(&rng) % 2)) {
            unsigned k = (unsigned)(test_rand(&rng) % n);
            own(live[k], order[k], id + 1, 0);
            if (kk_buddy_free(&tf.b, live[k], order[k]) != 0)
                fail_msg("free failed");
            live[k] = live[--n];
            order[k] = order[n];
            continue;
        }
        unsigned o = (unsigned)(test_rand(&rng) % 3);
        if (kk_buddy_alloc(&tf.b, o, &live[n]) == 0) {
            own(live[n], o, 0, id + 1);
            order[n++] = o;
        }
    }
    while (n > 0) {
        n--;
        own(live[n], order[n], id + 1, 0);
        if (kk_buddy_free(&tf.b, live[n], order[n]) != 0)
            fail_msg("free failed");
    }
    return NULL;
}

/* Two CPU caches on mutexes (the allocator lock is set by the caller). */
static void add_caches(void)
{
    tf.cfg.pcp = pcps;
    tf.cfg.ncpus = 2;
    tf.cfg.pcp_orders = 2;
    tf.cfg.pcp_high = 16;
    tf.cfg.pcp_batch = 4;
    tf.cfg.cpu_id = t_cpu_id;
    tf.cfg.cpu_lock = m_cpu_lock;
    tf.cfg.cpu_unlock = m_cpu_unlock;
}

/* 4 threads on the allocator lock alone (no caches: the order-0 reserve), or with caches. */
static void run_threads(bool caches)
{
    pthread_t t[4];
    fixture_config(&tf, BASE, TFRAMES, 0, 6);
    tf.cfg.lock = m_lock;
    tf.cfg.unlock = m_unlock;
    if (caches)
        add_caches();
    assert_int_equal(kk_buddy_init(&tf.b, &tf.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&tf.b, BASE, TFRAMES * FS), 0);
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(kk_buddy_check(&tf.b), 0);
    kk_buddy_drain(&tf.b);
    struct kk_buddy_stats st;
    kk_buddy_stats(&tf.b, &st);
    assert_int_equal(st.free_frames, TFRAMES);
    assert_int_equal(st.free_blocks[6], TFRAMES / 64);
    fixture_done(&tf);
}

static void threads_never_share_frames(void **state)
{
    (void)state;
    run_threads(true);
}

static void threads_share_the_reserve(void **state)
{
    (void)state;
    run_threads(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_errors),
        cmocka_unit_test(refill_giveback_and_double_free),
        cmocka_unit_test(pressure_drains_other_cpus),
        cmocka_unit_test(threads_never_share_frames),
        cmocka_unit_test(threads_share_the_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
