/*
 * io.c: device access in SFS blocks (4096 bytes) over a kk_blockdev whose own
 * block size is any power of two from 512 to 4096.
 *
 * Owns nothing; promises that every request stays inside the device and that
 * a callback's error code is returned unchanged.
 */
#include "sfs_int.h"

int dev_shift_of(const struct kk_blockdev *dev, uint32_t *shift)
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

int dev_read(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n, void *buf)
{
    int rc = check_range(dev, shift, blkno, n);
    if (rc == 0)
        rc = dev->read(dev->ctx, (uint64_t)blkno << shift, n << shift, buf);
    return rc > 0 ? KK_EIO : rc;
}

int dev_write(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n,
              const void *buf)
{
    int rc = check_range(dev, shift, blkno, n);
    if (rc == 0)
        rc = dev->write(dev->ctx, (uint64_t)blkno << shift, n << shift, buf);
    return rc > 0 ? KK_EIO : rc;
}
