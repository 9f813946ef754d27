/*
 * whitebox.c: probes of library internals for test_pagetable.c (the
 * descriptors' hardware A/D data), compiled against pagetable/pt_core.h.
 */
#include "whitebox.h"

#include "pt_core.h"

int wb_hw_stable(enum kk_pt_format f, unsigned flags, unsigned level)
{
    const struct kk_pt_desc *d = kk_pt__desc(f);
    if (!d || !(d->leaf_mask & (1u << level)))
        return -1;
    return pt_hw_stable(d, d->encode(flags, level)) ? 1 : 0;
}
