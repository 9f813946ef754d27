/*
 * test_safety.c: kernkit::sfs loses no data (docs/sfs.md, "Crash consistency
 * and data safety"): a failed write past end-of-file leaves the file as it was,
 * space freed since the last sync is reused without an explicit sync, and a
 * stale superblock free count (as a crash leaves it) is recomputed at mount,
 * and power cuts leave a replaced file old or new and a new directory whole.
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
#include "recdev.h"

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

static int setup_4k(void **state)
{
    return setup_n(state, 4096); /* 16 MiB */
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
    env_remount(e);
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
    env_remount(e);
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
    env_remount(e);
}

/* kk_sfs_config.unordered (mksfs): the same image contents, one barrier per sync. */
static void test_unordered(void **state)
{
    struct env *e = *state;
    struct kk_sfs_config cfg = {0};
    struct kk_sfs_inode *f;
    static uint8_t buf[200000];
    size_t done;
    uint64_t flushes;
    env_umount(e);
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    cfg.cache_blocks = 16;
    cfg.unordered = 1;
    assert_int_equal(kk_sfs_mount(&cfg, &e->fs), 0);
    assert_int_equal(kk_sfs_root(e->fs, &e->root), 0);
    memset(buf, 0x3c, sizeof(buf));
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), 0);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    kk_sfs_put(f);
    flushes = e->rd->flushes;
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    assert_int_equal(e->rd->flushes - flushes, 1);
    env_remount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(done, sizeof(buf));
    assert_int_equal(buf[sizeof(buf) - 1], 0x3c);
    kk_sfs_put(f);
    /* ordered, the same work needs a barrier between kinds */
    assert_int_equal(kk_sfs_create(e->root, "g", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    kk_sfs_put(f);
    flushes = e->rd->flushes;
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    assert_true(e->rd->flushes - flushes > 1);
}

static void pattern(uint8_t *b, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

/*
 * Unmount @e, keep a copy of its image (returned, to free) and mount it again
 * on the recording device @r with a cache of @cache_blocks.
 */
static uint8_t *rec_mount(struct env *e, struct rec *r, uint32_t cache_blocks)
{
    size_t bytes = (size_t)e->rd->dev.nblocks * 4096;
    struct kk_sfs_config cfg = {0};
    uint8_t *base = malloc(bytes);
    env_umount(e);
    assert_non_null(base);
    memcpy(base, e->rd->data, bytes);
    rec_init(r, e->rd);
    cfg.size = sizeof(cfg);
    cfg.dev = &r->dev;
    cfg.plat = &e->tp.p;
    cfg.cache_blocks = cache_blocks;
    assert_int_equal(kk_sfs_mount(&cfg, &e->fs), 0);
    assert_int_equal(kk_sfs_root(e->fs, &e->root), 0);
    return base;
}

/*
 * A 3 MiB file replaced (truncate + write + sync) under a power cut at every
 * write - clean, torn, and with the writes since the last flush dropped or
 * reordered: after sfsck -y the image checks clean, a synced file not touched
 * is byte-identical, and the replaced file is the whole old file or a prefix
 * of the new one (never zeros or another file's bytes).
 */
static void test_replace_cut(void **state)
{
    struct env *e = *state;
    const size_t big = 3u << 20, small = 100000;
    uint8_t *a = malloc(big), *b = malloc(big), *got = malloc(big), *base;
    size_t done, c, checked = 0;
    struct kk_sfs_inode *f;
    struct rec r;
    pattern(a, big, 1);
    pattern(b, big, 2);
    assert_int_equal(kk_sfs_create(e->root, "keep", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, b + 5, small, &done), 0);
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_create(e->root, "big", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, a, big, &done), 0);
    kk_sfs_put(f);
    base = rec_mount(e, &r, 64);
    assert_int_equal(kk_sfs_lookup(e->root, "big", &f), 0);
    assert_int_equal(kk_sfs_truncate(f, 0), 0);
    for (size_t off = 0; off < big; off += 65536)
        assert_int_equal(kk_sfs_write(f, off, b + off, 65536, &done), 0);
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    env_umount(e);

    for (c = 0; c <= r.n; c++) {
        for (int mode = 0; mode < CUT_MODES; mode++) {
            struct kk_sfs_stat st;
            replay(e->rd, base, &r, c, mode);
            assert_true(env_fsck(e, 1) <= KK_SFS_FSCK_REPAIRED);
            assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
            env_mount(e);
            assert_int_equal(kk_sfs_lookup(e->root, "keep", &f), 0);
            assert_int_equal(kk_sfs_read(f, 0, got, small, &done), 0);
            assert_int_equal(done, small);
            assert_memory_equal(got, b + 5, small);
            kk_sfs_put(f);
            assert_int_equal(kk_sfs_lookup(e->root, "big", &f), 0);
            assert_int_equal(kk_sfs_stat(f, &st), 0);
            assert_int_equal(kk_sfs_read(f, 0, got, big, &done), 0);
            assert_int_equal(done, st.size);
            if (!(st.size == big && memcmp(got, a, big) == 0) && memcmp(got, b, st.size) != 0)
                fail_msg("cut before write %zu/%zu (mode %d): size %u, neither old nor new", c, r.n,
                         mode, st.size);
            kk_sfs_put(f);
            env_umount(e);
            checked++;
        }
    }
    printf("replace-cut: %zu cut points checked (%zu writes and flushes)\n", checked, r.n);
    env_mount(e);
    rec_free(&r);
    free(base);
    free(a);
    free(b);
    free(got);
}

/* "d" in @dir, when its entry is there, is a directory whose "." and ".." are right. */
static void check_new_dir(struct kk_sfs_inode *dir, const char *name, size_t c, int mode)
{
    struct kk_sfs_inode *d, *x;
    struct kk_sfs_stat st, pst, xst;
    int rc = kk_sfs_lookup(dir, name, &d);
    if (rc == KK_ENOENT)
        return;
    assert_int_equal(rc, 0);
    assert_int_equal(kk_sfs_stat(d, &st), 0);
    assert_int_equal(kk_sfs_stat(dir, &pst), 0);
    assert_int_equal(st.type, KK_SFS_TYPE_DIR);
    if (kk_sfs_lookup(d, ".", &x) != 0)
        fail_msg("cut before write %zu (mode %d): %s has no \".\"", c, mode, name);
    assert_int_equal(kk_sfs_stat(x, &xst), 0);
    assert_int_equal(xst.ino, st.ino);
    kk_sfs_put(x);
    if (kk_sfs_lookup(d, "..", &x) != 0)
        fail_msg("cut before write %zu (mode %d): %s has no \"..\"", c, mode, name);
    assert_int_equal(kk_sfs_stat(x, &xst), 0);
    assert_int_equal(xst.ino, pst.ino);
    kk_sfs_put(x);
    if (kk_sfs_lookup(d, "f", &x) == 0) {
        assert_int_equal(kk_sfs_stat(x, &xst), 0);
        assert_int_equal(xst.type, KK_SFS_TYPE_FILE);
        kk_sfs_put(x);
    }
    check_new_dir(d, "e", c, mode);
    kk_sfs_put(d);
}

/*
 * Directories created since the last sync (d in an old slot of the root, d/e,
 * and a file d/f) under a
 * power cut before every write, four ways: after the cut and before any
 * repair, a directory reachable by name has its "." and ".." (its entry
 * blocks reach the disk before its inode, the inode before the entry naming
 * it); sfsck -y then leaves a clean image.
 */
static void test_mkdir_cut(void **state)
{
    struct env *e = *state;
    size_t c, checked = 0;
    struct kk_sfs_inode *d, *f;
    uint8_t *base;
    struct rec r;
    /* root gets an empty slot below the blocks d will take: its entry for d then
     * goes out before d's own entry blocks unless they were written first */
    assert_int_equal(kk_sfs_create(e->root, "x", NULL), 0);
    assert_int_equal(kk_sfs_unlink(e->root, "x"), 0);
    base = rec_mount(e, &r, 16);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), 0);
    assert_int_equal(kk_sfs_lookup(e->root, "d", &d), 0); /* a new handle: iget */
    assert_int_equal(kk_sfs_mkdir(d, "e", NULL), 0);
    assert_int_equal(kk_sfs_create(d, "f", &f), 0);
    kk_sfs_put(f);
    kk_sfs_put(d);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    env_umount(e);
    for (c = 0; c <= r.n; c++) {
        if (c < r.n && r.ops[c].count == 0)
            continue;
        for (int mode = 0; mode < CUT_MODES; mode++) {
            replay(e->rd, base, &r, c, mode);
            env_mount(e);
            check_new_dir(e->root, "d", c, mode);
            env_umount(e);
            assert_true(env_fsck(e, 1) <= KK_SFS_FSCK_REPAIRED);
            assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
            checked++;
        }
    }
    printf("mkdir-cut: %zu cut points checked (%zu writes and flushes)\n", checked, r.n);
    env_mount(e);
    rec_free(&r);
    free(base);
}

static void mount_verify(struct env *e)
{
    struct kk_sfs_config cfg = {0};
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    cfg.cache_blocks = 16;
    cfg.verify_map = 1;
    assert_int_equal(kk_sfs_mount(&cfg, &e->fs), 0);
    assert_int_equal(kk_sfs_root(e->fs, &e->root), 0);
}

/* verify_map: a free map marking a live file's blocks free (consistent count)
 * mounts, refuses the first write with KK_ECORRUPT, leaves the file intact. */
static void test_lying_map(void **state)
{
    struct env *e = *state;
    static uint8_t a[8192], b[8192];
    struct kk_sfs_inode *f, *g;
    uint32_t blocks = 2048, n = 0, i;
    size_t done;
    pattern(a, sizeof(a), 7);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, a, sizeof(a), &done), 0);
    kk_sfs_put(f);
    env_umount(e);
    for (i = 3; i < blocks; i++)
        e->rd->data[8192 + i / 8] |= (uint8_t)(1u << (i % 8));
    for (i = 0; i < blocks; i++)
        n += (e->rd->data[8192 + i / 8] >> (i % 8)) & 1u;
    kk_sfs_put32(e->rd->data + 8, n);
    mount_verify(e);
    assert_int_equal(kk_sfs_write_state(e->fs, &n), KK_ECORRUPT);
    assert_true(n >= 3 && n < blocks); /* a live block marked free */
    assert_int_equal(kk_sfs_create(e->root, "g", &g), KK_ECORRUPT);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), KK_ECORRUPT);
    kk_sfs_put(e->root);
    assert_int_equal(kk_sfs_unmount(e->fs), 0);
    e->fs = NULL;
    assert_int_equal(env_fsck(e, 1), KK_SFS_FSCK_REPAIRED);
    mount_verify(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, 0, b, sizeof(b), &done), 0);
    assert_memory_equal(a, b, sizeof(a));
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_write_state(e->fs, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), 0);
    env_remount(e);
}

/* verify_map: leaked blocks (marked used, unreachable, as a power cut leaves
 * them) and a stale free count do not refuse writes; a cross-linked block does. */
static void test_verify_leaks_ok(void **state)
{
    struct env *e = *state;
    static uint8_t a[8192], b[8192];
    struct kk_sfs_inode *f, *g;
    struct kk_sfs_disk_inode d;
    struct kk_sfs_stat st;
    uint32_t blocks = 2048, i, bad = 1, fino, gino;
    size_t done;
    pattern(a, sizeof(a), 9);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, a, sizeof(a), &done), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    fino = st.ino;
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_create(e->root, "g", &g), 0);
    assert_int_equal(kk_sfs_write(g, 0, a, sizeof(a), &done), 0);
    assert_int_equal(kk_sfs_stat(g, &st), 0);
    gino = st.ino;
    kk_sfs_put(g);
    env_umount(e);
    /* leak the top 100 blocks; the superblock's count is left stale */
    for (i = blocks - 100; i < blocks; i++)
        e->rd->data[8192 + i / 8] &= (uint8_t) ~(1u << (i % 8));
    mount_verify(e);
    assert_int_equal(kk_sfs_write_state(e->fs, &bad), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", NULL), 0);
    env_umount(e);
    assert_int_equal(env_fsck(e, 1), KK_SFS_FSCK_REPAIRED);
    /* cross-link: g's first data block becomes f's */
    kk_sfs_inode_decode(e->rd->data + (size_t)fino * 4096, &d);
    i = d.direct[0];
    kk_sfs_inode_decode(e->rd->data + (size_t)gino * 4096, &d);
    d.direct[0] = i;
    kk_sfs_inode_encode(&d, e->rd->data + (size_t)gino * 4096);
    mount_verify(e);
    assert_int_equal(kk_sfs_write_state(e->fs, &bad), KK_ECORRUPT);
    assert_int_equal(bad, i);
    assert_int_equal(kk_sfs_unlink(e->root, "g"), KK_ECORRUPT);
    env_umount(e);
    assert_int_equal(env_fsck(e, 1), KK_SFS_FSCK_REPAIRED);
    mount_verify(e);
    assert_int_equal(kk_sfs_write_state(e->fs, NULL), 0);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, 0, b, sizeof(b), &done), 0);
    assert_memory_equal(a, b, sizeof(a));
    kk_sfs_put(f);
    env_remount(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enospc_past_eof, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_without_sync, setup_small, env_teardown),
        cmocka_unit_test_setup_teardown(test_stale_free_count, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_replace_cut, setup_4k, env_teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_cut, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_unordered, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_lying_map, setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_verify_leaks_ok, setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
