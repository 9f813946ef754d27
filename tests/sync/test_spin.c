/*
 * Tests for the spinlocks and guards of kernkit/sync.h: bad input, guard
 * order, and ck-style validation (N threads x M iterations, each doing
 * several non-atomic updates inside the critical section, checked inside
 * and after). Built against the SMP, UP and debug library variants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_common.h"

static void init_rejects_bad_input(void **state)
{
    struct kk_sync_platform bad = hp.plat;
    struct kk_spin s;
    struct kk_ticket t;
    struct kk_mcs m;
    struct kk_rwspin rw;
    (void)state;

    assert_int_equal(kk_spin_init(NULL, &hp.plat), KK_EINVAL);
    assert_int_equal(kk_spin_init(&s, NULL), KK_EINVAL);
    bad.version = KK_SYNC_PLATFORM_VERSION ^ KK_SYNC_VERSION_DEBUG;
    assert_int_equal(kk_spin_init(&s, &bad), KK_EINVAL);
    assert_int_equal(kk_ticket_init(&t, &bad), KK_EINVAL);
    assert_int_equal(kk_mcs_init(&m, &bad), KK_EINVAL);
    assert_int_equal(kk_rwspin_init(&rw, &bad), KK_EINVAL);
    bad = hp.plat;
    bad.irq_restore = NULL; /* half a pair */
    assert_int_equal(kk_sync_platform_check(&bad), KK_EINVAL);
    bad = hp.plat;
    bad.preempt_enable = NULL;
    assert_int_equal(kk_sync_platform_check(&bad), KK_EINVAL);
    assert_int_equal(kk_sync_platform_check(&hp.plat), 0);

    /* A zero-filled (never initialised) lock is refused, not used. */
    memset(&s, 0, sizeof(s));
    assert_int_equal(kk_spin_lock(&s), KK_EINVAL);
    assert_int_equal(kk_spin_unlock(&s), KK_EINVAL);
    assert_int_equal(kk_spin_lock(NULL), KK_EINVAL);
    assert_int_equal(kk_ticket_lock(NULL), KK_EINVAL);
    assert_int_equal(kk_rwspin_read_lock(NULL), KK_EINVAL);
    assert_int_equal(kk_mcs_init(&m, &hp.plat), 0);
    assert_int_equal(kk_mcs_lock(&m, NULL), KK_EINVAL);
    assert_int_equal(kk_spin_init(&s, &hp.plat), 0);
    assert_int_equal(kk_spin_lock_irqsave(&s, NULL), KK_EINVAL);
    assert_false(kk_spin_is_locked(&s));
    assert_false(host_irqs_off());
    assert_int_equal(host_preempt_depth(), 0);
}

static void unlock_of_unlocked_is_eperm(void **state)
{
    struct kk_spin s;
    struct kk_ticket t;
    struct kk_mcs m;
    struct kk_mcs_node n = {0}, other = {0};
    struct kk_rwspin rw;
    (void)state;

    assert_int_equal(kk_spin_init(&s, &hp.plat), 0);
    assert_int_equal(kk_ticket_init(&t, &hp.plat), 0);
    assert_int_equal(kk_mcs_init(&m, &hp.plat), 0);
    assert_int_equal(kk_rwspin_init(&rw, &hp.plat), 0);

    assert_int_equal(kk_spin_unlock(&s), KK_EPERM);
    assert_int_equal(kk_spin_unlock_irqrestore(&s, 0), KK_EPERM);
    assert_int_equal(kk_ticket_unlock(&t), KK_EPERM);
    assert_int_equal(kk_mcs_unlock(&m, &n), KK_EPERM);
    assert_int_equal(kk_rwspin_read_unlock(&rw), KK_EPERM);
    assert_int_equal(kk_rwspin_write_unlock(&rw), KK_EPERM);
    assert_int_equal(host_preempt_depth(), 0);

    /* Lock/unlock still work afterwards (state was not corrupted). */
    assert_int_equal(kk_spin_lock(&s), 0);
    assert_int_equal(kk_spin_trylock(&s), KK_EBUSY);
    assert_int_equal(kk_spin_unlock(&s), 0);
    assert_int_equal(kk_spin_unlock(&s), KK_EPERM);
    assert_int_equal(kk_ticket_lock(&t), 0);
    assert_int_equal(kk_ticket_trylock(&t), KK_EBUSY);
    assert_int_equal(kk_ticket_unlock(&t), 0);
    assert_int_equal(kk_ticket_unlock(&t), KK_EPERM);
    assert_int_equal(kk_ticket_trylock(&t), 0);
    assert_int_equal(kk_ticket_unlock(&t), 0);

    assert_int_equal(kk_mcs_lock(&m, &n), 0);
    assert_int_equal(kk_mcs_trylock(&m, &other), KK_EBUSY);
    assert_int_equal(kk_mcs_unlock(&m, &other), KK_EPERM); /* not the holding node */
    assert_int_equal(kk_mcs_unlock(&m, &n), 0);
    assert_int_equal(kk_mcs_unlock(&m, &n), KK_EPERM);
    assert_int_equal(kk_mcs_trylock(&m, &other), 0);
    assert_int_equal(kk_mcs_unlock(&m, &other), 0);
    assert_int_equal(host_preempt_depth(), 0);
}

static void rwspin_sharing_rules(void **state)
{
    struct kk_rwspin rw;
    (void)state;

    assert_int_equal(kk_rwspin_init(&rw, &hp.plat), 0);
    assert_int_equal(kk_rwspin_read_lock(&rw), 0);
    assert_int_equal(kk_rwspin_read_trylock(&rw), 0); /* readers share */
    assert_int_equal(kk_rwspin_write_trylock(&rw), KK_EBUSY);
    assert_int_equal(kk_rwspin_write_unlock(&rw), KK_EPERM);
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(kk_rwspin_read_unlock(&rw), KK_EPERM);
    assert_int_equal(kk_rwspin_write_lock(&rw), 0);
    assert_int_equal(kk_rwspin_read_trylock(&rw), KK_EBUSY);
    assert_int_equal(kk_rwspin_write_trylock(&rw), KK_EBUSY);
    assert_int_equal(kk_rwspin_read_unlock(&rw), KK_EPERM);
    assert_int_equal(kk_rwspin_write_unlock(&rw), 0);
    assert_int_equal(rw.word, 0);
    assert_int_equal(host_preempt_depth(), 0);
}

static void guards_nest_and_restore(void **state)
{
    struct kk_guard g1, g2;
    (void)state;

    assert_int_equal(kk_guard_enter(NULL, &hp.plat, KK_GUARD_IRQSAVE), KK_EINVAL);
    assert_int_equal(kk_guard_enter(&g1, &hp.plat, (enum kk_guard_kind)7), KK_EINVAL);
    assert_int_equal(kk_guard_leave(NULL), KK_EINVAL);
    assert_int_equal(kk_guard_enter(&g1, &hp.plat, KK_GUARD_NOPREEMPT), 0);
    assert_int_equal(host_preempt_depth(), 1);
    assert_false(host_irqs_off());
    assert_int_equal(kk_guard_enter(&g2, &hp.plat, KK_GUARD_IRQSAVE), 0);
    assert_true(host_irqs_off());
    assert_int_equal(host_preempt_depth(), 2);
    assert_int_equal(kk_guard_leave(&g2), 0);
    assert_false(host_irqs_off());
    assert_int_equal(kk_guard_leave(&g2), KK_EPERM);
    assert_int_equal(kk_guard_leave(&g1), 0);
    assert_int_equal(host_preempt_depth(), 0);
    assert_int_equal(kk_guard_enter(&g1, &hp.plat, KK_GUARD_NONE), 0);
    assert_int_equal(host_preempt_depth(), 0);
    assert_int_equal(kk_guard_leave(&g1), 0);
}

/* irq_restore hook: the lock must already be released. */
static unsigned restores_checked, restores_bad;
static void check_free_at_restore(void *arg)
{
    restores_checked++;
    if (kk_spin_is_locked(arg))
        restores_bad++;
}

static void irqsave_restores_after_release(void **state)
{
    struct kk_spin s, inner;
    struct kk_ticket t;
    struct kk_mcs m;
    struct kk_mcs_node n;
    struct kk_rwspin rw;
    unsigned long f1, f2;
    (void)state;

    assert_int_equal(kk_spin_init(&s, &hp.plat), 0);
    assert_int_equal(kk_spin_init(&inner, &hp.plat), 0);
    hp.on_irq_restore = check_free_at_restore;
    hp.hook_arg = &s;
    restores_checked = restores_bad = 0;
    assert_int_equal(kk_spin_lock_irqsave(&s, &f1), 0);
    assert_true(host_irqs_off());
    assert_true(kk_spin_is_locked(&s));
    assert_int_equal(kk_spin_unlock_irqrestore(&s, f1), 0);
    assert_false(host_irqs_off());
    assert_int_equal(restores_checked, 1);
    assert_int_equal(restores_bad, 0);
    hp.on_irq_restore = NULL;

    /* Nested irqsave: the inner restore keeps interrupts off. */
    assert_int_equal(kk_spin_lock_irqsave(&s, &f1), 0);
    assert_int_equal(kk_spin_trylock_irqsave(&inner, &f2), 0);
    assert_int_equal(kk_spin_trylock_irqsave(&inner, &f2), KK_EBUSY);
    assert_true(host_irqs_off());
    assert_int_equal(kk_spin_unlock_irqrestore(&inner, f2), 0);
    assert_true(host_irqs_off());
    assert_int_equal(kk_spin_unlock_irqrestore(&s, f1), 0);
    assert_false(host_irqs_off());

    assert_int_equal(kk_ticket_init(&t, &hp.plat), 0);
    assert_int_equal(kk_ticket_lock_irqsave(&t, &f1), 0);
    assert_true(host_irqs_off());
    assert_int_equal(kk_ticket_unlock_irqrestore(&t, f1), 0);
    assert_int_equal(kk_mcs_init(&m, &hp.plat), 0);
    assert_int_equal(kk_mcs_lock_irqsave(&m, &n, &f1), 0);
    assert_true(host_irqs_off());
    assert_int_equal(kk_mcs_unlock_irqrestore(&m, &n, f1), 0);
    assert_int_equal(kk_rwspin_init(&rw, &hp.plat), 0);
    assert_int_equal(kk_rwspin_read_lock_irqsave(&rw, &f1), 0);
    assert_true(host_irqs_off());
    assert_int_equal(kk_rwspin_read_unlock_irqrestore(&rw, f1), 0);
    assert_int_equal(kk_rwspin_write_lock_irqsave(&rw, &f1), 0);
    assert_true(host_irqs_off());
    assert_int_equal(kk_rwspin_write_unlock_irqrestore(&rw, f1), 0);
    assert_false(host_irqs_off());
    assert_int_equal(host_preempt_depth(), 0);
}

#if defined(KK_SYNC_UP) || defined(KK_SYNC_DEBUG)
static void relock_by_holder_is_edeadlk(void **state)
{
    struct kk_spin s;
    struct kk_ticket t;
    (void)state;

    assert_int_equal(kk_spin_init(&s, &hp.plat), 0);
    assert_int_equal(kk_spin_lock(&s), 0);
    assert_int_equal(kk_spin_lock(&s), KK_EDEADLK);
    assert_int_equal(host_preempt_depth(), 1); /* the failed lock undid its guard */
    assert_int_equal(kk_spin_unlock(&s), 0);
    assert_int_equal(kk_ticket_init(&t, &hp.plat), 0);
    assert_int_equal(kk_ticket_lock(&t), 0);
    assert_int_equal(kk_ticket_lock(&t), KK_EDEADLK);
    assert_int_equal(kk_ticket_unlock(&t), 0);
    assert_int_equal(host_preempt_depth(), 0);
}
#endif

#ifdef KK_SYNC_UP
/* Bytes of a lock the UP lock/unlock may touch: all but the debug map. */
#ifdef KK_SYNC_DEBUG
#define LOCK_BYTES(type) offsetof(type, dep)
#else
#define LOCK_BYTES(type) sizeof(type)
#endif

/*
 * KK_SYNC_UP: a spinlock is its guard plus a plain flag. Holding it changes
 * exactly the flag word (compared byte-wise with a snapshot in which only
 * that word was set), the guard is entered while held, and misuse changes
 * nothing. (That no atomic instruction is left is checked on the objects by
 * the sync-up-no-atomics test.)
 */
static void up_lock_is_guard_plus_flag(void **state)
{
    struct kk_spin s, s0;
    struct kk_ticket t, t0;
    struct kk_mcs m, m0;
    struct kk_mcs_node n, n0, other;
    struct kk_rwspin rw, rw0;
    unsigned long f;
    (void)state;

    assert_int_equal(kk_spin_init(&s, &hp.plat), 0);
    memcpy(&s0, &s, sizeof(s));
    assert_int_equal(kk_spin_lock_irqsave(&s, &f), 0);
    assert_true(host_irqs_off());
    assert_int_equal(host_preempt_depth(), 1);
    s0.locked = 1;
    assert_memory_equal(&s, &s0, LOCK_BYTES(struct kk_spin));
    assert_int_equal(kk_spin_lock(&s), KK_EDEADLK);
    assert_memory_equal(&s, &s0, LOCK_BYTES(struct kk_spin));
    assert_int_equal(kk_spin_unlock_irqrestore(&s, f), 0);
    assert_false(host_irqs_off());
    s0.locked = 0;
    assert_memory_equal(&s, &s0, LOCK_BYTES(struct kk_spin));
    assert_int_equal(kk_spin_unlock(&s), KK_EPERM);
    assert_memory_equal(&s, &s0, LOCK_BYTES(struct kk_spin));

    assert_int_equal(kk_ticket_init(&t, &hp.plat), 0);
    memcpy(&t0, &t, sizeof(t));
    assert_int_equal(kk_ticket_lock(&t), 0);
    assert_int_equal(host_preempt_depth(), 1);
    t0.next = t0.owner + 1;
    assert_memory_equal(&t, &t0, LOCK_BYTES(struct kk_ticket));
    assert_int_equal(kk_ticket_trylock(&t), KK_EBUSY);
    assert_int_equal(kk_ticket_unlock(&t), 0);
    t0.next = t0.owner;
    assert_memory_equal(&t, &t0, LOCK_BYTES(struct kk_ticket));

    /* MCS: the tail names the holding node; the node is not written. */
    memset(&n, 0x5a, sizeof(n));
    memcpy(&n0, &n, sizeof(n));
    assert_int_equal(kk_mcs_init(&m, &hp.plat), 0);
    memcpy(&m0, &m, sizeof(m));
    assert_int_equal(kk_mcs_lock(&m, &n), 0);
    m0.tail = &n;
    assert_memory_equal(&m, &m0, LOCK_BYTES(struct kk_mcs));
    assert_memory_equal(&n, &n0, sizeof(n));
    assert_int_equal(kk_mcs_trylock(&m, &other), KK_EBUSY);
    assert_int_equal(kk_mcs_unlock(&m, &other), KK_EPERM);
    assert_int_equal(kk_mcs_unlock(&m, &n), 0);
    m0.tail = NULL;
    assert_memory_equal(&m, &m0, LOCK_BYTES(struct kk_mcs));
    assert_memory_equal(&n, &n0, sizeof(n));

    assert_int_equal(kk_rwspin_init(&rw, &hp.plat), 0);
    memcpy(&rw0, &rw, sizeof(rw));
    assert_int_equal(kk_rwspin_read_lock(&rw), 0);
    assert_int_equal(kk_rwspin_read_lock(&rw), 0);
    rw0.word = 2;
    assert_memory_equal(&rw, &rw0, LOCK_BYTES(struct kk_rwspin));
    assert_int_equal(kk_rwspin_write_lock(&rw), KK_EDEADLK);
    assert_memory_equal(&rw, &rw0, LOCK_BYTES(struct kk_rwspin));
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(kk_rwspin_write_lock(&rw), 0);
    assert_int_not_equal(rw.word, 0);
    assert_int_equal(kk_rwspin_read_lock(&rw), KK_EDEADLK);
    assert_int_equal(kk_rwspin_write_unlock(&rw), 0);
    rw0.word = 0;
    assert_memory_equal(&rw, &rw0, LOCK_BYTES(struct kk_rwspin));
    assert_int_equal(host_preempt_depth(), 0);
}
#endif

/* ---- ck-style validation ---- */

enum { L_TAS, L_TAS_IRQ, L_TICKET, L_MCS, L_RW };

struct shared {
    int kind;
    unsigned iters;
    struct kk_spin tas;
    struct kk_ticket ticket;
    struct kk_mcs mcs;
    struct kk_rwspin rw;
    /* Protected data: invariant a == b == c == d (non-atomic updates). */
    volatile uint64_t a, b, c, d;
    uint64_t errors; /* inconsistencies seen (atomic) */
};

struct worker {
    struct shared *sh;
    unsigned idx;
};

static void lock_it(struct shared *sh, struct kk_mcs_node *n, unsigned long *f, bool reader)
{
    int rc = 0;
    switch (sh->kind) {
    case L_TAS:
        rc = kk_spin_lock(&sh->tas);
        break;
    case L_TAS_IRQ:
        rc = kk_spin_lock_irqsave(&sh->tas, f);
        break;
    case L_TICKET:
        rc = kk_ticket_lock(&sh->ticket);
        break;
    case L_MCS:
        rc = kk_mcs_lock(&sh->mcs, n);
        break;
    default:
        rc = reader ? kk_rwspin_read_lock(&sh->rw) : kk_rwspin_write_lock(&sh->rw);
    }
    if (rc)
        __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
}

static void unlock_it(struct shared *sh, struct kk_mcs_node *n, unsigned long f, bool reader)
{
    int rc = 0;
    switch (sh->kind) {
    case L_TAS:
        rc = kk_spin_unlock(&sh->tas);
        break;
    case L_TAS_IRQ:
        rc = kk_spin_unlock_irqrestore(&sh->tas, f);
        break;
    case L_TICKET:
        rc = kk_ticket_unlock(&sh->ticket);
        break;
    case L_MCS:
        rc = kk_mcs_unlock(&sh->mcs, n);
        break;
    default:
        rc = reader ? kk_rwspin_read_unlock(&sh->rw) : kk_rwspin_write_unlock(&sh->rw);
    }
    if (rc)
        __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
}

static void *validate_worker(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;
    struct kk_mcs_node node;
    unsigned long f = 0;

    for (unsigned i = 0; i < sh->iters; i++) {
        /* In the rw test, odd threads read on 3 of 4 iterations. */
        bool reader = sh->kind == L_RW && (w->idx & 1) && (i & 3) != 0;
        lock_it(sh, &node, &f, reader);
        uint64_t a = sh->a;
        if (sh->b != a || sh->c != a || sh->d != a)
            __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
        if (!reader) {
            sh->a = a + 1;
            sh->b = sh->b + 1;
            sh->c = sh->a;
            sh->d = sh->b;
        }
        unlock_it(sh, &node, f, reader);
    }
    if (host_irqs_off() || host_preempt_depth() != 0)
        __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void run_validate(int kind)
{
    static struct shared sh;
    struct worker w[NTHREADS];
    uint64_t writes = 0;

    memset(&sh, 0, sizeof(sh));
    sh.kind = kind;
    sh.iters = host_iters(kind == L_TICKET || kind == L_MCS ? 10000 : 30000);
    assert_int_equal(kk_spin_init(&sh.tas, &hp.plat), 0);
    assert_int_equal(kk_ticket_init(&sh.ticket, &hp.plat), 0);
    assert_int_equal(kk_mcs_init(&sh.mcs, &hp.plat), 0);
    assert_int_equal(kk_rwspin_init(&sh.rw, &hp.plat), 0);
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i].sh = &sh;
        w[i].idx = i;
        for (unsigned k = 0; k < sh.iters; k++)
            writes += !(kind == L_RW && (i & 1) && (k & 3) != 0);
    }
    host_run_threads(NTHREADS, validate_worker, w, sizeof(w[0]));
    assert_int_equal(sh.errors, 0);
    assert_int_equal(sh.a, writes);
    assert_int_equal(sh.d, writes);
    assert_false(kk_spin_is_locked(&sh.tas));
    assert_int_equal(sh.rw.word, 0);
    assert_null(sh.mcs.tail);
    assert_int_equal(sh.ticket.next, sh.ticket.owner);
}

static void validate_tas(void **state)
{
    (void)state;
    run_validate(L_TAS);
}

static void validate_tas_irqsave(void **state)
{
    (void)state;
    run_validate(L_TAS_IRQ);
}

static void validate_ticket(void **state)
{
    (void)state;
    run_validate(L_TICKET);
}

static void validate_mcs(void **state)
{
    (void)state;
    run_validate(L_MCS);
}

static void validate_rwspin(void **state)
{
    (void)state;
    run_validate(L_RW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_input),
        cmocka_unit_test(unlock_of_unlocked_is_eperm),
        cmocka_unit_test(rwspin_sharing_rules),
        cmocka_unit_test(guards_nest_and_restore),
        cmocka_unit_test(irqsave_restores_after_release),
#if defined(KK_SYNC_UP) || defined(KK_SYNC_DEBUG)
        cmocka_unit_test(relock_by_holder_is_edeadlk),
#endif
#ifdef KK_SYNC_UP
        cmocka_unit_test(up_lock_is_guard_plus_flag),
#endif
        cmocka_unit_test(validate_tas),
        cmocka_unit_test(validate_tas_irqsave),
        cmocka_unit_test(validate_ticket),
        cmocka_unit_test(validate_mcs),
        cmocka_unit_test(validate_rwspin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
