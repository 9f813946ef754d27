/*
 * host_platform.h: a pthread implementation of struct kk_sync_platform for
 * the sync tests and benchmark.
 *
 * Every thread gets a thread-local control block (its address is the thread
 * handle). block() marks the thread asleep (clears its wake-up flag) before
 * calling unlock, then waits on the thread's own mutex/condvar until wake()
 * sets the flag or the deadline passes. Interrupt and preemption state are
 * per-thread counters so tests can check guards. In "up" mode irq_save and
 * preempt_disable also take one process-wide recursive mutex, the emulated
 * single CPU, so KK_SYNC_UP spinlocks (guards only) still exclude.
 *
 * The platform also checks the library's side of the contract: block() must
 * be entered with no guard held, wake() with interrupts off; violations are
 * counted in host_plat::violations. Debug reports are recorded.
 */
#ifndef KK_TEST_HOST_PLATFORM_H
#define KK_TEST_HOST_PLATFORM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <kernkit/sync.h>

#define HOST_MAX_REPORTS 64

struct host_plat {
    struct kk_sync_platform plat; /* the interface handed to the library */
    bool up;                      /* emulate one CPU */
    pthread_mutex_t cpu;          /* the emulated CPU (up mode), recursive */
    pthread_mutex_t rlock;        /* protects the report log */
    struct kk_sync_report reports[HOST_MAX_REPORTS];
    unsigned nreports;
    unsigned violations; /* contract violations seen (atomic) */
    unsigned blocks;     /* block() calls (atomic) */
    unsigned wakes;      /* wake() calls (atomic) */
    /* Optional hook run by an irq_restore that re-enables interrupts (e.g. to
     * check a lock is already free). */
    void (*on_irq_restore)(void *arg);
    void *hook_arg;
};

/* Fill @hp; @up selects uniprocessor emulation. */
void host_plat_init(struct host_plat *hp, bool up);
void host_plat_destroy(struct host_plat *hp);

/* Interrupts disabled / preemption-disable depth of the calling thread. */
bool host_irqs_off(void);
int host_preempt_depth(void);

/* The calling thread's handle (as plat.current returns it). */
void *host_self(void);

/* Monotonic ns, and a deadline @ms from now. */
uint64_t host_now_ns(void);
uint64_t host_deadline_ms(unsigned ms);

/* Number of recorded reports of @kind (0 = all); copy the last one of that kind. */
unsigned host_reports(struct host_plat *hp, int kind, struct kk_sync_report *last);
void host_reports_clear(struct host_plat *hp);

/* @n scaled by the environment variable KK_TEST_ITERS (a factor, default 1). */
unsigned host_iters(unsigned n);

/* Run @fn(@arg, index) in @n threads and join them. */
void host_run_threads(unsigned n, void *(*fn)(void *), void *args, size_t arg_size);

#endif
