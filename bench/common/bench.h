/*
 * bench.h: the timing helper every kernkit benchmark shares.
 *
 * Figures are printed one per line as "<workload>.<stat>: <value> <unit>"
 * (e.g. "frames-random.median: 18.4 ns") so scripts can read them.
 *
 * Per-operation timing: call kk_bench_start() before and kk_bench_stop()
 * after each operation (or each batch of @c batch operations, for operations
 * shorter than the clock's resolution); the sample is the elapsed time divided
 * by the batch size. kk_bench_report() prints median and p99. The timer's own
 * cost, measured at init, is subtracted from each sample.
 *
 * The per-operation timer is the TSC (rdtscp) on x86, calibrated against
 * CLOCK_MONOTONIC at init, because CLOCK_MONOTONIC on some VMs moves in ~10 ns
 * steps, coarser than the operations measured; elsewhere it is CLOCK_MONOTONIC.
 * Define KK_BENCH_NO_TSC to use CLOCK_MONOTONIC on x86 too (valgrind's
 * callgrind does not run rdtscp; instruction counts are the load-independent
 * cross-check of the timings).
 */
#ifndef KK_BENCH_H
#define KK_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct kk_bench {
    const char *name; /* workload name, printed before ".median" */
    double *samples;  /* ns per operation */
    size_t n, cap;
    uint64_t t0; /* kk_bench_ticks() at kk_bench_start() */
};

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
uint64_t kk_bench_now_ns(void);

#if (defined(__x86_64__) || defined(__i386__)) && !defined(KK_BENCH_NO_TSC)
/* Timer ticks for per-operation timing: the TSC. */
static inline uint64_t kk_bench_ticks(void)
{
    uint32_t lo, hi, aux;
    __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    return ((uint64_t)hi << 32) | lo;
}
#else
static inline uint64_t kk_bench_ticks(void)
{
    return kk_bench_now_ns();
}
#endif

/* Nanoseconds per kk_bench_ticks() tick (calibrated once, ~50 ms). */
double kk_bench_ns_per_tick(void);

/* Convert a tick difference to ns, minus the timer's own cost (never < 0). */
double kk_bench_ticks_to_ns(uint64_t ticks);

/* Prepare a sample set for up to @cap samples; exits on out of memory. */
void kk_bench_init(struct kk_bench *b, const char *name, size_t cap);
void kk_bench_free(struct kk_bench *b);

/* Start timing one sample. */
static inline void kk_bench_start(struct kk_bench *b)
{
    b->t0 = kk_bench_ticks();
}

/* Record one sample covering @batch operations since kk_bench_start(). */
void kk_bench_stop(struct kk_bench *b, unsigned batch);

/* Record a sample measured elsewhere (ns per op). */
void kk_bench_add(struct kk_bench *b, double ns_per_op);

/* Percentile (0..100) of the recorded samples; sorts them. */
double kk_bench_percentile(struct kk_bench *b, double pct);

/* Print "<name>.median: X ns" and "<name>.p99: X ns". */
void kk_bench_report(struct kk_bench *b);

/* Print one figure line "<workload>.<stat>: <value> <unit>". */
void kk_bench_print(const char *workload, const char *stat, double value, const char *unit);

/* Cost of one back-to-back timer read pair in ns (measured once). */
double kk_bench_timer_overhead(void);

/* Keep the compiler from optimising @p away. */
#define KK_BENCH_USE(p) __asm__ volatile("" : : "r"(p) : "memory")

/* Small fast deterministic PRNG (xorshift64*). */
static inline uint64_t kk_bench_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
