/* Test input for check-freestanding: uses only memcpy and its own symbols. */
#include <string.h>

void kk_test_clean_copy(void *dst, const void *src, unsigned long n);
void kk_test_clean_copy(void *dst, const void *src, unsigned long n)
{
    memcpy(dst, src, n);
}
