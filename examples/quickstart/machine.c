/*
 * machine.c: the part of your_kernel.h that host_kernel.c and bare_kernel.c
 * share: one CPU, one thread, no interrupts, "RAM" and a "disk" in memory
 * given by machine_setup(). Physical addresses are the memory's addresses.
 */
#include "machine.h"

static uint8_t *ram, *disk;
static size_t ram_bytes, disk_bytes, frames_used;
static struct mem_region map[2];
static int the_thread;

void machine_setup(void *ram_mem, size_t ram_size, void *disk_mem, size_t disk_size)
{
    ram = ram_mem, ram_bytes = ram_size;
    disk = disk_mem, disk_bytes = disk_size;
    frames_used = 0;
}

unsigned long arch_irq_save(void)
{
    return 0; /* interrupts are never enabled */
}

void arch_irq_restore(unsigned long flags)
{
    (void)flags;
}

unsigned arch_cpu_id(void)
{
    return 0;
}

void *thread_current(void)
{
    return &the_thread;
}

void thread_sleep(void (*unlock)(void *), void *arg)
{
    unlock(arg); /* one thread: nobody else could hold the lock */
}

void thread_wakeup(void *thread)
{
    (void)thread;
}

/* The first half of RAM is free memory for buddy, the second half page-table frames. */
size_t boot_memory_map(const struct mem_region **regions)
{
    uint64_t base = (uint64_t)(uintptr_t)ram;
    map[0] = (struct mem_region){base, ram_bytes / 2, 1};
    map[1] = (struct mem_region){base + ram_bytes / 2, ram_bytes / 2, 0};
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
    if (frames_used + 4096 > ram_bytes / 2)
        return -1;
    *pa = (uint64_t)(uintptr_t)ram + ram_bytes / 2 + frames_used;
    frames_used += 4096;
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
    return disk_bytes / DISK_SECTOR;
}

int disk_read(uint64_t sector, uint32_t count, void *buf)
{
    if (sector + count > disk_sectors())
        return -1;
    __builtin_memcpy(buf, disk + sector * DISK_SECTOR, (size_t)count * DISK_SECTOR);
    return 0;
}

int disk_write(uint64_t sector, uint32_t count, const void *buf)
{
    if (sector + count > disk_sectors())
        return -1;
    __builtin_memcpy(disk + sector * DISK_SECTOR, buf, (size_t)count * DISK_SECTOR);
    return 0;
}

int disk_flush(void)
{
    return 0;
}
