/*
 * waitq.c: wait queues, the base of every sleeping primitive.
 *
 * A queue owns a FIFO list of struct kk_waiter (each on its sleeper's stack)
 * and an internal irqsave spinlock. The no-lost-wake-up argument: a sleeper
 * enqueues itself and checks its condition under the queue lock, and the
 * platform's block() marks it asleep before releasing that lock; a waker
 * dequeues the waiter, sets w->woken and calls wake() under the same lock.
 * wake() is called with the lock still held, so the sleeper cannot return
 * (and its stack, holding the waiter, cannot vanish) before wake() is done.
 */
#include "internal.h"

struct unlock_arg {
    struct kk_waitq *wq;
    unsigned long flags;
};

int kk_sync__wq_init(struct kk_waitq *wq, const struct kk_sync_platform *plat)
{
    int rc;
    if (!wq)
        return KK_EINVAL;
    rc = kk_sync__plat_sleepers(plat);
    if (rc)
        return rc;
    wq->lock = 0;
    wq->plat = plat;
    kk_list_init(&wq->waiters);
    wq->magic = WQ_MAGIC;
    return 0;
}

unsigned long kk_sync__wq_lock(struct kk_waitq *wq)
{
    const struct kk_sync_platform *p = wq->plat;
    unsigned long f = guard_on(p, G_IRQ);
    if (SYNC_UP) { /* the guard is the lock */
        UP_BARRIER();
        return f;
    }
    while (XCHG(&wq->lock, 1, __ATOMIC_ACQUIRE)) {
        while (LD_RLX(&wq->lock))
            relax(p);
    }
    return f;
}

void kk_sync__wq_unlock(struct kk_waitq *wq, unsigned long flags)
{
    if (SYNC_UP)
        UP_BARRIER();
    else
        ST_REL(&wq->lock, 0);
    guard_off(wq->plat, G_IRQ, flags);
}

static void unlock_cb(void *arg)
{
    struct unlock_arg *u = arg;
    kk_sync__wq_unlock(u->wq, u->flags);
}

void kk_sync__wq_enqueue(struct kk_waitq *wq, struct kk_waiter *w, void *thread)
{
    w->thread = thread;
    w->status = 0;
    w->woken = 0;
    kk_list_add_tail(&wq->waiters, &w->link);
}

struct kk_waiter *kk_sync__wq_first(const struct kk_waitq *wq)
{
    struct kk_list *n = kk_list_first(&wq->waiters);
    return n ? kk_list_entry(n, struct kk_waiter, link) : NULL;
}

void kk_sync__wq_wake(struct kk_waitq *wq, struct kk_waiter *w, int status)
{
    void *thread = w->thread;
    kk_list_del(&w->link);
    w->status = status;
    w->woken = 1;
    wq->plat->wake(wq->plat->ctx, thread);
}

int kk_sync__wq_sleep(struct kk_waitq *wq, struct kk_waiter *w, unsigned long *flags,
                      uint64_t deadline)
{
    const struct kk_sync_platform *p = wq->plat;

    while (!w->woken) {
        struct unlock_arg u = {wq, *flags};
        int rc = p->block(p->ctx, wq, unlock_cb, &u, deadline);
        *flags = kk_sync__wq_lock(wq);
        if (w->woken)
            break;
        if (rc == KK_ETIMEDOUT || wq_expired(p, deadline)) {
            kk_list_del(&w->link);
            return KK_ETIMEDOUT;
        }
    }
    return 0;
}

/* ---- public wait queue ---- */

int kk_waitq_init(struct kk_waitq *wq, const struct kk_sync_platform *plat)
{
    return kk_sync__wq_init(wq, plat);
}

int kk_waitq_destroy(struct kk_waitq *wq)
{
    unsigned long f;
    int rc = 0;

    if (!wq_ok(wq))
        return KK_EINVAL;
    f = kk_sync__wq_lock(wq);
    if (!kk_list_empty(&wq->waiters))
        rc = KK_EBUSY;
    else
        wq->magic = 0;
    kk_sync__wq_unlock(wq, f);
    if (rc)
        dbg_report(wq->plat, KK_SYNC_R_BUSY, rc, wq, NULL, SITE());
    return rc;
}

int kk_waitq_wait(struct kk_waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline)
{
    struct kk_waiter w;
    unsigned long f;
    int rc = 0;

    if (!wq_ok(wq) || !cond)
        return KK_EINVAL;
    if (wq_deadline_ok(wq->plat, deadline))
        return KK_ENOTSUP;
    f = kk_sync__wq_lock(wq);
    while (!cond(arg)) {
        if (wq_expired(wq->plat, deadline)) {
            rc = KK_ETIMEDOUT;
            break;
        }
        kk_sync__wq_enqueue(wq, &w, wq->plat->current(wq->plat->ctx));
        rc = kk_sync__wq_sleep(wq, &w, &f, deadline);
        if (rc) {
            rc = cond(arg) ? 0 : rc; /* the condition wins a tie with the deadline */
            break;
        }
    }
    kk_sync__wq_unlock(wq, f);
    return rc;
}

static int wake_n(struct kk_waitq *wq, int max)
{
    struct kk_waiter *w;
    unsigned long f;
    int n = 0;

    if (!wq_ok(wq))
        return KK_EINVAL;
    f = kk_sync__wq_lock(wq);
    while (n < max && (w = kk_sync__wq_first(wq)) != NULL) {
        kk_sync__wq_wake(wq, w, 0);
        n++;
    }
    kk_sync__wq_unlock(wq, f);
    return n;
}

int kk_waitq_wake_one(struct kk_waitq *wq)
{
    return wake_n(wq, 1);
}

int kk_waitq_wake_all(struct kk_waitq *wq)
{
    return wake_n(wq, 0x7fffffff);
}
