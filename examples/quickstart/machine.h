/* machine.h: see machine.c. */
#ifndef QUICKSTART_MACHINE_H
#define QUICKSTART_MACHINE_H

#include "your_kernel.h"

/* RAM (aligned to 1 MiB) and the disk the services below work on. */
void machine_setup(void *ram, size_t ram_bytes, void *disk, size_t disk_bytes);

#endif
