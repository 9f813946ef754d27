/* sched.h: the run-queue policy behind the process scheduler. Called with
 * sched_lock held. */
#ifndef DEMO_SCHED_H
#define DEMO_SCHED_H

struct proc;
struct cpu;
void rq_init(const char *policy);
void rq_add(struct proc *p, struct cpu *hint);
struct proc *rq_pick(struct cpu *c);
void rq_set_priority(struct proc *p, int prio);
void rq_tick(struct proc *p, struct cpu *c); /* accounts a tick of running time */
const char *rq_policy(void);

#endif
