/*
 * Tests for the sleeping primitives of kernkit/sync.h (wait queue, mutex,
 * semaphore, condition variable) with real threads on the pthread host
 * platform: bad input, timeouts, FIFO hand-off order, ck-style validation
 * and a lost-wake-up stress. Built against the SMP, UP and debug variants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pthread.h>
#include <sched.h>

#include <cmocka.h>

#include "test_common.h"

#define LONG_MS 20000 /* "should never time out" deadline of the stress tests */

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
    return t;
}

/* ---- bad input ---- */

static void init_needs_sleep_callbacks(void **state)
{
    struct kk_sync_platform p = hp.plat;
    struct kk_mutex m;
    struct kk_sem s;
    struct kk_cond c;
    struct kk_waitq wq;
    (void)state;

    p.block = NULL;
    assert_int_equal(kk_mutex_init(&m, &p, 0), KK_ENOTSUP);
    assert_int_equal(kk_sem_init(&s, &p, 0), KK_ENOTSUP);
    assert_int_equal(kk_cond_init(&c, &p), KK_ENOTSUP);
    assert_int_equal(kk_waitq_init(&wq, &p), KK_ENOTSUP);
    assert_int_equal(kk_mutex_init(&m, &hp.plat, 0x80), KK_EINVAL);
    assert_int_equal(kk_mutex_init(NULL, &hp.plat, 0), KK_EINVAL);
    assert_int_equal(kk_sem_init(&s, &hp.plat, (uint32_t)KK_SEM_MAX + 1), KK_EINVAL);
    memset(&m, 0, sizeof(m));
    assert_int_equal(kk_mutex_lock(&m), KK_EINVAL); /* never initialised */
    assert_int_equal(kk_mutex_unlock(&m), KK_EINVAL);
    memset(&s, 0, sizeof(s));
    assert_int_equal(kk_sem_down(&s), KK_EINVAL);
    assert_int_equal(kk_sem_up(NULL), KK_EINVAL);
    assert_int_equal(kk_cond_signal(NULL), KK_EINVAL);
    assert_int_equal(kk_waitq_wait(NULL, NULL, NULL, 0), KK_EINVAL);

    /* A finite deadline needs now(). */
    p = hp.plat;
    p.now = NULL;
    assert_int_equal(kk_sem_init(&s, &p, 0), 0);
    assert_int_equal(kk_sem_down_timeout(&s, 5), KK_ENOTSUP);
    assert_int_equal(kk_sem_up(&s), 0);
    assert_int_equal(kk_sem_down(&s), 0);
    assert_int_equal(kk_sem_destroy(&s), 0);
    assert_int_equal(kk_sem_destroy(&s), KK_EINVAL); /* already destroyed */
}

static void *other_unlocks(void *arg)
{
    return (void *)(intptr_t)kk_mutex_unlock(arg);
}

static void *other_cond_waits(void *arg)
{
    struct kk_cond c;
    if (kk_cond_init(&c, &hp.plat))
        return (void *)(intptr_t)-1;
    return (void *)(intptr_t)kk_cond_wait(&c, arg);
}

static void mutex_misuse(void **state)
{
    struct kk_mutex m;
    struct kk_cond c;
    void *ret;
    (void)state;

    assert_int_equal(kk_mutex_init(&m, &hp.plat, 0), 0);
    assert_int_equal(kk_cond_init(&c, &hp.plat), 0);
    assert_int_equal(kk_mutex_unlock(&m), KK_EPERM); /* unlocked */
    assert_int_equal(kk_cond_wait(&c, &m), KK_EPERM);
    assert_int_equal(kk_mutex_lock(&m), 0);
    assert_ptr_equal(kk_mutex_owner(&m), host_self());
    assert_int_equal(kk_mutex_lock(&m), KK_EDEADLK);
    assert_int_equal(kk_mutex_trylock(&m), KK_EDEADLK);
    assert_int_equal(kk_mutex_destroy(&m), KK_EBUSY);

    pthread_t t = spawn(other_unlocks, &m); /* non-owner unlock */
    pthread_join(t, &ret);
    assert_int_equal((int)(intptr_t)ret, KK_EPERM);
    t = spawn(other_cond_waits, &m); /* waiting with someone else's mutex */
    pthread_join(t, &ret);
    assert_int_equal((int)(intptr_t)ret, KK_EPERM);
    assert_ptr_equal(kk_mutex_owner(&m), host_self());

    /* A past deadline: returns at once, the mutex still held. */
    assert_int_equal(kk_cond_wait_timeout(&c, &m, 0), KK_ETIMEDOUT);
    assert_ptr_equal(kk_mutex_owner(&m), host_self());
    assert_int_equal(kk_mutex_unlock(&m), 0);
    assert_null(kk_mutex_owner(&m));
    assert_int_equal(kk_mutex_destroy(&m), 0);
    assert_int_equal(kk_mutex_lock(&m), KK_EINVAL);
    assert_int_equal(kk_cond_destroy(&c), 0);
}

static void *down_forever(void *arg)
{
    return (void *)(intptr_t)kk_sem_down(arg);
}

static void semaphore_bad_input_and_timeouts(void **state)
{
    struct kk_sem s;
    void *ret;
    (void)state;

    assert_int_equal(kk_sem_init(&s, &hp.plat, KK_SEM_MAX), 0);
    assert_int_equal(kk_sem_up(&s), KK_EOVERFLOW);
    assert_int_equal(kk_sem_value(&s), KK_SEM_MAX);
    assert_int_equal(kk_sem_init(&s, &hp.plat, 1), 0);
    assert_int_equal(kk_sem_down_timeout(&s, 0), 0); /* past deadline: still tries */
    assert_int_equal(kk_sem_down_timeout(&s, 0), KK_ETIMEDOUT);
    assert_int_equal(kk_sem_trydown(&s), KK_EAGAIN);

    uint64_t dl = host_deadline_ms(30);
    assert_int_equal(kk_sem_down_timeout(&s, dl), KK_ETIMEDOUT);
    assert_true(host_now_ns() >= dl); /* never early */
    assert_int_equal(kk_sem_value(&s), 0);

    /* Destroy with a sleeper is refused; the sleeper is unaffected. */
    unsigned b = blocks();
    pthread_t t = spawn(down_forever, &s);
    wait_blocks(b, 1);
    assert_int_equal(kk_sem_destroy(&s), KK_EBUSY);
    assert_int_equal(kk_sem_up(&s), 0);
    pthread_join(t, &ret);
    assert_int_equal((int)(intptr_t)ret, 0);
    assert_int_equal(kk_sem_value(&s), 0); /* the unit went to the sleeper */
    assert_int_equal(kk_sem_destroy(&s), 0);
}

/* ---- mutex ---- */

struct timeout_arg {
    struct kk_mutex *m;
    int rc;
};

static void *lock_with_timeout(void *arg)
{
    struct timeout_arg *a = arg;
    uint64_t dl = host_deadline_ms(30);
    a->rc = kk_mutex_lock_timeout(a->m, dl);
    if (host_now_ns() < dl)
        a->rc = 1; /* returned early */
    return NULL;
}

static void mutex_timeout_clears_waiters(void **state)
{
    struct kk_mutex m;
    struct timeout_arg a = {&m, 0};
    (void)state;

    assert_int_equal(kk_mutex_init(&m, &hp.plat, 0), 0);
    assert_int_equal(kk_mutex_lock(&m), 0);
    pthread_t t = spawn(lock_with_timeout, &a);
    pthread_join(t, NULL);
    assert_int_equal(a.rc, KK_ETIMEDOUT);
    assert_int_equal(m.owner, (uintptr_t)host_self()); /* WAITERS bit cleared again */
    assert_int_equal(kk_mutex_unlock(&m), 0);
    assert_int_equal(m.owner, 0);
}

struct order_arg {
    struct kk_mutex *m;
    unsigned id;
    unsigned *log;
    unsigned *nlog;
};

static void *lock_and_log(void *arg)
{
    struct order_arg *a = arg;
    if (kk_mutex_lock(a->m) == 0) {
        a->log[(*a->nlog)++] = a->id; /* protected by the mutex */
        kk_mutex_unlock(a->m);
    }
    return NULL;
}

static void mutex_fifo_hands_off_in_order(void **state)
{
    struct kk_mutex m;
    struct order_arg a[3];
    unsigned log[3] = {0}, nlog = 0;
    pthread_t t[3];
    (void)state;

    assert_int_equal(kk_mutex_init(&m, &hp.plat, KK_MUTEX_FIFO), 0);
    assert_int_equal(kk_mutex_lock(&m), 0);
    for (unsigned i = 0; i < 3; i++) {
        unsigned b = blocks();
        a[i] = (struct order_arg){&m, i + 1, log, &nlog};
        t[i] = spawn(lock_and_log, &a[i]);
        wait_blocks(b, 1); /* enqueued before the next one starts */
    }
    assert_int_equal(kk_mutex_unlock(&m), 0);
    for (unsigned i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(nlog, 3);
    assert_int_equal(log[0], 1);
    assert_int_equal(log[1], 2);
    assert_int_equal(log[2], 3);
    assert_int_equal(m.owner, 0);
}

struct mshared {
    struct kk_mutex m;
    struct kk_sem s; /* used as a binary semaphore in the sem variant */
    bool use_sem;
    unsigned iters;
    volatile uint64_t a, b, c;
    unsigned errors;
};

/* ---- KK_MUTEX_ADAPTIVE ---- */

struct adaptive {
    struct kk_mutex m;
    unsigned running; /* what the owner_running hook answers */
    unsigned calls;   /* hook calls (atomic) */
    unsigned locked;  /* the holder has the mutex */
    unsigned release; /* 1: once the hook ran; 2: once the locker sleeps */
    unsigned block_base;
};

static struct adaptive ad;

static bool ad_owner_running(void *ctx, void *thread)
{
    (void)ctx;
    (void)thread; /* the holder is joined after the test: always alive */
    __atomic_fetch_add(&ad.calls, 1, __ATOMIC_RELAXED);
    return __atomic_load_n(&ad.running, __ATOMIC_RELAXED);
}

static void *adaptive_holder(void *arg)
{
    (void)arg;
    kk_mutex_lock(&ad.m);
    __atomic_store_n(&ad.locked, 1, __ATOMIC_RELEASE);
    if (ad.release == 1) {
        while (__atomic_load_n(&ad.calls, __ATOMIC_ACQUIRE) == 0)
            sched_yield(); /* the locker is spinning on us */
    } else {
        wait_blocks(ad.block_base, 1); /* the locker went to sleep */
    }
    kk_mutex_unlock(&ad.m);
    return NULL;
}

/* Lock while another thread holds it; returns the block() calls it took. */
static unsigned adaptive_round(unsigned running, unsigned release)
{
    pthread_t t;
    ad.running = running;
    ad.calls = 0;
    ad.locked = 0;
    ad.release = release;
    ad.block_base = blocks();
    assert_int_equal(pthread_create(&t, NULL, adaptive_holder, NULL), 0);
    while (!__atomic_load_n(&ad.locked, __ATOMIC_ACQUIRE))
        sched_yield();
    unsigned base = blocks();
    assert_int_equal(kk_mutex_lock(&ad.m), 0);
    unsigned slept = blocks() - base;
    assert_ptr_equal(kk_mutex_owner(&ad.m), host_self());
    assert_int_equal(kk_mutex_unlock(&ad.m), 0);
    pthread_join(t, NULL);
    return slept;
}

static void mutex_adaptive_spins_then_sleeps(void **state)
{
    (void)state;
    assert_int_equal(kk_mutex_init(&ad.m, &hp.plat, 8), KK_EINVAL); /* unknown flag */
    assert_int_equal(kk_mutex_init(&ad.m, &hp.plat, KK_MUTEX_ADAPTIVE), 0);
    hp.plat.owner_running = ad_owner_running;
    hp.plat.mutex_spin = 0xffffffffu; /* only the hook or the release ends a spin */

    /* Owner running and releasing while we spin: taken without sleeping. */
    assert_int_equal(adaptive_round(1, 1), 0);
    assert_true(ad.calls > 0);
    /* Owner not running: the first check sends us to sleep. */
    assert_true(adaptive_round(0, 2) >= 1);
    assert_int_equal(ad.calls, 1);
    /* Spin bound without a hook: sleeps after mutex_spin steps. */
    hp.plat.owner_running = NULL;
    hp.plat.mutex_spin = 10;
    assert_true(adaptive_round(1, 2) >= 1);
    /* Never spins for trylock / a past deadline; self-deadlock still caught. */
    assert_int_equal(kk_mutex_lock(&ad.m), 0);
    assert_int_equal(kk_mutex_lock(&ad.m), KK_EDEADLK);
    assert_int_equal(kk_mutex_lock_timeout(&ad.m, 0), KK_EDEADLK);
    assert_int_equal(kk_mutex_unlock(&ad.m), 0);
    hp.plat.mutex_spin = 0;
    assert_int_equal(kk_mutex_destroy(&ad.m), 0);
}

static void *mutex_worker(void *arg)
{
    struct mshared *sh = arg;
    for (unsigned i = 0; i < sh->iters; i++) {
        int rc;
        if (sh->use_sem)
            rc = (i % 3 == 0) ? kk_sem_down_timeout(&sh->s, host_deadline_ms(LONG_MS))
                              : kk_sem_down(&sh->s);
        else if (i % 5 == 0)
            rc = kk_mutex_lock_timeout(&sh->m, host_deadline_ms(LONG_MS));
        else if (i % 7 == 0)
            while ((rc = kk_mutex_trylock(&sh->m)) == KK_EBUSY)
                sched_yield();
        else
            rc = kk_mutex_lock(&sh->m);
        if (rc) {
            __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
            continue;
        }
        uint64_t a = sh->a;
        if (sh->b != a || sh->c != a)
            __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
        sh->a = a + 1;
        sh->b = sh->b + 1;
        sh->c = sh->a;
        rc = sh->use_sem ? kk_sem_up(&sh->s) : kk_mutex_unlock(&sh->m);
        if (rc)
            __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void run_mutex_validate(uint32_t flags, bool use_sem)
{
    static struct mshared sh;

    memset(&sh, 0, sizeof(sh));
    sh.iters = host_iters(10000);
    sh.use_sem = use_sem;
    assert_int_equal(kk_mutex_init(&sh.m, &hp.plat, flags), 0);
    assert_int_equal(kk_sem_init(&sh.s, &hp.plat, 1), 0);
    host_run_threads(NTHREADS, mutex_worker, &sh, 0); /* all share &sh */
    assert_int_equal(sh.errors, 0);
    assert_int_equal(sh.a, (uint64_t)NTHREADS * sh.iters);
    assert_int_equal(sh.c, (uint64_t)NTHREADS * sh.iters);
    assert_int_equal(sh.m.owner, 0);
    assert_int_equal(kk_sem_value(&sh.s), 1);
    assert_int_equal(kk_mutex_destroy(&sh.m), 0);
    assert_int_equal(kk_sem_destroy(&sh.s), 0);
}

static void validate_mutex(void **state)
{
    (void)state;
    run_mutex_validate(0, false);
}

static void validate_mutex_adaptive(void **state)
{
    (void)state;
    run_mutex_validate(KK_MUTEX_ADAPTIVE, false);
}

static void validate_mutex_fifo(void **state)
{
    (void)state;
    run_mutex_validate(KK_MUTEX_FIFO, false);
}

static void validate_semaphore_as_lock(void **state)
{
    (void)state;
    run_mutex_validate(0, true);
}

/* ---- semaphore producer/consumer ---- */

struct pc {
    struct kk_sem items;
    unsigned per_thread;
    uint64_t produced, consumed; /* atomic */
    unsigned errors;
};

static void *sem_producer(void *arg)
{
    struct pc *pc = arg;
    for (unsigned i = 0; i < pc->per_thread; i++) {
        __atomic_fetch_add(&pc->produced, 1, __ATOMIC_RELAXED);
        if (kk_sem_up(&pc->items))
            __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *sem_consumer(void *arg)
{
    struct pc *pc = arg;
    for (unsigned i = 0; i < pc->per_thread; i++) {
        if (kk_sem_down_timeout(&pc->items, host_deadline_ms(LONG_MS)))
            __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&pc->consumed, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&pc->consumed, __ATOMIC_RELAXED) >
            __atomic_load_n(&pc->produced, __ATOMIC_RELAXED))
            __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *sem_pc_thread(void *arg)
{
    struct pc **pp = arg;
    return (pp[1] ? sem_producer : sem_consumer)(pp[0]);
}

static void semaphore_counts_units(void **state)
{
    static struct pc pc;
    struct pc *args[NTHREADS][2];
    (void)state;

    memset(&pc, 0, sizeof(pc));
    pc.per_thread = host_iters(20000);
    assert_int_equal(kk_sem_init(&pc.items, &hp.plat, 0), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        args[i][0] = &pc;
        args[i][1] = (i & 1) ? &pc : NULL; /* odd: producer */
    }
    host_run_threads(NTHREADS, sem_pc_thread, args, sizeof(args[0]));
    assert_int_equal(pc.errors, 0);
    assert_int_equal(pc.consumed, pc.produced);
    assert_int_equal(kk_sem_value(&pc.items), 0);
}

/* ---- condition variable: token ring (lost wake-up stress) ---- */

struct ring {
    struct kk_mutex m;
    struct kk_cond cv[NTHREADS];
    unsigned turn;
    unsigned rounds;
    unsigned timeouts, errors;
};

struct ring_arg {
    struct ring *r;
    unsigned id;
};

static void *ring_worker(void *arg)
{
    struct ring_arg *a = arg;
    struct ring *r = a->r;
    for (unsigned i = 0; i < r->rounds; i++) {
        if (kk_mutex_lock(&r->m)) {
            r->errors++;
            return NULL;
        }
        while (r->turn != a->id) {
            int rc = kk_cond_wait_timeout(&r->cv[a->id], &r->m, host_deadline_ms(LONG_MS));
            if (rc == KK_ETIMEDOUT) {
                r->timeouts++; /* a lost wake-up */
                break;
            }
        }
        r->turn = (a->id + 1) % NTHREADS;
        /* Exactly one thread waits for this signal: losing it stalls the ring. */
        kk_cond_signal(&r->cv[r->turn]);
        kk_mutex_unlock(&r->m);
    }
    return NULL;
}

static void cond_token_ring_loses_no_wakeup(void **state)
{
    static struct ring r;
    struct ring_arg args[NTHREADS];
    (void)state;

    memset(&r, 0, sizeof(r));
    r.rounds = host_iters(2000);
    assert_int_equal(kk_mutex_init(&r.m, &hp.plat, 0), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        assert_int_equal(kk_cond_init(&r.cv[i], &hp.plat), 0);
        args[i] = (struct ring_arg){&r, i};
    }
    host_run_threads(NTHREADS, ring_worker, args, sizeof(args[0]));
    assert_int_equal(r.timeouts, 0);
    assert_int_equal(r.errors, 0);
    assert_int_equal(r.turn, 0);
    for (unsigned i = 0; i < NTHREADS; i++)
        assert_int_equal(kk_cond_destroy(&r.cv[i]), 0);
}

/* Bounded counter with one condvar and broadcast: producers and consumers. */
struct bounded {
    struct kk_mutex m;
    struct kk_cond changed;
    unsigned level, cap, per_thread;
    uint64_t in, out;
    unsigned errors;
};

static void *bounded_worker(void *arg)
{
    struct bounded **bp = arg;
    struct bounded *b = bp[0];
    bool producer = bp[1] != NULL;

    for (unsigned i = 0; i < b->per_thread; i++) {
        kk_mutex_lock(&b->m);
        while (producer ? b->level == b->cap : b->level == 0) {
            if (kk_cond_wait_timeout(&b->changed, &b->m, host_deadline_ms(LONG_MS))) {
                b->errors++;
                break;
            }
        }
        if (producer) {
            b->level++;
            b->in++;
        } else {
            b->level--;
            b->out++;
        }
        if (b->level > b->cap)
            b->errors++;
        kk_cond_broadcast(&b->changed);
        kk_mutex_unlock(&b->m);
    }
    return NULL;
}

static void cond_broadcast_bounded_buffer(void **state)
{
    static struct bounded b;
    struct bounded *args[NTHREADS][2];
    (void)state;

    memset(&b, 0, sizeof(b));
    b.cap = 2;
    b.per_thread = host_iters(5000);
    assert_int_equal(kk_mutex_init(&b.m, &hp.plat, 0), 0);
    assert_int_equal(kk_cond_init(&b.changed, &hp.plat), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        args[i][0] = &b;
        args[i][1] = (i & 1) ? &b : NULL;
    }
    host_run_threads(NTHREADS, bounded_worker, args, sizeof(args[0]));
    assert_int_equal(b.errors, 0);
    assert_int_equal(b.level, 0);
    assert_int_equal(b.in, b.out);
    assert_int_equal(b.in, (uint64_t)b.per_thread * NTHREADS / 2);
}

/* ---- wait queue with a condition ---- */

struct flag {
    struct kk_waitq wq;
    unsigned value;
};

static bool flag_set(void *arg)
{
    return __atomic_load_n(&((struct flag *)arg)->value, __ATOMIC_ACQUIRE) != 0;
}

static void *flag_waiter(void *arg)
{
    struct flag *f = arg;
    return (void *)(intptr_t)kk_waitq_wait(&f->wq, flag_set, f, host_deadline_ms(LONG_MS));
}

static void waitq_wait_event(void **state)
{
    struct flag f = {.value = 0};
    pthread_t t[3];
    void *ret;
    (void)state;

    assert_int_equal(kk_waitq_init(&f.wq, &hp.plat), 0);
    assert_int_equal(kk_waitq_wait(&f.wq, flag_set, &f, 0), KK_ETIMEDOUT);
    assert_int_equal(kk_waitq_wait(&f.wq, flag_set, &f, host_deadline_ms(10)), KK_ETIMEDOUT);
    assert_int_equal(kk_waitq_wake_all(&f.wq), 0);
    unsigned b = blocks();
    for (unsigned i = 0; i < 3; i++)
        t[i] = spawn(flag_waiter, &f);
    wait_blocks(b, 3);
    assert_int_equal(kk_waitq_destroy(&f.wq), KK_EBUSY);
    /* A wake without the condition puts the waiter back to sleep. */
    b = blocks();
    assert_int_equal(kk_waitq_wake_one(&f.wq), 1);
    wait_blocks(b, 1);
    __atomic_store_n(&f.value, 1, __ATOMIC_RELEASE);
    assert_int_equal(kk_waitq_wake_all(&f.wq), 3);
    for (unsigned i = 0; i < 3; i++) {
        pthread_join(t[i], &ret);
        assert_int_equal((int)(intptr_t)ret, 0);
    }
    assert_int_equal(kk_waitq_wait(&f.wq, flag_set, &f, 0), 0); /* true: no sleep */
    assert_int_equal(kk_waitq_destroy(&f.wq), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_needs_sleep_callbacks),
        cmocka_unit_test(mutex_misuse),
        cmocka_unit_test(semaphore_bad_input_and_timeouts),
        cmocka_unit_test(mutex_timeout_clears_waiters),
        cmocka_unit_test(mutex_fifo_hands_off_in_order),
        cmocka_unit_test(validate_mutex),
        cmocka_unit_test(validate_mutex_fifo),
        cmocka_unit_test(validate_mutex_adaptive),
        cmocka_unit_test(mutex_adaptive_spins_then_sleeps),
        cmocka_unit_test(validate_semaphore_as_lock),
        cmocka_unit_test(semaphore_counts_units),
        cmocka_unit_test(cond_token_ring_loses_no_wakeup),
        cmocka_unit_test(cond_broadcast_bounded_buffer),
        cmocka_unit_test(waitq_wait_event),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
