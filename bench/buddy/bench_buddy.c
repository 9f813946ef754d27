/*
 * bench-buddy: speed of the frame allocator and the heap, against glibc
 * malloc running the same operation sequence in the same process.
 *
 * Workloads (issue #3):
 *   frames-random      1M ops on 8192 slots: free the slot if live, else
 *                      allocate order 0 (80%), 1 (8%), 2 (5%), 3 (4%), 4-9 (3%);
 *                      256 MiB managed (65536 frames of 4 KiB).
 *   frames-fill-drain  allocate all 65536 order-0 frames, free them in random order.
 *   frames-lifo        allocate and free one order-0 frame back to back, without
 *                      and with the per-CPU cache (-pcp).
 *   heap-random        1M ops on 4096 slots, sizes log-uniform 16..4096, 64 MiB heap.
 * Every operation is timed on its own (TSC on x86, calibrated to ns, timer
 * cost subtracted) except frames-lifo, timed in batches of 64 pairs; ".mean"
 * lines time a whole pass without per-operation timers. Each workload runs once untimed to
 * warm up. Output: "<workload>.median|p99: X ns", "<workload>-glibc.*" and
 * "<workload>.ratio_vs_glibc: X x" (ours / glibc median; below 1 is faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/buddy.h>

#include "bench.h"

#define FS       4096u
#define NFRAMES  65536u
#define BASE     0x100000000ull
#define OPS      1000000u
#define FSLOTS   8192u
#define HSLOTS   4096u
#define HEAP_MEM (64u << 20)

/* 0: the pass is timed as a whole (for the .mean figures), not per operation. */
static int per_op = 1;

static inline void t_start(struct kk_bench *b)
{
    if (per_op)
        kk_bench_start(b);
}

static inline void t_stop(struct kk_bench *b, unsigned n)
{
    if (per_op) {
        kk_bench_stop(b, n);
    }
}

static struct kk_buddy B;
static struct kk_buddy_pcp pcp[1];
static void *meta;

static unsigned cpu0(void *ctx)
{
    (void)ctx;
    return 0;
}

static void frames_init(int with_pcp)
{
    struct kk_buddy_config c = {.size = sizeof c, .base = BASE, .nframes = NFRAMES};
    c.meta_size = kk_buddy_meta_size(NFRAMES);
    if (!meta)
        meta = aligned_alloc(64, (c.meta_size + 63) & ~(size_t)63);
    c.meta = meta;
    if (with_pcp) {
        c.pcp = pcp;
        c.ncpus = 1;
        c.cpu_id = cpu0;
    }
    if (kk_buddy_init(&B, &c) != 0 || kk_buddy_add_range(&B, BASE, (uint64_t)NFRAMES * FS) != 0) {
        fprintf(stderr, "bench-buddy: init failed\n");
        exit(1);
    }
}

static unsigned pick_order(uint64_t *rng)
{
    unsigned r = (unsigned)(kk_bench_rand(rng) % 100);
    if (r < 80)
        return 0;
    if (r < 88)
        return 1;
    if (r < 93)
        return 2;
    if (r < 97)
        return 3;
    return 4 + (unsigned)(kk_bench_rand(rng) % 6);
}

struct fslot {
    uint64_t addr;
    void *ptr;
    unsigned order;
    int live;
};

static struct fslot fslots[FSLOTS];

/* frames-random on our allocator (glibc = 0) or on malloc (glibc = 1). */
static void frames_random(struct kk_bench *b, int glibc)
{
    uint64_t rng = 42;
    memset(fslots, 0, sizeof fslots);
    if (!glibc)
        frames_init(0);
    for (unsigned i = 0; i < OPS; i++) {
        struct fslot *s = &fslots[kk_bench_rand(&rng) % FSLOTS];
        unsigned o = pick_order(&rng);
        if (s->live) {
            t_start(b);
            if (glibc)
                free(s->ptr);
            else
                kk_buddy_free(&B, s->addr, s->order);
            t_stop(b, 1);
            s->live = 0;
            continue;
        }
        t_start(b);
        if (glibc)
            s->live = (s->ptr = malloc((size_t)FS << o)) != NULL;
        else
            s->live = kk_buddy_alloc(&B, o, &s->addr) == 0;
        t_stop(b, 1);
        s->order = o;
    }
    for (unsigned i = 0; i < FSLOTS; i++)
        if (fslots[i].live && glibc)
            free(fslots[i].ptr);
}

static uint64_t *addrs;
static void **ptrs;
static uint32_t *perm;

static void fill_drain(struct kk_bench *ba, struct kk_bench *bf, int glibc)
{
    uint64_t rng = 7;
    if (!glibc)
        frames_init(0);
    for (unsigned i = 0; i < NFRAMES; i++) {
        t_start(ba);
        if (glibc)
            ptrs[i] = malloc(FS);
        else if (kk_buddy_alloc(&B, 0, &addrs[i]) != 0)
            abort();
        t_stop(ba, 1);
    }
    for (unsigned i = 0; i < NFRAMES; i++)
        perm[i] = i;
    for (unsigned i = NFRAMES - 1; i > 0; i--) {
        unsigned j = (unsigned)(kk_bench_rand(&rng) % (i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (unsigned i = 0; i < NFRAMES; i++) {
        t_start(bf);
        if (glibc)
            free(ptrs[perm[i]]);
        else
            kk_buddy_free(&B, addrs[perm[i]], 0);
        t_stop(bf, 1);
    }
}

/* Alloc + free of one frame, timed per batch of 64 pairs (128 operations). */
static void lifo(struct kk_bench *b, int mode)
{
    enum { BATCH = 64 };
    if (mode != 2)
        frames_init(mode);
    for (unsigned i = 0; i < OPS / BATCH; i++) {
        t_start(b);
        for (unsigned j = 0; j < BATCH; j++) {
            if (mode == 2) {
                void *p = malloc(FS);
                KK_BENCH_USE(p);
                free(p);
            } else {
                uint64_t a;
                kk_buddy_alloc(&B, 0, &a);
                KK_BENCH_USE(a);
                kk_buddy_free(&B, a, 0);
            }
        }
        t_stop(b, 2 * BATCH);
    }
}

static struct kk_heap H;
static void *heap_mem;
static void *hslots[HSLOTS];

static size_t log_uniform(uint64_t *rng)
{
    unsigned bits = 4 + (unsigned)(kk_bench_rand(rng) % 9); /* 16 .. 4096 */
    size_t lo = (size_t)1 << bits;
    return lo + (size_t)(kk_bench_rand(rng) % lo) * (bits < 12);
}

static void heap_random(struct kk_bench *b, int glibc)
{
    uint64_t rng = 99;
    if (!glibc) {
        struct kk_heap_config c = {.size = sizeof c};
        if (kk_heap_init(&H, &c) != 0 || kk_heap_add_region(&H, heap_mem, HEAP_MEM) != 0)
            abort();
    }
    memset(hslots, 0, sizeof hslots);
    for (unsigned i = 0; i < OPS; i++) {
        void **s = &hslots[kk_bench_rand(&rng) % HSLOTS];
        size_t n = log_uniform(&rng);
        t_start(b);
        if (*s) {
            if (glibc)
                free(*s);
            else
                kk_heap_free(&H, *s);
            *s = NULL;
        } else {
            *s = glibc ? malloc(n) : kk_heap_alloc(&H, n);
        }
        t_stop(b, 1);
    }
    for (unsigned i = 0; i < HSLOTS; i++)
        if (hslots[i] && glibc)
            free(hslots[i]);
}

/* Mean ns per operation of one pass without per-operation timers. */
static double mean_pass(const char *w, void (*fn)(struct kk_bench *, int), int glibc, double ops)
{
    struct kk_bench dummy = {0};
    per_op = 0;
    uint64_t t0 = kk_bench_now_ns();
    fn(&dummy, glibc);
    uint64_t t1 = kk_bench_now_ns();
    per_op = 1;
    kk_bench_print(w, "mean", (double)(t1 - t0) / ops, "ns");
    return (double)(t1 - t0) / ops;
}

static double report(struct kk_bench *b)
{
    kk_bench_report(b);
    return kk_bench_percentile(b, 50.0);
}

static void ratio(const char *w, double ours, double glibc)
{
    kk_bench_print(w, "ratio_vs_glibc", glibc > 0 ? ours / glibc : 0.0, "x");
}

static int frames_ok(void)
{
    return kk_buddy_check(&B) == 0;
}

static int heap_ok(void)
{
    return kk_heap_check(&H) == 0;
}

/* Warm-up + timed pass on ours and on glibc, medians, ratio and means. */
static void run_pair(const char *w, const char *wg, void (*fn)(struct kk_bench *, int),
                     int (*ok)(void))
{
    struct kk_bench b, g;
    kk_bench_init(&b, w, OPS);
    kk_bench_init(&g, wg, OPS);
    fn(&b, 0);
    b.n = 0;
    fn(&b, 0);
    if (!ok())
        abort();
    fn(&g, 1);
    g.n = 0;
    fn(&g, 1);
    double m = report(&b), mg = report(&g);
    ratio(w, m, mg);
    double mean = mean_pass(w, fn, 0, OPS), mean_g = mean_pass(wg, fn, 1, OPS);
    kk_bench_print(w, "mean_ratio_vs_glibc", mean / mean_g, "x");
    kk_bench_free(&b);
    kk_bench_free(&g);
}

static void run_fill_drain(void)
{
    struct kk_bench a, f, ga, gf;
    kk_bench_init(&a, "frames-fill-drain-alloc", NFRAMES * 4);
    kk_bench_init(&f, "frames-fill-drain-free", NFRAMES * 4);
    kk_bench_init(&ga, "frames-fill-drain-alloc-glibc", NFRAMES * 4);
    kk_bench_init(&gf, "frames-fill-drain-free-glibc", NFRAMES * 4);
    for (int r = 0; r < 4; r++) {
        fill_drain(&a, &f, 0);
        fill_drain(&ga, &gf, 1);
        if (r == 0)
            a.n = f.n = ga.n = gf.n = 0;
    }
    double ma = report(&a), mf = report(&f), mga = report(&ga), mgf = report(&gf);
    ratio("frames-fill-drain-alloc", ma, mga);
    ratio("frames-fill-drain-free", mf, mgf);
    kk_bench_free(&a);
    kk_bench_free(&f);
    kk_bench_free(&ga);
    kk_bench_free(&gf);
}

static void run_lifo(void)
{
    struct kk_bench n, p, g;
    kk_bench_init(&n, "frames-lifo", OPS);
    kk_bench_init(&p, "frames-lifo-pcp", OPS);
    kk_bench_init(&g, "frames-lifo-glibc", OPS);
    lifo(&n, 0);
    lifo(&p, 1);
    lifo(&g, 2);
    n.n = p.n = g.n = 0;
    lifo(&n, 0);
    lifo(&p, 1);
    lifo(&g, 2);
    double mn = report(&n), mp = report(&p), mg = report(&g);
    ratio("frames-lifo", mn, mg);
    ratio("frames-lifo-pcp", mp, mg);
    kk_bench_free(&n);
    kk_bench_free(&p);
    kk_bench_free(&g);
}

static void run_heap_random(void)
{
    heap_mem = aligned_alloc(4096, HEAP_MEM);
    if (!heap_mem)
        abort();
    memset(heap_mem, 0, HEAP_MEM); /* fault the pages in, as a kernel heap would be mapped */
    run_pair("heap-random", "heap-random-glibc", heap_random, heap_ok);
    struct kk_heap_stats st;
    kk_heap_stats(&H, &st);
    kk_bench_print("heap-random", "meta_overhead", 100.0 * (double)st.meta_bytes / HEAP_MEM, "%");
    free(heap_mem);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    addrs = malloc(NFRAMES * sizeof *addrs);
    ptrs = malloc(NFRAMES * sizeof *ptrs);
    perm = malloc(NFRAMES * sizeof *perm);
    if (!addrs || !ptrs || !perm)
        return 1;
    kk_bench_ns_per_tick();
    kk_bench_print("timer", "overhead", kk_bench_timer_overhead(), "ns");
    if (!only || strstr("frames-random", only))
        run_pair("frames-random", "frames-random-glibc", frames_random, frames_ok);
    if (!only || strstr("frames-fill-drain", only))
        run_fill_drain();
    if (!only || strstr("frames-lifo", only))
        run_lifo();
    if (!only || strstr("heap-random", only))
        run_heap_random();
    free(addrs);
    free(ptrs);
    free(perm);
    free(meta);
    return 0;
}
