/* mem.h: physical frames and the kernel heap. */
#ifndef DEMO_MEM_H
#define DEMO_MEM_H

#include "kernel.h"

void mem_init(uintptr_t free_start_pa, uintptr_t free_end_pa);
/* 2^order contiguous frames, zeroed; returns the physical address or 0. */
uintptr_t frames_alloc(unsigned order);
void frames_free(uintptr_t pa, unsigned order);
static inline uintptr_t frame_alloc(void)
{
    return frames_alloc(0);
}
static inline void frame_free(uintptr_t pa)
{
    frames_free(pa, 0);
}
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
size_t mem_free_frames(void);
size_t mem_total_frames(void);

#endif
