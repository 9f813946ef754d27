/* whitebox.h: probes of library internals (whitebox.c). */
#ifndef PT_TEST_WHITEBOX_H
#define PT_TEST_WHITEBOX_H

#include <kernkit/pagetable.h>

/* 1 if a leaf of @f at @level with @flags is one the MMU never writes
 * (flag rewrites use a plain store), 0 if rewrites need a CAS, -1 if the
 * format has no leaf at that level. */
int wb_hw_stable(enum kk_pt_format f, unsigned flags, unsigned level);

#endif
