/*
 * proc.c: processes and the per-hart scheduler loop.
 *
 * Locks: ptable_lock guards the process table, pids and parent links;
 * each process's lock guards its state and chan and is held across
 * context_switch() (taken by the thread switching out, released by the side
 * switched in), so no hart runs a process whose registers are not saved yet
 * and no waker sees it asleep before it is. The run queues have their own
 * per-hart locks inside rq_sched.c. Order: any lock -> ptable_lock ->
 * process lock -> run-queue locks (lower CPU first).
 */
#include "file.h"
#include "fs.h"
#include "mem.h"
#include "proc.h"
#include "sched.h"
#include "virtio.h"
#include "vm.h"

struct cpu cpus[MAXCPU];
int ncpu;
static struct spinlock ptable_lock;
static struct proc ptable[NPROC];
static struct proc *initproc;
static int nextpid = 1;
static struct spinlock ticks_lock;

struct proc *myproc(void)
{
    push_off();
    struct proc *p = mycpu()->proc;
    pop_off();
    return p;
}

void proc_init(void)
{
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++)
        spin_init(&p->lock, "proc");
    spin_init(&ptable_lock, "ptable");
    spin_init(&ticks_lock, "ticks");
}

/* Called with p->lock held and nothing else; returns with it held. */
static void sched(void)
{
    struct proc *p = myproc();
    struct cpu *c = mycpu();
    KASSERT(spin_holding(&p->lock) && c->noff == 1 && p->state != P_RUNNING);
    int intena = c->intena;
    context_switch(&p->ctx, &c->sched);
    mycpu()->intena = intena;
}

void scheduler(void)
{
    struct cpu *c = mycpu();
    for (;;) {
        intr_on();
        struct proc *p = rq_pick(c); /* now its queue's current entity: no one else picks it */
        if (p) {
            spin_lock(&p->lock);
            KASSERT(p->state == P_RUNNABLE);
            p->state = P_RUNNING;
            c->proc = p;
            as_activate(p->as);
            context_switch(&c->sched, &p->ctx);
            c->proc = NULL;
            as_activate(NULL);
            spin_unlock(&p->lock);
            continue;
        }
        /* Idle: wfi with interrupts masked, so a wake-up IPI that arrives
         * after the check still ends the wfi (it stays pending in sip) and is
         * taken at intr_on() at the top of the loop. */
        intr_off();
        if (rq_idle_empty(c))
            __asm__ volatile("wfi");
    }
}

/* Give up the hart: voluntarily (yield()) or preempted by the tick. */
static void resched(bool voluntary)
{
    struct proc *p = myproc();
    spin_lock(&p->lock);
    p->state = P_RUNNABLE;
    if (voluntary)
        rq_yield(p, mycpu());
    sched();
    spin_unlock(&p->lock);
}

void sched_yield(void)
{
    resched(true);
}

void sched_preempt(void)
{
    resched(false);
}

/* Make a process runnable (p->lock held); a no-op for one that never left its queue. */
static void make_runnable_locked(struct proc *p, bool sync)
{
    p->state = P_RUNNABLE;
    if (!rq_queued(p))
        rq_wake(p, sync);
}

/*
 * Sleep on chan, releasing lk meanwhile. The state is set before lk is
 * released, so a waker that changed the condition under lk sees the sleeper
 * asleep (wakeup()'s unlocked check), and waits on p->lock until it is off
 * its hart.
 */
void sleep_on(void *chan, struct spinlock *lk)
{
    struct proc *p = myproc();
    spin_lock(&p->lock);
    p->chan = chan;
    __atomic_store_n(&p->state, P_SLEEPING, __ATOMIC_RELEASE);
    spin_unlock(lk);
    rq_block(p, mycpu(), false);
    sched();
    p->chan = NULL;
    spin_unlock(&p->lock);
    spin_lock(lk);
}

/*
 * Sleep for the kernkit::sync platform: the process is marked asleep before
 * unlock(arg) releases the caller's wait-queue lock; a waker then waits on
 * p->lock until it has switched out.
 */
void proc_block(void (*unlock)(void *), void *arg)
{
    struct proc *p = myproc();
    if (!p) { /* boot, before any process: nothing else runs, just retry */
        unlock(arg);
        return;
    }
    spin_lock(&p->lock);
    p->chan = NULL;
    p->state = P_SLEEPING;
    unlock(arg);
    rq_block(p, mycpu(), false);
    sched();
    spin_unlock(&p->lock);
}

void proc_wake(struct proc *p)
{
    spin_lock(&p->lock);
    if (p->state == P_SLEEPING)
        make_runnable_locked(p, false);
    spin_unlock(&p->lock);
}

static void wake_chan(void *chan, bool sync)
{
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
        /* unlocked first look: a sleeper on chan set its state before the
         * waker could change the condition it sleeps for (see sleep_on) */
        if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != P_SLEEPING ||
            __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
            continue;
        spin_lock(&p->lock);
        if (p->state == P_SLEEPING && p->chan == chan)
            make_runnable_locked(p, sync);
        spin_unlock(&p->lock);
    }
}

void wakeup(void *chan)
{
    wake_chan(chan, false);
}

void wakeup_sync(void *chan)
{
    wake_chan(chan, true);
}

/* ---- ticks and sleeping ---- */
static uint64_t ticks;

bool timer_tick(void)
{
    struct cpu *c = mycpu();
    bool resched = false;
    c->ticks++;
    if (c->proc) {
        c->proc->run_ticks++;
        resched = rq_tick(c);
    }
    if (c->id == 0) {
        spin_lock(&ticks_lock);
        ticks++;
        spin_unlock(&ticks_lock);
        wakeup(&ticks);
    }
    return resched;
}

void proc_sleep_ticks(uint64_t n)
{
    spin_lock(&ticks_lock);
    uint64_t until = ticks + n;
    while (ticks < until && !myproc()->killed)
        sleep_on(&ticks, &ticks_lock);
    spin_unlock(&ticks_lock);
}

/* ---- creation ---- */
static void first_run(void *arg)
{
    (void)arg;
    spin_unlock(&myproc()->lock); /* taken by the scheduler that switched to us */
    user_loop();
}

static struct proc *proc_alloc(void)
{
    struct proc *p = NULL;
    spin_lock(&ptable_lock);
    for (struct proc *q = ptable; q < &ptable[NPROC]; q++) {
        if (q->state == P_UNUSED) {
            p = q;
            break;
        }
    }
    if (p) {
        memset(p, 0, offsetof(struct proc, lock)); /* the lock is last: kept */
        p->state = P_EMBRYO;
        p->pid = nextpid++;
    }
    spin_unlock(&ptable_lock);
    if (!p)
        return NULL;
    p->kstack = kmalloc(KSTACK_SIZE);
    if (!p->kstack) {
        p->state = P_UNUSED;
        return NULL;
    }
    kk_context_init(&p->ctx, p->kstack, KSTACK_SIZE, first_run, NULL);
    return p;
}

static void proc_free(struct proc *p)
{
    kfree(p->kstack);
    as_destroy(p->as);
    p->kstack = NULL;
    p->as = NULL;
    p->state = P_UNUSED;
}

static void make_runnable(struct proc *p)
{
    spin_lock(&p->lock);
    make_runnable_locked(p, false);
    spin_unlock(&p->lock);
}

int proc_spawn_init(const char *path, char *const argv[])
{
    struct proc *p = proc_alloc();
    if (!p)
        return KK_ENOMEM;
    rq_proc_init(p, NULL); /* not on any queue yet: no lock */
    p->as = as_create();
    if (!p->as)
        return KK_ENOMEM;
    strncpy0(p->cwd_path, "/", sizeof p->cwd_path);
    int rc = fs_proc_init(p);
    if (rc < 0)
        return rc;
    struct file *con = file_console();
    for (int fd = 0; fd < 3; fd++) {
        p->ofile[fd] = con;
        file_dup(con);
    }
    file_close(con);
    rc = exec_load(p, path, argv);
    if (rc < 0)
        return rc;
    p->pgid = p->pid;
    initproc = p;
    make_runnable(p);
    return p->pid;
}

int proc_fork(void)
{
    struct proc *parent = myproc(), *p = proc_alloc();
    if (!p)
        return KK_EAGAIN;
    p->as = as_create();
    if (!p->as || as_copy(p->as, parent->as) < 0) {
        spin_lock(&ptable_lock);
        proc_free(p);
        spin_unlock(&ptable_lock);
        return KK_ENOMEM;
    }
    p->uctx = parent->uctx;
    p->uctx.x[UCTX_A0] = 0;
    p->brk = parent->brk;
    p->heap_start = parent->heap_start;
    rq_proc_init(p, parent);
    for (int fd = 0; fd < NOFILE; fd++)
        if (parent->ofile[fd])
            p->ofile[fd] = file_dup(parent->ofile[fd]);
    fs_proc_fork(p, parent);
    memcpy(p->name, parent->name, sizeof p->name);
    p->pgid = parent->pgid;
    int pid = p->pid;
    spin_lock(&ptable_lock);
    p->parent = parent;
    spin_unlock(&ptable_lock);
    make_runnable(p);
    return pid;
}

void proc_exit(int status)
{
    struct proc *p = myproc();
    for (int fd = 0; fd < NOFILE; fd++) {
        if (p->ofile[fd]) {
            file_close(p->ofile[fd]);
            p->ofile[fd] = NULL;
        }
    }
    fs_proc_exit(p);
    if (p == initproc) {
        kprintf("init exited with status %d; syncing the disk\n", status);
        fs_sync();
        kprintf("virtio-blk: %lu requests, at most %u in flight\n", (unsigned long)vblk_requests,
                vblk_max_inflight);
        power_off(status);
    }
    as_activate(NULL);
    as_destroy(p->as);
    p->as = NULL;

    spin_lock(&ptable_lock);
    bool zombies = false;
    for (struct proc *c = ptable; c < &ptable[NPROC]; c++) {
        if (c->parent == p) {
            c->parent = initproc;
            zombies |= c->state == P_ZOMBIE;
        }
    }
    p->xstatus = status;
    wakeup_sync(p->parent); /* this hart is about to be free: run the parent here */
    if (zombies)
        wakeup(initproc);
    spin_lock(&p->lock);
    p->state = P_ZOMBIE; /* under ptable_lock too: wait() looks for it */
    rq_block(p, mycpu(), true);
    spin_unlock(&ptable_lock);
    sched();
    panic("zombie ran");
}

int proc_wait(uintptr_t ustatus)
{
    struct proc *p = myproc();
    if (ustatus && (!as_lookup(p->as, ustatus, VM_W) || !as_lookup(p->as, ustatus + 3, VM_W)))
        return KK_EFAULT; /* checked first: a failed wait never consumes a child */
    spin_lock(&ptable_lock);
    for (;;) {
        bool have = false;
        for (struct proc *c = ptable; c < &ptable[NPROC]; c++) {
            if (c->parent != p)
                continue;
            have = true;
            if (c->state != P_ZOMBIE)
                continue;
            /* the zombie holds its lock until it has left its stack */
            spin_lock(&c->lock);
            spin_unlock(&c->lock);
            int pid = c->pid, st = c->xstatus;
            c->parent = NULL;
            proc_free(c);
            spin_unlock(&ptable_lock);
            if (ustatus && copyout(p->as, ustatus, &st, sizeof st) < 0)
                return KK_EFAULT;
            return pid;
        }
        if (!have || p->killed) {
            spin_unlock(&ptable_lock);
            return KK_ECHILD;
        }
        sleep_on(p, &ptable_lock);
    }
}

/* Mark pid killed; a sleeper is woken so that its wait loop sees it. */
int proc_kill(int pid)
{
    if (pid == 1)
        return KK_EPERM; /* init's exit powers the machine off */
    int rc = KK_ESRCH;
    spin_lock(&ptable_lock);
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
        if (p->pid != pid || p->state == P_UNUSED || p->state == P_EMBRYO)
            continue;
        rc = 0;
        p->killed = 1;
        spin_lock(&p->lock);
        if (p->state == P_SLEEPING)
            make_runnable_locked(p, false);
        spin_unlock(&p->lock);
        break;
    }
    spin_unlock(&ptable_lock);
    return rc;
}

/* Ctrl-C: mark every live process of the group killed (init excepted). */
int proc_kill_group(int pgid)
{
    int n = 0;
    if (pgid <= 0)
        return KK_EINVAL;
    spin_lock(&ptable_lock);
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
        if (p->pgid != pgid || p == initproc || p->state == P_UNUSED || p->state == P_EMBRYO ||
            p->state == P_ZOMBIE)
            continue;
        n++;
        p->killed = 1;
        spin_lock(&p->lock);
        if (p->state == P_SLEEPING)
            make_runnable_locked(p, false);
        spin_unlock(&p->lock);
    }
    spin_unlock(&ptable_lock);
    return n;
}

/* Put pid (0: the caller) in group pgid (0: its own pid); the caller or its child only. */
int proc_setpgid(int pid, int pgid)
{
    struct proc *me = myproc();
    int rc = KK_ESRCH;
    if (pid < 0 || pgid < 0)
        return KK_EINVAL;
    if (pid == 0)
        pid = me->pid;
    spin_lock(&ptable_lock);
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
        if (p->pid != pid || p->state == P_UNUSED || p->state == P_EMBRYO)
            continue;
        if (p != me && p->parent != me) {
            rc = KK_EPERM;
            break;
        }
        p->pgid = pgid ? pgid : pid;
        rc = 0;
        break;
    }
    spin_unlock(&ptable_lock);
    return rc;
}

/* Snapshot of the live processes (for ps). */
int proc_list(struct procinfo *out, int max)
{
    static const uint32_t ps_state[] = {[P_SLEEPING] = PS_SLEEPING,
                                        [P_RUNNABLE] = PS_RUNNABLE,
                                        [P_RUNNING] = PS_RUNNING,
                                        [P_ZOMBIE] = PS_ZOMBIE};
    int n = 0;
    spin_lock(&ptable_lock);
    for (struct proc *p = ptable; p < &ptable[NPROC] && n < max; p++) {
        if (p->state == P_UNUSED || p->state == P_EMBRYO)
            continue;
        struct procinfo *pi = &out[n++];
        pi->pid = p->pid;
        pi->ppid = p->parent ? p->parent->pid : 0;
        pi->state = ps_state[p->state];
        pi->priority = (uint32_t)p->priority;
        pi->run_ticks = p->run_ticks;
        memcpy(pi->name, p->name, sizeof pi->name);
    }
    spin_unlock(&ptable_lock);
    return n;
}

int proc_setpriority(int prio)
{
    if (prio < 1 || prio > 1000)
        return KK_EINVAL;
    return rq_set_priority(myproc(), prio);
}
