/*
 * bench-sync: kernkit::sync locks next to pthread_spin_lock and
 * pthread_mutex_lock, measured in the same run.
 *
 * uncontended.<lock>.median  ns per lock+unlock pair (batches of 1000)
 * contended2.<lock>.throughput  acquisitions/s, 2 threads, tiny critical section
 * contended2.<lock>.fairness_dev  std deviation of per-thread acquisitions, % of mean
 * contended2.<lock>.sleeps_per_1k  block() calls per 1000 acquisitions (sleeping locks)
 * contended2_cs.<lock>.*  the same for the mutexes with ~CS_WORK loop steps of
 *                          work inside and outside the critical section (where
 *                          a plain mutex sleeps and KK_MUTEX_ADAPTIVE spins)
 * ...vs_pthread_spin / vs_pthread_mutex  ratios (time ratio for uncontended,
 *                                        throughput ratio for contended)
 *
 * The platform is the pthread host platform with no interrupt/preemption
 * callbacks (a user-space process has neither), so spinlocks pay exactly
 * what pthread_spin_lock pays. KK_BENCH_MS sets the contended run length
 * (default 300 ms per lock).
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "host_platform.h"

enum kind { PSPIN, PMUTEX, TAS, TICKET, MCS, RWSPIN, MUTEX, MUTEX_FIFO, MUTEX_ADAPTIVE, NKINDS };
static const char *const names[NKINDS] = {"pthread_spin", "pthread_mutex", "tas",
                                          "ticket",       "mcs",           "rwspin_write",
                                          "mutex",        "mutex_fifo",    "mutex_adaptive"};

static struct host_plat hp;

struct locks {
    pthread_spinlock_t pspin;
    pthread_mutex_t pmutex;
    struct kk_spin tas;
    struct kk_ticket ticket;
    struct kk_mcs mcs;
    struct kk_rwspin rw;
    struct kk_mutex mutex, mutex_fifo, mutex_adaptive;
};

static struct locks L;

static inline void lock(enum kind k, struct kk_mcs_node *n)
{
    switch (k) {
    case PSPIN:
        pthread_spin_lock(&L.pspin);
        break;
    case PMUTEX:
        pthread_mutex_lock(&L.pmutex);
        break;
    case TAS:
        kk_spin_lock(&L.tas);
        break;
    case TICKET:
        kk_ticket_lock(&L.ticket);
        break;
    case MCS:
        kk_mcs_lock(&L.mcs, n);
        break;
    case RWSPIN:
        kk_rwspin_write_lock(&L.rw);
        break;
    case MUTEX:
        kk_mutex_lock(&L.mutex);
        break;
    case MUTEX_ADAPTIVE:
        kk_mutex_lock(&L.mutex_adaptive);
        break;
    default:
        kk_mutex_lock(&L.mutex_fifo);
    }
}

static inline void unlock(enum kind k, struct kk_mcs_node *n)
{
    switch (k) {
    case PSPIN:
        pthread_spin_unlock(&L.pspin);
        break;
    case PMUTEX:
        pthread_mutex_unlock(&L.pmutex);
        break;
    case TAS:
        kk_spin_unlock(&L.tas);
        break;
    case TICKET:
        kk_ticket_unlock(&L.ticket);
        break;
    case MCS:
        kk_mcs_unlock(&L.mcs, n);
        break;
    case RWSPIN:
        kk_rwspin_write_unlock(&L.rw);
        break;
    case MUTEX:
        kk_mutex_unlock(&L.mutex);
        break;
    case MUTEX_ADAPTIVE:
        kk_mutex_unlock(&L.mutex_adaptive);
        break;
    default:
        kk_mutex_unlock(&L.mutex_fifo);
    }
}

static double uncontended(enum kind k)
{
    enum { BATCH = 1000, SAMPLES = 2000 };
    struct kk_mcs_node n;
    struct kk_bench b;
    char name[64];
    double med;

    snprintf(name, sizeof(name), "uncontended.%s", names[k]);
    kk_bench_init(&b, name, SAMPLES);
    for (int s = 0; s < SAMPLES; s++) {
        kk_bench_start(&b);
        for (int i = 0; i < BATCH; i++) {
            lock(k, &n);
            unlock(k, &n);
        }
        kk_bench_stop(&b, BATCH);
    }
    kk_bench_report(&b);
    med = kk_bench_percentile(&b, 50);
    kk_bench_free(&b);
    return med;
}

#define CS_WORK 200

static void work(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++)
        ;
}

/*
 * The measurement window. Threads wake from the start barrier at different
 * moments (tens to hundreds of microseconds apart, more on a busy machine),
 * and the first one awake used to take the lock alone, at uncontended speed,
 * until the second arrived: that head start was counted in its share and in
 * the throughput, and it (not the locks) made up most of fairness_dev. Now
 * both threads count the same run of acquisitions: counting starts at the
 * acquisition in which the second thread has joined (each thread registers
 * in `joined` inside its first critical section) and ends at the first
 * critical section that sees `stop`. Both flags are read under the lock, so
 * every acquisition is either inside the window for both threads or for
 * neither. The loop itself (lock, increment, work, unlock, work) is unchanged.
 */
struct window {
    volatile unsigned long shared; /* incremented in every critical section */
    unsigned joined;               /* threads that have held the lock once */
    int stop;                      /* set by the main thread at the end */
};

struct worker {
    pthread_barrier_t *start;
    unsigned cs; /* work steps inside and outside the critical section */
    enum kind k;
    unsigned long count; /* acquisitions inside the window */
    unsigned long total; /* all acquisitions, for the lost-update check */
    struct window *win;
};

static void *contender(void *arg)
{
    struct worker *w = arg;
    struct window *win = w->win;
    struct kk_mcs_node n;
    unsigned long c = 0, all = 0;

    pthread_barrier_wait(w->start);
    for (;;) {
        lock(w->k, &n);
        if (__atomic_load_n(&win->stop, __ATOMIC_RELAXED)) {
            unlock(w->k, &n);
            break;
        }
        if (!all)
            __atomic_fetch_add(&win->joined, 1, __ATOMIC_RELAXED);
        win->shared++; /* the critical section */
        c += __atomic_load_n(&win->joined, __ATOMIC_RELAXED) == 2;
        work(w->cs);
        unlock(w->k, &n);
        work(w->cs);
        all++;
    }
    w->count = c;
    w->total = all;
    return NULL;
}

static double contended(enum kind k, unsigned ms, unsigned cs)
{
    static struct window win;
    struct worker w[2];
    pthread_t t[2];
    char name[64];
    double mean, dev, tput, secs;
    pthread_barrier_t start;
    unsigned blocks0 = __atomic_load_n(&hp.blocks, __ATOMIC_RELAXED), nblocks;
    uint64_t t0, t1;

    win.stop = 0;
    win.shared = 0;
    win.joined = 0;
    pthread_barrier_init(&start, NULL, 3);
    for (int i = 0; i < 2; i++) {
        w[i] = (struct worker){&start, cs, k, 0, 0, &win};
        pthread_create(&t[i], NULL, contender, &w[i]);
    }
    pthread_barrier_wait(&start);
    while (__atomic_load_n(&win.joined, __ATOMIC_RELAXED) < 2)
        usleep(50); /* the window opens when both threads hold the lock once */
    t0 = kk_bench_now_ns();
    usleep(ms * 1000u);
    __atomic_store_n(&win.stop, 1, __ATOMIC_RELAXED);
    t1 = kk_bench_now_ns();
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    nblocks = __atomic_load_n(&hp.blocks, __ATOMIC_RELAXED) - blocks0;
    if (win.shared != w[0].total + w[1].total)
        fprintf(stderr, "bench-sync: %s lost updates!\n", names[k]);
    mean = (double)(w[0].count + w[1].count) / 2.0;
    dev = fabs((double)w[0].count - mean); /* population std deviation of 2 values */
    secs = (double)(t1 - t0) / 1e9;
    tput = secs > 0 ? (double)(w[0].count + w[1].count) / secs : 0.0;
    snprintf(name, sizeof(name), "%s.%s", cs ? "contended2_cs" : "contended2", names[k]);
    kk_bench_print(name, "throughput", tput, "acq/s");
    kk_bench_print(name, "fairness_dev", mean > 0 ? 100.0 * dev / mean : 0.0, "%");
    if (k >= MUTEX)
        kk_bench_print(name, "sleeps_per_1k",
                       win.shared ? 1000.0 * nblocks / (double)win.shared : 0.0, "sleeps");
    return tput;
}

static void *nothing(void *arg)
{
    return arg;
}

static void setup(void)
{
    pthread_t t;
    /* glibc drops the lock prefix of its mutex while a process is single
     * threaded; a kernel's locks never can. Become multi-threaded first. */
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    host_plat_init(&hp, false);
    /* A process has no interrupts or preemption control. cpu_relax stays the
     * host's (pause, and sched_yield every 64 spins): on an oversubscribed
     * machine a FIFO lock would otherwise spin away whole time slices waiting
     * for a preempted next-in-line thread. */
    hp.plat.irq_save = NULL;
    hp.plat.irq_restore = NULL;
    hp.plat.preempt_disable = NULL;
    hp.plat.preempt_enable = NULL;
    pthread_spin_init(&L.pspin, PTHREAD_PROCESS_PRIVATE);
    pthread_mutex_init(&L.pmutex, NULL);
    if (kk_spin_init(&L.tas, &hp.plat) || kk_ticket_init(&L.ticket, &hp.plat) ||
        kk_mcs_init(&L.mcs, &hp.plat) || kk_rwspin_init(&L.rw, &hp.plat) ||
        kk_mutex_init(&L.mutex, &hp.plat, 0) ||
        kk_mutex_init(&L.mutex_fifo, &hp.plat, KK_MUTEX_FIFO) ||
        kk_mutex_init(&L.mutex_adaptive, &hp.plat, KK_MUTEX_ADAPTIVE)) {
        fprintf(stderr, "bench-sync: init failed\n");
        exit(1);
    }
}

static void ratio(const char *workload, const char *vs, double a, double b)
{
    printf("%s.vs_%s: %.3g x\n", workload, vs, b > 0 ? a / b : 0.0);
}

int main(void)
{
    const char *env = getenv("KK_BENCH_MS");
    unsigned ms = env ? (unsigned)atoi(env) : 300;
    double unc[NKINDS], tput[NKINDS];
    char w[64];

    setup();
    if (ms == 0)
        ms = 300;
    for (int k = 0; k < NKINDS; k++)
        unc[k] = uncontended((enum kind)k);
    for (int k = TAS; k < NKINDS; k++) {
        snprintf(w, sizeof(w), "uncontended.%s", names[k]);
        ratio(w, "pthread_spin", unc[k], unc[PSPIN]);
        ratio(w, "pthread_mutex", unc[k], unc[PMUTEX]);
    }
    for (int k = 0; k < NKINDS; k++)
        tput[k] = contended((enum kind)k, ms, 0);
    for (int k = TAS; k < NKINDS; k++) {
        snprintf(w, sizeof(w), "contended2.%s", names[k]);
        ratio(w, "pthread_spin", tput[k], tput[PSPIN]);
        ratio(w, "pthread_mutex", tput[k], tput[PMUTEX]);
    }
    tput[PMUTEX] = contended(PMUTEX, ms, CS_WORK);
    for (int k = MUTEX; k < NKINDS; k++) {
        tput[k] = contended((enum kind)k, ms, CS_WORK);
        snprintf(w, sizeof(w), "contended2_cs.%s", names[k]);
        ratio(w, "pthread_mutex", tput[k], tput[PMUTEX]);
    }
    host_plat_destroy(&hp);
    return 0;
}
