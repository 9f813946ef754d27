/*
 * proc.h: CPUs, processes (one kernel thread each), locks and sleeping.
 *
 * Each process owns a kernel stack and a user context; its kernel thread runs
 * "user mode as a function call": uctx_run() enters user mode and returns at
 * the next trap from it. The kernel is not preempted; a process gives up its
 * hart when it sleeps, yields, exits, or takes a timer interrupt in user mode.
 */
#ifndef DEMO_PROC_H
#define DEMO_PROC_H

#include "kernel.h"
#include "arch.h"

struct cpu {
    struct proc *proc; /* running process, or NULL in the scheduler loop */
    kctx_t sched;      /* the scheduler loop's context */
    int noff;          /* depth of push_off() */
    int intena;        /* interrupts enabled before the first push_off() */
    int id;            /* logical CPU number */
    unsigned long hartid;
    uint32_t plic_ctx;
    volatile int started;
    uint64_t ticks;
    struct kk_trap_cpu trap __attribute__((aligned(16))); /* sscratch points here */
};
extern struct cpu cpus[MAXCPU];
extern int ncpu;

static inline struct cpu *mycpu(void)
{
    struct cpu *c;
    __asm__ volatile("mv %0, tp" : "=r"(c));
    return c;
}
#include "klock.h"

enum pstate { P_UNUSED, P_EMBRYO, P_SLEEPING, P_RUNNABLE, P_RUNNING, P_ZOMBIE };

struct file;
struct aspace;
#include "sched_entity.h"

struct proc {
    kctx_t ctx;  /* kernel callee-saved registers while switched out */
    uctx_t uctx; /* user registers (saved at each trap from user mode) */
    enum pstate state;
    void *chan; /* what a sleeping process waits for */
    int pid;
    int pgid; /* process group (the console's Ctrl-C kills a whole group) */
    int killed;
    int xstatus;
    int priority;
    struct proc *parent;
    struct sched_entity_slot se;
    void *kstack;
    struct aspace *as;
    uintptr_t brk;        /* end of the user heap (sbrk) */
    uintptr_t heap_start; /* where the heap began at exec */
    struct file *ofile[NOFILE];
    void *cwd; /* file-system handle of the current directory */
    char cwd_path[128];
    char name[32];
    uint64_t run_ticks;
    struct spinlock lock; /* state, chan; held across a switch (last: proc_alloc keeps it) */
};

struct proc *myproc(void);
void proc_init(void);
void scheduler(void) __attribute__((noreturn));
void sched_yield(void);   /* the yield() system call */
void sched_preempt(void); /* the tick says: let another process run */
void sleep_on(void *chan, struct spinlock *lk);
void wakeup(void *chan);
void wakeup_sync(void *chan); /* the caller will soon wait for the woken (pipes) */
void proc_block(void (*unlock)(void *), void *arg);
void proc_wake(struct proc *p);
bool timer_tick(void); /* true: the running process should give up its hart */
int proc_spawn_init(const char *path, char *const argv[]);
int proc_fork(void);
__attribute__((noreturn)) void proc_exit(int status);
int proc_wait(uintptr_t ustatus);
int proc_kill(int pid);
int proc_kill_group(int pgid); /* every process of the group but init */
int proc_setpgid(int pid, int pgid);
struct procinfo;
int proc_list(struct procinfo *out, int max);
void proc_sleep_ticks(uint64_t ticks);
int proc_setpriority(int prio);
void user_loop(void) __attribute__((noreturn));

#endif
