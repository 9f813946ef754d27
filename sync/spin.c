/*
 * spin.c: test-and-test-and-set, ticket, MCS and reader-writer spinlocks.
 *
 * Every lock type supplies four small operations (get: spin until held; try;
 * held: is it held (by this node); put: release) and shares one acquire and
 * one release path, which wrap them in the guard, the debug hooks and the
 * misuse checks. acquire() and release() are always inlined with constant
 * ops, so a release build's kk_spin_lock() is the guard plus one exchange.
 *
 * KK_SYNC_UP builds use other ops (OPS() picks them): the guard already
 * excludes everyone else on the only CPU, so a lock is a plain "held" flag
 * (relaxed loads and stores, which are ordinary instructions: no atomic
 * read-modify-write, no fence, no spinning) kept only to catch misuse. An
 * interrupt handler that takes the lock between a flag load and store leaves
 * it as it found it, so plain accesses are enough. A compiler barrier keeps
 * the critical section between the flag updates even without guard calls.
 *
 * Promises: unlock releases the lock before it restores interrupts or
 * preemption; unlocking an unlocked lock returns KK_EPERM and changes
 * nothing; on KK_SYNC_UP builds nothing ever spins (a lock already held
 * there is a self-deadlock: KK_EDEADLK). The caller must not hold a spinlock
 * across a sleeping call.
 */
#include "internal.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

struct spin_ops {
    void (*get)(void *l, struct kk_mcs_node *n, site_t site);
    bool (*try_get)(void *l, struct kk_mcs_node *n);
    bool (*held)(const void *l, const struct kk_mcs_node *n);
    void (*put)(void *l, struct kk_mcs_node *n);
    unsigned dflags; /* DA_READ for shared acquisitions */
};

/* Ops of this build: SMP ones spin with atomics, UP ones flip a plain flag
 * (get is never called there: take always succeeds once held() said free).
 * Each flavour's functions are compiled only in its build. */
#if SYNC_UP
#define OPS(get, try_get, up_take, held, put, up_put, fl)                                          \
    {                                                                                              \
        NULL, up_take, held, up_put, fl                                                            \
    }
#else
#define OPS(get, try_get, up_take, held, put, up_put, fl)                                          \
    {                                                                                              \
        get, try_get, held, put, fl                                                                \
    }
#endif

static ALWAYS_INLINE int acquire(const struct spin_ops *ops, const struct kk_sync_platform *p,
                                 struct kk_lockdep_map *m, void *l, struct kk_mcs_node *n,
                                 unsigned kind, unsigned long *fl, bool try, site_t site)
{
    unsigned long f;
    int rc;

    if (!p || (kind == G_IRQ && !fl))
        return KK_EINVAL;
    f = guard_on(p, kind);
    rc = dbg_acquire(p, m, l, site, ops->dflags | (try ? DA_TRY : 0));
    if (rc)
        goto out_guard;
    if (SYNC_UP && ops->held(l, NULL)) {
        rc = try ? KK_EBUSY : KK_EDEADLK;
    } else if (ops->try_get(l, n)) {
        rc = 0; /* the uncontended path: one inlined atomic */
    } else if (try) {
        rc = KK_EBUSY;
    } else {
        ops->get(l, n, site); /* out of line: queue up / spin */
    }
    if (rc) {
        dbg_abandon(p, m, l);
        goto out_guard;
    }
    if (SYNC_UP)
        UP_BARRIER();
    dbg_acquired(p, m, site, ops->dflags);
    if (fl)
        *fl = f;
    return 0;
out_guard:
    guard_off(p, kind, f);
    return rc;
}

static ALWAYS_INLINE int release(const struct spin_ops *ops, const struct kk_sync_platform *p,
                                 struct kk_lockdep_map *m, void *l, struct kk_mcs_node *n,
                                 unsigned kind, unsigned long f, site_t site)
{
    int rc;

    if (!p)
        return KK_EINVAL;
    if (!ops->held(l, n)) {
        dbg_report(p, KK_SYNC_R_NOT_LOCKED, KK_EPERM, l, m, site);
        return KK_EPERM;
    }
    rc = dbg_release(p, m, l, site, ops->dflags);
    if (rc)
        return rc;
    if (SYNC_UP)
        UP_BARRIER();
    ops->put(l, n);
    guard_off(p, kind, f);
    return 0;
}

static int init_common(const struct kk_sync_platform *plat, struct kk_lockdep_map *m,
                       const void *lock)
{
    if (kk_sync_platform_check(plat))
        return KK_EINVAL;
    dbg_init(plat, m, lock);
    return 0;
}

#if !SYNC_UP
/* Spin until *word reads as @want (or not @want), relaxing and ticking the watchdog. */
static ALWAYS_INLINE void spin_while_eq(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                                        const void *l, uint32_t *word, uint32_t v, bool eq,
                                        site_t site, uint32_t *spins)
{
    while ((LD_ACQ(word) == v) == eq) {
        relax(p);
        dbg_spin(p, m, l, site, spins);
    }
}
#endif

/* ---- test-and-test-and-set ---- */

#define SLOW __attribute__((noinline, cold))

#if !SYNC_UP
static SLOW void tas_get(void *lv, struct kk_mcs_node *n, site_t site)
{
    struct kk_spin *l = lv;
    uint32_t spins = 0;
    (void)n;
    while (XCHG(&l->locked, 1, __ATOMIC_ACQUIRE))
        spin_while_eq(l->plat, DEP(l), l, &l->locked, 1, true, site, &spins);
}

static bool tas_try(void *lv, struct kk_mcs_node *n)
{
    struct kk_spin *l = lv;
    (void)n;
    return !LD_RLX(&l->locked) && !XCHG(&l->locked, 1, __ATOMIC_ACQUIRE);
}
#endif

static bool tas_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_spin *l = lv;
    (void)n;
    return LD_RLX(&l->locked) != 0;
}

#if !SYNC_UP
static void tas_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_spin *l = lv;
    (void)n;
    ST_REL(&l->locked, 0);
}
#endif

#if SYNC_UP
static bool tas_up_take(void *lv, struct kk_mcs_node *n)
{
    struct kk_spin *l = lv;
    (void)n;
    ST_UP(&l->locked, 1);
    return true;
}

static void tas_up_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_spin *l = lv;
    (void)n;
    ST_UP(&l->locked, 0);
}
#endif

static const struct spin_ops tas_ops =
    OPS(tas_get, tas_try, tas_up_take, tas_held, tas_put, tas_up_put, 0);

#define LOCK_ARGS(l) ((l) ? (l)->plat : NULL), ((l) ? DEP(l) : NULL), (l)

int kk_spin_init(struct kk_spin *l, const struct kk_sync_platform *plat)
{
    if (!l || init_common(plat, DEP(l), l))
        return KK_EINVAL;
    l->locked = 0;
    l->plat = plat;
    return 0;
}

SITED(kk_spin_lock, acquire(&tas_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, false, site),
      struct kk_spin *l)

SITED(kk_spin_trylock, acquire(&tas_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, true, site),
      struct kk_spin *l)

SITED(kk_spin_unlock, release(&tas_ops, LOCK_ARGS(l), NULL, G_PREEMPT, 0, site), struct kk_spin *l)

SITED(kk_spin_lock_irqsave, acquire(&tas_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, false, site),
      struct kk_spin *l, unsigned long *flags)

SITED(kk_spin_trylock_irqsave, acquire(&tas_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, true, site),
      struct kk_spin *l, unsigned long *flags)

SITED(kk_spin_unlock_irqrestore, release(&tas_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, site),
      struct kk_spin *l, unsigned long flags)

bool kk_spin_is_locked(const struct kk_spin *l)
{
    return l && tas_held(l, NULL);
}

/* ---- ticket ---- */

#if !SYNC_UP
static SLOW void ticket_get(void *lv, struct kk_mcs_node *n, site_t site)
{
    struct kk_ticket *l = lv;
    uint32_t me = FADD(&l->next, 1, __ATOMIC_RELAXED);
    uint32_t spins = 0;
    (void)n;
    spin_while_eq(l->plat, DEP(l), l, &l->owner, me, false, site, &spins);
}

static bool ticket_try(void *lv, struct kk_mcs_node *n)
{
    struct kk_ticket *l = lv;
    uint32_t o = LD_ACQ(&l->owner);
    uint32_t want = o;
    (void)n;
    return CAS(&l->next, &want, o + 1, __ATOMIC_ACQUIRE);
}
#endif

static bool ticket_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_ticket *l = lv;
    (void)n;
    return LD_RLX(&l->owner) != LD_RLX(&l->next);
}

#if !SYNC_UP
static void ticket_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_ticket *l = lv;
    (void)n;
    ST_REL(&l->owner, LD_RLX(&l->owner) + 1);
}
#endif

#if SYNC_UP
/* UP: only @next moves (owner + 1 while held), so held() is unchanged. */
static bool ticket_up_take(void *lv, struct kk_mcs_node *n)
{
    struct kk_ticket *l = lv;
    (void)n;
    ST_UP(&l->next, LD_RLX(&l->owner) + 1);
    return true;
}

static void ticket_up_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_ticket *l = lv;
    (void)n;
    ST_UP(&l->next, LD_RLX(&l->owner));
}
#endif

static const struct spin_ops ticket_ops =
    OPS(ticket_get, ticket_try, ticket_up_take, ticket_held, ticket_put, ticket_up_put, 0);

int kk_ticket_init(struct kk_ticket *l, const struct kk_sync_platform *plat)
{
    if (!l || init_common(plat, DEP(l), l))
        return KK_EINVAL;
    l->next = 0;
    l->owner = 0;
    l->plat = plat;
    return 0;
}

SITED(kk_ticket_lock, acquire(&ticket_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, false, site),
      struct kk_ticket *l)

SITED(kk_ticket_trylock, acquire(&ticket_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, true, site),
      struct kk_ticket *l)

SITED(kk_ticket_unlock, release(&ticket_ops, LOCK_ARGS(l), NULL, G_PREEMPT, 0, site),
      struct kk_ticket *l)

SITED(kk_ticket_lock_irqsave, acquire(&ticket_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, false, site),
      struct kk_ticket *l, unsigned long *flags)

SITED(kk_ticket_unlock_irqrestore, release(&ticket_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, site),
      struct kk_ticket *l, unsigned long flags)

/* ---- MCS ---- */

enum { MCS_IDLE = 0, MCS_WAITING = 1, MCS_GRANTED = 2, MCS_HELD = 3 };

#if !SYNC_UP
static SLOW void mcs_get(void *lv, struct kk_mcs_node *n, site_t site)
{
    struct kk_mcs *l = lv;
    struct kk_mcs_node *pred;
    uint32_t spins = 0;

    ST_RLX(&n->next, NULL);
    ST_RLX(&n->state, MCS_WAITING);
    pred = XCHG(&l->tail, n, __ATOMIC_ACQ_REL);
    if (pred) {
        ST_REL(&pred->next, n);
        spin_while_eq(l->plat, DEP(l), l, &n->state, MCS_WAITING, true, site, &spins);
    }
    n->state = MCS_HELD;
}

static bool mcs_try(void *lv, struct kk_mcs_node *n)
{
    struct kk_mcs *l = lv;
    struct kk_mcs_node *want = NULL;

    n->next = NULL;
    n->state = MCS_HELD;
    if (CAS(&l->tail, &want, n, __ATOMIC_ACQ_REL))
        return true;
    n->state = MCS_IDLE;
    return false;
}

/* Does node @n hold the lock? */
static bool mcs_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_mcs *l = lv;
    if (!n)
        return LD_RLX(&l->tail) != NULL;
    return LD_RLX(&l->tail) != NULL && n->state == MCS_HELD;
}

/* A successor is linking itself in: wait for its pointer, then grant. */
static SLOW void mcs_handover(struct kk_mcs *l, struct kk_mcs_node *n)
{
    struct kk_mcs_node *next;
    uint32_t spins = 0;

    while (!(next = LD_ACQ(&n->next))) {
        relax(l->plat);
        dbg_spin(l->plat, DEP(l), l, NULL, &spins);
    }
    ST_REL(&next->state, MCS_GRANTED);
}

static void mcs_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_mcs *l = lv;
    struct kk_mcs_node *want = n;

    n->state = MCS_IDLE;
    if (!LD_ACQ(&n->next) && CAS(&l->tail, &want, NULL, __ATOMIC_RELEASE))
        return; /* nobody queued */
    mcs_handover(l, n);
}
#endif

#if SYNC_UP
/* UP: the tail is the holder's node (the node itself is left alone). */
static bool mcs_up_take(void *lv, struct kk_mcs_node *n)
{
    struct kk_mcs *l = lv;
    ST_UP(&l->tail, n);
    return true;
}

static bool mcs_up_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_mcs *l = lv;
    struct kk_mcs_node *t = LD_RLX(&l->tail);
    return n ? t == n : t != NULL;
}

static void mcs_up_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_mcs *l = lv;
    (void)n;
    ST_UP(&l->tail, NULL);
}
#endif

#if SYNC_UP
#define MCS_HELD mcs_up_held
#else
#define MCS_HELD mcs_held
#endif
static const struct spin_ops mcs_ops =
    OPS(mcs_get, mcs_try, mcs_up_take, MCS_HELD, mcs_put, mcs_up_put, 0);

int kk_mcs_init(struct kk_mcs *l, const struct kk_sync_platform *plat)
{
    if (!l || init_common(plat, DEP(l), l))
        return KK_EINVAL;
    l->tail = NULL;
    l->plat = plat;
    return 0;
}

SITED(kk_mcs_lock,
      !node ? KK_EINVAL : acquire(&mcs_ops, LOCK_ARGS(l), node, G_PREEMPT, NULL, false, site),
      struct kk_mcs *l, struct kk_mcs_node *node)

SITED(kk_mcs_trylock,
      !node ? KK_EINVAL : acquire(&mcs_ops, LOCK_ARGS(l), node, G_PREEMPT, NULL, true, site),
      struct kk_mcs *l, struct kk_mcs_node *node)

SITED(kk_mcs_unlock, !node ? KK_EINVAL : release(&mcs_ops, LOCK_ARGS(l), node, G_PREEMPT, 0, site),
      struct kk_mcs *l, struct kk_mcs_node *node)

SITED(kk_mcs_lock_irqsave,
      !node ? KK_EINVAL : acquire(&mcs_ops, LOCK_ARGS(l), node, G_IRQ, flags, false, site),
      struct kk_mcs *l, struct kk_mcs_node *node, unsigned long *flags)

SITED(kk_mcs_unlock_irqrestore,
      !node ? KK_EINVAL : release(&mcs_ops, LOCK_ARGS(l), node, G_IRQ, flags, site),
      struct kk_mcs *l, struct kk_mcs_node *node, unsigned long flags)

/* ---- reader-writer ---- */

#define RW_WRITER  0x80000000u /* a writer holds it */
#define RW_WAITING 0x40000000u /* a writer waits: no new readers */
#define RW_READERS 0x3fffffffu /* reader count */

#if !SYNC_UP
static bool rd_try(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    uint32_t v = LD_RLX(&l->word);
    (void)n;
    while (!(v & (RW_WRITER | RW_WAITING)) && (v & RW_READERS) != RW_READERS) {
        if (CASW(&l->word, &v, v + 1, __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

static SLOW void rd_get(void *lv, struct kk_mcs_node *n, site_t site)
{
    struct kk_rwspin *l = lv;
    uint32_t spins = 0;
    while (!rd_try(l, n)) {
        relax(l->plat);
        dbg_spin(l->plat, DEP(l), l, site, &spins);
    }
}
#endif

static bool rd_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_rwspin *l = lv;
    (void)n;
    return (LD_RLX(&l->word) & RW_READERS) != 0;
}

#if !SYNC_UP
static void rd_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    FSUB(&l->word, 1, __ATOMIC_RELEASE);
}

static bool wr_try(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    uint32_t v = LD_RLX(&l->word);
    (void)n;
    while (!(v & (RW_WRITER | RW_READERS))) {
        /* Keep another writer's waiting bit: it will take the lock next. */
        if (CASW(&l->word, &v, (v & RW_WAITING) | RW_WRITER, __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

static SLOW void wr_get(void *lv, struct kk_mcs_node *n, site_t site)
{
    struct kk_rwspin *l = lv;
    uint32_t spins = 0;
    while (!wr_try(l, n)) {
        if (!(LD_RLX(&l->word) & RW_WAITING))
            FOR(&l->word, RW_WAITING, __ATOMIC_RELAXED);
        relax(l->plat);
        dbg_spin(l->plat, DEP(l), l, site, &spins);
    }
    /* Other writers still waiting re-set the bit themselves. */
    FAND(&l->word, ~RW_WAITING, __ATOMIC_RELAXED);
}
#endif

static bool wr_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_rwspin *l = lv;
    (void)n;
    return (LD_RLX(&l->word) & RW_WRITER) != 0;
}

#if !SYNC_UP
static void wr_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    FAND(&l->word, ~RW_WRITER, __ATOMIC_RELEASE);
}
#endif

/* UP: a reader may not nest under its own writer and vice versa: check both. */
static bool rw_any_held(const void *lv, const struct kk_mcs_node *n)
{
    const struct kk_rwspin *l = lv;
    (void)n;
    return (LD_RLX(&l->word) & (RW_WRITER | RW_READERS)) != 0;
}

#if SYNC_UP
/* UP: a reader count and a writer bit in @word, updated with plain accesses. */
static bool rd_up_take(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    ST_UP(&l->word, LD_RLX(&l->word) + 1);
    return true;
}

static void rd_up_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    ST_UP(&l->word, LD_RLX(&l->word) - 1);
}

static bool wr_up_take(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    ST_UP(&l->word, LD_RLX(&l->word) | RW_WRITER);
    return true;
}

static void wr_up_put(void *lv, struct kk_mcs_node *n)
{
    struct kk_rwspin *l = lv;
    (void)n;
    ST_UP(&l->word, LD_RLX(&l->word) & ~RW_WRITER);
}
#endif

/* The *_put_ops check "held by a reader / the writer" before a release; the
 * lock ops' held() is only the UP "would this deadlock" check. A reader
 * cannot reach the RW_READERS limit on UP without nesting 2^30 times. */
static const struct spin_ops rd_ops =
    OPS(rd_get, rd_try, rd_up_take, wr_held, rd_put, rd_up_put, DA_READ);
static const struct spin_ops rd_put_ops =
    OPS(rd_get, rd_try, rd_up_take, rd_held, rd_put, rd_up_put, DA_READ);
static const struct spin_ops wr_ops =
    OPS(wr_get, wr_try, wr_up_take, rw_any_held, wr_put, wr_up_put, 0);
static const struct spin_ops wr_put_ops =
    OPS(wr_get, wr_try, wr_up_take, wr_held, wr_put, wr_up_put, 0);

int kk_rwspin_init(struct kk_rwspin *l, const struct kk_sync_platform *plat)
{
    if (!l || init_common(plat, DEP(l), l))
        return KK_EINVAL;
    l->word = 0;
    l->plat = plat;
    return 0;
}

SITED(kk_rwspin_read_lock, acquire(&rd_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, false, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_read_trylock, acquire(&rd_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, true, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_read_unlock, release(&rd_put_ops, LOCK_ARGS(l), NULL, G_PREEMPT, 0, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_write_lock, acquire(&wr_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, false, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_write_trylock, acquire(&wr_ops, LOCK_ARGS(l), NULL, G_PREEMPT, NULL, true, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_write_unlock, release(&wr_put_ops, LOCK_ARGS(l), NULL, G_PREEMPT, 0, site),
      struct kk_rwspin *l)

SITED(kk_rwspin_read_lock_irqsave, acquire(&rd_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, false, site),
      struct kk_rwspin *l, unsigned long *flags)

SITED(kk_rwspin_read_unlock_irqrestore,
      release(&rd_put_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, site), struct kk_rwspin *l,
      unsigned long flags)

SITED(kk_rwspin_write_lock_irqsave, acquire(&wr_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, false, site),
      struct kk_rwspin *l, unsigned long *flags)

SITED(kk_rwspin_write_unlock_irqrestore,
      release(&wr_put_ops, LOCK_ARGS(l), NULL, G_IRQ, flags, site), struct kk_rwspin *l,
      unsigned long flags)
