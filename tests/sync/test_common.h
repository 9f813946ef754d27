/*
 * test_common.h: the fixture every sync test file shares: one host platform
 * (uniprocessor emulation in the KK_SYNC_UP variant), checked for contract
 * violations after each group. Include after <cmocka.h>.
 */
#ifndef KK_TEST_SYNC_COMMON_H
#define KK_TEST_SYNC_COMMON_H

#include <sched.h>

#include "host_platform.h"

#ifdef KK_SYNC_UP
#define UP_MODE true
#else
#define UP_MODE false
#endif

#define NTHREADS 4

static struct host_plat hp;
#ifdef KK_SYNC_DEBUG
static struct kk_lockdep ld; /* debug variant: the checker runs under every test */
#endif

static int setup(void **state)
{
    (void)state;
    host_plat_init(&hp, UP_MODE);
#ifdef KK_SYNC_DEBUG
    kk_lockdep_init(&ld);
    hp.plat.lockdep = &ld;
#endif
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(hp.violations, 0);
    host_plat_destroy(&hp);
    return 0;
}

/* block() calls so far (each one is a thread that enqueued itself). */
static inline unsigned blocks(void)
{
    return __atomic_load_n(&hp.blocks, __ATOMIC_ACQUIRE);
}

/* Wait until @n more block() calls than @base happened (threads enqueued). */
static inline void wait_blocks(unsigned base, unsigned n)
{
    while (blocks() < base + n)
        sched_yield();
}

#endif
