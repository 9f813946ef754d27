/* The adapter (sfs_kernkit.c) sees kernkit's headers through uCore's own types (libs/defs.h). */
#ifndef KK_UCORE_STDINT_H
#define KK_UCORE_STDINT_H
#include <defs.h>
#define UINT32_MAX 0xffffffffu
#define INT64_MAX  0x7fffffffffffffffll
#define SIZE_MAX   UINT32_MAX
#endif
