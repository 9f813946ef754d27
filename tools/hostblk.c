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
#include <sys/uio.h>
#include <unistd.h>

#define BLK     4096u
#define QDEPTH  64u          /* ring entries = requests in flight at most */
#define MAX_RW  0x7ffff000ul /* Linux moves at most this much per call */
#define QUEUED  1            /* kk_blockdev_req.status while a batch runs */
#define MAX_IOV 64u          /* neighbouring requests merged into one preadv/pwritev */

struct kk_hostblk {
    struct kk_blockdev dev;
    int fd;
    int read_only;
    int uring;
    int ring_writes; /* writes of a batch go through the ring too */
    struct kk_hostblk_ioerr *ioerr;
    uint64_t fail_blk; /* KK_HOSTBLK_FAIL_BLOCK: UINT64_MAX = none */
    int fail_ops;      /* bit 0: reads fail there, bit 1: writes */
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

/* Does the KK_HOSTBLK_FAIL_BLOCK test hook fail request @r? */
static int fault_hit(const struct kk_hostblk *h, const struct kk_blockdev_req *r)
{
    int bit = r->op == KK_BLOCKDEV_WRITE ? 2 : 1;
    return (h->fail_ops & bit) && r->count && h->fail_blk >= r->blkno &&
           h->fail_blk - r->blkno < r->count;
}

/* 0 when the request may run, else its error (checked before any I/O). */
static int req_check(const struct kk_hostblk *h, const struct kk_blockdev_req *r)
{
    if ((r->op != KK_BLOCKDEV_READ && r->op != KK_BLOCKDEV_WRITE) || (!r->buf && r->count))
        return KK_EINVAL;
    if (r->blkno > h->dev.nblocks || r->count > h->dev.nblocks - r->blkno)
        return KK_EIO;
    if (r->op == KK_BLOCKDEV_WRITE && h->read_only)
        return KK_EROFS;
    if (fault_hit(h, r))
        return KK_EIO;
    return 0;
}

/* Record the first failure (code @rc) of request @r. */
static void note(struct kk_hostblk *h, const struct kk_blockdev_req *r, int rc)
{
    if (!rc || !h->ioerr || h->ioerr->rc)
        return;
    h->ioerr->rc = rc;
    h->ioerr->write = r->op == KK_BLOCKDEV_WRITE;
    h->ioerr->blkno = fault_hit(h, r) ? h->fail_blk : r->blkno;
}

static int req_sync(struct kk_hostblk *h, const struct kk_blockdev_req *r)
{
    return sync_io(h->fd, r->op == KK_BLOCKDEV_WRITE, r->blkno * BLK, (size_t)r->count * BLK,
                   r->buf);
}

static void ring_prep(struct kk_hostblk *h, struct io_uring_sqe *sqe, uint32_t i,
                      const struct kk_blockdev_req *r)
{
    uint64_t len = (uint64_t)r->count * BLK;
    unsigned l = len > MAX_RW ? (unsigned)MAX_RW : (unsigned)len; /* the rest: req_done */
    if (r->op == KK_BLOCKDEV_WRITE)
        io_uring_prep_write(sqe, h->fd, r->buf, l, r->blkno * BLK);
    else
        io_uring_prep_read(sqe, h->fd, r->buf, l, r->blkno * BLK);
    io_uring_sqe_set_data64(sqe, i);
}

/* A completion: set the status; a short transfer is finished with pread/pwrite
 * (which also zero-fills a read past the end of a short file). */
static void req_done(struct kk_hostblk *h, struct kk_blockdev_req *r, int res)
{
    uint64_t len = (uint64_t)r->count * BLK;
    if (res == -EINTR || res == -EAGAIN)
        res = 0;
    if (res < 0) {
        r->status = err_code(-res);
        return;
    }
    r->status = sync_io(h->fd, r->op == KK_BLOCKDEV_WRITE, r->blkno * BLK + (uint64_t)res,
                        (size_t)(len - (uint64_t)res), (char *)r->buf + res);
}

/* Reap every available completion; returns how many. */
static uint32_t ring_reap(struct kk_hostblk *h, struct kk_blockdev_req *reqs)
{
    struct io_uring_cqe *cqe;
    unsigned head, k = 0;
    io_uring_for_each_cqe(&h->ring, head, cqe)
    {
        req_done(h, &reqs[io_uring_cqe_get_data64(cqe)], cqe->res);
        k++;
    }
    io_uring_cq_advance(&h->ring, k);
    return k;
}

/*
 * The ring failed as a whole: wait for what the kernel holds, drop the ring
 * and let the caller finish the batch with pread/pwrite. The backend is
 * pread from now on.
 */
static void ring_abandon(struct kk_hostblk *h, struct kk_blockdev_req *reqs, uint32_t inflight)
{
    uint32_t held = inflight - io_uring_sq_ready(&h->ring);
    while (held) {
        struct io_uring_cqe *cqe;
        int rc = io_uring_wait_cqe(&h->ring, &cqe);
        if (rc == -EINTR)
            continue;
        if (rc < 0)
            break;
        held -= ring_reap(h, reqs);
    }
    io_uring_queue_exit(&h->ring);
    h->uring = 0;
}

/* A QUEUED request the ring takes: reads, and writes with ring_writes. */
static int on_ring(const struct kk_hostblk *h, const struct kk_blockdev_req *r)
{
    return r->status == QUEUED && (r->op == KK_BLOCKDEV_READ || h->ring_writes);
}

/* How many QUEUED requests from @r on continue each other on the device, with
 * the same op and path (at most MAX_IOV and @n). */
static uint32_t group_len(const struct kk_hostblk *h, const struct kk_blockdev_req *r, uint32_t n)
{
    uint32_t k = 1;
    uint64_t bytes = (uint64_t)r[0].count * BLK;
    while (k < n && k < MAX_IOV && r[k].status == QUEUED && r[k].op == r[0].op &&
           on_ring(h, &r[k]) == on_ring(h, &r[0]) &&
           r[k].blkno == r[k - 1].blkno + r[k - 1].count &&
           bytes + (uint64_t)r[k].count * BLK <= MAX_RW) {
        bytes += (uint64_t)r[k].count * BLK;
        k++;
    }
    return k;
}

/* Requests [0, k) of one group as one preadv/pwritev; anything but a complete
 * transfer is done again request by request, which sets each status. */
static void sync_group(struct kk_hostblk *h, struct kk_blockdev_req *r, uint32_t k)
{
    struct iovec iov[MAX_IOV];
    size_t total = 0;
    ssize_t got;
    uint32_t i;
    if (k > 1) {
        for (i = 0; i < k; i++) {
            iov[i].iov_base = r[i].buf;
            iov[i].iov_len = (size_t)r[i].count * BLK;
            total += iov[i].iov_len;
        }
        got = r[0].op == KK_BLOCKDEV_WRITE ? pwritev(h->fd, iov, (int)k, (off_t)(r[0].blkno * BLK))
                                           : preadv(h->fd, iov, (int)k, (off_t)(r[0].blkno * BLK));
        if (got >= 0 && (size_t)got == total) {
            for (i = 0; i < k; i++)
                r[i].status = 0;
            return;
        }
    }
    for (i = 0; i < k; i++)
        r[i].status = req_sync(h, &r[i]);
}

/* The QUEUED requests the ring does not take (@all: every QUEUED one), neighbours
 * merged. */
static void sync_batch(struct kk_hostblk *h, struct kk_blockdev_req *reqs, uint32_t n, int all)
{
    uint32_t i = 0, k;
    while (i < n) {
        if (reqs[i].status != QUEUED || (!all && on_ring(h, &reqs[i]))) {
            i++;
            continue;
        }
        k = group_len(h, &reqs[i], n - i);
        sync_group(h, &reqs[i], k);
        i += k;
    }
}

/*
 * Every request on_ring() through the ring, up to QDEPTH in flight; the
 * others run with pread/pwrite while the first entries are in flight.
 */
static void ring_batch(struct kk_hostblk *h, struct kk_blockdev_req *reqs, uint32_t n)
{
    uint32_t next = 0, inflight = 0;
    int others = 0;
    for (;;) {
        struct io_uring_sqe *sqe;
        int rc;
        for (; next < n && inflight < QDEPTH; next++) {
            if (!on_ring(h, &reqs[next]))
                continue;
            if (!(sqe = io_uring_get_sqe(&h->ring)))
                break;
            ring_prep(h, sqe, next, &reqs[next]);
            inflight++;
        }
        if (!inflight)
            return;
        rc = io_uring_submit_and_wait(&h->ring, others);
        if (!others) {
            others = 1;
            sync_batch(h, reqs, n, 0);
        }
        if (rc < 0 && rc != -EINTR &&
            (!(rc == -EAGAIN || rc == -EBUSY) || inflight == io_uring_sq_ready(&h->ring))) {
            ring_abandon(h, reqs, inflight);
            return;
        }
        inflight -= ring_reap(h, reqs);
    }
}

/* kk_blockdev.submit: see blockdev.h. */
static int hb_submit(void *ctx, struct kk_blockdev_req *reqs, uint32_t n)
{
    struct kk_hostblk *h = ctx;
    uint32_t i, ring = 0;
    int rc = 0;
    for (i = 0; i < n; i++) {
        reqs[i].status = req_check(h, &reqs[i]);
        if (reqs[i].status == 0 && reqs[i].count) {
            reqs[i].status = QUEUED;
            ring += (uint32_t)on_ring(h, &reqs[i]);
        }
    }
    /* one request: pread/pwrite measured faster than a ring round trip */
    if (h->uring && ring > 1)
        ring_batch(h, reqs, n);
    sync_batch(h, reqs, n, 1); /* the pread backend, or the ring gave up */
    for (i = 0; i < n; i++) {
        note(h, &reqs[i], reqs[i].status);
        if (reqs[i].status && !rc)
            rc = reqs[i].status;
    }
    return rc;
}

static int hb_io(struct kk_hostblk *h, uint32_t op, uint64_t blkno, uint32_t count, void *buf)
{
    struct kk_blockdev_req r = {blkno, buf, count, op, 0};
    int rc = req_check(h, &r);
    /* One synchronous request is one pread/pwrite (measured: see docs/sfs.md). */
    if (rc == 0)
        rc = req_sync(h, &r);
    note(h, &r, rc);
    return rc;
}

static int hb_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    return hb_io(ctx, KK_BLOCKDEV_READ, blkno, count, buf);
}

static int hb_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    return hb_io(ctx, KK_BLOCKDEV_WRITE, blkno, count, (void *)buf);
}

static int hb_flush(void *ctx)
{
    struct kk_hostblk *h = ctx;
    if (h->read_only)
        return 0;
    return fdatasync(h->fd) == 0 || errno == EINVAL ? 0 : KK_EIO;
}

/* KK_HOSTBLK_FAIL_BLOCK=N[:r|:w], a test hook (hostblk.h). */
static void fault_setup(struct kk_hostblk *h)
{
    const char *e = getenv("KK_HOSTBLK_FAIL_BLOCK");
    char *end;
    h->fail_blk = UINT64_MAX;
    if (!e || *e < '0' || *e > '9')
        return;
    h->fail_blk = strtoull(e, &end, 10);
    h->fail_ops = !strcmp(end, ":r") ? 1 : !strcmp(end, ":w") ? 2 : 3;
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
    h->ring_writes = o ? o->ring_writes : 0;
    h->ioerr = o ? o->ioerr : NULL;
    fault_setup(h);
    h->dev.version = KK_BLOCKDEV_VERSION;
    h->dev.block_size = BLK;
    h->dev.nblocks = (uint64_t)st.st_size / BLK;
    h->dev.ctx = h;
    h->dev.read = hb_read;
    h->dev.write = hb_write;
    h->dev.flush = hb_flush;
    h->dev.submit = hb_submit;
    /* SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN and a registered file
     * measured no different here (docs/sfs.md): a plain ring. */
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
