/**
 * @file sched.h
 * @brief Pluggable schedulers (FIFO, RR, MLQ, Stride, EEVDF, EDF) with per-CPU
 *        run queues, affinity and load balancing.
 *
 * The host kernel embeds a struct kk_sched_entity in its thread struct, fills
 * a struct kk_sched_config (clock callback, the classes stacked highest
 * priority first) and gives kk_sched_init() one struct kk_sched_rq per CPU.
 * The library never allocates. Time is nanoseconds from the clock callback.
 *
 * Life of an entity on a run queue: kk_sched_enqueue() makes it runnable,
 * kk_sched_pick_next() puts the running entity back and picks the next one
 * (which becomes the run queue's current entity), kk_sched_tick() charges
 * the running entity and says whether to reschedule, kk_sched_dequeue()
 * removes it (it blocks, or it leaves). See docs/sched.md for the contract.
 *
 * Locking: the caller locks each run queue. Every kk_sched_* call that takes
 * a run queue touches only that queue, except kk_sched_migrate() and
 * kk_sched_pull(), which touch two (lock both, in a fixed order such as CPU
 * number). kk_sched_select_cpu() and kk_sched_find_busiest() read other
 * queues' loads without locks (atomic loads) as a hint.
 */
#ifndef KERNKIT_SCHED_H
#define KERNKIT_SCHED_H

#include <kernkit/base.h>
#include <kernkit/list.h>
#include <kernkit/rbtree.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of struct kk_sched_class this header describes. */
#define KK_SCHED_CLASS_VERSION 1u
/** Most classes a scheduler can stack. */
#define KK_SCHED_MAX_CLASSES 6u
/** Most CPUs (affinity masks are 64-bit). */
#define KK_SCHED_MAX_CPUS 64u
/** Priority levels of the MLQ class (0 = highest). */
#define KK_SCHED_MLQ_LEVELS 32
/** Highest Stride priority (share is proportional to the priority, 1..this). */
#define KK_SCHED_STRIDE_PRIO_MAX 1024
/** Stride numerator: an entity's stride is KK_SCHED_STRIDE_BIG / priority. */
#define KK_SCHED_STRIDE_BIG (1u << 20)
/** Lowest (most favoured) EEVDF nice value. */
#define KK_SCHED_NICE_MIN (-20)
/** Highest (least favoured) EEVDF nice value. */
#define KK_SCHED_NICE_MAX 19
/** EEVDF weight of nice 0. */
#define KK_SCHED_NICE0_WEIGHT 1024u
/** Fixed-point one for EDF utilisation (1.0 = one whole CPU). */
#define KK_SCHED_UTIL_ONE (1u << 20)
/** Entities kk_sched_pull() examines per class, at most (bounds the work). */
#define KK_SCHED_PULL_SCAN 32u

/** Default RR / MLQ time slice (ns). */
#define KK_SCHED_DEFAULT_RR_SLICE 10000000ull
/** Default EEVDF request size (ns). */
#define KK_SCHED_DEFAULT_FAIR_SLICE 3000000ull
/** Default Stride slice (ns). */
#define KK_SCHED_DEFAULT_STRIDE_SLICE 5000000ull

/** @name Enqueue flags (kk_sched_enqueue())
 * @{ */
#define KK_SCHED_ENQ_WAKEUP                                                                        \
    0x1u /**< Wake-up after a sleep (fair lag restored, stride pass caught up). */
#define KK_SCHED_ENQ_MIGRATE 0x2u /**< Arrival by migration (set internally). */
#define KK_SCHED_ENQ_RESTORE 0x4u /**< Re-insert after a parameter change (set internally). */
#define KK_SCHED_ENQ_CURR    0x8u /**< The entity is the running one: account only (class ops). */
/** @} */

/** @name Dequeue flags (kk_sched_dequeue())
 * @{ */
#define KK_SCHED_DEQ_SLEEP   0x1u /**< The entity blocks; it keeps its fair lag for the wake-up. */
#define KK_SCHED_DEQ_MIGRATE 0x2u /**< Departure by migration (set internally). */
#define KK_SCHED_DEQ_SAVE    0x4u /**< Removal for a parameter change (set internally). */
#define KK_SCHED_DEQ_CURR    0x8u /**< The entity is the running one: account only (class ops). */
/** @} */

/** Class flag: entities of this class are never migrated (partitioned, e.g. EDF). */
#define KK_SCHED_CLASS_PINNED 0x1u

struct kk_sched;
struct kk_sched_rq;
struct kk_sched_class;

/** Per-entity state of the RR and MLQ classes. */
struct kk_sched_rr_se {
    uint64_t slice_left; /**< Remaining time slice (ns). */
};

/** Per-entity state of the Stride class. */
struct kk_sched_stride_se {
    uint64_t pass;    /**< Pass value (wrap-safe 64-bit). */
    uint64_t stride;  /**< KK_SCHED_STRIDE_BIG / priority, charged per ns run. */
    uint64_t ran;     /**< Time run since it was last picked (ns). */
    int32_t for_prio; /**< Priority @c stride was computed for. */
    uint64_t seq;     /**< Internal: arrival number (orders equal passes), set when queued. */
};

/** Per-entity state of the fair (EEVDF) class. */
struct kk_sched_fair_se {
    uint64_t vruntime; /**< Virtual runtime (ns * 1024 / weight). */
    uint64_t deadline; /**< Virtual deadline = eligible time + request / weight. */
    /** Smallest tree_v in its subtree (tree augmentation; unused in a request-length group). */
    uint64_t min_vruntime;
    /** vruntime as the augmentation saw it (may trail while running; unused in a group). */
    uint64_t tree_v;
    int64_t vlag;        /**< Virtual lag saved at dequeue, restored at enqueue. */
    uint32_t weight;     /**< Weight from the nice value (nice 0 = 1024). */
    uint32_t inv_weight; /**< ceil(2^32 / weight): turns divisions by the weight into products. */
};

/** Per-entity state of the EDF class (set by kk_sched_dl_admit()). */
struct kk_sched_dl_se {
    uint64_t runtime;      /**< Budget per period (ns). */
    uint64_t deadline;     /**< Relative deadline (ns), <= period. */
    uint64_t period;       /**< Period (ns). */
    uint64_t abs_deadline; /**< Absolute deadline of the current job (clock ns). */
    uint64_t remaining;    /**< Budget left in the current job (ns). */
    uint32_t util;         /**< runtime / min(deadline, period) in KK_SCHED_UTIL_ONE units. */
    struct kk_sched_rq *admitted; /**< Run queue whose bandwidth it holds, or NULL. */
};

/**
 * Scheduling entity, embedded in the host's thread struct (the library never
 * allocates one). Initialise with kk_sched_entity_init(); the host may read
 * every field, but change them only through kk_sched_* calls.
 */
struct kk_sched_entity {
    /** Class linkage (list or tree node, owned by the class while queued). */
    union {
        struct kk_list list;  /**< FIFO, RR and MLQ. */
        struct kk_rb_node rb; /**< Stride, EEVDF and EDF. */
    } node;
    /** Class-specific state (next to the node: the tree walks touch both). */
    union {
        struct kk_sched_rr_se rr;         /**< FIFO, RR, MLQ. */
        struct kk_sched_stride_se stride; /**< Stride. */
        struct kk_sched_fair_se fair;     /**< EEVDF. */
        struct kk_sched_dl_se dl;         /**< EDF. */
    } u;
    const struct kk_sched_class *cls; /**< Class of the entity. */
    struct kk_sched_rq *rq;           /**< Run queue it is on (queued or running), or NULL. */
    uint64_t affinity;                /**< Allowed CPUs, bit i = CPU i; never 0. */
    uint64_t slice_ns;                /**< Requested slice (RR/MLQ/Stride/EEVDF), 0 = default. */
    uint64_t exec_start;              /**< Clock when it last started running or was charged. */
    uint64_t sum_exec_ns;             /**< Total CPU time charged (ns). */
    int32_t prio;                     /**< Class priority (MLQ level, Stride priority, nice). */
    uint32_t last_cpu;                /**< CPU of the last run queue it was on. */
    uint32_t flags;                   /**< Internal flags (yield pending, fair group). */
    uint32_t cls_idx;                 /**< Index of its class in the scheduler's stack. */
};

/** Per-run-queue state of the FIFO and RR classes. */
struct kk_sched_list_rq {
    struct kk_list head; /**< Queued entities in order. */
};

/** Per-run-queue state of the MLQ class. */
struct kk_sched_mlq_rq {
    uint32_t bitmap;                           /**< Bit l set = level l non-empty. */
    struct kk_list level[KK_SCHED_MLQ_LEVELS]; /**< One FIFO list per level. */
};

/** Request-length groups of the fair class per run queue (see docs/sched.md); fewer on 32-bit
 * targets, where union kk_sched_class_rq has less room. */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ >= 8
#define KK_SCHED_FAIR_GROUPS 12u
#else
#define KK_SCHED_FAIR_GROUPS 8u
#endif

/** Priority groups of the Stride class per run queue (see docs/sched.md). */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ >= 8
#define KK_SCHED_STRIDE_GROUPS 12u
#else
#define KK_SCHED_STRIDE_GROUPS 9u
#endif

/** Per-run-queue state of the Stride class. */
struct kk_sched_stride_rq {
    struct kk_rb_root tree; /**< Queued entities in no group, by (pass, arrival). */
    uint64_t vtime; /**< Smallest runnable pass, never decreasing (catch-up point for wake-ups). */
    uint64_t seq;   /**< Internal: next arrival number (se->u.stride.seq). */
    struct kk_sched_entity *hint; /**< Internal: next pick found by keep_running, or NULL. */
    uint32_t group_mask;          /**< Internal: bit g set = priority group g non-empty. */
    /** Internal: stride of group g's members, 0 = free slot. */
    uint32_t group_stride[KK_SCHED_STRIDE_GROUPS];
    /** Internal: pass of group g's first member (valid while live). */
    uint64_t group_first[KK_SCHED_STRIDE_GROUPS];
    /** Internal: group g's members (se->node.list) by (pass, arrival) (valid while live). */
    struct kk_list group[KK_SCHED_STRIDE_GROUPS];
};

/** Internal: one request-length group of the fair class. */
struct kk_sched_fair_group {
    struct kk_list members; /**< Members (se->node.list) by virtual deadline (valid while live). */
};

/** Per-run-queue state of the fair (EEVDF) class. */
struct kk_sched_fair_rq {
    /** Runnable entities in no group (the running one may be one) by virtual deadline. */
    struct kk_rb_root tree;
    uint64_t zero_v;           /**< Reference virtual time: keys are vruntime - zero_v. */
    int64_t sum_wkey;          /**< Sum of weight * key over runnable entities (incl. running). */
    uint64_t sum_w;            /**< Sum of weights over runnable entities (incl. running). */
    struct kk_rb_node *hint;   /**< Internal: next pick found by keep_running, or NULL. */
    struct kk_rb_node *finger; /**< Internal: last pick (node in the tree), or NULL. */
    uint64_t before_min;       /**< Internal: <= every vruntime before finger (if before_any). */
    bool before_any;           /**< Internal: some entity may precede finger in the tree. */
    struct kk_sched_entity *stale; /**< Internal: entity whose tree_v trails its vruntime. */
    uint32_t group_mask;           /**< Internal: bit g set = group g non-empty. */
    uint32_t group_seen_next;      /**< Internal: next group_seen[] entry to replace (mod 4). */
    uint32_t group_seen[4];        /**< Internal: request lengths recently queued with no group. */
    /** Internal: the live groups by (first deadline, slot), 4 bits each from bit 0, 0xf after. */
    uint64_t group_order;
    /** Internal: request length of group g (virtual ns), 0 = free slot. */
    uint32_t group_r[KK_SCHED_FAIR_GROUPS];
    /** Internal: group g's first deadline - r: its first member's vruntime when fresh, a lower
     * bound of every member's (valid while live). */
    uint64_t group_min_v[KK_SCHED_FAIR_GROUPS];
    struct kk_sched_fair_group group[KK_SCHED_FAIR_GROUPS]; /**< Internal: the groups. */
};

/** Per-run-queue state of the EDF class. */
struct kk_sched_dl_rq {
    struct kk_rb_root tree; /**< Queued entities by absolute deadline. */
    uint32_t util;          /**< Admitted utilisation (KK_SCHED_UTIL_ONE units). */
};

/** Per-run-queue storage of one class (a host class may use @c raw or @c ptr). */
union kk_sched_class_rq {
    struct kk_sched_list_rq list;     /**< FIFO, RR. */
    struct kk_sched_mlq_rq mlq;       /**< MLQ. */
    struct kk_sched_stride_rq stride; /**< Stride. */
    struct kk_sched_fair_rq fair;     /**< EEVDF. */
    struct kk_sched_dl_rq dl;         /**< EDF. */
    void *ptr;                        /**< Host class: pointer to its own state. */
    uint64_t raw[4];                  /**< Host class: small inline state. */
};

/**
 * A scheduling class: a versioned operations table. Operations are called
 * with the run queue locked; @p crq is this class's storage in @p rq.
 * "Structure" below is the class's queue (list, tree); the running entity
 * (rq->curr) is out of it unless the class chooses to keep it there (the fair class does:
 * its pick_next leaves it queued, its put_prev at most moves it between its own structures,
 * and the ENQ/DEQ_CURR flags still insert/remove). Optional operations may be NULL.
 */
struct kk_sched_class {
    uint32_t version; /**< KK_SCHED_CLASS_VERSION the table was written for. */
    uint32_t flags;   /**< KK_SCHED_CLASS_* flags. */
    const char *name; /**< Short name ("fifo", "eevdf", ...). */
    int32_t prio_min; /**< Smallest valid priority. */
    int32_t prio_max; /**< Largest valid priority. */
    /** Initialise @p crq (empty queue). */
    void (*init_rq)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq);
    /** Reset the class state of @p se for priority se->prio (not on a queue). */
    void (*init_entity)(const struct kk_sched *s, struct kk_sched_entity *se);
    /** Make @p se runnable: into the structure, or only accounting with KK_SCHED_ENQ_CURR. */
    void (*enqueue)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se, unsigned flags);
    /** Remove @p se: from the structure, or only accounting with KK_SCHED_DEQ_CURR. */
    void (*dequeue)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                    struct kk_sched_entity *se, unsigned flags);
    /** Take the best entity out of the structure, or return NULL if it is empty. */
    struct kk_sched_entity *(*pick_next)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq);
    /**
     * Optional fast path: would @p se, the running entity, be picked again if it were put
     * back now (no higher class being runnable)? If so it keeps running and put_prev/pick_next
     * are skipped; the answer must equal what put_prev followed by pick_next would give.
     */
    bool (*keep_running)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                         struct kk_sched_entity *se);
    /** Put the running entity @p se back into the structure (it stays runnable). */
    void (*put_prev)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                     struct kk_sched_entity *se);
    /** Charge @p delta_ns of CPU time to the running entity @p se. */
    void (*charge)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq, struct kk_sched_entity *se,
                   uint64_t delta_ns);
    /** Periodic tick for the running @p se (already charged); true = reschedule. */
    bool (*tick)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq, struct kk_sched_entity *se);
    /** The running @p se yields (optional; default: just reschedule). */
    void (*yield)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq, struct kk_sched_entity *se);
    /** Should the newly runnable @p se preempt the running @p curr of the same class? */
    bool (*wakeup_preempt)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                           struct kk_sched_entity *curr, struct kk_sched_entity *se);
    /** Candidates for migration: the entity after @p prev (NULL = first), or NULL. */
    struct kk_sched_entity *(*migrate_next)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                                            struct kk_sched_entity *prev);
    /** Nanoseconds until the running @p se should be preempted (optional; UINT64_MAX = never). */
    uint64_t (*time_left)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq,
                          struct kk_sched_entity *se);
    /** May @p se be enqueued on @p rq (optional)? Return 0 or a negative KK_E* code. */
    int (*can_enqueue)(struct kk_sched_rq *rq, const struct kk_sched_entity *se);
    /** Verify the class invariants (optional); return the number queued or KK_ECORRUPT. */
    long (*check)(struct kk_sched_rq *rq, union kk_sched_class_rq *crq);
};

/** FIFO: run until block or yield; a preempted entity keeps the head. */
extern KK_API const struct kk_sched_class kk_sched_fifo_class;
/** Round robin with a time slice; preempted with slice left = keeps its place. */
extern KK_API const struct kk_sched_class kk_sched_rr_class;
/** Multi-level queue: KK_SCHED_MLQ_LEVELS strict-priority RR levels, O(1) bitmap pick. */
extern KK_API const struct kk_sched_class kk_sched_mlq_class;
/** Stride scheduling: CPU share proportional to priority 1..KK_SCHED_STRIDE_PRIO_MAX. */
extern KK_API const struct kk_sched_class kk_sched_stride_class;
/** Fair class, EEVDF: nice -20..19 weights, lag, virtual deadlines. */
extern KK_API const struct kk_sched_class kk_sched_eevdf_class;
/** Earliest deadline first with admission control (partitioned per CPU). */
extern KK_API const struct kk_sched_class kk_sched_edf_class;

/** Scheduler configuration (copied by kk_sched_init()). */
struct kk_sched_config {
    uint32_t size; /**< sizeof(struct kk_sched_config): fields are only appended. */
    void *ctx;     /**< Passed to every callback. */
    /**
     * Monotonic clock in nanoseconds (required). @param ctx the config's ctx.
     * @return the time; the library never goes backwards even if it does.
     */
    uint64_t (*clock_ns)(void *ctx);
    /** Classes, highest priority first (e.g. EDF, FIFO, EEVDF); not NULL. */
    const struct kk_sched_class *const *classes;
    uint32_t nr_classes;      /**< Entries in @c classes, 1..KK_SCHED_MAX_CLASSES. */
    uint32_t dl_util_max;     /**< EDF admission bound per CPU, 0 = KK_SCHED_UTIL_ONE. */
    uint64_t rr_slice_ns;     /**< RR/MLQ default slice, 0 = KK_SCHED_DEFAULT_RR_SLICE. */
    uint64_t fair_slice_ns;   /**< EEVDF default request, 0 = KK_SCHED_DEFAULT_FAIR_SLICE. */
    uint64_t stride_slice_ns; /**< Stride default slice, 0 = KK_SCHED_DEFAULT_STRIDE_SLICE. */
};

/** One CPU's run queue (caller-allocated; see kk_sched_init()). */
struct kk_sched_rq {
    struct kk_sched *sched;       /**< Owning scheduler. */
    struct kk_sched_entity *curr; /**< Running entity, or NULL (idle). */
    uint64_t clock;               /**< Last clock reading (ns, never decreases). */
    uint32_t cpu;                 /**< CPU number. */
    uint32_t nr_running;          /**< Runnable entities, running one included (atomic). */
    uint32_t nr_class[KK_SCHED_MAX_CLASSES]; /**< Runnable entities per class. */
    bool need_resched;                       /**< The host should call kk_sched_pick_next(). */
    union kk_sched_class_rq crq[KK_SCHED_MAX_CLASSES]; /**< Per-class storage. */
};

/** A scheduler: configuration and the per-CPU run queues. */
struct kk_sched {
    struct kk_sched_config cfg; /**< Copy of the configuration, defaults filled in. */
    struct kk_sched_rq *rqs;    /**< Caller's array of @c nr_cpus run queues. */
    uint32_t nr_cpus;           /**< Number of CPUs, 1..KK_SCHED_MAX_CPUS. */
    uint64_t cpu_mask;          /**< Bits of the valid CPUs. */
};

/**
 * @brief Initialise a scheduler and its run queues.
 * @param s the scheduler (caller-owned).
 * @param cfg configuration; copied. Must have a clock and 1..KK_SCHED_MAX_CLASSES
 *        classes of a version this library understands, no class twice.
 * @param rqs caller array of @p nr_cpus run queues; must outlive @p s.
 * @param nr_cpus 1..KK_SCHED_MAX_CPUS.
 * @return 0, or KK_EINVAL (NULL pointer, bad count, missing clock, class
 *         table of a wrong version or incomplete), KK_ENOTSUP (class version newer
 *         than this library).
 */
KK_API int kk_sched_init(struct kk_sched *s, const struct kk_sched_config *cfg,
                         struct kk_sched_rq *rqs, uint32_t nr_cpus);

/**
 * @brief Run queue of a CPU.
 * @param s the scheduler.
 * @param cpu CPU number.
 * @return the run queue, or NULL if @p cpu is out of range.
 */
KK_API struct kk_sched_rq *kk_sched_cpu_rq(struct kk_sched *s, uint32_t cpu);

/**
 * @brief Initialise an entity (not on any run queue) for a class and priority.
 *
 * Affinity becomes all CPUs, the slice the class default, statistics zero.
 * @param s the scheduler (for class defaults).
 * @param se the entity (caller-owned, embedded in a thread); zero-filled or
 *        previously initialised (its @c rq field is checked).
 * @param cls a class registered in @p s.
 * @param prio priority in [cls->prio_min, cls->prio_max].
 * @return 0, KK_EINVAL (NULL, class not registered, priority out of range),
 *         KK_EBUSY (the entity is on a run queue, or holds EDF bandwidth:
 *         kk_sched_dl_release() first; nothing changed).
 */
KK_API int kk_sched_entity_init(struct kk_sched *s, struct kk_sched_entity *se,
                                const struct kk_sched_class *cls, int prio);

/**
 * @brief Make an entity runnable on @p rq (thread creation or wake-up). O(1) or O(log n).
 *
 * Sets rq->need_resched when the entity should preempt the running one.
 * @param rq the run queue (locked).
 * @param se the entity; must not be on any run queue.
 * @param flags KK_SCHED_ENQ_WAKEUP for a wake-up (others are internal).
 * @return 0, KK_EEXIST (already on a run queue), KK_EINVAL (NULL, class not
 *         registered, CPU not in the affinity mask, EDF entity not admitted
 *         on this run queue). On error nothing changes.
 */
KK_API int kk_sched_enqueue(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags);

/**
 * @brief Remove an entity from @p rq (it blocks or exits). O(1) or O(log n).
 *
 * If it is the running entity, it is charged, rq->curr becomes NULL and
 * rq->need_resched is set.
 * @param rq the run queue (locked).
 * @param se the entity.
 * @param flags KK_SCHED_DEQ_SLEEP for a block (keeps fair lag), 0 for exit.
 * @return 0, KK_ENOENT (not on @p rq), KK_EINVAL (NULL).
 */
KK_API int kk_sched_dequeue(struct kk_sched_rq *rq, struct kk_sched_entity *se, unsigned flags);

/**
 * @brief Put the running entity back and choose the next one. O(1) or O(log n).
 *
 * The running entity (if any) is charged and returned to its class; then
 * the classes are asked in priority order. The result becomes rq->curr and
 * need_resched is cleared.
 * @param rq the run queue (locked).
 * @return the entity to run (may be the same as before), or NULL to idle.
 */
KK_API struct kk_sched_entity *kk_sched_pick_next(struct kk_sched_rq *rq);

/**
 * @brief Periodic tick: charge the running entity, let its class decide.
 * @param rq the run queue (locked).
 * @return true if the host should reschedule (rq->need_resched is set).
 */
KK_API bool kk_sched_tick(struct kk_sched_rq *rq);

/**
 * @brief Time until the running entity's slice ends, for tickless hosts.
 *
 * A host with a one-shot timer programs it this far ahead and calls
 * kk_sched_tick() when it fires (instead of, or besides, a periodic tick):
 * slices then end exactly rather than at the next tick.
 * @param rq the run queue (locked).
 * @return nanoseconds (0 = now), or UINT64_MAX if nothing runs or its class
 *         has no slice (FIFO) or it is alone in its class.
 */
KK_API uint64_t kk_sched_time_left(struct kk_sched_rq *rq);

/**
 * @brief The running entity yields the CPU (sets need_resched).
 * @param rq the run queue (locked).
 * @return 0, or KK_ENOENT if nothing runs.
 */
KK_API int kk_sched_yield(struct kk_sched_rq *rq);

/**
 * @brief Change an entity's priority (MLQ level, Stride priority, nice value).
 *
 * Works whether the entity is queued, running, or on no run queue.
 * @param rq the run queue the entity is on (locked), or NULL if it is on none.
 * @param se the entity.
 * @param prio new priority within its class's range.
 * @return 0, KK_EINVAL (NULL, out of range), KK_ENOENT (@p se is on a run
 *         queue other than @p rq). On error nothing changes.
 */
KK_API int kk_sched_set_priority(struct kk_sched_rq *rq, struct kk_sched_entity *se, int prio);

/**
 * @brief Set an entity's CPU affinity.
 * @param s the scheduler.
 * @param se the entity.
 * @param mask allowed CPUs (bit i = CPU i); must contain a valid CPU.
 * @return 0, 1 if the entity is on a run queue whose CPU is no longer allowed
 *         (the host must move it: kk_sched_migrate(), or dequeue/enqueue when
 *         it runs), or KK_EINVAL (NULL, empty mask or no valid CPU; unchanged).
 */
KK_API int kk_sched_set_affinity(struct kk_sched *s, struct kk_sched_entity *se, uint64_t mask);

/**
 * @brief Choose a CPU for a waking entity: its last CPU if idle, else the least loaded allowed one.
 *
 * O(number of CPUs); reads the queues' loads without locks.
 * @param s the scheduler.
 * @param se the entity (not on a run queue).
 * @return a CPU number, or KK_EINVAL (NULL, no valid CPU in the mask).
 */
KK_API int kk_sched_select_cpu(struct kk_sched *s, const struct kk_sched_entity *se);

/**
 * @name Wake-up hints (kk_sched_select_cpu_hint())
 * @{
 */
/**
 * Synchronous wake-up: the waker is about to sleep (pipe hand-off, exit waking the
 * parent). The waker's CPU is preferred when the waker runs alone there.
 */
#define KK_SCHED_WAKE_SYNC 0x1u
/** @} */

/**
 * @brief kk_sched_select_cpu() with a hint about the waker.
 *
 * With #KK_SCHED_WAKE_SYNC, @p waker_cpu is chosen when the entity's affinity allows
 * it and that CPU's load is at most 1 (nothing runnable there but the waker itself,
 * which counts in the load while it runs): the entity then runs there as soon as the
 * waker sleeps, near the data the waker just produced. Otherwise (busier waker CPU,
 * not allowed, or @p flags 0) the choice is exactly kk_sched_select_cpu()'s.
 * Affinity is always respected. O(number of CPUs); reads loads without locks.
 * @param s the scheduler.
 * @param se the waking entity (not on a run queue).
 * @param waker_cpu CPU the waker runs on (checked only with #KK_SCHED_WAKE_SYNC).
 * @param flags 0 or #KK_SCHED_WAKE_SYNC.
 * @return a CPU number, or KK_EINVAL (NULL, no valid CPU in the mask, unknown
 *         flags, @p waker_cpu out of range with #KK_SCHED_WAKE_SYNC).
 */
KK_API int kk_sched_select_cpu_hint(struct kk_sched *s, const struct kk_sched_entity *se,
                                    uint32_t waker_cpu, unsigned flags);

/**
 * @brief Move a queued (not running) entity from @p src to @p dst, keeping fair lag.
 *
 * Touches two run queues: the caller holds both locks.
 * @param src source run queue.
 * @param dst destination run queue.
 * @param se the entity, queued on @p src.
 * @return 0, KK_ENOENT (not on @p src), KK_EBUSY (it is running),
 *         KK_EINVAL (NULL, @p dst's CPU not allowed), KK_EPERM (pinned
 *         class, e.g. EDF). On error nothing changes.
 */
KK_API int kk_sched_migrate(struct kk_sched_rq *src, struct kk_sched_rq *dst,
                            struct kk_sched_entity *se);

/**
 * @brief Busiest CPU to pull from: the one with the most runnable entities,
 *        at least two more than @p cpu. Reads the loads without locks.
 * @param s the scheduler.
 * @param cpu the CPU that would pull.
 * @return a CPU number, or KK_ENOENT (nothing worth pulling), KK_EINVAL (bad argument).
 */
KK_API int kk_sched_find_busiest(struct kk_sched *s, uint32_t cpu);

/**
 * @brief Pull queued entities from @p src to @p dst until their loads differ
 *        by at most one, or @p max entities moved.
 *
 * Periodic balancing: find_busiest + pull(max = large); idle stealing: the
 * same with max = 1 when a CPU goes idle. Lowest classes are taken first,
 * only entities allowed on @p dst and not pinned, examining at most
 * KK_SCHED_PULL_SCAN candidates per class. Touches two run queues: the
 * caller holds both locks.
 * @param dst the pulling run queue.
 * @param src the busy run queue.
 * @param max most entities to move.
 * @return the number moved, or KK_EINVAL (NULL, same queue).
 */
KK_API int kk_sched_pull(struct kk_sched_rq *dst, struct kk_sched_rq *src, uint32_t max);

/**
 * @brief Verify every invariant of a run queue (for tests and debugging). O(n log n).
 * @param rq the run queue (locked).
 * @return 0, or KK_ECORRUPT (counts, links, class structure, running entity).
 */
KK_API int kk_sched_check(struct kk_sched_rq *rq);

/**
 * @brief EEVDF weight of a nice value (Linux table, nice 0 = 1024).
 * @param nice -20..19 (clamped).
 * @return the weight.
 */
KK_API uint32_t kk_sched_nice_to_weight(int nice);

/**
 * @brief Nice value whose EEVDF weight is closest to @p weight (inverse of
 * kk_sched_nice_to_weight()).
 *
 * Closest in ratio (shares are relative; adjacent nice values differ by about 1.25x):
 * the nice value n minimising max(w(n) / weight, weight / w(n)), ties going to the larger
 * weight. kk_sched_weight_to_nice(kk_sched_nice_to_weight(n)) == n for every valid n.
 * O(log 40), no division.
 * @param weight desired weight (KK_SCHED_NICE0_WEIGHT = nice 0); below the nice 19 weight
 *        (15, including 0) gives 19, above the nice -20 weight (88761) gives -20.
 * @return a nice value in [KK_SCHED_NICE_MIN, KK_SCHED_NICE_MAX] (never an error).
 */
KK_API int kk_sched_weight_to_nice(uint64_t weight);

/**
 * @brief Nice value for a proportional-share priority, for hosts with uCore/Stride-style
 *        priorities (a priority-p entity should get p times the CPU of a priority-1 one).
 *
 * Same as kk_sched_weight_to_nice(prio * KK_SCHED_NICE0_WEIGHT): priority 1 is nice 0,
 * 2 is nice -3 (weight 1991), 5 is nice -7 (4904); priorities of 78 and above all map to
 * nice -20. Below that, shares between two such entities are proportional to their
 * priorities within half a nice step (about 12%).
 * @param prio priority, 1 or more; values below 1 are treated as 1.
 * @return a nice value in [KK_SCHED_NICE_MIN, 0] (never an error).
 */
KK_API int kk_sched_prio_to_nice(int prio);

/**
 * @brief EEVDF lag of a runnable fair entity in nanoseconds of service.
 *
 * Positive: the entity is owed CPU time; negative: it got more than its share.
 * @param rq the run queue the entity is on (locked).
 * @param se a fair entity on @p rq.
 * @param lag_ns receives the lag.
 * @return 0, KK_EINVAL (NULL, not a fair entity), KK_ENOENT (not on @p rq).
 */
KK_API int kk_sched_fair_lag(struct kk_sched_rq *rq, const struct kk_sched_entity *se,
                             int64_t *lag_ns);

/**
 * @brief Admit an EDF entity on @p rq with its parameters (bandwidth reservation).
 *
 * Admission: the sum over admitted entities of runtime / min(deadline, period)
 * must stay within cfg.dl_util_max. Once admitted, each kk_sched_enqueue() with
 * KK_SCHED_ENQ_WAKEUP after the current job's deadline starts a new job
 * (deadline = now + @p deadline, budget = @p runtime). A job that overruns its
 * budget gets its deadline postponed by one period (soft constant bandwidth
 * server), so it cannot hurt the other admitted entities.
 * @param rq the run queue (locked).
 * @param se an entity of kk_sched_edf_class, not on any run queue.
 * @param runtime budget per period (ns), > 0.
 * @param deadline relative deadline (ns), runtime <= deadline <= period.
 * @param period period (ns).
 * @return 0, KK_EBUSY (over the admission bound), KK_EINVAL (bad parameters,
 *         not an EDF entity, EDF not registered, CPU not allowed), KK_EEXIST
 *         (already admitted or on a run queue). On error nothing changes.
 */
KK_API int kk_sched_dl_admit(struct kk_sched_rq *rq, struct kk_sched_entity *se, uint64_t runtime,
                             uint64_t deadline, uint64_t period);

/**
 * @brief Release an EDF entity's bandwidth (it must not be on a run queue).
 * @param se the entity.
 * @return 0, KK_ENOENT (not admitted), KK_EBUSY (on a run queue), KK_EINVAL (NULL).
 */
KK_API int kk_sched_dl_release(struct kk_sched_entity *se);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_SCHED_H */
