/*
 * io.c: device access in SFS blocks (4096 bytes) over a kk_blockdev whose own
 * block size is any power of two from 512 to 4096.
 *
 * Owns nothing; promises that every request stays inside the device and that
 * a callback's error code is returned unchanged (a positive one becomes
 * KK_EIO). A batch (struct iobatch) goes to the device's submit() when it has
 * one, else request by request through read()/write(), every one of them
 * even after a failure (as submit() does: blocks a write run was to fill
 * would otherwise keep stale data).
 */
#include "sfs_int.h"

int kk_sfs__dev_shift_of(const struct kk_blockdev *dev, uint32_t *shift)
{
    uint32_t s;
    if (!dev || !dev->read || !dev->write || dev->version < 1)
        return KK_EINVAL;
    for (s = 0; s <= 3; s++) {
        if ((KK_SFS_BLKSIZE >> s) == dev->block_size) {
            *shift = s;
            return 0;
        }
    }
    return KK_EINVAL;
}

static int check_range(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n)
{
    uint64_t end = ((uint64_t)blkno + n) << shift;
    return (n == 0 || end > dev->nblocks) ? KK_EIO : 0;
}

int kk_sfs__dev_read(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n,
                     void *buf)
{
    int rc = check_range(dev, shift, blkno, n);
    if (rc == 0)
        rc = dev->read(dev->ctx, (uint64_t)blkno << shift, n << shift, buf);
    return rc > 0 ? KK_EIO : rc;
}

int kk_sfs__dev_write(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n,
                      const void *buf)
{
    int rc = check_range(dev, shift, blkno, n);
    if (rc == 0)
        rc = dev->write(dev->ctx, (uint64_t)blkno << shift, n << shift, buf);
    return rc > 0 ? KK_EIO : rc;
}

int kk_sfs__iob_add(struct kk_sfs *fs, struct iobatch *b, uint32_t op, uint32_t blkno, uint32_t n,
                    void *buf)
{
    struct kk_blockdev_req *r;
    int rc = check_range(fs->dev, fs->dev_shift, blkno, n);
    if (rc)
        return rc;
    r = &b->r[b->n++];
    r->blkno = (uint64_t)blkno << fs->dev_shift;
    r->count = n << fs->dev_shift;
    r->buf = buf;
    r->op = op;
    r->status = 0;
    return 0;
}

static void submit_each(const struct kk_blockdev *dev, struct kk_blockdev_req *r, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        int rc = r[i].op == KK_BLOCKDEV_WRITE
                     ? dev->write(dev->ctx, r[i].blkno, r[i].count, r[i].buf)
                     : dev->read(dev->ctx, r[i].blkno, r[i].count, r[i].buf);
        r[i].status = rc > 0 ? KK_EIO : rc;
    }
}

int kk_sfs__iob_submit(struct kk_sfs *fs, struct iobatch *b, uint32_t *failed)
{
    const struct kk_blockdev *dev = fs->dev;
    uint32_t i;
    int rc = 0;
    *failed = b->n;
    if (b->n == 0)
        return 0;
    if (dev->version >= 2 && dev->submit) {
        for (i = 0; i < b->n; i++)
            b->r[i].status = KK_EIO; /* a device that forgets one fails it */
        dev->submit(dev->ctx, b->r, b->n);
    } else {
        submit_each(dev, b->r, b->n);
    }
    for (i = 0; i < b->n; i++) {
        if (b->r[i].status > 0)
            b->r[i].status = KK_EIO;
        if (b->r[i].status && rc == 0) {
            rc = b->r[i].status;
            *failed = i;
        }
    }
    return rc;
}
