/*
 * your_kernel.h: what the quick-start examples assume "your kernel" has. Each
 * qs_<lib>.c shows how one kernkit library plugs into these services; replace
 * them by your kernel's own. host_kernel.c implements them over libc (so the
 * examples run as a ctest), bare_kernel.c over static memory (so they link
 * freestanding for riscv64 and x86_64 exactly as they would in your kernel).
 */
#ifndef QUICKSTART_YOUR_KERNEL_H
#define QUICKSTART_YOUR_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Console. */
void kputs(const char *s);

/* A byte allocator (kmalloc/kfree). kfree(NULL) is a no-op. */
void *kmalloc(size_t size);
void kfree(void *p);

/* Interrupts and CPUs. */
unsigned long arch_irq_save(void);          /* disable, return the old state */
void arch_irq_restore(unsigned long flags); /* restore irq_save's state */
unsigned arch_cpu_id(void);

/* Threads (for sleeping locks). */
void *thread_current(void);                           /* the running thread's TCB */
void thread_sleep(void (*unlock)(void *), void *arg); /* mark asleep, unlock(arg), schedule */
void thread_wakeup(void *thread);

/* The boot loader's memory map. */
struct mem_region {
    uint64_t base, size;
    int usable; /* 1 = free RAM, 0 = reserved (firmware, MMIO, ...) */
};
size_t boot_memory_map(const struct mem_region **regions);
void kernel_image(uint64_t *start, uint64_t *end); /* physical range of the kernel */

/* Physical frames (4 KiB) for page tables, and how the kernel reaches them. */
int frame_alloc(uint64_t *pa); /* 0 or -1 */
void frame_free(uint64_t pa);
void *phys_to_virt(uint64_t pa);

/* Your block driver: 512-byte sectors, synchronous. 0 or -1 on error. */
#define DISK_SECTOR 512u
uint64_t disk_sectors(void);
int disk_read(uint64_t sector, uint32_t count, void *buf);
int disk_write(uint64_t sector, uint32_t count, const void *buf);
int disk_flush(void);

/* The examples: each returns 0 or a negative KK_E* code. */
int qs_buddy(void);
int qs_sync(void);
int qs_pagetable(void);
int qs_sfs(void);
/* Runs the four, printing one line each; returns how many failed. */
int qs_run_all(void);

#endif
