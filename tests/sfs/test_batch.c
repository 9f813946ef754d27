/*
 * test_batch.c: kernkit::sfs handing batches of requests to the device:
 * the runs of one large read or write and the dirty blocks of sync go to
 * kk_blockdev.submit together (completed here in reverse order), with the
 * same results as request by request through read()/write() on a version-2
 * device without submit and on a version-1 device. Covers dirty cached
 * blocks inside a batched read, the byte count of a read or write whose
 * batch has one failed request, a sync batch with one failed block, and the
 * layout that keeps a large file's data in 1 MiB-aligned runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kernkit/sfs.h>
#include <kernkit/sfs_format.h>
#include "ramdev.h"
#include "sfs_env.h"

enum mode { SUBMIT, NO_SUBMIT, V1 };

#define NBLK   2048u
#define BLK    4096u
#define PIECE  (4u * BLK) /* interleaved writes: runs of 4 blocks */
#define PIECES 32u

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    e->mode = (int)(intptr_t)*state;
    e->rd = ramdev_new(NBLK, BLK);
    if (e->mode == SUBMIT || e->mode == V1)
        ramdev_use_submit(e->rd, e->mode == SUBMIT);
    testplat_init(&e->tp, true);
    assert_int_equal(kk_sfs_format(&e->rd->dev, &e->tp.p, NULL), 0);
    env_mount(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    struct kk_sfs_fsck_opts o = {0};
    if (e->fs)
        env_umount(e);
    o.size = sizeof(o);
    o.plat = &e->tp.p;
    assert_int_equal(kk_sfs_fsck(&e->rd->dev, &o), KK_SFS_FSCK_CLEAN);
    assert_int_equal(e->tp.live, 0);
    if (e->mode != SUBMIT)
        assert_int_equal(e->rd->batches, 0);
    ramdev_free(e->rd);
    free(e);
    return 0;
}

/* Bytes [off, off + n) of file @id: every block of every file differs. */
static void pattern(uint8_t *b, size_t off, size_t n, int id)
{
    for (size_t i = 0; i < n; i++) {
        size_t x = off + i;
        uint32_t key = (uint32_t)(x / BLK) | (uint32_t)id << 24; /* unique per block */
        b[i] = x % 8 < 4 ? (uint8_t)(key >> (8 * (x % 4))) : (uint8_t)(x ^ (x >> 8));
    }
}

/* Files "a" and "b", written a piece each in turn: each is runs of 4 blocks. */
static void write_interleaved(struct env *e, struct kk_sfs_inode **a)
{
    static uint8_t buf[PIECE];
    struct kk_sfs_inode *f[2];
    size_t done;
    assert_int_equal(kk_sfs_create(e->root, "a", &f[0]), 0);
    assert_int_equal(kk_sfs_create(e->root, "b", &f[1]), 0);
    for (uint32_t i = 0; i < PIECES; i++) {
        for (int k = 0; k < 2; k++) {
            pattern(buf, (size_t)i * PIECE, PIECE, k);
            assert_int_equal(kk_sfs_write(f[k], (uint64_t)i * PIECE, buf, PIECE, &done), 0);
            assert_int_equal(done, PIECE);
        }
    }
    kk_sfs_put(f[1]);
    *a = f[0];
}

/* A device block holding exactly @n bytes of file @id's pattern at @off. */
static uint64_t find_block(struct env *e, size_t off, int id)
{
    static uint8_t want[BLK];
    pattern(want, off, BLK, id);
    for (uint64_t b = 0; b < e->rd->dev.nblocks; b++)
        if (memcmp(e->rd->data + b * BLK, want, BLK) == 0)
            return b;
    fail_msg("block of file %d at %zu not on the device", id, off);
    return 0;
}

static void test_read_runs(void **state)
{
    struct env *e = *state;
    static uint8_t want[PIECES * PIECE], got[PIECES * PIECE];
    struct kk_sfs_inode *a;
    size_t done;
    write_interleaved(e, &a);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    e->rd->max_batch = e->rd->batches = 0;
    pattern(want, 0, sizeof(want), 0);
    assert_int_equal(kk_sfs_read(a, 0, got, sizeof(got), &done), 0);
    assert_int_equal(done, sizeof(got));
    assert_memory_equal(want, got, sizeof(got));
    if (e->mode == SUBMIT) /* 32 runs: two full batches */
        assert_true(e->rd->max_batch >= 8);

    /* a dirty cached block inside a run: the read shows the cached bytes */
    memset(want + 5 * BLK + 10, 0xee, 100);
    assert_int_equal(kk_sfs_write(a, 5 * BLK + 10, want + 5 * BLK + 10, 100, &done), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(kk_sfs_read(a, BLK, got, sizeof(got) - BLK, &done), 0);
    assert_int_equal(done, sizeof(got) - BLK);
    assert_memory_equal(want + BLK, got, done);
    kk_sfs_put(a);
}

static void test_write_runs(void **state)
{
    struct env *e = *state;
    const size_t len = 5u << 20; /* direct, indirect and double-indirect blocks */
    uint8_t *want = malloc(len), *got = malloc(len);
    struct kk_sfs_inode *f;
    size_t done;
    pattern(want, 0, len, 3);
    assert_int_equal(kk_sfs_create(e->root, "big", &f), 0);
    assert_int_equal(kk_sfs_write(f, 3, want, len - 3, &done), 0); /* head and tail partial */
    assert_int_equal(done, len - 3);
    if (e->mode == SUBMIT)
        assert_true(e->rd->max_batch >= 5); /* >= 5 runs of at most 1 MiB */
    kk_sfs_put(f);
    env_umount(e);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "big", &f), 0);
    assert_int_equal(kk_sfs_read(f, 3, got, len, &done), 0);
    assert_int_equal(done, len - 3);
    assert_memory_equal(want, got, len - 3);
    kk_sfs_put(f);
    free(want);
    free(got);
}

/* One failed request in a batch: *done stops exactly where that run starts. */
static void test_failed_run(void **state)
{
    struct env *e = *state;
    static uint8_t want[PIECES * PIECE], got[PIECES * PIECE];
    const size_t at = 10 * PIECE; /* the 11th run of "a" */
    struct kk_sfs_inode *a;
    size_t done;
    write_interleaved(e, &a);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    e->rd->bad_block = 1 + find_block(e, at + BLK, 0);
    pattern(want, 0, sizeof(want), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(kk_sfs_read(a, 0, got, sizeof(got), &done), KK_EIO);
    assert_int_equal(done, at);
    assert_memory_equal(want, got, at);

    /* rewriting over the bad block: the write stops at the same place */
    assert_int_equal(kk_sfs_write(a, 0, want, sizeof(want), &done), KK_EIO);
    assert_int_equal(done, at);
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_stat(a, &st), 0);
    assert_int_equal(st.size, sizeof(want)); /* a rewrite never shrinks the file */
    assert_int_equal(kk_sfs_check(e->fs), 0);
    e->rd->bad_block = 0;
    assert_int_equal(kk_sfs_read(a, 0, got, sizeof(got), &done), 0);
    assert_memory_equal(want, got, sizeof(got));
    kk_sfs_put(a);
}

/* Evictions and sync write cached blocks in batches; one failing block stays
 * dirty and the next sync writes it. */
static void test_failed_sync(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f;
    struct kk_sfs_stat st;
    char name[16], buf[64], got[64];
    size_t done;
    uint32_t bad_ino = 0;
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(buf, sizeof(buf), "contents of file %d", i);
        assert_int_equal(kk_sfs_create(e->root, name, &f), 0);
        assert_int_equal(kk_sfs_write(f, 0, buf, strlen(buf), &done), 0);
        assert_int_equal(kk_sfs_stat(f, &st), 0);
        if (i == 11)
            bad_ino = st.ino;
        kk_sfs_put(f);
    }
    if (e->mode == SUBMIT) /* 36 dirty blocks in a 16-block cache: evictions write behind */
        assert_true(e->rd->max_batch > 1);
    e->rd->bad_block = 1 + bad_ino;
    assert_int_equal(kk_sfs_sync(e->fs), KK_EIO);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    e->rd->bad_block = 0;
    uint64_t writes = e->rd->writes;
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    /* only the failed inode block was left, and what is ordered after it: the
     * entry blocks naming inodes, the root's inode, free map and superblock */
    assert_true(e->rd->writes - writes <= 1 + 12 + 1 + 2);
    env_umount(e);
    env_mount(e);
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(buf, sizeof(buf), "contents of file %d", i);
        assert_int_equal(kk_sfs_lookup(e->root, name, &f), 0);
        assert_int_equal(kk_sfs_read(f, 0, got, sizeof(got), &done), 0);
        assert_int_equal(done, strlen(buf));
        assert_memory_equal(buf, got, done);
        kk_sfs_put(f);
    }
}

/*
 * A large file written 1 MiB at a time: from its second MiB on, every MiB is
 * one run starting on a 1 MiB boundary of the device (across the indirect and
 * double-indirect ranges), and its indirect blocks lie above its data.
 */
static void test_aligned_layout(void **state)
{
    struct env *e = *state;
    const size_t mib = 1u << 20, len = 5 * mib;
    uint8_t *buf = malloc(mib), blk[BLK];
    struct kk_sfs_inode *f;
    struct kk_sfs_disk_inode d;
    struct kk_sfs_stat st;
    size_t done;
    assert_int_equal(kk_sfs_create(e->root, "big", &f), 0);
    for (size_t off = 0; off < len; off += mib) {
        pattern(buf, off, mib, 4);
        assert_int_equal(kk_sfs_write(f, off, buf, mib, &done), 0);
    }
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    uint64_t first = find_block(e, 256 * BLK, 4), last = 0;
    assert_int_equal(first % 256, 0);
    const size_t idx[] = {257, 511, 512, 1035, 1036, 1037, 1279};
    for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
        last = find_block(e, idx[i] * BLK, 4);
        assert_int_equal(last, first + idx[i] - 256);
    }
    memcpy(blk, e->rd->data + (size_t)st.ino * BLK, BLK);
    kk_sfs_inode_decode(blk, &d);
    assert_true(d.indirect > last);
    assert_true(d.db_indirect > last);
    free(buf);
}

/* Fill the free space with a file of 0xaa bytes, delete it and sync. */
static void leave_junk(struct env *e, uint8_t *buf, size_t mib)
{
    struct kk_sfs_inode *f;
    size_t done, off;
    int rc = 0;
    memset(buf, 0xaa, mib);
    assert_int_equal(kk_sfs_create(e->root, "junk", &f), 0);
    for (off = 0; rc == 0; off += mib)
        rc = kk_sfs_write(f, off, buf, mib, &done);
    assert_int_equal(rc, KK_ENOSPC);
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_unlink(e->root, "junk"), 0);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
}

/*
 * A file of 2 * @len bytes, all hole, over free space that held 0xaa bytes;
 * @buf (@len >= 1 MiB bytes) filled with 0x55 to write into it.
 */
static struct kk_sfs_inode *sparse_over_junk(struct env *e, uint8_t *buf, size_t len)
{
    struct kk_sfs_inode *f;
    leave_junk(e, buf, 1u << 20);
    assert_int_equal(kk_sfs_create(e->root, "sparse", &f), 0);
    assert_int_equal(kk_sfs_truncate(f, 2 * len), 0);
    memset(buf, 0x55, len);
    return f;
}

/* The first @len bytes of @f into @buf (cleared first). */
static void read_back(struct kk_sfs_inode *f, uint8_t *buf, size_t len)
{
    size_t got;
    memset(buf, 0, len);
    assert_int_equal(kk_sfs_read(f, 0, buf, len, &got), 0);
    assert_int_equal(got, len);
}

/*
 * A write filling a hole of a sparse file that runs out of space: every block
 * it left mapped reads as the written bytes or zeros, never as the old
 * contents of a deleted file (runs queued before the failure must still go
 * to the device, and a run cut short by it too).
 */
static void test_enospc_hole(void **state)
{
    struct env *e = *state;
    const size_t len = 8u << 20;
    uint8_t *buf = malloc(len);
    struct kk_sfs_inode *f = sparse_over_junk(e, buf, len);
    size_t done, off;
    assert_int_equal(kk_sfs_write(f, 0, buf, len, &done), KK_ENOSPC);
    read_back(f, buf, len);
    for (off = 0; off < len; off++)
        if (buf[off] != 0x55 && (off < done || buf[off] != 0))
            fail_msg("byte %zu of the file is %#x (%zu bytes written)", off, buf[off], done);
    kk_sfs_put(f);
    free(buf);
}

/*
 * A rewrite whose batch has a failed request: a block the file system holds
 * dirty in its cache (written before, not yet synced) keeps those bytes if
 * its run was not written, and a sync stores them; it is never dropped for
 * a run that failed or was not tried.
 */
static void test_failed_rewrite_keeps_dirty(void **state)
{
    struct env *e = *state;
    const size_t len = 2u << 20, at = len - 100 * BLK; /* in the second 1 MiB run */
    uint8_t *buf = malloc(len), x[BLK];
    struct kk_sfs_inode *f;
    size_t done;
    memset(buf, 0x11, len);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, len, &done), 0);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    memset(x, 0x11, sizeof(x));
    memset(x + 10, 0x22, 100);
    assert_int_equal(kk_sfs_write(f, at + 10, x + 10, 100, &done), 0); /* cached, dirty */

    memset(buf, 0x33, len);
    e->rd->fail_write_at = e->rd->writes + 1; /* the first run written */
    assert_int_equal(kk_sfs_write(f, 0, buf, len, &done), KK_EIO);
    e->rd->fail_write_at = 0;
    assert_true(done <= at);
    assert_int_equal(kk_sfs_read(f, at, buf, BLK, &done), 0);
    assert_int_equal(done, BLK);
    if (buf[0] != 0x33)
        assert_memory_equal(buf, x, BLK);
    kk_sfs_put(f);
    env_umount(e);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, at, buf, BLK, &done), 0);
    if (buf[0] != 0x33)
        assert_memory_equal(buf, x, BLK);
    kk_sfs_put(f);
    free(buf);
}

/*
 * A write into a hole whose first device write fails: the blocks of the
 * requests after that one (at most 1 MiB further on) read as written or as
 * zeros, never as a deleted file's data: a device without submit() gets every
 * request of the batch too.
 */
static void test_failed_hole_write(void **state)
{
    struct env *e = *state;
    const size_t mib = 1u << 20, len = 3 * mib;
    uint8_t *buf = malloc(len);
    struct kk_sfs_inode *f = sparse_over_junk(e, buf, len);
    size_t done, off;
    e->rd->fail_write_at = e->rd->writes + 1;
    assert_int_equal(kk_sfs_write(f, 0, buf, len, &done), KK_EIO);
    e->rd->fail_write_at = 0;
    read_back(f, buf, len);
    for (off = 0; off < len; off++)
        if (off < done ? buf[off] != 0x55 : off >= done + mib && buf[off] == 0xaa)
            fail_msg("byte %zu of the file is %#x (%zu bytes written)", off, buf[off], done);
    kk_sfs_put(f);
    free(buf);
}

#define EACH_MODE(fn)                                                                              \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)SUBMIT),                 \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)NO_SUBMIT),          \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)V1)

int main(void)
{
    const struct CMUnitTest tests[] = {
        EACH_MODE(test_read_runs),
        EACH_MODE(test_write_runs),
        EACH_MODE(test_failed_run),
        EACH_MODE(test_failed_sync),
        EACH_MODE(test_enospc_hole),
        EACH_MODE(test_failed_rewrite_keeps_dirty),
        EACH_MODE(test_failed_hole_write),
        cmocka_unit_test_prestate_setup_teardown(test_aligned_layout, setup, teardown,
                                                 (void *)SUBMIT),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
