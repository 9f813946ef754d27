/*
 * ramdev.c: RAM block device with fault injection and a test platform.
 */
#include "ramdev.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static bool bad(struct ramdev *r, uint64_t blkno, uint32_t count, uint32_t op)
{
    if (!r->bad_block || r->bad_block - 1 < blkno || r->bad_block - 1 >= blkno + count)
        return false;
    if (r->bad_ops && !(r->bad_ops & op))
        return false;
    r->bad_hits++;
    return r->bad_every <= 1 || r->bad_hits % r->bad_every == 0;
}

static int rd_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    struct ramdev *r = ctx;
    r->reads++;
    if ((r->fail_read_at && r->reads == r->fail_read_at) || bad(r, blkno, count, RAMDEV_BAD_READ))
        return KK_EIO;
    if (blkno + count > r->dev.nblocks)
        return KK_EIO;
    memcpy(buf, r->data + blkno * r->dev.block_size, (size_t)count * r->dev.block_size);
    return 0;
}

static int rd_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    struct ramdev *r = ctx;
    r->writes++;
    if (r->cut || (r->fail_write_at && r->writes == r->fail_write_at)) {
        r->cut = r->power_cut;
        return KK_EIO;
    }
    if (bad(r, blkno, count, RAMDEV_BAD_WRITE))
        return KK_EIO;
    if (blkno + count > r->dev.nblocks)
        return KK_EIO;
    memcpy(r->data + blkno * r->dev.block_size, buf, (size_t)count * r->dev.block_size);
    return 0;
}

static int rd_flush(void *ctx)
{
    struct ramdev *r = ctx;
    r->flushes++;
    return r->cut ? KK_EIO : 0;
}

static int rd_submit(void *ctx, struct kk_blockdev_req *reqs, uint32_t n)
{
    struct ramdev *r = ctx;
    int rc = 0;
    r->batches++;
    if (n > r->max_batch)
        r->max_batch = n;
    for (uint32_t i = n; i-- > 0;) { /* any order is allowed: use the unlikely one */
        struct kk_blockdev_req *q = &reqs[i];
        q->status = q->op == KK_BLOCKDEV_WRITE ? rd_write(r, q->blkno, q->count, q->buf)
                                               : rd_read(r, q->blkno, q->count, q->buf);
        if (q->status && (rc == 0 || i == 0))
            rc = q->status;
    }
    return rc;
}

void ramdev_use_submit(struct ramdev *r, bool on)
{
    r->dev.version = on ? KK_BLOCKDEV_VERSION : 1;
    r->dev.submit = on ? rd_submit : NULL;
}

struct ramdev *ramdev_new(uint64_t nblocks, uint32_t bs)
{
    struct ramdev *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->data = calloc(nblocks ? nblocks : 1, bs);
    if (!r->data) {
        free(r);
        return NULL;
    }
    r->dev.version = KK_BLOCKDEV_VERSION;
    r->dev.block_size = bs;
    r->dev.nblocks = nblocks;
    r->dev.ctx = r;
    r->dev.read = rd_read;
    r->dev.write = rd_write;
    r->dev.flush = rd_flush;
    return r;
}

struct ramdev *ramdev_from(const void *img, size_t len, uint32_t bs)
{
    struct ramdev *r = ramdev_new((len + bs - 1) / bs, bs);
    if (r && len)
        memcpy(r->data, img, len);
    return r;
}

struct ramdev *ramdev_from_chunks(const uint8_t *data, size_t len, size_t chunk,
                                  uint64_t min_blocks, uint64_t max_blocks, uint32_t bs)
{
    size_t nchunks = (len + chunk - 1) / chunk;
    struct ramdev *r;
    if (nchunks > max_blocks || chunk > bs)
        return NULL;
    r = ramdev_new(nchunks < min_blocks ? min_blocks : nchunks, bs);
    for (size_t k = 0; r && k < nchunks; k++) {
        size_t off = k * chunk;
        memcpy(r->data + k * bs, data + off, len - off < chunk ? len - off : chunk);
    }
    return r;
}

void ramdev_free(struct ramdev *r)
{
    if (r) {
        free(r->data);
        free(r);
    }
}

void ramdev_reset(struct ramdev *r)
{
    r->reads = r->writes = r->flushes = 0;
    r->batches = r->max_batch = 0;
    r->fail_read_at = r->fail_write_at = 0;
    r->power_cut = r->cut = false;
    r->bad_block = r->bad_hits = 0;
    r->bad_ops = r->bad_every = 0;
}

static void *tp_alloc(void *ctx, size_t size)
{
    struct testplat *t = ctx;
    void *p;
    t->allocs++;
    if (t->fail_alloc_at && t->allocs == t->fail_alloc_at)
        return NULL;
    p = malloc(size);
    if (p)
        __atomic_add_fetch(&t->live, 1, __ATOMIC_RELAXED);
    return p;
}

static void tp_free(void *ctx, void *p, size_t size)
{
    struct testplat *t = ctx;
    (void)size;
    if (p)
        __atomic_sub_fetch(&t->live, 1, __ATOMIC_RELAXED);
    free(p);
}

static void *tp_lock_new(void *ctx)
{
    pthread_mutex_t *m = malloc(sizeof(*m));
    (void)ctx;
    if (m)
        pthread_mutex_init(m, NULL);
    return m;
}

static void tp_lock_free(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_destroy(l);
    free(l);
}

static void tp_lock(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_lock(l);
}

static void tp_unlock(void *ctx, void *l)
{
    (void)ctx;
    pthread_mutex_unlock(l);
}

void testplat_init(struct testplat *t, bool locks)
{
    memset(t, 0, sizeof(*t));
    t->p.version = KK_FS_PLATFORM_VERSION;
    t->p.ctx = t;
    t->p.alloc = tp_alloc;
    t->p.free = tp_free;
    if (locks) {
        t->p.lock_new = tp_lock_new;
        t->p.lock_free = tp_lock_free;
        t->p.lock = tp_lock;
        t->p.unlock = tp_unlock;
    }
}
