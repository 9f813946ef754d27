/* Simulated scenarios for kernkit::sched (see sim.h): shares, order, latency,
 * deadlines, affinity and balancing asserted from what the simulator measured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define US 1000ull
#define MS 1000000ull
#define S  1000000000ull

static struct sim sim;
static struct sim_task tasks[SIM_MAX_TASKS];

/* Simulated seconds, scaled by KK_TEST_ITERS for long local runs. */
static uint64_t seconds(uint64_t s)
{
    const char *e = getenv("KK_TEST_ITERS");
    unsigned long m = e != NULL ? strtoul(e, NULL, 0) : 1;
    return s * S * (m == 0 ? 1 : m);
}

static void add_task(int i, const struct kk_sched_class *cls, int prio, enum sim_kind kind)
{
    memset(&tasks[i], 0, sizeof(tasks[i]));
    assert_int_equal(kk_sched_entity_init(&sim.sched, &tasks[i].se, cls, prio), 0);
    tasks[i].kind = kind;
    sim_add(&sim, &tasks[i]);
}

/* |a/b - want| <= tol, in parts per thousand */
static void assert_ratio(uint64_t a, uint64_t b, double want, double tol)
{
    double r = (double)a / (double)b;
    if (r < want * (1 - tol) || r > want * (1 + tol))
        fail_msg("ratio %.4f, want %.4f +- %.1f%%", r, want, tol * 100);
}

/* ---- RR / FIFO / MLQ ---- */

static void rr_equal_shares(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_rr_class};
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 4; i++)
        add_task(i, &kk_sched_rr_class, 0, SIM_CPU);
    sim_run(&sim, seconds(2));
    assert_int_equal(sim.failures, 0);
    for (i = 1; i < 4; i++)
        assert_ratio(tasks[i].cpu_ns, tasks[0].cpu_ns, 1.0, 0.01);
    /* round robin: nobody waits longer than the other three slices */
    for (i = 0; i < 4; i++)
        assert_true(tasks[i].max_wait <= 3 * KK_SCHED_DEFAULT_RR_SLICE);
}

static void fifo_runs_first_comer_to_completion(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_fifo_class};
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 3; i++) {
        add_task(i, &kk_sched_fifo_class, 0, SIM_IO);
        tasks[i].burst = 30 * MS;
        tasks[i].sleep = 1000 * S;
        tasks[i].start = (uint64_t)i * MS;
    }
    sim_run(&sim, 200 * MS);
    assert_int_equal(sim.failures, 0);
    /* each ran its whole burst without interruption, in arrival order */
    assert_int_equal(tasks[0].lat_max, 0);
    assert_int_equal(tasks[1].lat_max, 30 * MS - 1 * MS);
    assert_int_equal(tasks[2].lat_max, 60 * MS - 2 * MS);
    for (i = 0; i < 3; i++)
        assert_int_equal(tasks[i].cpu_ns, 30 * MS);
}

static void mlq_strict_priority_sim(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_mlq_class};
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    add_task(0, &kk_sched_mlq_class, 1, SIM_IO); /* high: 2 ms every 10 ms */
    tasks[0].burst = 2 * MS;
    tasks[0].sleep = 8 * MS;
    add_task(1, &kk_sched_mlq_class, 4, SIM_CPU);
    add_task(2, &kk_sched_mlq_class, 4, SIM_CPU);
    add_task(3, &kk_sched_mlq_class, 7, SIM_CPU); /* starved by level 4 */
    sim_run(&sim, seconds(2));
    assert_int_equal(sim.failures, 0);
    assert_int_equal(tasks[3].cpu_ns, 0);
    assert_int_equal(tasks[0].lat_max, 0); /* preempts immediately */
    assert_ratio(tasks[0].cpu_ns, sim.now, 0.2, 0.01);
    assert_ratio(tasks[1].cpu_ns, tasks[2].cpu_ns, 1.0, 0.02);
}

/* ---- Stride ---- */

/* uCore lab 6 "priority": five CPU-bound tasks with priorities 1..5 get 1:2:3:4:5. */
static void stride_ucore_priority_scenario(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_stride_class};
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 5; i++)
        add_task(i, &kk_sched_stride_class, i + 1, SIM_CPU);
    sim_run(&sim, seconds(10));
    assert_int_equal(sim.failures, 0);
    for (i = 1; i < 5; i++)
        assert_ratio(tasks[i].cpu_ns, tasks[0].cpu_ns, (double)(i + 1), 0.02);
}

/* A sleeper does not get a burst of catch-up CPU when it wakes. */
static void stride_sleeper_does_not_monopolise(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_stride_class};
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    add_task(0, &kk_sched_stride_class, 1, SIM_CPU);
    add_task(1, &kk_sched_stride_class, 1, SIM_IO);
    tasks[1].start = 1 * S;
    tasks[1].burst = 1000 * S;
    sim_run(&sim, 2 * S);
    assert_int_equal(sim.failures, 0);
    assert_ratio(tasks[1].cpu_ns, 500 * MS, 1.0, 0.02); /* half of the second second */
    assert_true(tasks[0].max_wait <= 2 * KK_SCHED_DEFAULT_STRIDE_SLICE);
}

/* ---- SMP ---- */

static void affinity_respected_and_balanced(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_rr_class};
    uint32_t load[SIM_MAX_CPUS] = {0}, c, mn = UINT32_MAX, mx = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 4, stack, 1, 1 * MS, NULL), 0);
    sim.select_cpu = false; /* everything wakes on CPU 0 */
    sim.balance_ns = 4 * MS;
    for (i = 0; i < 11; i++) {
        add_task(i, &kk_sched_rr_class, 0, SIM_CPU);
        if (i % 3 == 0)
            assert_int_equal(kk_sched_set_affinity(&sim.sched, &tasks[i].se, 0x3), 0);
    }
    sim_run(&sim, seconds(1));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 11; i++) {
        assert_int_equal(tasks[i].affinity_violations, 0);
        assert_true(tasks[i].cpu_ns > 0);
    }
    for (c = 0; c < 4; c++) {
        load[c] = sim.rqs[c].nr_running;
        mn = load[c] < mn ? load[c] : mn;
        mx = load[c] > mx ? load[c] : mx;
    }
    assert_true(mx - mn <= 1);
}

static void idle_stealing_keeps_cpus_busy(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_rr_class};
    uint64_t busy = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 2, stack, 1, 1 * MS, NULL), 0);
    sim.select_cpu = false;
    sim.idle_steal = true;
    for (i = 0; i < 4; i++) {
        add_task(i, &kk_sched_rr_class, 0, SIM_IO);
        tasks[i].burst = 3 * MS;
        tasks[i].sleep = 1 * MS;
        tasks[i].start = (uint64_t)i * 100 * US;
    }
    sim_run(&sim, seconds(1));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 4; i++)
        busy += tasks[i].cpu_ns;
    /* demand is 4 * 3/4 = 3 CPUs: both CPUs must be almost always busy */
    assert_true(busy >= 2 * sim.now * 95 / 100);
}

/* ---- EEVDF ---- */

static const struct kk_sched_class *const fair_stack[] = {&kk_sched_eevdf_class};

static void eevdf_shares_follow_weights(void **state)
{
    static const int nices[] = {0, 5, -5, 8, 0, 3};
    uint64_t wsum = 0, total = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, fair_stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 6; i++) {
        add_task(i, &kk_sched_eevdf_class, nices[i], SIM_CPU);
        wsum += kk_sched_nice_to_weight(nices[i]);
    }
    sim_run(&sim, seconds(10));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 6; i++)
        total += tasks[i].cpu_ns;
    for (i = 0; i < 6; i++)
        assert_ratio(tasks[i].cpu_ns * wsum, total * kk_sched_nice_to_weight(nices[i]), 1.0, 0.02);
}

struct lag_probe {
    int64_t max_abs;
    uint64_t bound;
    int n;
};

static void probe_lag(struct sim *s, void *arg)
{
    struct lag_probe *p = arg;
    int i;

    for (i = 0; i < s->nr_tasks; i++) {
        struct sim_task *t = s->tasks[i];
        int64_t lag;
        if (t->se.rq == NULL)
            continue;
        assert_int_equal(kk_sched_fair_lag(t->se.rq, &t->se, &lag), 0);
        if (lag < 0)
            lag = -lag;
        if (lag > p->max_abs)
            p->max_abs = lag;
        p->n++;
    }
}

static void eevdf_lag_bounded_by_a_slice(void **state)
{
    static const int nices[] = {0, 3, -3, 7, 0, -7};
    struct lag_probe probe = {0, 3 * MS, 0};
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, fair_stack, 1, 1 * MS, NULL), 0);
    sim.hrtick = true; /* slices end exactly, not at the next tick */
    sim.on_tick = probe_lag;
    sim.hook_arg = &probe;
    for (i = 0; i < 6; i++) {
        add_task(i, &kk_sched_eevdf_class, nices[i], i < 4 ? SIM_CPU : SIM_IO);
        tasks[i].burst = 2 * MS;
        tasks[i].sleep = 7 * MS;
    }
    sim_run(&sim, seconds(5));
    assert_int_equal(sim.failures, 0);
    assert_true(probe.n > 1000);
    if ((uint64_t)probe.max_abs > probe.bound)
        fail_msg("max |lag| %lld ns > slice %llu ns", (long long)probe.max_abs,
                 (unsigned long long)probe.bound);
}

static void eevdf_short_slice_means_lower_latency(void **state)
{
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, fair_stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 4; i++)
        add_task(i, &kk_sched_eevdf_class, 0, SIM_CPU);
    for (i = 4; i < 6; i++) {
        add_task(i, &kk_sched_eevdf_class, 0, SIM_IO);
        tasks[i].burst = 500 * US;
        tasks[i].sleep = 9 * MS + (uint64_t)i * 37 * US;
    }
    tasks[4].se.slice_ns = 300 * US;
    tasks[5].se.slice_ns = 30 * MS;
    sim_run(&sim, seconds(5));
    assert_int_equal(sim.failures, 0);
    assert_true(tasks[4].lat_n > 100 && tasks[5].lat_n > 100);
    if (tasks[4].lat_sum / tasks[4].lat_n >= tasks[5].lat_sum / tasks[5].lat_n)
        fail_msg("short-slice latency %llu >= long-slice %llu",
                 (unsigned long long)(tasks[4].lat_sum / tasks[4].lat_n),
                 (unsigned long long)(tasks[5].lat_sum / tasks[5].lat_n));
}

/* Every fair task, whatever its weight, runs within its fair waiting bound:
 * a request of one slice at share w/W is served within about slice * W / w. */
static void eevdf_no_starvation(void **state)
{
    static const int nices[] = {-10, -10, 0, 0, 10, 10, 5, -5};
    uint64_t wsum = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, fair_stack, 1, 1 * MS, NULL), 0);
    for (i = 0; i < 8; i++) {
        add_task(i, &kk_sched_eevdf_class, nices[i], i % 2 ? SIM_CPU : SIM_IO);
        tasks[i].burst = 5 * MS;
        tasks[i].sleep = 3 * MS;
        wsum += kk_sched_nice_to_weight(nices[i]);
    }
    sim_run(&sim, seconds(5));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 8; i++) {
        uint64_t bound = 2 * KK_SCHED_DEFAULT_FAIR_SLICE * wsum / kk_sched_nice_to_weight(nices[i]);
        assert_true(tasks[i].cpu_ns > 0);
        if (tasks[i].max_wait > bound)
            fail_msg("task %d (nice %d) waited %llu ns > %llu", i, nices[i],
                     (unsigned long long)tasks[i].max_wait, (unsigned long long)bound);
    }
}

static void eevdf_smp_balanced_shares(void **state)
{
    uint64_t total = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 3, fair_stack, 1, 1 * MS, NULL), 0);
    sim.balance_ns = 10 * MS;
    sim.idle_steal = true;
    for (i = 0; i < 6; i++)
        add_task(i, &kk_sched_eevdf_class, 0, SIM_CPU);
    sim_run(&sim, seconds(2));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 6; i++)
        total += tasks[i].cpu_ns;
    assert_ratio(total, 3 * sim.now, 1.0, 0.01);
    for (i = 0; i < 6; i++)
        assert_ratio(tasks[i].cpu_ns * 6, total, 1.0, 0.05);
}

/* ---- EDF ---- */

struct periodic {
    uint64_t c, t;
};

static void add_periodic(int i, struct kk_sched_rq *rq, uint64_t c, uint64_t t, int expect)
{
    add_task(i, &kk_sched_edf_class, 0, SIM_PERIODIC);
    tasks[i].burst = c;
    tasks[i].period = t;
    assert_int_equal(kk_sched_dl_admit(rq, &tasks[i].se, c, t, t), expect);
}

static void edf_meets_every_deadline_of_an_admitted_set(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_edf_class, &kk_sched_eevdf_class};
    static const struct periodic set[] = {
        {2 * MS, 10 * MS}, {3 * MS, 15 * MS}, {5 * MS, 20 * MS},
        {4 * MS, 40 * MS}, {6 * MS, 30 * MS},
    };
    uint64_t jobs = 0;
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 2, 1 * MS, NULL), 0);
    for (i = 0; i < 5; i++)
        add_periodic(i, &sim.rqs[0], set[i].c, set[i].t, 0); /* U = 0.95 */
    add_task(5, &kk_sched_eevdf_class, 0, SIM_CPU);          /* background load */
    add_task(6, &kk_sched_eevdf_class, 0, SIM_CPU);
    sim.select_cpu = false;
    sim_run(&sim, seconds(3));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 5; i++) {
        assert_int_equal(tasks[i].misses, 0);
        assert_true(tasks[i].jobs >= sim.now / set[i].t - 1);
        jobs += tasks[i].jobs;
    }
    assert_true(jobs > 500);
    /* the fair tasks share the 5% left over */
    assert_ratio(tasks[5].cpu_ns + tasks[6].cpu_ns, sim.now / 20, 1.0, 0.02);
}

/* A task running longer than its budget is postponed, not allowed to hurt the others. */
static void edf_overrun_is_contained(void **state)
{
    const struct kk_sched_class *const stack[] = {&kk_sched_edf_class};
    int i;
    (void)state;

    assert_int_equal(sim_init(&sim, 1, stack, 1, 1 * MS, NULL), 0);
    add_periodic(0, &sim.rqs[0], 3 * MS, 10 * MS, 0);
    add_periodic(1, &sim.rqs[0], 4 * MS, 20 * MS, 0);
    add_periodic(2, &sim.rqs[0], 2 * MS, 10 * MS, 0); /* declares 2 ms ... */
    tasks[2].burst = 6 * MS;                          /* ... runs 6 ms */
    sim.select_cpu = false;
    sim_run(&sim, seconds(2));
    assert_int_equal(sim.failures, 0);
    for (i = 0; i < 2; i++) {
        assert_int_equal(tasks[i].misses, 0);
        assert_true(tasks[i].jobs >= 99);
    }
    assert_true(tasks[2].misses > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rr_equal_shares),
        cmocka_unit_test(fifo_runs_first_comer_to_completion),
        cmocka_unit_test(mlq_strict_priority_sim),
        cmocka_unit_test(stride_ucore_priority_scenario),
        cmocka_unit_test(stride_sleeper_does_not_monopolise),
        cmocka_unit_test(affinity_respected_and_balanced),
        cmocka_unit_test(idle_stealing_keeps_cpus_busy),
        cmocka_unit_test(eevdf_shares_follow_weights),
        cmocka_unit_test(eevdf_lag_bounded_by_a_slice),
        cmocka_unit_test(eevdf_short_slice_means_lower_latency),
        cmocka_unit_test(eevdf_no_starvation),
        cmocka_unit_test(eevdf_smp_balanced_shares),
        cmocka_unit_test(edf_meets_every_deadline_of_an_admitted_set),
        cmocka_unit_test(edf_overrun_is_contained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
