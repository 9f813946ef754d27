/*
 * test_meta32.c: kk_buddy_meta_size() and kk_buddy_init() on a 32-bit size_t.
 *
 * Built with -m32 (when the host compiler can) from the buddy sources, no
 * cmocka: on i386 the metadata of 2^32 frames (~40 GB) does not fit a size_t,
 * so kk_buddy_meta_size() must say 0 rather than a wrapped small size that
 * kk_buddy_init() would then accept and overrun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kernkit/buddy.h>

static int fails;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "test_meta32: FAIL: %s\n", what);
        fails++;
    }
}

int main(void)
{
    static uint64_t
        meta[128]; /* one frame: ~650 bytes, most of them the reserve and 31 bitmap words */
    struct kk_buddy b;
    struct kk_buddy_config cfg = {0};
    size_t big = kk_buddy_meta_size(KK_BUDDY_MAX_FRAMES);
    size_t mid = kk_buddy_meta_size((uint64_t)1 << 28);
    check(sizeof(size_t) == 4, "built for a 32-bit size_t");
    check(big == 0, "meta size of KK_BUDDY_MAX_FRAMES frames does not fit: want 0");
    check(mid >= ((size_t)9 << 28), "2^28 frames need at least 9 bytes each");
    check(kk_buddy_meta_size(1) > 0 && kk_buddy_meta_size(1) <= sizeof(meta), "one frame");
    /* the wrapped size must not let init accept a small buffer */
    cfg.size = sizeof(cfg);
    cfg.nframes = KK_BUDDY_MAX_FRAMES;
    cfg.meta = meta;
    cfg.meta_size = SIZE_MAX;
    check(kk_buddy_init(&b, &cfg) == KK_EINVAL, "init with a size_t-overflowing frame count");
    if (fails == 0)
        printf("test_meta32: ok\n");
    return fails ? EXIT_FAILURE : EXIT_SUCCESS;
}
