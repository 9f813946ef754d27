/* Test input for check-freestanding: a "library" object that calls printf. */
#include <stdio.h>

int kk_test_violator(int x);
int kk_test_violator(int x)
{
    return printf("%d\n", x);
}
