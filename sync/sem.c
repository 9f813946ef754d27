/*
 * sem.c: counting semaphore and Mesa condition variable.
 *
 * Semaphore: the count and the queue change together under the queue lock.
 * up() with sleepers hands its unit to the oldest one (status GRANTED)
 * instead of raising the count, so a sleeper woken by up() always returns
 * with its unit and a timed-out sleeper never consumed one.
 *
 * Condition variable: wait() enqueues itself under the condvar's queue lock
 * *before* releasing the mutex, so a signal sent after the release (or any
 * time after the enqueue) finds it: no lost wake-ups. The mutex is re-taken
 * before wait() returns, whatever the outcome.
 */
#include "internal.h"

#define GRANTED 1

int kk_sem_init(struct kk_sem *s, const struct kk_sync_platform *plat, uint32_t value)
{
    if (!s || value > KK_SEM_MAX)
        return KK_EINVAL;
    s->count = (int32_t)value;
    return kk_sync__wq_init(&s->wq, plat);
}

int kk_sem_destroy(struct kk_sem *s)
{
    return s ? kk_waitq_destroy(&s->wq) : KK_EINVAL;
}

/*
 * Units shared by the semaphore, the completion and the monitor: take one
 * (or pass if *all is set), sleeping until a giver hands one over; give one
 * to the oldest sleeper or bank it. Queue lock taken inside. A sleeper that
 * times out also decrements *pending (if given) in the same critical section.
 */
int kk_sync__units_take(struct kk_waitq *wq, int32_t *count, const uint32_t *all, uint64_t deadline,
                        int busy_rc, int32_t *pending)
{
    struct kk_waiter w;
    unsigned long f;
    int rc = 0;

    if (!wq_ok(wq))
        return KK_EINVAL;
    if (wq_deadline_ok(wq->plat, deadline))
        return KK_ENOTSUP;
    f = kk_sync__wq_lock(wq);
    if (all && LD_ACQ(all)) {
        rc = 0;
    } else if (*count > 0) {
        ST_UP(count, *count - 1);
    } else if (wq_expired(wq->plat, deadline)) {
        rc = busy_rc;
    } else {
        kk_sync__wq_enqueue(wq, &w, wq->plat->current(wq->plat->ctx));
        rc = kk_sync__wq_sleep(wq, &w, &f, deadline);
    }
    if (rc && pending)
        ST_RLX(pending, *pending - 1);
    kk_sync__wq_unlock(wq, f);
    return rc;
}

int kk_sync__units_give(struct kk_waitq *wq, int32_t *count, bool to_all)
{
    struct kk_waiter *w;
    unsigned long f;
    int rc = 0;

    if (!wq_ok(wq))
        return KK_EINVAL;
    f = kk_sync__wq_lock(wq);
    while ((w = kk_sync__wq_first(wq)) != NULL) {
        kk_sync__wq_wake(wq, w, GRANTED);
        if (!to_all)
            goto out;
    }
    if (to_all)
        goto out;
    if (*count == KK_SEM_MAX)
        rc = KK_EOVERFLOW;
    else
        ST_UP(count, *count + 1);
out:
    kk_sync__wq_unlock(wq, f);
    return rc;
}

/*
 * Monitor conditions (monitor.c): *pending counts the waiters a signal may
 * still hand the monitor to. It changes only under the queue lock: a waiter
 * registers before it leaves the monitor; a signal takes one registration
 * and gives a unit (to the sleeper, or banked for a waiter not asleep yet);
 * a timed-out waiter drops its registration as it leaves the queue. So a
 * signal and a timeout never both claim the same waiter.
 */
void kk_sync__sem_pending_add(struct kk_sem *s, int32_t *pending)
{
    unsigned long f = kk_sync__wq_lock(&s->wq);
    ST_RLX(pending, *pending + 1);
    kk_sync__wq_unlock(&s->wq, f);
}

/* 1 if a registered waiter got the unit, 0 if none was registered. */
int kk_sync__sem_pending_give(struct kk_sem *s, int32_t *pending)
{
    unsigned long f = kk_sync__wq_lock(&s->wq);
    struct kk_waiter *w;
    int rc = 0;

    if (*pending > 0) {
        ST_RLX(pending, *pending - 1);
        if ((w = kk_sync__wq_first(&s->wq)) != NULL)
            kk_sync__wq_wake(&s->wq, w, GRANTED);
        else
            ST_UP(&s->count, s->count + 1);
        rc = 1;
    }
    kk_sync__wq_unlock(&s->wq, f);
    return rc;
}

int kk_sync__sem_pending_take(struct kk_sem *s, int32_t *pending, uint64_t deadline)
{
    return kk_sync__units_take(&s->wq, &s->count, NULL, deadline, KK_ETIMEDOUT, pending);
}

int kk_sem_down_timeout(struct kk_sem *s, uint64_t deadline)
{
    return s ? kk_sync__units_take(&s->wq, &s->count, NULL, deadline, KK_ETIMEDOUT, NULL)
             : KK_EINVAL;
}

int kk_sem_down(struct kk_sem *s)
{
    return kk_sem_down_timeout(s, KK_SYNC_FOREVER);
}

int kk_sem_trydown(struct kk_sem *s)
{
    /* Deadline 0 is always past: take a unit or fail without sleeping. */
    return s ? kk_sync__units_take(&s->wq, &s->count, NULL, 0, KK_EAGAIN, NULL) : KK_EINVAL;
}

int kk_sem_up(struct kk_sem *s)
{
    return s ? kk_sync__units_give(&s->wq, &s->count, false) : KK_EINVAL;
}

int kk_sem_value(const struct kk_sem *s)
{
    return s && wq_ok(&s->wq) ? LD_RLX(&s->count) : KK_EINVAL;
}

/* ---- condition variable ---- */

int kk_cond_init(struct kk_cond *c, const struct kk_sync_platform *plat)
{
    return c ? kk_sync__wq_init(&c->wq, plat) : KK_EINVAL;
}

int kk_cond_destroy(struct kk_cond *c)
{
    return c ? kk_waitq_destroy(&c->wq) : KK_EINVAL;
}

static int cond_wait(struct kk_cond *c, struct kk_mutex *m, uint64_t deadline, site_t site)
{
    const struct kk_sync_platform *p;
    struct kk_waiter w;
    unsigned long f;
    void *me;
    int rc;

    if (!c || !wq_ok(&c->wq) || !m || !wq_ok(&m->wq))
        return KK_EINVAL;
    p = c->wq.plat;
    if (wq_deadline_ok(p, deadline))
        return KK_ENOTSUP;
    me = p->current(p->ctx);
    if (kk_mutex_owner(m) != me) {
        dbg_report(p, KK_SYNC_R_COND_NO_MUTEX, KK_EPERM, c, NULL, site);
        return KK_EPERM;
    }
    if (wq_expired(p, deadline))
        return KK_ETIMEDOUT;
    f = kk_sync__wq_lock(&c->wq);
    kk_sync__wq_enqueue(&c->wq, &w, me);
    kk_sync__wq_unlock(&c->wq, f);
    kk_mutex_unlock(m);
    f = kk_sync__wq_lock(&c->wq);
    rc = kk_sync__wq_sleep(&c->wq, &w, &f, deadline);
    kk_sync__wq_unlock(&c->wq, f);
    kk_mutex_lock(m);
    return rc;
}

int kk_cond_wait(struct kk_cond *c, struct kk_mutex *m)
{
    return cond_wait(c, m, KK_SYNC_FOREVER, SITE());
}

int kk_cond_wait_timeout(struct kk_cond *c, struct kk_mutex *m, uint64_t deadline)
{
    return cond_wait(c, m, deadline, SITE());
}

int kk_cond_signal(struct kk_cond *c)
{
    return c ? kk_waitq_wake_one(&c->wq) : KK_EINVAL;
}

int kk_cond_broadcast(struct kk_cond *c)
{
    return c ? kk_waitq_wake_all(&c->wq) : KK_EINVAL;
}
