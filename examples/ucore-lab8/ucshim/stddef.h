/* See stdint.h: uCore's libs/defs.h provides size_t, NULL and offsetof. */
#include <defs.h>
