/*
 * rq_sched.c: per-CPU run queues from kernkit::sched. The fair class (EEVDF)
 * by default, or the stride class ("sched=stride" on the kernel command
 * line). A waking process goes to the CPU kk_sched_select_cpu_hint() picks
 * (the waker's for a synchronous wake-up when it runs alone there; an idle
 * CPU gets an IPI); an idle CPU pulls one process from the busiest queue, and
 * CPU 0 balances every 10 ticks.
 *
 * Locking: each run queue has its own irq-save spinlock (kernkit::sync),
 * taken inside these calls. kk_sched_pull() touches two queues: both locks
 * are held, the lower CPU number first. Callers may hold a process lock
 * (order: process lock -> run-queue locks), never a run-queue lock.
 */
#include "proc.h"
#include "sched.h"

static struct kk_sched sched;
static struct kk_sched_rq rqs[MAXCPU];
static struct spinlock rq_lock[MAXCPU];
static const struct kk_sched_class *klass;
static const struct kk_sched_class *const fair_classes[] = {&kk_sched_eevdf_class};
static const struct kk_sched_class *const stride_classes[] = {&kk_sched_stride_class};

static uint64_t clock_ns(void *ctx)
{
    (void)ctx;
    uint64_t tb = boot_info.timebase ? boot_info.timebase : 10000000;
    return rdtime() * (1000000000ull / tb);
}

int rq_init(const char *policy, int ncpu)
{
    bool stride = policy && !strcmp(policy, "stride");
    struct kk_sched_config cfg = {
        .size = sizeof cfg,
        .clock_ns = clock_ns,
        .classes = stride ? stride_classes : fair_classes,
        .nr_classes = 1,
    };
    klass = cfg.classes[0];
    for (int i = 0; i < ncpu; i++)
        spin_init(&rq_lock[i], "rq");
    return kk_sched_init(&sched, &cfg, rqs, (uint32_t)ncpu);
}

const char *rq_policy(void)
{
    return klass == &kk_sched_stride_class ? "stride (kernkit::sched)" : "eevdf (kernkit::sched)";
}

/* The stride class takes priorities 1..1024 directly; the fair class takes a
 * nice value: the one whose weight is closest to priority * nice-0. */
static int class_prio(int prio)
{
    if (klass == &kk_sched_stride_class)
        return prio > KK_SCHED_STRIDE_PRIO_MAX ? KK_SCHED_STRIDE_PRIO_MAX : prio;
    return kk_sched_prio_to_nice(prio);
}

void rq_proc_init(struct proc *p, struct proc *parent)
{
    p->priority = parent ? parent->priority : 1;
    int rc = kk_sched_entity_init(&sched, &p->se.se, klass, class_prio(p->priority));
    if (rc < 0)
        panic("sched entity: %s", kk_strerror(rc));
}

/* Lock two run queues in the fixed order (lower CPU first). */
static void lock_pair(int a, int b)
{
    spin_lock(&rq_lock[a < b ? a : b]);
    spin_lock(&rq_lock[a < b ? b : a]);
}

static void unlock_pair(int a, int b)
{
    spin_unlock(&rq_lock[a < b ? b : a]);
    spin_unlock(&rq_lock[a < b ? a : b]);
}

void rq_wake(struct proc *p, bool sync)
{
    /* A synchronous wake-up (the waker soon waits for the wakee, as on a
     * pipe) stays on this hart when the waker runs alone here: no IPI, no
     * idle hart to wake. A wake-up from an interrupt taken by an idle hart
     * (a disk completion) is treated the same: that hart is awake and free,
     * another idle one would need an IPI and its own wake-up first. */
    if (!mycpu()->proc)
        sync = true;
    int cpu = kk_sched_select_cpu_hint(&sched, &p->se.se, (uint32_t)mycpu()->id,
                                       sync ? KK_SCHED_WAKE_SYNC : 0);
    if (cpu < 0 || cpu >= ncpu)
        cpu = 0;
    struct kk_sched_rq *rq = &rqs[cpu];
    spin_lock(&rq_lock[cpu]);
    int rc = kk_sched_enqueue(rq, &p->se.se, KK_SCHED_ENQ_WAKEUP);
    /* An idle hart sleeps in wfi until an interrupt: kick it now rather than
     * at its next tick; a busy one only if the newcomer should preempt. */
    bool kick = cpu != mycpu()->id && (!rq->curr || rq->need_resched);
    spin_unlock(&rq_lock[cpu]);
    if (rc < 0)
        panic("enqueue pid %d: %s", p->pid, kk_strerror(rc));
    if (kick)
        sbi_send_ipi(cpus[cpu].hartid);
}

bool rq_need_resched(struct cpu *c)
{
    return __atomic_load_n(&rqs[c->id].need_resched, __ATOMIC_RELAXED);
}

bool rq_idle_empty(struct cpu *c)
{
    return __atomic_load_n(&rqs[c->id].nr_running, __ATOMIC_ACQUIRE) == 0;
}

void rq_block(struct proc *p, struct cpu *c, bool exiting)
{
    spin_lock(&rq_lock[c->id]);
    KASSERT(p->se.se.rq == &rqs[c->id]); /* a running process is its CPU's current entity */
    kk_sched_dequeue(p->se.se.rq, &p->se.se, exiting ? 0 : KK_SCHED_DEQ_SLEEP);
    spin_unlock(&rq_lock[c->id]);
}

void rq_yield(struct proc *p, struct cpu *c)
{
    (void)p;
    spin_lock(&rq_lock[c->id]);
    kk_sched_yield(&rqs[c->id]);
    spin_unlock(&rq_lock[c->id]);
}

bool rq_queued(struct proc *p)
{
    /* NULL-ness changes only under the process lock (pull moves it between queues) */
    return __atomic_load_n(&p->se.se.rq, __ATOMIC_RELAXED) != NULL;
}

/* Pull from the busiest queue into c's: at most max entities. */
static void pull_busiest(int cpu, uint32_t max)
{
    int busiest = kk_sched_find_busiest(&sched, (uint32_t)cpu);
    if (busiest < 0 || busiest == cpu || busiest >= ncpu)
        return;
    lock_pair(cpu, busiest);
    kk_sched_pull(&rqs[cpu], &rqs[busiest], max);
    unlock_pair(cpu, busiest);
}

struct proc *rq_pick(struct cpu *c)
{
    struct kk_sched_rq *rq = &rqs[c->id];
    spin_lock(&rq_lock[c->id]);
    struct kk_sched_entity *se = kk_sched_pick_next(rq);
    spin_unlock(&rq_lock[c->id]);
    if (!se && ncpu > 1) {
        pull_busiest(c->id, 1);
        spin_lock(&rq_lock[c->id]);
        se = kk_sched_pick_next(rq);
        spin_unlock(&rq_lock[c->id]);
    }
    return se ? container_of(se, struct proc, se.se) : NULL;
}

bool rq_tick(struct cpu *c)
{
    if (c->id == 0 && c->ticks % 10 == 0 && ncpu > 1)
        pull_busiest(0, KK_SCHED_PULL_SCAN);
    spin_lock(&rq_lock[c->id]);
    bool resched = kk_sched_tick(&rqs[c->id]);
    spin_unlock(&rq_lock[c->id]);
    return resched;
}

int rq_set_priority(struct proc *p, int prio)
{
    struct cpu *c = mycpu(); /* p is the caller: running here, not migrating */
    spin_lock(&rq_lock[c->id]);
    int rc = kk_sched_set_priority(p->se.se.rq, &p->se.se, class_prio(prio));
    spin_unlock(&rq_lock[c->id]);
    if (rc == 0)
        p->priority = prio;
    return rc;
}
