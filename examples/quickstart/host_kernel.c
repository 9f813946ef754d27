/*
 * host_kernel.c: your_kernel.h over libc (with machine.c), so the quick-start examples run as
 * a host program (ctest quickstart-host). Physical addresses are host
 * addresses: "RAM" is one aligned malloc block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define RAM_BYTES  (8u << 20)
#define DISK_BYTES (1u << 20)

static uint8_t disk[DISK_BYTES]; /* the "block device" */

void kputs(const char *s)
{
    fputs(s, stdout);
}

void *kmalloc(size_t size)
{
    return malloc(size);
}

void kfree(void *p)
{
    free(p);
}

int main(void)
{
    uint8_t *ram = aligned_alloc(1u << 20, RAM_BYTES); /* "physical memory" */
    if (!ram)
        return 1;
    machine_setup(ram, RAM_BYTES, disk, DISK_BYTES);
    int failed =
        qs_run_all() + qs_sfs(); /* sfs twice: the second run mounts what the first wrote */
    free(ram);
    printf("quickstart: %d failed\n", failed);
    return failed != 0;
}
