/* ctl.h: the public types of the synthetic library of the ABI controls
 * (tools/abi-check.sh reads which structs are appendable from here). */
#ifndef KK_CTL_H
#define KK_CTL_H

#include <stdint.h>

/* Appendable: its first member is the size. */
struct kk_ctl_config {
    uint32_t size;
    uint32_t flags;
#ifdef CTL_REORDER_CFG
    uint64_t limit;
    uint64_t base;
#else
    uint64_t base;
    uint64_t limit;
#endif
    void *ctx;
#ifdef CTL_APPEND
    uint64_t appended; /* an addition: allowed */
#endif
};

/* A caller-allocated instance: its layout is fixed. */
struct kk_ctl {
#ifdef CTL_REORDER
    uint64_t count;
    const struct kk_ctl_config *cfg;
#else
    const struct kk_ctl_config *cfg;
    uint64_t count;
#endif
#ifdef CTL_GROW
    uint64_t grown;
#endif
};

#endif
