/*
 * lockdep.c: the public side of the lock-order checker (every build).
 *
 * The checker's state is one caller-owned struct kk_lockdep; only
 * KK_SYNC_DEBUG builds feed it (debug.c). Release builds still provide these
 * functions so code that sets a checker up links in both.
 */
#include "internal.h"

int kk_lockdep_init(struct kk_lockdep *ld)
{
    if (!ld)
        return KK_EINVAL;
    kk_memset(ld, 0, sizeof(*ld));
    return 0;
}

uint32_t kk_lockdep_inversions(const struct kk_lockdep *ld)
{
    return ld ? LD_RLX(&ld->inversions) : 0;
}
