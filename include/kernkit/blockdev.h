/**
 * @file blockdev.h
 * @brief A block device as a set of callbacks: the interface between file
 *        systems (kernkit::sfs) and whatever stores the blocks (a kernel disk
 *        driver, a RAM disk, a host file through tools/hostblk).
 *
 * The device owner fills a struct kk_blockdev and keeps it alive while any
 * file system uses it. Callbacks are synchronous: when read() returns 0 the
 * buffer is filled, when write() returns 0 the data is handed to the device
 * (durable only after flush()). Callbacks return 0 or a negative KK_E* code
 * (KK_EIO for a device error); the code is passed through to the caller of
 * the file-system operation unchanged.
 */
#ifndef KERNKIT_BLOCKDEV_H
#define KERNKIT_BLOCKDEV_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Current version of struct kk_blockdev (its @c version field). */
#define KK_BLOCKDEV_VERSION 1u

/** A block device: geometry plus I/O callbacks with a context pointer. */
struct kk_blockdev {
    /** KK_BLOCKDEV_VERSION; later versions only append fields. */
    uint32_t version;
    /** Bytes per device block: a power of two from 512 to 4096. */
    uint32_t block_size;
    /** Number of device blocks. */
    uint64_t nblocks;
    /** Passed back to every callback. */
    void *ctx;
    /**
     * Read @p count blocks starting at @p blkno into @p buf
     * (count * block_size bytes). Returns 0 or a negative KK_E* code.
     */
    int (*read)(void *ctx, uint64_t blkno, uint32_t count, void *buf);
    /**
     * Write @p count blocks starting at @p blkno from @p buf. Returns 0 or a
     * negative KK_E* code; on error any subset of the blocks may have been written.
     */
    int (*write)(void *ctx, uint64_t blkno, uint32_t count, const void *buf);
    /** Make all completed writes durable. May be NULL (nothing to do). */
    int (*flush)(void *ctx);
};

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_BLOCKDEV_H */
