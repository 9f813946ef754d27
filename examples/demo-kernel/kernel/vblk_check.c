/*
 * vblk_check.c: a self-check of the virtio-blk batched path (vblk_submit).
 * The kernel runs it at boot, before the file system is mounted (polling,
 * small requests only, with a write-back of the blocks' own contents:
 * VBLK_CHECK_WRITE), and the blkcheck system
 * call runs it in process context (sleeping on completion interrupts; the
 * test program /bin/blktest runs it from several processes at once, so that
 * batches and single requests share the slots across harts).
 *
 * A batch of NCHECK reads of disjoint, non-ascending block ranges (1..3
 * blocks each; with VBLK_CHECK_BIG one of BIG blocks, split over several
 * slots; 0.5 MiB, about 30 ms of TCG I/O: not at boot) must give the
 * same bytes as the same ranges read one at a time with vblk_rw; a batch
 * mixing good requests with a zero-count one and two past the end of the
 * disk must fail exactly those (KK_EINVAL, KK_EIO, KK_EIO), return the
 * first one's code, and still fill the good ones.
 */
#include "mem.h"
#include "virtio.h"

#define NCHECK 12
#define BIG    133u /* blocks: more than two slots' worth (64 blocks each) */
#define NERR   5

struct check {
    struct kk_blockdev_req q[NCHECK], e[NERR];
    uint8_t *a, *b; /* total + 2 blocks each */
    uint32_t total; /* blocks of the NCHECK requests */
    uint64_t nb;
};

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* NCHECK disjoint ranges, window (5k mod NCHECK) for request k, into a;
 * with big, the middle one is BIG blocks long. */
static void plan(struct check *c, uint32_t seed, bool big)
{
    uint64_t w = c->nb / NCHECK;
    uint32_t s = seed * 2654435761u | 1, off = 0;
    for (uint32_t k = 0; k < NCHECK; k++) {
        uint32_t count = big && k == NCHECK / 2 ? BIG : 1 + xorshift(&s) % 3;
        uint64_t start = (5 * k % NCHECK) * w + xorshift(&s) % (w - count);
        c->q[k] = (struct kk_blockdev_req){start, c->a + (size_t)off * VBLK_BLOCK, count,
                                           KK_BLOCKDEV_READ, 1};
        off += count;
    }
    c->total = off;
}

/* Point the requests at buffer base with op, statuses poisoned. */
static void aim(struct check *c, uint8_t *base, uint32_t op)
{
    for (uint32_t k = 0, off = 0; k < NCHECK; off += c->q[k].count, k++) {
        c->q[k].buf = base + (size_t)off * VBLK_BLOCK;
        c->q[k].op = op;
        c->q[k].status = 1;
    }
}

static int batch_ok(const char *what, int rc, const struct kk_blockdev_req *q, uint32_t n)
{
    for (uint32_t k = 0; k < n && rc == 0; k++)
        if (q[k].status != 0)
            rc = KK_EIO;
    if (rc < 0)
        kprintf("virtio-blk self-check: %s batch failed (%s)\n", what, kk_strerror(rc));
    return rc;
}

static int same(const char *what, const void *x, const void *y, size_t n)
{
    if (memcmp(x, y, n) == 0)
        return 0;
    kprintf("virtio-blk self-check: %s: batch and single reads differ\n", what);
    return KK_EIO;
}

/* Batch read into a, single reads into b, compare; optional write-back. */
static int check_reads(struct check *c, bool write_back, uint32_t *depth)
{
    size_t bytes = (size_t)c->total * VBLK_BLOCK;
    memset(c->a, 0xa5, bytes);
    memset(c->b, 0x5a, bytes);
    aim(c, c->a, KK_BLOCKDEV_READ);
    int rc = batch_ok("read", vblk_submit_stats(c->q, NCHECK, depth), c->q, NCHECK);
    for (uint32_t k = 0, off = 0; k < NCHECK && rc == 0; off += c->q[k].count, k++)
        rc = vblk_rw(c->q[k].blkno, c->q[k].count, c->b + (size_t)off * VBLK_BLOCK, false);
    if (rc == 0)
        rc = same("read", c->a, c->b, bytes);
    if (rc < 0 || !write_back)
        return rc;
    aim(c, c->a, KK_BLOCKDEV_WRITE);
    rc = batch_ok("write", vblk_submit(c->q, NCHECK), c->q, NCHECK);
    memset(c->b, 0x5a, bytes);
    aim(c, c->b, KK_BLOCKDEV_READ);
    if (rc == 0)
        rc = batch_ok("read-back", vblk_submit(c->q, NCHECK), c->q, NCHECK);
    return rc == 0 ? same("write-back", c->a, c->b, bytes) : rc;
}

/* Good, zero-count, past the end, straddling the end, good: only the bad
 * ones fail, the first bad one's code is returned. */
static int check_errors(struct check *c)
{
    uint8_t *b = c->b, *spare = c->b + (size_t)c->total * VBLK_BLOCK;
    uint32_t n0 = c->q[0].count, n2 = c->q[2].count;
    memset(b, 0x5a, (size_t)(c->total + 2) * VBLK_BLOCK);
    c->e[0] = (struct kk_blockdev_req){c->q[0].blkno, b, n0, KK_BLOCKDEV_READ, 1};
    c->e[1] = (struct kk_blockdev_req){c->q[1].blkno, spare, 0, KK_BLOCKDEV_READ, 1};
    c->e[2] = (struct kk_blockdev_req){c->nb, spare, 1, KK_BLOCKDEV_READ, 1};
    c->e[3] = (struct kk_blockdev_req){c->nb - 1, spare, 2, KK_BLOCKDEV_READ, 1};
    c->e[4] = (struct kk_blockdev_req){c->q[2].blkno, b + (size_t)n0 * VBLK_BLOCK, n2,
                                       KK_BLOCKDEV_READ, 1};
    int rc = vblk_submit(c->e, NERR);
    if (rc != KK_EINVAL || c->e[0].status != 0 || c->e[1].status != KK_EINVAL ||
        c->e[2].status != KK_EIO || c->e[3].status != KK_EIO || c->e[4].status != 0) {
        kprintf("virtio-blk self-check: error batch gave %d (statuses %d %d %d %d %d)\n", rc,
                c->e[0].status, c->e[1].status, c->e[2].status, c->e[3].status, c->e[4].status);
        return KK_EIO;
    }
    const uint8_t *q2 = c->a + (size_t)(n0 + c->q[1].count) * VBLK_BLOCK;
    rc = same("error batch, request 0", c->a, b, (size_t)n0 * VBLK_BLOCK);
    return rc < 0 ? rc
                  : same("error batch, request 4", q2, b + (size_t)n0 * VBLK_BLOCK,
                         (size_t)n2 * VBLK_BLOCK);
}

int vblk_selfcheck(uint32_t seed, uint32_t flags)
{
    struct check c = {.nb = vblk_nblocks()};
    if (c.nb / NCHECK < 2 * BIG)
        return KK_ENODEV; /* no disk, or too small for disjoint windows */
    c.a = kmalloc((size_t)(BIG + 3 * NCHECK + 2) * VBLK_BLOCK);
    c.b = kmalloc((size_t)(BIG + 3 * NCHECK + 2) * VBLK_BLOCK);
    int rc = KK_ENOMEM;
    uint32_t depth = 0;
    if (c.a && c.b) {
        plan(&c, seed, flags & VBLK_CHECK_BIG);
        rc = check_reads(&c, flags & VBLK_CHECK_WRITE, &depth);
        if (rc == 0)
            rc = check_errors(&c);
    }
    kfree(c.a);
    kfree(c.b);
    return rc < 0 ? rc : (int)depth;
}
