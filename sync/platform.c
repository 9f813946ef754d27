/*
 * platform.c: validation of struct kk_sync_platform and the guards.
 *
 * Owns no state. A platform is accepted when its version equals this build's
 * KK_SYNC_PLATFORM_VERSION (so a debug caller cannot use a release library
 * with different lock layouts) and its callbacks come in complete pairs.
 * Guards call the platform in Linux's order: irq_save, preempt_disable on
 * entry; irq_restore, preempt_enable on exit.
 */
#include "internal.h"

int kk_sync_platform_check(const struct kk_sync_platform *plat)
{
    if (!plat || plat->version != KK_SYNC_PLATFORM_VERSION)
        return KK_EINVAL;
    if (!plat->irq_save != !plat->irq_restore)
        return KK_EINVAL;
    if (!plat->preempt_disable != !plat->preempt_enable)
        return KK_EINVAL;
    return 0;
}

/* Sleeping primitives need a thread identity and block/wake. */
int kk_sync__plat_sleepers(const struct kk_sync_platform *p)
{
    int rc = kk_sync_platform_check(p);
    if (rc)
        return rc;
    if (!p->current || !p->block || !p->wake)
        return KK_ENOTSUP;
    return 0;
}

int kk_guard_enter(struct kk_guard *g, const struct kk_sync_platform *plat, enum kk_guard_kind kind)
{
    if (!g || kk_sync_platform_check(plat))
        return KK_EINVAL;
    if (kind != KK_GUARD_NONE && kind != KK_GUARD_NOPREEMPT && kind != KK_GUARD_IRQSAVE)
        return KK_EINVAL;
    g->plat = plat;
    g->kind = (uint32_t)kind;
    g->flags = guard_on(plat, (unsigned)kind);
    g->active = 1;
    return 0;
}

int kk_guard_leave(struct kk_guard *g)
{
    if (!g)
        return KK_EINVAL;
    if (g->active != 1 || !g->plat)
        return KK_EPERM;
    g->active = 0;
    guard_off(g->plat, g->kind, g->flags);
    return 0;
}
