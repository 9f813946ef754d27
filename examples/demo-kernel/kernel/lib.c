/* lib.c: the few C library functions the kernel and the kernkit libraries call. */
#include "kernel.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s | n) & 7) == 0) {
        uint64_t *d8 = dst;
        const uint64_t *s8 = src;
        for (n /= 8; n; n--)
            *d8++ = *s8++;
        return dst;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if ((((uintptr_t)d | n) & 7) == 0) {
        uint64_t *d8 = dst, v = (unsigned char)c * 0x0101010101010101ull;
        for (n /= 8; n; n--)
            *d8++ = v;
        return dst;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    typedef uint64_t __attribute__((may_alias)) word;
    const unsigned char *x = a, *y = b;
    if ((((uintptr_t)x | (uintptr_t)y) & 7) == 0) /* whole words while they agree */
        for (; n >= 8 && *(const word *)x == *(const word *)y; n -= 8, x += 8, y += 8)
            ;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* Copy at most n-1 bytes and always terminate. */
char *strncpy0(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n && src[i]; i++)
        dst[i] = src[i];
    if (n)
        dst[i] = 0;
    return dst;
}
