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
 *
 * Version 2 adds the optional submit() callback: a batch of independent
 * requests the device may keep in flight together (a queue of virtio
 * descriptors, io_uring entries, NVMe commands). A file system hands it the
 * runs of one large read or write and the dirty blocks of one write-back
 * phase; a device without it gets the same requests one at a time through
 * read() and write().
 */
#ifndef KERNKIT_BLOCKDEV_H
#define KERNKIT_BLOCKDEV_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Current version of struct kk_blockdev (its @c version field). */
#define KK_BLOCKDEV_VERSION 2u

/** Direction of a struct kk_blockdev_req. */
enum kk_blockdev_op {
    KK_BLOCKDEV_READ = 0,  /**< fill @c buf from the device */
    KK_BLOCKDEV_WRITE = 1, /**< write @c buf to the device */
};

/**
 * One request of a batch passed to kk_blockdev.submit. The file system fills
 * every field but @c status and owns the array and the buffers; the device
 * uses them only until submit() returns.
 */
struct kk_blockdev_req {
    /** First device block. */
    uint64_t blkno;
    /** count * block_size bytes to read into or write from. */
    void *buf;
    /** Number of device blocks, at least 1. */
    uint32_t count;
    /** KK_BLOCKDEV_READ or KK_BLOCKDEV_WRITE. */
    uint32_t op;
    /** Set by submit(): 0 or the request's negative KK_E* code. */
    int32_t status;
};

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
    /**
     * Optional batch entry (read only when @c version >= 2; may be NULL).
     * Carry out the @p n requests of @p reqs, in any order and as many at
     * once as the device likes, and return when all have completed. The
     * requests of one batch never overlap, so their order cannot matter;
     * each is inside the device (the caller checks). Sets every @c status;
     * returns 0 when all succeeded, else a negative KK_E* code (normally the
     * first failed request's). A failed write may have written any subset of
     * its blocks; the other requests of the batch are unaffected.
     */
    int (*submit)(void *ctx, struct kk_blockdev_req *reqs, uint32_t n);
};

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_BLOCKDEV_H */
