/*
 * bench_sched.c: per-class cost of one scheduling step at N runnable
 * entities, in steady state, against two heap baselines written here.
 *
 * One operation = kk_sched_pick_next(): it charges the running entity (the
 * fake clock advances by the class's default slice per reading: every step is
 * a slice end, where a tick-driven host calls pick_next, so EEVDF switches
 * entity as Stride does instead of keeping the running one), puts it back
 * (put_prev) and picks the next one. "<class>-<N>.switched" is the share of
 * steps that picked another entity than the one running. N entities are runnable throughout. Before
 * timing, every size is warmed with WARM_FACTOR * N steps (>= 2N), so every entity has run and been
 * charged at least once on average and the keys (pass, vruntime, deadline) are
 * spread as in a running system; without the warm-up, most entities of a large
 * queue would still hold their initial equal key and any heap would look cheap.
 * A sample times a batch of BATCH steps.
 *
 * Baselines (Stride's job, same N, priorities 1..8, same 1 us charge per step,
 * same warm-up): "binheap" is an array binary min-heap of entity pointers keyed
 * by pass (put back with sift-up, then pop the minimum with sift-down: the
 * insert + remove-min pair a heap-based Stride run queue does, as uCore's
 * skew-heap Stride does with its heap); "pairheap" is an intrusive pairing heap
 * (Fredman et al.; insert = meld with the root, remove-min = two-pass pairing
 * of the root's children). Baseline entities are padded to the size of a
 * struct kk_sched_entity (the key and links first), so both sides walk the
 * same amount of memory. Ratios "<class>-<N>.ratio_vs_binheap" are
 * kernkit's median / the binary heap's median, measured in the same run
 * (below 1 is faster).
 *
 * Prints "<class>-<N>.median: X ns" and ".p99" for N = 1024, 16384, 262144,
 * 1048576 (and 4 for the list classes).
 * Usage: bench-sched [samples per figure, default 2000] [class name] [N] [distinct]
 * With "distinct", EEVDF entity i requests slice_ns = default - 1 - i % 4096 (still at most one
 * step, so every step serves a request): almost every entity has its own request length, so
 * the fair class's request-length groups do not apply ("eevdf-distinct-<N>").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/sched.h>

#include "bench.h"

#define BATCH       64
#define WARM_FACTOR 2
#define CHARGE_NS   KK_SCHED_DEFAULT_STRIDE_SLICE /* baselines: Stride's slice */

static uint64_t fake_now, step_ns;
static int distinct; /* EEVDF: a request length per entity */

static uint64_t bench_clock(void *ctx)
{
    (void)ctx;
    return fake_now += step_ns;
}

static uint64_t slice_of(const struct kk_sched_class *cls)
{
    if (cls == &kk_sched_stride_class)
        return KK_SCHED_DEFAULT_STRIDE_SLICE;
    if (cls == &kk_sched_eevdf_class)
        return KK_SCHED_DEFAULT_FAIR_SLICE;
    if (cls == &kk_sched_rr_class || cls == &kk_sched_mlq_class)
        return KK_SCHED_DEFAULT_RR_SLICE;
    return 1000; /* FIFO, EDF: no slice */
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
    if (distinct && cls == &kk_sched_eevdf_class)
        e->slice_ns = KK_SCHED_DEFAULT_FAIR_SLICE - 1 - i % 4096;
}

static const char *label(const struct kk_sched_class *cls)
{
    return distinct && cls == &kk_sched_eevdf_class ? "eevdf-distinct" : cls->name;
}

static size_t warm_steps(size_t n)
{
    return WARM_FACTOR * n < 4096 ? 4096 : WARM_FACTOR * n;
}

static double run(const struct kk_sched_class *cls, size_t n, size_t samples)
{
    const struct kk_sched_class *stack[1] = {cls};
    struct kk_sched_config cfg;
    struct setup *st = calloc(1, sizeof(*st));
    struct kk_sched_entity *e = calloc(n, sizeof(*e));
    struct kk_bench b;
    struct kk_sched_entity *last = NULL;
    char name[64];
    size_t i, k, switched = 0;
    double med;

    if (st == NULL || e == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    step_ns = slice_of(cls);
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
    for (i = 0; i < n; i++) {
        prepare(st, cls, &e[i], i);
        if (kk_sched_enqueue(&st->rq, &e[i], KK_SCHED_ENQ_WAKEUP) != 0) {
            fprintf(stderr, "enqueue failed\n");
            exit(1);
        }
    }
    for (i = warm_steps(n); i > 0; i--)
        KK_BENCH_USE(kk_sched_pick_next(&st->rq));

    snprintf(name, sizeof(name), "%s-%zu", label(cls), n);
    kk_bench_init(&b, name, samples);
    for (k = 0; k < samples; k++) {
        kk_bench_start(&b);
        for (i = 0; i < BATCH; i++)
            KK_BENCH_USE(kk_sched_pick_next(&st->rq));
        kk_bench_stop(&b, BATCH);
    }
    for (i = 0; i < 4096; i++) { /* untimed: how often a step switches entity */
        struct kk_sched_entity *se = kk_sched_pick_next(&st->rq);
        switched += se != last;
        last = se;
    }
    if (n <= 16384 && kk_sched_check(&st->rq) != 0) {
        fprintf(stderr, "%s: run queue corrupt\n", name);
        exit(1);
    }
    kk_bench_report(&b);
    kk_bench_print(name, "switched", 100.0 * (double)switched / 4096.0, "%");
    med = kk_bench_percentile(&b, 50.0);
    kk_bench_free(&b);
    free(e);
    free(st);
    return med;
}

/* ---- Baselines: Stride's job on a binary heap and on a pairing heap. ---- */

/* A baseline entity: as large as a struct kk_sched_entity, so both walk the same memory. */
struct bent {
    uint64_t pass, stride;
    struct bent *child, *sib; /* pairing heap links */
    char rest[sizeof(struct kk_sched_entity) - 4 * sizeof(uint64_t)];
};

static inline int pass_lt(const struct bent *a, const struct bent *b)
{
    return (int64_t)(a->pass - b->pass) < 0;
}

struct binheap {
    struct bent **a;
    size_t n;
};

static void bh_push(struct binheap *h, struct bent *x)
{
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!pass_lt(x, h->a[p]))
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = x;
}

static struct bent *bh_pop(struct binheap *h)
{
    struct bent *top = h->a[0], *x = h->a[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && pass_lt(h->a[c + 1], h->a[c]))
            c++;
        if (!pass_lt(h->a[c], x))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (n > 0)
        h->a[i] = x;
    return top;
}

static struct bent *ph_meld(struct bent *a, struct bent *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    if (pass_lt(b, a)) {
        struct bent *t = a;
        a = b;
        b = t;
    }
    b->sib = a->child;
    a->child = b;
    return a;
}

/* Remove the root; two-pass pairing of its children, iterative. */
static struct bent *ph_pop(struct bent **root)
{
    struct bent *top = *root, *c = top->child, *pairs = NULL, *r = NULL;
    while (c != NULL) { /* pass 1: meld pairs left to right, stack them */
        struct bent *a = c, *b = c->sib, *m;
        c = b != NULL ? b->sib : NULL;
        a->sib = NULL;
        if (b != NULL)
            b->sib = NULL;
        m = ph_meld(a, b);
        m->sib = pairs;
        pairs = m;
    }
    while (pairs != NULL) { /* pass 2: meld right to left */
        struct bent *nx = pairs->sib;
        pairs->sib = NULL;
        r = ph_meld(r, pairs);
        pairs = nx;
    }
    *root = r;
    top->child = NULL;
    return top;
}

/* kind 0: binary heap, 1: pairing heap. */
static double run_baseline(int kind, size_t n, size_t samples)
{
    struct bent *e = calloc(n, sizeof(*e)), *curr, *root = NULL;
    struct binheap h = {calloc(n, sizeof(struct bent *)), 0};
    struct kk_bench b;
    char name[64];
    size_t i, k;
    double med;

    if (e == NULL || h.a == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (i = 0; i < n; i++) {
        e[i].stride = KK_SCHED_STRIDE_BIG / (1 + i % 8);
        if (kind == 0)
            bh_push(&h, &e[i]);
        else
            root = ph_meld(root, &e[i]);
    }
    curr = kind == 0 ? bh_pop(&h) : ph_pop(&root);
#define STEP()                                                                                     \
    do {                                                                                           \
        curr->pass += CHARGE_NS * curr->stride;                                                    \
        if (kind == 0) {                                                                           \
            bh_push(&h, curr);                                                                     \
            curr = bh_pop(&h);                                                                     \
        } else {                                                                                   \
            root = ph_meld(root, curr);                                                            \
            curr = ph_pop(&root);                                                                  \
        }                                                                                          \
        KK_BENCH_USE(curr);                                                                        \
    } while (0)
    for (i = warm_steps(n); i > 0; i--)
        STEP();
    snprintf(name, sizeof(name), "%s-%zu", kind == 0 ? "binheap" : "pairheap", n);
    kk_bench_init(&b, name, samples);
    for (k = 0; k < samples; k++) {
        kk_bench_start(&b);
        for (i = 0; i < BATCH; i++)
            STEP();
        kk_bench_stop(&b, BATCH);
    }
#undef STEP
    kk_bench_report(&b);
    med = kk_bench_percentile(&b, 50.0);
    kk_bench_free(&b);
    free(h.a);
    free(e);
    return med;
}

static void ratio(const char *cls, size_t n, const char *vs, double ours, double base)
{
    if (base > 0)
        printf("%s-%zu.ratio_vs_%s: %.2f x\n", cls, n, vs, ours / base);
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = {4, 1024, 16384, 262144, 1048576};
    const struct kk_sched_class *const classes[] = {
        &kk_sched_fifo_class,   &kk_sched_rr_class,    &kk_sched_mlq_class,
        &kk_sched_stride_class, &kk_sched_eevdf_class, &kk_sched_edf_class,
    };
    size_t samples = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000, c, i;
    const char *only = argc > 2 ? argv[2] : NULL;
    size_t only_n = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;

    distinct = argc > 4 && strcmp(argv[4], "distinct") == 0;
    if (samples == 0)
        samples = 1;
    printf("# one op = one steady-state scheduling step (charge + put_prev + pick) after >= 2N "
           "warm-up steps; ratios: kernkit median / binary-heap median, same run\n");
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        double bh = 0, ph;
        if (only_n != 0 && only_n != n)
            continue;
        if (n > 4 && (only == NULL || strcmp(only, "binheap") == 0 || strcmp(only, "stride") == 0 ||
                      strcmp(only, "eevdf") == 0 || strcmp(only, "pairheap") == 0)) {
            bh = run_baseline(0, n, samples);
            ph = run_baseline(1, n, samples);
            ratio("pairheap", n, "binheap", ph, bh);
        }
        for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
            int tree = classes[c] == &kk_sched_stride_class ||
                       classes[c] == &kk_sched_eevdf_class || classes[c] == &kk_sched_edf_class;
            double m;
            if (only != NULL && strcmp(only, classes[c]->name) != 0)
                continue;
            if (n == 4 && tree)
                continue;
            m = run(classes[c], n, samples);
            if (tree)
                ratio(label(classes[c]), n, "binheap", m, bh);
        }
    }
    return 0;
}
