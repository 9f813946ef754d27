/*
 * mutex.c: sleeping mutex with the owner in its lock word.
 *
 * owner == 0: free; owner == thread: held; bit 0 (WAITERS) set: the wait
 * queue may be non-empty, so unlock must take the slow path. The fast paths
 * are single compare-and-swaps (0 -> me, me -> 0). WAITERS is only set and
 * cleared with the queue lock held, and whoever sets it enqueues before
 * dropping that lock, so "WAITERS clear" really means nobody sleeps.
 *
 * Unlock either wakes the oldest waiter, which competes again (default), or
 * with KK_MUTEX_FIFO stores the waiter as the new owner before waking it
 * (status HANDOFF), so nobody can barge in. KK_MUTEX_ADAPTIVE lockers spin
 * (bounded, while the owner runs) before taking the sleeping slow path; the
 * uncontended fast paths are unchanged.
 */
#include "internal.h"

#define MW      ((uintptr_t)1)
#define HANDOFF 1

static bool mutex_ok(const struct kk_mutex *m)
{
    return m && wq_ok(&m->wq);
}

int kk_mutex_init(struct kk_mutex *m, const struct kk_sync_platform *plat, uint32_t flags)
{
    int rc;
    if (!m || (flags & ~(KK_MUTEX_FIFO | KK_MUTEX_ADAPTIVE)))
        return KK_EINVAL;
    rc = kk_sync__wq_init(&m->wq, plat);
    if (rc)
        return rc;
    m->owner = 0;
    m->flags = flags;
    dbg_init(plat, DEP(m), m);
    return 0;
}

int kk_mutex_destroy(struct kk_mutex *m)
{
    if (!mutex_ok(m))
        return KK_EINVAL;
    if (LD_RLX(&m->owner) != 0) {
        dbg_report(m->wq.plat, KK_SYNC_R_BUSY, KK_EBUSY, m, DEP(m), SITE());
        return KK_EBUSY;
    }
    return kk_waitq_destroy(&m->wq);
}

/* If nobody waits any more, clear WAITERS (queue lock held). */
static void clear_waiters_if_empty(struct kk_mutex *m)
{
    if (kk_list_empty(&m->wq.waiters))
        FAND(&m->owner, ~MW, __ATOMIC_RELAXED);
}

static int lock_slow(struct kk_mutex *m, uintptr_t me, uint64_t deadline)
{
    const struct kk_sync_platform *p = m->wq.plat;
    struct kk_waiter w;
    unsigned long f = kk_sync__wq_lock(&m->wq);
    int rc;

    for (;;) {
        uintptr_t v = LD_RLX(&m->owner);
        if ((v & ~MW) == 0) {
            uintptr_t nv = me | (kk_list_empty(&m->wq.waiters) ? 0 : MW);
            if (CAS(&m->owner, &v, nv, __ATOMIC_ACQUIRE)) {
                rc = 0;
                break;
            }
            continue;
        }
        if ((v & ~MW) == me) {
            rc = KK_EDEADLK;
            break;
        }
        if (wq_expired(p, deadline)) {
            rc = KK_ETIMEDOUT;
            break;
        }
        if (!(v & MW) && !CAS(&m->owner, &v, v | MW, __ATOMIC_RELAXED))
            continue;
        kk_sync__wq_enqueue(&m->wq, &w, (void *)me);
        rc = kk_sync__wq_sleep(&m->wq, &w, &f, deadline);
        if (rc) {
            clear_waiters_if_empty(m);
            break;
        }
        if (w.status == HANDOFF)
            break; /* owner word set by the unlocker; ordered by the queue lock */
    }
    kk_sync__wq_unlock(&m->wq, f);
    return rc;
}

#define DEFAULT_MUTEX_SPIN 1000u

/*
 * KK_MUTEX_ADAPTIVE: spin while the mutex is held by a running owner, for a
 * bounded number of relax steps; true if we took it. A free word with
 * WAITERS set is left to lock_slow() (it must be taken under the queue
 * lock); so is our own ownership (KK_EDEADLK there).
 */
static bool spin_for_owner(struct kk_mutex *m, uintptr_t me)
{
    const struct kk_sync_platform *p = m->wq.plat;
    uint32_t n = p->mutex_spin ? p->mutex_spin : DEFAULT_MUTEX_SPIN;

    while (n--) {
        uintptr_t v = LD_RLX(&m->owner);
        if (v == 0) {
            if (CAS(&m->owner, &v, me, __ATOMIC_ACQUIRE))
                return true;
            continue;
        }
        if ((v & ~MW) == 0 || (v & ~MW) == me)
            return false;
        if (p->owner_running && !p->owner_running(p->ctx, (void *)(v & ~MW)))
            return false;
        relax(p);
    }
    return false;
}

static __attribute__((noinline)) int lock_common(struct kk_mutex *m, uint64_t deadline, bool try,
                                                 site_t site)
{
    const struct kk_sync_platform *p;
    uintptr_t me, v = 0;
    int rc;

    if (!mutex_ok(m))
        return KK_EINVAL;
    p = m->wq.plat;
    if (wq_deadline_ok(p, deadline))
        return KK_ENOTSUP;
    me = (uintptr_t)p->current(p->ctx);
    rc = dbg_acquire(p, DEP(m), m, site, try ? DA_TRY : 0);
    if (rc)
        return rc;
    if (CAS(&m->owner, &v, me, __ATOMIC_ACQUIRE)) {
        rc = 0;
    } else if (try) {
        rc = (v & ~MW) == me ? KK_EDEADLK : KK_EBUSY;
    } else if ((m->flags & KK_MUTEX_ADAPTIVE) && deadline != 0 && spin_for_owner(m, me)) {
        rc = 0;
    } else {
        rc = lock_slow(m, me, deadline);
    }
    if (rc) {
        dbg_abandon(p, DEP(m), m);
        return rc;
    }
    dbg_acquired(p, DEP(m), site, 0);
    return 0;
}

/* Release builds: the uncontended lock is one call for the owner and one CAS. */
static inline bool lock_fast(struct kk_mutex *m)
{
    uintptr_t v = 0;
    return !SYNC_DEBUG && m && m->wq.magic == WQ_MAGIC &&
           CAS(&m->owner, &v, (uintptr_t)m->wq.plat->current(m->wq.plat->ctx), __ATOMIC_ACQUIRE);
}

SITED(kk_mutex_lock, lock_fast(m) ? 0 : lock_common(m, KK_SYNC_FOREVER, false, site),
      struct kk_mutex *m)
SITED(kk_mutex_lock_timeout, lock_common(m, deadline, false, site), struct kk_mutex *m,
      uint64_t deadline)
SITED(kk_mutex_trylock, lock_common(m, KK_SYNC_FOREVER, true, site), struct kk_mutex *m)

static __attribute__((noinline)) void unlock_slow(struct kk_mutex *m)
{
    unsigned long f = kk_sync__wq_lock(&m->wq);
    struct kk_waiter *w = kk_sync__wq_first(&m->wq);

    if (!w) {
        ST_REL(&m->owner, 0);
    } else {
        bool more = w->link.next != &m->wq.waiters;
        if (m->flags & KK_MUTEX_FIFO) {
            ST_REL(&m->owner, (uintptr_t)w->thread | (more ? MW : 0));
            kk_sync__wq_wake(&m->wq, w, HANDOFF);
        } else {
            ST_REL(&m->owner, more ? MW : 0);
            kk_sync__wq_wake(&m->wq, w, 0);
        }
    }
    kk_sync__wq_unlock(&m->wq, f);
}

static __attribute__((noinline)) int unlock_checked(struct kk_mutex *m, site_t site)
{
    const struct kk_sync_platform *p;
    uintptr_t me, v;
    int rc;

    if (!mutex_ok(m))
        return KK_EINVAL;
    p = m->wq.plat;
    me = (uintptr_t)p->current(p->ctx);
    v = LD_RLX(&m->owner);
    if ((v & ~MW) != me) {
        dbg_report(p, v ? KK_SYNC_R_NOT_OWNER : KK_SYNC_R_NOT_LOCKED, KK_EPERM, m, DEP(m), site);
        return KK_EPERM;
    }
    rc = dbg_release(p, DEP(m), m, site, 0);
    if (rc)
        return rc;
    v = me;
    if (!CAS(&m->owner, &v, 0, __ATOMIC_RELEASE))
        unlock_slow(m);
    return 0;
}

/* Release builds: owner -> 0 succeeds only for the owner with no waiters. */
static inline bool unlock_fast(struct kk_mutex *m)
{
    uintptr_t v;
    if (SYNC_DEBUG || !m || m->wq.magic != WQ_MAGIC)
        return false;
    v = (uintptr_t)m->wq.plat->current(m->wq.plat->ctx);
    return CAS(&m->owner, &v, 0, __ATOMIC_RELEASE);
}

SITED(kk_mutex_unlock, unlock_fast(m) ? 0 : unlock_checked(m, site), struct kk_mutex *m)

void *kk_mutex_owner(const struct kk_mutex *m)
{
    return m ? (void *)(LD_RLX(&m->owner) & ~MW) : NULL;
}
