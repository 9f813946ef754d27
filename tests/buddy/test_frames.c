/* Unit tests for the frame allocator (struct kk_buddy): every call and error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

#define FS   4096u
#define BASE 0x80000000ull

/* 1024 frames at BASE, all added. */
static void setup_full(struct fixture *f, uint32_t max_order)
{
    fixture_config(f, BASE, 1024, 0, max_order);
    assert_int_equal(kk_buddy_init(&f->b, &f->cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f->b, BASE, 1024ull * FS), 0);
    assert_int_equal(kk_buddy_check(&f->b), 0);
}

static uint64_t free_frames(struct kk_buddy *b)
{
    struct kk_buddy_stats st;
    kk_buddy_stats(b, &st);
    return st.free_frames;
}

static void meta_size_bounds(void **state)
{
    (void)state;
    assert_int_equal(kk_buddy_meta_size(0), 0);
    assert_int_equal(kk_buddy_meta_size((uint64_t)KK_BUDDY_MAX_FRAMES + 1), 0);
    size_t small = kk_buddy_meta_size(1024), big = kk_buddy_meta_size(4096);
    assert_true(small >= 9 * 1024);
    assert_true(big > small);
    assert_true(big < 10 * 4096 + 1024);
}

static void init_rejects_bad_config(void **state)
{
    struct fixture f;
    (void)state;
    fixture_config(&f, BASE, 64, 0, 0);
    assert_int_equal(kk_buddy_init(NULL, &f.cfg), KK_EINVAL);
    assert_int_equal(kk_buddy_init(&f.b, NULL), KK_EINVAL);
    struct kk_buddy_config c = f.cfg;
    c.size = 8;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.frame_size = 3000;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c.frame_size = 8;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.base = BASE + 12;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.meta_size--;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.meta = (char *)f.meta + 1;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.max_order = KK_BUDDY_ORDER_LIMIT + 1;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.nframes = 0;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    struct kk_buddy_pcp pcp[1];
    c.pcp = pcp;
    c.ncpus = 1; /* no cpu_id */
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    c = f.cfg;
    c.meta = NULL;
    assert_int_equal(kk_buddy_init(&f.b, &c), KK_EINVAL);
    /* an uninitialised instance is refused everywhere */
    memset(&f.b, 0, sizeof f.b);
    uint64_t a;
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, BASE, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_check(&f.b), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, FS), KK_EINVAL);
    fixture_done(&f);
}

static void add_range_and_overlap(void **state)
{
    struct fixture f;
    (void)state;
    fixture_config(&f, BASE, 1024, 0, 0);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(free_frames(&f.b), 0);
    uint64_t a;
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), KK_ENOMEM);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 16 * FS, 100 * FS), 0);
    assert_int_equal(free_frames(&f.b), 100);
    /* overlapping, misaligned, empty, outside the span */
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 100 * FS, 32 * FS), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 16 * FS, FS), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 1, FS), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, FS + 1), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE - FS, 2 * FS), KK_EINVAL);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 1000 * FS, 25 * FS), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 100);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* adjacent ranges merge into maximal blocks */
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 16 * FS), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE + 116 * FS, 908 * FS), 0);
    struct kk_buddy_stats st;
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.total_frames, 1024);
    assert_int_equal(st.free_blocks[10], 1);
    assert_int_equal(st.largest_free_order, 10);
    assert_int_equal(st.frag_permille, 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void alloc_all_then_free_all(void **state)
{
    struct fixture f;
    static uint64_t addrs[1024];
    static uint8_t seen[1024];
    (void)state;
    setup_full(&f, 0);
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 1024; i++) {
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &addrs[i]), 0);
        uint64_t idx = (addrs[i] - BASE) / FS;
        assert_true(addrs[i] >= BASE && idx < 1024 && addrs[i] % FS == 0);
        assert_int_equal(seen[idx], 0);
        seen[idx] = 1;
    }
    uint64_t a;
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), KK_ENOMEM);
    assert_int_equal(free_frames(&f.b), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    for (int i = 1023; i >= 0; i -= 2)
        assert_int_equal(kk_buddy_free(&f.b, addrs[i], 0), 0);
    for (int i = 0; i < 1024; i += 2)
        assert_int_equal(kk_buddy_free(&f.b, addrs[i], 0), 0);
    struct kk_buddy_stats st;
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.free_frames, 1024);
    assert_int_equal(st.free_blocks[10], 1);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void alloc_orders_are_aligned(void **state)
{
    struct fixture f;
    (void)state;
    setup_full(&f, 0);
    for (unsigned o = 0; o <= 6; o++) {
        uint64_t a;
        assert_int_equal(kk_buddy_alloc(&f.b, o, &a), 0);
        assert_int_equal(((a - BASE) / FS) % (1u << o), 0);
    }
    uint64_t a;
    assert_int_equal(kk_buddy_alloc(&f.b, 11, &a), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, NULL), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 1024 - 127);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void bad_frees_leave_allocator_intact(void **state)
{
    struct fixture f;
    uint64_t a, b2;
    (void)state;
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 3, &a), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &b2), 0);
    uint64_t before = free_frames(&f.b);
    assert_int_equal(kk_buddy_free(&f.b, a, 2), KK_EINVAL);      /* wrong order, smaller */
    assert_int_equal(kk_buddy_free(&f.b, a, 4), KK_EINVAL);      /* wrong order, bigger */
    assert_int_equal(kk_buddy_free(&f.b, a + FS, 0), KK_EINVAL); /* tail frame */
    assert_int_equal(kk_buddy_free(&f.b, a + 1, 3), KK_EINVAL);  /* misaligned */
    assert_int_equal(kk_buddy_free(&f.b, BASE - FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, BASE + 1024ull * FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, a, 11), KK_EINVAL);
    assert_int_equal(kk_buddy_free(NULL, a, 3), KK_EINVAL);
    /* a free frame was never allocated */
    assert_int_equal(kk_buddy_free(&f.b, BASE + 512ull * FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, BASE + 512ull * FS, 9), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), before);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    assert_int_equal(kk_buddy_free(&f.b, a, 3), 0);
    assert_int_equal(kk_buddy_free(&f.b, a, 3), KK_EINVAL); /* double free */
    assert_int_equal(kk_buddy_free(&f.b, b2, 0), 0);
    assert_int_equal(kk_buddy_free(&f.b, b2, 0), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 1024);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void holes_are_never_allocated(void **state)
{
    struct fixture f;
    (void)state;
    fixture_config(&f, 0, 1024, 0, 0);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    /* x86-like: low memory, a hole, then the rest */
    assert_int_equal(kk_buddy_add_range(&f.b, FS, 158ull * FS), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, 256ull * FS, 768ull * FS), 0);
    uint64_t n = 0, a;
    while (kk_buddy_alloc(&f.b, 0, &a) == 0) {
        uint64_t pfn = a / FS;
        assert_true((pfn >= 1 && pfn < 159) || (pfn >= 256 && pfn < 1024));
        n++;
    }
    assert_int_equal(n, 158 + 768);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void reserve_and_give_back(void **state)
{
    struct fixture f;
    uint64_t a;
    (void)state;
    setup_full(&f, 0);
    /* the "kernel image": frames 3..40 */
    assert_int_equal(kk_buddy_reserve(&f.b, BASE + 3 * FS, 38 * FS), 0);
    assert_int_equal(free_frames(&f.b), 1024 - 38);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    assert_int_equal(kk_buddy_reserve(&f.b, BASE + 40 * FS, 2 * FS), KK_EBUSY);
    assert_int_equal(kk_buddy_reserve(&f.b, BASE + 40 * FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_reserve(&f.b, BASE + 41 * FS + 1, FS), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 1024 - 38);
    while (kk_buddy_alloc(&f.b, 0, &a) == 0) {
        uint64_t idx = (a - BASE) / FS;
        assert_true(idx < 3 || idx > 40);
    }
    assert_int_equal(free_frames(&f.b), 0);
    /* give part of the image back, then the rest */
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE + 10 * FS, 5), 0);
    assert_int_equal(free_frames(&f.b), 5);
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE + 10 * FS, 1), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE + 3 * FS, 7), 0);
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE + 15 * FS, 26), 0);
    assert_int_equal(free_frames(&f.b), 38);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* reserving frames never added is refused */
    struct fixture g;
    fixture_config(&g, BASE, 64, 0, 0);
    assert_int_equal(kk_buddy_init(&g.b, &g.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&g.b, BASE, 32 * FS), 0);
    assert_int_equal(kk_buddy_reserve(&g.b, BASE + 30 * FS, 4 * FS), KK_EINVAL);
    assert_int_equal(kk_buddy_check(&g.b), 0);
    fixture_done(&g);
    fixture_done(&f);
}

static void alloc_at_specific_blocks(void **state)
{
    struct fixture f;
    uint64_t a;
    (void)state;
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 64 * FS, 4), 0);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 64 * FS, 4), KK_EBUSY);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 72 * FS, 0), KK_EBUSY);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 8 * FS, 4), KK_EINVAL); /* misaligned */
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 1024ull * FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE, 11), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_at(&f.b, BASE + 1023ull * FS, 0), 0);
    assert_int_equal(free_frames(&f.b), 1024 - 17);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    assert_int_equal(kk_buddy_free(&f.b, BASE + 64 * FS, 3), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, BASE + 64 * FS, 4), 0);
    assert_int_equal(kk_buddy_free(&f.b, BASE + 1023ull * FS, 0), 0);
    assert_int_equal(free_frames(&f.b), 1024);
    assert_int_equal(kk_buddy_alloc(&f.b, 10, &a), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void alloc_pages_gives_tail_back(void **state)
{
    struct fixture f;
    uint64_t a, c;
    (void)state;
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 5, 0, &a), 0);
    assert_int_equal(free_frames(&f.b), 1019);
    assert_int_equal(((a - BASE) / FS) % 4, 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* the frames just past the 5 are free again: alloc_at can take them */
    assert_int_equal(kk_buddy_alloc_at(&f.b, a + 5 * FS, 0), 0);
    assert_int_equal(kk_buddy_free(&f.b, a + 5 * FS, 0), 0);
    /* aligned request */
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 3, 64, &c), 0);
    assert_int_equal(((c - BASE) / FS) % 64, 0);
    assert_int_equal(free_frames(&f.b), 1016);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 0, 0, &c), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 1025, 0, &c), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 3, 3, &c), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 3, 2048, &c), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_pages(&f.b, 3, 0, NULL), KK_EINVAL);
    /* free in pieces: middle, then the ends; more than allocated is refused */
    assert_int_equal(kk_buddy_free_pages(&f.b, a, 6), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, a + FS, 3), 0);
    assert_int_equal(kk_buddy_free_pages(&f.b, a + FS, 1), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, a + 4 * FS, 1), 0);
    assert_int_equal(kk_buddy_free(&f.b, a, 0), 0);
    assert_int_equal(kk_buddy_free_pages(&f.b, c, 3), 0);
    assert_int_equal(kk_buddy_free_pages(&f.b, c, 0), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 1024);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void free_pages_spans_allocations(void **state)
{
    struct fixture f;
    uint64_t a[8];
    (void)state;
    fixture_config(&f, BASE, 8, 0, 3);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 8 * FS), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    /* one call frees eight separate allocations */
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE, 8), 0);
    struct kk_buddy_stats st;
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.free_blocks[3], 1);
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE, 1), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, BASE + 7 * FS, 2), KK_EINVAL);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void window_allocations_stay_inside(void **state)
{
    struct fixture f;
    uint64_t a;
    (void)state;
    setup_full(&f, 0);
    uint64_t lo = BASE + 100 * FS, hi = BASE + 200 * FS;
    int n = 0;
    while (kk_buddy_alloc_window(&f.b, 2, lo, hi, &a) == 0) {
        assert_true(a >= lo && a + 4 * FS <= hi);
        assert_int_equal(((a - BASE) / FS) % 4, 0);
        n++;
    }
    assert_int_equal(n, 25); /* frames 100..199: 25 aligned blocks of 4 */
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, lo, hi, &a), KK_ENOMEM);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), 0); /* elsewhere there is memory */
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, hi, lo, &a), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 11, lo, hi, &a), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, lo, hi, NULL), KK_EINVAL);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, 0, BASE, &a), KK_ENOMEM);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, UINT64_MAX - 1, UINT64_MAX, &a), KK_ENOMEM);
    /* unaligned window bounds */
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, BASE + 300 * FS + 1, BASE + 302 * FS, &a), 0);
    assert_int_equal(a, BASE + 301 * FS);
    /* the only free block inside the window is found */
    assert_int_equal(kk_buddy_free(&f.b, BASE + 120 * FS, 2), 0);
    assert_int_equal(kk_buddy_alloc_window(&f.b, 0, lo, hi, &a), 0);
    assert_true(a >= BASE + 120 * FS && a < BASE + 124 * FS);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void bulk_alloc_and_free(void **state)
{
    struct fixture f;
    static uint64_t a[1100];
    (void)state;
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc_bulk(&f.b, a, 1000), 1000);
    assert_int_equal(free_frames(&f.b), 24);
    assert_int_equal(kk_buddy_alloc_bulk(&f.b, a + 1000, 100), 24);
    assert_int_equal(kk_buddy_alloc_bulk(&f.b, NULL, 5), 0);
    a[1024] = BASE + 1; /* invalid */
    a[1025] = a[3];     /* double free within the batch */
    assert_int_equal(kk_buddy_free_bulk(&f.b, a, 1026), KK_EINVAL);
    assert_int_equal(free_frames(&f.b), 1024);
    assert_int_equal(kk_buddy_free_bulk(&f.b, NULL, 1), KK_EINVAL);
    assert_int_equal(kk_buddy_free_bulk(&f.b, a, 0), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

struct walk_acc {
    uint64_t frames, blocks, stop_after;
};

static int walk_cb(void *arg, uint64_t addr, unsigned order)
{
    struct walk_acc *w = arg;
    assert_int_equal(((addr - BASE) / FS) % (1u << order), 0);
    w->frames += 1u << order;
    return ++w->blocks == w->stop_after ? 42 : 0;
}

/* Free memory all in max-order blocks is not fragmented (29 blocks of order
 * 10, as a fresh 116 MiB allocator has); one max-order block short is. */
static void frag_zero_for_max_order_blocks(void **state)
{
    struct fixture f;
    struct kk_buddy_stats st;
    char buf[512];
    uint64_t pa;
    (void)state;
    fixture_config(&f, BASE, 29 * 1024, 0, 0);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 29ull * 1024 * FS), 0);
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.free_blocks[10], 29);
    assert_int_equal(st.frag_permille, 0);
    assert_true(kk_buddy_dump(&f.b, buf, sizeof buf) < sizeof buf);
    assert_non_null(strstr(buf, "fragmentation: 0"));
    /* Splitting one block leaves orders 0..9 beside 28 max-order blocks: still 0. */
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &pa), 0);
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.frag_permille, 0);
    fixture_done(&f);
    /* Less free memory than one max-order block: measured against what it could form. */
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 9, &pa), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &pa), 0);
    kk_buddy_stats(&f.b, &st); /* 511 free: 256 + 128 + ... + 1 */
    assert_int_equal(st.largest_free_order, 8);
    assert_int_equal(st.frag_permille, 1000 - 1000 * 256 / 511);
    fixture_done(&f);
}

static void stats_walk_dump(void **state)
{
    struct fixture f;
    uint64_t a[6];
    char buf[512], small[16];
    (void)state;
    setup_full(&f, 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, (unsigned)i, &a[i]), 0);
    assert_int_equal(kk_buddy_free(&f.b, a[0], 0), 0);
    struct kk_buddy_stats st;
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.total_frames, 1024);
    assert_int_equal(st.used_frames, 62);
    assert_int_equal(st.free_frames + st.used_frames, 1024);
    assert_int_equal(st.largest_free_order, 9);
    assert_true(st.frag_permille > 0 && st.frag_permille < 1000);
    assert_int_equal(st.frag_permille, 1000 - 1000 * 512 / 962);
    struct walk_acc w = {0, 0, 0};
    assert_int_equal(kk_buddy_walk(&f.b, walk_cb, &w), 0);
    assert_int_equal(w.frames, st.free_frames);
    uint64_t blocks = 0;
    for (int k = 0; k <= 10; k++)
        blocks += st.free_blocks[k];
    assert_int_equal(w.blocks, blocks);
    struct walk_acc w2 = {0, 0, 2};
    assert_int_equal(kk_buddy_walk(&f.b, walk_cb, &w2), 42);
    assert_int_equal(w2.blocks, 2);
    assert_int_equal(kk_buddy_walk(&f.b, NULL, NULL), KK_EINVAL);
    size_t n = kk_buddy_dump(&f.b, buf, sizeof buf);
    assert_true(n < sizeof buf && strlen(buf) == n);
    assert_non_null(strstr(buf, "total 1024 free 962"));
    assert_non_null(strstr(buf, "largest free order: 9"));
    assert_int_equal(kk_buddy_dump(&f.b, small, sizeof small), n);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(kk_buddy_dump(&f.b, NULL, 0), n);
    kk_buddy_stats(&f.b, NULL);
    fixture_done(&f);
}

static void check_detects_corruption(void **state)
{
    struct fixture f;
    uint64_t a;
    (void)state;
    setup_full(&f, 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), 0);
    uint8_t *st = f.meta;
    uint8_t saved = st[5];
    st[5] = 0xFF; /* a tail frame turned into garbage */
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    st[5] = saved;
    assert_int_equal(kk_buddy_check(&f.b), 0);
    saved = st[0];
    st[0] = 0x40; /* allocated frame claims to be free */
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    st[0] = saved;
    unsigned fh = 1;
    while ((st[fh] & 0x60) != 0x40) /* the first free head */
        fh++;
    st[fh] |= 0x80; /* a free block marked as held in a cache: only allocated heads are */
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    st[fh] &= 0x7F;
    assert_int_equal(kk_buddy_check(&f.b), 0);
    st[0] |= 0x80; /* the allocated frame marked as held, but in no cache or reserve */
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    st[0] &= 0x7F;
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* a free-list link pointing into nowhere */
    uint32_t *links = (uint32_t *)((char *)f.meta + 1024);
    uint32_t h = f.b.e.head[9], saved_link = links[2 * h];
    links[2 * h] = 7;
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    links[2 * h] = saved_link;
    f.b.e.free_units++;
    assert_int_equal(kk_buddy_check(&f.b), KK_ECORRUPT);
    f.b.e.free_units--;
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

/*
 * Without per-CPU caches freed blocks of orders 0-6 wait unmerged in a reserve
 * of at most 64 frames per order (64 order-0 frames, 32 order-1 blocks, ...):
 * no call may tell them apart from free frames.
 */
static void order0_reserve_is_invisible(void **state)
{
    struct fixture f;
    struct kk_buddy_stats st;
    uint64_t a[80], x;
    (void)state;
    fixture_config(&f, BASE, 128, 0, 7);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 128ull * FS), 0);
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_free(&f.b, a[i], 0), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0); /* 64 frames in the reserve */
    /* a frame in the reserve is free: freeing it again is a double free */
    assert_int_equal(kk_buddy_free(&f.b, a[79], 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, a[79], 1), KK_EINVAL);
    assert_int_equal(kk_buddy_free_bulk(&f.b, &a[79], 1), KK_EINVAL);
    assert_int_equal(kk_buddy_drain(&f.b), 64);
    assert_int_equal(kk_buddy_drain(&f.b), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* refill it; stats see all 128 frames free, merged into one block */
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_free(&f.b, a[i], 0), 0);
    kk_buddy_stats(&f.b, &st);
    assert_int_equal(st.free_frames, 128);
    assert_int_equal(st.cached_frames, 0);
    assert_int_equal(st.used_frames, 0);
    assert_int_equal(st.free_blocks[7], 1);
    assert_int_equal(st.largest_free_order, 7);
    /* the reserve's frames are taken by address, and by a large request */
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 0, &a[i]), 0);
    for (int i = 0; i < 80; i++)
        assert_int_equal(kk_buddy_free(&f.b, a[i], 0), 0);
    assert_int_equal(kk_buddy_alloc_at(&f.b, a[79], 0), 0);
    assert_int_equal(kk_buddy_free(&f.b, a[79], 0), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 7, &x), 0);
    assert_int_equal(x, BASE);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &x), KK_ENOMEM);
    assert_int_equal(kk_buddy_free(&f.b, BASE, 7), 0);
    assert_int_equal(free_frames(&f.b), 128);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

/* Higher orders: blocks up to order 6 are held too, as free for every call. */
static void reserve_holds_small_orders(void **state)
{
    struct fixture f;
    struct kk_buddy_stats st;
    uint64_t a[4], x;
    (void)state;
    fixture_config(&f, BASE, 128, 0, 7);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, BASE, 128ull * FS), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 5, &a[i]), 0);
    for (int i = 0; i < 2; i++) /* the reserve holds 2 order-5 blocks; */
        assert_int_equal(kk_buddy_free(&f.b, a[i], 5), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    /* wrong order, interior frame and double free of a held block */
    assert_int_equal(kk_buddy_free(&f.b, a[1], 4), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, a[1] + FS, 0), KK_EINVAL);
    assert_int_equal(kk_buddy_free(&f.b, a[1], 5), KK_EINVAL);
    assert_int_equal(kk_buddy_free_pages(&f.b, a[1], 32), KK_EINVAL);
    /* the next order-5 allocation takes the last one freed back */
    assert_int_equal(kk_buddy_alloc(&f.b, 5, &x), 0);
    assert_int_equal(x, a[1]);
    assert_int_equal(kk_buddy_free(&f.b, a[1], 5), 0);
    assert_int_equal(kk_buddy_free(&f.b, a[2], 5), 0); /* full: to the free lists */
    assert_int_equal(kk_buddy_free(&f.b, a[3], 5), 0); /* merges with a[2] */
    kk_buddy_stats(&f.b, &st);                         /* flushes the reserve: one order-7 block */
    assert_int_equal(st.free_frames, 128);
    assert_int_equal(st.free_blocks[7], 1);
    for (int i = 0; i < 2; i++)
        assert_int_equal(kk_buddy_alloc(&f.b, 6, &a[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(kk_buddy_free(&f.b, a[i], 6), 0); /* one held, one on the list: */
    assert_int_equal(kk_buddy_alloc(&f.b, 7, &x), 0);      /* the order-7 request drains */
    assert_int_equal(x, BASE);
    assert_int_equal(kk_buddy_free(&f.b, x, 7), 0);
    assert_int_equal(kk_buddy_drain(&f.b), 0); /* an order-7 block is never held */
    assert_int_equal(free_frames(&f.b), 128);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

static void big_orders_and_frame_sizes(void **state)
{
    struct fixture f;
    uint64_t a;
    (void)state;
    /* 2^19 frames of 64 KiB, max order 18, at an odd base */
    fixture_config(&f, 0x10000ull * 3, 1u << 19, 65536, 18);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, 0x10000ull * 3, (1ull << 19) * 65536), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 18, &a), 0);
    assert_int_equal((a / 65536) % (1u << 18), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 18, &a), KK_ENOMEM); /* odd base: only one fits */
    assert_int_equal(kk_buddy_alloc(&f.b, 17, &a), 0);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
    /* tiny frames, order 0 only impossible via 0 = default: max_order 1 */
    fixture_config(&f, 16, 3, 16, 1);
    assert_int_equal(kk_buddy_init(&f.b, &f.cfg), 0);
    assert_int_equal(kk_buddy_add_range(&f.b, 16, 48), 0);
    assert_int_equal(kk_buddy_alloc(&f.b, 1, &a), 0);
    assert_int_equal(a, 32);
    assert_int_equal(kk_buddy_alloc(&f.b, 1, &a), KK_ENOMEM);
    assert_int_equal(kk_buddy_alloc(&f.b, 0, &a), 0);
    assert_int_equal(a, 16);
    assert_int_equal(kk_buddy_check(&f.b), 0);
    fixture_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(meta_size_bounds),
        cmocka_unit_test(init_rejects_bad_config),
        cmocka_unit_test(add_range_and_overlap),
        cmocka_unit_test(alloc_all_then_free_all),
        cmocka_unit_test(alloc_orders_are_aligned),
        cmocka_unit_test(bad_frees_leave_allocator_intact),
        cmocka_unit_test(holes_are_never_allocated),
        cmocka_unit_test(reserve_and_give_back),
        cmocka_unit_test(alloc_at_specific_blocks),
        cmocka_unit_test(alloc_pages_gives_tail_back),
        cmocka_unit_test(free_pages_spans_allocations),
        cmocka_unit_test(window_allocations_stay_inside),
        cmocka_unit_test(bulk_alloc_and_free),
        cmocka_unit_test(stats_walk_dump),
        cmocka_unit_test(frag_zero_for_max_order_blocks),
        cmocka_unit_test(check_detects_corruption),
        cmocka_unit_test(order0_reserve_is_invisible),
        cmocka_unit_test(reserve_holds_small_orders),
        cmocka_unit_test(big_orders_and_frame_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
