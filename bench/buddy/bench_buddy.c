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
 *
 * A sample is a batch of BATCH (16) consecutive operations of the workload's
 * operation stream, timed as one interval (TSC on x86, calibrated to ns, the
 * timer's own cost subtracted) and divided by BATCH: this VM's clocks move in
 * ~10 ns steps, so single operations are not resolvable. ".median"/".p99"
 * are percentiles of those per-operation batch means (a p99 therefore shows
 * slow batches, not the single slowest operation). The random choices (slot,
 * order, size) are drawn before the pass, so a batch holds allocator work and
 * slot bookkeeping only; the glibc runs replay the same stream. ".mean" is the
 * best of 3 whole passes without batch timers: the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so time lost to other processes on this shared
 * machine is not counted) divided by the operations. Each workload runs
 * once untimed to warm up. Ratios are ours / glibc (below 1 is faster): "ratio_vs_glibc" of the
 * medians, "mean_ratio_vs_glibc" of the means.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kernkit/buddy.h>

#include "bench.h"

#define FS          4096u
#define NFRAMES     65536u
#define BASE        0x100000000ull
#define OPS         1000000u
#define FSLOTS      8192u
#define HSLOTS      4096u
#define HEAP_MEM    (64u << 20)
#define BATCH       16u
#define MEAN_PASSES 3

/*
 * CPU time of this thread in ns, for the whole-pass means: on a shared machine
 * wall time also counts the time other processes held the CPU.
 */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 0: the pass is timed as a whole (for the .mean figures), not per batch. */
static int per_op = 1;

static inline void t_start(struct kk_bench *b)
{
    if (per_op)
        kk_bench_start(b);
}

static inline void t_stop(struct kk_bench *b, unsigned n)
{
    if (per_op)
        kk_bench_stop(b, n);
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

/* One pre-drawn operation: a slot and the order (frames) or size (heap) to allocate. */
struct op {
    uint32_t slot;
    uint32_t arg;
};

static struct op *fops, *hops;

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
    memset(fslots, 0, sizeof fslots);
    if (!glibc)
        frames_init(0);
    for (unsigned i = 0; i < OPS; i += BATCH) {
        t_start(b);
        for (unsigned j = i; j < i + BATCH; j++) {
            struct fslot *s = &fslots[fops[j].slot];
            if (s->live) {
                if (glibc)
                    free(s->ptr);
                else
                    kk_buddy_free(&B, s->addr, s->order);
                s->live = 0;
            } else {
                unsigned o = fops[j].arg;
                if (glibc)
                    s->live = (s->ptr = malloc((size_t)FS << o)) != NULL;
                else
                    s->live = kk_buddy_alloc(&B, o, &s->addr) == 0;
                s->order = o;
            }
        }
        t_stop(b, BATCH);
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
    if (!glibc)
        frames_init(0);
    for (unsigned i = 0; i < NFRAMES; i += BATCH) {
        t_start(ba);
        for (unsigned j = i; j < i + BATCH; j++) {
            if (glibc)
                ptrs[j] = malloc(FS);
            else if (kk_buddy_alloc(&B, 0, &addrs[j]) != 0)
                abort();
        }
        t_stop(ba, BATCH);
    }
    for (unsigned i = 0; i < NFRAMES; i += BATCH) {
        t_start(bf);
        for (unsigned j = i; j < i + BATCH; j++) {
            if (glibc)
                free(ptrs[perm[j]]);
            else
                kk_buddy_free(&B, addrs[perm[j]], 0);
        }
        t_stop(bf, BATCH);
    }
}

/* Alloc + free of one frame: a batch is BATCH / 2 pairs (BATCH operations). */
static void lifo(struct kk_bench *b, int mode)
{
    if (mode != 2)
        frames_init(mode);
    for (unsigned i = 0; i < OPS; i += BATCH) {
        t_start(b);
        for (unsigned j = 0; j < BATCH / 2; j++) {
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
        t_stop(b, BATCH);
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
    if (!glibc) {
        struct kk_heap_config c = {.size = sizeof c};
        if (kk_heap_init(&H, &c) != 0 || kk_heap_add_region(&H, heap_mem, HEAP_MEM) != 0)
            abort();
    }
    memset(hslots, 0, sizeof hslots);
    for (unsigned i = 0; i < OPS; i += BATCH) {
        t_start(b);
        for (unsigned j = i; j < i + BATCH; j++) {
            void **s = &hslots[hops[j].slot];
            if (*s) {
                if (glibc)
                    free(*s);
                else
                    kk_heap_free(&H, *s);
                *s = NULL;
            } else {
                *s = glibc ? malloc(hops[j].arg) : kk_heap_alloc(&H, hops[j].arg);
            }
        }
        t_stop(b, BATCH);
    }
    for (unsigned i = 0; i < HSLOTS; i++)
        if (hslots[i] && glibc)
            free(hslots[i]);
}

/* Draw every workload's random choices once (the same streams as before batching). */
static void draw_streams(void)
{
    uint64_t rf = 42, rh = 99, rp = 7;
    for (unsigned i = 0; i < OPS; i++) {
        fops[i].slot = (uint32_t)(kk_bench_rand(&rf) % FSLOTS);
        fops[i].arg = pick_order(&rf);
        hops[i].slot = (uint32_t)(kk_bench_rand(&rh) % HSLOTS);
        hops[i].arg = (uint32_t)log_uniform(&rh);
    }
    for (unsigned i = 0; i < NFRAMES; i++)
        perm[i] = i;
    for (unsigned i = NFRAMES - 1; i > 0; i--) {
        unsigned j = (unsigned)(kk_bench_rand(&rp) % (i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static double report(struct kk_bench *b)
{
    kk_bench_report(b);
    return kk_bench_percentile(b, 50.0);
}

static void ratio(const char *w, const char *stat, double ours, double glibc)
{
    if (glibc > 0) /* three decimals: bench.h's one would print 0.0 for a 200x win */
        printf("%s.%s: %.3f x\n", w, stat, ours / glibc);
    else
        printf("# %s.%s: glibc figure below the timer's resolution, no ratio\n", w, stat);
}

/* Mean ns per operation of one pass without batch timers. */
static double mean_of(const char *w, uint64_t t0, uint64_t t1, double ops)
{
    double m = (double)(t1 - t0) / ops;
    kk_bench_print(w, "mean", m, "ns");
    return m;
}

/*
 * Best of MEAN_PASSES whole passes without batch timers, in thread CPU time:
 * the machine is shared, and wall time would measure the scheduler too.
 */
static double mean_pass(const char *w, void (*fn)(struct kk_bench *, int), int glibc)
{
    struct kk_bench dummy = {0};
    uint64_t best = UINT64_MAX;
    per_op = 0;
    for (int r = 0; r < MEAN_PASSES; r++) {
        uint64_t t0 = cpu_ns();
        fn(&dummy, glibc);
        uint64_t t = cpu_ns() - t0;
        best = t < best ? t : best;
    }
    per_op = 1;
    return mean_of(w, 0, best, OPS);
}

static int frames_ok(void)
{
    return kk_buddy_check(&B) == 0;
}

static int heap_ok(void)
{
    return kk_heap_check(&H) == 0;
}

/* Warm-up + timed pass on ours and on glibc, medians, ratios and means. */
static void run_pair(const char *w, const char *wg, void (*fn)(struct kk_bench *, int),
                     int (*ok)(void))
{
    struct kk_bench b, g;
    kk_bench_init(&b, w, OPS / BATCH);
    kk_bench_init(&g, wg, OPS / BATCH);
    fn(&b, 0);
    b.n = 0;
    fn(&b, 0);
    if (!ok())
        abort();
    fn(&g, 1);
    g.n = 0;
    fn(&g, 1);
    double m = report(&b), mg = report(&g);
    ratio(w, "ratio_vs_glibc", m, mg);
    double mean = mean_pass(w, fn, 0), mean_g = mean_pass(wg, fn, 1);
    ratio(w, "mean_ratio_vs_glibc", mean, mean_g);
    kk_bench_free(&b);
    kk_bench_free(&g);
}

static void run_fill_drain(void)
{
    enum { ROUNDS = 4 };
    struct kk_bench a, f, ga, gf, dummy = {0};
    const char *wa = "frames-fill-drain-alloc", *wf = "frames-fill-drain-free";
    kk_bench_init(&a, wa, NFRAMES / BATCH * ROUNDS);
    kk_bench_init(&f, wf, NFRAMES / BATCH * ROUNDS);
    kk_bench_init(&ga, "frames-fill-drain-alloc-glibc", NFRAMES / BATCH * ROUNDS);
    kk_bench_init(&gf, "frames-fill-drain-free-glibc", NFRAMES / BATCH * ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
        fill_drain(&a, &f, 0);
        fill_drain(&ga, &gf, 1);
        if (r == 0)
            a.n = f.n = ga.n = gf.n = 0;
    }
    double ma = report(&a), mf = report(&f), mga = report(&ga), mgf = report(&gf);
    ratio(wa, "ratio_vs_glibc", ma, mga);
    ratio(wf, "ratio_vs_glibc", mf, mgf);
    /* whole fill + drain pass: 2 * NFRAMES operations */
    uint64_t best[2] = {UINT64_MAX, UINT64_MAX};
    per_op = 0;
    for (int r = 0; r < MEAN_PASSES; r++) {
        for (int glibc = 0; glibc < 2; glibc++) {
            uint64_t t0 = cpu_ns();
            fill_drain(&dummy, &dummy, glibc);
            uint64_t t = cpu_ns() - t0;
            best[glibc] = t < best[glibc] ? t : best[glibc];
        }
    }
    per_op = 1;
    double m = mean_of("frames-fill-drain", 0, best[0], 2.0 * NFRAMES);
    double mg = mean_of("frames-fill-drain-glibc", 0, best[1], 2.0 * NFRAMES);
    ratio("frames-fill-drain", "mean_ratio_vs_glibc", m, mg);
    kk_bench_free(&a);
    kk_bench_free(&f);
    kk_bench_free(&ga);
    kk_bench_free(&gf);
}

static void run_lifo(void)
{
    struct kk_bench n, p, g;
    kk_bench_init(&n, "frames-lifo", OPS / BATCH);
    kk_bench_init(&p, "frames-lifo-pcp", OPS / BATCH);
    kk_bench_init(&g, "frames-lifo-glibc", OPS / BATCH);
    lifo(&n, 0);
    lifo(&p, 1);
    lifo(&g, 2);
    n.n = p.n = g.n = 0;
    lifo(&n, 0);
    lifo(&p, 1);
    lifo(&g, 2);
    double mn = report(&n), mp = report(&p), mg = report(&g);
    ratio("frames-lifo", "ratio_vs_glibc", mn, mg);
    ratio("frames-lifo-pcp", "ratio_vs_glibc", mp, mg);
    struct kk_bench dummy = {0};
    double means[3];
    const char *names[3] = {"frames-lifo", "frames-lifo-pcp", "frames-lifo-glibc"};
    per_op = 0;
    for (int mode = 0; mode < 3; mode++) {
        uint64_t best = UINT64_MAX;
        for (int r = 0; r < MEAN_PASSES; r++) {
            uint64_t t0 = cpu_ns();
            lifo(&dummy, mode);
            uint64_t t = cpu_ns() - t0;
            best = t < best ? t : best;
        }
        means[mode] = mean_of(names[mode], 0, best, OPS);
    }
    per_op = 1;
    ratio("frames-lifo", "mean_ratio_vs_glibc", means[0], means[2]);
    ratio("frames-lifo-pcp", "mean_ratio_vs_glibc", means[1], means[2]);
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
    fops = malloc(OPS * sizeof *fops);
    hops = malloc(OPS * sizeof *hops);
    if (!addrs || !ptrs || !perm || !fops || !hops)
        return 1;
    draw_streams();
    kk_bench_ns_per_tick();
    printf("# sample = %u consecutive operations timed together; .median/.p99 = per-op ns "
           "of those samples; .mean = best of %d whole passes, thread CPU time / ops\n",
           BATCH, MEAN_PASSES);
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
    free(fops);
    free(hops);
    free(meta);
    return 0;
}
