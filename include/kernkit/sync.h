/**
 * @file sync.h
 * @brief kernkit::sync: spinlocks, interrupt/preemption guards and sleeping locks
 *        over one portable platform interface.
 *
 * The host kernel fills one struct kk_sync_platform (interrupt save/restore,
 * preemption, current thread, block/wake, clock) and passes it to every lock's
 * init function. Every lock is a caller-allocated struct; nothing here
 * allocates or owns globals.
 *
 * Compile-time options (must be the same for the library and its users; the
 * CMake options KERNKIT_SYNC_DEBUG and KERNKIT_SYNC_UP set them on the target):
 * - KK_SYNC_DEBUG: owner tracking, self-deadlock detection, unlock-by-non-owner
 *   reports, a spin watchdog and a lock-order checker (struct kk_lockdep).
 * - KK_SYNC_UP: uniprocessor build; spinlocks reduce to their guards (no
 *   atomics, no spinning) and only keep a flag to catch misuse.
 *
 * The contract (no-lost-wake-up rule of block(), Hoare monitor versus Mesa
 * condition variable, results of every bad input) is in docs/sync.md.
 */
#ifndef KERNKIT_SYNC_H
#define KERNKIT_SYNC_H

#include <kernkit/base.h>
#include <kernkit/list.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Platform interface version of this header (low byte of KK_SYNC_PLATFORM_VERSION). */
#define KK_SYNC_PLATFORM_V1 1u

/** Bit of KK_SYNC_PLATFORM_VERSION set in KK_SYNC_DEBUG builds (lock layouts differ). */
#define KK_SYNC_VERSION_DEBUG 0x100u
/** Bit of KK_SYNC_PLATFORM_VERSION set in KK_SYNC_UP builds. */
#define KK_SYNC_VERSION_UP 0x200u

/** @cond KK_INTERNAL */
#if defined(KK_SYNC_DEBUG) && defined(KK_SYNC_UP)
#define KK_SYNC_BUILD_BITS_ (KK_SYNC_VERSION_DEBUG | KK_SYNC_VERSION_UP)
#elif defined(KK_SYNC_DEBUG)
#define KK_SYNC_BUILD_BITS_ KK_SYNC_VERSION_DEBUG
#elif defined(KK_SYNC_UP)
#define KK_SYNC_BUILD_BITS_ KK_SYNC_VERSION_UP
#else
#define KK_SYNC_BUILD_BITS_ 0u
#endif
/** @endcond */

/**
 * Value for kk_sync_platform::version: the interface version plus the build
 * options the caller was compiled with. Init functions reject a platform whose
 * version differs from the library's (a debug/release or UP/SMP mix-up).
 */
#define KK_SYNC_PLATFORM_VERSION (KK_SYNC_PLATFORM_V1 | KK_SYNC_BUILD_BITS_)

/**
 * Deadline meaning "wait forever" for every *_timeout / deadline argument.
 * Deadlines are absolute times in kk_sync_platform::now units; any deadline
 * already past (0 in particular, which never needs now()) means "do not sleep".
 */
#define KK_SYNC_FOREVER UINT64_MAX

struct kk_waitq;
struct kk_lockdep;
struct kk_sync_report;

/**
 * @brief The platform interface: how the library talks to the host kernel.
 *
 * Filled and owned by the caller; it must outlive every lock initialised with
 * it. Every callback gets @c ctx back. Optional callbacks may be NULL.
 * Spinlocks need none of the callbacks; sleeping primitives need @c current,
 * @c block and @c wake (their init returns KK_ENOTSUP otherwise); deadlines
 * other than KK_SYNC_FOREVER need @c now.
 */
struct kk_sync_platform {
    /** Must be KK_SYNC_PLATFORM_VERSION; other values make init return KK_EINVAL. */
    uint32_t version;
    /** Opaque pointer passed to every callback. */
    void *ctx;
    /**
     * Optional: disable interrupts on this CPU and return the previous state
     * (opaque to the library). NULL when the host has no interrupts.
     */
    unsigned long (*irq_save)(void *ctx);
    /** Optional (NULL exactly when @c irq_save is): restore a state irq_save() returned. */
    void (*irq_restore)(void *ctx, unsigned long flags);
    /** Optional: disable preemption (nests; counted by the host). */
    void (*preempt_disable)(void *ctx);
    /** Optional (NULL exactly when @c preempt_disable is): re-enable preemption. */
    void (*preempt_enable)(void *ctx);
    /** Optional: pause inside spin loops; NULL uses the architecture's pause hint. */
    void (*cpu_relax)(void *ctx);
    /** Optional: the current CPU's number (0 if NULL); used in debug reports. */
    uint32_t (*cpu_id)(void *ctx);
    /**
     * Opaque handle of the running thread: non-NULL, unique among live
     * threads, with its two low bits clear (a pointer to a thread control
     * block qualifies). Required by sleeping primitives.
     */
    void *(*current)(void *ctx);
    /**
     * Put the current thread to sleep. The host must mark the thread asleep
     * *before* calling @p unlock(@p arg) (which releases the wait queue's
     * internal spinlock), so that a wake() issued at any time after @p unlock
     * started makes block() return: no lost wake-ups. Returns 0 when woken
     * (spurious returns are allowed: the library re-checks its condition) or
     * KK_ETIMEDOUT once now() >= @p deadline (never for KK_SYNC_FOREVER).
     * Called with interrupts and preemption in the state the caller of the
     * sleeping primitive had them (enabled), never inside a spinlock guard.
     * @p wq is the queue slept on (for the host's bookkeeping; may be ignored).
     */
    int (*block)(void *ctx, struct kk_waitq *wq, void (*unlock)(void *arg), void *arg,
                 uint64_t deadline);
    /**
     * Make @p thread runnable (a no-op if it is running). Called from any
     * context while a wait queue's internal spinlock is held (interrupts off),
     * so it must not sleep or take locks that are held around kernkit calls.
     */
    void (*wake)(void *ctx, void *thread);
    /** Optional: monotonic time (any unit, e.g. ns) that deadlines are compared with. */
    uint64_t (*now)(void *ctx);
    /** Debug builds: optional lock-order checker instance (see kk_lockdep_init()); NULL = off. */
    struct kk_lockdep *lockdep;
    /** Debug builds: optional sink for misuse reports; called with no kernkit lock held. */
    void (*report)(void *ctx, const struct kk_sync_report *r);
    /** Debug builds: spin iterations before the watchdog reports a lockup (0 = 1<<24). */
    uint32_t spin_limit;
    /**
     * Optional: is @p thread running on a CPU right now? A KK_MUTEX_ADAPTIVE
     * mutex stops spinning (and sleeps) as soon as this returns false for
     * the owner. @p thread held the mutex a moment ago but may have exited
     * since: the host must make the call safe for such a handle (e.g. free
     * thread control blocks only after a grace period, or look the handle
     * up in a table of live threads). NULL: spin for @c mutex_spin only.
     */
    bool (*owner_running)(void *ctx, void *thread);
    /** Relax steps a KK_MUTEX_ADAPTIVE mutex spins before sleeping (0 = 1000). */
    uint32_t mutex_spin;
};

/**
 * @brief Check a platform: version, callback pairs.
 * @param plat the platform.
 * @return 0; KK_EINVAL if @p plat is NULL, has another version (wrong build
 *         options) or only one half of a callback pair.
 */
KK_API int kk_sync_platform_check(const struct kk_sync_platform *plat);

/** @defgroup kk_sync_debug Debug-build data (KK_SYNC_DEBUG)
 * @{
 */

/**
 * @brief A lock class for the lock-order checker. Locks sharing a class are
 * one node of the dependency graph (like Linux lockdep's lock_class_key).
 * Caller-owned; usually static. A lock with no class is its own class.
 */
struct kk_lock_class {
    const char *name; /**< Name used in reports (may be NULL). */
};

/**
 * @brief Where a lock call was made (debug builds). Through the site macros
 * (see @ref kk_sync_sites) both the source position and the return address
 * are known; through a plain function call only the return address.
 */
struct kk_sync_site {
    const char *file; /**< __FILE__ of the call, or NULL if unknown. */
    void *addr;       /**< Return address of the kernkit call, or NULL if unknown. */
    uint32_t line;    /**< __LINE__ of the call (0 when @c file is NULL). */
};

/**
 * @brief Per-lock debug state, present in every lock of a KK_SYNC_DEBUG build.
 * Maintained by the library; read it only for diagnostics.
 */
struct kk_lockdep_map {
    const struct kk_lock_class *cls; /**< Class set by KK_SYNC_SET_CLASS(), or NULL. */
    void *owner;                     /**< Holder's thread handle (writer for rw locks). */
    struct kk_sync_site site;        /**< Where the holder's lock call was made. */
    uint32_t cpu;                    /**< CPU the holder locked on. */
    uint32_t magic;                  /**< KK_LOCKDEP_MAGIC while initialised. */
};

/** Value of kk_lockdep_map::magic for an initialised lock. */
#define KK_LOCKDEP_MAGIC 0x6b6b5359u

/** Kinds of debug-build reports. */
enum kk_sync_report_kind {
    KK_SYNC_R_SELF_DEADLOCK = 1, /**< Lock taken again by its holder (returns KK_EDEADLK). */
    KK_SYNC_R_NOT_OWNER,         /**< Unlock by a thread that does not hold it (KK_EPERM). */
    KK_SYNC_R_NOT_LOCKED,        /**< Unlock of an unlocked lock (KK_EPERM). */
    KK_SYNC_R_ORDER,             /**< Lock-order inversion (AB-BA); the lock is still taken. */
    KK_SYNC_R_SPIN_LOCKUP,       /**< Spin watchdog: spun spin_limit times; keeps spinning. */
    KK_SYNC_R_BUSY,              /**< Destroy of a held lock or one with waiters (KK_EBUSY). */
    KK_SYNC_R_COND_NO_MUTEX,     /**< Condvar/monitor wait without holding the lock (KK_EPERM). */
    KK_SYNC_R_LOCKDEP_FULL,      /**< Lock-order checker out of table space; it stops. */
    KK_SYNC_R_UNINIT             /**< Lock used before init or after destroy (KK_EINVAL). */
};

/**
 * @brief One debug report, passed to kk_sync_platform::report.
 * Only valid during the call (copy what you keep; the file names are string
 * literals and stay valid). kk_sync_report_format() turns it into one line.
 */
struct kk_sync_report {
    enum kk_sync_report_kind kind; /**< What happened. */
    int err;                       /**< The code the call returns (0 if it proceeds). */
    const void *lock;              /**< The lock being operated on. */
    const char *name;              /**< Its class name, or NULL. */
    struct kk_sync_site site;      /**< Where the offending call was made. */
    void *thread;                  /**< Thread handle of the caller (NULL if unknown). */
    uint32_t cpu;                  /**< CPU of the caller. */
    /** SELF_DEADLOCK/NOT_OWNER/SPIN_LOCKUP/BUSY: current holder; ORDER: the held lock. */
    const void *other;
    const char *other_name; /**< Class name of @c other, or NULL. */
    struct kk_sync_site
        other_site;     /**< Where @c other was acquired (by its holder / the caller). */
    void *other_thread; /**< Holder of the lock (SELF_DEADLOCK/NOT_OWNER/SPIN_LOCKUP). */
    /** ORDER only: where @c lock was taken when the opposite order was first seen. */
    struct kk_sync_site prior_site;
    /** ORDER only: where @c other was then taken while @c lock was held. */
    struct kk_sync_site prior_other_site;
    /**
     * ORDER only: class name of the lock taken at @c prior_other_site: that
     * of @c other, or, when the opposite order is a chain (A -> X -> ... ->
     * B), of its first step X. NULL if unnamed.
     */
    const char *prior_other_name;
};

/** @} */

/** @defgroup kk_guard Interrupt and preemption guards
 * @{
 */

/** What a guard disables. */
enum kk_guard_kind {
    KK_GUARD_NONE = 0,      /**< Nothing (a no-op guard). */
    KK_GUARD_NOPREEMPT = 1, /**< Preemption (preempt_disable/enable). */
    KK_GUARD_IRQSAVE = 2    /**< Interrupts (irq_save/restore) and preemption. */
};

/** @brief An entered guard: what to undo. Caller-owned, usually on the stack. */
struct kk_guard {
    const struct kk_sync_platform *plat; /**< Platform it was entered with. */
    unsigned long flags;                 /**< Interrupt state to restore. */
    uint32_t kind;                       /**< enum kk_guard_kind, or 0 when left. */
    uint32_t active;                     /**< 1 between enter and leave. */
};

/**
 * @brief Enter a guard: irq_save (for KK_GUARD_IRQSAVE) then preempt_disable.
 * @param g caller-owned guard state.
 * @param plat the platform.
 * @param kind what to disable.
 * @return 0; KK_EINVAL for NULL arguments, an unknown kind or a bad platform.
 */
KK_API int kk_guard_enter(struct kk_guard *g, const struct kk_sync_platform *plat,
                          enum kk_guard_kind kind);

/**
 * @brief Leave a guard: irq_restore then preempt_enable (Linux's order).
 * @param g a guard entered with kk_guard_enter().
 * @return 0; KK_EINVAL if @p g is NULL; KK_EPERM if it is not entered.
 */
KK_API int kk_guard_leave(struct kk_guard *g);

/** @} */

/** @cond KK_INTERNAL */
#ifdef KK_SYNC_DEBUG
#define KK_SYNC_DEP_FIELD_              struct kk_lockdep_map dep;
#define KK_SYNC_SET_CLASS_(lock, klass) ((lock)->dep.cls = (klass))
#else
#define KK_SYNC_DEP_FIELD_
#define KK_SYNC_SET_CLASS_(lock, cls) ((void)(lock), (void)(cls))
#endif
/** @endcond */

/** @defgroup kk_spin Spinlocks
 * Every spinlock's plain lock disables preemption (if the platform can) and
 * its irqsave lock disables interrupts too; unlock releases the lock first
 * and restores interrupts/preemption after. In a KK_SYNC_UP build the lock
 * reduces to the guard plus a plain "held" flag.
 * Common results: 0 on success; KK_EINVAL for NULL or uninitialised locks;
 * KK_EBUSY from trylock when held; KK_EPERM from unlocking an unlocked lock
 * (and, in debug builds, a lock held by another thread); KK_EDEADLK when the
 * caller already holds it (debug and UP builds detect this; SMP release
 * builds spin forever, as any spinlock does).
 * @{
 */

/**
 * Set the lock-order class of lock @p lock (any kernkit lock) to @p cls
 * (a const struct kk_lock_class *); a no-op outside debug builds.
 */
#define KK_SYNC_SET_CLASS(lock, cls) KK_SYNC_SET_CLASS_(lock, cls)

/** @brief Test-and-test-and-set spinlock. Initialise with kk_spin_init(). */
struct kk_spin {
    uint32_t locked;                     /**< 1 while held. */
    const struct kk_sync_platform *plat; /**< Platform (guards, relax, debug). */
    KK_SYNC_DEP_FIELD_
};

/**
 * @brief Initialise an unlocked spinlock.
 * @param l the lock (caller-owned).
 * @param plat the platform; must outlive the lock.
 * @return 0, or KK_EINVAL (NULL argument, kk_sync_platform_check() failed).
 */
KK_API int kk_spin_init(struct kk_spin *l, const struct kk_sync_platform *plat);
/** @brief Acquire with preemption disabled. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_spin_lock(struct kk_spin *l);
/** @brief Acquire if free. @param l the lock. @return 0 or KK_EBUSY (see @ref kk_spin). */
KK_API int kk_spin_trylock(struct kk_spin *l);
/** @brief Release, then re-enable preemption. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_spin_unlock(struct kk_spin *l);
/**
 * @brief Save and disable interrupts, then acquire.
 * @param l the lock.
 * @param flags receives the interrupt state for kk_spin_unlock_irqrestore().
 * @return see @ref kk_spin (on error interrupts are restored and @p flags is untouched).
 */
KK_API int kk_spin_lock_irqsave(struct kk_spin *l, unsigned long *flags);
/**
 * @brief Acquire with interrupts disabled if free.
 * @param l the lock.
 * @param flags receives the interrupt state.
 * @return 0 or KK_EBUSY (interrupts restored) or as kk_spin_lock_irqsave().
 */
KK_API int kk_spin_trylock_irqsave(struct kk_spin *l, unsigned long *flags);
/**
 * @brief Release, then restore interrupts (only after the release).
 * @param l the lock.
 * @param flags the state kk_spin_lock_irqsave() saved.
 * @return see @ref kk_spin (on error interrupts are left as they are).
 */
KK_API int kk_spin_unlock_irqrestore(struct kk_spin *l, unsigned long flags);
/** @brief Is the lock held (by anyone)? @param l the lock. @return the state (racy hint). */
KK_API bool kk_spin_is_locked(const struct kk_spin *l);

/** @brief FIFO ticket spinlock. Initialise with kk_ticket_init(). */
struct kk_ticket {
    uint32_t next;                       /**< Next ticket to hand out. */
    uint32_t owner;                      /**< Ticket now served. */
    const struct kk_sync_platform *plat; /**< Platform. */
    KK_SYNC_DEP_FIELD_
};

/** @brief Initialise. @param l the lock. @param plat the platform. @return 0 or KK_EINVAL. */
KK_API int kk_ticket_init(struct kk_ticket *l, const struct kk_sync_platform *plat);
/** @brief Take a ticket and wait for it. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_ticket_lock(struct kk_ticket *l);
/** @brief Acquire if nobody holds or waits. @param l the lock. @return 0 or KK_EBUSY. */
KK_API int kk_ticket_trylock(struct kk_ticket *l);
/** @brief Serve the next ticket. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_ticket_unlock(struct kk_ticket *l);
/**
 * @brief Irqsave acquire. @param l the lock. @param flags receives the interrupt state.
 * @return see @ref kk_spin.
 */
KK_API int kk_ticket_lock_irqsave(struct kk_ticket *l, unsigned long *flags);
/**
 * @brief Release, then restore interrupts. @param l the lock. @param flags saved state.
 * @return see @ref kk_spin.
 */
KK_API int kk_ticket_unlock_irqrestore(struct kk_ticket *l, unsigned long flags);

/**
 * @brief Queue node of an MCS lock, provided by each acquirer (usually on its
 * stack) and passed to lock and unlock. It must stay valid until unlock returns.
 */
struct kk_mcs_node {
    struct kk_mcs_node *next; /**< Successor in the queue. */
    uint32_t state;           /**< Waiting, granted, held or idle (library-private values). */
};

/** @brief MCS queue spinlock: each waiter spins on its own node. */
struct kk_mcs {
    struct kk_mcs_node *tail;            /**< Last node in the queue, NULL when free. */
    const struct kk_sync_platform *plat; /**< Platform. */
    KK_SYNC_DEP_FIELD_
};

/** @brief Initialise. @param l the lock. @param plat the platform. @return 0 or KK_EINVAL. */
KK_API int kk_mcs_init(struct kk_mcs *l, const struct kk_sync_platform *plat);
/**
 * @brief Acquire, queueing @p node. @param l the lock. @param node caller's node.
 * @return see @ref kk_spin; KK_EINVAL also for a NULL node.
 */
KK_API int kk_mcs_lock(struct kk_mcs *l, struct kk_mcs_node *node);
/** @brief Acquire if free. @param l the lock. @param node caller's node. @return 0 or KK_EBUSY. */
KK_API int kk_mcs_trylock(struct kk_mcs *l, struct kk_mcs_node *node);
/**
 * @brief Release, handing over to the next node.
 * @param l the lock. @param node the node it was locked with.
 * @return see @ref kk_spin; KK_EPERM also when @p node does not hold the lock.
 */
KK_API int kk_mcs_unlock(struct kk_mcs *l, struct kk_mcs_node *node);
/**
 * @brief Irqsave acquire. @param l the lock. @param node caller's node.
 * @param flags receives the interrupt state. @return see kk_mcs_lock().
 */
KK_API int kk_mcs_lock_irqsave(struct kk_mcs *l, struct kk_mcs_node *node, unsigned long *flags);
/**
 * @brief Release, then restore interrupts. @param l the lock. @param node its node.
 * @param flags saved state. @return see kk_mcs_unlock().
 */
KK_API int kk_mcs_unlock_irqrestore(struct kk_mcs *l, struct kk_mcs_node *node,
                                    unsigned long flags);

/**
 * @brief Reader-writer spinlock: many readers or one writer; a waiting writer
 * stops new readers (no writer starvation). Not recursive for writers.
 */
struct kk_rwspin {
    uint32_t word;                       /**< Writer bit, writer-waiting bit, reader count. */
    const struct kk_sync_platform *plat; /**< Platform. */
    KK_SYNC_DEP_FIELD_
};

/** @brief Initialise. @param l the lock. @param plat the platform. @return 0 or KK_EINVAL. */
KK_API int kk_rwspin_init(struct kk_rwspin *l, const struct kk_sync_platform *plat);
/** @brief Acquire shared. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_rwspin_read_lock(struct kk_rwspin *l);
/** @brief Acquire shared if no writer holds or waits. @param l the lock. @return 0/KK_EBUSY. */
KK_API int kk_rwspin_read_trylock(struct kk_rwspin *l);
/** @brief Release shared. @param l the lock. @return 0; KK_EPERM if no reader holds it. */
KK_API int kk_rwspin_read_unlock(struct kk_rwspin *l);
/** @brief Acquire exclusive. @param l the lock. @return see @ref kk_spin. */
KK_API int kk_rwspin_write_lock(struct kk_rwspin *l);
/** @brief Acquire exclusive if free. @param l the lock. @return 0 or KK_EBUSY. */
KK_API int kk_rwspin_write_trylock(struct kk_rwspin *l);
/** @brief Release exclusive. @param l the lock. @return 0; KK_EPERM if no writer holds it. */
KK_API int kk_rwspin_write_unlock(struct kk_rwspin *l);
/**
 * @brief Irqsave shared acquire. @param l the lock. @param flags receives the state.
 * @return see @ref kk_spin.
 */
KK_API int kk_rwspin_read_lock_irqsave(struct kk_rwspin *l, unsigned long *flags);
/**
 * @brief Release shared, then restore interrupts. @param l the lock. @param flags saved state.
 * @return see kk_rwspin_read_unlock().
 */
KK_API int kk_rwspin_read_unlock_irqrestore(struct kk_rwspin *l, unsigned long flags);
/**
 * @brief Irqsave exclusive acquire. @param l the lock. @param flags receives the state.
 * @return see @ref kk_spin.
 */
KK_API int kk_rwspin_write_lock_irqsave(struct kk_rwspin *l, unsigned long *flags);
/**
 * @brief Release exclusive, then restore interrupts. @param l the lock.
 * @param flags saved state. @return see kk_rwspin_write_unlock().
 */
KK_API int kk_rwspin_write_unlock_irqrestore(struct kk_rwspin *l, unsigned long flags);

/** @} */

/** @defgroup kk_waitq Wait queues
 * The building block of the sleeping primitives. A wait queue is a list of
 * sleeping threads guarded by an internal irqsave spinlock; wake-ups may be
 * issued from interrupt handlers. Sleeping calls must be made from thread
 * context with no spinlock held and interrupts enabled.
 * @{
 */

/**
 * @brief A sleeping thread's entry in a wait queue. Library-managed; it lives
 * on the sleeper's stack for the duration of one wait.
 */
struct kk_waiter {
    struct kk_list link; /**< Position in kk_waitq::waiters. */
    void *thread;        /**< The sleeper's thread handle. */
    int status;          /**< What the waker handed over (library-private). */
    uint32_t woken;      /**< Set (under the queue lock) when dequeued by a waker. */
};

/** @brief A FIFO queue of sleeping threads. Initialise with kk_waitq_init(). */
struct kk_waitq {
    uint32_t lock;                       /**< Internal spinlock word. */
    uint32_t magic;                      /**< Set while initialised. */
    const struct kk_sync_platform *plat; /**< Platform (must provide current/block/wake). */
    struct kk_list waiters;              /**< struct kk_waiter, oldest first. */
};

/**
 * @brief Initialise an empty wait queue.
 * @param wq the queue (caller-owned).
 * @param plat the platform; must outlive the queue.
 * @return 0; KK_EINVAL for NULL or a bad platform; KK_ENOTSUP if the platform
 *         lacks current, block or wake.
 */
KK_API int kk_waitq_init(struct kk_waitq *wq, const struct kk_sync_platform *plat);

/**
 * @brief Mark a wait queue unusable.
 * @param wq the queue.
 * @return 0; KK_EINVAL if not initialised; KK_EBUSY (queue unchanged) if
 *         threads are waiting.
 */
KK_API int kk_waitq_destroy(struct kk_waitq *wq);

/**
 * @brief Sleep until @p cond(@p arg) is true ("wait_event").
 *
 * @p cond is evaluated with the queue's internal lock held and interrupts
 * off: it must be short and must not sleep or call into this queue. A
 * waker makes the condition true and then calls kk_waitq_wake_one() or
 * kk_waitq_wake_all(); no wake-up is lost between the check and the sleep.
 * @param wq the queue.
 * @param cond the condition (NULL is KK_EINVAL).
 * @param arg passed to @p cond.
 * @param deadline absolute time in kk_sync_platform::now units, or KK_SYNC_FOREVER.
 * @return 0 once @p cond is true (at once if it already is, whatever the
 *         deadline); KK_ETIMEDOUT when the deadline passes first (a deadline
 *         in the past checks once and never sleeps); KK_ENOTSUP for a finite
 *         deadline without a now() callback; KK_EINVAL for bad arguments.
 */
KK_API int kk_waitq_wait(struct kk_waitq *wq, bool (*cond)(void *arg), void *arg,
                         uint64_t deadline);

/**
 * @brief Wake the oldest waiter (it re-checks its condition).
 * @param wq the queue.
 * @return the number of threads woken (0 or 1), or KK_EINVAL.
 */
KK_API int kk_waitq_wake_one(struct kk_waitq *wq);

/**
 * @brief Wake every waiter.
 * @param wq the queue.
 * @return the number of threads woken, or KK_EINVAL.
 */
KK_API int kk_waitq_wake_all(struct kk_waitq *wq);

/** @} */

/** @defgroup kk_mutex Mutex
 * A sleeping lock with an owner. The owner word holds the owner's thread
 * handle (so ownership is checked in every build, cheaply): unlocking by a
 * non-owner and unlocking an unlocked mutex return KK_EPERM, and locking a
 * mutex the caller holds returns KK_EDEADLK instead of hanging.
 * Uncontended lock and unlock are one compare-and-swap each.
 * @{
 */

/** kk_mutex_init() flag: hand the mutex to the oldest waiter on unlock (no barging). */
#define KK_MUTEX_FIFO 1u
/**
 * kk_mutex_init() flag: spin-then-sleep. A locker that finds the mutex held
 * first spins (cpu_relax) for up to kk_sync_platform::mutex_spin steps while
 * the owner runs (kk_sync_platform::owner_running, if given) and takes the
 * mutex if it is freed meanwhile; then it sleeps as usual. Pays off when
 * critical sections are shorter than a sleep/wake-up. Never spins for
 * trylock or a deadline already past. With KK_MUTEX_FIFO a spinner only takes
 * a mutex nobody sleeps on.
 */
#define KK_MUTEX_ADAPTIVE 2u

/** @brief A sleeping mutex. Initialise with kk_mutex_init(). */
struct kk_mutex {
    uintptr_t owner;    /**< Owner thread handle | 1 when threads wait; 0 when free. */
    uint32_t flags;     /**< KK_MUTEX_FIFO and/or KK_MUTEX_ADAPTIVE, or 0. */
    struct kk_waitq wq; /**< Sleeping lockers. */
    KK_SYNC_DEP_FIELD_
};

/**
 * @brief Initialise an unlocked mutex.
 * @param m the mutex (caller-owned).
 * @param plat the platform; must outlive the mutex.
 * @param flags 0 (waiters woken on unlock compete with new lockers: fastest)
 *        or KK_MUTEX_FIFO (ownership handed to the oldest waiter: fair),
 *        optionally or-ed with KK_MUTEX_ADAPTIVE (spin before sleeping).
 * @return 0; KK_EINVAL (NULL, bad platform, unknown flags); KK_ENOTSUP (see kk_waitq_init()).
 */
KK_API int kk_mutex_init(struct kk_mutex *m, const struct kk_sync_platform *plat, uint32_t flags);

/**
 * @brief Mark a mutex unusable.
 * @param m the mutex.
 * @return 0; KK_EINVAL if not initialised; KK_EBUSY (mutex unchanged) while
 *         it is held or has waiters.
 */
KK_API int kk_mutex_destroy(struct kk_mutex *m);

/**
 * @brief Acquire, sleeping while another thread holds it.
 * @param m the mutex.
 * @return 0; KK_EDEADLK if the caller already holds it; KK_EINVAL.
 */
KK_API int kk_mutex_lock(struct kk_mutex *m);

/**
 * @brief Acquire, sleeping at most until @p deadline.
 * @param m the mutex.
 * @param deadline absolute time (kk_sync_platform::now units) or KK_SYNC_FOREVER.
 * @return as kk_mutex_lock(), or KK_ETIMEDOUT (a past deadline tries once);
 *         KK_ENOTSUP for a finite deadline without now().
 */
KK_API int kk_mutex_lock_timeout(struct kk_mutex *m, uint64_t deadline);

/**
 * @brief Acquire if free, never sleeping.
 * @param m the mutex.
 * @return 0; KK_EBUSY if held (KK_EDEADLK if by the caller); KK_EINVAL.
 */
KK_API int kk_mutex_trylock(struct kk_mutex *m);

/**
 * @brief Release, waking (or, with KK_MUTEX_FIFO, handing over to) the oldest waiter.
 * @param m the mutex.
 * @return 0; KK_EPERM if the caller does not hold it (unlocked or held by
 *         another thread; nothing changes); KK_EINVAL.
 */
KK_API int kk_mutex_unlock(struct kk_mutex *m);

/**
 * @brief The mutex's owner.
 * @param m the mutex.
 * @return the owner's thread handle, or NULL if free (or @p m is NULL).
 */
KK_API void *kk_mutex_owner(const struct kk_mutex *m);

/** @} */

/** @defgroup kk_sem Counting semaphore
 * up() hands a unit directly to the oldest sleeper, so waiters are served
 * in FIFO order and a unit is never stolen by a late down().
 * @{
 */

/** Largest semaphore count. */
#define KK_SEM_MAX 0x7fffffff

/** @brief A counting semaphore. Initialise with kk_sem_init(). */
struct kk_sem {
    int32_t count;      /**< Available units (changed under the queue lock). */
    struct kk_waitq wq; /**< Sleepers in down(). */
};

/**
 * @brief Initialise with @p value units.
 * @param s the semaphore. @param plat the platform. @param value initial count (<= KK_SEM_MAX).
 * @return 0; KK_EINVAL (NULL, bad platform, value too large); KK_ENOTSUP.
 */
KK_API int kk_sem_init(struct kk_sem *s, const struct kk_sync_platform *plat, uint32_t value);
/**
 * @brief Mark unusable. @param s the semaphore.
 * @return 0; KK_EBUSY (unchanged) with sleepers; KK_EINVAL.
 */
KK_API int kk_sem_destroy(struct kk_sem *s);
/** @brief Take a unit, sleeping until one is available. @param s the semaphore. @return 0 or
 * KK_EINVAL. */
KK_API int kk_sem_down(struct kk_sem *s);
/**
 * @brief Take a unit, sleeping at most until @p deadline.
 * @param s the semaphore.
 * @param deadline absolute time or KK_SYNC_FOREVER; a past deadline only tries.
 * @return 0; KK_ETIMEDOUT; KK_ENOTSUP (finite deadline without now()); KK_EINVAL.
 */
KK_API int kk_sem_down_timeout(struct kk_sem *s, uint64_t deadline);
/** @brief Take a unit if one is available. @param s the semaphore. @return 0, KK_EAGAIN or
 * KK_EINVAL. */
KK_API int kk_sem_trydown(struct kk_sem *s);
/**
 * @brief Return a unit (to the oldest sleeper if any). Callable from interrupt handlers.
 * @param s the semaphore.
 * @return 0; KK_EOVERFLOW (unchanged) if the count is KK_SEM_MAX; KK_EINVAL.
 */
KK_API int kk_sem_up(struct kk_sem *s);
/** @brief Current count (a racy snapshot). @param s the semaphore. @return the count, or KK_EINVAL.
 */
KK_API int kk_sem_value(const struct kk_sem *s);

/** @} */

/** @defgroup kk_cond Condition variable (Mesa semantics)
 * signal() makes a waiter runnable; it re-acquires the mutex later, so the
 * condition may have changed: always wait in a loop. Signal and broadcast
 * may be called with or without the mutex held, and from interrupt handlers.
 * @{
 */

/** @brief A Mesa condition variable. Initialise with kk_cond_init(). */
struct kk_cond {
    struct kk_waitq wq; /**< Waiting threads. */
};

/**
 * @brief Initialise. @param c the condvar. @param plat the platform.
 * @return 0; KK_EINVAL; KK_ENOTSUP.
 */
KK_API int kk_cond_init(struct kk_cond *c, const struct kk_sync_platform *plat);
/** @brief Mark unusable. @param c the condvar. @return 0; KK_EBUSY with waiters; KK_EINVAL. */
KK_API int kk_cond_destroy(struct kk_cond *c);
/**
 * @brief Atomically release @p m and sleep; re-acquire @p m before returning.
 * @param c the condvar. @param m a mutex the caller holds.
 * @return 0 (also on spurious wake-ups); KK_EPERM (nothing done) if the caller
 *         does not hold @p m; KK_EINVAL.
 */
KK_API int kk_cond_wait(struct kk_cond *c, struct kk_mutex *m);
/**
 * @brief As kk_cond_wait(), giving up at @p deadline.
 * @param c the condvar. @param m a mutex the caller holds.
 * @param deadline absolute time or KK_SYNC_FOREVER.
 * @return 0; KK_ETIMEDOUT (with @p m held again; a deadline already past
 *         returns at once without releasing @p m); KK_EPERM; KK_ENOTSUP; KK_EINVAL.
 */
KK_API int kk_cond_wait_timeout(struct kk_cond *c, struct kk_mutex *m, uint64_t deadline);
/** @brief Wake the oldest waiter. @param c the condvar. @return threads woken (0/1) or KK_EINVAL.
 */
KK_API int kk_cond_signal(struct kk_cond *c);
/** @brief Wake all waiters. @param c the condvar. @return threads woken or KK_EINVAL. */
KK_API int kk_cond_broadcast(struct kk_cond *c);

/** @} */

/** @defgroup kk_monitor Monitor (Hoare semantics)
 * A monitor in the style of uCore lab 7 built from semaphores: signal()
 * passes the monitor *immediately* to the signalled waiter and the signaller
 * waits on an internal "next" queue until that waiter leaves or waits again
 * (signal-and-urgent-wait). So a waiter returning from kk_monitor_wait()
 * finds exactly the state the signaller established: an @c if suffices
 * where a Mesa condition variable (@ref kk_cond) needs a @c while.
 * Leaving gives priority to signallers waiting on "next" over new entrants.
 * @{
 */

/** @brief A Hoare monitor. Initialise with kk_monitor_init(). */
struct kk_monitor {
    struct kk_sem mutex; /**< Entry semaphore (1 = free). */
    struct kk_sem next;  /**< Signallers waiting to resume. */
    int32_t next_count;  /**< Number of threads waiting on @c next. */
    uint32_t pad;        /**< Reserved, zero. */
    void *owner;         /**< Thread inside the monitor, or NULL. */
};

/** @brief A condition of a monitor. Initialise with kk_monitor_cond_init(). */
struct kk_monitor_cond {
    struct kk_sem sem;      /**< Waiters sleep here. */
    int32_t count;          /**< Waiters a signal can still pick (changed under @c sem's lock). */
    uint32_t pad;           /**< Reserved, zero. */
    struct kk_monitor *mon; /**< The monitor it belongs to. */
};

/**
 * @brief Initialise an empty monitor.
 * @param mon the monitor. @param plat the platform.
 * @return 0; KK_EINVAL; KK_ENOTSUP (platform without block/wake/current).
 */
KK_API int kk_monitor_init(struct kk_monitor *mon, const struct kk_sync_platform *plat);
/**
 * @brief Mark unusable. @param mon the monitor.
 * @return 0; KK_EBUSY (unchanged) while a thread is inside or waiting; KK_EINVAL.
 */
KK_API int kk_monitor_destroy(struct kk_monitor *mon);
/**
 * @brief Enter the monitor, sleeping while another thread is inside.
 * @param mon the monitor.
 * @return 0; KK_EDEADLK if the caller is already inside; KK_EINVAL.
 */
KK_API int kk_monitor_enter(struct kk_monitor *mon);
/**
 * @brief Leave, resuming a waiting signaller first, else admitting an entrant.
 * @param mon the monitor.
 * @return 0; KK_EPERM if the caller is not inside; KK_EINVAL.
 */
KK_API int kk_monitor_leave(struct kk_monitor *mon);
/**
 * @brief Initialise a condition of @p mon.
 * @param cv the condition. @param mon an initialised monitor (must outlive @p cv).
 * @return 0; KK_EINVAL.
 */
KK_API int kk_monitor_cond_init(struct kk_monitor_cond *cv, struct kk_monitor *mon);
/**
 * @brief Mark unusable. @param cv the condition.
 * @return 0; KK_EBUSY (unchanged) with waiters; KK_EINVAL.
 */
KK_API int kk_monitor_cond_destroy(struct kk_monitor_cond *cv);
/**
 * @brief Release the monitor and sleep until signalled; return inside the
 *        monitor, handed over directly by the signaller.
 * @param cv the condition.
 * @return 0; KK_EPERM if the caller is not inside the monitor; KK_EINVAL.
 */
KK_API int kk_monitor_wait(struct kk_monitor_cond *cv);
/**
 * @brief If a thread waits on @p cv, run it now (the caller sleeps until it
 *        leaves the monitor or waits again).
 * @param cv the condition.
 * @return 1 if a waiter ran, 0 if none waited; KK_EPERM if the caller is not
 *         inside the monitor; KK_EINVAL.
 */
KK_API int kk_monitor_signal(struct kk_monitor_cond *cv);
/**
 * @brief As kk_monitor_wait(), giving up at @p deadline.
 *
 * If a signaller hands the monitor over first, this returns 0 exactly like
 * kk_monitor_wait() (Hoare: the state is the signaller's). If the deadline
 * passes first, the caller is no longer a waiter (a later signal cannot pick
 * it) and re-enters the monitor like a new entrant, after the signallers
 * waiting to resume: other threads may have run inside meanwhile, so it
 * must re-check its condition.
 * @param cv the condition.
 * @param deadline absolute time (kk_sync_platform::now units) or KK_SYNC_FOREVER.
 * @return 0 when signalled; KK_ETIMEDOUT (inside the monitor again; a
 *         deadline already past returns at once without leaving it);
 *         KK_EPERM if the caller is not inside; KK_ENOTSUP for a finite
 *         deadline without now(); KK_EINVAL.
 */
KK_API int kk_monitor_wait_timeout(struct kk_monitor_cond *cv, uint64_t deadline);
/**
 * @brief Signal every thread waiting on @p cv when the call is made, Hoare
 *        style: each runs in turn, oldest first, before the next is
 *        signalled (the caller sleeps on the urgent queue in between).
 *
 * The caller resumes inside the monitor after the last of them left or
 * waited again. A thread that waits on @p cv again during the broadcast is
 * not signalled a second time by it.
 * @param cv the condition.
 * @return the number of waiters that ran (0 if none); KK_EPERM if the
 *         caller is not inside the monitor; KK_EINVAL.
 */
KK_API int kk_monitor_broadcast(struct kk_monitor_cond *cv);

/** @} */

/** @defgroup kk_chan Bounded channel
 * A FIFO of fixed-size elements in a caller-provided buffer, with blocking,
 * timed and non-blocking send/receive and close. After close, send returns
 * KK_EPIPE (blocked senders too; their element is not queued) and receive
 * keeps returning queued elements until the channel is empty, then KK_EPIPE.
 * @{
 */

/** @brief A bounded channel. Initialise with kk_chan_init(). */
struct kk_chan {
    struct kk_mutex m;        /**< Protects the fields below. */
    struct kk_cond not_full;  /**< Senders wait here. */
    struct kk_cond not_empty; /**< Receivers wait here. */
    unsigned char *buf;       /**< Caller's buffer: @c cap elements. */
    size_t elem_size;         /**< Bytes per element. */
    uint32_t cap;             /**< Capacity in elements. */
    uint32_t head;            /**< Index of the oldest element. */
    uint32_t count;           /**< Elements queued. */
    uint32_t closed;          /**< 1 after kk_chan_close(). */
    uint32_t waiting;         /**< Threads blocked in send/recv. */
};

/**
 * @brief Initialise an open, empty channel over @p buf.
 * @param ch the channel. @param plat the platform.
 * @param buf caller-owned storage of @p elem_size * @p capacity bytes; must
 *        outlive the channel.
 * @param elem_size bytes per element (> 0).
 * @param capacity elements, 1 .. INT32_MAX (so kk_chan_len() fits an int).
 * @return 0; KK_EINVAL (NULL, zero sizes, capacity above INT32_MAX, size
 *         overflow); KK_ENOTSUP.
 */
KK_API int kk_chan_init(struct kk_chan *ch, const struct kk_sync_platform *plat, void *buf,
                        size_t elem_size, uint32_t capacity);
/**
 * @brief Mark unusable. @param ch the channel.
 * @return 0; KK_EBUSY (unchanged) while threads are blocked in it; KK_EINVAL.
 */
KK_API int kk_chan_destroy(struct kk_chan *ch);
/**
 * @brief Queue a copy of @p elem, sleeping while the channel is full.
 * @param ch the channel. @param elem @c elem_size bytes to copy.
 * @return 0; KK_EPIPE if closed (before or while waiting); KK_EINVAL.
 */
KK_API int kk_chan_send(struct kk_chan *ch, const void *elem);
/**
 * @brief As kk_chan_send(), giving up at @p deadline.
 * @param ch the channel. @param elem the element. @param deadline absolute time or KK_SYNC_FOREVER.
 * @return 0; KK_ETIMEDOUT (a past deadline only tries); KK_EPIPE; KK_ENOTSUP; KK_EINVAL.
 */
KK_API int kk_chan_send_timeout(struct kk_chan *ch, const void *elem, uint64_t deadline);
/**
 * @brief Queue @p elem if there is room, never sleeping.
 * @param ch the channel. @param elem the element.
 * @return 0; KK_EAGAIN if full; KK_EPIPE if closed; KK_EINVAL.
 */
KK_API int kk_chan_try_send(struct kk_chan *ch, const void *elem);
/**
 * @brief Take the oldest element, sleeping while the channel is empty and open.
 * @param ch the channel. @param elem receives @c elem_size bytes.
 * @return 0; KK_EPIPE once closed and drained; KK_EINVAL.
 */
KK_API int kk_chan_recv(struct kk_chan *ch, void *elem);
/**
 * @brief As kk_chan_recv(), giving up at @p deadline.
 * @param ch the channel. @param elem receives the element.
 * @param deadline absolute time or KK_SYNC_FOREVER.
 * @return 0; KK_ETIMEDOUT; KK_EPIPE; KK_ENOTSUP; KK_EINVAL.
 */
KK_API int kk_chan_recv_timeout(struct kk_chan *ch, void *elem, uint64_t deadline);
/**
 * @brief Take the oldest element if any, never sleeping.
 * @param ch the channel. @param elem receives the element.
 * @return 0; KK_EAGAIN if empty and open; KK_EPIPE if empty and closed; KK_EINVAL.
 */
KK_API int kk_chan_try_recv(struct kk_chan *ch, void *elem);
/**
 * @brief Close: wake every blocked sender (KK_EPIPE) and receiver (drain, then KK_EPIPE).
 * @param ch the channel.
 * @return 0; KK_EALREADY if already closed; KK_EINVAL.
 */
KK_API int kk_chan_close(struct kk_chan *ch);
/** @brief Queued elements (a snapshot). @param ch the channel. @return the count, or KK_EINVAL. */
KK_API int kk_chan_len(struct kk_chan *ch);

/** @} */

/** @defgroup kk_completion Completion and once
 * A completion counts "done" events: kk_completion_complete() releases one
 * waiter (or banks the event), kk_completion_complete_all() releases all
 * present and future waiters until kk_completion_reinit(). A once runs an
 * initialisation function exactly once, successfully, however many threads
 * race for it. Both are safe to signal from interrupt handlers
 * (complete/complete_all).
 * @{
 */

/** @brief A completion. Initialise with kk_completion_init(). */
struct kk_completion {
    int32_t done;       /**< Banked completions, or KK_SEM_MAX after complete_all. */
    uint32_t all;       /**< 1 after complete_all. */
    struct kk_waitq wq; /**< Waiters. */
};

/**
 * @brief Initialise as not done. @param c the completion. @param plat the platform.
 * @return 0; KK_EINVAL; KK_ENOTSUP.
 */
KK_API int kk_completion_init(struct kk_completion *c, const struct kk_sync_platform *plat);
/**
 * @brief Reset to not done. @param c the completion.
 * @return 0; KK_EBUSY (unchanged) with waiters; KK_EINVAL.
 */
KK_API int kk_completion_reinit(struct kk_completion *c);
/**
 * @brief Signal one completion: wake the oldest waiter or bank it for the next wait.
 * @param c the completion.
 * @return 0; KK_EOVERFLOW (unchanged) if KK_SEM_MAX are banked; KK_EINVAL.
 */
KK_API int kk_completion_complete(struct kk_completion *c);
/** @brief Complete for every present and future waiter. @param c the completion. @return 0 or
 * KK_EINVAL. */
KK_API int kk_completion_complete_all(struct kk_completion *c);
/**
 * @brief Wait until completed (consuming one banked completion unless complete_all).
 * @param c the completion. @param deadline absolute time or KK_SYNC_FOREVER.
 * @return 0; KK_ETIMEDOUT (a past deadline only checks); KK_ENOTSUP; KK_EINVAL.
 */
KK_API int kk_completion_wait(struct kk_completion *c, uint64_t deadline);

/** @brief Run-once control. Initialise with kk_once_init(). */
struct kk_once {
    uint32_t state;     /**< Not run, running or done (library-private values). */
    void *runner;       /**< Thread running the function, while running. */
    struct kk_waitq wq; /**< Threads waiting for the runner. */
};

/**
 * @brief Initialise as not run. @param o the once. @param plat the platform.
 * @return 0; KK_EINVAL; KK_ENOTSUP.
 */
KK_API int kk_once_init(struct kk_once *o, const struct kk_sync_platform *plat);
/**
 * @brief Run @p fn(@p arg) unless it already succeeded; concurrent callers
 *        sleep until the running call finishes.
 * @param o the once. @param fn returns 0 on success, a negative code on failure
 *        (then the once stays "not run" and the next caller, or a waiter, tries again).
 * @param arg passed to @p fn.
 * @return 0 once @p fn has succeeded (now or before); @p fn's error from this
 *         caller's own attempt; KK_EDEADLK if @p fn calls kk_once_call() on
 *         the same once; KK_EINVAL.
 */
KK_API int kk_once_call(struct kk_once *o, int (*fn)(void *arg), void *arg);

/** @} */

/** @defgroup kk_lockdep Lock-order checker (debug builds)
 * A small lockdep: every lock class is a node, and taking lock B while
 * holding lock A adds the edge A -> B (with both call sites). Taking A while
 * holding B when B -> ... -> A is already known is an inversion: it is
 * reported once per pair (KK_SYNC_R_ORDER, with the sites of both orders)
 * and the acquisition proceeds. Re-acquiring a held lock is reported as a
 * self-deadlock (KK_EDEADLK), which also catches rwspin read-then-write.
 * Tables are fixed-size and live in the caller's struct kk_lockdep; when one
 * fills up, a KK_SYNC_R_LOCKDEP_FULL report is made once and checking stops.
 * Threads are told apart by kk_sync_platform::current (required).
 * Only KK_SYNC_DEBUG builds call it; release builds ignore
 * kk_sync_platform::lockdep.
 * @{
 */

/** Lock classes the checker can track. */
#define KK_LOCKDEP_MAX_CLASSES 64
/** Order edges (A taken before B) it can record. */
#define KK_LOCKDEP_MAX_EDGES 256
/** Threads that may hold locks at the same time. */
#define KK_LOCKDEP_MAX_THREADS 32
/** Locks one thread may hold at once. */
#define KK_LOCKDEP_MAX_HELD 16

/** @brief One lock a thread holds (checker-private). */
struct kk_lockdep_held {
    const void *lock;         /**< The lock. */
    struct kk_sync_site site; /**< Where it was taken. */
    uint32_t cls;             /**< Class index. */
    uint32_t flags;           /**< Shared/try flags. */
};

/** @brief The locks one thread holds (checker-private). */
struct kk_lockdep_thread {
    void *thread;                                     /**< Thread handle; NULL = free slot. */
    uint32_t depth;                                   /**< Entries used in @c held. */
    struct kk_lockdep_held held[KK_LOCKDEP_MAX_HELD]; /**< Held locks, oldest first. */
};

/** @brief A recorded order: class @c from was held when @c to was taken. */
struct kk_lockdep_edge {
    uint32_t from;                 /**< Class index held. */
    uint32_t to;                   /**< Class index taken. */
    struct kk_sync_site from_site; /**< Where @c from had been taken. */
    struct kk_sync_site to_site;   /**< Where @c to was taken. */
};

/** @brief A lock class known to the checker (checker-private). */
struct kk_lockdep_class {
    const void *key;  /**< The struct kk_lock_class, or the lock itself; NULL = free. */
    const char *name; /**< Class name for reports, or NULL. */
};

/**
 * @brief Lock-order checker state. Caller-allocated (about 37 KiB on 64-bit), pointed
 * to by kk_sync_platform::lockdep; one per platform.
 */
struct kk_lockdep {
    uint32_t lock;                             /**< Internal spinlock word. */
    uint32_t disabled;                         /**< 1 once a table filled up. */
    uint32_t nedges;                           /**< Edges used. */
    uint32_t inversions;                       /**< Inversions found so far. */
    uint64_t adj[KK_LOCKDEP_MAX_CLASSES];      /**< adj[a] bit b: edge a -> b. */
    uint64_t reported[KK_LOCKDEP_MAX_CLASSES]; /**< reported[a] bit b: inversion a/b reported. */
    struct kk_lockdep_class classes[KK_LOCKDEP_MAX_CLASSES];  /**< Class table. */
    struct kk_lockdep_edge edges[KK_LOCKDEP_MAX_EDGES];       /**< Edge sites. */
    struct kk_lockdep_thread threads[KK_LOCKDEP_MAX_THREADS]; /**< Per-thread held stacks. */
};

/**
 * @brief Initialise an empty checker.
 * @param ld the checker (caller-owned).
 * @return 0, or KK_EINVAL if @p ld is NULL.
 */
KK_API int kk_lockdep_init(struct kk_lockdep *ld);

/**
 * @brief Number of lock-order inversions found.
 * @param ld the checker.
 * @return the count (0 for NULL).
 */
KK_API uint32_t kk_lockdep_inversions(const struct kk_lockdep *ld);

/** @} */

/**
 * @brief Format @p r as one line of text, e.g. "lock-order inversion: A@0x...
 *        taken at foo.c:12 while holding B@0x... taken at foo.c:11; the
 *        opposite order was seen before: B taken at bar.c:40 while holding
 *        A taken at bar.c:39". Sites print as file:line when known, else as
 *        the return address. Works in every build (for reports passed on).
 * @param r the report.
 * @param buf receives the text, always NUL-terminated if @p size > 0
 *        (truncated to fit).
 * @param size bytes available at @p buf.
 * @return the length of the full text (excluding the NUL; >= @p size means
 *         it was truncated), or KK_EINVAL if @p r is NULL or @p buf is NULL
 *         with a non-zero @p size.
 */
KK_API int kk_sync_report_format(const struct kk_sync_report *r, char *buf, size_t size);

/** @defgroup kk_sync_sites Call sites as file:line (debug builds)
 * In KK_SYNC_DEBUG builds every lock/unlock function F of the spinlocks and
 * the mutex also exists as F_at(<F's arguments>, const char *file, uint32_t
 * line), and F is a function-like macro calling F_at with __FILE__ and
 * __LINE__, so reports name the caller's source line. F itself remains a
 * function (its address, or a call written (F)(...), reports the return
 * address instead). Define KK_SYNC_NO_SITE_MACROS before including this
 * header to keep plain calls. Release builds have neither the _at functions
 * nor the macros.
 * @{
 */
/** @} */

/** @cond KK_INTERNAL */
#ifdef KK_SYNC_DEBUG
KK_API int kk_spin_lock_at(struct kk_spin *l, const char *file, uint32_t line);
KK_API int kk_spin_trylock_at(struct kk_spin *l, const char *file, uint32_t line);
KK_API int kk_spin_unlock_at(struct kk_spin *l, const char *file, uint32_t line);
KK_API int kk_spin_lock_irqsave_at(struct kk_spin *l, unsigned long *flags, const char *file,
                                   uint32_t line);
KK_API int kk_spin_trylock_irqsave_at(struct kk_spin *l, unsigned long *flags, const char *file,
                                      uint32_t line);
KK_API int kk_spin_unlock_irqrestore_at(struct kk_spin *l, unsigned long flags, const char *file,
                                        uint32_t line);
KK_API int kk_ticket_lock_at(struct kk_ticket *l, const char *file, uint32_t line);
KK_API int kk_ticket_trylock_at(struct kk_ticket *l, const char *file, uint32_t line);
KK_API int kk_ticket_unlock_at(struct kk_ticket *l, const char *file, uint32_t line);
KK_API int kk_ticket_lock_irqsave_at(struct kk_ticket *l, unsigned long *flags, const char *file,
                                     uint32_t line);
KK_API int kk_ticket_unlock_irqrestore_at(struct kk_ticket *l, unsigned long flags,
                                          const char *file, uint32_t line);
KK_API int kk_mcs_lock_at(struct kk_mcs *l, struct kk_mcs_node *node, const char *file,
                          uint32_t line);
KK_API int kk_mcs_trylock_at(struct kk_mcs *l, struct kk_mcs_node *node, const char *file,
                             uint32_t line);
KK_API int kk_mcs_unlock_at(struct kk_mcs *l, struct kk_mcs_node *node, const char *file,
                            uint32_t line);
KK_API int kk_mcs_lock_irqsave_at(struct kk_mcs *l, struct kk_mcs_node *node, unsigned long *flags,
                                  const char *file, uint32_t line);
KK_API int kk_mcs_unlock_irqrestore_at(struct kk_mcs *l, struct kk_mcs_node *node,
                                       unsigned long flags, const char *file, uint32_t line);
KK_API int kk_rwspin_read_lock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_read_trylock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_read_unlock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_write_lock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_write_trylock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_write_unlock_at(struct kk_rwspin *l, const char *file, uint32_t line);
KK_API int kk_rwspin_read_lock_irqsave_at(struct kk_rwspin *l, unsigned long *flags,
                                          const char *file, uint32_t line);
KK_API int kk_rwspin_read_unlock_irqrestore_at(struct kk_rwspin *l, unsigned long flags,
                                               const char *file, uint32_t line);
KK_API int kk_rwspin_write_lock_irqsave_at(struct kk_rwspin *l, unsigned long *flags,
                                           const char *file, uint32_t line);
KK_API int kk_rwspin_write_unlock_irqrestore_at(struct kk_rwspin *l, unsigned long flags,
                                                const char *file, uint32_t line);
KK_API int kk_mutex_lock_at(struct kk_mutex *m, const char *file, uint32_t line);
KK_API int kk_mutex_lock_timeout_at(struct kk_mutex *m, uint64_t deadline, const char *file,
                                    uint32_t line);
KK_API int kk_mutex_trylock_at(struct kk_mutex *m, const char *file, uint32_t line);
KK_API int kk_mutex_unlock_at(struct kk_mutex *m, const char *file, uint32_t line);
#ifndef KK_SYNC_NO_SITE_MACROS
#define kk_spin_lock(...)              kk_spin_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_spin_trylock(...)           kk_spin_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_spin_unlock(...)            kk_spin_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_spin_lock_irqsave(...)      kk_spin_lock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_spin_trylock_irqsave(...)   kk_spin_trylock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_spin_unlock_irqrestore(...) kk_spin_unlock_irqrestore_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_ticket_lock(...)            kk_ticket_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_ticket_trylock(...)         kk_ticket_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_ticket_unlock(...)          kk_ticket_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_ticket_lock_irqsave(...)    kk_ticket_lock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_ticket_unlock_irqrestore(...)                                                           \
    kk_ticket_unlock_irqrestore_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mcs_lock(...)              kk_mcs_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mcs_trylock(...)           kk_mcs_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mcs_unlock(...)            kk_mcs_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mcs_lock_irqsave(...)      kk_mcs_lock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mcs_unlock_irqrestore(...) kk_mcs_unlock_irqrestore_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_read_lock(...)      kk_rwspin_read_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_read_trylock(...)   kk_rwspin_read_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_read_unlock(...)    kk_rwspin_read_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_write_lock(...)     kk_rwspin_write_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_write_trylock(...)  kk_rwspin_write_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_write_unlock(...)   kk_rwspin_write_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_read_lock_irqsave(...)                                                           \
    kk_rwspin_read_lock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_read_unlock_irqrestore(...)                                                      \
    kk_rwspin_read_unlock_irqrestore_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_write_lock_irqsave(...)                                                          \
    kk_rwspin_write_lock_irqsave_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_rwspin_write_unlock_irqrestore(...)                                                     \
    kk_rwspin_write_unlock_irqrestore_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mutex_lock(...)         kk_mutex_lock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mutex_lock_timeout(...) kk_mutex_lock_timeout_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mutex_trylock(...)      kk_mutex_trylock_at(__VA_ARGS__, __FILE__, __LINE__)
#define kk_mutex_unlock(...)       kk_mutex_unlock_at(__VA_ARGS__, __FILE__, __LINE__)
#endif
#endif
/** @endcond */

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_SYNC_H */
