/*
 * arena.h: a simulated physical memory for the page-table tests. Table frames
 * come from a fixed array of 4 KiB frames at a fake physical base; the arena
 * counts allocations and frees, can fail the n-th allocation, detects double
 * and foreign frees, and logs TLB flushes and frees in order.
 */
#ifndef PT_TEST_ARENA_H
#define PT_TEST_ARENA_H

#include <kernkit/pagetable.h>

#define ARENA_FRAMES 1024

enum arena_event { EV_FLUSH_VA, EV_FLUSH_ALL, EV_FREE };

struct arena {
    uint8_t *mem;  /* ARENA_FRAMES * 4096 bytes, 4 KiB aligned */
    uint64_t base; /* physical address of frame 0 */
    uint8_t used[ARENA_FRAMES];
    size_t nused;
    size_t cursor;
    long attempts;    /* allocations attempted */
    long fail_at;     /* fail the allocation with this attempt number (-1 = never) */
    long bad_frees;   /* frees of unknown or free frames */
    long dirty_frees; /* frames freed while not all zero */
    long flushes;     /* flush_tlb calls */
    uint64_t flushed_vas;
    /* event log (bounded) */
    int nev;
    enum arena_event ev[256];
    struct kk_pt_platform plat;
};

void arena_init(struct arena *a, uint64_t base);
void arena_fini(struct arena *a);
/* Compare the used frames (map and contents) with a snapshot. */
struct arena_snap {
    uint8_t used[ARENA_FRAMES];
    uint8_t *mem;
};
void arena_snap_take(const struct arena *a, struct arena_snap *s);
int arena_snap_same(const struct arena *a, const struct arena_snap *s);
void arena_snap_free(struct arena_snap *s);
/* Pointer to the bytes at a physical address inside the arena (NULL outside). */
void *arena_ptr(const struct arena *a, uint64_t pa);

#endif
