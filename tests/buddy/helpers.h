/* helpers.h: shared fixtures for the buddy tests. */
#ifndef KK_TEST_BUDDY_HELPERS_H
#define KK_TEST_BUDDY_HELPERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/buddy.h>

/* A frame allocator with its metadata on the host heap. */
struct fixture {
    struct kk_buddy b;
    struct kk_buddy_config cfg;
    void *meta;
};

/* Fill cfg for nframes frames at base with frame_size/max_order (0 = default). */
static inline void fixture_config(struct fixture *f, uint64_t base, uint64_t nframes,
                                  uint32_t frame_size, uint32_t max_order)
{
    memset(f, 0, sizeof *f);
    f->cfg.size = sizeof f->cfg;
    f->cfg.base = base;
    f->cfg.nframes = nframes;
    f->cfg.frame_size = frame_size;
    f->cfg.max_order = max_order;
    f->cfg.meta_size = kk_buddy_meta_size(nframes);
    f->meta = malloc(f->cfg.meta_size);
    memset(f->meta, 0xA5, f->cfg.meta_size); /* garbage: init must not trust it */
    f->cfg.meta = f->meta;
}

static inline void fixture_done(struct fixture *f)
{
    free(f->meta);
    f->meta = NULL;
}

/* Number of test iterations: KK_TEST_ITERS overrides the default. */
static inline unsigned long test_iters(unsigned long dflt)
{
    const char *s = getenv("KK_TEST_ITERS");
#ifdef KK_TEST_TSAN /* set by kernkit_add_test under the tsan preset (gcc and clang) */
    dflt /= 10;     /* single-threaded loops gain nothing from tsan's slowdown */
#endif
    return s && *s ? strtoul(s, NULL, 0) : dflt;
}

/* xorshift64* with a fixed seed. */
static inline uint64_t test_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
