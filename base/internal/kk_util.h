/*
 * kk_util.h: private helpers for kernkit library sources (never installed).
 *
 * The libraries are freestanding: they may call only memcpy, memmove, memset
 * and memcmp (through the kk_mem* names below) and libgcc. No libc headers.
 */
#ifndef KK_UTIL_H
#define KK_UTIL_H

#include <kernkit/base.h>

#define kk_memcpy  __builtin_memcpy
#define kk_memmove __builtin_memmove
#define kk_memset  __builtin_memset
#define kk_memcmp  __builtin_memcmp

#define KK_LIKELY(x)   __builtin_expect(!!(x), 1)
#define KK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define KK_UNUSED      __attribute__((unused))

#define KK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KK_MAX(a, b) ((a) > (b) ? (a) : (b))

/** True if @p x (unsigned) is a power of two (0 is not). */
#define KK_IS_POW2(x) ((x) != 0 && ((x) & ((x)-1)) == 0)
/** Round @p x up/down to a multiple of the power of two @p a. */
#define KK_ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define KK_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))

/** Bounded string length (no libc). */
static inline size_t kk_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

#endif
