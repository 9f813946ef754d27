/*
 * Tests for the Hoare monitor, the bounded channel, completion and once:
 * dining philosophers with the monitor and with semaphores (exclusion and
 * progress), Hoare hand-off order, channel producers/consumers racing a
 * close (no loss, no duplication, FIFO per producer) and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sched.h>

#include <cmocka.h>

#include "test_common.h"

#define LONG_MS 20000

/* ---- monitor misuse ---- */

static void *other_leaves(void *arg)
{
    return (void *)(intptr_t)kk_monitor_leave(arg);
}

static void monitor_misuse(void **state)
{
    struct kk_monitor mon;
    struct kk_monitor_cond cv;
    void *ret;
    (void)state;

    assert_int_equal(kk_monitor_init(NULL, &hp.plat), KK_EINVAL);
    assert_int_equal(kk_monitor_enter(NULL), KK_EINVAL);
    assert_int_equal(kk_monitor_init(&mon, &hp.plat), 0);
    assert_int_equal(kk_monitor_cond_init(&cv, &mon), 0);
    assert_int_equal(kk_monitor_leave(&mon), KK_EPERM);
    assert_int_equal(kk_monitor_wait(&cv), KK_EPERM);
    assert_int_equal(kk_monitor_signal(&cv), KK_EPERM);
    assert_int_equal(kk_monitor_enter(&mon), 0);
    assert_int_equal(kk_monitor_enter(&mon), KK_EDEADLK);
    assert_int_equal(kk_monitor_signal(&cv), 0); /* nobody waits */
    assert_int_equal(kk_monitor_destroy(&mon), KK_EBUSY);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_leaves, &mon), 0);
    pthread_join(t, &ret);
    assert_int_equal((int)(intptr_t)ret, KK_EPERM);
    assert_int_equal(kk_monitor_leave(&mon), 0);
    assert_int_equal(kk_monitor_leave(&mon), KK_EPERM);
    assert_int_equal(kk_monitor_cond_destroy(&cv), 0);
    assert_int_equal(kk_monitor_destroy(&mon), 0);
    assert_int_equal(kk_monitor_enter(&mon), KK_EINVAL);
}

/* ---- Hoare hand-off: the waiter runs before signal() returns ---- */

struct hoare {
    struct kk_monitor mon;
    struct kk_monitor_cond cv;
    int x;    /* set by the signaller before signal(), by the waiter after */
    int seen; /* what the waiter saw on waking */
    int rc;
};

static void *hoare_waiter(void *arg)
{
    struct hoare *h = arg;
    kk_monitor_enter(&h->mon);
    h->rc = kk_monitor_wait(&h->cv);
    h->seen = h->x; /* Hoare: exactly the signaller's state */
    h->x = 2;
    kk_monitor_leave(&h->mon);
    return NULL;
}

static void monitor_is_hoare(void **state)
{
    static struct hoare h;
    (void)state;

    memset(&h, 0, sizeof(h));
    assert_int_equal(kk_monitor_init(&h.mon, &hp.plat), 0);
    assert_int_equal(kk_monitor_cond_init(&h.cv, &h.mon), 0);
    unsigned b = blocks();
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hoare_waiter, &h), 0);
    wait_blocks(b, 1); /* the waiter sleeps in wait() */
    assert_int_equal(kk_monitor_enter(&h.mon), 0);
    h.x = 1;
    assert_int_equal(kk_monitor_signal(&h.cv), 1);
    /* Back inside only after the waiter ran and left. */
    assert_int_equal(h.x, 2);
    assert_int_equal(h.seen, 1);
    assert_int_equal(kk_monitor_leave(&h.mon), 0);
    pthread_join(t, NULL);
    assert_int_equal(h.rc, 0);
    assert_int_equal(kk_monitor_destroy(&h.mon), 0);
}

/* ---- Hoare broadcast: every present waiter runs in turn, FIFO ---- */

#define NBC 3

struct bcast {
    struct kk_monitor mon;
    struct kk_monitor_cond cv;
    int x;         /* bumped by each woken waiter */
    int seen[NBC]; /* x as waiter i found it on waking */
    int rc[NBC];
    int rewait; /* waiter 0 waits once more on its first wake-up */
};

struct bc_arg {
    struct bcast *b;
    unsigned id;
};

static void *bcast_waiter(void *arg)
{
    struct bc_arg *a = arg;
    struct bcast *b = a->b;
    kk_monitor_enter(&b->mon);
    b->rc[a->id] = kk_monitor_wait(&b->cv);
    b->seen[a->id] = b->x++;
    if (a->id == 0 && b->rewait)
        b->rc[a->id] |= kk_monitor_wait(&b->cv); /* not woken again by the same broadcast */
    kk_monitor_leave(&b->mon);
    return NULL;
}

static void monitor_broadcast_is_hoare(void **state)
{
    static struct bcast b;
    struct bc_arg args[NBC];
    pthread_t t[NBC];
    (void)state;

    memset(&b, 0, sizeof(b));
    b.rewait = 1;
    assert_int_equal(kk_monitor_init(&b.mon, &hp.plat), 0);
    assert_int_equal(kk_monitor_cond_init(&b.cv, &b.mon), 0);
    assert_int_equal(kk_monitor_broadcast(&b.cv), KK_EPERM); /* from outside */
    for (unsigned i = 0; i < NBC; i++) { /* one at a time: a known queue order */
        unsigned base = blocks();
        args[i] = (struct bc_arg){&b, i};
        assert_int_equal(pthread_create(&t[i], NULL, bcast_waiter, &args[i]), 0);
        wait_blocks(base, 1);
    }
    assert_int_equal(kk_monitor_enter(&b.mon), 0);
    b.x = 10;
    assert_int_equal(kk_monitor_broadcast(&b.cv), NBC);
    /* Each waiter ran inside, one after another, before broadcast returned. */
    assert_int_equal(b.x, 10 + NBC);
    for (unsigned i = 0; i < NBC; i++)
        assert_int_equal(b.seen[i], 10 + (int)i);
    /* Waiter 0 waits again: a new broadcast (or signal) is needed for it. */
    assert_int_equal(b.cv.count, 1);
    assert_int_equal(kk_monitor_broadcast(&b.cv), 1);
    assert_int_equal(b.cv.count, 0);
    assert_int_equal(kk_monitor_broadcast(&b.cv), 0); /* nobody waits */
    assert_int_equal(kk_monitor_leave(&b.mon), 0);
    for (unsigned i = 0; i < NBC; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(b.rc[i], 0);
    }
    assert_int_equal(kk_monitor_cond_destroy(&b.cv), 0);
    assert_int_equal(kk_monitor_destroy(&b.mon), 0);
}

/* ---- wait_timeout ---- */

struct mto {
    struct kk_monitor mon;
    struct kk_monitor_cond cv;
    int left; /* set by the main thread just before it leaves */
    int seen_left;
    int rc;
};

static void *timeout_waiter(void *arg)
{
    struct mto *m = arg;
    kk_monitor_enter(&m->mon);
    m->rc = kk_monitor_wait_timeout(&m->cv, host_deadline_ms(30));
    m->seen_left = m->left; /* back inside only after main left */
    kk_monitor_leave(&m->mon);
    return NULL;
}

static void monitor_wait_timeout(void **state)
{
    static struct mto m;
    pthread_t t;
    (void)state;

    memset(&m, 0, sizeof(m));
    assert_int_equal(kk_monitor_init(&m.mon, &hp.plat), 0);
    assert_int_equal(kk_monitor_cond_init(&m.cv, &m.mon), 0);
    assert_int_equal(kk_monitor_wait_timeout(&m.cv, 0), KK_EPERM); /* from outside */
    assert_int_equal(kk_monitor_enter(&m.mon), 0);
    /* A past deadline returns at once, still inside. */
    assert_int_equal(kk_monitor_wait_timeout(&m.cv, 0), KK_ETIMEDOUT);
    assert_int_equal(kk_monitor_wait_timeout(&m.cv, host_now_ns() - 1), KK_ETIMEDOUT);
    /* Nobody signals: times out and comes back inside. */
    assert_int_equal(kk_monitor_wait_timeout(&m.cv, host_deadline_ms(20)), KK_ETIMEDOUT);
    assert_int_equal(m.cv.count, 0);
    assert_int_equal(kk_monitor_signal(&m.cv), 0);
    assert_int_equal(kk_monitor_leave(&m.mon), 0);

    /* A waiter times out while the monitor is occupied: it re-enters only
     * when the occupant leaves, and a signal meanwhile finds nobody. */
    unsigned base = blocks();
    assert_int_equal(pthread_create(&t, NULL, timeout_waiter, &m), 0);
    wait_blocks(base, 1); /* asleep on the condition */
    assert_int_equal(kk_monitor_enter(&m.mon), 0);
    wait_blocks(base, 2); /* timed out, now waiting to re-enter */
    assert_int_equal(kk_monitor_signal(&m.cv), 0);
    assert_int_equal(kk_monitor_broadcast(&m.cv), 0);
    m.left = 1;
    assert_int_equal(kk_monitor_leave(&m.mon), 0);
    pthread_join(t, NULL);
    assert_int_equal(m.rc, KK_ETIMEDOUT);
    assert_int_equal(m.seen_left, 1);
    assert_int_equal(m.cv.count, 0);
    assert_int_equal(kk_monitor_cond_destroy(&m.cv), 0);
    assert_int_equal(kk_monitor_destroy(&m.mon), 0);

    /* Finite deadline without now(): not supported. */
    struct kk_sync_platform nonow = hp.plat;
    nonow.now = NULL;
    assert_int_equal(kk_monitor_init(&m.mon, &nonow), 0);
    assert_int_equal(kk_monitor_cond_init(&m.cv, &m.mon), 0);
    assert_int_equal(kk_monitor_enter(&m.mon), 0);
    assert_int_equal(kk_monitor_wait_timeout(&m.cv, 12345), KK_ENOTSUP);
    assert_int_equal(kk_monitor_leave(&m.mon), 0);
}

/* ---- dining philosophers ---- */

#define NPHIL 5
enum { THINKING, HUNGRY, EATING };

struct table {
    /* monitor version */
    struct kk_monitor mon;
    struct kk_monitor_cond self[NPHIL];
    int st[NPHIL];
    /* semaphore version */
    struct kk_sem fork[NPHIL];
    struct kk_sem room;
    bool use_sem;
    /* checks */
    unsigned eating[NPHIL]; /* atomic: 1 while eating */
    unsigned fork_used[NPHIL];
    unsigned meals[NPHIL];
    unsigned rounds;
    unsigned errors;
};

struct phil {
    struct table *t;
    unsigned id;
};

#define LEFT(i)  (((i) + NPHIL - 1) % NPHIL)
#define RIGHT(i) (((i) + 1) % NPHIL)

static void try_eat(struct table *t, unsigned i)
{
    if (t->st[i] == HUNGRY && t->st[LEFT(i)] != EATING && t->st[RIGHT(i)] != EATING) {
        t->st[i] = EATING;
        kk_monitor_signal(&t->self[i]);
    }
}

static void mon_pickup(struct table *t, unsigned i)
{
    kk_monitor_enter(&t->mon);
    t->st[i] = HUNGRY;
    try_eat(t, i);
    if (t->st[i] != EATING) {
        kk_monitor_wait(&t->self[i]);
        /* Hoare: an "if" suffices, the signaller made us EATING. */
        if (t->st[i] != EATING)
            __atomic_fetch_add(&t->errors, 1, __ATOMIC_RELAXED);
    }
    kk_monitor_leave(&t->mon);
}

static void mon_putdown(struct table *t, unsigned i)
{
    kk_monitor_enter(&t->mon);
    t->st[i] = THINKING;
    try_eat(t, LEFT(i));
    try_eat(t, RIGHT(i));
    kk_monitor_leave(&t->mon);
}

static void take_fork(struct table *t, unsigned f)
{
    if (kk_sem_down_timeout(&t->fork[f], host_deadline_ms(LONG_MS)) ||
        __atomic_exchange_n(&t->fork_used[f], 1, __ATOMIC_ACQ_REL) != 0)
        __atomic_fetch_add(&t->errors, 1, __ATOMIC_RELAXED);
}

static void drop_fork(struct table *t, unsigned f)
{
    __atomic_store_n(&t->fork_used[f], 0, __ATOMIC_RELEASE);
    kk_sem_up(&t->fork[f]);
}

static void *philosopher(void *arg)
{
    struct phil *p = arg;
    struct table *t = p->t;
    unsigned i = p->id;

    for (unsigned r = 0; r < t->rounds; r++) {
        if (t->use_sem) {
            kk_sem_down(&t->room); /* at most NPHIL-1 at the table: no deadlock */
            take_fork(t, i);
            take_fork(t, RIGHT(i));
        } else {
            mon_pickup(t, i);
        }
        __atomic_store_n(&t->eating[i], 1, __ATOMIC_RELEASE);
        if (__atomic_load_n(&t->eating[LEFT(i)], __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&t->eating[RIGHT(i)], __ATOMIC_ACQUIRE))
            __atomic_fetch_add(&t->errors, 1, __ATOMIC_RELAXED); /* neighbour eats too */
        t->meals[i]++;
        if (r % 8 == 0)
            sched_yield();
        __atomic_store_n(&t->eating[i], 0, __ATOMIC_RELEASE);
        if (t->use_sem) {
            drop_fork(t, RIGHT(i));
            drop_fork(t, i);
            kk_sem_up(&t->room);
        } else {
            mon_putdown(t, i);
        }
    }
    return NULL;
}

static void run_philosophers(bool use_sem)
{
    static struct table t;
    struct phil p[NPHIL];

    memset(&t, 0, sizeof(t));
    t.use_sem = use_sem;
    t.rounds = host_iters(1000);
    assert_int_equal(kk_monitor_init(&t.mon, &hp.plat), 0);
    assert_int_equal(kk_sem_init(&t.room, &hp.plat, NPHIL - 1), 0);
    for (unsigned i = 0; i < NPHIL; i++) {
        assert_int_equal(kk_monitor_cond_init(&t.self[i], &t.mon), 0);
        assert_int_equal(kk_sem_init(&t.fork[i], &hp.plat, 1), 0);
        p[i] = (struct phil){&t, i};
    }
    host_run_threads(NPHIL, philosopher, p, sizeof(p[0]));
    /* Progress: everyone finished every meal; exclusion: no error seen. */
    assert_int_equal(t.errors, 0);
    for (unsigned i = 0; i < NPHIL; i++) {
        assert_int_equal(t.meals[i], t.rounds);
        assert_int_equal(t.st[i], THINKING);
        assert_int_equal(kk_sem_value(&t.fork[i]), 1);
        assert_int_equal(kk_monitor_cond_destroy(&t.self[i]), 0);
    }
    assert_int_equal(kk_sem_value(&t.room), NPHIL - 1);
    assert_int_equal(kk_monitor_destroy(&t.mon), 0);
}

static void philosophers_monitor(void **state)
{
    (void)state;
    run_philosophers(false);
}

static void philosophers_semaphores(void **state)
{
    (void)state;
    run_philosophers(true);
}

/* ---- channel ---- */

static void channel_bad_input_and_close(void **state)
{
    struct kk_chan ch;
    uint32_t buf[3], v = 0;
    (void)state;

    assert_int_equal(kk_chan_init(&ch, &hp.plat, NULL, 4, 3), KK_EINVAL);
    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, 0, 3), KK_EINVAL);
    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, 4, 0), KK_EINVAL);
    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, SIZE_MAX / 2, 3), KK_EINVAL);
    /* a count above INT32_MAX would read as an error from kk_chan_len() */
    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, 1, (uint32_t)INT32_MAX + 1), KK_EINVAL);
    assert_int_equal(kk_chan_send(NULL, &v), KK_EINVAL);
    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, sizeof(buf[0]), 3), 0);
    assert_int_equal(kk_chan_send(&ch, NULL), KK_EINVAL);
    assert_int_equal(kk_chan_try_recv(&ch, &v), KK_EAGAIN);
    assert_int_equal(kk_chan_recv_timeout(&ch, &v, 0), KK_ETIMEDOUT);
    uint64_t dl = host_deadline_ms(20);
    assert_int_equal(kk_chan_recv_timeout(&ch, &v, dl), KK_ETIMEDOUT);
    assert_true(host_now_ns() >= dl);
    for (v = 1; v <= 3; v++)
        assert_int_equal(kk_chan_try_send(&ch, &v), 0);
    assert_int_equal(kk_chan_try_send(&ch, &v), KK_EAGAIN);
    assert_int_equal(kk_chan_send_timeout(&ch, &v, 0), KK_ETIMEDOUT);
    assert_int_equal(kk_chan_len(&ch), 3);
    assert_int_equal(kk_chan_recv(&ch, &v), 0);
    assert_int_equal(v, 1);
    v = 4;
    assert_int_equal(kk_chan_send(&ch, &v), 0); /* wraps around */
    assert_int_equal(kk_chan_close(&ch), 0);
    assert_int_equal(kk_chan_close(&ch), KK_EALREADY);
    assert_int_equal(kk_chan_send(&ch, &v), KK_EPIPE);
    assert_int_equal(kk_chan_try_send(&ch, &v), KK_EPIPE);
    for (uint32_t want = 2; want <= 4; want++) { /* drains in order */
        assert_int_equal(kk_chan_recv(&ch, &v), 0);
        assert_int_equal(v, want);
    }
    assert_int_equal(kk_chan_recv(&ch, &v), KK_EPIPE);
    assert_int_equal(kk_chan_try_recv(&ch, &v), KK_EPIPE);
    assert_int_equal(kk_chan_destroy(&ch), 0);
    assert_int_equal(kk_chan_recv(&ch, &v), KK_EINVAL);
}

static void *blocked_sender(void *arg)
{
    uint32_t v = 99;
    return (void *)(intptr_t)kk_chan_send(arg, &v);
}

static void channel_close_wakes_blocked(void **state)
{
    struct kk_chan ch;
    uint32_t buf[1], v = 7;
    void *ret;
    (void)state;

    assert_int_equal(kk_chan_init(&ch, &hp.plat, buf, sizeof(buf[0]), 1), 0);
    assert_int_equal(kk_chan_send(&ch, &v), 0);
    unsigned b = blocks();
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_sender, &ch), 0);
    wait_blocks(b, 1);
    assert_int_equal(kk_chan_destroy(&ch), KK_EBUSY);
    assert_int_equal(kk_chan_close(&ch), 0);
    pthread_join(t, &ret);
    assert_int_equal((int)(intptr_t)ret, KK_EPIPE); /* not queued */
    assert_int_equal(kk_chan_recv(&ch, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(kk_chan_recv(&ch, &v), KK_EPIPE);
    assert_int_equal(kk_chan_destroy(&ch), 0);
}

#define NPROD 2
#define NCONS 2

struct pcchan {
    struct kk_chan ch;
    uint32_t buf[8];
    unsigned per_producer, close_after;
    unsigned sent[NPROD]; /* successful sends per producer */
    unsigned char *seen;  /* [NPROD][per_producer] receive counts */
    unsigned received;    /* atomic */
    unsigned errors;      /* atomic */
};

struct pcarg {
    struct pcchan *pc;
    unsigned id;
};

static void *chan_producer(void *arg)
{
    struct pcarg *a = arg;
    struct pcchan *pc = a->pc;
    for (unsigned k = 0; k < pc->per_producer; k++) {
        uint32_t v = (a->id << 24) | k;
        int rc = (k & 1) ? kk_chan_send(&pc->ch, &v)
                         : kk_chan_send_timeout(&pc->ch, &v, host_deadline_ms(LONG_MS));
        if (rc == KK_EPIPE)
            break;
        if (rc) {
            __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
            break;
        }
        pc->sent[a->id] = k + 1;
    }
    return NULL;
}

static void *chan_consumer(void *arg)
{
    struct pcarg *a = arg;
    struct pcchan *pc = a->pc;
    int last[NPROD];
    uint32_t v;
    int rc;

    for (unsigned p = 0; p < NPROD; p++)
        last[p] = -1;
    while ((rc = kk_chan_recv(&pc->ch, &v)) == 0) {
        unsigned p = v >> 24, k = v & 0xffffff;
        if (p >= NPROD || k >= pc->per_producer || (int)k <= last[p]) {
            __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
            continue;
        }
        last[p] = (int)k; /* FIFO per producer */
        __atomic_fetch_add(&pc->seen[p * pc->per_producer + k], 1, __ATOMIC_RELAXED);
        if (__atomic_add_fetch(&pc->received, 1, __ATOMIC_RELAXED) == pc->close_after)
            kk_chan_close(&pc->ch); /* close while producers are still sending */
    }
    if (rc != KK_EPIPE)
        __atomic_fetch_add(&pc->errors, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void *chan_pc_thread(void *arg)
{
    struct pcarg *a = arg;
    if (a->id < NPROD)
        return chan_producer(a);
    struct pcarg c = {a->pc, a->id - NPROD};
    return chan_consumer(&c);
}

static void channel_no_loss_across_close(void **state)
{
    static struct pcchan pc;
    struct pcarg args[NPROD + NCONS];
    (void)state;

    memset(&pc, 0, sizeof(pc));
    pc.per_producer = host_iters(5000);
    pc.close_after = pc.per_producer; /* about half of what producers try */
    pc.seen = calloc((size_t)NPROD * pc.per_producer, 1);
    assert_non_null(pc.seen);
    assert_int_equal(kk_chan_init(&pc.ch, &hp.plat, pc.buf, sizeof(pc.buf[0]), 8), 0);
    for (unsigned i = 0; i < NPROD + NCONS; i++)
        args[i] = (struct pcarg){&pc, i};
    host_run_threads(NPROD + NCONS, chan_pc_thread, args, sizeof(args[0]));
    assert_int_equal(pc.errors, 0);
    unsigned total = 0;
    for (unsigned p = 0; p < NPROD; p++) {
        for (unsigned k = 0; k < pc.per_producer; k++) {
            /* Sent (send returned 0) => received exactly once; else never. */
            assert_int_equal(pc.seen[p * pc.per_producer + k], k < pc.sent[p] ? 1 : 0);
        }
        total += pc.sent[p];
    }
    assert_int_equal(pc.received, total);
    assert_true(total >= pc.close_after);
    assert_int_equal(kk_chan_len(&pc.ch), 0);
    assert_int_equal(kk_chan_destroy(&pc.ch), 0);
    free(pc.seen);
}

/* ---- completion and once ---- */

static void *completion_waiter(void *arg)
{
    return (void *)(intptr_t)kk_completion_wait(arg, host_deadline_ms(LONG_MS));
}

static void completion_one_and_all(void **state)
{
    struct kk_completion c;
    pthread_t t[3];
    void *ret;
    (void)state;

    assert_int_equal(kk_completion_init(&c, &hp.plat), 0);
    assert_int_equal(kk_completion_wait(&c, 0), KK_ETIMEDOUT);
    assert_int_equal(kk_completion_complete(&c), 0); /* banked */
    assert_int_equal(kk_completion_wait(&c, 0), 0);
    assert_int_equal(kk_completion_wait(&c, 0), KK_ETIMEDOUT);

    for (unsigned i = 0; i < 3; i++) { /* enqueued one after the other */
        unsigned b = blocks();
        assert_int_equal(pthread_create(&t[i], NULL, completion_waiter, &c), 0);
        wait_blocks(b, 1);
    }
    assert_int_equal(kk_completion_reinit(&c), KK_EBUSY);
    assert_int_equal(kk_completion_complete(&c), 0); /* releases exactly one */
    pthread_join(t[0], &ret);                        /* the oldest */
    assert_int_equal((int)(intptr_t)ret, 0);
    assert_int_equal(c.done, 0);
    assert_int_equal(kk_completion_complete_all(&c), 0);
    for (unsigned i = 1; i < 3; i++) {
        pthread_join(t[i], &ret);
        assert_int_equal((int)(intptr_t)ret, 0);
    }
    assert_int_equal(kk_completion_wait(&c, 0), 0); /* sticky */
    assert_int_equal(kk_completion_wait(&c, 0), 0);
    assert_int_equal(kk_completion_reinit(&c), 0);
    assert_int_equal(kk_completion_wait(&c, 0), KK_ETIMEDOUT);
}

struct once_ctx {
    struct kk_once once;
    unsigned calls, fail_first;
    int recursive_rc;
};

static int init_fn(void *arg)
{
    struct once_ctx *o = arg;
    unsigned n = __atomic_add_fetch(&o->calls, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 50; i++)
        sched_yield(); /* let the others pile up */
    return (n <= o->fail_first) ? KK_EIO : 0;
}

static void *once_caller(void *arg)
{
    struct once_ctx *o = arg;
    int rc = kk_once_call(&o->once, init_fn, o);
    return (void *)(intptr_t)rc;
}

static int recursive_fn(void *arg)
{
    struct once_ctx *o = arg;
    o->recursive_rc = kk_once_call(&o->once, init_fn, o);
    return 0;
}

static void once_runs_exactly_once(void **state)
{
    static struct once_ctx o;
    pthread_t t[NTHREADS];
    unsigned ok = 0, failed = 0;
    void *ret;
    (void)state;

    memset(&o, 0, sizeof(o));
    o.fail_first = 1; /* the first attempt fails: someone must retry */
    assert_int_equal(kk_once_init(&o.once, &hp.plat), 0);
    assert_int_equal(kk_once_call(&o.once, NULL, NULL), KK_EINVAL);
    for (unsigned i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, once_caller, &o), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], &ret);
        if ((int)(intptr_t)ret == 0)
            ok++;
        else if ((int)(intptr_t)ret == KK_EIO)
            failed++;
    }
    assert_int_equal(failed, 1);
    assert_int_equal(ok, NTHREADS - 1);
    assert_int_equal(o.calls, 2);
    assert_int_equal(kk_once_call(&o.once, init_fn, &o), 0);
    assert_int_equal(o.calls, 2);

    assert_int_equal(kk_once_init(&o.once, &hp.plat), 0);
    assert_int_equal(kk_once_call(&o.once, recursive_fn, &o), 0);
    assert_int_equal(o.recursive_rc, KK_EDEADLK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monitor_misuse),
        cmocka_unit_test(monitor_is_hoare),
        cmocka_unit_test(monitor_broadcast_is_hoare),
        cmocka_unit_test(monitor_wait_timeout),
        cmocka_unit_test(philosophers_monitor),
        cmocka_unit_test(philosophers_semaphores),
        cmocka_unit_test(channel_bad_input_and_close),
        cmocka_unit_test(channel_close_wakes_blocked),
        cmocka_unit_test(channel_no_loss_across_close),
        cmocka_unit_test(completion_one_and_all),
        cmocka_unit_test(once_runs_exactly_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
