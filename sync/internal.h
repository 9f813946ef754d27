/*
 * internal.h: private helpers shared by the sync sources (never installed).
 *
 * Atomics are the compiler's __atomic builtins on 32-bit words and pointers
 * only (no sub-word atomics, no 64-bit atomics on 32-bit targets). Debug hooks
 * (lockdep.c) compile to nothing unless KK_SYNC_DEBUG is defined, so the lock
 * code calls them unconditionally.
 */
#ifndef KK_SYNC_INTERNAL_H
#define KK_SYNC_INTERNAL_H

/* Library-internal calls report their return address, not a path. */
#define KK_SYNC_NO_SITE_MACROS 1
#include <kernkit/sync.h>
#include <kk_util.h>

#include "relax.h" /* per-architecture arch_cpu_relax(), chosen by CMake */

#define LD_RLX(p)         __atomic_load_n((p), __ATOMIC_RELAXED)
#define LD_ACQ(p)         __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ST_RLX(p, v)      __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ST_REL(p, v)      __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define XCHG(p, v, mo)    __atomic_exchange_n((p), (v), (mo))
#define FADD(p, v, mo)    __atomic_fetch_add((p), (v), (mo))
#define FSUB(p, v, mo)    __atomic_fetch_sub((p), (v), (mo))
#define FOR(p, v, mo)     __atomic_fetch_or((p), (v), (mo))
#define FAND(p, v, mo)    __atomic_fetch_and((p), (v), (mo))
#define CAS(p, e, v, mo)  __atomic_compare_exchange_n((p), (e), (v), false, (mo), __ATOMIC_RELAXED)
#define CASW(p, e, v, mo) __atomic_compare_exchange_n((p), (e), (v), true, (mo), __ATOMIC_RELAXED)

#ifdef KK_SYNC_UP
#define SYNC_UP 1
#else
#define SYNC_UP 0
#endif
/* Compiler-only barrier: keeps a UP critical section between the plain flag
 * updates (or the guard) even when the guard makes no calls. No instruction. */
#define UP_BARRIER() __atomic_signal_fence(__ATOMIC_SEQ_CST)
/*
 * Store to state that, on a UP build, only the guard holder writes (spinlock
 * flags, debug maps): a plain volatile store there, because gcc 12 emits
 * amoswap even for relaxed atomic stores on riscv64; relaxed atomic on SMP.
 */
#if SYNC_UP
#define ST_UP(p, v) (*(volatile __typeof__(*(p)) *)(p) = (v))
#else
#define ST_UP(p, v) ST_RLX(p, v)
#endif

#ifdef KK_SYNC_DEBUG
#define SYNC_DEBUG 1
/* Debug map of any lock struct, or NULL in release builds. */
#define DEP(l) (&(l)->dep)
#else
#define SYNC_DEBUG 0
#define DEP(l)     ((struct kk_lockdep_map *)0)
#endif

/*
 * Call site of the public function that expands this: a struct kk_sync_site
 * with the return address (and the caller's file:line in the _at variants),
 * living until that function returns. NULL in release builds, where nothing
 * reads sites.
 */
typedef const struct kk_sync_site *site_t;
#ifdef KK_SYNC_DEBUG
#define SITE_AT(f, l) (&(const struct kk_sync_site){(f), __builtin_return_address(0), (l)})
#define SITE()        SITE_AT(NULL, 0)
/* Define public function @name (whose result is @expr over @site) and, in
 * debug builds, @name_at taking the caller's file and line as well. */
#define SITED(name, expr, ...)                                                                     \
    int(name)(__VA_ARGS__)                                                                         \
    {                                                                                              \
        site_t site = SITE();                                                                      \
        return expr;                                                                               \
    }                                                                                              \
    int name##_at(__VA_ARGS__, const char *file, uint32_t line)                                    \
    {                                                                                              \
        site_t site = SITE_AT(file, line);                                                         \
        return expr;                                                                               \
    }
#else
#define SITE() ((site_t)0)
#define SITED(name, expr, ...)                                                                     \
    int(name)(__VA_ARGS__)                                                                         \
    {                                                                                              \
        site_t site = SITE();                                                                      \
        return expr;                                                                               \
    }
#endif

/* Guard kinds used by lock wrappers. */
#define G_PREEMPT KK_GUARD_NOPREEMPT
#define G_IRQ     KK_GUARD_IRQSAVE

static inline unsigned long guard_on(const struct kk_sync_platform *p, unsigned kind)
{
    unsigned long f = 0;
    if (kind == G_IRQ && p->irq_save)
        f = p->irq_save(p->ctx);
    if (kind != KK_GUARD_NONE && p->preempt_disable)
        p->preempt_disable(p->ctx);
    return f;
}

static inline void guard_off(const struct kk_sync_platform *p, unsigned kind, unsigned long f)
{
    if (kind == G_IRQ && p->irq_restore)
        p->irq_restore(p->ctx, f);
    if (kind != KK_GUARD_NONE && p->preempt_enable)
        p->preempt_enable(p->ctx);
}

static inline void relax(const struct kk_sync_platform *p)
{
    if (p->cpu_relax)
        p->cpu_relax(p->ctx);
    else
        arch_cpu_relax();
}

static inline void *cur_thread(const struct kk_sync_platform *p)
{
    return p->current ? p->current(p->ctx) : NULL;
}

/* Flags of dbg_acquire(). */
#define DA_TRY  1u /* trylock: records the hold but adds no order edges */
#define DA_READ 2u /* shared (reader) acquisition: no owner, may nest */

/*
 * Debug hooks. dbg_acquire() runs before the attempt: it returns KK_EDEADLK
 * (reported) if the caller already holds the lock, checks lock order and
 * pushes the lock on the caller's held stack. dbg_acquired() records the
 * owner after success; dbg_abandon() pops after a failed attempt;
 * dbg_release() checks ownership before a release and pops.
 */
#ifdef KK_SYNC_DEBUG
void kk_sync__dbg_init(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                       const void *lock);
int kk_sync__dbg_acquire(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                         const void *lock, site_t site, unsigned flags);
void kk_sync__dbg_acquired(const struct kk_sync_platform *p, struct kk_lockdep_map *m, site_t site,
                           unsigned flags);
void kk_sync__dbg_abandon(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                          const void *lock);
int kk_sync__dbg_release(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                         const void *lock, site_t site, unsigned flags);
void kk_sync__dbg_spin(const struct kk_sync_platform *p, struct kk_lockdep_map *m, const void *lock,
                       site_t site, uint32_t *spins);
void kk_sync__dbg_report(const struct kk_sync_platform *p, enum kk_sync_report_kind kind, int err,
                         const void *lock, const struct kk_lockdep_map *m, site_t site);
#define dbg_init(p, m, l)            kk_sync__dbg_init(p, m, l)
#define dbg_acquire(p, m, l, s, f)   kk_sync__dbg_acquire(p, m, l, s, f)
#define dbg_acquired(p, m, s, f)     kk_sync__dbg_acquired(p, m, s, f)
#define dbg_abandon(p, m, l)         kk_sync__dbg_abandon(p, m, l)
#define dbg_release(p, m, l, s, f)   kk_sync__dbg_release(p, m, l, s, f)
#define dbg_spin(p, m, l, s, n)      kk_sync__dbg_spin(p, m, l, s, n)
#define dbg_report(p, k, e, l, m, s) kk_sync__dbg_report(p, k, e, l, m, s)
#else
#define dbg_init(p, m, l)            ((void)(p), (void)(m), (void)(l))
#define dbg_acquire(p, m, l, s, f)   ((void)(p), (void)(m), (void)(l), (void)(s), 0)
#define dbg_acquired(p, m, s, f)     ((void)(p), (void)(m), (void)(s))
#define dbg_abandon(p, m, l)         ((void)(p), (void)(m), (void)(l))
#define dbg_release(p, m, l, s, f)   ((void)(p), (void)(m), (void)(l), (void)(s), 0)
#define dbg_spin(p, m, l, s, n)      ((void)(p), (void)(m), (void)(l), (void)(s), (void)(n))
#define dbg_report(p, k, e, l, m, s) ((void)(p), (void)(l), (void)(m), (void)(s))
#endif

/*
 * Wait-queue internals shared by the sleeping primitives (waitq.c). The
 * queue lock is an irqsave spinlock without debug hooks (internal locks never
 * nest, so they stay out of the lock-order graph). kk_sync__wq_sleep() is entered with
 * the lock held and @w enqueued; it returns with the lock held: 0 once a
 * waker dequeued @w (w->status says what it handed over), KK_ETIMEDOUT with
 * @w dequeued by itself. Wakers call kk_sync__wq_wake() with the lock held.
 */
#define WQ_MAGIC 0x6b6b5751u
int kk_sync__wq_init(struct kk_waitq *wq, const struct kk_sync_platform *plat);

static inline bool wq_ok(const struct kk_waitq *wq)
{
    return wq && wq->magic == WQ_MAGIC && wq->plat;
}

/* 0, or KK_ENOTSUP for a finite non-zero deadline without now(). */
static inline int wq_deadline_ok(const struct kk_sync_platform *p, uint64_t deadline)
{
    return deadline == KK_SYNC_FOREVER || deadline == 0 || p->now ? 0 : KK_ENOTSUP;
}

static inline bool wq_expired(const struct kk_sync_platform *p, uint64_t deadline)
{
    return deadline == 0 || (deadline != KK_SYNC_FOREVER && p->now(p->ctx) >= deadline);
}
unsigned long kk_sync__wq_lock(struct kk_waitq *wq);
void kk_sync__wq_unlock(struct kk_waitq *wq, unsigned long flags);
void kk_sync__wq_enqueue(struct kk_waitq *wq, struct kk_waiter *w, void *thread);
struct kk_waiter *kk_sync__wq_first(const struct kk_waitq *wq);
void kk_sync__wq_wake(struct kk_waitq *wq, struct kk_waiter *w, int status);
int kk_sync__wq_sleep(struct kk_waitq *wq, struct kk_waiter *w, unsigned long *flags,
                      uint64_t deadline);
int kk_sync__plat_sleepers(const struct kk_sync_platform *p);
int kk_sync__units_take(struct kk_waitq *wq, int32_t *count, const uint32_t *all, uint64_t deadline,
                        int busy_rc, int32_t *pending);
void kk_sync__sem_pending_add(struct kk_sem *s, int32_t *pending);
int kk_sync__sem_pending_give(struct kk_sem *s, int32_t *pending);
int kk_sync__sem_pending_take(struct kk_sem *s, int32_t *pending, uint64_t deadline);
int kk_sync__units_give(struct kk_waitq *wq, int32_t *count, bool to_all);

#endif
