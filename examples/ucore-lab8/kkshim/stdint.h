/* kernkit's library sources under uCore's -nostdinc: the compiler's own freestanding <stdint.h>. */
#include <stdint-gcc.h>
