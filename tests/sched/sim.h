/*
 * sim.h: deterministic discrete-event simulator for kernkit::sched (tests only).
 *
 * Simulated time is in ns and only moves from event to event: per-CPU ticks,
 * task wake-ups/releases, burst completions, periodic load balancing. Tasks
 * are CPU-bound (run forever), I/O-bound (run a burst, sleep, repeat) or
 * periodic (a job of `burst` ns every `period` ns, deadline = next release).
 * The simulator measures CPU time, wake-up latency and deadline misses on its
 * own and cross-checks the library (kk_sched_check after every event, CPU
 * time charged by the library equal to the simulator's, affinity respected).
 */
#ifndef KK_SCHED_SIM_H
#define KK_SCHED_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <kernkit/sched.h>

#define SIM_MAX_CPUS  8
#define SIM_MAX_TASKS 64
#define SIM_FOREVER   UINT64_MAX

enum sim_kind { SIM_CPU, SIM_IO, SIM_PERIODIC };

struct sim_task {
    struct kk_sched_entity se;
    enum sim_kind kind;
    uint64_t burst;  /* I/O: run length; periodic: job length */
    uint64_t sleep;  /* I/O: sleep length */
    uint64_t period; /* periodic: period (= relative deadline) */
    uint64_t start;  /* first wake-up */
    /* state */
    bool runnable;
    bool waiting; /* woke, not yet run */
    uint64_t left;
    uint64_t wake_at;
    uint64_t woke_at;
    uint64_t job_deadline;
    /* results */
    uint64_t cpu_ns;
    uint64_t lat_sum, lat_max, lat_n;
    uint64_t jobs, misses;
    uint64_t affinity_violations;
    uint64_t max_wait; /* longest runnable-but-not-running stretch (starvation) */
    uint64_t wait_since;
};

struct sim;
typedef void (*sim_hook_fn)(struct sim *sim, void *arg);

struct sim {
    uint64_t now;
    uint32_t nr_cpus;
    struct kk_sched sched;
    struct kk_sched_rq rqs[SIM_MAX_CPUS];
    struct sim_task *tasks[SIM_MAX_TASKS];
    int nr_tasks;
    uint64_t tick_ns;
    uint64_t next_tick;
    uint64_t balance_ns; /* 0: no periodic balancing */
    uint64_t next_balance;
    bool idle_steal;
    bool hrtick; /* also tick each CPU exactly when kk_sched_time_left() expires */
    uint64_t hr_at[SIM_MAX_CPUS];
    bool select_cpu; /* wake-ups choose a CPU with kk_sched_select_cpu (else CPU 0) */
    sim_hook_fn on_tick;
    void *hook_arg;
    uint64_t events;
    bool started;
    int failures; /* library errors or broken invariants seen */
};

/* Set up @sim with @nr_cpus CPUs, the class stack and the tick period; returns kk_sched_init's
 * result. @cfg_extra may be NULL or provide slices/bounds (its classes, clock, ctx are ignored). */
int sim_init(struct sim *sim, uint32_t nr_cpus, const struct kk_sched_class *const *classes,
             uint32_t nr_classes, uint64_t tick_ns, const struct kk_sched_config *cfg_extra);

/* Register a task (entity already initialised with kk_sched_entity_init on sim->sched); its
 * parameters may be set until the first sim_run(). */
void sim_add(struct sim *sim, struct sim_task *t);

/* Run until simulated time @until_ns. */
void sim_run(struct sim *sim, uint64_t until_ns);

/* CPU on which @t currently is (queued or running), or -1. */
int sim_cpu_of(const struct sim_task *t);

#endif
