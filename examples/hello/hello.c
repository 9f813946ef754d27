/* kk-hello: prints the kernkit version and its error-code table. */
#include <stdio.h>

#include <kernkit/base.h>

int main(void)
{
    printf("kernkit %s (0x%06x)\n", kk_version_string(), (unsigned)kk_version());
    for (int e = 1; e < 130; e++) {
        if (kk_strerror_name(-e)[4] != '?')
            printf("  %-16s %4d  %s\n", kk_strerror_name(-e), -e, kk_strerror(-e));
    }
    return kk_version() == KERNKIT_VERSION ? 0 : 1;
}
