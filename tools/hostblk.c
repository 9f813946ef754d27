/*
 * hostblk.c: kk_blockdev over a host file with io_uring or pread/pwrite.
 * See hostblk.h for the contract.
 */
#define _GNU_SOURCE
#include "hostblk.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK       4096u
#define QDEPTH    32u
#define CHUNK     (256u * 1024u)
#define URING_MIN (16u << 20) /* writes larger than this go through the ring */

struct kk_hostblk {
    struct kk_blockdev dev;
    int fd;
    int read_only;
    int uring;
    struct io_uring ring;
};

static int err_code(int e)
{
    switch (e) {
    case ENOSPC:
        return KK_ENOSPC;
    case ENOMEM:
        return KK_ENOMEM;
    case EROFS:
        return KK_EROFS;
    default:
        return KK_EIO;
    }
}

static int sync_io(int fd, int write, uint64_t off, size_t len, void *buf)
{
    while (len) {
        ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_code(errno);
        if (n == 0) {
            if (write)
                return KK_EIO;
            memset(buf, 0, len); /* past the end of a short file */
            return 0;
        }
        off += (uint64_t)n;
        len -= (size_t)n;
        buf = (char *)buf + n;
    }
    return 0;
}

/* Submit up to QDEPTH chunks at once; finish short transfers synchronously. */
static int uring_io(struct kk_hostblk *h, int write, uint64_t off, size_t len, void *buf)
{
    while (len) {
        unsigned n = 0, i;
        size_t lens[QDEPTH];
        int rc = 0;
        for (; n < QDEPTH && len; n++) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(&h->ring);
            size_t l = len < CHUNK ? len : CHUNK;
            if (!sqe)
                break;
            if (write)
                io_uring_prep_write(sqe, h->fd, buf, (unsigned)l, off);
            else
                io_uring_prep_read(sqe, h->fd, buf, (unsigned)l, off);
            io_uring_sqe_set_data64(sqe, n);
            lens[n] = l;
            off += l;
            len -= l;
            buf = (char *)buf + l;
        }
        if (io_uring_submit_and_wait(&h->ring, n) < 0)
            return KK_EIO;
        for (i = 0; i < n; i++) {
            struct io_uring_cqe *cqe;
            if (io_uring_wait_cqe(&h->ring, &cqe) < 0)
                return KK_EIO;
            uint64_t k = io_uring_cqe_get_data64(cqe);
            int res = cqe->res;
            io_uring_cqe_seen(&h->ring, cqe);
            if (res < 0 && !rc)
                rc = err_code(-res);
            else if (res >= 0 && (size_t)res < lens[k] && !rc) {
                /* short transfer: finish it the simple way */
                size_t back = 0;
                for (unsigned j = k; j < n; j++)
                    back += lens[j];
                char *p = (char *)buf - back;
                rc = sync_io(h->fd, write, off - back + (uint64_t)res, lens[k] - (size_t)res,
                             p + res);
            }
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int hb_io(struct kk_hostblk *h, int write, uint64_t blkno, uint32_t count, void *buf)
{
    uint64_t off = blkno * BLK;
    size_t len = (size_t)count * BLK;
    if (blkno + count > h->dev.nblocks)
        return KK_EIO;
    if (write && h->read_only)
        return KK_EROFS;
    /* A synchronous request is one pread/pwrite: splitting it into ring chunks
     * measured slower (and left the page cache in smaller folios, slowing later
     * reads). The ring is kept for very large writes only. */
    if (h->uring && write && len > URING_MIN)
        return uring_io(h, write, off, len, buf);
    return sync_io(h->fd, write, off, len, buf);
}

static int hb_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    return hb_io(ctx, 0, blkno, count, buf);
}

static int hb_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    return hb_io(ctx, 1, blkno, count, (void *)buf);
}

static int hb_flush(void *ctx)
{
    struct kk_hostblk *h = ctx;
    if (h->read_only)
        return 0;
    return fdatasync(h->fd) == 0 || errno == EINVAL ? 0 : KK_EIO;
}

static int want_uring(const struct kk_hostblk_opts *o)
{
    const char *e = getenv("KK_HOSTBLK_BACKEND");
    if (o && o->force_pread)
        return 0;
    return !(e && strcmp(e, "pread") == 0);
}

int kk_hostblk_open(const char *path, const struct kk_hostblk_opts *o, struct kk_hostblk **out)
{
    struct kk_hostblk *h = calloc(1, sizeof(*h));
    struct stat st;
    int flags = o && o->read_only ? O_RDONLY : O_RDWR;
    if (!h)
        return KK_ENOMEM;
    if (o && o->create)
        flags |= O_CREAT | O_TRUNC;
    h->fd = open(path, flags | O_CLOEXEC, 0644);
    if (h->fd < 0)
        goto fail;
    if (o && o->create && ftruncate(h->fd, (off_t)o->size_bytes) != 0)
        goto fail;
    if (fstat(h->fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if (S_ISBLK(st.st_mode)) { /* stat says 0 bytes for a block device: ask the device */
        off_t end = lseek(h->fd, 0, SEEK_END);
        if (end < 0)
            goto fail;
        st.st_size = end;
    }
    h->read_only = o ? o->read_only : 0;
    h->dev.version = KK_BLOCKDEV_VERSION;
    h->dev.block_size = BLK;
    h->dev.nblocks = (uint64_t)st.st_size / BLK;
    h->dev.ctx = h;
    h->dev.read = hb_read;
    h->dev.write = hb_write;
    h->dev.flush = hb_flush;
    if (want_uring(o) && io_uring_queue_init(QDEPTH, &h->ring, 0) == 0)
        h->uring = 1;
    *out = h;
    return 0;
fail : {
    int e = errno;
    if (h->fd >= 0)
        close(h->fd);
    free(h);
    errno = e;
    return e == ENOENT ? KK_ENOENT : e == EACCES ? KK_EACCES : err_code(e);
}
}

const struct kk_blockdev *kk_hostblk_dev(struct kk_hostblk *h)
{
    return &h->dev;
}

const char *kk_hostblk_backend(const struct kk_hostblk *h)
{
    return h->uring ? "io_uring" : "pread";
}

int kk_hostblk_close(struct kk_hostblk *h)
{
    int rc = 0;
    if (!h)
        return 0;
    if (!h->read_only)
        rc = hb_flush(h);
    if (h->uring)
        io_uring_queue_exit(&h->ring);
    if (close(h->fd) != 0 && rc == 0)
        rc = KK_EIO;
    free(h);
    return rc;
}

/* ---- host platform ---- */
static void *hp_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void hp_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static void *hp_lock_new(void *ctx)
{
    pthread_mutex_t *m = malloc(sizeof(*m));
    (void)ctx;
    if (m && pthread_mutex_init(m, NULL) != 0) {
        free(m);
        m = NULL;
    }
    return m;
}

static void hp_lock_free(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_destroy(l);
    free(l);
}

static void hp_lock(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_lock(l);
}

static void hp_unlock(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_unlock(l);
}

static void hp_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "kernkit[%d]: %s\n", level, msg);
}

const struct kk_fs_platform *kk_host_platform(void)
{
    static const struct kk_fs_platform p = {
        KK_FS_PLATFORM_VERSION, NULL,    hp_alloc,  hp_free, hp_lock_new,
        hp_lock_free,           hp_lock, hp_unlock, hp_log,
    };
    return &p;
}
