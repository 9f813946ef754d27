/*
 * rq_simple.c: TEMPORARY run queue until kernkit::sched lands: one global
 * FIFO (round robin, a tick per slice) or a stride queue (linear pick).
 */
#include "proc.h"
#include "sched.h"

#define BIG_STRIDE 0x100000ul
static struct proc *head, *tail;
static bool stride;

void rq_init(const char *policy)
{
    stride = policy && !strcmp(policy, "stride");
}

const char *rq_policy(void)
{
    return stride ? "stride (temporary)" : "round-robin (temporary)";
}

void rq_add(struct proc *p, struct cpu *hint)
{
    (void)hint;
    p->rq_next = NULL;
    if (tail)
        tail->rq_next = p;
    else
        head = p;
    tail = p;
}

struct proc *rq_pick(struct cpu *c)
{
    (void)c;
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
    return best;
}

void rq_set_priority(struct proc *p, int prio)
{
    p->priority = prio;
}

void rq_tick(struct proc *p, struct cpu *c)
{
    (void)p;
    (void)c;
}
