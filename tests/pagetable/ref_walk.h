/*
 * ref_walk.h: reference translators, one per format, written from the
 * architecture manuals independently of the library. They read the raw
 * entries the library wrote in the simulated arena and say what the MMU
 * would do with an access to a virtual address.
 */
#ifndef PT_TEST_REF_WALK_H
#define PT_TEST_REF_WALK_H

#include "arena.h"

#define REF_FAULT 1 /* no translation (the MMU raises a page fault) */
#define REF_BAD   2 /* an entry is malformed (reserved bits, misaligned leaf...) */

struct ref_result {
    uint64_t pa;    /* translation of the address */
    uint64_t size;  /* size of the page that maps it */
    unsigned flags; /* KK_PT_* as the MMU applies them (the contract's mapping) */
};

int ref_walk(const struct arena *a, enum kk_pt_format f, uint64_t root, uint64_t va,
             struct ref_result *r);

/* Simulate the hardware setting accessed (KK_PT_A) and/or dirty (KK_PT_D)
 * on the leaf that maps va; returns 0, or REF_FAULT. */
int ref_hw_set_ad(const struct arena *a, enum kk_pt_format f, uint64_t root, uint64_t va,
                  unsigned which);

/* The generic flags the MMU applies for a mapping made with @req (the
 * contract's flag table in docs/pagetable.md). */
unsigned ref_expect_flags(enum kk_pt_format f, unsigned req);

#endif
