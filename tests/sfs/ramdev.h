/*
 * ramdev.h: test helpers shared by the sfs/vfs tests and the fuzz harness:
 * a RAM block device that counts I/O and can fail the Nth read or write
 * (optionally every later write too, as a power cut), optionally taking
 * batches through submit() (done in reverse order, each request counted and
 * failed like a single read or write), and a malloc platform
 * that can fail the Nth allocation and uses pthread mutexes.
 */
#ifndef KK_TEST_RAMDEV_H
#define KK_TEST_RAMDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <kernkit/blockdev.h>
#include <kernkit/vfs.h>

struct ramdev {
    struct kk_blockdev dev;
    uint8_t *data;
    uint64_t reads, writes, flushes;
    uint64_t fail_read_at;  /* fail the read with this 1-based number; 0 = never */
    uint64_t fail_write_at; /* same for writes */
    bool power_cut;         /* after a failed write, every later write fails too */
    bool cut;
    uint64_t bad_block; /* 1 + a device block every access to which fails; 0 = none */
    uint32_t bad_ops;   /* which accesses to bad_block fail: RAMDEV_BAD_*; 0 = both */
    uint32_t bad_every; /* intermittent: only every Nth access to it fails; 0 = each */
    uint64_t bad_hits;  /* accesses to bad_block of a failing kind so far */
    uint64_t batches;   /* submit() calls */
    uint64_t max_batch; /* most requests in one submit() */
};

#define RAMDEV_BAD_READ  1u
#define RAMDEV_BAD_WRITE 2u

/* A device of @nblocks blocks of @bs bytes, zeroed. Returns NULL on OOM. */
struct ramdev *ramdev_new(uint64_t nblocks, uint32_t bs);
/* A device holding a copy of @img (@len bytes, rounded up with zeros). */
struct ramdev *ramdev_from(const void *img, size_t len, uint32_t bs);
/* A device of max(@min_blocks, chunks) blocks of @bs bytes whose block k
 * starts with the k-th @chunk bytes of @data (@len bytes; the rest of each
 * block zero): the fuzz harnesses' small-input image layout. NULL when @data
 * holds more than @max_blocks chunks, or on OOM. */
struct ramdev *ramdev_from_chunks(const uint8_t *data, size_t len, size_t chunk,
                                  uint64_t min_blocks, uint64_t max_blocks, uint32_t bs);
void ramdev_free(struct ramdev *r);
/* Offer submit() (version 2) or not (version 1, read/write only). */
void ramdev_use_submit(struct ramdev *r, bool on);
/* Reset counters and faults. */
void ramdev_reset(struct ramdev *r);

struct testplat {
    struct kk_fs_platform p;
    uint64_t allocs;
    uint64_t fail_alloc_at; /* 1-based; 0 = never */
    long live;              /* outstanding allocations */
};

/* Platform with pthread locks (@locks) or without. */
void testplat_init(struct testplat *t, bool locks);

#endif
