/*
 * monitor.c: Hoare monitor from semaphores (uCore lab 7's construction).
 *
 *   enter:  down(mutex)
 *   leave:  next_count ? up(next) : up(mutex)
 *   wait:   count++; (next_count ? up(next) : up(mutex)); down(cv.sem)
 *   signal: if count: count--; next_count++; up(cv.sem); down(next); next_count--
 *
 * Our semaphores hand a unit straight to the oldest sleeper, so up(cv.sem)
 * transfers the monitor to the waiter with no window for anyone else: Hoare
 * semantics. Broadcast signals the waiters present at the call one by one.
 * A timed wait that expires re-enters with down(mutex), like an entrant.
 * Because a timed-out waiter drops out from outside the monitor, cv.count
 * ("registered waiters") changes only under cv.sem's queue lock together
 * with the queue itself (sem_pending_*), so a signal either hands over to a
 * waiter or finds none, never a waiter that already gave up. next_count is
 * only touched inside the monitor; owner is read by others (misuse checks),
 * so it is atomic.
 */
#include "internal.h"

static bool mon_ok(const struct kk_monitor *mon)
{
    return mon && wq_ok(&mon->mutex.wq) && wq_ok(&mon->next.wq);
}

static void *me(const struct kk_monitor *mon)
{
    const struct kk_sync_platform *p = mon->mutex.wq.plat;
    return p->current(p->ctx);
}

/* Is the caller inside? Reports misuse in debug builds. */
static bool inside(struct kk_monitor *mon, site_t site)
{
    if (LD_RLX(&mon->owner) == me(mon))
        return true;
    dbg_report(mon->mutex.wq.plat, KK_SYNC_R_COND_NO_MUTEX, KK_EPERM, mon, NULL, site);
    return false;
}

/* Give the monitor away: to a waiting signaller first, else to an entrant. */
static void hand_off(struct kk_monitor *mon)
{
    ST_RLX(&mon->owner, NULL);
    if (mon->next_count > 0)
        kk_sem_up(&mon->next);
    else
        kk_sem_up(&mon->mutex);
}

int kk_monitor_init(struct kk_monitor *mon, const struct kk_sync_platform *plat)
{
    int rc;
    if (!mon)
        return KK_EINVAL;
    rc = kk_sem_init(&mon->mutex, plat, 1);
    if (!rc)
        rc = kk_sem_init(&mon->next, plat, 0);
    mon->next_count = 0;
    mon->pad = 0;
    mon->owner = NULL;
    return rc;
}

int kk_monitor_destroy(struct kk_monitor *mon)
{
    if (!mon_ok(mon))
        return KK_EINVAL;
    if (LD_RLX(&mon->owner) || kk_sem_value(&mon->mutex) != 1) {
        dbg_report(mon->mutex.wq.plat, KK_SYNC_R_BUSY, KK_EBUSY, mon, NULL, SITE());
        return KK_EBUSY;
    }
    if (kk_sem_destroy(&mon->mutex))
        return KK_EBUSY;
    kk_sem_destroy(&mon->next);
    return 0;
}

int kk_monitor_enter(struct kk_monitor *mon)
{
    int rc;
    if (!mon_ok(mon))
        return KK_EINVAL;
    if (LD_RLX(&mon->owner) == me(mon)) {
        dbg_report(mon->mutex.wq.plat, KK_SYNC_R_SELF_DEADLOCK, KK_EDEADLK, mon, NULL, SITE());
        return KK_EDEADLK;
    }
    rc = kk_sem_down(&mon->mutex);
    if (!rc)
        ST_RLX(&mon->owner, me(mon));
    return rc;
}

int kk_monitor_leave(struct kk_monitor *mon)
{
    if (!mon_ok(mon))
        return KK_EINVAL;
    if (!inside(mon, SITE()))
        return KK_EPERM;
    hand_off(mon);
    return 0;
}

int kk_monitor_cond_init(struct kk_monitor_cond *cv, struct kk_monitor *mon)
{
    if (!cv || !mon_ok(mon))
        return KK_EINVAL;
    cv->count = 0;
    cv->pad = 0;
    cv->mon = mon;
    return kk_sem_init(&cv->sem, mon->mutex.wq.plat, 0);
}

int kk_monitor_cond_destroy(struct kk_monitor_cond *cv)
{
    return cv ? kk_sem_destroy(&cv->sem) : KK_EINVAL;
}

static bool cond_ok(const struct kk_monitor_cond *cv)
{
    return cv && wq_ok(&cv->sem.wq) && mon_ok(cv->mon);
}

/* Hand the monitor to the oldest thread sleeping on @cv, if any, and wait
 * on "next" until it leaves or waits (signal-and-urgent-wait). */
static int signal_one(struct kk_monitor_cond *cv)
{
    struct kk_monitor *mon = cv->mon;

    mon->next_count++;
    ST_RLX(&mon->owner, NULL);
    if (!kk_sync__sem_pending_give(&cv->sem, &cv->count)) { /* every waiter timed out */
        ST_RLX(&mon->owner, me(mon));
        mon->next_count--;
        return 0;
    }
    kk_sem_down(&mon->next);
    ST_RLX(&mon->owner, me(mon));
    mon->next_count--;
    return 1;
}

static int mon_wait(struct kk_monitor_cond *cv, uint64_t deadline, site_t site)
{
    const struct kk_sync_platform *p;
    struct kk_monitor *mon;
    int rc;

    if (!cond_ok(cv))
        return KK_EINVAL;
    mon = cv->mon;
    p = mon->mutex.wq.plat;
    if (wq_deadline_ok(p, deadline))
        return KK_ENOTSUP;
    if (!inside(mon, site))
        return KK_EPERM;
    if (wq_expired(p, deadline))
        return KK_ETIMEDOUT; /* never left */
    kk_sync__sem_pending_add(&cv->sem, &cv->count);
    hand_off(mon);
    /* 0: a signaller handed the monitor over. KK_ETIMEDOUT: nobody did, and
     * the registration is gone (decided under the queue lock): re-enter as
     * any entrant, behind waiting signallers. */
    rc = kk_sync__sem_pending_take(&cv->sem, &cv->count, deadline);
    if (rc == KK_ETIMEDOUT)
        kk_sem_down(&mon->mutex);
    ST_RLX(&mon->owner, me(mon));
    return rc;
}

int kk_monitor_wait(struct kk_monitor_cond *cv)
{
    return mon_wait(cv, KK_SYNC_FOREVER, SITE());
}

int kk_monitor_wait_timeout(struct kk_monitor_cond *cv, uint64_t deadline)
{
    return mon_wait(cv, deadline, SITE());
}

int kk_monitor_signal(struct kk_monitor_cond *cv)
{
    if (!cond_ok(cv))
        return KK_EINVAL;
    if (!inside(cv->mon, SITE()))
        return KK_EPERM;
    return LD_RLX(&cv->count) > 0 ? signal_one(cv) : 0;
}

int kk_monitor_broadcast(struct kk_monitor_cond *cv)
{
    int n, woken = 0;

    if (!cond_ok(cv))
        return KK_EINVAL;
    if (!inside(cv->mon, SITE()))
        return KK_EPERM;
    /* Only the threads waiting now: one that waits again joins the tail of
     * the FIFO queue, behind the ones still to be signalled. */
    for (n = LD_RLX(&cv->count); n > 0 && signal_one(cv); n--)
        woken++;
    return woken;
}
