/*
 * host_kernel.c: your_kernel.h over libc, so the quick-start examples run as
 * a host program (ctest quickstart-host). Physical addresses are host
 * addresses: "RAM" is one aligned malloc block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "your_kernel.h"

#define RAM_BYTES  (8u << 20)
#define DISK_BYTES (1u << 20)

static uint8_t *ram;             /* 8 MiB of "physical memory" */
static uint8_t disk[DISK_BYTES]; /* the "block device" */
static struct mem_region map[2];
static uint64_t next_frame; /* frame_alloc: a bump pointer over ram's second half */

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

unsigned long arch_irq_save(void)
{
    return 1;
}

void arch_irq_restore(unsigned long flags)
{
    (void)flags;
}

unsigned arch_cpu_id(void)
{
    return 0;
}

static int the_thread; /* one thread; it never has to sleep here */

void *thread_current(void)
{
    return &the_thread;
}

void thread_sleep(void (*unlock)(void *), void *arg)
{
    unlock(arg);
}

void thread_wakeup(void *thread)
{
    (void)thread;
}

size_t boot_memory_map(const struct mem_region **regions)
{
    uint64_t base = (uint64_t)(uintptr_t)ram;
    map[0] = (struct mem_region){base, RAM_BYTES / 2, 1};                 /* free RAM */
    map[1] = (struct mem_region){base + RAM_BYTES / 2, RAM_BYTES / 2, 0}; /* page tables below */
    *regions = map;
    return 2;
}

void kernel_image(uint64_t *start, uint64_t *end)
{
    *start = (uint64_t)(uintptr_t)ram; /* pretend the kernel sits in the first 64 KiB */
    *end = *start + 65536;
}

int frame_alloc(uint64_t *pa)
{
    if (next_frame + 4096 > RAM_BYTES / 2)
        return -1;
    *pa = (uint64_t)(uintptr_t)ram + RAM_BYTES / 2 + next_frame;
    next_frame += 4096;
    return 0;
}

void frame_free(uint64_t pa)
{
    (void)pa; /* a bump allocator frees nothing */
}

void *phys_to_virt(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

uint64_t disk_sectors(void)
{
    return DISK_BYTES / DISK_SECTOR;
}

int disk_read(uint64_t sector, uint32_t count, void *buf)
{
    if (sector + count > disk_sectors())
        return -1;
    memcpy(buf, disk + sector * DISK_SECTOR, (size_t)count * DISK_SECTOR);
    return 0;
}

int disk_write(uint64_t sector, uint32_t count, const void *buf)
{
    if (sector + count > disk_sectors())
        return -1;
    memcpy(disk + sector * DISK_SECTOR, buf, (size_t)count * DISK_SECTOR);
    return 0;
}

int disk_flush(void)
{
    return 0;
}

int main(void)
{
    ram = aligned_alloc(1u << 22, RAM_BYTES);
    if (!ram)
        return 1;
    int failed =
        qs_run_all() + qs_sfs(); /* sfs twice: the second run mounts what the first wrote */
    free(ram);
    printf("quickstart: %d failed\n", failed);
    return failed != 0;
}
