/* sim.c: the discrete-event simulator (see sim.h). */
#include "sim.h"

#include <string.h>

static uint64_t sim_clock(void *ctx)
{
    return ((struct sim *)ctx)->now;
}

int sim_init(struct sim *sim, uint32_t nr_cpus, const struct kk_sched_class *const *classes,
             uint32_t nr_classes, uint64_t tick_ns, const struct kk_sched_config *cfg_extra)
{
    struct kk_sched_config cfg;

    memset(sim, 0, sizeof(*sim));
    if (cfg_extra != NULL)
        cfg = *cfg_extra;
    else
        memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.ctx = sim;
    cfg.clock_ns = sim_clock;
    cfg.classes = classes;
    cfg.nr_classes = nr_classes;
    sim->nr_cpus = nr_cpus;
    sim->tick_ns = tick_ns;
    sim->next_tick = tick_ns;
    sim->select_cpu = nr_cpus > 1;
    return kk_sched_init(&sim->sched, &cfg, sim->rqs, nr_cpus);
}

void sim_add(struct sim *sim, struct sim_task *t)
{
    t->runnable = false;
    t->job_deadline = 0;
    sim->tasks[sim->nr_tasks++] = t;
}

int sim_cpu_of(const struct sim_task *t)
{
    return t->se.rq != NULL ? (int)t->se.rq->cpu : -1;
}

static struct sim_task *task_of(struct kk_sched_entity *se)
{
    return se == NULL ? NULL
                      : (struct sim_task *)(void *)((char *)se - offsetof(struct sim_task, se));
}

static uint64_t next_event(struct sim *sim, uint64_t until)
{
    uint64_t t = until;
    uint32_t c;
    int i;

    if (sim->next_tick < t)
        t = sim->next_tick;
    if (sim->balance_ns != 0 && sim->next_balance < t)
        t = sim->next_balance;
    for (i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *k = sim->tasks[i];
        if ((!k->runnable || k->kind == SIM_PERIODIC) && k->wake_at < t)
            t = k->wake_at;
    }
    for (c = 0; c < sim->nr_cpus; c++) {
        struct sim_task *k = task_of(sim->rqs[c].curr);
        if (k != NULL && k->left != SIM_FOREVER && sim->now + k->left < t)
            t = sim->now + k->left;
        if (sim->hrtick && sim->hr_at[c] < t)
            t = sim->hr_at[c];
    }
    return t;
}

static void advance(struct sim *sim, uint64_t t)
{
    uint64_t d = t - sim->now;
    uint32_t c;

    for (c = 0; c < sim->nr_cpus; c++) {
        struct sim_task *k = task_of(sim->rqs[c].curr);
        if (k == NULL)
            continue;
        k->cpu_ns += d;
        if (k->left != SIM_FOREVER)
            k->left -= d;
        if (!((k->se.affinity >> c) & 1u))
            k->affinity_violations++;
    }
    sim->now = t;
}

static void block(struct sim *sim, struct sim_task *k)
{
    if (kk_sched_dequeue(k->se.rq, &k->se, KK_SCHED_DEQ_SLEEP) != 0)
        sim->failures++;
    k->runnable = false;
    if (k->kind == SIM_PERIODIC) {
        k->jobs++;
        if (sim->now > k->job_deadline)
            k->misses++;
    } else {
        k->wake_at = sim->now + k->sleep;
    }
}

static void wake(struct sim *sim, struct sim_task *k)
{
    int cpu = sim->select_cpu ? kk_sched_select_cpu(&sim->sched, &k->se) : 0;

    if (k->kind == SIM_PERIODIC) {
        if (k->runnable) { /* overrun: previous job missed, the new one queues behind */
            k->misses++;
            k->left += k->burst;
            k->job_deadline = k->wake_at + k->period;
            k->wake_at += k->period;
            return;
        }
        k->job_deadline = k->wake_at + k->period;
        k->wake_at += k->period;
    }
    if (cpu < 0 || kk_sched_enqueue(&sim->rqs[cpu], &k->se, KK_SCHED_ENQ_WAKEUP) != 0) {
        sim->failures++;
        return;
    }
    k->runnable = true;
    k->left = k->kind == SIM_CPU ? SIM_FOREVER : k->burst;
    k->waiting = true;
    k->woke_at = sim->now;
    k->wait_since = sim->now;
}

static void balance(struct sim *sim, uint32_t max, bool only_idle)
{
    uint32_t c;

    for (c = 0; c < sim->nr_cpus; c++) {
        int b;
        if (only_idle && sim->rqs[c].nr_running != 0)
            continue;
        b = kk_sched_find_busiest(&sim->sched, c);
        if (b >= 0 && kk_sched_pull(&sim->rqs[c], &sim->rqs[b], max) < 0)
            sim->failures++;
    }
}

static void note_wait(struct sim *sim, struct sim_task *k)
{
    if (k != NULL && k->runnable && sim->now - k->wait_since > k->max_wait)
        k->max_wait = sim->now - k->wait_since;
}

static void reschedule(struct sim *sim)
{
    uint32_t c;

    for (c = 0; c < sim->nr_cpus; c++) {
        struct kk_sched_rq *rq = &sim->rqs[c];
        struct sim_task *prev = task_of(rq->curr), *next;
        if (!rq->need_resched && !(rq->curr == NULL && rq->nr_running > 0))
            continue;
        next = task_of(kk_sched_pick_next(rq));
        if (next == prev)
            continue;
        if (prev != NULL && prev->runnable)
            prev->wait_since = sim->now;
        if (next != NULL) {
            note_wait(sim, next);
            if (next->waiting) {
                uint64_t lat = sim->now - next->woke_at;
                next->waiting = false;
                next->lat_sum += lat;
                next->lat_n++;
                if (lat > next->lat_max)
                    next->lat_max = lat;
            }
        }
    }
}

static void check_all(struct sim *sim)
{
    uint32_t c;
    int i;

    for (c = 0; c < sim->nr_cpus; c++) {
        if (kk_sched_check(&sim->rqs[c]) != 0)
            sim->failures++;
    }
    for (i = 0; i < sim->nr_tasks; i++) {
        const struct kk_sched_entity *se = &sim->tasks[i]->se;
        bool running = se->rq != NULL && se->rq->curr == se;
        if (!running && se->sum_exec_ns != sim->tasks[i]->cpu_ns)
            sim->failures++;
    }
}

void sim_run(struct sim *sim, uint64_t until)
{
    uint32_t c;
    int i;

    if (!sim->started) {
        for (i = 0; i < sim->nr_tasks; i++)
            sim->tasks[i]->wake_at = sim->tasks[i]->start;
        sim->started = true;
    }
    while (sim->now < until) {
        advance(sim, next_event(sim, until));
        sim->events++;
        for (c = 0; c < sim->nr_cpus; c++) {
            struct sim_task *k = task_of(sim->rqs[c].curr);
            if (k != NULL && k->left == 0)
                block(sim, k);
        }
        for (i = 0; i < sim->nr_tasks; i++) {
            struct sim_task *k = sim->tasks[i];
            if ((!k->runnable || k->kind == SIM_PERIODIC) && k->wake_at <= sim->now)
                wake(sim, k);
        }
        if (sim->now >= sim->next_tick) {
            for (c = 0; c < sim->nr_cpus; c++)
                kk_sched_tick(&sim->rqs[c]);
            sim->next_tick += sim->tick_ns;
            if (sim->on_tick != NULL)
                sim->on_tick(sim, sim->hook_arg);
        }
        for (c = 0; sim->hrtick && c < sim->nr_cpus; c++) {
            if (sim->hr_at[c] <= sim->now)
                kk_sched_tick(&sim->rqs[c]);
        }
        if (sim->balance_ns != 0 && sim->now >= sim->next_balance) {
            balance(sim, UINT32_MAX, false);
            sim->next_balance += sim->balance_ns;
        }
        if (sim->idle_steal)
            balance(sim, 1, true);
        reschedule(sim);
        for (c = 0; sim->hrtick && c < sim->nr_cpus; c++) {
            uint64_t left = kk_sched_time_left(&sim->rqs[c]);
            sim->hr_at[c] = left > SIM_FOREVER - sim->now ? SIM_FOREVER : sim->now + left;
        }
        check_all(sim);
    }
}
