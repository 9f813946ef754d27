/* Unit tests for the byte heap (struct kk_heap): every call and error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

static _Alignas(4096) unsigned char pool[1 << 20];

static void heap_setup(struct kk_heap *h, uint32_t min_block, size_t region)
{
    struct kk_heap_config c = {.size = sizeof c, .min_block = min_block};
    assert_int_equal(kk_heap_init(h, &c), 0);
    assert_int_equal(kk_heap_add_region(h, pool, region), 0);
    assert_int_equal(kk_heap_check(h), 0);
}

static void init_rejects_bad_config(void **state)
{
    struct kk_heap h;
    struct kk_heap_config c = {.size = sizeof c};
    (void)state;
    assert_int_equal(kk_heap_init(NULL, &c), KK_EINVAL);
    assert_int_equal(kk_heap_init(&h, NULL), KK_EINVAL);
    c.size = 4;
    assert_int_equal(kk_heap_init(&h, &c), KK_EINVAL);
    c.size = sizeof c;
    c.min_block = 12;
    assert_int_equal(kk_heap_init(&h, &c), KK_EINVAL);
    c.min_block = 4;
    assert_int_equal(kk_heap_init(&h, &c), KK_EINVAL);
    c.min_block = 0;
    c.max_order = 31;
    assert_int_equal(kk_heap_init(&h, &c), KK_EINVAL);
    c.max_order = 0;
    c.lock = (void (*)(void *))abort;
    assert_int_equal(kk_heap_init(&h, &c), KK_EINVAL);
    memset(&h, 0, sizeof h);
    assert_null(kk_heap_alloc(&h, 16));
    assert_int_equal(kk_heap_free(&h, pool), KK_EINVAL);
    assert_int_equal(kk_heap_check(&h), KK_EINVAL);
    assert_int_equal(kk_heap_add_region(&h, pool, 4096), KK_EINVAL);
    assert_int_equal(kk_heap_usable_size(&h, pool), 0);
    assert_int_equal(kk_heap_region_overhead(&h, 4096), 0);
    /* an empty heap has nothing to give */
    c.lock = NULL;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    assert_null(kk_heap_alloc(&h, 16));
    assert_int_equal(kk_heap_check(&h), 0);
}

static void regions_and_overhead(void **state)
{
    struct kk_heap h;
    struct kk_heap_stats st;
    (void)state;
    heap_setup(&h, 0, 65536);
    assert_int_equal(kk_heap_add_region(&h, pool + 1000, 4096), KK_EINVAL); /* overlap */
    assert_int_equal(kk_heap_add_region(&h, pool + 65536, 64), KK_EINVAL);  /* too small */
    assert_int_equal(kk_heap_add_region(&h, NULL, 65536), KK_EINVAL);
    assert_int_equal(kk_heap_add_region(NULL, pool + 65536, 65536), KK_EINVAL);
    assert_int_equal(kk_heap_add_region(&h, pool + 65536, 65536), 0);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.regions, 2);
    assert_int_equal(st.total_bytes, 131072);
    assert_int_equal(st.meta_bytes, 2 * kk_heap_region_overhead(&h, 65536));
    /* one state byte per 16-byte block plus a header below 1 KiB */
    assert_true(st.meta_bytes > 2 * 65536 / 17 && st.meta_bytes < 2 * (65536 / 16 + 1024));
    assert_int_equal(st.free_bytes + st.meta_bytes, st.total_bytes);
    assert_int_equal(st.used_bytes, 0);
    assert_true(st.largest_free >= 16384);
    assert_int_equal(kk_heap_check(&h), 0);
    kk_heap_stats(&h, NULL);
}

static void alloc_free_basics(void **state)
{
    struct kk_heap h;
    (void)state;
    heap_setup(&h, 0, 65536);
    static const size_t sizes[] = {1, 15, 16, 17, 100, 1000, 4096};
    void *p[7];
    for (int i = 0; i < 7; i++) {
        p[i] = kk_heap_alloc(&h, sizes[i]);
        assert_non_null(p[i]);
        size_t u = kk_heap_usable_size(&h, p[i]);
        assert_true(u >= sizes[i] && u >= 16 && (u & (u - 1)) == 0 && u < 2 * sizes[i] + 16);
        assert_int_equal((uintptr_t)p[i] % u, 0); /* blocks are naturally aligned */
        memset(p[i], i + 1, sizes[i]);
    }
    for (int i = 0; i < 7; i++)
        for (size_t j = 0; j < sizes[i]; j++)
            assert_int_equal(((unsigned char *)p[i])[j], i + 1);
    assert_null(kk_heap_alloc(&h, 0));
    assert_null(kk_heap_alloc(&h, (size_t)1 << 40));
    assert_null(kk_heap_alloc(&h, 1 << 20)); /* bigger than the region */
    assert_int_equal(kk_heap_free(&h, NULL), 0);
    assert_int_equal(kk_heap_free(&h, (char *)p[6] + 16), KK_EINVAL); /* interior */
    assert_int_equal(kk_heap_free(&h, (char *)p[6] + 1), KK_EINVAL);  /* misaligned */
    assert_int_equal(kk_heap_free(&h, pool + 200000), KK_EINVAL);     /* foreign */
    assert_int_equal(kk_heap_free(&h, pool), KK_EINVAL);              /* the header */
    assert_int_equal(kk_heap_usable_size(&h, (char *)p[6] + 16), 0);
    assert_int_equal(kk_heap_usable_size(&h, NULL), 0);
    assert_int_equal(kk_heap_check(&h), 0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(kk_heap_free(&h, p[i]), 0);
    assert_int_equal(kk_heap_free(&h, p[3]), KK_EINVAL); /* double free */
    struct kk_heap_stats st;
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

static void exhaust_and_recover(void **state)
{
    struct kk_heap h;
    struct kk_heap_stats st;
    static void *p[8192];
    (void)state;
    heap_setup(&h, 0, 65536);
    kk_heap_stats(&h, &st);
    size_t n = 0, largest = st.largest_free;
    while ((p[n] = kk_heap_alloc(&h, 16)) != NULL)
        n++;
    assert_int_equal(n, st.free_bytes / 16);
    for (size_t i = 0; i < n; i += 2)
        assert_int_equal(kk_heap_free(&h, p[i]), 0);
    assert_null(kk_heap_alloc(&h, 32)); /* fragmented: no two adjacent free blocks */
    for (size_t i = 1; i < n; i += 2)
        assert_int_equal(kk_heap_free(&h, p[i]), 0);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.largest_free, largest);
    assert_int_equal(kk_heap_check(&h), 0);
}

static void aligned_allocations(void **state)
{
    struct kk_heap h;
    (void)state;
    heap_setup(&h, 0, 65536);
    void *a = kk_heap_alloc(&h, 8);
    void *b = kk_heap_alloc_aligned(&h, 24, 4096);
    assert_non_null(b);
    assert_int_equal((uintptr_t)b % 4096, 0);
    assert_int_equal(kk_heap_usable_size(&h, b), 32);
    void *c = kk_heap_alloc_aligned(&h, 100, 8);
    assert_int_equal((uintptr_t)c % 128, 0);
    assert_null(kk_heap_alloc_aligned(&h, 16, 0));
    assert_null(kk_heap_alloc_aligned(&h, 16, 24));
    assert_null(kk_heap_alloc_aligned(&h, 16, (size_t)1 << 40));
    assert_int_equal(kk_heap_free(&h, a), 0);
    assert_int_equal(kk_heap_free(&h, b), 0);
    assert_int_equal(kk_heap_free(&h, c), 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

static void realloc_paths(void **state)
{
    struct kk_heap h;
    struct kk_heap_stats st;
    (void)state;
    heap_setup(&h, 0, 65536);
    unsigned char *p = kk_heap_realloc(&h, NULL, 1000);
    assert_non_null(p);
    for (int i = 0; i < 1000; i++)
        p[i] = (unsigned char)i;
    unsigned char *q = kk_heap_realloc(&h, p, 100); /* shrink in place */
    assert_ptr_equal(q, p);
    assert_int_equal(kk_heap_usable_size(&h, q), 128);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 128);
    q = kk_heap_realloc(&h, q, 120); /* same block */
    assert_ptr_equal(q, p);
    q = kk_heap_realloc(&h, q, 5000); /* grow: moves */
    assert_non_null(q);
    for (int i = 0; i < 120; i++)
        assert_int_equal(q[i], (unsigned char)i);
    assert_int_equal(kk_heap_usable_size(&h, q), 8192);
    assert_null(kk_heap_realloc(&h, q + 16, 10));  /* invalid: left alone */
    assert_null(kk_heap_realloc(&h, q, 1 << 20));  /* too big: q survives */
    assert_null(kk_heap_realloc(&h, q, SIZE_MAX)); /* must not wrap to a tiny size */
    assert_null(kk_heap_realloc(&h, q, SIZE_MAX - 8));
    assert_int_equal(kk_heap_usable_size(&h, q), 8192);
    assert_null(kk_heap_realloc(&h, q, 0)); /* frees */
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static void expect(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], (unsigned char)(seed + i * 7));
}

static void realloc_grows_in_place(void **state)
{
    struct kk_heap h;
    struct kk_heap_stats st;
    (void)state;
    heap_setup(&h, 0, 65536);
    unsigned char *p = kk_heap_alloc_aligned(&h, 64, 4096); /* a 4 KiB-aligned 64-byte block */
    assert_non_null(p);
    fill(p, 64, 1);
    /* everything after p up to 4 KiB is free: 64 -> 128 -> 4096 bytes stay at p */
    unsigned char *q = kk_heap_realloc(&h, p, 100);
    assert_ptr_equal(q, p);
    assert_int_equal(kk_heap_usable_size(&h, q), 128);
    expect(q, 64, 1);
    fill(q, 128, 2);
    q = kk_heap_realloc(&h, q, 3000);
    assert_ptr_equal(q, p);
    assert_int_equal(kk_heap_usable_size(&h, q), 4096);
    expect(q, 128, 2);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 4096);
    assert_int_equal(kk_heap_check(&h), 0);
    /* shrink back, block the buddy right after it: growth must move and copy */
    fill(q, 4096, 3);
    q = kk_heap_realloc(&h, q, 64);
    assert_ptr_equal(q, p);
    unsigned char *blocker = kk_heap_alloc_aligned(&h, 64, 64);
    assert_ptr_equal(blocker, p + 64);
    fill(blocker, 64, 9);
    unsigned char *r = kk_heap_realloc(&h, q, 128);
    assert_non_null(r);
    assert_ptr_not_equal(r, p);
    expect(r, 64, 3);
    expect(blocker, 64, 9);
    assert_int_equal(kk_heap_check(&h), 0);
    /* a block that is the upper half of its pair cannot grow in place */
    assert_int_equal(kk_heap_free(&h, r), 0);
    assert_int_equal(kk_heap_free(&h, p), KK_EINVAL); /* p was given up by the moving realloc */
    r = kk_heap_realloc(&h, blocker, 100);
    assert_non_null(r);
    assert_ptr_not_equal(r, blocker);
    expect(r, 64, 9);
    assert_int_equal(kk_heap_free(&h, r), 0);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

/* Many small regions: every pointer is found in its own region, gaps are foreign. */
static void many_regions(void **state)
{
    enum { NREG = 200, RSZ = 4096, GAP = 512 };
    static void *ptrs[NREG][4];
    struct kk_heap h;
    struct kk_heap_config c = {.size = sizeof c};
    struct kk_heap_stats st;
    (void)state;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    /* add in a scrambled order so the tree sees non-monotonic addresses */
    for (unsigned k = 0; k < NREG; k++) {
        unsigned r = (k * 37) % NREG;
        assert_int_equal(kk_heap_add_region(&h, pool + (size_t)r * (RSZ + GAP), RSZ), 0);
    }
    for (unsigned r = 0; r < NREG; r++) {
        unsigned char *base = pool + (size_t)r * (RSZ + GAP);
        assert_int_equal(kk_heap_add_region(&h, base + RSZ - 8, 1024), KK_EINVAL); /* overlap */
        if (r > 0) /* starts in the gap, ends inside region r */
            assert_int_equal(kk_heap_add_region(&h, base - GAP / 2, 1024), KK_EINVAL);
        assert_int_equal(kk_heap_free(&h, base + RSZ + 64), KK_EINVAL); /* in a gap */
    }
    kk_heap_stats(&h, &st);
    assert_int_equal(st.regions, NREG);
    size_t n = 0;
    for (unsigned r = 0; r < NREG; r++)
        for (unsigned j = 0; j < 4; j++) {
            ptrs[r][j] = kk_heap_alloc(&h, 400);
            assert_non_null(ptrs[r][j]);
            fill(ptrs[r][j], 400, r * 4 + j);
            n++;
        }
    assert_int_equal(kk_heap_check(&h), 0);
    /* free every second one, walking the regions backwards */
    for (unsigned r = NREG; r-- > 0;)
        for (unsigned j = 0; j < 4; j += 2) {
            expect(ptrs[r][j], 400, r * 4 + j);
            assert_int_equal(kk_heap_usable_size(&h, ptrs[r][j]), 512);
            assert_int_equal(kk_heap_free(&h, ptrs[r][j]), 0);
            assert_int_equal(kk_heap_free(&h, ptrs[r][j]), KK_EINVAL);
        }
    for (unsigned r = 0; r < NREG; r++)
        for (unsigned j = 1; j < 4; j += 2) {
            expect(ptrs[r][j], 400, r * 4 + j);
            assert_int_equal(kk_heap_free(&h, ptrs[r][j]), 0);
        }
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_true(n >= 4 * NREG);
    assert_int_equal(kk_heap_check(&h), 0);
}

/* With every region full, the one block freed anywhere is what the next allocation gets. */
static void alloc_finds_space_among_regions(void **state)
{
    enum { NREG = 150, RSZ = 4096, MAXP = NREG * 16 };
    static void *ptrs[MAXP];
    struct kk_heap h;
    struct kk_heap_config c = {.size = sizeof c};
    (void)state;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    for (unsigned k = 0; k < NREG; k++)
        assert_int_equal(kk_heap_add_region(&h, pool + (size_t)((k * 61) % NREG) * RSZ, RSZ), 0);
    size_t n = 0;
    while (n < MAXP && (ptrs[n] = kk_heap_alloc(&h, 200)) != NULL)
        n++;
    assert_true(n >= NREG && n < MAXP);
    assert_int_equal(kk_heap_check(&h), 0);
    for (size_t k = 0; k < n; k += 97) { /* free one block, get the same one back */
        void *p = ptrs[k];
        assert_int_equal(kk_heap_free(&h, p), 0);
        assert_ptr_equal(kk_heap_alloc(&h, 150), p);
        assert_null(kk_heap_alloc(&h, 150));
        assert_int_equal(kk_heap_check(&h), 0);
    }
    bool merged = false;
    /* two adjacent 256-byte buddies freed far from the last-used region make one 512 block */
    for (size_t k = 0; k + 1 < n; k++) {
        if ((uintptr_t)ptrs[k] % 512 == 0 && (char *)ptrs[k + 1] == (char *)ptrs[k] + 256) {
            assert_int_equal(kk_heap_free(&h, ptrs[k]), 0);
            assert_null(kk_heap_alloc(&h, 300)); /* only 256 bytes free so far */
            assert_int_equal(kk_heap_free(&h, ptrs[k + 1]), 0);
            assert_ptr_equal(kk_heap_alloc(&h, 300), ptrs[k]);
            merged = true;
            break;
        }
    }
    assert_true(merged);
    assert_int_equal(kk_heap_check(&h), 0);
}

struct rescue {
    int calls, fail;
    size_t next;
};

static int rescue_oom(void *ctx, struct kk_heap *h, size_t size, size_t align)
{
    struct rescue *r = ctx;
    (void)align;
    r->calls++;
    if (r->fail)
        return r->fail < 0 ? r->fail : 0;
    size_t region = size * 4 + 8192; /* holds an aligned block of 2 * size */
    int rc = kk_heap_add_region(h, pool + r->next, region);
    r->next += region;
    return rc;
}

static void oom_callback_adds_memory(void **state)
{
    struct kk_heap h;
    struct rescue r = {0, 0, 8192};
    struct kk_heap_config c = {.size = sizeof c, .ctx = &r, .oom = rescue_oom};
    (void)state;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    assert_int_equal(kk_heap_add_region(&h, pool, 8192), 0);
    void *a = kk_heap_alloc(&h, 4096); /* fits the first region */
    assert_non_null(a);
    assert_int_equal(r.calls, 0);
    void *b = kk_heap_alloc(&h, 30000);
    assert_non_null(b);
    assert_int_equal(r.calls, 1);
    assert_true((unsigned char *)b >= pool + 8192);
    assert_int_equal(kk_heap_check(&h), 0);
    r.fail = KK_ENOMEM;
    assert_null(kk_heap_alloc(&h, 200000));
    assert_int_equal(r.calls, 2);
    r.fail = 1; /* claims success but adds nothing: bounded retries */
    assert_null(kk_heap_alloc(&h, 200000));
    assert_int_equal(r.calls, 2 + 8);
    assert_int_equal(kk_heap_free(&h, a), 0);
    assert_int_equal(kk_heap_free(&h, b), 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

static int nlock, depth;

static void t_lock(void *ctx)
{
    (void)ctx;
    assert_int_equal(depth, 0);
    depth++;
    nlock++;
}

static void t_unlock(void *ctx)
{
    (void)ctx;
    assert_int_equal(depth, 1);
    depth--;
}

static void locks_and_min_block(void **state)
{
    struct kk_heap h;
    struct kk_heap_config c = {
        .size = sizeof c, .min_block = 64, .max_order = 8, .lock = t_lock, .unlock = t_unlock};
    (void)state;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    assert_int_equal(kk_heap_add_region(&h, pool, 65536), 0);
    void *p = kk_heap_alloc(&h, 1);
    assert_int_equal(kk_heap_usable_size(&h, p), 64);
    assert_null(kk_heap_alloc(&h, 64 * 256 + 1)); /* above the largest block */
    void *q = kk_heap_alloc(&h, 64 * 256);
    assert_non_null(q);
    assert_int_equal(kk_heap_free(&h, p), 0);
    assert_int_equal(kk_heap_free(&h, q), 0);
    assert_int_equal(kk_heap_check(&h), 0);
    assert_int_equal(depth, 0);
    assert_true(nlock >= 7);
}

/* With lock hooks, the cached fast paths (a region of 1 MiB has a cache) take the lock once per
 * call too. */
static void locks_on_cached_paths(void **state)
{
    struct kk_heap h;
    struct kk_heap_config c = {.size = sizeof c, .lock = t_lock, .unlock = t_unlock};
    (void)state;
    assert_int_equal(kk_heap_init(&h, &c), 0);
    assert_int_equal(kk_heap_add_region(&h, pool, sizeof pool), 0);
    void *p = kk_heap_alloc(&h, 100);
    assert_non_null(p);
    assert_int_equal(kk_heap_free(&h, p), 0); /* into the cache */
    int n0 = nlock;
    void *again = kk_heap_alloc(&h, 100); /* from the cache */
    assert_ptr_equal(again, p);
    assert_int_equal(nlock, n0 + 1);
    assert_int_equal(kk_heap_free(&h, again), 0); /* back into the cache */
    assert_int_equal(nlock, n0 + 2);
    assert_int_equal(depth, 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

static void check_detects_corruption(void **state)
{
    struct kk_heap h;
    (void)state;
    heap_setup(&h, 0, 65536);
    void *p = kk_heap_alloc(&h, 16);
    assert_non_null(p);
    /* an overflow from p smashes the links of the free buddy behind it */
    uint32_t *links = (uint32_t *)((char *)p + 16), saved[2] = {links[0], links[1]};
    links[0] = 12345;
    assert_int_equal(kk_heap_check(&h), KK_ECORRUPT);
    links[0] = saved[0];
    links[1] = 7;
    assert_int_equal(kk_heap_check(&h), KK_ECORRUPT);
    links[1] = saved[1];
    assert_int_equal(kk_heap_check(&h), 0);
    h.nregions++;
    assert_int_equal(kk_heap_check(&h), KK_ECORRUPT);
    h.nregions--;
    struct kk_rb_node *leftmost = h.regions.leftmost; /* the region tree is checked too */
    h.regions.leftmost = NULL;
    assert_int_equal(kk_heap_check(&h), KK_ECORRUPT);
    h.regions.leftmost = leftmost;
    assert_int_equal(kk_heap_check(&h), 0);
    assert_int_equal(kk_heap_free(&h, p), 0);
}

/*
 * Regions of 128 KiB and more cache freed small blocks: a cached block is
 * still rejected as a double free, counts as free in the statistics, and an
 * allocation that finds nothing else gives the cache back (so a full heap
 * still yields every block, and freed blocks still coalesce).
 */
static void free_block_cache(void **state)
{
    struct kk_heap h;
    struct kk_heap_stats st0, st;
    static void *p[65536];
    (void)state;
    heap_setup(&h, 0, sizeof pool);
    /* 1 MiB: 64 cached blocks per order for the first 10 orders, after the header */
    assert_true(kk_heap_region_overhead(&h, sizeof pool) >= sizeof pool / 17 + 64 * 10 * 4);
    kk_heap_stats(&h, &st0);
    for (int i = 0; i < 200; i++)
        assert_non_null(p[i] = kk_heap_alloc(&h, 16));
    for (int i = 0; i < 200; i++)
        assert_int_equal(kk_heap_free(&h, p[i]), 0);
    assert_int_equal(kk_heap_free(&h, p[199]), KK_EINVAL); /* cached: still a double free */
    assert_int_equal(kk_heap_usable_size(&h, p[199]), 0);
    assert_null(kk_heap_realloc(&h, p[199], 10));
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(st.free_bytes, st0.free_bytes);
    assert_int_equal(kk_heap_check(&h), 0);
    assert_ptr_equal(kk_heap_alloc(&h, 16), p[199]); /* last freed, first reused */
    assert_int_equal(kk_heap_free(&h, p[199]), 0);
    /* exhaustion gives the cached blocks back: every 16-byte block is handed out */
    size_t n = 0;
    while ((p[n] = kk_heap_alloc(&h, 16)) != NULL)
        n++;
    assert_int_equal(n, st0.free_bytes / 16);
    assert_int_equal(kk_heap_check(&h), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kk_heap_free(&h, p[i]), 0);
    void *big = kk_heap_alloc(&h, st0.largest_free); /* drains the cache, coalesced */
    assert_non_null(big);
    assert_int_equal(kk_heap_free(&h, big), 0);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.largest_free, st0.largest_free);
    /* a cached buddy does not stop a realloc from growing in place */
    unsigned char *a = kk_heap_alloc_aligned(&h, 64, 4096);
    unsigned char *b = kk_heap_alloc_aligned(&h, 64, 64);
    assert_ptr_equal(b, a + 64);
    assert_int_equal(kk_heap_free(&h, b), 0); /* into the cache */
    assert_ptr_equal(kk_heap_realloc(&h, a, 100), a);
    assert_int_equal(kk_heap_usable_size(&h, a), 128);
    assert_int_equal(kk_heap_check(&h), 0);
    assert_int_equal(kk_heap_free(&h, a), 0);
    kk_heap_stats(&h, &st);
    assert_int_equal(st.used_bytes, 0);
    assert_int_equal(kk_heap_check(&h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_config),
        cmocka_unit_test(regions_and_overhead),
        cmocka_unit_test(alloc_free_basics),
        cmocka_unit_test(exhaust_and_recover),
        cmocka_unit_test(aligned_allocations),
        cmocka_unit_test(realloc_paths),
        cmocka_unit_test(oom_callback_adds_memory),
        cmocka_unit_test(locks_and_min_block),
        cmocka_unit_test(locks_on_cached_paths),
        cmocka_unit_test(check_detects_corruption),
        cmocka_unit_test(realloc_grows_in_place),
        cmocka_unit_test(many_regions),
        cmocka_unit_test(alloc_finds_space_among_regions),
        cmocka_unit_test(free_block_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
