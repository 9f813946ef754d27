/* bench.c: sample collection and figure printing for the kernkit benchmarks. */
#define _GNU_SOURCE
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t kk_bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ns_per_tick = -1.0;
static uint64_t tick_overhead;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void calibrate(void)
{
    enum { N = 10001 };
    static uint64_t d[N];
    uint64_t t0 = kk_bench_now_ns(), c0 = kk_bench_ticks();
    while (kk_bench_now_ns() - t0 < 50000000)
        ;
    uint64_t t1 = kk_bench_now_ns(), c1 = kk_bench_ticks();
    ns_per_tick = c1 > c0 ? (double)(t1 - t0) / (double)(c1 - c0) : 1.0;
    for (int i = 0; i < N; i++) {
        uint64_t a = kk_bench_ticks();
        d[i] = kk_bench_ticks() - a;
    }
    qsort(d, N, sizeof d[0], cmp_u64);
    tick_overhead = d[N / 2];
}

double kk_bench_ns_per_tick(void)
{
    if (ns_per_tick < 0)
        calibrate();
    return ns_per_tick;
}

double kk_bench_ticks_to_ns(uint64_t ticks)
{
    double npt = kk_bench_ns_per_tick();
    return ticks > tick_overhead ? (double)(ticks - tick_overhead) * npt : 0.0;
}

double kk_bench_timer_overhead(void)
{
    return (double)tick_overhead * kk_bench_ns_per_tick();
}

void kk_bench_init(struct kk_bench *b, const char *name, size_t cap)
{
    b->name = name;
    b->n = 0;
    b->cap = cap ? cap : 1;
    b->samples = malloc(b->cap * sizeof *b->samples);
    if (!b->samples) {
        fprintf(stderr, "bench: out of memory for %zu samples\n", cap);
        exit(2);
    }
    kk_bench_ns_per_tick();
}

void kk_bench_free(struct kk_bench *b)
{
    free(b->samples);
    b->samples = NULL;
    b->n = b->cap = 0;
}

void kk_bench_add(struct kk_bench *b, double ns)
{
    if (b->n < b->cap)
        b->samples[b->n++] = ns;
}

void kk_bench_stop(struct kk_bench *b, unsigned batch)
{
    uint64_t t1 = kk_bench_ticks();
    kk_bench_add(b, kk_bench_ticks_to_ns(t1 - b->t0) / (batch ? batch : 1));
}

double kk_bench_percentile(struct kk_bench *b, double pct)
{
    if (b->n == 0)
        return 0.0;
    qsort(b->samples, b->n, sizeof b->samples[0], cmp_double);
    size_t idx = (size_t)(pct / 100.0 * (double)(b->n - 1) + 0.5);
    if (idx >= b->n)
        idx = b->n - 1;
    return b->samples[idx];
}

void kk_bench_print(const char *workload, const char *stat, double value, const char *unit)
{
    printf("%s.%s: %.1f %s\n", workload, stat, value, unit);
    fflush(stdout);
}

void kk_bench_report(struct kk_bench *b)
{
    kk_bench_print(b->name, "median", kk_bench_percentile(b, 50.0), "ns");
    kk_bench_print(b->name, "p99", kk_bench_percentile(b, 99.0), "ns");
}
