/*
 * rq_simple.c: TEMPORARY run queue until kernkit::sched lands: one global
 * FIFO (round robin, a tick per slice) or a stride queue (linear pick).
 */
#include "proc.h"
#include "sched.h"

#define BIG_STRIDE 0x100000ul
static struct proc *head, *tail;
static struct proc *running[MAXCPU]; /* each CPU's current process, still "queued" */
static bool stride;

int rq_init(const char *policy, int ncpu)
{
    (void)ncpu;
    stride = policy && !strcmp(policy, "stride");
    return 0;
}

const char *rq_policy(void)
{
    return stride ? "stride (temporary)" : "round-robin (temporary)";
}

void rq_proc_init(struct proc *p, struct proc *parent)
{
    p->priority = parent ? parent->priority : 1;
    p->queued = false;
}

static void add(struct proc *p)
{
    p->rq_next = NULL;
    if (tail)
        tail->rq_next = p;
    else
        head = p;
    tail = p;
    p->queued = true;
}

void rq_wake(struct proc *p)
{
    add(p);
}

void rq_block(struct proc *p, struct cpu *c, bool exiting)
{
    (void)exiting;
    p->queued = false;
    if (running[c->id] == p)
        running[c->id] = NULL;
}

void rq_yield(struct proc *p, struct cpu *c)
{
    (void)p, (void)c; /* the next rq_pick() puts it back at the tail */
}

bool rq_queued(struct proc *p)
{
    return p->queued;
}

struct proc *rq_pick(struct cpu *c)
{
    if (running[c->id]) { /* put the previous process back */
        add(running[c->id]);
        running[c->id] = NULL;
    }
    struct proc *best = head, *prev = NULL, *bprev = NULL;
    if (stride)
        for (struct proc *p = head; p; prev = p, p = p->rq_next)
            if ((int64_t)(p->stride_pass - best->stride_pass) < 0)
                best = p, bprev = prev;
    if (!best)
        return NULL;
    if (bprev)
        bprev->rq_next = best->rq_next;
    else
        head = best->rq_next;
    if (tail == best)
        tail = bprev;
    best->stride_pass += BIG_STRIDE / (unsigned)(best->priority > 0 ? best->priority : 1);
    running[c->id] = best;
    return best;
}

int rq_set_priority(struct proc *p, int prio)
{
    p->priority = prio;
    return 0;
}

bool rq_tick(struct cpu *c)
{
    (void)c;
    return true;
}
