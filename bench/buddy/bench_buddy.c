/*
 * bench-buddy: speed of the frame allocator and the heap, against baselines
 * that do the same job, running the same operation sequence.
 *
 * Workloads (issue #3):
 *   frames-random      1M ops on 8192 slots: free the slot if live, else
 *                      allocate order 0 (80%), 1 (8%), 2 (5%), 3 (4%), 4-9 (3%);
 *                      256 MiB managed (65536 frames of 4 KiB).
 *   frames-fill-drain  allocate all 65536 order-0 frames, free them in random order.
 *   frames-lifo        allocate and free one order-0 frame back to back, without
 *                      and with the per-CPU cache (-pcp).
 *   heap-random        1M ops on 4096 slots, sizes log-uniform 16..4096, 64 MiB heap.
 *   frames-pcp-threads 2M order-0 ops per thread on 512 private slots (free the
 *                      slot if live, else allocate), per-CPU caches with
 *                      spinlock hooks (one per CPU + the allocator's): one
 *                      thread alone, then two threads at once on two CPUs,
 *                      with the CPU caches and locks "packed" (adjacent) and
 *                      "spread" (one cache line each);
 *                      ".scaling" = two threads' ops/s / one thread's ops/s,
 *                      median of 5 rounds (wall time; the machine's other load
 *                      lowers it); ".cpu" = thread CPU time per op and
 *                      ".cpu_scaling" = 2 * cpu(1 thread) / cpu(2 threads),
 *                      which other processes do not change; ".locks_per_op" =
 *                      allocator-lock acquisitions per operation.
 *
 * Frame baselines (written here; like kernkit they keep metadata only and never
 * touch the frames, so the ratios compare allocators, not page faults):
 *   bitmap   one bit per frame, first fit of 2^order contiguous free frames
 *            scanning from frame 0 (full 64-bit words skipped), as uCore's
 *            default_pmm does first fit over its free list;
 *   flbuddy  a textbook binary buddy (Knuth): one doubly linked free list per
 *            order, per-frame order and free flag, split on allocation, merge
 *            with the free buddy on free.
 *   harness  no allocator (alloc returns a fixed address, free does nothing):
 *            the cost of the workload's own loop (op stream, slot arrays, the
 *            unpredictable free-or-allocate branch); "<w>.net" = a median minus
 *            the harness median of the same run, the allocator's own share.
 * "<w>.ratio_vs_<baseline>" = kernkit median / baseline median, same run.
 * (glibc malloc(4 KiB << order) is no longer a frame baseline: it maps and
 * touches the memory it returns, so its figures measured page faults.)
 *
 * Heap anchors: glibc malloc, and jemalloc, mimalloc and tcmalloc (minimal) when
 * their Debian packages were found at configure time. Each runs heap-random in
 * its own child program (bench-buddy-heap-<name>, this file built with
 * KK_HEAP_CHILD and linked to that allocator, which replaces malloc), started by
 * bench-buddy after its own heap-random pass; "heap-random.ratio_vs_<name>" =
 * kernkit median / that allocator's median.
 *
 * A sample is a batch of BATCH (16) consecutive operations of the workload's
 * operation stream, timed as one interval (TSC on x86, calibrated to ns, the
 * timer's own cost subtracted) and divided by BATCH: this VM's clocks move in
 * ~10 ns steps, so single operations are not resolvable. ".median"/".p99"
 * are percentiles of those per-operation batch means (a p99 therefore shows
 * slow batches, not the single slowest operation). The random choices (slot,
 * order, size) are drawn before the pass, so a batch holds allocator work and
 * slot bookkeeping only; the baselines replay the same stream. ".mean" is the
 * best of 3 whole passes without batch timers: the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so time lost to other processes on this shared
 * machine is not counted) divided by the operations. Each workload runs
 * once untimed to warm up.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kernkit/buddy.h>

#include "bench.h"

#ifdef KK_HEAP_CHILD /* the child runs heap-random only */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#endif

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

/* frames-random slots, one array per field: the live flag the loop branches on is in an 8 KiB
 * array (L1-resident), the address and order are read only to free. */
static uint8_t flive[FSLOTS], forder[FSLOTS];
static uint64_t faddr[FSLOTS];

/* ---- Frame baselines (metadata only, see the file comment). ---- */

#define BWORDS    (NFRAMES / 64)
#define FL_ORDERS 17 /* 2^16 frames = all of NFRAMES */
#define FL_NONE   UINT32_MAX

static uint64_t bm[BWORDS];

static inline int bm_used(uint32_t i)
{
    return (int)(bm[i / 64] >> (i % 64)) & 1;
}

static void bm_set(uint32_t i, uint32_t cnt, int used)
{
    for (uint32_t k = i; k < i + cnt; k++) {
        uint64_t m = 1ull << (k % 64);
        bm[k / 64] = used ? bm[k / 64] | m : bm[k / 64] & ~m;
    }
}

/* First fit of 2^order contiguous free frames from frame 0. */
static int bm_alloc(unsigned order, uint64_t *addr)
{
    uint32_t cnt = 1u << order, run = 0, start = 0;
    for (uint32_t w = 0; w < BWORDS; w++) {
        if (bm[w] == ~0ull) {
            run = 0;
            continue;
        }
        if (cnt == 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(~bm[w]);
            bm[w] |= 1ull << (i % 64);
            *addr = BASE + (uint64_t)i * FS;
            return 0;
        }
        for (uint32_t i = w * 64; i < w * 64 + 64; i++) {
            if (bm_used(i)) {
                run = 0;
                continue;
            }
            if (run++ == 0)
                start = i;
            if (run == cnt) {
                bm_set(start, cnt, 1);
                *addr = BASE + (uint64_t)start * FS;
                return 0;
            }
        }
    }
    return -1;
}

static void bm_free(uint64_t addr, unsigned order)
{
    bm_set((uint32_t)((addr - BASE) / FS), 1u << order, 0);
}

/* Textbook free-list buddy: per frame next/prev (free-list links), order, free flag. */
struct flf {
    uint32_t next, prev;
    uint8_t order, free;
};

static struct flf fl[NFRAMES];
static uint32_t fl_head[FL_ORDERS];

static void fl_push(uint32_t i, unsigned k)
{
    fl[i].order = (uint8_t)k;
    fl[i].free = 1;
    fl[i].prev = FL_NONE;
    fl[i].next = fl_head[k];
    if (fl_head[k] != FL_NONE)
        fl[fl_head[k]].prev = i;
    fl_head[k] = i;
}

static void fl_unlink(uint32_t i)
{
    struct flf *f = &fl[i];
    if (f->prev != FL_NONE)
        fl[f->prev].next = f->next;
    else
        fl_head[f->order] = f->next;
    if (f->next != FL_NONE)
        fl[f->next].prev = f->prev;
    f->free = 0;
}

static int fl_alloc(unsigned order, uint64_t *addr)
{
    unsigned k = order;
    while (k < FL_ORDERS && fl_head[k] == FL_NONE)
        k++;
    if (k == FL_ORDERS)
        return -1;
    uint32_t i = fl_head[k];
    fl_unlink(i);
    while (k > order) {
        k--;
        fl_push(i + (1u << k), k);
    }
    *addr = BASE + (uint64_t)i * FS;
    return 0;
}

static void fl_free(uint64_t addr, unsigned order)
{
    uint32_t i = (uint32_t)((addr - BASE) / FS);
    unsigned k = order;
    while (k + 1 < FL_ORDERS) {
        uint32_t bud = i ^ (1u << k);
        if (!fl[bud].free || fl[bud].order != k)
            break;
        fl_unlink(bud);
        i &= ~(1u << k);
        k++;
    }
    fl_push(i, k);
}

/* Who serves a frame workload: kernkit (without or with the per-CPU cache) or a baseline. */
enum fkind { KK, KK_PCP, BITMAP, FLBUDDY, HARNESS, NKINDS };
static const char *const fkind_name[NKINDS] = {"", "-pcp", "-bitmap", "-flbuddy", "-harness"};

static void fk_init(enum fkind k)
{
    if (k == KK || k == KK_PCP) {
        frames_init(k == KK_PCP);
    } else if (k == BITMAP) {
        memset(bm, 0, sizeof bm);
    } else if (k == FLBUDDY) {
        for (unsigned o = 0; o < FL_ORDERS; o++)
            fl_head[o] = FL_NONE;
        memset(fl, 0, sizeof fl);
        fl_push(0, FL_ORDERS - 1);
    }
}

static inline int fk_alloc(enum fkind k, unsigned order, uint64_t *addr)
{
    if (k == HARNESS) { /* no allocator: the loop's own cost */
        *addr = BASE + ((uint64_t)order << 12);
        return 0;
    }
    if (k == BITMAP)
        return bm_alloc(order, addr);
    if (k == FLBUDDY)
        return fl_alloc(order, addr);
    return kk_buddy_alloc(&B, order, addr);
}

static inline void fk_free(enum fkind k, uint64_t addr, unsigned order)
{
    if (k == HARNESS)
        KK_BENCH_USE(addr + order);
    else if (k == BITMAP)
        bm_free(addr, order);
    else if (k == FLBUDDY)
        fl_free(addr, order);
    else
        kk_buddy_free(&B, addr, order);
}

static void frames_random(struct kk_bench *b, int kind)
{
    memset(flive, 0, sizeof flive);
    fk_init((enum fkind)kind);
    for (unsigned i = 0; i < OPS; i += BATCH) {
        t_start(b);
        for (unsigned j = i; j < i + BATCH; j++) {
            uint32_t sl = fops[j].slot;
            if (flive[sl]) {
                fk_free((enum fkind)kind, faddr[sl], forder[sl]);
                flive[sl] = 0;
            } else {
                unsigned o = fops[j].arg;
                flive[sl] = fk_alloc((enum fkind)kind, o, &faddr[sl]) == 0;
                forder[sl] = (uint8_t)o;
            }
        }
        t_stop(b, BATCH);
    }
}

static uint64_t *addrs;
static uint32_t *perm;

static void fill_drain(struct kk_bench *ba, struct kk_bench *bf, int kind)
{
    fk_init((enum fkind)kind);
    for (unsigned i = 0; i < NFRAMES; i += BATCH) {
        t_start(ba);
        for (unsigned j = i; j < i + BATCH; j++)
            if (fk_alloc((enum fkind)kind, 0, &addrs[j]) != 0)
                abort();
        t_stop(ba, BATCH);
    }
    for (unsigned i = 0; i < NFRAMES; i += BATCH) {
        t_start(bf);
        for (unsigned j = i; j < i + BATCH; j++)
            fk_free((enum fkind)kind, addrs[perm[j]], 0);
        t_stop(bf, BATCH);
    }
}

/* Alloc + free of one frame: a batch is BATCH / 2 pairs (BATCH operations). */
static void lifo(struct kk_bench *b, int kind)
{
    fk_init((enum fkind)kind);
    for (unsigned i = 0; i < OPS; i += BATCH) {
        t_start(b);
        for (unsigned j = 0; j < BATCH / 2; j++) {
            uint64_t a = 0;
            fk_alloc((enum fkind)kind, 0, &a);
            KK_BENCH_USE(a);
            fk_free((enum fkind)kind, a, 0);
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

/* heap-random on kk_heap (libc = 0) or on whatever malloc this program links (libc = 1). */
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

static void ratio(const char *w, const char *stat, double ours, double base)
{
    if (base > 0) /* three decimals: bench.h's one would print 0.0 for a 200x win */
        printf("%s.%s: %.3f x\n", w, stat, ours / base);
    else
        printf("# %s.%s: baseline below the timer's resolution, no ratio\n", w, stat);
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
static double mean_pass(const char *w, void (*fn)(struct kk_bench *, int), int kind)
{
    struct kk_bench dummy = {0};
    uint64_t best = UINT64_MAX;
    per_op = 0;
    for (int r = 0; r < MEAN_PASSES; r++) {
        uint64_t t0 = cpu_ns();
        fn(&dummy, kind);
        uint64_t t = cpu_ns() - t0;
        best = t < best ? t : best;
    }
    per_op = 1;
    return mean_of(w, 0, best, OPS);
}

static int heap_ok(void)
{
    return kk_heap_check(&H) == 0;
}

/* Warm-up + timed pass on @p kind; returns the median. */
static double timed(struct kk_bench *b, void (*fn)(struct kk_bench *, int), int kind)
{
    fn(b, kind);
    b->n = 0;
    fn(b, kind);
    return report(b);
}

#ifndef KK_HEAP_CHILD
static void run_frames_random(void)
{
    double med[NKINDS], mean[NKINDS];
    char name[NKINDS][48];
    for (int k = KK; k < NKINDS; k++) {
        struct kk_bench b;
        if (k == KK_PCP)
            continue;
        snprintf(name[k], sizeof name[k], "frames-random%s", fkind_name[k]);
        kk_bench_init(&b, name[k], OPS / BATCH);
        med[k] = timed(&b, frames_random, k);
        if (k == KK && kk_buddy_check(&B) != 0)
            abort();
        kk_bench_free(&b);
    }
    for (int k = KK; k < NKINDS; k++)
        if (k != KK_PCP)
            mean[k] = mean_pass(name[k], frames_random, k);
    ratio("frames-random", "ratio_vs_bitmap", med[KK], med[BITMAP]);
    ratio("frames-random", "ratio_vs_flbuddy", med[KK], med[FLBUDDY]);
    ratio("frames-random", "mean_ratio_vs_flbuddy", mean[KK], mean[FLBUDDY]);
    for (int k = KK; k < HARNESS; k++) /* the allocator's own share: minus the loop's */
        if (k != KK_PCP)
            kk_bench_print(name[k], "net", med[k] - med[HARNESS], "ns");
}

static void run_fill_drain(void)
{
    enum { ROUNDS = 4 };
    static const int kinds[3] = {KK, BITMAP, FLBUDDY};
    struct kk_bench a[3], f[3], dummy = {0};
    char na[3][48], nf[3][48];
    double ma[3], mf[3];
    for (int i = 0; i < 3; i++) {
        snprintf(na[i], sizeof na[i], "frames-fill-drain-alloc%s", fkind_name[kinds[i]]);
        snprintf(nf[i], sizeof nf[i], "frames-fill-drain-free%s", fkind_name[kinds[i]]);
        kk_bench_init(&a[i], na[i], NFRAMES / BATCH * ROUNDS);
        kk_bench_init(&f[i], nf[i], NFRAMES / BATCH * ROUNDS);
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < 3; i++) {
            fill_drain(&a[i], &f[i], kinds[i]);
            if (r == 0)
                a[i].n = f[i].n = 0;
        }
    }
    for (int i = 0; i < 3; i++) {
        ma[i] = report(&a[i]);
        mf[i] = report(&f[i]);
    }
    ratio("frames-fill-drain-alloc", "ratio_vs_bitmap", ma[0], ma[1]);
    ratio("frames-fill-drain-alloc", "ratio_vs_flbuddy", ma[0], ma[2]);
    ratio("frames-fill-drain-free", "ratio_vs_bitmap", mf[0], mf[1]);
    ratio("frames-fill-drain-free", "ratio_vs_flbuddy", mf[0], mf[2]);
    /* whole fill + drain pass: 2 * NFRAMES operations */
    per_op = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t best = UINT64_MAX;
        char n[48];
        for (int r = 0; r < MEAN_PASSES; r++) {
            uint64_t t0 = cpu_ns();
            fill_drain(&dummy, &dummy, kinds[i]);
            uint64_t t = cpu_ns() - t0;
            best = t < best ? t : best;
        }
        snprintf(n, sizeof n, "frames-fill-drain%s", fkind_name[kinds[i]]);
        mean_of(n, 0, best, 2.0 * NFRAMES);
    }
    per_op = 1;
    for (int i = 0; i < 3; i++) {
        kk_bench_free(&a[i]);
        kk_bench_free(&f[i]);
    }
}

static void run_lifo(void)
{
    double med[NKINDS], mean[NKINDS];
    char name[NKINDS][48];
    for (int k = KK; k < NKINDS; k++) {
        struct kk_bench b;
        snprintf(name[k], sizeof name[k], "frames-lifo%s", fkind_name[k]);
        kk_bench_init(&b, name[k], OPS / BATCH);
        med[k] = timed(&b, lifo, k);
        kk_bench_free(&b);
    }
    for (int k = KK; k < NKINDS; k++)
        mean[k] = mean_pass(name[k], lifo, k);
    ratio("frames-lifo", "ratio_vs_bitmap", med[KK], med[BITMAP]);
    ratio("frames-lifo", "ratio_vs_flbuddy", med[KK], med[FLBUDDY]);
    ratio("frames-lifo-pcp", "ratio_vs_flbuddy", med[KK_PCP], med[FLBUDDY]);
    ratio("frames-lifo", "mean_ratio_vs_flbuddy", mean[KK], mean[FLBUDDY]);
}

/* ---- frames-pcp-threads ---- */

#define TOPS   2000000u
#define TSLOTS 512u
#define LINE   64u

/*
 * Layouts: "packed" = the two CPUs' struct kk_buddy_pcp (32 bytes each) and
 * their spinlocks side by side, as a plain array gives them (one cache line
 * for both CPUs); "spread" = every CPU cache, every lock and the allocator
 * lock on its own 64-byte line (ncpus = 4, cpu_id returns 2 * cpu: the
 * odd entries are padding, see docs/buddy.md).
 */
struct padlock {
    _Alignas(LINE) pthread_spinlock_t l;
};

static struct kk_buddy TB;
static _Alignas(LINE) struct kk_buddy_pcp tpcp[4];
static pthread_spinlock_t tlock_packed[4];
static struct padlock tlock_spread[4], tlock_all;
static unsigned tstride;
static uint64_t tlock_taken; /* allocator lock acquisitions (counted under that lock) */
static uint64_t tcpu_ns[2];
static __thread unsigned tcpu;

static unsigned t_cpu_id(void *ctx)
{
    (void)ctx;
    return tcpu * tstride;
}

static pthread_spinlock_t *tlock_cpu(unsigned c)
{
    return tstride == 2 ? &tlock_spread[c].l : &tlock_packed[c];
}

static void t_cpu_lock(void *ctx, unsigned c)
{
    (void)ctx;
    pthread_spin_lock(tlock_cpu(c));
}

static void t_cpu_unlock(void *ctx, unsigned c)
{
    (void)ctx;
    pthread_spin_unlock(tlock_cpu(c));
}

static void t_lock(void *ctx)
{
    (void)ctx;
    pthread_spin_lock(&tlock_all.l);
    tlock_taken++;
}

static void t_unlock(void *ctx)
{
    (void)ctx;
    pthread_spin_unlock(&tlock_all.l);
}

static void *pcp_thread(void *arg)
{
    uint64_t slot[TSLOTS] = {0}, rng = 1234 + (uintptr_t)arg, t0 = cpu_ns();
    tcpu = (unsigned)(uintptr_t)arg;
    for (unsigned i = 0; i < TOPS; i++) {
        uint64_t *s = &slot[kk_bench_rand(&rng) % TSLOTS];
        if (*s != 0) {
            kk_buddy_free(&TB, *s, 0);
            *s = 0;
        } else if (kk_buddy_alloc(&TB, 0, s) != 0) {
            abort();
        }
    }
    tcpu_ns[tcpu] = cpu_ns() - t0;
    for (unsigned i = 0; i < TSLOTS; i++)
        if (slot[i] != 0)
            kk_buddy_free(&TB, slot[i], 0);
    return NULL;
}

/* Seconds (wall) for @nthreads threads doing TOPS operations each, at once. */
static double pcp_threads_pass(unsigned nthreads, int spread)
{
    struct kk_buddy_config c = {.size = sizeof c, .base = BASE, .nframes = NFRAMES};
    pthread_t th[2];
    tstride = spread ? 2 : 1;
    c.meta_size = kk_buddy_meta_size(NFRAMES);
    c.meta = meta;
    c.pcp = tpcp;
    c.ncpus = 2 * tstride;
    c.cpu_id = t_cpu_id;
    c.cpu_lock = t_cpu_lock;
    c.cpu_unlock = t_cpu_unlock;
    c.lock = t_lock;
    c.unlock = t_unlock;
    if (kk_buddy_init(&TB, &c) != 0 || kk_buddy_add_range(&TB, BASE, (uint64_t)NFRAMES * FS) != 0)
        abort();
    tlock_taken = 0;
    uint64_t t0 = kk_bench_now_ns();
    for (unsigned i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, pcp_thread, (void *)(uintptr_t)i) != 0)
            abort();
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    double t = (double)(kk_bench_now_ns() - t0) / 1e9;
    if (kk_buddy_check(&TB) != 0)
        abort();
    return t;
}

/*
 * One layout: wall-time scaling (median of ROUNDS), and the load-independent
 * figures: per-thread CPU time per operation (CLOCK_THREAD_CPUTIME_ID; with
 * perfect scaling the two-thread figure equals the one-thread one) and
 * allocator-lock acquisitions per operation.
 */
static void pcp_threads_layout(int spread)
{
    enum { ROUNDS = 5 };
    const char *lay = spread ? "spread" : "packed";
    struct kk_bench one, two, sc, cpu1, cpu2;
    char n[5][64];
    double locks = 0;
    snprintf(n[0], sizeof n[0], "frames-pcp-threads-%s-1", lay);
    snprintf(n[1], sizeof n[1], "frames-pcp-threads-%s-2", lay);
    snprintf(n[2], sizeof n[2], "frames-pcp-threads-%s", lay);
    snprintf(n[3], sizeof n[3], "frames-pcp-threads-%s-1.cpu", lay);
    snprintf(n[4], sizeof n[4], "frames-pcp-threads-%s-2.cpu", lay);
    kk_bench_init(&one, n[0], ROUNDS);
    kk_bench_init(&two, n[1], ROUNDS);
    kk_bench_init(&sc, n[2], ROUNDS);
    kk_bench_init(&cpu1, n[3], ROUNDS);
    kk_bench_init(&cpu2, n[4], 2 * ROUNDS);
    pcp_threads_pass(1, spread); /* warm-up */
    for (int r = 0; r < ROUNDS; r++) {
        double t1 = pcp_threads_pass(1, spread);
        kk_bench_add(&cpu1, (double)tcpu_ns[0] / TOPS);
        double t2 = pcp_threads_pass(2, spread);
        kk_bench_add(&cpu2, (double)tcpu_ns[0] / TOPS);
        kk_bench_add(&cpu2, (double)tcpu_ns[1] / TOPS);
        locks += (double)tlock_taken / (2.0 * TOPS) / ROUNDS;
        kk_bench_add(&one, t1 * 1e9 / TOPS);
        kk_bench_add(&two, t2 * 1e9 / (2.0 * TOPS));
        kk_bench_add(&sc, 2.0 * t1 / t2);
    }
    kk_bench_print(n[0], "median", kk_bench_percentile(&one, 50), "ns");
    kk_bench_print(n[1], "median", kk_bench_percentile(&two, 50), "ns");
    kk_bench_print(n[3], "median", kk_bench_percentile(&cpu1, 50), "ns");
    kk_bench_print(n[4], "median", kk_bench_percentile(&cpu2, 50), "ns");
    printf("%s.cpu_scaling: %.2f x\n", n[2],
           2.0 * kk_bench_percentile(&cpu1, 50) / kk_bench_percentile(&cpu2, 50));
    printf("%s.locks_per_op: %.2e\n", n[2], locks);
    printf("%s.scaling: %.2f x\n", n[2], kk_bench_percentile(&sc, 50));
    kk_bench_free(&one);
    kk_bench_free(&two);
    kk_bench_free(&sc);
    kk_bench_free(&cpu1);
    kk_bench_free(&cpu2);
}

static void run_pcp_threads(void)
{
    if (meta == NULL)
        frames_init(0);
    for (unsigned i = 0; i < 4; i++)
        if (pthread_spin_init(&tlock_packed[i], 0) != 0 ||
            pthread_spin_init(&tlock_spread[i].l, 0) != 0)
            abort();
    if (pthread_spin_init(&tlock_all.l, 0) != 0)
        abort();
    printf("# frames-pcp-threads: scaling = 2 threads' ops/s / 1 thread's (wall, median of 5); "
           "cpu = thread CPU ns per op; cpu_scaling = 2 * cpu(1) / cpu(2), load-independent\n");
    pcp_threads_layout(0);
    pcp_threads_layout(1);
}

/*
 * Run bench-buddy-heap-<name> (beside this program) and return its
 * heap-random median (0 if it is not built or fails); its lines are echoed.
 */
static double run_child(const char *self_dir, const char *alloc)
{
    char cmd[4200], line[256];
    double med = 0;
    FILE *p;
    snprintf(cmd, sizeof cmd, "%s/bench-buddy-heap-%s", self_dir, alloc);
    if (access(cmd, X_OK) != 0) {
        printf("# heap-random-%s: not built (package missing at configure time)\n", alloc);
        return 0;
    }
    fflush(stdout);
    p = popen(cmd, "r");
    if (p == NULL)
        return 0;
    while (fgets(line, sizeof line, p) != NULL) {
        const char *m = strstr(line, ".median: ");
        fputs(line, stdout);
        if (m != NULL)
            med = strtod(m + 9, NULL);
    }
    if (pclose(p) != 0)
        return 0;
    return med;
}

static void run_heap_random(void)
{
    static const char *const anchors[] = {"glibc", "jemalloc", "mimalloc", "tcmalloc"};
    char self_dir[4096];
    ssize_t len = readlink("/proc/self/exe", self_dir, sizeof self_dir - 1);
    struct kk_bench b;
    struct kk_heap_stats st;
    heap_mem = aligned_alloc(4096, HEAP_MEM);
    if (!heap_mem || len <= 0)
        abort();
    self_dir[len] = 0;
    *strrchr(self_dir, '/') = 0;
    memset(heap_mem, 0, HEAP_MEM); /* fault the pages in, as a kernel heap would be mapped */
    kk_bench_init(&b, "heap-random", OPS / BATCH);
    double m = timed(&b, heap_random, 0);
    if (!heap_ok())
        abort();
    mean_pass("heap-random", heap_random, 0);
    kk_heap_stats(&H, &st);
    kk_bench_print("heap-random", "meta_overhead", 100.0 * (double)st.meta_bytes / HEAP_MEM, "%");
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++) {
        char stat[64];
        double a = run_child(self_dir, anchors[i]);
        snprintf(stat, sizeof stat, "ratio_vs_%s", anchors[i]);
        if (a > 0)
            ratio("heap-random", stat, m, a);
    }
    kk_bench_free(&b);
    free(heap_mem);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    addrs = malloc(NFRAMES * sizeof *addrs);
    perm = malloc(NFRAMES * sizeof *perm);
    fops = malloc(OPS * sizeof *fops);
    hops = malloc(OPS * sizeof *hops);
    if (!addrs || !perm || !fops || !hops)
        return 1;
    draw_streams();
    kk_bench_ns_per_tick();
    printf("# sample = %u consecutive operations timed together; .median/.p99 = per-op ns "
           "of those samples; .mean = best of %d whole passes, thread CPU time / ops; "
           "ratio = kernkit / baseline (below 1 is faster)\n",
           BATCH, MEAN_PASSES);
    kk_bench_print("timer", "overhead", kk_bench_timer_overhead(), "ns");
    if (!only || strstr("frames-random", only))
        run_frames_random();
    if (!only || strstr("frames-fill-drain", only))
        run_fill_drain();
    if (!only || strstr("frames-lifo", only))
        run_lifo();
    if (!only || strstr("heap-random", only))
        run_heap_random();
    if (!only || strstr("frames-pcp-threads", only))
        run_pcp_threads();
    free(addrs);
    free(perm);
    free(fops);
    free(hops);
    free(meta);
    return 0;
}
#else
/* Child: heap-random on the malloc this program is linked with (KK_HEAP_NAME). */
int main(void)
{
    struct kk_bench b;
    fops = malloc(OPS * sizeof *fops);
    hops = malloc(OPS * sizeof *hops);
    perm = malloc(NFRAMES * sizeof *perm);
    if (!fops || !hops || !perm)
        return 1;
    draw_streams();
    kk_bench_init(&b, "heap-random-" KK_HEAP_NAME, OPS / BATCH);
    timed(&b, heap_random, 1);
    mean_pass("heap-random-" KK_HEAP_NAME, heap_random, 1);
    kk_bench_free(&b);
    return 0;
}
#endif
