/*
 * test_safety.c: kernkit::sfs loses no data (docs/sfs.md, "Crash consistency
 * and data safety"): a failed write past end-of-file leaves the file as it was,
 * space freed since the last sync is reused without an explicit sync, and a
 * stale superblock free count (as a crash leaves it) is recomputed at mount.
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
#include "ramdev.h"
#include "sfs_env.h"

static int setup_n(void **state, uint64_t nblocks)
{
    struct env *e = calloc(1, sizeof(*e));
    e->rd = ramdev_new(nblocks, 4096);
    testplat_init(&e->tp, true);
    assert_int_equal(kk_sfs_format(&e->rd->dev, &e->tp.p, NULL), 0);
    env_mount(e);
    *state = e;
    return 0;
}

static int setup(void **state)
{
    return setup_n(state, 2048);
}

static int setup_small(void **state)
{
    return setup_n(state, 256); /* 1 MiB */
}

static uint32_t size_of(struct kk_sfs_inode *f)
{
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    return st.size;
}

/* Fill the device with "fill" until KK_ENOSPC. */
static void fill_up(struct env *e)
{
    static uint8_t buf[65536];
    struct kk_sfs_inode *f;
    uint64_t off = 0;
    size_t done;
    int rc;
    memset(buf, 0x11, sizeof(buf));
    assert_int_equal(kk_sfs_create(e->root, "fill", &f), 0);
    while ((rc = kk_sfs_write(f, off, buf, sizeof(buf), &done)) == 0)
        off += done;
    assert_int_equal(rc, KK_ENOSPC);
    /* the last block-sized pieces, until not even one block is left */
    while ((rc = kk_sfs_write(f, size_of(f), buf, 4096, &done)) == 0)
        ;
    assert_int_equal(rc, KK_ENOSPC);
    kk_sfs_put(f);
}

/*
 * Every way of writing past end-of-file that fails for want of space leaves
 * the size (and the bytes) as they were: aligned runs, partial blocks, a
 * write far past the end, and one starting inside the last block.
 */
static void test_enospc_past_eof(void **state)
{
    struct env *e = *state;
    static uint8_t buf[3 * 4096 + 100], back[8192];
    struct kk_sfs_inode *f;
    size_t done = 0;
    uint32_t size;
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    memset(buf, 0x77, sizeof(buf));
    assert_int_equal(kk_sfs_write(f, 0, buf, 5000, &done), 0); /* last block half used */
    fill_up(e);
    size = size_of(f);
    assert_int_equal(size, 5000);
    const struct {
        uint64_t off;
        size_t len;
    } w[] = {{8192, 4096},        {8192, 100},      {1u << 20, 4096},
             {5000, sizeof(buf)}, {8190, 3 * 4096}, {65536 + 1, 10}};
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        int rc = kk_sfs_write(f, w[i].off, buf, w[i].len, &done);
        if (w[i].off < 8192) { /* part of it fits in the last block */
            assert_int_equal(rc, KK_ENOSPC);
            assert_int_equal(size_of(f), 8192);
            assert_int_equal(done, 8192 - w[i].off);
            assert_int_equal(kk_sfs_truncate(f, size), 0);
        } else {
            assert_int_equal(rc, KK_ENOSPC);
            assert_int_equal(done, 0);
            assert_int_equal(size_of(f), size);
        }
        assert_int_equal(kk_sfs_check(e->fs), 0);
    }
    assert_int_equal(kk_sfs_read(f, 0, back, sizeof(back), &done), 0);
    assert_int_equal(done, size);
    for (size_t i = 0; i < done; i++)
        assert_int_equal(back[i], 0x77);
    kk_sfs_put(f);
    env_umount(e);
    assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(size_of(f), size);
    kk_sfs_put(f);
}

/*
 * A file of 600 KiB on a 1 MiB image rewritten 1000 times (truncate + write,
 * and unlink + create), never synced by the caller: the blocks freed by one
 * rewrite are held until their metadata is on disk, and the library syncs by
 * itself when it needs them, so no rewrite sees KK_ENOSPC.
 */
static void test_rewrite_without_sync(void **state)
{
    struct env *e = *state;
    static uint8_t buf[600 * 1024], back[600 * 1024];
    struct kk_sfs_inode *f;
    size_t done;
    uint64_t flushes = e->rd->flushes;
    int i;
    for (i = 0; i < 1000; i++) {
        memset(buf, (uint8_t)i, sizeof(buf));
        if (i % 2) {
            assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
            assert_int_equal(kk_sfs_truncate(f, 0), 0);
        } else {
            int rc = kk_sfs_unlink(e->root, "f");
            assert_true(rc == 0 || (i == 0 && rc == KK_ENOENT));
            assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
        }
        assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
        assert_int_equal(done, sizeof(buf));
        kk_sfs_put(f);
    }
    assert_true(e->rd->flushes > flushes); /* the library synced by itself */
    assert_int_equal(kk_sfs_check(e->fs), 0);
    env_umount(e);
    assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, 0, back, sizeof(back), &done), 0);
    assert_int_equal(done, sizeof(back));
    assert_memory_equal(buf, back, sizeof(back));
    kk_sfs_put(f);
}

/* A stale free count in the superblock (a crash before the sync that would
 * have written it) mounts: recomputed from the free map, written back. */
static void test_stale_free_count(void **state)
{
    struct env *e = *state;
    struct kk_sfs_statfs st;
    uint32_t real;
    assert_int_equal(kk_sfs_statfs(e->fs, &st), 0);
    real = st.free_blocks;
    env_umount(e);
    kk_sfs_put32(e->rd->data + 8, real - 5);
    env_mount(e);
    assert_int_equal(kk_sfs_statfs(e->fs, &st), 0);
    assert_int_equal(st.free_blocks, real);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), 0);
    env_umount(e);
    assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enospc_past_eof, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_without_sync, setup_small, env_teardown),
        cmocka_unit_test_setup_teardown(test_stale_free_count, setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
