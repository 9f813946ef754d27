/* virtio.h: the virtio-blk MMIO driver (legacy v1 and modern v2 transports). */
#ifndef DEMO_VIRTIO_H
#define DEMO_VIRTIO_H

#include <kernkit/blockdev.h>

#include "kernel.h"

#define VBLK_BLOCK 4096u

int virtio_blk_init(void);
/* Read or write count 4 KiB blocks at block blkno. Sleeps until the device's
 * completion interrupt once processes run (polls during boot). */
int vblk_rw(uint64_t blkno, uint32_t count, void *buf, bool write);
/* Carry out n requests (any order, as many in flight at once as there are
 * free slots), return when all completed: every reqs[i].status is 0, KK_EIO
 * (device error, also for a block past the end of the disk) or KK_EINVAL
 * (no buffer, zero count, bad op); returns the lowest-indexed request's
 * error, or 0. Sleeps like vblk_rw (polls at boot). */
int vblk_submit(struct kk_blockdev_req *reqs, uint32_t n);
/* vblk_submit, also telling the most of this batch's requests (pieces of at
 * most 256 KiB) that were in flight at once. */
int vblk_submit_stats(struct kk_blockdev_req *reqs, uint32_t n, uint32_t *depth);
int vblk_flush(void);
/* The batched path checked against one-at-a-time reads of the same blocks,
 * device errors confined to their requests (vblk_check.c). Flags:
 * VBLK_CHECK_WRITE also rewrites the blocks with their own contents (only
 * while nothing else uses the disk), VBLK_CHECK_BIG adds a request split over
 * several slots. Returns the read batch's depth (>= 1) or a KK_E* code. */
#define VBLK_CHECK_WRITE 1u
#define VBLK_CHECK_BIG   2u
int vblk_selfcheck(uint32_t seed, uint32_t flags);
uint64_t vblk_nblocks(void);
void virtio_intr(uint32_t irq);
extern uint64_t vblk_bytes_read, vblk_bytes_written, vblk_requests;
extern uint32_t vblk_max_inflight; /* most requests in flight at once so far */

#endif
