/*
 * bench_sched.c: per-class cost of one scheduling step at N runnable entities.
 *
 * One operation = kk_sched_enqueue() of a waking entity + kk_sched_pick_next(),
 * which charges the running entity, puts it back (put_prev) and picks the
 * next. A sample times a batch of B operations (B fresh entities wake); the
 * B entities are then dequeued untimed, so the queue holds N..N+B entities.
 * The clock advances 1 us per reading, so fair/stride/EDF keys move.
 *
 * Prints "<class>-<N>.median: X ns" and ".p99" for N = 4, 1024, 16384, 1048576.
 * Usage: bench-sched [samples per figure, default 2000] [class name] [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/sched.h>

#include "bench.h"

#define BATCH 64

static uint64_t fake_now;

static uint64_t bench_clock(void *ctx)
{
    (void)ctx;
    return fake_now += 1000;
}

struct setup {
    struct kk_sched s;
    struct kk_sched_rq rq;
};

static int prio_for(const struct kk_sched_class *cls, size_t i)
{
    if (cls == &kk_sched_mlq_class)
        return (int)(i % KK_SCHED_MLQ_LEVELS);
    if (cls == &kk_sched_stride_class)
        return 1 + (int)(i % 8);
    if (cls == &kk_sched_eevdf_class)
        return (int)(i % 11) - 5;
    return 0;
}

static void prepare(struct setup *st, const struct kk_sched_class *cls, struct kk_sched_entity *e,
                    size_t i)
{
    if (kk_sched_entity_init(&st->s, e, cls, prio_for(cls, i)) != 0) {
        fprintf(stderr, "entity_init failed\n");
        exit(1);
    }
    if (cls == &kk_sched_edf_class &&
        kk_sched_dl_admit(&st->rq, e, 1000, 1ull << 30, 1ull << 30) != 0) {
        fprintf(stderr, "dl_admit failed\n");
        exit(1);
    }
}

static void enqueue_or_die(struct kk_sched_rq *rq, struct kk_sched_entity *e)
{
    if (kk_sched_enqueue(rq, e, KK_SCHED_ENQ_WAKEUP) != 0) {
        fprintf(stderr, "enqueue failed\n");
        exit(1);
    }
}

static void run(const struct kk_sched_class *cls, size_t n, size_t samples)
{
    const struct kk_sched_class *stack[1] = {cls};
    struct kk_sched_config cfg;
    struct setup *st = calloc(1, sizeof(*st));
    struct kk_sched_entity *e = calloc(n + BATCH, sizeof(*e));
    struct kk_bench b;
    char name[64];
    size_t i, k, batch = n < BATCH ? n : BATCH;

    if (st == NULL || e == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.clock_ns = bench_clock;
    cfg.classes = stack;
    cfg.nr_classes = 1;
    cfg.dl_util_max = UINT32_MAX;
    if (kk_sched_init(&st->s, &cfg, &st->rq, 1) != 0) {
        fprintf(stderr, "init failed\n");
        exit(1);
    }
    for (i = 0; i < n + batch; i++)
        prepare(st, cls, &e[i], i);
    for (i = 0; i < n; i++)
        enqueue_or_die(&st->rq, &e[i]);
    kk_sched_pick_next(&st->rq);

    snprintf(name, sizeof(name), "%s-%zu", cls->name, n);
    kk_bench_init(&b, name, samples);
    for (k = 0; k < samples; k++) {
        struct kk_sched_entity *spare = &e[n];
        kk_bench_start(&b);
        for (i = 0; i < batch; i++) {
            enqueue_or_die(&st->rq, &spare[i]);
            KK_BENCH_USE(kk_sched_pick_next(&st->rq));
        }
        kk_bench_stop(&b, (unsigned)batch);
        for (i = 0; i < batch; i++)
            kk_sched_dequeue(&st->rq, &spare[i], KK_SCHED_DEQ_SLEEP);
        if (st->rq.curr == NULL)
            kk_sched_pick_next(&st->rq);
    }
    if (kk_sched_check(&st->rq) != 0 && n <= 16384) {
        fprintf(stderr, "%s: run queue corrupt\n", name);
        exit(1);
    }
    kk_bench_report(&b);
    kk_bench_free(&b);
    free(e);
    free(st);
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {4, 1024, 16384, 1048576};
    const struct kk_sched_class *const classes[] = {
        &kk_sched_fifo_class,   &kk_sched_rr_class,    &kk_sched_mlq_class,
        &kk_sched_stride_class, &kk_sched_eevdf_class, &kk_sched_edf_class,
    };
    size_t samples = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000, c, i;

    const char *only = argc > 2 ? argv[2] : NULL;
    size_t only_n = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;

    if (samples == 0)
        samples = 1;
    for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
        if (only != NULL && strcmp(only, classes[c]->name) != 0)
            continue;
        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            if (only_n == 0 || only_n == sizes[i])
                run(classes[c], sizes[i], samples);
        }
    }
    return 0;
}
