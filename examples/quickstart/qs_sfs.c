/*
 * qs_sfs.c: kernkit::sfs over your block driver. The kk_blockdev turns the
 * driver into callbacks; the kk_fs_platform gives SFS memory (and, for
 * several threads, a sleeping lock). Both must outlive the mount.
 */
#include <kernkit/sfs.h>

#include "your_kernel.h"

/* ---- the device: 512-byte sectors straight from your driver ---- */

static int dev_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    (void)ctx;
    return disk_read(blkno, count, buf) == 0 ? 0 : KK_EIO;
}

static int dev_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    (void)ctx;
    return disk_write(blkno, count, buf) == 0 ? 0 : KK_EIO;
}

static int dev_flush(void *ctx)
{
    (void)ctx;
    return disk_flush() == 0 ? 0 : KK_EIO;
}

/* Optional: a batch of independent requests. A queueing driver (virtio,
 * NVMe) would put them all in flight and wait once; leave .submit NULL and
 * SFS sends the same requests through read/write one at a time. */
static int dev_submit(void *ctx, struct kk_blockdev_req *reqs, uint32_t n)
{
    int first = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct kk_blockdev_req *r = &reqs[i];
        r->status = r->op == KK_BLOCKDEV_READ ? dev_read(ctx, r->blkno, r->count, r->buf)
                                              : dev_write(ctx, r->blkno, r->count, r->buf);
        if (r->status && !first)
            first = r->status;
    }
    return first;
}

/* ---- the platform: memory; no lock hooks = one thread at a time ---- */

static void *fs_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return kmalloc(size);
}

static void fs_free(void *ctx, void *p, size_t size)
{
    (void)ctx, (void)size;
    kfree(p);
}

static const struct kk_fs_platform fs_plat = {
    .version = KK_FS_PLATFORM_VERSION, .alloc = fs_alloc, .free = fs_free,
    /* .lock_new/.lock_free/.lock/.unlock: wrap kk_mutex (qs_sync.c) for SMP */
};

static int say(const char *what, int err)
{
    if (err) {
        kputs("sfs: ");
        kputs(what);
        kputs(": ");
        kputs(kk_strerror(err)); /* "No such file or directory", "No space left on device", ... */
        kputs("\n");
    }
    return err;
}

int qs_sfs(void)
{
    static struct kk_blockdev disk; /* must outlive the mount */
    disk = (struct kk_blockdev){
        .version = KK_BLOCKDEV_VERSION,
        .block_size = DISK_SECTOR,
        .nblocks = disk_sectors(),
        .read = dev_read,
        .write = dev_write,
        .flush = dev_flush,
        .submit = dev_submit,
    };
    struct kk_sfs_config cfg = {.size = sizeof cfg, .dev = &disk, .plat = &fs_plat};
    struct kk_sfs *fs;
    int err = kk_sfs_mount(&cfg, &fs);
    if (err == KK_EINVAL) { /* no SFS on the disk: normally mksfs made it; here we format */
        struct kk_sfs_format_opts fo = {.size = sizeof fo, .info = "quickstart"};
        err = kk_sfs_format(&disk, &fs_plat, &fo);
        if (!err)
            err = kk_sfs_mount(&cfg, &fs);
    }
    if (err)
        return say("mount", err);

    /* One operation: create /hello, write to it, read it back. */
    struct kk_sfs_inode *root = NULL, *ip = NULL;
    char buf[16];
    size_t done = 0;
    err = kk_sfs_root(fs, &root);
    if (!err) {
        err = kk_sfs_lookup(root, "hello", &ip); /* KK_ENOENT on a fresh disk */
        if (err == KK_ENOENT)
            err = kk_sfs_create(root, "hello", &ip);
    }
    if (!err)
        err = kk_sfs_write(ip, 0, "hello, disk\n", 12, &done);
    if (!err)
        err = kk_sfs_read(ip, 0, buf, sizeof buf, &done);
    if (!err && (done != 12 || buf[7] != 'd'))
        err = KK_ECORRUPT;
    if (ip)
        kk_sfs_put(ip);
    if (root)
        kk_sfs_put(root);
    say("hello", err);
    int uerr = kk_sfs_unmount(fs); /* writes everything back and flushes */
    return err ? err : say("unmount", uerr);
}
