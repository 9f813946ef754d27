/*
 * sched.h: the run-queue policy behind the process scheduler, one run queue
 * per CPU. Each queue has its own lock, taken inside these calls; the caller
 * may hold the process's lock, never a run-queue lock. A running process stays
 * on its CPU's queue (as its current entity) until it blocks or exits.
 */
#ifndef DEMO_SCHED_H
#define DEMO_SCHED_H

#include <stdbool.h>

struct proc;
struct cpu;
int rq_init(const char *policy, int ncpu);
void rq_proc_init(struct proc *p, struct proc *parent); /* new process, not queued */
void rq_wake(struct proc *p, bool sync);                /* runnable again (or for the first time);
                                                           sync: the caller will soon wait for p */
void rq_block(struct proc *p, struct cpu *c, bool exiting); /* the running p leaves */
void rq_yield(struct proc *p, struct cpu *c);
struct proc *rq_pick(struct cpu *c); /* next to run on c; the previous one is put back */
bool rq_queued(struct proc *p);      /* on a queue (waiting or running)? */
bool rq_tick(struct cpu *c);         /* account a tick; true = reschedule */
bool rq_need_resched(struct cpu *c); /* the running process should give way (no lock) */
bool rq_idle_empty(struct cpu *c);   /* nothing queued on c: safe to wfi (no lock) */
int rq_set_priority(struct proc *p, int prio);
const char *rq_policy(void);

#endif
