/*
 * recdev.h: power cuts for the sfs cmocka tests (test_safety.c, test_cut.c):
 * a device over a ramdev that records every write and flush, and replays of
 * its trace cut before any write. Include after <cmocka.h> and "ramdev.h".
 */
#ifndef KK_TEST_SFS_RECDEV_H
#define KK_TEST_SFS_RECDEV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A device over a ramdev that records every write (a copy) and flush. */
struct rec {
    struct kk_blockdev dev;
    struct ramdev *rd;
    struct recop {
        uint64_t blkno; /* device blocks of 4096 bytes */
        uint32_t count; /* 0 = a flush */
        uint8_t *data;
    } * ops;
    size_t n, cap;
};

static inline int rec_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    struct rec *r = ctx;
    return r->rd->dev.read(r->rd, blkno, count, buf);
}

static inline void rec_add(struct rec *r, uint64_t blkno, uint32_t count, const void *buf)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->ops = realloc(r->ops, r->cap * sizeof(*r->ops));
        assert_non_null(r->ops);
    }
    r->ops[r->n].blkno = blkno;
    r->ops[r->n].count = count;
    r->ops[r->n].data = count ? malloc((size_t)count * 4096) : NULL;
    if (count)
        memcpy(r->ops[r->n].data, buf, (size_t)count * 4096);
    r->n++;
}

static inline int rec_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    struct rec *r = ctx;
    rec_add(r, blkno, count, buf);
    return r->rd->dev.write(r->rd, blkno, count, buf);
}

static inline int rec_flush(void *ctx)
{
    rec_add(ctx, 0, 0, NULL);
    return 0;
}

static inline void rec_init(struct rec *r, struct ramdev *rd)
{
    memset(r, 0, sizeof(*r));
    r->rd = rd;
    r->dev.version = 1;
    r->dev.block_size = 4096;
    r->dev.nblocks = rd->dev.nblocks;
    r->dev.ctx = r;
    r->dev.read = rec_read;
    r->dev.write = rec_write;
    r->dev.flush = rec_flush;
}

static inline void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->ops[i].data);
    free(r->ops);
}

static inline void apply(struct ramdev *rd, const struct recop *o, size_t bytes)
{
    memcpy(rd->data + o->blkno * 4096, o->data, bytes);
}

enum cut { CUT_PREFIX, CUT_TORN, CUT_DROP_EVEN, CUT_LAST_ONLY, CUT_MODES };

/*
 * The image after a power cut before write @c of @r (on @base): writes before
 * the last flush are all there; of those after it, what @mode says.
 */
static inline void replay(struct ramdev *rd, const uint8_t *base, const struct rec *r, size_t c,
                          int mode)
{
    size_t i, f = 0;
    memcpy(rd->data, base, (size_t)rd->dev.nblocks * 4096);
    for (i = 0; i < c; i++)
        if (r->ops[i].count == 0)
            f = i + 1;
    for (i = 0; i < c; i++) {
        const struct recop *o = &r->ops[i];
        if (o->count == 0)
            continue;
        if (i >= f && mode == CUT_DROP_EVEN && (i - f) % 2 == 0)
            continue;
        if (i >= f && mode == CUT_LAST_ONLY && i + 1 != c)
            continue;
        apply(rd, o, (size_t)o->count * 4096);
    }
    if (mode == CUT_TORN && c < r->n && r->ops[c].count)
        apply(rd, &r->ops[c], 2048); /* the first half of its first block */
}

#endif
