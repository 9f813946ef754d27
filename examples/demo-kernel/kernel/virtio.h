/* virtio.h: the virtio-blk MMIO driver (legacy v1 and modern v2 transports). */
#ifndef DEMO_VIRTIO_H
#define DEMO_VIRTIO_H

#include "kernel.h"

#define VBLK_BLOCK 4096u

int virtio_blk_init(void);
/* Read or write count 4 KiB blocks at block blkno. Sleeps until the device's
 * completion interrupt once processes run (polls during boot). */
int vblk_rw(uint64_t blkno, uint32_t count, void *buf, bool write);
int vblk_flush(void);
uint64_t vblk_nblocks(void);
void virtio_intr(uint32_t irq);
extern uint64_t vblk_bytes_read, vblk_bytes_written, vblk_requests;
extern uint32_t vblk_max_inflight; /* most requests in flight at once so far */

#endif
