/*
 * test_pagetable.c: host tests of kernkit::pagetable over a simulated
 * physical arena, for every format. Raw entries are checked with the
 * independent reference walkers of ref_walk.c; random operation sequences
 * run against a model; allocation failures are injected at every table
 * allocation. KK_TEST_ITERS scales the random tests (default 1), KK_TEST_SEED
 * varies their seeds (default 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "ref_walk.h"
#include "whitebox.h"

static const enum kk_pt_format all_formats[] = {
    KK_PT_SV39,      KK_PT_SV48,       KK_PT_SV57, KK_PT_X86_64_4L,
    KK_PT_X86_64_5L, KK_PT_AARCH64_4K, KK_PT_I386,
};
#define NFORMATS (sizeof(all_formats) / sizeof(all_formats[0]))

#define K4 4096ull
#define M2 (2ull << 20)
#define M4 (4ull << 20)
#define G1 (1ull << 30)

struct fx {
    enum kk_pt_format f;
    struct arena a;
    struct kk_pt pt;
    unsigned levels, vb;
    uint64_t sizes;
    uint64_t pa_base; /* where test mappings point (outside the arena) */
};

static void fx_init_t(struct fx *x, enum kk_pt_format f, uint32_t threshold)
{
    memset(x, 0, sizeof(*x));
    x->f = f;
    arena_init(&x->a, f == KK_PT_I386 ? 0x00400000ull : 0x0000001234000000ull);
    struct kk_pt_config cfg = {sizeof(cfg), f, &x->a.plat, 7, threshold};
    assert_int_equal(kk_pt_init(&x->pt, &cfg), 0);
    assert_non_null(kk_pt_format_info(f, &x->levels, &x->vb, &x->sizes));
    x->pa_base = f == KK_PT_I386 ? 0x40000000ull : 0x0000004000000000ull;
}

static void fx_init(struct fx *x, enum kk_pt_format f)
{
    fx_init_t(x, f, 0);
}

static void fx_fini(struct fx *x)
{
    kk_pt_destroy(&x->pt);
    assert_int_equal(x->a.nused, 0);
    assert_int_equal(x->a.bad_frees, 0);
    arena_fini(&x->a);
}

static bool sign_ext(enum kk_pt_format f)
{
    return f != KK_PT_I386;
}

/* A canonical address in the upper half (kernel half) at offset off. */
static uint64_t hi_va(const struct fx *x, uint64_t off)
{
    if (!sign_ext(x->f))
        return 0xC0000000ull + off;
    return (~0ull << (x->vb - 1)) + off;
}

static unsigned expect_flags(enum kk_pt_format f, unsigned req)
{
    return ref_expect_flags(f, req);
}

static uint64_t seed_mix(void)
{
    const char *s = getenv("KK_TEST_SEED");
    return s ? strtoull(s, NULL, 0) : 0;
}

static unsigned iters(void)
{
    const char *s = getenv("KK_TEST_ITERS");
    long n = s ? atol(s) : 1;
    return n > 0 ? (unsigned)n : 1;
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static unsigned random_flags(enum kk_pt_format f, uint64_t *s)
{
    unsigned fl = (unsigned)rnd(s) & KK_PT_ALL_FLAGS;
    fl |= KK_PT_R;
    if ((fl & (KK_PT_DEVICE | KK_PT_UNCACHED)) && (rnd(s) & 1))
        fl &= ~(KK_PT_DEVICE | KK_PT_UNCACHED);
    (void)f;
    return fl;
}

/* Expect the MMU to translate va to pa with flags and page size (0 = any). */
static void expect_map(const struct fx *x, uint64_t va, uint64_t pa, unsigned flags, uint64_t size)
{
    struct ref_result r;
    int rc = ref_walk(&x->a, x->f, kk_pt_root(&x->pt), va, &r);
    if (rc || r.pa != pa || r.flags != expect_flags(x->f, flags) || (size && r.size != size))
        fail_msg("%s va %llx: ref rc %d pa %llx (want %llx) flags %x (want %x) size %llx "
                 "(want %llx)",
                 kk_pt_format_info(x->f, NULL, NULL, NULL), (unsigned long long)va, rc,
                 (unsigned long long)r.pa, (unsigned long long)pa, r.flags,
                 expect_flags(x->f, flags), (unsigned long long)r.size, (unsigned long long)size);
}

static void expect_unmapped(const struct fx *x, uint64_t va)
{
    struct ref_result r;
    int rc = ref_walk(&x->a, x->f, kk_pt_root(&x->pt), va, &r);
    if (rc != REF_FAULT)
        fail_msg("%s va %llx: expected no translation, ref rc %d pa %llx",
                 kk_pt_format_info(x->f, NULL, NULL, NULL), (unsigned long long)va, rc,
                 (unsigned long long)r.pa);
}

static void expect_ok(const struct fx *x)
{
    assert_int_equal(kk_pt_check(&x->pt), 0);
    assert_int_equal(kk_pt_table_count(&x->pt), x->a.nused);
}

/* ---- basics ------------------------------------------------------------------ */

static void test_info_and_init(void **state)
{
    (void)state;
    unsigned levels, vb;
    uint64_t sizes;
    assert_string_equal(kk_pt_format_info(KK_PT_SV39, &levels, &vb, &sizes), "sv39");
    assert_int_equal(levels, 3);
    assert_int_equal(vb, 39);
    assert_int_equal(sizes, K4 | M2 | G1);
    assert_non_null(kk_pt_format_info(KK_PT_I386, &levels, &vb, &sizes));
    assert_int_equal(levels, 2);
    assert_int_equal(vb, 32);
    assert_int_equal(sizes, K4 | M4);
    assert_non_null(kk_pt_format_info(KK_PT_X86_64_5L, &levels, &vb, &sizes));
    assert_int_equal(vb, 57);
    assert_int_equal(sizes, K4 | M2 | G1);
    assert_non_null(kk_pt_format_info(KK_PT_SV48, &levels, &vb, &sizes));
    assert_int_equal(sizes, K4 | M2 | G1 | (512ull << 30));
    assert_null(kk_pt_format_info((enum kk_pt_format)99, NULL, NULL, NULL));

    struct arena a;
    struct kk_pt pt;
    arena_init(&a, 0x80000000ull);
    struct kk_pt_config cfg = {sizeof(cfg), KK_PT_SV39, &a.plat, 0, 0};
    cfg.format = (enum kk_pt_format)42;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_EINVAL);
    cfg.format = KK_PT_SV39;
    cfg.size = 4;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_EINVAL);
    cfg.size = sizeof(cfg);
    cfg.flush_threshold = KK_PT_FLUSH_MAX + 1;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_EINVAL);
    cfg.flush_threshold = 0;
    struct kk_pt_platform bad = a.plat;
    bad.alloc_table = NULL;
    cfg.plat = &bad;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_EINVAL);
    cfg.plat = &a.plat;
    a.fail_at = 0;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_ENOMEM);
    assert_int_equal(a.nused, 0);
    a.fail_at = -1;
    assert_int_equal(kk_pt_init(&pt, &cfg), 0);
    assert_int_equal(a.nused, 1);
    assert_int_equal(kk_pt_table_count(&pt), 1);
    kk_pt_destroy(&pt);
    assert_int_equal(a.nused, 0);
    arena_fini(&a);
    /* A platform frame the format cannot address goes back: KK_ERANGE. */
    arena_init(&a, 0x100000000ull);
    cfg.format = KK_PT_I386;
    cfg.plat = &a.plat;
    assert_int_equal(kk_pt_init(&pt, &cfg), KK_ERANGE);
    assert_int_equal(a.nused, 0);
    assert_int_equal(a.bad_frees, 0);
    arena_fini(&a);
}

static void test_map_each_size(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        unsigned fl = KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D | KK_PT_G;
        uint64_t n = 0;
        for (unsigned b = 12; b < 64; b++) {
            uint64_t size = 1ull << b;
            if (!(x.sizes & size) || size > (1ull << (x.vb - 2)))
                continue;
            uint64_t lo = size * 2, hi = hi_va(&x, size * 3);
            uint64_t pa = x.pa_base & ~(size - 1);
            if (pa == 0 || size > (x.f == KK_PT_I386 ? (1ull << 31) : (1ull << 40)))
                pa = size;
            assert_int_equal(kk_pt_map(&x.pt, lo, pa, size, fl), 0);
            assert_int_equal(kk_pt_map(&x.pt, hi, pa, size, fl | KK_PT_X), 0);
            n += 2;
            expect_map(&x, lo, pa, fl, size);
            expect_map(&x, lo + size - K4, pa + size - K4, fl, size);
            expect_map(&x, hi + size / 2, pa + size / 2, fl | KK_PT_X, size);
            struct kk_pt_mapping m;
            assert_int_equal(kk_pt_query(&x.pt, hi + size / 2 + 5, &m), 0);
            assert_int_equal(m.va, hi);
            assert_int_equal(m.pa, pa);
            assert_int_equal(m.size, size);
            assert_int_equal(m.flags, expect_flags(x.f, fl | KK_PT_X));
            expect_ok(&x);
            assert_int_equal(kk_pt_unmap(&x.pt, lo, NULL, &m), 0);
            assert_int_equal(m.va, lo);
            assert_int_equal(m.size, size);
            assert_int_equal(m.flags, expect_flags(x.f, fl));
            expect_unmapped(&x, lo);
            assert_int_equal(kk_pt_unmap(&x.pt, hi, NULL, NULL), 0);
            expect_unmapped(&x, hi + size / 2);
            /* Everything unmapped: only the root is left. */
            assert_int_equal(kk_pt_table_count(&x.pt), 1);
            assert_int_equal(x.a.nused, 1);
            assert_int_equal(x.a.dirty_frees, 0);
        }
        assert_true(n >= 4);
        fx_fini(&x);
    }
}

/* ---- bad input ----------------------------------------------------------------- */

/* The accessors and the flush batch take NULL and destroyed tables without crashing. */
static void test_null_accessors(void **state)
{
    (void)state;
    struct kk_pt_flush fb;
    struct fx x;
    kk_pt_flush_init(NULL, NULL);
    kk_pt_flush_finish(NULL);
    kk_pt_flush_init(&fb, NULL);
    kk_pt_flush_finish(&fb);
    assert_true(kk_pt_root(NULL) == 0);
    assert_true(kk_pt_table_count(NULL) == 0);
    assert_int_equal(kk_pt_share_gen(NULL), 0);
    fx_init(&x, all_formats[0]);
    assert_true(kk_pt_root(&x.pt) != 0);
    assert_true(kk_pt_table_count(&x.pt) == 1);
    kk_pt_flush_init(&fb, &x.pt);
    kk_pt_flush_finish(&fb);
    fx_fini(&x);
    assert_true(kk_pt_root(&x.pt) == 0);
    assert_true(kk_pt_table_count(&x.pt) == 0);
    kk_pt_flush_finish(&fb); /* its table is gone: nothing to do */
}

static void test_bad_input(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D;
        uint64_t huge = (x.sizes & M2) ? M2 : M4;
        uint64_t pa = x.pa_base;
        /* Some state to keep intact: a 4K page and a huge page. */
        assert_int_equal(kk_pt_map(&x.pt, 0x10000, pa, K4, fl), 0);
        assert_int_equal(kk_pt_map(&x.pt, 4 * huge, pa, huge, fl), 0);
        struct arena_snap s;
        arena_snap_take(&x.a, &s);
        uint64_t noncanon = sign_ext(x.f) ? (1ull << (x.vb - 1)) : (1ull << 32);
        uint64_t top_lo = sign_ext(x.f) ? (1ull << (x.vb - 1)) - K4 : (1ull << 32) - K4;
        struct kk_pt_mapping m;

        assert_int_equal(kk_pt_map(&x.pt, 0x20001, pa, K4, fl), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, pa + 1, K4, fl), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, pa, 8192, fl), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, huge + K4, pa, huge, fl), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, pa, K4, 0), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, pa, K4, KK_PT_W), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, pa, K4, KK_PT_R | (1u << 20)), KK_EINVAL);
        assert_int_equal(kk_pt_map(&x.pt, noncanon, pa, K4, fl), KK_EFAULT);
        assert_int_equal(kk_pt_map_range(&x.pt, top_lo, pa, 2 * K4, fl, false, NULL), KK_EFAULT);
        assert_int_equal(kk_pt_map_range(&x.pt, 0x20000, pa, 0, fl, false, NULL), KK_EINVAL);
        assert_int_equal(kk_pt_map_range(&x.pt, 0x20000, pa, 100, fl, false, NULL), KK_EINVAL);
        uint64_t palim = x.f == KK_PT_I386                                    ? (1ull << 32)
                         : x.f == KK_PT_AARCH64_4K                            ? (1ull << 48)
                         : (x.f == KK_PT_X86_64_4L || x.f == KK_PT_X86_64_5L) ? (1ull << 52)
                                                                              : (1ull << 56);
        assert_int_equal(kk_pt_map(&x.pt, 0x20000, palim, K4, fl), KK_ERANGE);
        assert_int_equal(kk_pt_map_range(&x.pt, 0x20000, palim - K4, 2 * K4, fl, false, NULL),
                         KK_ERANGE);
        /* Overlaps: the 4K page, inside the huge page, a huge page over a table. */
        assert_int_equal(kk_pt_map(&x.pt, 0x10000, pa, K4, fl), KK_EEXIST);
        assert_int_equal(kk_pt_map_range(&x.pt, 0x8000, pa, 0x10000, fl, false, NULL), KK_EEXIST);
        assert_int_equal(kk_pt_map(&x.pt, 4 * huge + 3 * K4, pa, K4, fl), KK_EEXIST);
        assert_int_equal(kk_pt_map(&x.pt, 4 * huge, pa, huge, fl), KK_EEXIST);
        assert_int_equal(kk_pt_map(&x.pt, 0, 0, huge, fl), KK_EEXIST);
        assert_int_equal(kk_pt_map_range(&x.pt, 3 * huge, pa, 2 * huge, fl, true, NULL), KK_EEXIST);
        /* Unmapping / protecting what is not there, or the middle of a huge page. */
        assert_int_equal(kk_pt_unmap(&x.pt, 0x30000, NULL, &m), KK_ENOENT);
        assert_int_equal(kk_pt_unmap(&x.pt, 4 * huge + K4, NULL, &m), KK_EINVAL);
        assert_int_equal(kk_pt_unmap(&x.pt, 0x10001, NULL, &m), KK_EINVAL);
        assert_int_equal(kk_pt_unmap(&x.pt, noncanon, NULL, &m), KK_EFAULT);
        assert_int_equal(kk_pt_unmap_range(&x.pt, 0x30000, 0x4000, NULL, NULL, NULL), KK_ENOENT);
        assert_int_equal(kk_pt_protect(&x.pt, 0x30000, fl, NULL), KK_ENOENT);
        assert_int_equal(kk_pt_protect(&x.pt, 0x10000, KK_PT_W, NULL), KK_EINVAL);
        assert_int_equal(kk_pt_protect_range(&x.pt, 0x10000, K4, 1u << 25, NULL), KK_EINVAL);
        assert_int_equal(kk_pt_clear_ad(&x.pt, 0x10000, K4, 0, NULL, NULL, NULL), KK_EINVAL);
        assert_int_equal(kk_pt_clear_ad(&x.pt, 0x10000, K4, KK_PT_W, NULL, NULL, NULL), KK_EINVAL);
        assert_int_equal(kk_pt_query(&x.pt, 0x30000, &m), KK_ENOENT);
        assert_int_equal(kk_pt_query(&x.pt, noncanon, &m), KK_EFAULT);
        assert_int_equal(kk_pt_walk(&x.pt, 0x1000, 0, NULL, NULL), KK_EINVAL);
        struct kk_pt_flush fb;
        struct fx other;
        fx_init(&other, x.f);
        kk_pt_flush_init(&fb, &other.pt);
        assert_int_equal(kk_pt_map_range(&x.pt, 0x20000, pa, K4, fl, false, &fb), KK_EINVAL);
        assert_int_equal(kk_pt_unmap_range(&x.pt, 0x10000, K4, &fb, NULL, NULL), KK_EINVAL);
        fx_fini(&other);

        assert_true(arena_snap_same(&x.a, &s));
        arena_snap_free(&s);
        expect_map(&x, 0x10000, pa, fl, K4);
        expect_map(&x, 4 * huge + K4, pa + K4, fl, huge);
        expect_ok(&x);
        fx_fini(&x);
    }
}

/* ---- random operations against a model ---------------------------------------- */

#define WPAGES 2048 /* 8 MiB window */

struct model {
    uint64_t pa[WPAGES];
    unsigned flags[WPAGES];
    uint8_t mapped[WPAGES];
};

static void check_window(const struct fx *x, const struct model *md, uint64_t base)
{
    for (unsigned p = 0; p < WPAGES; p++) {
        uint64_t va = base + (uint64_t)p * K4;
        if (md->mapped[p])
            expect_map(x, va, md->pa[p], md->flags[p], 0);
        else
            expect_unmapped(x, va);
    }
}

static unsigned count_mapped(const struct model *md, unsigned p0, unsigned n)
{
    unsigned c = 0;
    for (unsigned p = p0; p < p0 + n; p++)
        c += md->mapped[p];
    return c;
}

struct walk_acc {
    uint64_t bytes;
    uint64_t last_end;
    int ordered;
};

static int acc_walk(void *arg, const struct kk_pt_mapping *m)
{
    struct walk_acc *w = arg;
    if (m->va < w->last_end)
        w->ordered = 0;
    w->last_end = m->va + m->size;
    w->bytes += m->size;
    return 0;
}

static void random_run(enum kk_pt_format f, bool high, uint64_t seed, unsigned nops)
{
    struct fx x;
    fx_init_t(&x, f, 1 + (unsigned)(seed % KK_PT_FLUSH_MAX));
    static struct model md;
    memset(&md, 0, sizeof(md));
    uint64_t huge = (x.sizes & M2) ? M2 : M4;
    /* The window straddles a 1 GiB boundary (several tables at each level). */
    uint64_t base = high ? hi_va(&x, f == KK_PT_I386 ? G1 / 2 : G1) : 3 * G1;
    base -= (uint64_t)WPAGES * K4 / 2;
    uint64_t s = seed;
    for (unsigned op = 0; op < nops; op++) {
        unsigned p0 = (unsigned)(rnd(&s) % WPAGES);
        unsigned n = 1 + (unsigned)(rnd(&s) % (rnd(&s) % 4 ? 64 : 1200));
        if (p0 + n > WPAGES)
            n = WPAGES - p0;
        uint64_t va = base + (uint64_t)p0 * K4, len = (uint64_t)n * K4;
        unsigned fl = random_flags(f, &s);
        struct kk_pt_flush fb, *fbp = NULL;
        if (rnd(&s) & 1) {
            kk_pt_flush_init(&fb, &x.pt);
            fbp = &fb;
        }
        unsigned mapped = count_mapped(&md, p0, n);
        int rc;
        switch (rnd(&s) % 6) {
        case 0:
        case 1: { /* map_range, often congruent modulo the huge size */
            uint64_t pa = x.pa_base + (rnd(&s) % 64) * huge + (va & (huge - 1));
            if (rnd(&s) % 3 == 0)
                pa = x.pa_base + (rnd(&s) % 4096) * K4;
            bool allow = rnd(&s) & 1;
            struct arena_snap sn;
            if (mapped)
                arena_snap_take(&x.a, &sn);
            rc = kk_pt_map_range(&x.pt, va, pa, len, fl, allow, fbp);
            if (mapped) {
                assert_int_equal(rc, KK_EEXIST);
                if (fbp)
                    kk_pt_flush_finish(fbp), fbp = NULL;
                assert_true(arena_snap_same(&x.a, &sn));
                arena_snap_free(&sn);
                break;
            }
            assert_int_equal(rc, 0);
            for (unsigned p = p0; p < p0 + n; p++) {
                md.mapped[p] = 1;
                md.pa[p] = pa + (uint64_t)(p - p0) * K4;
                md.flags[p] = fl;
            }
            break;
        }
        case 2: { /* the callback sees exactly the mapped pages of the range */
            struct walk_acc w = {0, 0, 1};
            rc = kk_pt_unmap_range(&x.pt, va, len, fbp, acc_walk, &w);
            if (!mapped) {
                assert_int_equal(rc, KK_ENOENT);
                break;
            }
            assert_true(rc > 0 && (unsigned)rc <= mapped);
            assert_int_equal(w.bytes, (uint64_t)mapped * K4);
            assert_true(w.ordered);
            memset(md.mapped + p0, 0, n);
            break;
        }
        case 3:
            rc = kk_pt_protect_range(&x.pt, va, len, fl, fbp);
            if (!mapped) {
                assert_int_equal(rc, KK_ENOENT);
                break;
            }
            assert_true(rc > 0);
            for (unsigned p = p0; p < p0 + n; p++)
                md.flags[p] = fl | (expect_flags(f, md.flags[p]) & (KK_PT_A | KK_PT_D));
            break;
        case 4:
            rc = kk_pt_write_protect_range(&x.pt, va, len, fbp);
            if (!mapped) {
                assert_int_equal(rc, KK_ENOENT);
                break;
            }
            assert_true(rc >= 0);
            for (unsigned p = p0; p < p0 + n; p++) {
                if (md.flags[p] & KK_PT_W)
                    md.flags[p] = (md.flags[p] & ~KK_PT_W) | KK_PT_COW;
            }
            break;
        default: { /* clear A/D: whole leaves, found with the reference walker */
            unsigned which = 1 + (unsigned)(rnd(&s) % 3);
            which = (which & 1 ? KK_PT_A : 0) | (which & 2 ? KK_PT_D : 0);
            rc = kk_pt_clear_ad(&x.pt, va, len, which, fbp, NULL, NULL);
            if (!mapped) {
                assert_int_equal(rc, KK_ENOENT);
                break;
            }
            assert_true(rc >= 0);
            uint64_t lo = va, hi = va + len;
            struct ref_result r;
            if (!ref_walk(&x.a, f, kk_pt_root(&x.pt), va, &r))
                lo = va & ~(r.size - 1);
            if (!ref_walk(&x.a, f, kk_pt_root(&x.pt), va + len - K4, &r))
                hi = ((va + len - K4) & ~(r.size - 1)) + r.size;
            for (uint64_t a = lo; a < hi; a += K4) {
                if (a < base || a >= base + WPAGES * K4)
                    continue;
                unsigned p = (unsigned)((a - base) / K4);
                if (md.mapped[p]) {
                    unsigned e = expect_flags(f, md.flags[p]);
                    md.flags[p] &= ~(which & e);
                }
            }
            break;
        }
        }
        if (fbp)
            kk_pt_flush_finish(fbp);
        assert_int_equal(x.a.bad_frees, 0);
        expect_ok(&x);
        if (op % 8 == 0 || op + 1 == nops) {
            check_window(&x, &md, base);
            struct walk_acc w = {0, 0, 1};
            assert_int_equal(kk_pt_walk(&x.pt, base, WPAGES * K4, acc_walk, &w), 0);
            assert_true(w.ordered);
            assert_true(w.bytes >= count_mapped(&md, 0, WPAGES) * K4);
        }
        /* random query */
        unsigned q = (unsigned)(rnd(&s) % WPAGES);
        struct kk_pt_mapping m;
        rc = kk_pt_query(&x.pt, base + q * K4 + 8, &m);
        if (md.mapped[q]) {
            assert_int_equal(rc, 0);
            assert_int_equal(m.pa + (base + q * K4 - m.va), md.pa[q]);
            assert_int_equal(m.flags, expect_flags(f, md.flags[q]));
        } else {
            assert_int_equal(rc, KK_ENOENT);
        }
    }
    /* Frame-leak check: unmapping everything leaves only the root. */
    kk_pt_unmap_range(&x.pt, base, WPAGES * K4, NULL, NULL, NULL);
    assert_int_equal(kk_pt_table_count(&x.pt), 1);
    assert_int_equal(x.a.nused, 1);
    assert_int_equal(x.a.dirty_frees, 0);
    fx_fini(&x);
}

static void test_random_vs_model(void **state)
{
    (void)state;
    unsigned n = 500 * iters();
    for (size_t k = 0; k < NFORMATS; k++) {
        random_run(all_formats[k], false, (0x1234567ull + k) ^ seed_mix(), n);
        random_run(all_formats[k], true, (0xabcdef1ull + 7 * k) ^ seed_mix(), n);
    }
}

/* ---- allocation-failure injection --------------------------------------------- */

/* Run op with a failure at every allocation: each failure must leave the
 * arena (tables and their contents) exactly as before. */
static void inject_map(struct fx *x, uint64_t va, uint64_t pa, uint64_t len, bool huge, bool batch)
{
    const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D;
    for (long at = 0;; at++) {
        struct arena_snap s;
        arena_snap_take(&x->a, &s);
        x->a.attempts = 0;
        x->a.fail_at = at;
        struct kk_pt_flush fb;
        kk_pt_flush_init(&fb, &x->pt);
        int rc = kk_pt_map_range(&x->pt, va, pa, len, fl, huge, batch ? &fb : NULL);
        kk_pt_flush_finish(&fb);
        x->a.fail_at = -1;
        if (rc == 0) {
            arena_snap_free(&s);
            assert_true(at > 0 || x->a.attempts == 0);
            break;
        }
        assert_int_equal(rc, KK_ENOMEM);
        assert_true(arena_snap_same(&x->a, &s));
        arena_snap_free(&s);
        expect_ok(x);
        assert_true(at < 64);
    }
    expect_ok(x);
    for (uint64_t o = 0; o < len; o += len / 16)
        expect_map(x, va + o, pa + o, fl, 0);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        uint64_t slot = 1ull << (12 + (x.levels - 1) * (x.f == KK_PT_I386 ? 10 : 9));
        uint64_t huge = (x.sizes & M2) ? M2 : M4;
        /* Straddle the boundary between two root slots; some tables exist. */
        uint64_t b = 8 * slot;
        const unsigned fl = KK_PT_R | KK_PT_A;
        assert_int_equal(kk_pt_map(&x.pt, b + 5 * huge, x.pa_base, K4, fl), 0);
        assert_int_equal(kk_pt_map(&x.pt, b - 5 * huge, x.pa_base, K4, fl), 0);
        inject_map(&x, b - 3 * huge + 7 * K4, x.pa_base, 6 * huge, false, false);
        assert_int_equal(
            kk_pt_unmap_range(&x.pt, b - 3 * huge, 6 * huge + K4 * 8, NULL, NULL, NULL),
            3 * 512 * 2 * (x.f == KK_PT_I386 ? 2 : 1));
        inject_map(&x, b - 3 * huge, x.pa_base, 6 * huge, true, true);
        /* Splitting a huge page: failure leaves every translation intact. */
        for (long at = 0;; at++) {
            struct arena_snap s;
            arena_snap_take(&x.a, &s);
            x.a.attempts = 0;
            x.a.fail_at = at;
            int rc = kk_pt_unmap_range(&x.pt, b - 2 * huge + K4, K4, NULL, NULL, NULL);
            x.a.fail_at = -1;
            if (rc > 0) {
                arena_snap_free(&s);
                break;
            }
            assert_int_equal(rc, KK_ENOMEM);
            assert_true(arena_snap_same(&x.a, &s));
            arena_snap_free(&s);
        }
        expect_unmapped(&x, b - 2 * huge + K4);
        expect_map(&x, b - 2 * huge, x.pa_base + huge, KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D, K4);
        expect_ok(&x);
        /* Single map failing on its intermediate tables. */
        for (long at = 0;; at++) {
            x.a.attempts = 0;
            x.a.fail_at = at;
            size_t before = x.a.nused;
            int rc = kk_pt_map(&x.pt, hi_va(&x, 7 * huge), x.pa_base, K4, fl);
            x.a.fail_at = -1;
            if (rc == 0)
                break;
            assert_int_equal(rc, KK_ENOMEM);
            assert_int_equal(x.a.nused, before);
            expect_ok(&x);
        }
        expect_map(&x, hi_va(&x, 7 * huge), x.pa_base, fl, K4);
        fx_fini(&x);
    }
}

/* ---- huge pages, split, protect, A/D ----------------------------------------- */

static void test_split_protect(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_X | KK_PT_A | KK_PT_D;
        uint64_t big = (x.sizes & G1) ? G1 : M4;
        uint64_t mid = (x.sizes & G1) ? M2 : K4;
        uint64_t va = 4 * big, pa = (x.f == KK_PT_I386) ? 0x80000000ull : 8 * G1;
        assert_int_equal(kk_pt_map_range(&x.pt, va, pa, big, fl, true, NULL), 0);
        assert_int_equal(kk_pt_table_count(&x.pt), x.levels - (big == G1 ? 2 : 1));
        expect_map(&x, va + big / 2, pa + big / 2, fl, big);
        /* Punch one 4K page out of the middle: big -> mid -> 4K. */
        uint64_t hole = va + big / 2 + K4;
        assert_int_equal(kk_pt_unmap_range(&x.pt, hole, K4, NULL, NULL, NULL), 1);
        expect_unmapped(&x, hole);
        expect_map(&x, hole - K4, pa + big / 2, fl, K4);
        expect_map(&x, hole + K4, pa + big / 2 + 2 * K4, fl, K4);
        expect_map(&x, va, pa, fl, mid);
        expect_map(&x, va + big - K4, pa + big - K4, fl, mid);
        expect_ok(&x);
        /* Protect a range straddling pages of both sizes. */
        uint64_t plo = va + big / 2 - mid - 3 * K4, plen = mid + 8 * K4;
        const unsigned ro = KK_PT_R | KK_PT_G;
        assert_true(kk_pt_protect_range(&x.pt, plo, plen, ro, NULL) > 0);
        for (uint64_t a = plo - K4; a < plo + plen + K4; a += K4) {
            if (a == hole)
                continue;
            bool in = a >= plo && a < plo + plen;
            expect_map(&x, a, pa + (a - va), in ? (ro | KK_PT_A | KK_PT_D) : fl, 0);
        }
        expect_ok(&x);
        /* kk_pt_protect of one whole huge page */
        assert_int_equal(kk_pt_protect(&x.pt, va, KK_PT_R, NULL), 0);
        expect_map(&x, va + mid / 2, pa + mid / 2, KK_PT_R | KK_PT_A | KK_PT_D, mid);
        /* map_range with allow_huge picks the largest sizes that fit. */
        uint64_t va2 = 8 * big - mid - 2 * K4, len2 = 2 * mid + big / 4 + 6 * K4;
        assert_int_equal(
            kk_pt_map_range(&x.pt, va2, pa + 64 * big + (va2 & (big - 1)), len2, fl, true, NULL),
            0);
        expect_map(&x, va2, pa + 64 * big + (va2 & (big - 1)), fl, K4);
        expect_map(&x, va2 + 2 * K4, pa + 64 * big + ((va2 + 2 * K4) & (big - 1)), fl, mid);
        expect_map(&x, 8 * big + big / 4, pa + 65 * big + big / 4, fl, 0);
        expect_ok(&x);
        /* Unmap everything: all tables are freed. */
        assert_true(kk_pt_unmap_range(&x.pt, va, 4 * big, NULL, NULL, NULL) > 0);
        assert_true(kk_pt_unmap_range(&x.pt, 8 * big, big, NULL, NULL, NULL) > 0);
        assert_int_equal(x.a.nused, 1);
        assert_int_equal(x.a.dirty_frees, 0);
        fx_fini(&x);
    }
}

struct ad_acc {
    int n;
    unsigned flags;
};

static int ad_cb(void *arg, const struct kk_pt_mapping *m)
{
    struct ad_acc *a = arg;
    a->n++;
    a->flags |= m->flags;
    return 0;
}

static void test_ad_and_cow(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        const unsigned fl = KK_PT_R | KK_PT_W; /* no A/D: tracked by "hardware" */
        uint64_t va = 0x7000000, root = kk_pt_root(&x.pt);
        assert_int_equal(kk_pt_map_range(&x.pt, va, x.pa_base, 16 * K4, fl, false, NULL), 0);
        assert_int_equal(kk_pt_clear_ad(&x.pt, va, 16 * K4, KK_PT_A | KK_PT_D, NULL, NULL, NULL),
                         0);
        assert_int_equal(ref_hw_set_ad(&x.a, x.f, root, va + 2 * K4, KK_PT_A), 0);
        assert_int_equal(ref_hw_set_ad(&x.a, x.f, root, va + 5 * K4, KK_PT_A | KK_PT_D), 0);
        expect_map(&x, va + 5 * K4, x.pa_base + 5 * K4, fl | KK_PT_A | KK_PT_D, K4);
        /* protect keeps hardware-set A/D */
        assert_int_equal(kk_pt_protect_range(&x.pt, va, 16 * K4, fl | KK_PT_X, NULL), 16);
        expect_map(&x, va + 5 * K4, x.pa_base + 5 * K4, fl | KK_PT_X | KK_PT_A | KK_PT_D, K4);
        struct ad_acc acc = {0, 0};
        assert_int_equal(kk_pt_clear_ad(&x.pt, va, 16 * K4, KK_PT_D, NULL, ad_cb, &acc), 1);
        assert_int_equal(acc.n, 1);
        assert_true(acc.flags & KK_PT_D);
        expect_map(&x, va + 5 * K4, x.pa_base + 5 * K4, fl | KK_PT_X | KK_PT_A, K4);
        struct kk_pt_flush fb;
        kk_pt_flush_init(&fb, &x.pt);
        long fl0 = x.a.flushes;
        assert_int_equal(kk_pt_clear_ad(&x.pt, va, 16 * K4, KK_PT_A, &fb, NULL, NULL), 2);
        assert_int_equal(x.a.flushes, fl0);
        kk_pt_flush_finish(&fb);
        assert_int_equal(x.a.flushes, fl0 + 1);
        expect_map(&x, va + 2 * K4, x.pa_base + 2 * K4, fl | KK_PT_X, K4);
        /* copy-on-write protection */
        assert_int_equal(kk_pt_protect(&x.pt, va + 3 * K4, KK_PT_R, NULL), 0);
        assert_int_equal(kk_pt_write_protect_range(&x.pt, va, 16 * K4, NULL), 15);
        expect_map(&x, va, x.pa_base, KK_PT_R | KK_PT_X | KK_PT_COW, K4);
        expect_map(&x, va + 3 * K4, x.pa_base + 3 * K4, KK_PT_R, K4);
        assert_int_equal(kk_pt_write_protect_range(&x.pt, va, 16 * K4, NULL), 0);
        expect_ok(&x);
        fx_fini(&x);
    }
}

/* Flag rewrites skip the CAS exactly on leaves the MMU never writes: A set,
 * and D set or (RISC-V, AArch64) not writable; x86/i386 need A and D. */
static void test_hw_stable_rule(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        enum kk_pt_format f = all_formats[k];
        bool x86 = f == KK_PT_X86_64_4L || f == KK_PT_X86_64_5L || f == KK_PT_I386;
        for (unsigned fl = 0; fl <= KK_PT_ALL_FLAGS; fl++) {
            if (!(fl & KK_PT_R))
                continue;
            for (unsigned l = 0; l < 2; l++) {
                bool want = (fl & KK_PT_A) && ((fl & KK_PT_D) || (!x86 && !(fl & KK_PT_W)));
                /* AArch64 keeps D only with W; a clean writable page can be dirtied. */
                assert_int_equal(wb_hw_stable(f, fl, l), want ? 1 : 0);
            }
        }
    }
}

/* ---- flush batches ---------------------------------------------------------- */

static void test_flush_batch(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init_t(&x, all_formats[k], 8);
        const unsigned fl = KK_PT_R | KK_PT_A;
        uint64_t va = 0x40000000;
        assert_int_equal(kk_pt_map_range(&x.pt, va, x.pa_base, 4 * K4, fl, false, NULL), 0);
        assert_int_equal(x.a.flushes, 0); /* mapping new pages needs no flush */
        size_t used = x.a.nused;
        struct kk_pt_flush fb;
        kk_pt_flush_init(&fb, &x.pt);
        /* Three pages by address, the table stays. */
        assert_int_equal(kk_pt_unmap_range(&x.pt, va, 3 * K4, &fb, NULL, NULL), 3);
        assert_int_equal(x.a.flushes, 0);
        kk_pt_flush_finish(&fb);
        assert_int_equal(x.a.flushes, 1);
        assert_int_equal(x.a.flushed_vas, 3);
        assert_int_equal(x.a.nused, used);
        /* The last page: its tables empty, freed only after the flush. */
        x.a.nev = 0;
        assert_int_equal(kk_pt_unmap(&x.pt, va + 3 * K4, &fb, NULL), 0);
        assert_int_equal(x.a.nused, used);
        assert_int_equal(kk_pt_table_count(&x.pt), 1);
        kk_pt_flush_finish(&fb);
        assert_int_equal(x.a.nused, 1);
        assert_int_equal(x.a.ev[0], EV_FLUSH_VA);
        for (int i = 1; i < x.a.nev; i++)
            assert_int_equal(x.a.ev[i], EV_FREE);
        assert_int_equal(x.a.nev, 1 + (int)(used - 1));
        assert_int_equal(x.a.dirty_frees, 0);
        /* Past the threshold: one full flush. */
        assert_int_equal(kk_pt_map_range(&x.pt, va, x.pa_base, 64 * K4, fl, false, NULL), 0);
        x.a.nev = 0;
        assert_int_equal(kk_pt_unmap_range(&x.pt, va, 64 * K4, &fb, NULL, NULL), 64);
        kk_pt_flush_finish(&fb);
        assert_int_equal(x.a.ev[0], EV_FLUSH_ALL);
        assert_int_equal(x.a.nused, 1);
        /* Finishing an empty batch does nothing. */
        long f0 = x.a.flushes;
        kk_pt_flush_finish(&fb);
        assert_int_equal(x.a.flushes, f0);
        fx_fini(&x);
    }
}

/* ---- kernel-half sharing ---------------------------------------------------------- */

/* A second table drawing from x's arena (so the ref walker sees shared tables). */
static void fx_peer(struct fx *x, struct kk_pt *pt, uint32_t asid)
{
    struct kk_pt_config cfg = {sizeof(cfg), x->f, &x->a.plat, asid, 0};
    assert_int_equal(kk_pt_init(pt, &cfg), 0);
}

static void expect_ref(struct fx *x, const struct kk_pt *pt, uint64_t va, uint64_t pa)
{
    struct ref_result r;
    assert_int_equal(ref_walk(&x->a, x->f, kk_pt_root(pt), va, &r), 0);
    assert_int_equal(r.pa, pa);
}

static void test_share_kernel(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx kx;
        struct kk_pt u1, u2;
        fx_init(&kx, all_formats[k]);
        fx_peer(&kx, &u1, 9);
        fx_peer(&kx, &u2, 10);
        uint64_t slot = 1ull << (12 + (kx.levels - 1) * (kx.f == KK_PT_I386 ? 10 : 9));
        uint64_t kbase = sign_ext(kx.f) ? hi_va(&kx, 0) : 0xC0000000ull, klen = 4 * slot;
        const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_G | KK_PT_A | KK_PT_D;
        const uint64_t pa = kx.pa_base;
        struct kk_pt_mapping m;
        assert_int_equal(kk_pt_map(&kx.pt, kbase + slot + K4, pa, K4, fl), 0);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 1, klen), KK_EINVAL);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase, slot / 2), KK_EINVAL);
        assert_int_equal(kk_pt_share_kernel(&u1, &u1, kbase, klen), KK_EINVAL);
        /* Only the slot present in the kernel table is copied; nothing is allocated. */
        size_t used = kx.a.nused;
        uint32_t gen = kk_pt_share_gen(&kx.pt);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase, klen), 1);
        assert_int_equal(kx.a.nused, used);
        expect_ref(&kx, &u1, kbase + slot + K4, pa);
        /* A kernel mapping under a present slot shows at once. */
        assert_int_equal(kk_pt_map(&kx.pt, kbase + slot + 9 * K4, pa + K4, K4, fl), 0);
        expect_ref(&kx, &u1, kbase + slot + 9 * K4, pa + K4);
        assert_int_equal(kk_pt_share_gen(&kx.pt), gen);
        /* A slot that fills later: generation bumps, re-sync copies it. */
        assert_int_equal(kk_pt_map(&kx.pt, kbase + 3 * slot + 2 * K4, pa + 2 * K4, K4, fl), 0);
        assert_int_not_equal(kk_pt_share_gen(&kx.pt), gen);
        assert_int_equal(kk_pt_query(&u1, kbase + 3 * slot + 2 * K4, &m), KK_ENOENT);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 3 * slot, slot), 1);
        expect_ref(&kx, &u1, kbase + 3 * slot + 2 * K4, pa + 2 * K4);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase, klen), 0);
        assert_int_equal(kk_pt_share_kernel(&u2, &kx.pt, kbase, klen), 2);
        expect_ref(&kx, &u2, kbase + 3 * slot + 2 * K4, pa + 2 * K4);
        /* Borrowed slots are read-only through the borrower, even while empty. */
        assert_int_equal(kk_pt_map(&u1, kbase + 2 * slot, pa, K4, fl), KK_EPERM);
        assert_int_equal(kk_pt_map(&u1, kbase + slot + 2 * K4, pa, K4, fl), KK_EPERM);
        assert_int_equal(kk_pt_unmap_range(&u1, kbase, slot * 2, NULL, NULL, NULL), KK_EPERM);
        assert_int_equal(kk_pt_share_kernel(&kx.pt, &u1, kbase, slot), KK_EPERM);
        /* Several disjoint ranges per table; adjacent ones merge; a fifth is refused. */
        assert_int_equal(kk_pt_map(&kx.pt, kbase + 9 * slot, pa, K4, fl), 0);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 4 * slot, slot), 0); /* merges */
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 9 * slot, slot), 1);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 12 * slot, slot), 0);
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 14 * slot, slot), 0);
        struct arena_snap s;
        arena_snap_take(&kx.a, &s);
        struct kk_pt before = u1;
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 16 * slot, slot), KK_ENOSPC);
        assert_memory_equal(&before, &u1, sizeof(before));
        assert_true(arena_snap_same(&kx.a, &s));
        arena_snap_free(&s);
        expect_ref(&kx, &u1, kbase + 9 * slot, pa);
        assert_int_equal(kk_pt_map(&u1, kbase + 10 * slot, pa, K4, fl), 0); /* gap: own slot */
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase + 10 * slot, slot), KK_EEXIST);
        /* No root-level leaf in a lent-out slot; map_range builds tables there. */
        if (kx.sizes & slot) {
            assert_int_equal(kk_pt_map(&kx.pt, kbase + 2 * slot, 0, slot, fl), KK_EPERM);
            assert_int_equal(kk_pt_map_range(&kx.pt, kbase + 2 * slot, 0, slot, fl, true, NULL), 0);
            assert_int_equal(kk_pt_query(&kx.pt, kbase + 2 * slot, &m), 0);
            assert_true(m.size < slot);
            assert_int_equal(kk_pt_unmap_range(&kx.pt, kbase + 2 * slot, slot, NULL, NULL, NULL),
                             (int)(slot / m.size));
            /* a root-level leaf outside can be mapped but not shared */
            assert_int_equal(kk_pt_map(&kx.pt, kbase + 20 * slot, 0, slot, fl), 0);
            assert_int_equal(kk_pt_share_kernel(&u2, &kx.pt, kbase + 20 * slot, slot), KK_EINVAL);
            assert_int_equal(kk_pt_unmap(&kx.pt, kbase + 20 * slot, NULL, NULL), 0);
        }
        /* A failing map that would fill a lent-out slot leaves everything as it was. */
        for (long at = 0;; at++) {
            arena_snap_take(&kx.a, &s);
            kx.a.attempts = 0;
            kx.a.fail_at = at;
            int rc = kk_pt_map(&kx.pt, kbase + 2 * slot + 5 * K4, pa, K4, fl);
            kx.a.fail_at = -1;
            if (rc == 0) {
                arena_snap_free(&s);
                break;
            }
            assert_int_equal(rc, KK_ENOMEM);
            assert_true(arena_snap_same(&kx.a, &s));
            arena_snap_free(&s);
            assert_int_equal(kk_pt_check(&kx.pt), 0);
        }
        assert_int_equal(kk_pt_share_kernel(&u2, &kx.pt, kbase + 2 * slot, slot), 1);
        expect_ref(&kx, &u2, kbase + 2 * slot + 5 * K4, pa);
        /* User mappings work as usual. */
        assert_int_equal(kk_pt_map(&u1, 0x400000, pa, K4, KK_PT_R | KK_PT_U), 0);
        assert_int_equal(kk_pt_check(&u1), 0);
        assert_int_equal(kk_pt_check(&u2), 0);
        assert_int_equal(kk_pt_check(&kx.pt), 0);
        /* Unmapping every kernel page keeps the lent-out root-slot tables (slots
         * 1, 2, 3 and 9) and frees those below them; slot 9 keeps its page. */
        assert_int_equal(kk_pt_unmap_range(&kx.pt, kbase, klen, NULL, NULL, NULL), 4);
        assert_int_equal(kk_pt_table_count(&kx.pt), 1 + 4 + (kx.levels - 2));
        assert_int_equal(kx.a.nused, kk_pt_table_count(&kx.pt) + kk_pt_table_count(&u1) +
                                         kk_pt_table_count(&u2));
        assert_int_equal(kk_pt_check(&kx.pt), 0);
        assert_int_equal(kk_pt_map(&kx.pt, kbase + K4, pa, K4, fl), 0);
        /* u1 also picks up slot 2, filled after its last re-sync. */
        assert_int_equal(kk_pt_share_kernel(&u1, &kx.pt, kbase, klen), 2);
        assert_int_equal(kk_pt_query(&u1, kbase + K4, &m), 0);
        assert_int_equal(m.pa, pa);
        kk_pt_destroy(&u2); /* only borrowed entries: cleared, the root freed clean */
        assert_int_equal(kx.a.dirty_frees, 0);
        kk_pt_destroy(&u1);
        assert_int_equal(kk_pt_check(&kx.pt), 0);
        fx_fini(&kx);
    }
}

/* ---- dump, walk, checker ------------------------------------------------------------ */

struct lines {
    int n;
    char text[8][128];
};

static void collect(void *arg, const char *line)
{
    struct lines *l = arg;
    if (l->n < 8)
        snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
    l->n++;
}

static void test_dump_walk(void **state)
{
    (void)state;
    struct fx x;
    fx_init(&x, KK_PT_SV39);
    const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_X | KK_PT_G | KK_PT_A | KK_PT_D;
    assert_int_equal(
        kk_pt_map_range(&x.pt, 0x80000000ull, 0x80000000ull, 4 * M2 + 3 * K4, fl, true, NULL), 0);
    assert_int_equal(kk_pt_map(&x.pt, 0xffffffc000000000ull, 0x10000000, K4,
                               KK_PT_R | KK_PT_W | KK_PT_DEVICE | KK_PT_A | KK_PT_D),
                     0);
    struct lines l;
    memset(&l, 0, sizeof(l));
    assert_int_equal(kk_pt_dump(&x.pt, 0, 1ull << 38, collect, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0],
                        "0000000080000000-0000000080800000 -> 0000000080000000 2M x4 RWX-G--AD-");
    assert_string_equal(l.text[1],
                        "0000000080800000-0000000080803000 -> 0000000080800000 4K x3 RWX-G--AD-");
    memset(&l, 0, sizeof(l));
    assert_int_equal(kk_pt_dump(&x.pt, 0xffffffc000000000ull, G1, collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0],
                        "ffffffc000000000-ffffffc000001000 -> 0000000010000000 4K x1 RW---d-AD-");
    struct walk_acc w = {0, 0, 1};
    assert_int_equal(kk_pt_walk(&x.pt, 0x80200000ull, M2, acc_walk, &w), 0);
    assert_int_equal(w.bytes, M2);
    fx_fini(&x);
}

static void test_check_detects_corruption(void **state)
{
    (void)state;
    for (size_t k = 0; k < NFORMATS; k++) {
        struct fx x;
        fx_init(&x, all_formats[k]);
        uint64_t va = 0x40000000;
        assert_int_equal(kk_pt_map(&x.pt, va, x.pa_base, K4, KK_PT_R | KK_PT_A), 0);
        assert_int_equal(kk_pt_check(&x.pt), 0);
        struct ref_result r;
        assert_int_equal(ref_walk(&x.a, x.f, kk_pt_root(&x.pt), va, &r), 0);
        uint8_t *root = arena_ptr(&x.a, kk_pt_root(&x.pt));
        unsigned esz = x.f == KK_PT_I386 ? 4 : 8;
        uint8_t save[8192];
        memcpy(save, root, 4096);
        /* Corrupt the root: point two slots at one table (count mismatch). */
        unsigned top_shift = 12 + (x.levels - 1) * (x.f == KK_PT_I386 ? 10 : 9);
        unsigned i = (unsigned)((va >> top_shift) & ((x.f == KK_PT_I386 ? 1024 : 512) - 1));
        unsigned j = (i + 5) % (x.f == KK_PT_I386 ? 1024 : 512);
        memcpy(root + j * esz, root + i * esz, esz);
        assert_int_equal(kk_pt_check(&x.pt), KK_ECORRUPT);
        memcpy(root, save, 4096);
        assert_int_equal(kk_pt_check(&x.pt), 0);
        fx_fini(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_and_init),
        cmocka_unit_test(test_map_each_size),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_null_accessors),
        cmocka_unit_test(test_random_vs_model),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_split_protect),
        cmocka_unit_test(test_ad_and_cow),
        cmocka_unit_test(test_hw_stable_rule),
        cmocka_unit_test(test_flush_batch),
        cmocka_unit_test(test_share_kernel),
        cmocka_unit_test(test_dump_walk),
        cmocka_unit_test(test_check_detects_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
