/* See stdint.h: uCore's libs/defs.h provides bool (no kernkit struct the adapter uses has a bool
 * field). */
#include <defs.h>
#ifndef true
#define true 1
#define false 0
#endif
