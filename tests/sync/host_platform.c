/* host_platform.c: pthread implementation of the sync platform interface. */
#define _GNU_SOURCE
#include "host_platform.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct host_thread {
    pthread_mutex_t m;
    pthread_cond_t c;
    bool inited;
    bool irq_off;   /* emulated interrupt flag */
    int preempt;    /* preempt_disable depth */
    uint32_t cpu;   /* small id for cpu_id() */
    unsigned relax; /* cpu_relax() calls, to yield now and then */
    /* Written by wakers under m: kept apart from the owner-only fields above,
     * which the compiler may load together. */
    int pending __attribute__((aligned(16))); /* a wake-up since block() marked us asleep */
} __attribute__((aligned(16)));

static __thread struct host_thread self;
static uint32_t next_cpu;

static struct host_thread *me(void)
{
    if (!self.inited) {
        pthread_condattr_t a;
        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_init(&self.c, &a);
        pthread_condattr_destroy(&a);
        pthread_mutex_init(&self.m, NULL);
        self.cpu = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED);
        self.inited = true;
    }
    return &self;
}

void *host_self(void)
{
    return me();
}

bool host_irqs_off(void)
{
    return me()->irq_off;
}

int host_preempt_depth(void)
{
    return me()->preempt;
}

uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t host_deadline_ms(unsigned ms)
{
    return host_now_ns() + (uint64_t)ms * 1000000u;
}

static void violation(struct host_plat *hp, const char *what)
{
    __atomic_fetch_add(&hp->violations, 1, __ATOMIC_RELAXED);
    fprintf(stderr, "host platform: contract violation: %s\n", what);
}

static unsigned long h_irq_save(void *ctx)
{
    struct host_plat *hp = ctx;
    struct host_thread *t = me();
    unsigned long old = t->irq_off;
    if (hp->up)
        pthread_mutex_lock(&hp->cpu);
    t->irq_off = true;
    return old;
}

static void h_irq_restore(void *ctx, unsigned long flags)
{
    struct host_plat *hp = ctx;
    struct host_thread *t = me();
    if (!t->irq_off)
        violation(hp, "irq_restore with interrupts on");
    if (hp->on_irq_restore && !flags) /* interrupts come back on */
        hp->on_irq_restore(hp->hook_arg);
    t->irq_off = flags != 0;
    if (hp->up)
        pthread_mutex_unlock(&hp->cpu);
}

static void h_preempt_disable(void *ctx)
{
    struct host_plat *hp = ctx;
    if (hp->up)
        pthread_mutex_lock(&hp->cpu);
    me()->preempt++;
}

static void h_preempt_enable(void *ctx)
{
    struct host_plat *hp = ctx;
    struct host_thread *t = me();
    if (t->preempt <= 0)
        violation(hp, "preempt_enable underflow");
    t->preempt--;
    if (hp->up)
        pthread_mutex_unlock(&hp->cpu);
}

static void h_cpu_relax(void *ctx)
{
    struct host_thread *t = me();
    (void)ctx;
    /* Two shared cores and sanitizers: let a preempted holder run. */
    if ((++t->relax & 63) == 0)
        sched_yield();
#if defined(__x86_64__) || defined(__i386__)
    else
        __builtin_ia32_pause();
#endif
}

static uint32_t h_cpu_id(void *ctx)
{
    (void)ctx;
    return me()->cpu;
}

static void *h_current(void *ctx)
{
    (void)ctx;
    return me();
}

static int h_block(void *ctx, struct kk_waitq *wq, void (*unlock)(void *), void *arg,
                   uint64_t deadline)
{
    struct host_plat *hp = ctx;
    struct host_thread *t = me();
    int rc = 0;
    (void)wq;

    __atomic_fetch_add(&hp->blocks, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&t->m);
    t->pending = 0; /* marked asleep: any later wake() is recorded */
    pthread_mutex_unlock(&t->m);
    unlock(arg);
    if (t->irq_off || t->preempt)
        violation(hp, "block() with a guard held after unlock");
    pthread_mutex_lock(&t->m);
    while (!t->pending) {
        if (deadline == KK_SYNC_FOREVER) {
            pthread_cond_wait(&t->c, &t->m);
            continue;
        }
        if (host_now_ns() >= deadline) {
            rc = KK_ETIMEDOUT;
            break;
        }
        struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
        pthread_cond_timedwait(&t->c, &t->m, &ts);
    }
    t->pending = 0;
    pthread_mutex_unlock(&t->m);
    return rc;
}

static void h_wake(void *ctx, void *thread)
{
    struct host_plat *hp = ctx;
    struct host_thread *t = thread;

    __atomic_fetch_add(&hp->wakes, 1, __ATOMIC_RELAXED);
    if (hp->plat.irq_save && !me()->irq_off)
        violation(hp, "wake() outside the wait queue's irqsave lock");
    pthread_mutex_lock(&t->m);
    t->pending = 1;
    pthread_cond_signal(&t->c);
    pthread_mutex_unlock(&t->m);
}

static uint64_t h_now(void *ctx)
{
    (void)ctx;
    return host_now_ns();
}

static void h_report(void *ctx, const struct kk_sync_report *r)
{
    struct host_plat *hp = ctx;
    pthread_mutex_lock(&hp->rlock);
    if (hp->nreports < HOST_MAX_REPORTS)
        hp->reports[hp->nreports] = *r;
    hp->nreports++;
    pthread_mutex_unlock(&hp->rlock);
    if (getenv("KK_TEST_VERBOSE")) {
        char line[512];
        kk_sync_report_format(r, line, sizeof(line));
        fprintf(stderr, "kk_sync report: %s\n", line);
    }
}

void host_plat_init(struct host_plat *hp, bool up)
{
    pthread_mutexattr_t a;

    memset(hp, 0, sizeof(*hp));
    hp->up = up;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&hp->cpu, &a);
    pthread_mutexattr_destroy(&a);
    pthread_mutex_init(&hp->rlock, NULL);
    hp->plat.version = KK_SYNC_PLATFORM_VERSION;
    hp->plat.ctx = hp;
    hp->plat.irq_save = h_irq_save;
    hp->plat.irq_restore = h_irq_restore;
    hp->plat.preempt_disable = h_preempt_disable;
    hp->plat.preempt_enable = h_preempt_enable;
    hp->plat.cpu_relax = h_cpu_relax;
    hp->plat.cpu_id = h_cpu_id;
    hp->plat.current = h_current;
    hp->plat.block = h_block;
    hp->plat.wake = h_wake;
    hp->plat.now = h_now;
    hp->plat.report = h_report;
}

void host_plat_destroy(struct host_plat *hp)
{
    pthread_mutex_destroy(&hp->cpu);
    pthread_mutex_destroy(&hp->rlock);
}

unsigned host_reports(struct host_plat *hp, int kind, struct kk_sync_report *last)
{
    unsigned n = 0;
    pthread_mutex_lock(&hp->rlock);
    for (unsigned i = 0; i < hp->nreports && i < HOST_MAX_REPORTS; i++) {
        if (kind == 0 || (int)hp->reports[i].kind == kind) {
            n++;
            if (last)
                *last = hp->reports[i];
        }
    }
    pthread_mutex_unlock(&hp->rlock);
    return n;
}

void host_reports_clear(struct host_plat *hp)
{
    pthread_mutex_lock(&hp->rlock);
    hp->nreports = 0;
    pthread_mutex_unlock(&hp->rlock);
}

unsigned host_iters(unsigned n)
{
    const char *s = getenv("KK_TEST_ITERS");
    long f = s ? strtol(s, NULL, 10) : 1;
    return f > 1 ? n * (unsigned)f : n;
}

struct tramp {
    void *(*fn)(void *);
    void *arg;
    pthread_barrier_t *start;
};

static void *trampoline(void *p)
{
    struct tramp *t = p;
    pthread_barrier_wait(t->start); /* all threads start together */
    return t->fn(t->arg);
}

void host_run_threads(unsigned n, void *(*fn)(void *), void *args, size_t arg_size)
{
    pthread_t *tids = calloc(n, sizeof(*tids));
    struct tramp *tr = calloc(n, sizeof(*tr));
    pthread_barrier_t start;

    if (!tids || !tr || pthread_barrier_init(&start, NULL, n) != 0)
        abort();
    for (unsigned i = 0; i < n; i++) {
        tr[i] = (struct tramp){fn, (char *)args + i * arg_size, &start};
        if (pthread_create(&tids[i], NULL, trampoline, &tr[i]) != 0)
            abort();
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(&start);
    free(tr);
    free(tids);
}
