/* Tests for kernkit/sched.h: configuration and bad input, queue order of the
 * list classes, MLQ priority, SMP helpers, invariant checker. The clock is a
 * variable the tests move by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kernkit/sched.h>

#define MS 1000000ull

static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

struct fixture {
    struct kk_sched s;
    struct kk_sched_rq rqs[4];
    struct kk_sched_entity e[8];
};

static struct fixture fx;

static int setup_classes(const struct kk_sched_class *const *classes, uint32_t n, uint32_t cpus)
{
    struct kk_sched_config cfg;

    memset(&fx, 0, sizeof(fx));
    memset(&cfg, 0, sizeof(cfg));
    fake_now = 1000;
    cfg.size = sizeof(cfg);
    cfg.clock_ns = fake_clock;
    cfg.classes = classes;
    cfg.nr_classes = n;
    cfg.rr_slice_ns = 10 * MS;
    return kk_sched_init(&fx.s, &cfg, fx.rqs, cpus);
}

static const struct kk_sched_class *const stack_fifo_rr_mlq[] = {
    &kk_sched_fifo_class, &kk_sched_rr_class, &kk_sched_mlq_class};

static void setup_default(uint32_t cpus)
{
    assert_int_equal(setup_classes(stack_fifo_rr_mlq, 3, cpus), 0);
}

static int nr_of(const struct kk_sched_rq *rq)
{
    return (int)rq->nr_running;
}

/* ---- configuration ---- */

static void init_rejects_bad_config(void **state)
{
    struct kk_sched_config cfg;
    struct kk_sched_class bad = kk_sched_fifo_class;
    const struct kk_sched_class *dup[] = {&kk_sched_fifo_class, &kk_sched_fifo_class};
    const struct kk_sched_class *badv[] = {&bad};
    (void)state;

    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.clock_ns = fake_clock;
    cfg.classes = stack_fifo_rr_mlq;
    cfg.nr_classes = 3;
    assert_int_equal(kk_sched_init(NULL, &cfg, fx.rqs, 1), KK_EINVAL);
    assert_int_equal(kk_sched_init(&fx.s, NULL, fx.rqs, 1), KK_EINVAL);
    assert_int_equal(kk_sched_init(&fx.s, &cfg, NULL, 1), KK_EINVAL);
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 0), KK_EINVAL);
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, KK_SCHED_MAX_CPUS + 1), KK_EINVAL);
    cfg.clock_ns = NULL;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.clock_ns = fake_clock;
    cfg.nr_classes = 0;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.nr_classes = KK_SCHED_MAX_CLASSES + 1;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.classes = dup;
    cfg.nr_classes = 2;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.classes = badv;
    cfg.nr_classes = 1;
    bad.version = 0;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    bad.version = KK_SCHED_CLASS_VERSION + 1;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_ENOTSUP);
    bad.version = KK_SCHED_CLASS_VERSION;
    bad.pick_next = NULL;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.size = sizeof(cfg) - 1;
    cfg.classes = stack_fifo_rr_mlq;
    cfg.nr_classes = 3;
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 1), KK_EINVAL);
    cfg.size = sizeof(cfg);
    assert_int_equal(kk_sched_init(&fx.s, &cfg, fx.rqs, 2), 0);
    assert_ptr_equal(kk_sched_cpu_rq(&fx.s, 1), &fx.rqs[1]);
    assert_null(kk_sched_cpu_rq(&fx.s, 2));
}

static void bad_entity_and_queue_input(void **state)
{
    struct kk_sched_rq *rq;
    struct kk_sched_entity *a = &fx.e[0], *b = &fx.e[1];
    (void)state;

    setup_default(2);
    rq = &fx.rqs[0];
    assert_int_equal(kk_sched_entity_init(&fx.s, a, &kk_sched_mlq_class, -1), KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, a, &kk_sched_mlq_class, KK_SCHED_MLQ_LEVELS),
                     KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, a, &kk_sched_stride_class, 1), KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, a, NULL, 0), KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, a, &kk_sched_mlq_class, 3), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, b, &kk_sched_rr_class, 0), 0);

    /* dequeue of an entity that is not queued */
    assert_int_equal(kk_sched_dequeue(rq, a, 0), KK_ENOENT);
    assert_int_equal(kk_sched_enqueue(rq, a, KK_SCHED_ENQ_WAKEUP), 0);
    /* enqueue twice, here or elsewhere: refused, queue unchanged */
    assert_int_equal(kk_sched_enqueue(rq, a, KK_SCHED_ENQ_WAKEUP), KK_EEXIST);
    assert_int_equal(kk_sched_enqueue(&fx.rqs[1], a, 0), KK_EEXIST);
    assert_int_equal(nr_of(rq), 1);
    assert_int_equal(nr_of(&fx.rqs[1]), 0);
    assert_int_equal(kk_sched_dequeue(&fx.rqs[1], a, 0), KK_ENOENT);
    assert_int_equal(kk_sched_check(rq), 0);
    /* priority out of range: unchanged */
    assert_int_equal(kk_sched_set_priority(rq, a, KK_SCHED_MLQ_LEVELS), KK_EINVAL);
    assert_int_equal(kk_sched_set_priority(rq, a, -5), KK_EINVAL);
    assert_int_equal(kk_sched_set_priority(&fx.rqs[1], a, 2), KK_ENOENT);
    assert_int_equal(a->prio, 3);
    assert_int_equal(kk_sched_set_priority(rq, b, 1), KK_EINVAL); /* rr has one level */
    /* affinity */
    assert_int_equal(kk_sched_set_affinity(&fx.s, b, 0), KK_EINVAL);
    assert_int_equal(kk_sched_set_affinity(&fx.s, b, 1ull << 5), KK_EINVAL); /* no such CPU */
    assert_int_equal(b->affinity, 3);
    assert_int_equal(kk_sched_set_affinity(&fx.s, b, 2), 0);
    assert_int_equal(kk_sched_enqueue(rq, b, 0), KK_EINVAL);
    assert_int_equal(nr_of(rq), 1);
    assert_int_equal(kk_sched_enqueue(&fx.rqs[1], b, 0), 0);
    /* a queued entity whose CPU becomes disallowed must be moved */
    assert_int_equal(kk_sched_set_affinity(&fx.s, a, 2), 1);
    assert_int_equal(kk_sched_migrate(&fx.rqs[0], &fx.rqs[1], a), 0);
    assert_int_equal(nr_of(rq), 0);
    assert_int_equal(nr_of(&fx.rqs[1]), 2);
    assert_int_equal(kk_sched_migrate(&fx.rqs[1], &fx.rqs[0], a), KK_EINVAL);
    assert_int_equal(kk_sched_migrate(&fx.rqs[0], &fx.rqs[1], a), KK_ENOENT);
    assert_int_equal(kk_sched_check(rq), 0);
    assert_int_equal(kk_sched_check(&fx.rqs[1]), 0);
    /* re-initialising a queued entity is refused */
    assert_int_equal(kk_sched_entity_init(&fx.s, a, &kk_sched_mlq_class, 1), KK_EBUSY);
    assert_int_equal(kk_sched_yield(rq), KK_ENOENT);
    assert_null(kk_sched_pick_next(rq));
    /* running entity cannot be migrated */
    assert_ptr_equal(kk_sched_pick_next(&fx.rqs[1]), b);
    assert_int_equal(kk_sched_set_affinity(&fx.s, b, 3), 0);
    assert_int_equal(kk_sched_migrate(&fx.rqs[1], &fx.rqs[0], b), KK_EBUSY);
}

/* ---- list classes ---- */

static void fifo_runs_to_completion_in_order(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_fifo_class};
    struct kk_sched_rq *rq = &fx.rqs[0];
    int i;
    (void)state;

    assert_int_equal(setup_classes(stack, 1, 1), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_fifo_class, 0), 0);
        assert_int_equal(kk_sched_enqueue(rq, &fx.e[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    for (i = 0; i < 100; i++) { /* no slice: ticks never preempt */
        fake_now += MS;
        assert_false(kk_sched_tick(rq));
    }
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_int_equal(kk_sched_yield(rq), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[1], KK_SCHED_DEQ_SLEEP), 0);
    assert_null(rq->curr);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[2]);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[1], KK_SCHED_ENQ_WAKEUP), 0);
    assert_false(rq->need_resched); /* same class: no preemption */
    assert_int_equal(kk_sched_yield(rq), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_int_equal(kk_sched_yield(rq), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    assert_int_equal(kk_sched_check(rq), 0);
    assert_int_equal(fx.e[0].sum_exec_ns, 100 * MS);
}

static void rr_rotates_on_slice_and_keeps_place_when_preempted(void **state)
{
    struct kk_sched_rq *rq = &fx.rqs[0];
    struct kk_sched_entity *x = &fx.e[5];
    int i;
    (void)state;

    setup_default(1);
    for (i = 0; i < 3; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_rr_class, 0), 0);
        assert_int_equal(kk_sched_enqueue(rq, &fx.e[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    assert_int_equal(kk_sched_entity_init(&fx.s, x, &kk_sched_fifo_class, 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    for (i = 0; i < 9; i++) {
        fake_now += MS;
        assert_false(kk_sched_tick(rq));
    }
    fake_now += MS;
    assert_true(kk_sched_tick(rq)); /* 10 ms slice used */
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    fake_now += 4 * MS;
    assert_false(kk_sched_tick(rq));
    /* a higher class wakes: e1 is preempted with 6 ms left and keeps the head */
    assert_int_equal(kk_sched_enqueue(rq, x, KK_SCHED_ENQ_WAKEUP), 0);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), x);
    fake_now += 3 * MS;
    assert_int_equal(kk_sched_dequeue(rq, x, KK_SCHED_DEQ_SLEEP), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    assert_int_equal(fx.e[1].u.rr.slice_left, 6 * MS);
    fake_now += 6 * MS;
    assert_true(kk_sched_tick(rq));
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[2]);
    fake_now += 10 * MS;
    assert_true(kk_sched_tick(rq));
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_int_equal(kk_sched_check(rq), 0);
    /* one entity alone is never told to reschedule */
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[1], 0), 0);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[2], 0), 0);
    fake_now += 50 * MS;
    assert_false(kk_sched_tick(rq));
}

static void mlq_strict_priority(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_mlq_class};
    struct kk_sched_rq *rq = &fx.rqs[0];
    static const int levels[] = {5, 2, 9, 2, 31, 0};
    int i;
    (void)state;

    assert_int_equal(setup_classes(stack, 1, 1), 0);
    for (i = 0; i < 5; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_mlq_class, levels[i]), 0);
        assert_int_equal(kk_sched_enqueue(rq, &fx.e[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    fake_now += 10 * MS;
    assert_true(kk_sched_tick(rq));
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[3]); /* same level round robin */
    fake_now += 10 * MS;
    assert_true(kk_sched_tick(rq));
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]); /* level 5 never runs meanwhile */
    /* a level-0 wake-up preempts */
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[5], &kk_sched_mlq_class, levels[5]), 0);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[5], KK_SCHED_ENQ_WAKEUP), 0);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[5]);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[5], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]); /* kept its place */
    /* a lower-level wake-up does not preempt */
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[2], 0), 0);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[2], KK_SCHED_ENQ_WAKEUP), 0);
    assert_false(rq->need_resched);
    /* drain levels in order */
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[1], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[3]);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[3], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    /* lowering the running entity's priority below a waiting one reschedules */
    assert_int_equal(kk_sched_set_priority(rq, &fx.e[0], 20), 0);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[2]);
    assert_int_equal(kk_sched_set_priority(rq, &fx.e[4], 1), 0); /* queued: moves level */
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[4]);
    assert_int_equal(kk_sched_check(rq), 0);
}

static void class_stack_order(void **state)
{
    struct kk_sched_rq *rq = &fx.rqs[0];
    (void)state;

    setup_default(1);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[0], &kk_sched_mlq_class, 0), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[1], &kk_sched_rr_class, 0), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[2], &kk_sched_fifo_class, 0), 0);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[0], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[1], 0), 0);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[2], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[2]);
    assert_int_equal(rq->nr_running, 3);
    assert_int_equal(rq->nr_class[0] + rq->nr_class[1] + rq->nr_class[2], 3);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[2], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[1]);
    assert_int_equal(kk_sched_check(rq), 0);
}

/* ---- SMP helpers ---- */

static void smp_select_balance_pull(void **state)
{
    int i;
    (void)state;

    setup_default(4);
    for (i = 0; i < 8; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_rr_class, 0), 0);
        assert_int_equal(kk_sched_enqueue(&fx.rqs[0], &fx.e[i], 0), 0);
    }
    assert_non_null(kk_sched_pick_next(&fx.rqs[0]));
    /* select_cpu: idle last CPU is not idle; least loaded allowed CPU wins */
    assert_int_equal(kk_sched_set_affinity(&fx.s, &fx.e[7], 0xC), 1);
    assert_int_equal(kk_sched_dequeue(&fx.rqs[0], &fx.e[7], 0), 0);
    assert_int_equal(kk_sched_select_cpu(&fx.s, &fx.e[7]), 2);
    assert_int_equal(kk_sched_find_busiest(&fx.s, 1), 0);
    assert_int_equal(kk_sched_find_busiest(&fx.s, 9), KK_EINVAL);
    /* pinned to CPU 0: nothing moves */
    for (i = 1; i < 7; i++)
        assert_int_equal(kk_sched_set_affinity(&fx.s, &fx.e[i], 1), 0);
    assert_int_equal(kk_sched_pull(&fx.rqs[1], &fx.rqs[0], 8), 0);
    for (i = 1; i < 7; i++)
        assert_int_equal(kk_sched_set_affinity(&fx.s, &fx.e[i], 0xF), 0);
    /* idle stealing: one at a time */
    assert_int_equal(kk_sched_pull(&fx.rqs[1], &fx.rqs[0], 1), 1);
    assert_int_equal(kk_sched_pull(&fx.rqs[2], &fx.rqs[0], 100), 3); /* 6:0 -> 3:3 */
    assert_int_equal(nr_of(&fx.rqs[0]), 3);
    assert_int_equal(nr_of(&fx.rqs[2]), 3);
    assert_int_equal(kk_sched_pull(&fx.rqs[3], &fx.rqs[0], 100), 1); /* 3:0 -> 2:1 */
    assert_int_equal(kk_sched_find_busiest(&fx.s, 3), 2);
    assert_int_equal(kk_sched_find_busiest(&fx.s, 2), KK_ENOENT);
    assert_int_equal(kk_sched_pull(&fx.rqs[0], &fx.rqs[0], 1), KK_EINVAL);
    for (i = 0; i < 4; i++)
        assert_int_equal(kk_sched_check(&fx.rqs[i]), 0);
    assert_int_equal(kk_sched_select_cpu(&fx.s, &fx.e[7]), 3);
}

/* Put @n RR entities starting at fx.e[first] on CPU @cpu (the first one runs). */
static void load_cpu(uint32_t cpu, int first, int n)
{
    int i;

    for (i = first; i < first + n; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_rr_class, 0), 0);
        assert_int_equal(kk_sched_enqueue(&fx.rqs[cpu], &fx.e[i], 0), 0);
    }
    if (n > 0)
        assert_non_null(kk_sched_pick_next(&fx.rqs[cpu]));
}

static void select_cpu_hint_sync_wakeup(void **state)
{
    struct kk_sched_entity *wakee = &fx.e[7];
    (void)state;

    setup_default(4);
    assert_int_equal(kk_sched_entity_init(&fx.s, wakee, &kk_sched_rr_class, 0), 0);
    load_cpu(1, 0, 1); /* the waker runs alone on CPU 1 */
    load_cpu(2, 1, 2); /* CPU 2 runs one and has one waiting */
    /* without the hint: the idle last CPU (0) */
    assert_int_equal(kk_sched_select_cpu(&fx.s, wakee), 0);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, 0), 0);
    /* sync: the waker's CPU, where it is alone */
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, KK_SCHED_WAKE_SYNC), 1);
    /* sync from a busy CPU: the ordinary choice */
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 2, KK_SCHED_WAKE_SYNC), 0);
    /* affinity wins over the hint */
    assert_int_equal(kk_sched_set_affinity(&fx.s, wakee, 0xD), 0);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, KK_SCHED_WAKE_SYNC), 0);
    assert_int_equal(kk_sched_set_affinity(&fx.s, wakee, 0x4), 0);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, KK_SCHED_WAKE_SYNC), 2);
    /* bad input */
    assert_int_equal(kk_sched_select_cpu_hint(NULL, wakee, 1, KK_SCHED_WAKE_SYNC), KK_EINVAL);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, NULL, 1, KK_SCHED_WAKE_SYNC), KK_EINVAL);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 4, KK_SCHED_WAKE_SYNC), KK_EINVAL);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, 0x2), KK_EINVAL);
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 99, 0), 2); /* ignored without sync */
    wakee->affinity = 0;                                                /* corrupted mask */
    assert_int_equal(kk_sched_select_cpu_hint(&fx.s, wakee, 1, KK_SCHED_WAKE_SYNC), KK_EINVAL);
}

/* A pipe ping-pong on 2 CPUs: each side wakes the other synchronously, then sleeps. With the
 * hint both stay on the waker's CPU; without it every wake-up goes to the other, idle, CPU. */
static int ping_pong_cpus_used(unsigned flags)
{
    struct kk_sched_entity *side[2] = {&fx.e[0], &fx.e[1]};
    int i, used = 0;

    setup_default(2);
    assert_int_equal(kk_sched_entity_init(&fx.s, side[0], &kk_sched_rr_class, 0), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, side[1], &kk_sched_rr_class, 0), 0);
    side[1]->last_cpu = 1;
    assert_int_equal(kk_sched_enqueue(&fx.rqs[0], side[0], 0), 0);
    assert_ptr_equal(kk_sched_pick_next(&fx.rqs[0]), side[0]);
    for (i = 0; i < 20; i++) {
        struct kk_sched_entity *waker = side[i & 1], *wakee = side[(i + 1) & 1];
        struct kk_sched_rq *wrq = waker->rq;
        int cpu = kk_sched_select_cpu_hint(&fx.s, wakee, wrq->cpu, flags);

        assert_true(cpu >= 0 && cpu < 2);
        used |= 1 << cpu;
        assert_int_equal(kk_sched_enqueue(&fx.rqs[cpu], wakee, KK_SCHED_ENQ_WAKEUP), 0);
        assert_int_equal(kk_sched_dequeue(wrq, waker, KK_SCHED_DEQ_SLEEP), 0);
        if (cpu == (int)wrq->cpu) {
            assert_ptr_equal(kk_sched_pick_next(wrq), wakee);
        } else {
            assert_null(kk_sched_pick_next(wrq));
            assert_ptr_equal(kk_sched_pick_next(&fx.rqs[cpu]), wakee);
        }
        assert_int_equal(kk_sched_check(&fx.rqs[0]), 0);
        assert_int_equal(kk_sched_check(&fx.rqs[1]), 0);
    }
    return used;
}

static void select_cpu_hint_ping_pong(void **state)
{
    (void)state;
    assert_int_equal(ping_pong_cpus_used(KK_SCHED_WAKE_SYNC), 1); /* CPU 0 only */
    assert_int_equal(ping_pong_cpus_used(0), 3);                  /* both CPUs */
}

/* Random loads and masks: the result is always an allowed CPU, the waker's one when the hint
 * applies, and kk_sched_select_cpu()'s choice otherwise. */
static void select_cpu_hint_random(void **state)
{
    struct kk_sched_entity *wakee = &fx.e[7];
    unsigned seed = 12345;
    int it, iters = getenv("KK_TEST_ITERS") ? atoi(getenv("KK_TEST_ITERS")) : 200;
    (void)state;

    for (it = 0; it < iters; it++) {
        uint32_t waker, c;
        uint64_t mask;
        int next = 0, got;

        setup_default(4);
        for (c = 0; c < 4; c++) {
            int n;
            seed = seed * 1103515245u + 12345u;
            n = (int)((seed >> 16) % 3);
            if (next + n > 7)
                n = 7 - next;
            load_cpu(c, next, n);
            next += n;
        }
        assert_int_equal(kk_sched_entity_init(&fx.s, wakee, &kk_sched_rr_class, 0), 0);
        seed = seed * 1103515245u + 12345u;
        mask = ((seed >> 16) % 15) + 1;
        waker = (seed >> 8) % 4;
        wakee->last_cpu = (seed >> 4) % 4;
        assert_int_equal(kk_sched_set_affinity(&fx.s, wakee, mask), 0);
        got = kk_sched_select_cpu_hint(&fx.s, wakee, waker, KK_SCHED_WAKE_SYNC);
        assert_true(got >= 0 && ((mask >> got) & 1u));
        if (((mask >> waker) & 1u) && fx.rqs[waker].nr_running <= 1)
            assert_int_equal(got, (int)waker);
        else
            assert_int_equal(got, kk_sched_select_cpu(&fx.s, wakee));
    }
}

static void checker_detects_corruption(void **state)
{
    struct kk_sched_rq *rq = &fx.rqs[0];
    int i;
    (void)state;

    setup_default(1);
    for (i = 0; i < 4; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_mlq_class, i), 0);
        assert_int_equal(kk_sched_enqueue(rq, &fx.e[i], 0), 0);
    }
    assert_int_equal(kk_sched_check(rq), 0);
    rq->nr_running++;
    assert_int_equal(kk_sched_check(rq), KK_ECORRUPT);
    rq->nr_running--;
    rq->crq[2].mlq.bitmap ^= 1u << 7;
    assert_int_equal(kk_sched_check(rq), KK_ECORRUPT);
    rq->crq[2].mlq.bitmap ^= 1u << 7;
    fx.e[1].rq = NULL;
    assert_int_equal(kk_sched_check(rq), KK_ECORRUPT);
    fx.e[1].rq = rq;
    assert_int_equal(kk_sched_check(rq), 0);
}

/* ---- EEVDF ---- */

static void run_for(struct kk_sched_rq *rq, uint64_t ns)
{
    uint64_t end = fake_now + ns;

    while (fake_now < end) {
        fake_now += 250000;
        if (kk_sched_tick(rq))
            kk_sched_pick_next(rq);
        assert_int_equal(kk_sched_check(rq), 0);
    }
}

#define assert_near(a, b, tol) assert_near_((a), (b), (tol), __LINE__)

static void assert_near_(int64_t a, int64_t b, int64_t tol, int line)
{
    if (a - b > tol || b - a > tol)
        fail_msg("line %d: %lld vs %lld (tolerance %lld)", line, (long long)a, (long long)b,
                 (long long)tol);
}

static void eevdf_lag_kept_across_sleep_and_migration(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_eevdf_class};
    static const int nices[] = {0, 3, -2, 0, 5, -4};
    struct kk_sched_rq *r0 = &fx.rqs[0], *r1 = &fx.rqs[1];
    struct kk_sched_entity *x;
    int64_t before, after, lag;
    int i;
    (void)state;

    assert_int_equal(setup_classes(stack, 1, 2), 0);
    for (i = 0; i < 6; i++) {
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_eevdf_class, nices[i]), 0);
        assert_int_equal(kk_sched_enqueue(i < 4 ? r0 : r1, &fx.e[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    assert_non_null(kk_sched_pick_next(r0));
    assert_non_null(kk_sched_pick_next(r1));
    run_for(r0, 37 * MS);
    run_for(r1, 11 * MS);
    /* find a queued entity on CPU 0 with non-zero lag */
    x = NULL;
    for (i = 0; i < 4; i++) {
        if (&fx.e[i] != r0->curr) {
            assert_int_equal(kk_sched_fair_lag(r0, &fx.e[i], &lag), 0);
            if (lag != 0)
                x = &fx.e[i];
        }
    }
    assert_non_null(x);
    /* sleep and wake-up: same lag */
    assert_int_equal(kk_sched_fair_lag(r0, x, &before), 0);
    assert_int_equal(kk_sched_dequeue(r0, x, KK_SCHED_DEQ_SLEEP), 0);
    assert_int_equal(kk_sched_fair_lag(r0, x, &lag), KK_ENOENT);
    run_for(r0, 5 * MS);
    assert_int_equal(kk_sched_enqueue(r0, x, KK_SCHED_ENQ_WAKEUP), 0);
    assert_int_equal(kk_sched_fair_lag(r0, x, &after), 0);
    assert_near(after, before, 8);
    /* migration to a queue with a different virtual time: same lag */
    assert_int_equal(kk_sched_migrate(r0, r1, x), 0);
    assert_int_equal(kk_sched_fair_lag(r1, x, &after), 0);
    assert_near(after, before, 16);
    assert_int_equal(kk_sched_check(r0), 0);
    assert_int_equal(kk_sched_check(r1), 0);
    /* bad arguments */
    assert_int_equal(kk_sched_fair_lag(r0, x, &lag), KK_ENOENT);
    assert_int_equal(kk_sched_fair_lag(r1, x, NULL), KK_EINVAL);
    /* reweight keeps the lag in ns of service */
    assert_int_equal(kk_sched_fair_lag(r1, x, &before), 0);
    assert_int_equal(kk_sched_set_priority(r1, x, -10), 0);
    assert_int_equal(kk_sched_fair_lag(r1, x, &after), 0);
    assert_near(after, before, 4 * 9548 / 1024 + 8); /* a few virtual ns at the new weight */
    assert_int_equal(kk_sched_set_priority(r1, r1->curr, 7), 0);
    assert_true(r1->need_resched);
    assert_int_equal(kk_sched_check(r1), 0);
}

static void eevdf_weights_and_ranges(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_eevdf_class};
    (void)state;

    assert_int_equal(kk_sched_nice_to_weight(0), 1024);
    assert_int_equal(kk_sched_nice_to_weight(-20), 88761);
    assert_int_equal(kk_sched_nice_to_weight(19), 15);
    assert_int_equal(kk_sched_nice_to_weight(100), 15);
    assert_int_equal(setup_classes(stack, 1, 1), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[0], &kk_sched_eevdf_class, 20), KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[0], &kk_sched_eevdf_class, -21), KK_EINVAL);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[0], &kk_sched_eevdf_class, -20), 0);
    assert_int_equal(fx.e[0].u.fair.weight, 88761);
}

/* @dflt times KK_TEST_ITERS (default 1). */
static unsigned test_iters(unsigned dflt)
{
    const char *e = getenv("KK_TEST_ITERS");
    unsigned long m = e != NULL ? strtoul(e, NULL, 0) : 1;
    return dflt * (unsigned)(m == 0 ? 1 : m);
}

/* floor(a / b), b > 0 */
static int64_t floor_div(int64_t a, uint64_t b)
{
    return a >= 0 ? (int64_t)((uint64_t)a / b)
                  : -(int64_t)(((uint64_t)0 - (uint64_t)a + b - 1) / b);
}

/* The pick must be an eligible entity with the earliest deadline among the eligible ones of @rq
 * (brute force over @ents[0..@n); the running entity stays queued in this class). */
static void oracle_pick(const struct kk_sched_rq *rq, const struct kk_sched_entity *ents, int n,
                        const struct kk_sched_entity *se)
{
    const struct kk_sched_fair_rq *f = &rq->crq[0].fair;
    int64_t ekey = floor_div(f->sum_wkey, f->sum_w);
    uint64_t best = 0;
    bool found = false;
    int i;

    for (i = 0; i < n; i++) {
        if (ents[i].rq != rq || (int64_t)(ents[i].u.fair.vruntime - f->zero_v) > ekey)
            continue;
        if (!found || (int64_t)(ents[i].u.fair.deadline - best) < 0)
            best = ents[i].u.fair.deadline;
        found = true;
    }
    assert_true(found);
    assert_true((int64_t)(se->u.fair.vruntime - f->zero_v) <= ekey);
    assert_true(se->u.fair.deadline == best);
}

/* Every pick is an eligible entity with the earliest deadline among the eligible ones (brute
 * force over all runnable entities), through ties (all placed at once), sleeps, wake-ups and new
 * deadlines; the checker (which also verifies the pick finger's bound) passes after each step. */
static void eevdf_pick_is_earliest_eligible_deadline(void **state)
{
    static struct kk_sched_entity e[48];
    const struct kk_sched_class *const stack[] = {&kk_sched_eevdf_class};
    struct kk_sched_rq *rq = &fx.rqs[0];
    uint32_t rnd = 12345, step, steps = test_iters(4000), i;
    (void)state;

    assert_int_equal(setup_classes(stack, 1, 1), 0);
    for (i = 0; i < 48; i++) {
        assert_int_equal(
            kk_sched_entity_init(&fx.s, &e[i], &kk_sched_eevdf_class, (int)(i % 11) - 5), 0);
        e[i].slice_ns = i % 3 == 0 ? MS / 2 : 0;
        assert_int_equal(kk_sched_enqueue(rq, &e[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    for (step = 0; step < steps; step++) {
        const struct kk_sched_entity *se;

        rnd = rnd * 1103515245u + 12345u;
        fake_now += 1000 + (rnd >> 16) % 400000;
        i = (rnd >> 8) % 48;
        if (step % 3 == 0 && e[i].rq == NULL)
            assert_int_equal(kk_sched_enqueue(rq, &e[i], KK_SCHED_ENQ_WAKEUP), 0);
        else if (step % 7 == 0 && e[i].rq == rq && rq->nr_running > 1)
            assert_int_equal(kk_sched_dequeue(rq, &e[i], KK_SCHED_DEQ_SLEEP), 0);
        se = kk_sched_pick_next(rq);
        assert_non_null(se);
        oracle_pick(rq, e, 48, se);
        assert_int_equal(kk_sched_check(rq), 0);
    }
}

/* max(a / b, b / a) */
static double ratio(double a, double b)
{
    return a > b ? a / b : b / a;
}

static void eevdf_weight_to_nice(void **state)
{
    uint64_t w;
    int n, prev = KK_SCHED_NICE_MAX, p;
    (void)state;

    for (n = KK_SCHED_NICE_MIN; n <= KK_SCHED_NICE_MAX; n++)
        assert_int_equal(kk_sched_weight_to_nice(kk_sched_nice_to_weight(n)), n);
    assert_int_equal(kk_sched_weight_to_nice(0), KK_SCHED_NICE_MAX);
    assert_int_equal(kk_sched_weight_to_nice(UINT64_MAX), KK_SCHED_NICE_MIN);
    assert_int_equal(kk_sched_weight_to_nice(1ull << 40), KK_SCHED_NICE_MIN);
    /* every weight: monotonic, and no other nice value is closer in ratio */
    for (w = 1; w <= 100000; w++) {
        double best;
        n = kk_sched_weight_to_nice(w);
        assert_true(n >= KK_SCHED_NICE_MIN && n <= prev);
        prev = n;
        best = ratio((double)w, kk_sched_nice_to_weight(n));
        if (n > KK_SCHED_NICE_MIN)
            assert_true(best <= ratio((double)w, kk_sched_nice_to_weight(n - 1)));
        if (n < KK_SCHED_NICE_MAX)
            assert_true(best <= ratio((double)w, kk_sched_nice_to_weight(n + 1)));
    }
    /* proportional-share priorities: 1 is nice 0, then as the weight prio * 1024 */
    assert_int_equal(kk_sched_prio_to_nice(1), 0);
    assert_int_equal(kk_sched_prio_to_nice(0), 0);
    assert_int_equal(kk_sched_prio_to_nice(-5), 0);
    assert_int_equal(kk_sched_prio_to_nice(INT32_MAX), KK_SCHED_NICE_MIN);
    prev = 0;
    for (p = 1; p <= 200; p++) {
        n = kk_sched_prio_to_nice(p);
        assert_int_equal(n, kk_sched_weight_to_nice((uint64_t)p * KK_SCHED_NICE0_WEIGHT));
        assert_true(n <= prev);
        prev = n;
        if (p * KK_SCHED_NICE0_WEIGHT <= kk_sched_nice_to_weight(KK_SCHED_NICE_MIN)) /* in range: */
            assert_true(ratio((double)p * KK_SCHED_NICE0_WEIGHT, kk_sched_nice_to_weight(n)) <
                        1.15);
    }
}

/* ---- EDF ---- */

static void edf_admission(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_edf_class, &kk_sched_rr_class};
    struct kk_sched_rq *rq = &fx.rqs[0];
    int i;
    (void)state;

    assert_int_equal(setup_classes(stack, 2, 2), 0);
    for (i = 0; i < 6; i++)
        assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[i], &kk_sched_edf_class, 0), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[6], &kk_sched_rr_class, 0), 0);
    /* bad parameters */
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[0], 0, 10 * MS, 10 * MS), KK_EINVAL);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[0], 11 * MS, 10 * MS, 10 * MS), KK_EINVAL);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[0], 1 * MS, 10 * MS, 5 * MS), KK_EINVAL);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[6], 1 * MS, 10 * MS, 10 * MS), KK_EINVAL);
    /* not admitted: cannot be enqueued */
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[0], KK_SCHED_ENQ_WAKEUP), KK_EINVAL);
    assert_int_equal(kk_sched_dl_release(&fx.e[0]), KK_ENOENT);
    /* 0.4 + 0.3 + 0.25 = 0.95 admitted; 0.1 more is over the bound */
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[0], 4 * MS, 10 * MS, 10 * MS), 0);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[1], 3 * MS, 10 * MS, 10 * MS), 0);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[2], 5 * MS, 20 * MS, 40 * MS), 0); /* density */
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[3], 1 * MS, 10 * MS, 10 * MS), KK_EBUSY);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[0], 1 * MS, 10 * MS, 10 * MS), KK_EEXIST);
    assert_int_equal(rq->crq[0].dl.util, 996148); /* 0.95 * 2^20, each rounded up */
    /* admission is per CPU */
    assert_int_equal(kk_sched_dl_admit(&fx.rqs[1], &fx.e[3], 1 * MS, 10 * MS, 10 * MS), 0);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[3], KK_SCHED_ENQ_WAKEUP), KK_EINVAL);
    /* earliest deadline runs first, a wake-up with an earlier deadline preempts */
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[6], KK_SCHED_ENQ_WAKEUP), 0);
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[2], KK_SCHED_ENQ_WAKEUP), 0);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[2]);
    fake_now += 1 * MS;
    assert_int_equal(kk_sched_enqueue(rq, &fx.e[0], KK_SCHED_ENQ_WAKEUP), 0);
    assert_true(rq->need_resched);
    assert_ptr_equal(kk_sched_pick_next(rq), &fx.e[0]);
    assert_int_equal(fx.e[0].u.dl.abs_deadline, fake_now + 10 * MS);
    /* pinned: never migrated */
    assert_int_equal(kk_sched_migrate(rq, &fx.rqs[1], &fx.e[2]), KK_EPERM);
    /* release needs the entity off the queue; re-init needs it released */
    assert_int_equal(kk_sched_dl_release(&fx.e[2]), KK_EBUSY);
    assert_int_equal(kk_sched_dequeue(rq, &fx.e[2], 0), 0);
    assert_int_equal(kk_sched_entity_init(&fx.s, &fx.e[2], &kk_sched_edf_class, 0), KK_EBUSY);
    assert_int_equal(kk_sched_dl_release(&fx.e[2]), 0);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[3], 1 * MS, 10 * MS, 10 * MS), KK_EEXIST);
    assert_int_equal(kk_sched_dl_admit(rq, &fx.e[4], 2 * MS, 10 * MS, 10 * MS), 0);
    assert_int_equal(kk_sched_check(rq), 0);
    assert_int_equal(kk_sched_check(&fx.rqs[1]), 0);
}

/* ---- random operations against a shadow model ---- */

static uint64_t rnd(uint64_t *st)
{
    uint64_t x = *st;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *st = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static const struct kk_sched_class *const all_classes[] = {
    &kk_sched_edf_class, &kk_sched_fifo_class,   &kk_sched_rr_class,
    &kk_sched_mlq_class, &kk_sched_stride_class, &kk_sched_eevdf_class,
};

#define RCPUS 3
#define RENTS 48

static int random_prio(const struct kk_sched_class *c, uint64_t *st)
{
    return c->prio_min + (int)(rnd(st) % (uint64_t)(c->prio_max - c->prio_min + 1));
}

static void random_step(struct kk_sched_entity *ents, int *where, uint64_t *st)
{
    int i = (int)(rnd(st) % RENTS), cpu = (int)(rnd(st) % RCPUS), other = (cpu + 1) % RCPUS;
    struct kk_sched_entity *se = &ents[i];
    struct kk_sched_rq *rq = &fx.rqs[cpu];
    uint32_t before = rq->nr_running;
    int err;

    switch (rnd(st) % 10) {
    case 0:
    case 1: /* enqueue (wake-up) */
        err = kk_sched_enqueue(rq, se, KK_SCHED_ENQ_WAKEUP);
        if (where[i] >= 0) {
            assert_int_equal(err, KK_EEXIST);
            assert_int_equal(rq->nr_running, before);
        } else if (!((se->affinity >> cpu) & 1u) ||
                   (se->cls == &kk_sched_edf_class && se->u.dl.admitted != rq)) {
            assert_int_equal(err, KK_EINVAL);
        } else {
            assert_int_equal(err, 0);
            where[i] = cpu;
        }
        break;
    case 2: /* dequeue (sleep) */
        err = kk_sched_dequeue(rq, se, KK_SCHED_DEQ_SLEEP);
        assert_int_equal(err, where[i] == cpu ? 0 : KK_ENOENT);
        if (err == 0)
            where[i] = -1;
        break;
    case 3:
    case 4: /* schedule */
        kk_sched_pick_next(rq);
        break;
    case 5: /* time passes */
        fake_now += rnd(st) % (4 * MS);
        kk_sched_tick(rq);
        (void)kk_sched_time_left(rq);
        break;
    case 6:
        err = kk_sched_yield(rq);
        assert_int_equal(err, rq->curr != NULL ? 0 : KK_ENOENT);
        break;
    case 7: /* priority change, sometimes out of range */
        if (rnd(st) % 4 == 0) {
            assert_int_equal(kk_sched_set_priority(rq, se, se->cls->prio_max + 1), KK_EINVAL);
        } else {
            err = kk_sched_set_priority(where[i] >= 0 ? &fx.rqs[where[i]] : NULL, se,
                                        random_prio(se->cls, st));
            assert_int_equal(err, 0);
        }
        break;
    case 8: /* affinity change, moving the entity if it must */
        err = kk_sched_set_affinity(&fx.s, se, rnd(st) % 8);
        if (err == 1 && se != se->rq->curr && se->cls != &kk_sched_edf_class) {
            int to = __builtin_ctzll(se->affinity);
            assert_int_equal(kk_sched_migrate(se->rq, &fx.rqs[to], se), 0);
            where[i] = to;
        }
        break;
    default: { /* balance: the moved entities went from `other` to `cpu` */
        int moved = 0, j;
        err = kk_sched_pull(rq, &fx.rqs[other], (uint32_t)(rnd(st) % 4));
        assert_true(err >= 0);
        for (j = 0; j < RENTS; j++) {
            if (where[j] == other && ents[j].rq == rq) {
                assert_true((ents[j].affinity >> cpu) & 1u);
                assert_true(ents[j].cls != &kk_sched_edf_class);
                where[j] = cpu;
                moved++;
            }
        }
        assert_int_equal(moved, err);
        break;
    }
    }
}

static void random_ops_keep_invariants(void **state)
{
    static struct kk_sched_entity ents[RENTS];
    int where[RENTS], i, c;
    unsigned r, rounds = test_iters(30000);
    const char *seed = getenv("KK_TEST_SEED"); /* fixed by default; override to explore */
    uint64_t st = seed != NULL ? strtoull(seed, NULL, 0) | 1 : 0x9E3779B97F4A7C15ULL;
    (void)state;

    assert_int_equal(setup_classes(all_classes, 6, RCPUS), 0);
    memset(ents, 0, sizeof(ents));
    for (i = 0; i < RENTS; i++) {
        const struct kk_sched_class *cls = all_classes[i % 6];
        assert_int_equal(kk_sched_entity_init(&fx.s, &ents[i], cls, random_prio(cls, &st)), 0);
        where[i] = -1;
        if (cls == &kk_sched_edf_class)
            assert_int_equal(
                kk_sched_dl_admit(&fx.rqs[i % RCPUS], &ents[i], 1 * MS, 20 * MS, 40 * MS), 0);
    }
    for (r = 0; r < rounds; r++) {
        uint32_t total = 0;
        random_step(ents, where, &st);
        for (c = 0; c < RCPUS; c++) {
            assert_int_equal(kk_sched_check(&fx.rqs[c]), 0);
            total += fx.rqs[c].nr_running;
            if (fx.rqs[c].curr != NULL)
                assert_int_equal(where[fx.rqs[c].curr - ents] == c, 1);
        }
        for (i = 0; i < RENTS; i++) {
            assert_true(where[i] < 0 ? ents[i].rq == NULL : ents[i].rq == &fx.rqs[where[i]]);
            if (where[i] >= 0)
                total--;
        }
        assert_int_equal(total, 0);
    }
}

/* ---- EEVDF and Stride against brute-force oracles under every operation ---- */

#define OENTS 40

/* @cls's migrate_next offers every queued entity but the running one once, each not after the one
 * it offered before in @cls's run order (@not_after(se, last)). */
static void oracle_migrate_order(struct kk_sched_rq *rq, const struct kk_sched_entity *ents,
                                 const struct kk_sched_class *cls,
                                 bool (*not_after)(const struct kk_sched_entity *,
                                                   const struct kk_sched_entity *))
{
    struct kk_sched_entity *se = NULL, *last = NULL;
    bool seen[OENTS] = {false};
    int n = 0, want = 0, i;

    while ((se = cls->migrate_next(rq, &rq->crq[0], se)) != NULL) {
        i = (int)(se - ents);
        assert_true(i >= 0 && i < OENTS && se->rq == rq && se != rq->curr && !seen[i]);
        assert_true(last == NULL || not_after(se, last));
        seen[i] = true;
        last = se;
        n++;
    }
    for (i = 0; i < OENTS; i++)
        want += ents[i].rq == rq && &ents[i] != rq->curr;
    assert_int_equal(n, want);
}

/* What random_vs_oracle needs of the one class it runs. */
struct oracle_hooks {
    const struct kk_sched_class *cls;
    uint64_t seed;       /* the random state unless KK_TEST_SEED is set */
    uint64_t max_run_ns; /* a tick comes after less than this */
    int prio_lo;         /* a priority change sets prio_lo + 0..prio_span[distinct] - 1 */
    uint64_t prio_span[2];
    /* Entity @i's priority at the start. */
    int (*first_prio)(int i, bool distinct, uint64_t *st);
    /* Sets @se's request length before a wake-up: entity @i's at the start, or (@i < 0) one for
     * a later wake-up; NULL for a class without one. */
    void (*slice)(struct kk_sched_entity *se, int i, bool distinct, uint64_t *st);
    /* Checks @se, just picked on @rq, against a brute-force oracle over @ents[0..@n). */
    void (*oracle_pick)(const struct kk_sched_rq *rq, const struct kk_sched_entity *ents, int n,
                        const struct kk_sched_entity *se);
    /* The class's migration order, for oracle_migrate_order. */
    bool (*not_after)(const struct kk_sched_entity *a, const struct kk_sched_entity *b);
    /* Counts into @used which of @rq's structures hold entities; NULL: nothing to count. */
    void (*tally)(const struct kk_sched_rq *rq, unsigned used[2]);
};

/* EEVDF: nice -3..3 at the start, -4..4 later; request lengths per entity with @distinct (the
 * groups overflow into the tree), else 0, 1 or 2 ms, drawn anew at each wake-up. */
static int eevdf_first_prio(int i, bool distinct, uint64_t *st)
{
    (void)i;
    (void)distinct;
    return (int)(rnd(st) % 7) - 3;
}

static void eevdf_slice(struct kk_sched_entity *se, int i, bool distinct, uint64_t *st)
{
    if (i >= 0)
        se->slice_ns = distinct ? MS / 4 + (uint64_t)i * 37000 : (uint64_t)(i % 3) * MS;
    else if (!distinct)
        se->slice_ns = (rnd(st) % 3) * MS; /* allowed while on no queue */
}

/* EEVDF's migration order: latest deadline first. */
static bool deadline_not_after(const struct kk_sched_entity *a, const struct kk_sched_entity *b)
{
    return (int64_t)(a->u.fair.deadline - b->u.fair.deadline) <= 0;
}

static const struct oracle_hooks eevdf_oracle = {
    .cls = &kk_sched_eevdf_class,
    .seed = 0x2545F4914F6CDD1DULL,
    .max_run_ns = 3 * MS / 2,
    .prio_lo = -4,
    .prio_span = {9, 9},
    .first_prio = eevdf_first_prio,
    .slice = eevdf_slice,
    .oracle_pick = oracle_pick,
    .not_after = deadline_not_after,
};

/* Stride: with @distinct more priorities than there are groups (the tree holds the rest), else
 * three (most entities in groups). */
static int stride_first_prio(int i, bool distinct, uint64_t *st)
{
    (void)st;
    return distinct ? i + 1 : 1 + i % 3;
}

/* @a runs before @b in Stride's order: smaller pass, then earlier arrival. */
static bool stride_before(const struct kk_sched_entity *a, const struct kk_sched_entity *b)
{
    return (int64_t)(a->u.stride.pass - b->u.stride.pass) < 0 ||
           (a->u.stride.pass == b->u.stride.pass && a->u.stride.seq < b->u.stride.seq);
}

/* @se, just picked on @rq, runs before every other runnable entity of @ents[0..@n) there. */
static void stride_oracle_pick(const struct kk_sched_rq *rq, const struct kk_sched_entity *ents,
                               int n, const struct kk_sched_entity *se)
{
    int i;

    assert_non_null(se);
    assert_ptr_equal(rq->curr, se);
    for (i = 0; i < n; i++)
        if (ents[i].rq == rq && &ents[i] != se)
            assert_true(stride_before(se, &ents[i]));
}

/* @used[0]: queues with priority groups in use, @used[1]: queues with entities in the tree. */
static void stride_tally(const struct kk_sched_rq *rq, unsigned used[2])
{
    used[0] += rq->crq[0].stride.group_mask != 0;
    used[1] += rq->crq[0].stride.tree.node != NULL;
}

static const struct oracle_hooks stride_oracle = {
    .cls = &kk_sched_stride_class,
    .seed = 0x9E3779B97F4A7C15ULL,
    .max_run_ns = 3 * MS,
    .prio_lo = 1,
    .prio_span = {3, 64},
    .first_prio = stride_first_prio,
    .oracle_pick = stride_oracle_pick,
    .not_after = stride_before,
    .tally = stride_tally,
};

/* Random wake-ups, sleeps (running or not), partial and whole slices, picks, yields, priority
 * changes, migrations and pulls on two queues of @h's class alone; every pick is checked against
 * @h's oracle, the checker and the migration order after every step (@distinct: see the hooks).
 * Returns the number of steps, with @h's tally of them added into @used. */
static unsigned random_vs_oracle(const struct oracle_hooks *h, bool distinct, unsigned used[2])
{
    static struct kk_sched_entity ents[OENTS];
    const struct kk_sched_class *const stack[] = {h->cls};
    const char *seed = getenv("KK_TEST_SEED");
    uint64_t st = seed != NULL ? strtoull(seed, NULL, 0) | 1 : h->seed;
    unsigned step, steps = test_iters(20000);
    int i, c;

    assert_int_equal(setup_classes(stack, 1, 2), 0);
    memset(ents, 0, sizeof(ents));
    for (i = 0; i < OENTS; i++) {
        assert_int_equal(
            kk_sched_entity_init(&fx.s, &ents[i], h->cls, h->first_prio(i, distinct, &st)), 0);
        if (h->slice != NULL)
            h->slice(&ents[i], i, distinct, &st);
        assert_int_equal(kk_sched_enqueue(&fx.rqs[i % 2], &ents[i], KK_SCHED_ENQ_WAKEUP), 0);
    }
    for (step = 0; step < steps; step++) {
        struct kk_sched_rq *rq = &fx.rqs[rnd(&st) % 2], *other = &fx.rqs[rq == &fx.rqs[0]];
        struct kk_sched_entity *se = &ents[rnd(&st) % OENTS];
        unsigned op = (unsigned)(rnd(&st) % 12);

        if (op <= 1 && se->rq == NULL) {
            if (h->slice != NULL)
                h->slice(se, -1, distinct, &st);
            assert_int_equal(kk_sched_enqueue(rq, se, KK_SCHED_ENQ_WAKEUP), 0);
        } else if (op == 2 && se->rq != NULL && se->rq->nr_running > 1) {
            assert_int_equal(kk_sched_dequeue(se->rq, se, KK_SCHED_DEQ_SLEEP), 0);
        } else if (op == 3 && rq->curr != NULL && rq->nr_running > 1) {
            assert_int_equal(kk_sched_dequeue(rq, rq->curr, KK_SCHED_DEQ_SLEEP), 0);
        } else if (op <= 6) { /* time passes (part of a slice or more), maybe a reschedule */
            fake_now += rnd(&st) % h->max_run_ns;
            if (kk_sched_tick(rq) || op == 6) {
                se = kk_sched_pick_next(rq);
                if (se != NULL)
                    h->oracle_pick(rq, ents, OENTS, se);
            }
            (void)kk_sched_time_left(rq);
        } else if (op == 7 && rq->curr != NULL) {
            assert_int_equal(kk_sched_yield(rq), 0);
            h->oracle_pick(rq, ents, OENTS, kk_sched_pick_next(rq));
        } else if (op == 8 && se->rq != NULL) {
            int prio = h->prio_lo + (int)(rnd(&st) % h->prio_span[distinct]);
            assert_int_equal(kk_sched_set_priority(se->rq, se, prio), 0);
        } else if (op == 9 && se->rq != NULL && se != se->rq->curr) {
            struct kk_sched_rq *to = &fx.rqs[se->rq == &fx.rqs[0]];
            assert_int_equal(kk_sched_migrate(se->rq, to, se), 0);
        } else if (op == 10) {
            assert_true(kk_sched_pull(other, rq, 1 + (uint32_t)(rnd(&st) % 4)) >= 0);
        } else if (rq->nr_running > 0) {
            h->oracle_pick(rq, ents, OENTS, kk_sched_pick_next(rq));
        }
        for (c = 0; c < 2; c++) {
            assert_int_equal(kk_sched_check(&fx.rqs[c]), 0);
            oracle_migrate_order(&fx.rqs[c], ents, h->cls, h->not_after);
            if (h->tally != NULL)
                h->tally(&fx.rqs[c], used);
        }
    }
    return steps;
}

static void eevdf_random_shared_slices_vs_oracle(void **state)
{
    (void)state;
    random_vs_oracle(&eevdf_oracle, false, NULL);
}

static void eevdf_random_distinct_slices_vs_oracle(void **state)
{
    (void)state;
    random_vs_oracle(&eevdf_oracle, true, NULL);
}

/* random_vs_oracle on Stride, whose priority groups and tree must both have held entities. */
static void stride_random_vs_oracle(bool distinct)
{
    unsigned used[2] = {0, 0}, steps = random_vs_oracle(&stride_oracle, distinct, used);

    assert_true(used[0] > steps);     /* the groups were used, */
    assert_true(used[1] > steps / 4); /* and so was the tree */
}

static void stride_random_shared_priorities_vs_oracle(void **state)
{
    (void)state;
    stride_random_vs_oracle(false);
}

static void stride_random_distinct_priorities_vs_oracle(void **state)
{
    (void)state;
    stride_random_vs_oracle(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_config),
        cmocka_unit_test(bad_entity_and_queue_input),
        cmocka_unit_test(fifo_runs_to_completion_in_order),
        cmocka_unit_test(rr_rotates_on_slice_and_keeps_place_when_preempted),
        cmocka_unit_test(mlq_strict_priority),
        cmocka_unit_test(class_stack_order),
        cmocka_unit_test(smp_select_balance_pull),
        cmocka_unit_test(select_cpu_hint_sync_wakeup),
        cmocka_unit_test(select_cpu_hint_ping_pong),
        cmocka_unit_test(select_cpu_hint_random),
        cmocka_unit_test(checker_detects_corruption),
        cmocka_unit_test(eevdf_lag_kept_across_sleep_and_migration),
        cmocka_unit_test(eevdf_weights_and_ranges),
        cmocka_unit_test(eevdf_weight_to_nice),
        cmocka_unit_test(eevdf_pick_is_earliest_eligible_deadline),
        cmocka_unit_test(edf_admission),
        cmocka_unit_test(random_ops_keep_invariants),
        cmocka_unit_test(eevdf_random_shared_slices_vs_oracle),
        cmocka_unit_test(eevdf_random_distinct_slices_vs_oracle),
        cmocka_unit_test(stride_random_shared_priorities_vs_oracle),
        cmocka_unit_test(stride_random_distinct_priorities_vs_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
