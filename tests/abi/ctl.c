/*
 * ctl.c: a synthetic library for the ABI gate's negative controls. Built
 * once as the baseline (no define) and once per change (CTL_*), each a
 * shared library with its own SONAME, then abidiffed by tools/abi-check.sh.
 */
#include "ctl.h"

#define API __attribute__((visibility("default")))

API int kk_ctl_init(struct kk_ctl *c, const struct kk_ctl_config *cfg);
API int kk_ctl_init(struct kk_ctl *c, const struct kk_ctl_config *cfg)
{
    c->cfg = cfg;
    c->count = cfg->flags;
    return 0;
}

#ifndef CTL_REMOVE
API uint64_t kk_ctl_count(const struct kk_ctl *c);
API uint64_t kk_ctl_count(const struct kk_ctl *c)
{
    return c->count;
}
#endif

#ifdef CTL_APPEND
API int kk_ctl_new(void);
API int kk_ctl_new(void)
{
    return 1;
}
#endif
