/*
 * complete.c: completion and once.
 *
 * A completion is a semaphore's units (sem.c) plus a sticky "all" flag:
 * complete() hands one unit to the oldest waiter or banks it; complete_all()
 * sets the flag (so later waits pass) and wakes everyone.
 *
 * A once moves NONE -> RUNNING (one caller, recorded as runner) -> DONE, or
 * back to NONE if the function failed; callers that find it RUNNING sleep on
 * its wait queue until the runner finishes, then look again.
 */
#include "internal.h"

int kk_completion_init(struct kk_completion *c, const struct kk_sync_platform *plat)
{
    if (!c)
        return KK_EINVAL;
    c->done = 0;
    c->all = 0;
    return kk_sync__wq_init(&c->wq, plat);
}

int kk_completion_reinit(struct kk_completion *c)
{
    unsigned long f;
    int rc = 0;

    if (!c || !wq_ok(&c->wq))
        return KK_EINVAL;
    f = kk_sync__wq_lock(&c->wq);
    if (!kk_list_empty(&c->wq.waiters)) {
        rc = KK_EBUSY;
    } else {
        ST_RLX(&c->done, 0);
        ST_RLX(&c->all, 0);
    }
    kk_sync__wq_unlock(&c->wq, f);
    return rc;
}

int kk_completion_complete(struct kk_completion *c)
{
    return c ? kk_sync__units_give(&c->wq, &c->done, false) : KK_EINVAL;
}

int kk_completion_complete_all(struct kk_completion *c)
{
    if (!c || !wq_ok(&c->wq))
        return KK_EINVAL;
    ST_REL(&c->all, 1);
    return kk_sync__units_give(&c->wq, &c->done, true);
}

int kk_completion_wait(struct kk_completion *c, uint64_t deadline)
{
    return c ? kk_sync__units_take(&c->wq, &c->done, &c->all, deadline, KK_ETIMEDOUT, NULL)
             : KK_EINVAL;
}

/* ---- once ---- */

enum { ONCE_NONE = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

int kk_once_init(struct kk_once *o, const struct kk_sync_platform *plat)
{
    if (!o)
        return KK_EINVAL;
    o->state = ONCE_NONE;
    o->runner = NULL;
    return kk_sync__wq_init(&o->wq, plat);
}

/* Claim the once (returns 1), see it done (0) or fail; sleeps while running. */
static int claim(struct kk_once *o, void *me)
{
    struct kk_waiter w;
    unsigned long f = kk_sync__wq_lock(&o->wq);
    int rc;

    for (;;) {
        uint32_t s = LD_RLX(&o->state);
        if (s == ONCE_DONE) {
            rc = 0;
            break;
        }
        if (s == ONCE_NONE) {
            ST_RLX(&o->state, ONCE_RUNNING);
            o->runner = me;
            rc = 1;
            break;
        }
        if (o->runner == me) {
            rc = KK_EDEADLK;
            break;
        }
        kk_sync__wq_enqueue(&o->wq, &w, me);
        kk_sync__wq_sleep(&o->wq, &w, &f, KK_SYNC_FOREVER);
    }
    kk_sync__wq_unlock(&o->wq, f);
    return rc;
}

int kk_once_call(struct kk_once *o, int (*fn)(void *arg), void *arg)
{
    struct kk_waiter *w;
    unsigned long f;
    void *me;
    int rc;

    if (!o || !fn || !wq_ok(&o->wq))
        return KK_EINVAL;
    if (LD_ACQ(&o->state) == ONCE_DONE)
        return 0;
    me = o->wq.plat->current(o->wq.plat->ctx);
    rc = claim(o, me);
    if (rc != 1)
        return rc;
    rc = fn(arg);
    f = kk_sync__wq_lock(&o->wq);
    o->runner = NULL;
    ST_REL(&o->state, rc ? ONCE_NONE : ONCE_DONE);
    while ((w = kk_sync__wq_first(&o->wq)) != NULL)
        kk_sync__wq_wake(&o->wq, w, 0);
    kk_sync__wq_unlock(&o->wq, f);
    return rc;
}
