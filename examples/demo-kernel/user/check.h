/* check.h: tiny assertion helpers of the demo's test programs. */
#ifndef DEMO_CHECK_H
#define DEMO_CHECK_H
#include "ulib.h"

static int check_failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(2, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long a_ = (long)(a), b_ = (long)(b);                                                       \
        if (a_ != b_) {                                                                            \
            fprintf(2, "%s:%d: check failed: %s == %s (%ld != %ld)\n", __FILE__, __LINE__, #a, #b, \
                    a_, b_);                                                                       \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)
static inline int check_done(const char *name)
{
    printf("%s: %s\n", name, check_failures ? "FAIL" : "ok");
    return check_failures ? 1 : 0;
}
#endif
