/*
 * Tests for the KK_SYNC_DEBUG build: lockdep-lite catching a constructed
 * AB-BA inversion (with both sites), self-deadlock and non-owner reports,
 * the spin watchdog, busy-destroy and condvar misuse reports, table-full
 * handling, and lock re-initialisation forgetting old order edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pthread.h>
#include <sched.h>

#include <cmocka.h>

#include "test_common.h"

#ifndef KK_SYNC_DEBUG
#error "test_debug.c needs the KK_SYNC_DEBUG variant"
#endif

static int reset(void **state)
{
    (void)state;
    host_reports_clear(&hp);
    kk_lockdep_init(&ld);
    hp.plat.spin_limit = 0;
    return 0;
}

static const struct kk_lock_class class_a = {"A"}, class_b = {"B"}, class_c = {"C"};

struct ab {
    struct kk_mutex a;
    struct kk_spin b;
    int line_a, line_b; /* source lines of the A -> B acquisitions */
};

static void *lock_a_then_b(void *arg)
{
    struct ab *x = arg;
    x->line_a = __LINE__ + 1;
    kk_mutex_lock(&x->a);
    x->line_b = __LINE__ + 1;
    kk_spin_lock(&x->b);
    kk_spin_unlock(&x->b);
    kk_mutex_unlock(&x->a);
    return NULL;
}

/* Does @site name this file at @line? */
static bool at_line(const struct kk_sync_site *site, int line)
{
    return site->file && strstr(site->file, "test_debug.c") && site->line == (uint32_t)line &&
           site->addr;
}

static void ab_ba_inversion_reported_with_both_sites(void **state)
{
    struct ab x;
    struct kk_sync_report r;
    char msg[1024], want[256];
    int line_b, line_a;
    (void)state;

    assert_int_equal(kk_mutex_init(&x.a, &hp.plat, 0), 0);
    assert_int_equal(kk_spin_init(&x.b, &hp.plat), 0);
    KK_SYNC_SET_CLASS(&x.a, &class_a);
    KK_SYNC_SET_CLASS(&x.b, &class_b);

    /* Another thread establishes A -> B. */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, lock_a_then_b, &x), 0);
    pthread_join(t, NULL);
    assert_int_equal(host_reports(&hp, 0, NULL), 0);
    assert_int_equal(kk_lockdep_inversions(&ld), 0);

    /* Now B -> A here: no actual deadlock (sequential), but reported. */
    assert_int_equal(kk_spin_lock(&x.b), 0);
    assert_int_equal(kk_mutex_trylock(&x.a), 0); /* trylock: no edge, no report */
    assert_int_equal(kk_mutex_unlock(&x.a), 0);
    assert_int_equal(host_reports(&hp, 0, NULL), 0);
    assert_int_equal(kk_spin_unlock(&x.b), 0);

    line_b = __LINE__ + 1;
    assert_int_equal(kk_spin_lock(&x.b), 0);
    /* (taking a sleeping lock under a spinlock is wrong in a kernel; the
     * host tolerates it and it keeps this test short) */
    line_a = __LINE__ + 1;
    assert_int_equal(kk_mutex_lock(&x.a), 0); /* still acquired */
    assert_int_equal(host_reports(&hp, KK_SYNC_R_ORDER, &r), 1);
    assert_int_equal(kk_lockdep_inversions(&ld), 1);
    assert_ptr_equal(r.lock, &x.a);
    assert_string_equal(r.name, "A");
    assert_ptr_equal(r.other, &x.b);
    assert_string_equal(r.other_name, "B");
    /* Sites as file:line, through the debug build's macro wrappers. */
    assert_true(at_line(&r.site, line_a));               /* A taken now */
    assert_true(at_line(&r.other_site, line_b));         /* B held now */
    assert_true(at_line(&r.prior_site, x.line_a));       /* A before, in A -> B */
    assert_true(at_line(&r.prior_other_site, x.line_b)); /* then B */
    assert_ptr_equal(r.thread, host_self());
    /* The formatted message names both locks with all four sites, in order. */
    assert_true(kk_sync_report_format(&r, msg, sizeof(msg)) < (int)sizeof(msg));
    snprintf(want, sizeof(want), "A@%p taken at ", (void *)&x.a);
    assert_non_null(strstr(msg, "lock-order inversion: "));
    assert_non_null(strstr(msg, want));
    snprintf(want, sizeof(want), "test_debug.c:%d while holding B@%p taken at ", line_a,
             (void *)&x.b);
    assert_non_null(strstr(msg, want));
    snprintf(want, sizeof(want), "test_debug.c:%d; the opposite order was seen before: B taken at ",
             line_b);
    assert_non_null(strstr(msg, want));
    snprintf(want, sizeof(want), "test_debug.c:%d while holding A taken at ", x.line_b);
    assert_non_null(strstr(msg, want));
    snprintf(want, sizeof(want), "test_debug.c:%d", x.line_a);
    assert_non_null(strstr(msg, want));
    /* Truncation: NUL-terminated, full length still returned. */
    int full = kk_sync_report_format(&r, msg, 16);
    assert_int_equal(strlen(msg), 15);
    assert_true(full > 16);
    assert_int_equal(kk_sync_report_format(&r, NULL, 0), full);
    assert_int_equal(kk_sync_report_format(NULL, msg, sizeof(msg)), KK_EINVAL);
    assert_int_equal(kk_sync_report_format(&r, NULL, 8), KK_EINVAL);
    assert_int_equal(kk_mutex_unlock(&x.a), 0);
    assert_int_equal(kk_spin_unlock(&x.b), 0);

    /* The same inversion is reported once. */
    assert_int_equal(kk_spin_lock(&x.b), 0);
    assert_int_equal(kk_mutex_lock(&x.a), 0);
    assert_int_equal(kk_mutex_unlock(&x.a), 0);
    assert_int_equal(kk_spin_unlock(&x.b), 0);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_ORDER, NULL), 1);
}

static void transitive_inversion_found(void **state)
{
    struct kk_spin a, b, c;
    struct kk_sync_report r;
    (void)state;

    kk_spin_init(&a, &hp.plat);
    kk_spin_init(&b, &hp.plat);
    kk_spin_init(&c, &hp.plat);
    KK_SYNC_SET_CLASS(&a, &class_a);
    KK_SYNC_SET_CLASS(&b, &class_b);
    KK_SYNC_SET_CLASS(&c, &class_c);
    /* A -> B, B -> C, then C -> A closes a cycle. */
    kk_spin_lock(&a);
    kk_spin_lock(&b);
    kk_spin_unlock(&b);
    kk_spin_unlock(&a);
    kk_spin_lock(&b);
    kk_spin_lock(&c);
    kk_spin_unlock(&c);
    kk_spin_unlock(&b);
    assert_int_equal(host_reports(&hp, 0, NULL), 0);
    kk_spin_lock(&c);
    assert_int_equal(kk_spin_lock(&a), 0);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_ORDER, &r), 1);
    assert_string_equal(r.name, "A");
    assert_string_equal(r.other_name, "C");
    assert_non_null(r.prior_site.file);
    assert_string_equal(r.prior_other_name, "B"); /* the chain A -> B -> C starts with B */
    kk_spin_unlock(&a);
    kk_spin_unlock(&c);
}

static void reinit_forgets_order(void **state)
{
    struct kk_spin a, b;
    (void)state;

    kk_spin_init(&a, &hp.plat);
    kk_spin_init(&b, &hp.plat);
    kk_spin_lock(&a);
    kk_spin_lock(&b);
    kk_spin_unlock(&b);
    kk_spin_unlock(&a);
    /* A new lock at a's address is a new class: B -> A is no inversion. */
    kk_spin_init(&a, &hp.plat);
    kk_spin_lock(&b);
    kk_spin_lock(&a);
    kk_spin_unlock(&a);
    kk_spin_unlock(&b);
    assert_int_equal(host_reports(&hp, 0, NULL), 0);
}

static void self_deadlock_reported(void **state)
{
    struct kk_spin s;
    struct kk_mutex m;
    struct kk_rwspin rw;
    struct kk_sync_report r;
    (void)state;

    kk_spin_init(&s, &hp.plat);
    KK_SYNC_SET_CLASS(&s, &class_a);
    assert_int_equal(kk_spin_lock(&s), 0);
    assert_int_equal(kk_spin_lock(&s), KK_EDEADLK);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_SELF_DEADLOCK, &r), 1);
    assert_int_equal(r.err, KK_EDEADLK);
    assert_ptr_equal(r.lock, &s);
    assert_string_equal(r.name, "A");
    assert_ptr_equal(r.other_thread, host_self());
    assert_non_null(r.other_site.file); /* where it was first taken */
    assert_int_not_equal(r.other_site.line, r.site.line);
    /* The function itself (no macro) still works and reports its return address. */
    assert_int_equal((kk_spin_lock)(&s), KK_EDEADLK);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_SELF_DEADLOCK, &r), 2);
    assert_null(r.site.file);
    assert_non_null(r.site.addr);
    assert_int_equal(kk_spin_unlock(&s), 0);
    assert_int_equal(host_preempt_depth(), 0);

    kk_mutex_init(&m, &hp.plat, 0);
    assert_int_equal(kk_mutex_lock(&m), 0);
    assert_int_equal(kk_mutex_lock_timeout(&m, KK_SYNC_FOREVER), KK_EDEADLK);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_SELF_DEADLOCK, NULL), 3);
    assert_int_equal(kk_mutex_unlock(&m), 0);

    /* Read then write by the same thread: caught by the held-lock stack. */
    kk_rwspin_init(&rw, &hp.plat);
    assert_int_equal(kk_rwspin_read_lock(&rw), 0);
    assert_int_equal(kk_rwspin_read_lock(&rw), 0); /* shared: allowed */
    assert_int_equal(kk_rwspin_write_lock(&rw), KK_EDEADLK);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_SELF_DEADLOCK, NULL), 4);
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(kk_rwspin_read_unlock(&rw), 0);
    assert_int_equal(rw.word, 0);
}

struct holder {
    struct kk_spin s;
    struct kk_ticket t;
    unsigned go, stop;
};

static void *hold_until_told(void *arg)
{
    struct holder *h = arg;
    kk_spin_lock(&h->s);
    kk_ticket_lock(&h->t);
    __atomic_store_n(&h->go, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE))
        sched_yield();
    kk_ticket_unlock(&h->t);
    kk_spin_unlock(&h->s);
    return NULL;
}

static void *unlock_after_report(void *arg)
{
    struct holder *h = arg;
    while (host_reports(&hp, KK_SYNC_R_SPIN_LOCKUP, NULL) == 0)
        sched_yield();
    __atomic_store_n(&h->stop, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void non_owner_unlock_and_watchdog(void **state)
{
    static struct holder h;
    struct kk_sync_report r;
    (void)state;

    memset(&h, 0, sizeof(h));
    kk_spin_init(&h.s, &hp.plat);
    kk_ticket_init(&h.t, &hp.plat);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_until_told, &h), 0);
    while (!__atomic_load_n(&h.go, __ATOMIC_ACQUIRE))
        sched_yield();

    assert_int_equal(kk_spin_unlock(&h.s), KK_EPERM);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_NOT_OWNER, &r), 1);
    assert_ptr_not_equal(r.other_thread, host_self());
    assert_non_null(r.other_thread);
    assert_true(kk_spin_is_locked(&h.s)); /* untouched */
    assert_int_equal(kk_ticket_unlock(&h.t), KK_EPERM);

    /* Watchdog: spin past the limit, get one report, then the lock. */
    hp.plat.spin_limit = 2000;
    pthread_t u;
    assert_int_equal(pthread_create(&u, NULL, unlock_after_report, &h), 0);
    assert_int_equal(kk_ticket_lock(&h.t), 0);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_SPIN_LOCKUP, &r), 1);
    assert_ptr_equal(r.lock, &h.t);
    assert_non_null(r.other_thread); /* the holder */
    assert_ptr_not_equal(r.other_thread, host_self());
    assert_int_equal(kk_ticket_unlock(&h.t), 0);
    pthread_join(u, NULL);
    pthread_join(t, NULL);
}

static void misuse_reports(void **state)
{
    struct kk_spin s;
    struct kk_mutex m;
    struct kk_cond c;
    (void)state;

    kk_spin_init(&s, &hp.plat);
    assert_int_equal(kk_spin_unlock(&s), KK_EPERM);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_NOT_LOCKED, NULL), 1);
    kk_mutex_init(&m, &hp.plat, 0);
    kk_cond_init(&c, &hp.plat);
    assert_int_equal(kk_mutex_unlock(&m), KK_EPERM);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_NOT_LOCKED, NULL), 2);
    assert_int_equal(kk_cond_wait(&c, &m), KK_EPERM);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_COND_NO_MUTEX, NULL), 1);
    kk_mutex_lock(&m);
    assert_int_equal(kk_mutex_destroy(&m), KK_EBUSY);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_BUSY, NULL), 1);
    kk_mutex_unlock(&m);
    assert_int_equal(kk_mutex_destroy(&m), 0);

    /* A platform of the other build flavour is refused. */
    struct kk_sync_platform rel = hp.plat;
    rel.version = KK_SYNC_PLATFORM_V1;
    assert_int_equal(kk_spin_init(&s, &rel), KK_EINVAL);
}

static void full_tables_stop_checking(void **state)
{
    static struct kk_spin locks[KK_LOCKDEP_MAX_HELD + 2];
    (void)state;

    for (unsigned i = 0; i < KK_ARRAY_SIZE(locks); i++)
        kk_spin_init(&locks[i], &hp.plat);
    /* Nest deeper than the held stack allows. */
    for (unsigned i = 0; i < KK_ARRAY_SIZE(locks); i++)
        assert_int_equal(kk_spin_lock(&locks[i]), 0);
    for (unsigned i = KK_ARRAY_SIZE(locks); i-- > 0;)
        assert_int_equal(kk_spin_unlock(&locks[i]), 0);
    assert_int_equal(host_reports(&hp, KK_SYNC_R_LOCKDEP_FULL, NULL), 1);
    assert_int_equal(ld.disabled, 1);
    /* Locks keep working, and owner checks still run without the checker. */
    assert_int_equal(kk_spin_lock(&locks[0]), 0);
    assert_int_equal(kk_spin_lock(&locks[0]), KK_EDEADLK);
    assert_int_equal(kk_spin_unlock(&locks[0]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(ab_ba_inversion_reported_with_both_sites, reset),
        cmocka_unit_test_setup(transitive_inversion_found, reset),
        cmocka_unit_test_setup(reinit_forgets_order, reset),
        cmocka_unit_test_setup(self_deadlock_reported, reset),
        cmocka_unit_test_setup(non_owner_unlock_and_watchdog, reset),
        cmocka_unit_test_setup(misuse_reports, reset),
        cmocka_unit_test_setup(full_tables_stop_checking, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
