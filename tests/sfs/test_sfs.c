/*
 * test_sfs.c: every kernkit::sfs operation and its error paths on a RAM device.
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

static int fsck(struct env *e, int repair)
{
    return env_fsck(e, repair);
}

static int setup_n(void **state, uint64_t nblocks, uint32_t bs)
{
    struct env *e = calloc(1, sizeof(*e));
    e->rd = ramdev_new(nblocks * (4096 / bs), bs);
    testplat_init(&e->tp, true);
    assert_int_equal(kk_sfs_format(&e->rd->dev, &e->tp.p, NULL), 0);
    env_mount(e);
    *state = e;
    return 0;
}

static int setup(void **state)
{
    return setup_n(state, 2048, 4096);
}

static int teardown(void **state)
{
    return env_teardown(state);
}

static void remount(struct env *e)
{
    env_remount(e);
}

static uint32_t free_blocks(struct env *e)
{
    struct kk_sfs_statfs st;
    assert_int_equal(kk_sfs_statfs(e->fs, &st), 0);
    return st.free_blocks;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (uint8_t)(seed >> 16);
    }
}

static void test_format_layout(void **state)
{
    struct env *e = *state;
    struct kk_sfs_dirent d;
    struct kk_sfs_stat st;
    uint32_t cookie = 0;
    uint8_t *img = e->rd->data;
    /* superblock and root exactly as uCore's mksfs writes them */
    assert_int_equal(kk_sfs_get32(img), KK_SFS_MAGIC);
    assert_int_equal(kk_sfs_get32(img + 4), 2048);
    assert_int_equal(kk_sfs_get32(img + 8), 2048 - 3 - 2);
    assert_string_equal((char *)img + 12, "simple file system");
    assert_int_equal(kk_sfs_stat(e->root, &st), 0);
    assert_int_equal(st.ino, 1);
    assert_int_equal(st.type, KK_SFS_TYPE_DIR);
    assert_int_equal(st.nlinks, 2);
    assert_int_equal(st.size, 512);
    assert_int_equal(kk_sfs_readdir(e->root, &cookie, &d), 1);
    assert_string_equal(d.name, ".");
    assert_int_equal(d.ino, 1);
    assert_int_equal(kk_sfs_readdir(e->root, &cookie, &d), 1);
    assert_string_equal(d.name, "..");
    assert_int_equal(kk_sfs_readdir(e->root, &cookie, &d), 0);
    /* free map: blocks 0..4 used, the rest free, padding zero */
    assert_int_equal(img[2 * 4096] & 0x1f, 0);
    assert_int_equal(img[2 * 4096] & 0xe0, 0xe0);
    assert_int_equal(img[2 * 4096 + 2048 / 8], 0);
}

static void test_rw_holes_sizes(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f;
    static uint8_t buf[20000], out[20000];
    size_t done;
    const uint64_t offs[] = {
        0, 25000, 4096 * 12 - 7, 4096 * 1036 - 3, 4096ull * 5000 + 11, 4294967295ull - 20000};
    fill(buf, sizeof(buf), 1);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(kk_sfs_write(f, offs[i], buf, sizeof(buf), &done), 0);
        assert_int_equal(done, sizeof(buf));
        assert_int_equal(kk_sfs_read(f, offs[i], out, sizeof(out), &done), 0);
        assert_int_equal(done, sizeof(out));
        assert_memory_equal(buf, out, sizeof(buf));
    }
    /* a hole reads as zeros */
    assert_int_equal(kk_sfs_read(f, 4096 * 200, out, 5000, &done), 0);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(out[i], 0);
    /* past the limit */
    assert_int_equal(kk_sfs_write(f, 4294967295ull, buf, 1, &done), KK_EFBIG);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    kk_sfs_put(f);
    remount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(kk_sfs_read(f, offs[i], out, sizeof(out), &done), 0);
        assert_memory_equal(buf, out, sizeof(buf));
    }
    assert_int_equal(kk_sfs_read(f, 4294967295ull, out, 10, &done), 0);
    assert_int_equal(done, 0);
    uint32_t before = free_blocks(e);
    assert_int_equal(kk_sfs_truncate(f, 0), 0);
    assert_true(free_blocks(e) > before + 30);
    kk_sfs_put(f);
}

static void test_truncate(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f;
    uint8_t buf[9000], out[9000];
    struct kk_sfs_stat st;
    size_t done;
    memset(buf, 0xab, sizeof(buf));
    assert_int_equal(kk_sfs_create(e->root, "t", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(kk_sfs_truncate(f, 5000), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    assert_int_equal(st.size, 5000);
    assert_int_equal(st.blocks, 2);
    /* extending again exposes zeros, not the old bytes */
    assert_int_equal(kk_sfs_truncate(f, 9000), 0);
    assert_int_equal(kk_sfs_read(f, 0, out, sizeof(out), &done), 0);
    assert_int_equal(done, 9000);
    assert_memory_equal(out, buf, 5000);
    for (int i = 5000; i < 9000; i++)
        assert_int_equal(out[i], 0);
    assert_int_equal(kk_sfs_truncate(f, 1ull << 32), KK_EFBIG);
    assert_int_equal(kk_sfs_truncate(e->root, 0), KK_EISDIR);
    kk_sfs_put(f);
}

static void test_dirs(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *d, *d2, *x;
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_mkdir(e->root, "d", &d), 0);
    assert_int_equal(kk_sfs_stat(e->root, &st), 0);
    assert_int_equal(st.nlinks, 3);
    assert_int_equal(kk_sfs_mkdir(d, "d2", &d2), 0);
    assert_int_equal(kk_sfs_lookup(d2, "..", &x), 0);
    assert_ptr_equal(x, d);
    kk_sfs_put(x);
    assert_int_equal(kk_sfs_create(d2, "f", NULL), 0);
    assert_int_equal(kk_sfs_rmdir(d, "d2"), KK_ENOTEMPTY);
    assert_int_equal(kk_sfs_rmdir(d2, "f"), KK_ENOTDIR);
    assert_int_equal(kk_sfs_unlink(d, "d2"), KK_EISDIR);
    assert_int_equal(kk_sfs_rmdir(d, "."), KK_EINVAL);
    assert_int_equal(kk_sfs_unlink(d2, "f"), 0);
    assert_int_equal(kk_sfs_lookup(d2, "f", &x), KK_ENOENT);
    assert_int_equal(kk_sfs_rmdir(d, "d2"), 0);
    /* a removed directory that is still referenced accepts no new entries */
    assert_int_equal(kk_sfs_create(d2, "g", NULL), KK_ENOENT);
    kk_sfs_put(d2);
    assert_int_equal(kk_sfs_stat(d, &st), 0);
    assert_int_equal(st.nlinks, 2);
    kk_sfs_put(d);
    assert_int_equal(kk_sfs_rmdir(e->root, "d"), 0);
    assert_int_equal(kk_sfs_stat(e->root, &st), 0);
    assert_int_equal(st.nlinks, 2);
    assert_int_equal(kk_sfs_rmdir(e->root, "d"), KK_ENOENT);
}

static void test_names(void **state)
{
    struct env *e = *state;
    char name[300];
    struct kk_sfs_inode *x;
    memset(name, 'n', sizeof(name));
    name[255] = '\0';
    assert_int_equal(kk_sfs_create(e->root, name, NULL), 0);
    assert_int_equal(kk_sfs_lookup(e->root, name, &x), 0);
    kk_sfs_put(x);
    name[255] = 'n';
    name[256] = '\0';
    assert_int_equal(kk_sfs_create(e->root, name, NULL), KK_ENAMETOOLONG);
    assert_int_equal(kk_sfs_lookup(e->root, name, &x), KK_ENAMETOOLONG);
    assert_int_equal(kk_sfs_create(e->root, "a/b", NULL), KK_EINVAL);
    assert_int_equal(kk_sfs_create(e->root, "", NULL), KK_EINVAL);
    assert_int_equal(kk_sfs_lookup(e->root, "", &x), KK_ENOENT);
    assert_int_equal(kk_sfs_create(e->root, ".", NULL), KK_EEXIST);
    assert_int_equal(kk_sfs_mkdir(e->root, "..", NULL), KK_EEXIST);
    assert_int_equal(kk_sfs_create(e->root, "dup", NULL), 0);
    assert_int_equal(kk_sfs_create(e->root, "dup", NULL), KK_EEXIST);
    assert_int_equal(kk_sfs_mkdir(e->root, "dup", NULL), KK_EEXIST);
    assert_int_equal(kk_sfs_lookup(e->root, "dup", &x), 0);
    assert_int_equal(kk_sfs_create(x, "y", NULL), KK_ENOTDIR);
    assert_int_equal(kk_sfs_lookup(x, "y", &x), KK_ENOTDIR);
    kk_sfs_put(x);
    assert_int_equal(kk_sfs_create(NULL, "a", NULL), KK_EINVAL);
}

static void test_links(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f, *l, *d;
    struct kk_sfs_stat st;
    char buf[64];
    size_t done;
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, "data", 4, &done), 0);
    assert_int_equal(kk_sfs_mkdir(e->root, "d", &d), 0);
    assert_int_equal(kk_sfs_link(d, "f2", f), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    assert_int_equal(st.nlinks, 2);
    assert_int_equal(kk_sfs_link(e->root, "dd", d), KK_EPERM);
    assert_int_equal(kk_sfs_link(e->root, "f", f), KK_EEXIST);
    assert_int_equal(kk_sfs_symlink(e->root, "s", "d/f2", &l), 0);
    assert_int_equal(kk_sfs_readlink(l, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "d/f2");
    assert_int_equal(kk_sfs_readlink(l, buf, 3), 4); /* truncated */
    assert_string_equal(buf, "d/");
    assert_int_equal(kk_sfs_readlink(f, buf, sizeof(buf)), KK_EINVAL);
    assert_int_equal(kk_sfs_symlink(e->root, "s2", "", NULL), KK_EINVAL);
    /* a symlink's data is its target: write/truncate through the file API must
     * not grow it past KK_SFS_MAX_LINK (that would be a corrupt inode) */
    {
        static char big[KK_SFS_MAX_LINK + 2];
        memset(big, 'x', sizeof(big));
        assert_int_equal(kk_sfs_write(l, 0, big, sizeof(big), &done), KK_EINVAL);
        assert_int_equal(done, 0);
        assert_int_equal(kk_sfs_truncate(l, KK_SFS_MAX_LINK + 1), KK_EINVAL);
        assert_int_equal(kk_sfs_check(e->fs), 0);
        assert_int_equal(kk_sfs_readlink(l, buf, sizeof(buf)), 4);
        assert_string_equal(buf, "d/f2");
    }
    assert_int_equal(kk_sfs_unlink(e->root, "f"), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    assert_int_equal(st.nlinks, 1);
    kk_sfs_put(l);
    kk_sfs_put(f);
    kk_sfs_put(d);
    remount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "d", &d), 0);
    assert_int_equal(kk_sfs_lookup(d, "f2", &f), 0);
    assert_int_equal(kk_sfs_read(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(done, 4);
    assert_memory_equal(buf, "data", 4);
    kk_sfs_put(f);
    kk_sfs_put(d);
}

static void test_unlinked_open(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f;
    static uint8_t buf[100000], out[100000];
    size_t done;
    uint32_t before = free_blocks(e);
    fill(buf, sizeof(buf), 7);
    assert_int_equal(kk_sfs_create(e->root, "tmp", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(kk_sfs_unlink(e->root, "tmp"), 0);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    assert_true(free_blocks(e) < before - 20);
    assert_int_equal(kk_sfs_read(f, 0, out, sizeof(out), &done), 0);
    assert_memory_equal(buf, out, sizeof(buf));
    assert_int_equal(kk_sfs_unmount(e->fs), KK_EBUSY); /* f and root still held */
    kk_sfs_put(f);
    assert_int_equal(free_blocks(e), before - 1); /* the root's new slot remains */
}

static void test_rename(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *a, *b, *x, *f;
    struct kk_sfs_stat st;
    size_t done;
    assert_int_equal(kk_sfs_mkdir(e->root, "a", &a), 0);
    assert_int_equal(kk_sfs_mkdir(e->root, "b", &b), 0);
    assert_int_equal(kk_sfs_create(a, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, "x", 1, &done), 0);
    assert_int_equal(kk_sfs_create(b, "g", NULL), 0);
    /* rename within a directory and across directories replacing a file */
    assert_int_equal(kk_sfs_rename(a, "f", a, "f1"), 0);
    assert_int_equal(kk_sfs_rename(a, "f1", b, "g"), 0);
    assert_int_equal(kk_sfs_lookup(a, "f1", &x), KK_ENOENT);
    assert_int_equal(kk_sfs_lookup(b, "g", &x), 0);
    assert_ptr_equal(x, f);
    kk_sfs_put(x);
    assert_int_equal(kk_sfs_rename(b, "g", b, "g"), 0);
    assert_int_equal(kk_sfs_rename(b, "nope", a, "z"), KK_ENOENT);
    /* a directory moves with its ".." and link counts */
    assert_int_equal(kk_sfs_mkdir(a, "sub", NULL), 0);
    assert_int_equal(kk_sfs_rename(a, "sub", b, "sub"), 0);
    assert_int_equal(kk_sfs_stat(a, &st), 0);
    assert_int_equal(st.nlinks, 2);
    assert_int_equal(kk_sfs_stat(b, &st), 0);
    assert_int_equal(st.nlinks, 3);
    assert_int_equal(kk_sfs_lookup(b, "sub", &x), 0);
    struct kk_sfs_inode *p;
    assert_int_equal(kk_sfs_lookup(x, "..", &p), 0);
    assert_ptr_equal(p, b);
    kk_sfs_put(p);
    /* into its own subtree */
    assert_int_equal(kk_sfs_rename(e->root, "b", x, "loop"), KK_EINVAL);
    assert_int_equal(kk_sfs_rename(b, "sub", x, "self"), KK_EINVAL);
    /* directory over a file / file over a directory / non-empty target */
    assert_int_equal(kk_sfs_rename(b, "sub", b, "g"), KK_ENOTDIR);
    assert_int_equal(kk_sfs_rename(b, "g", b, "sub"), KK_EISDIR);
    assert_int_equal(kk_sfs_create(x, "inside", NULL), 0);
    assert_int_equal(kk_sfs_mkdir(a, "empty", NULL), 0);
    assert_int_equal(kk_sfs_rename(a, "empty", b, "sub"), KK_ENOTEMPTY);
    assert_int_equal(kk_sfs_unlink(x, "inside"), 0);
    assert_int_equal(kk_sfs_rename(a, "empty", b, "sub"), 0); /* replaces the empty dir */
    assert_int_equal(kk_sfs_stat(b, &st), 0);
    assert_int_equal(kk_sfs_stat(x, &st), 0);
    assert_int_equal(st.nlinks, 0);
    assert_int_equal(kk_sfs_rename(e->root, "a", e->root, ".."), KK_EINVAL);
    kk_sfs_put(x);
    kk_sfs_put(f);
    kk_sfs_put(a);
    kk_sfs_put(b);
    remount(e);
}

static void test_enospc(void **state)
{
    struct env *e = *state;
    static uint8_t buf[65536];
    struct kk_sfs_inode *f;
    size_t done;
    int rc = 0, i;
    char name[32];
    memset(buf, 0x5a, sizeof(buf));
    assert_int_equal(kk_sfs_create(e->root, "big", &f), 0);
    uint64_t off = 0;
    while ((rc = kk_sfs_write(f, off, buf, sizeof(buf), &done)) == 0)
        off += done;
    assert_int_equal(rc, KK_ENOSPC);
    off += done;
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    assert_int_equal(st.size, off);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    for (i = 0; i < 100 && rc != KK_ENOSPC; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        rc = kk_sfs_mkdir(e->root, name, NULL);
    }
    assert_int_equal(kk_sfs_mkdir(e->root, "more", NULL), KK_ENOSPC);
    kk_sfs_put(f);
    remount(e);
    assert_int_equal(kk_sfs_unlink(e->root, "big"), 0);
    assert_int_equal(kk_sfs_sync(e->fs), 0);
    assert_int_equal(kk_sfs_mkdir(e->root, "more", NULL), 0);
}

static void test_readonly_and_args(void **state)
{
    struct env *e = *state;
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs;
    struct kk_sfs_inode *r;
    size_t done;
    assert_int_equal(kk_sfs_create(e->root, "f", NULL), 0);
    env_umount(e);
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    cfg.read_only = 1;
    assert_int_equal(kk_sfs_mount(&cfg, &fs), 0);
    assert_int_equal(kk_sfs_root(fs, &r), 0);
    assert_int_equal(kk_sfs_create(r, "g", NULL), KK_EROFS);
    assert_int_equal(kk_sfs_unlink(r, "f"), KK_EROFS);
    struct kk_sfs_inode *f;
    assert_int_equal(kk_sfs_lookup(r, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, "a", 1, &done), KK_EROFS);
    kk_sfs_put(f);
    kk_sfs_put(r);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    cfg.size = 4;
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_EINVAL);
    cfg.size = sizeof(cfg);
    cfg.plat = NULL;
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_EINVAL);
    env_mount(e);
}

static void test_mount_validation(void **state)
{
    struct env *e = *state;
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs;
    uint8_t save[16];
    env_umount(e);
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    memcpy(save, e->rd->data, 16);
    e->rd->data[0] ^= 1; /* magic */
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_EINVAL);
    memcpy(e->rd->data, save, 16);
    kk_sfs_put32(e->rd->data + 4, 4096); /* more blocks than the device */
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_ECORRUPT);
    memcpy(e->rd->data, save, 16);
    kk_sfs_put32(e->rd->data + 8, 7); /* unused_blocks disagrees with the map */
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_UNCORRECTED);
    assert_int_equal(kk_sfs_mount(&cfg, &fs), 0); /* recomputed from the map */
    assert_int_equal(kk_sfs_unmount(fs), 0);      /* and written back */
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    kk_sfs_put32(e->rd->data + 8, 7);
    assert_int_equal(fsck(e, 1), KK_SFS_FSCK_REPAIRED);
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    e->rd->data[4096 + 4] = 1; /* root is a file */
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_ECORRUPT);
    e->rd->data[4096 + 4] = 2;
    e->rd->data[2 * 4096] |= 1; /* superblock marked free */
    assert_int_equal(kk_sfs_mount(&cfg, &fs), KK_ECORRUPT);
    e->rd->data[2 * 4096] &= 0xfe;
    assert_int_equal(e->tp.live, 0);
    env_mount(e);
}

static void test_small_device_blocks(void **state)
{
    (void)state;
    void *st;
    setup_n(&st, 64, 512);
    struct env *e = st;
    struct kk_sfs_inode *f;
    uint8_t buf[10000], out[10000];
    size_t done;
    fill(buf, sizeof(buf), 3);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 1, buf, sizeof(buf), &done), 0);
    kk_sfs_put(f);
    remount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_read(f, 1, out, sizeof(out), &done), 0);
    assert_memory_equal(buf, out, sizeof(buf));
    kk_sfs_put(f);
    teardown(&st);
}

static void test_format_errors(void **state)
{
    (void)state;
    struct testplat tp;
    struct ramdev *rd = ramdev_new(4, 4096);
    struct kk_sfs_format_opts o = {sizeof(o), 100, NULL};
    testplat_init(&tp, false);
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, NULL), KK_ENOSPC);
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, &o), KK_EINVAL);
    assert_int_equal(kk_sfs_format(&rd->dev, NULL, NULL), KK_EINVAL);
    rd->dev.block_size = 1000;
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, NULL), KK_EINVAL);
    ramdev_free(rd);
    /* options without their size field set are refused, not half-read */
    rd = ramdev_new(512, 4096);
    o.size = 0;
    o.blocks = 0;
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, &o), KK_EINVAL);
    o.size = sizeof(o);
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, &o), 0);
    ramdev_free(rd);
}

static void test_many_entries(void **state)
{
    struct env *e = *state;
    char name[32];
    struct kk_sfs_dirent d;
    uint32_t cookie = 0;
    int n = 0;
    struct kk_sfs_inode *f;
    /* more than 12 + 1024 slots: the directory needs its double-indirect block */
    assert_int_equal(kk_sfs_create(e->root, "e0", &f), 0);
    for (int i = 1; i < 1100; i++) {
        snprintf(name, sizeof(name), "e%d", i);
        assert_int_equal(kk_sfs_link(e->root, name, f), 0);
    }
    kk_sfs_put(f);
    for (int i = 0; i < 1100; i += 2) {
        snprintf(name, sizeof(name), "e%d", i);
        assert_int_equal(kk_sfs_unlink(e->root, name), 0);
    }
    remount(e);
    while (kk_sfs_readdir(e->root, &cookie, &d) == 1)
        n++;
    assert_int_equal(n, 550 + 2);
    assert_int_equal(kk_sfs_create(e->root, "reuse", NULL), 0); /* takes a free slot */
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_stat(e->root, &st), 0);
    assert_int_equal(st.blocks, 1102);
}

static uint32_t ino_of(struct kk_sfs_inode *dir, const char *name)
{
    struct kk_sfs_inode *ip;
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_lookup(dir, name, &ip), 0);
    assert_int_equal(kk_sfs_stat(ip, &st), 0);
    kk_sfs_put(ip);
    return (uint32_t)st.ino;
}

/* Name of the entry in slot @slot (cookies are slot numbers). */
static void name_at(struct kk_sfs_inode *dir, uint32_t slot, char *out)
{
    struct kk_sfs_dirent d;
    uint32_t c = slot;
    assert_int_equal(kk_sfs_readdir(dir, &c, &d), 1);
    assert_int_equal(c, slot + 1);
    strcpy(out, d.name);
}

/* The in-memory name index gives the same answers as the slot scan. */
static void test_dir_index(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *big, *ip;
    uint32_t inos[200];
    char name[32], got[300];
    int n = 200;
    assert_int_equal(kk_sfs_mkdir(e->root, "big", &big), 0);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(kk_sfs_create(big, name, &ip), 0);
        inos[i] = ino_of(big, name);
        kk_sfs_put(ip);
        if (i % 37 == 0)
            assert_int_equal(kk_sfs_create(big, name, NULL), KK_EEXIST);
    }
    assert_int_equal(kk_sfs_check(e->fs), 0); /* also checks the index */
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(ino_of(big, name), inos[i]);
    }
    assert_int_equal(kk_sfs_lookup(big, "f200", &ip), KK_ENOENT);
    assert_int_equal(kk_sfs_lookup(big, "..", &ip), 0);
    kk_sfs_put(ip);
    /* freed slots are reused lowest first, as with the scan */
    assert_int_equal(kk_sfs_unlink(big, "f150"), 0);
    assert_int_equal(kk_sfs_unlink(big, "f10"), 0);
    assert_int_equal(kk_sfs_unlink(big, "f50"), 0);
    assert_int_equal(kk_sfs_lookup(big, "f10", &ip), KK_ENOENT);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    assert_int_equal(kk_sfs_create(big, "n1", NULL), 0);
    assert_int_equal(kk_sfs_create(big, "n2", NULL), 0);
    name_at(big, 2 + 10, got);
    assert_string_equal(got, "n1");
    name_at(big, 2 + 50, got);
    assert_string_equal(got, "n2");
    /* rename over an existing name, within and into the directory */
    assert_int_equal(kk_sfs_rename(big, "f20", big, "f30"), 0);
    assert_int_equal(ino_of(big, "f30"), inos[20]);
    assert_int_equal(kk_sfs_lookup(big, "f20", &ip), KK_ENOENT);
    assert_int_equal(kk_sfs_create(e->root, "outside", NULL), 0);
    assert_int_equal(kk_sfs_rename(e->root, "outside", big, "f40"), 0);
    assert_int_equal(kk_sfs_lookup(big, "f40", &ip), 0);
    kk_sfs_put(ip);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    /* without memory for the index, lookups fall back to the scan */
    kk_sfs_put(big);
    remount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "big", &big), 0);
    e->tp.fail_alloc_at = e->tp.allocs + 1; /* the index of "big" */
    assert_int_equal(ino_of(big, "f199"), inos[199]);
    assert_int_equal(kk_sfs_create(big, "n3", NULL), 0);
    name_at(big, 2 + 20, got); /* f20 was renamed away: the lowest free slot */
    assert_string_equal(got, "n3");
    e->tp.fail_alloc_at = 0;
    assert_int_equal(ino_of(big, "f198"), inos[198]);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        int rc = kk_sfs_unlink(big, name);
        assert_true(rc == 0 || (rc == KK_ENOENT && (i == 10 || i == 20 || i == 50 || i == 150)));
    }
    assert_int_equal(kk_sfs_unlink(big, "n1"), 0);
    assert_int_equal(kk_sfs_unlink(big, "n2"), 0);
    assert_int_equal(kk_sfs_unlink(big, "n3"), 0);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    kk_sfs_put(big);
    assert_int_equal(kk_sfs_rmdir(e->root, "big"), 0);
}

static void log_line(void *ctx, const char *msg)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 4096 - n, "%s\n", msg);
}

static int fsck_log(struct env *e, int repair, char log[4096])
{
    struct kk_sfs_fsck_opts o = {0};
    log[0] = '\0';
    o.size = sizeof(o);
    o.plat = &e->tp.p;
    o.repair = (uint32_t)repair;
    o.report = log_line;
    o.report_ctx = log;
    return kk_sfs_fsck(&e->rd->dev, &o);
}

/* The raw block holding directory entry @name -> @ino. */
static uint8_t *raw_entry(struct env *e, uint32_t ino, const char *name)
{
    for (uint32_t b = 3; b < 2048; b++) {
        uint8_t *d = e->rd->data + (size_t)b * 4096;
        if (kk_sfs_get32(d) == ino && strcmp((char *)d + 4, name) == 0)
            return d;
    }
    fail_msg("no entry %s", name);
    return NULL;
}

static uint32_t make_file(struct kk_sfs_inode *dir, const char *name, const char *text)
{
    struct kk_sfs_inode *ip;
    struct kk_sfs_stat st;
    size_t done;
    assert_int_equal(kk_sfs_create(dir, name, &ip), 0);
    assert_int_equal(kk_sfs_write(ip, 0, text, strlen(text), &done), 0);
    assert_int_equal(kk_sfs_stat(ip, &st), 0);
    kk_sfs_put(ip);
    return (uint32_t)st.ino;
}

static void expect_text(struct kk_sfs_inode *dir, const char *name, const char *text)
{
    struct kk_sfs_inode *ip;
    char buf[64] = {0};
    size_t done;
    assert_int_equal(kk_sfs_lookup(dir, name, &ip), 0);
    assert_int_equal(kk_sfs_read(ip, 0, buf, sizeof(buf) - 1, &done), 0);
    assert_string_equal(buf, text);
    kk_sfs_put(ip);
}

static void test_fsck_duplicate_names(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *lf;
    char log[4096], name[16];
    make_file(e->root, "a", "first");
    uint32_t b = make_file(e->root, "b", "second");
    env_umount(e);
    strcpy((char *)raw_entry(e, b, "b") + 4, "a"); /* two entries named "a" */
    assert_int_equal(fsck_log(e, 0, log), KK_SFS_FSCK_UNCORRECTED);
    assert_non_null(strstr(log, "duplicate name 'a'"));
    assert_int_equal(fsck_log(e, 1, log), KK_SFS_FSCK_REPAIRED);
    assert_non_null(strstr(log, "duplicate name 'a'"));
    assert_non_null(strstr(log, "lost+found (fixed)"));
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    expect_text(e->root, "a", "first"); /* the first entry wins */
    assert_int_equal(kk_sfs_lookup(e->root, "lost+found", &lf), 0);
    snprintf(name, sizeof(name), "#%u", b); /* the second file was not lost */
    expect_text(lf, name, "second");
    kk_sfs_put(lf);
}

static int count_named(struct kk_sfs_inode *dir, const char *name)
{
    struct kk_sfs_dirent d;
    uint32_t c = 0;
    int n = 0;
    while (kk_sfs_readdir(dir, &c, &d) == 1)
        n += strcmp(d.name, name) == 0;
    return n;
}

static void test_fsck_lost_found(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *d, *lf, *sub;
    struct kk_sfs_stat st;
    char log[4096], name[16];
    assert_int_equal(kk_sfs_mkdir(e->root, "d", &d), 0);
    make_file(d, "f", "in d");
    assert_int_equal(kk_sfs_stat(d, &st), 0);
    uint32_t dino = (uint32_t)st.ino;
    kk_sfs_put(d);
    uint32_t g = make_file(e->root, "g", "orphan data");
    uint32_t empty = make_file(e->root, "e", "");
    env_umount(e);
    kk_sfs_put32(raw_entry(e, dino, "d"), 0); /* cut all three off the tree */
    kk_sfs_put32(raw_entry(e, g, "g"), 0);
    kk_sfs_put32(raw_entry(e, empty, "e"), 0);
    assert_int_equal(fsck_log(e, 0, log), KK_SFS_FSCK_UNCORRECTED);
    assert_non_null(strstr(log, "reconnect to /lost+found"));
    assert_int_equal(fsck_log(e, 1, log), KK_SFS_FSCK_REPAIRED);
    assert_non_null(strstr(log, "freed")); /* the empty file */
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "lost+found", &lf), 0);
    snprintf(name, sizeof(name), "#%u", g);
    expect_text(lf, name, "orphan data");
    snprintf(name, sizeof(name), "#%u", dino);
    assert_int_equal(kk_sfs_lookup(lf, name, &sub), 0);
    expect_text(sub, "f", "in d");
    assert_int_equal(kk_sfs_lookup(sub, "..", &d), 0);
    assert_int_equal(kk_sfs_stat(d, &st), 0);
    assert_int_equal(kk_sfs_stat(lf, &(struct kk_sfs_stat){0}), 0);
    kk_sfs_put(d);
    kk_sfs_put(sub);
    snprintf(name, sizeof(name), "#%u", empty);
    assert_int_equal(kk_sfs_lookup(lf, name, &sub), KK_ENOENT);
    /* a second orphan goes into the existing lost+found */
    uint32_t h = make_file(e->root, "h", "later");
    kk_sfs_put(lf);
    env_umount(e);
    kk_sfs_put32(raw_entry(e, h, "h"), 0);
    assert_int_equal(fsck(e, 1), KK_SFS_FSCK_REPAIRED);
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    assert_int_equal(count_named(e->root, "lost+found"), 1);
    assert_int_equal(kk_sfs_lookup(e->root, "lost+found", &lf), 0);
    snprintf(name, sizeof(name), "#%u", h);
    expect_text(lf, name, "later");
    kk_sfs_put(lf);
}

/* "lost+found" taken by a file, or no space for it: orphans are freed instead. */
static void test_fsck_lost_found_unusable(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *ip;
    struct kk_sfs_stat st;
    char log[4096];
    make_file(e->root, "lost+found", "not a directory");
    uint32_t g = make_file(e->root, "g", "orphan");
    uint32_t before = free_blocks(e);
    env_umount(e);
    kk_sfs_put32(raw_entry(e, g, "g"), 0);
    assert_int_equal(fsck_log(e, 1, log), KK_SFS_FSCK_REPAIRED);
    assert_non_null(strstr(log, "freed (fixed)"));
    assert_null(strstr(log, "reconnect"));
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "lost+found", &ip), 0);
    assert_int_equal(kk_sfs_stat(ip, &st), 0);
    assert_int_equal(st.type, KK_SFS_TYPE_FILE);
    kk_sfs_put(ip);
    assert_int_equal(free_blocks(e), before + 2); /* the orphan's inode and data block */
}

/*
 * Read a 14-block file whose direct pointer @slot (-1: first slot of its
 * indirect block) names its own inode (@what 0) or its indirect block (1).
 */
static int read_with_own_ptr(struct env *e, int slot, int what)
{
    static uint8_t buf[14 * 4096];
    struct kk_sfs_inode *ip;
    struct kk_sfs_disk_inode d;
    size_t done;
    int rc;
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(kk_sfs_create(e->root, "own", &ip), 0);
    assert_int_equal(kk_sfs_write(ip, 0, buf, sizeof(buf), &done), 0);
    struct kk_sfs_stat st;
    assert_int_equal(kk_sfs_stat(ip, &st), 0);
    uint32_t ino = (uint32_t)st.ino;
    kk_sfs_put(ip);
    env_umount(e);
    uint8_t *raw = e->rd->data + (size_t)ino * 4096;
    kk_sfs_inode_decode(raw, &d);
    uint32_t v = what == 0 ? ino : d.indirect;
    if (slot < 0)
        kk_sfs_put32(e->rd->data + (size_t)d.indirect * 4096, v);
    else
        d.direct[slot] = v;
    kk_sfs_inode_encode(&d, raw);
    env_mount(e);
    assert_int_equal(kk_sfs_lookup(e->root, "own", &ip), 0);
    rc = kk_sfs_read(ip, 0, buf, sizeof(buf), &done);
    kk_sfs_put(ip);
    (void)kk_sfs_unlink(e->root, "own"); /* may meet the damage: fsck cleans up */
    env_umount(e);
    fsck(e, 1); /* leave a clean image for teardown */
    env_mount(e);
    return rc;
}

/* A pointer to the inode's own block or its indirect block is corrupt, never data. */
static void test_own_block_pointers(void **state)
{
    struct env *e = *state;
    assert_int_equal(read_with_own_ptr(e, -1, 1), KK_ECORRUPT); /* indirect lists itself */
    assert_int_equal(read_with_own_ptr(e, 3, 1), KK_ECORRUPT);  /* direct -> indirect */
    assert_int_equal(read_with_own_ptr(e, 0, 0), KK_ECORRUPT);  /* direct -> own inode */
}

/*
 * uCore's sfs_truncfile frees the data blocks of a file shrinking to <= 12
 * blocks but keeps its indirect block (entries zeroed) and the pointer to it.
 * Build that state on disk exactly, then: sfsck is clean, growing the file
 * reuses the kept indirect block (nothing leaks), and deleting a file in that
 * state frees it.
 */
static void ucore_truncate(struct env *e, uint32_t ino, uint32_t keep)
{
    uint8_t *img = e->rd->data, *blk = img + (size_t)ino * 4096;
    struct kk_sfs_disk_inode d;
    struct kk_sfs_disk_super sb;
    uint32_t i, p, freed = 0;
    kk_sfs_inode_decode(blk, &d);
    assert_true(d.blocks > KK_SFS_NDIRECT && keep <= KK_SFS_NDIRECT && d.indirect != 0);
    for (i = keep; i < d.blocks; i++) {
        uint8_t *slot = i < KK_SFS_NDIRECT ? NULL : img + (size_t)d.indirect * 4096 + 4 * (i - 12);
        p = slot ? kk_sfs_get32(slot) : d.direct[i];
        if (slot)
            kk_sfs_put32(slot, 0);
        else
            d.direct[i] = 0;
        img[(size_t)KK_SFS_BLKN_FREEMAP * 4096 + (p >> 3)] |= (uint8_t)(1u << (p & 7));
        freed++;
    }
    d.blocks = keep;
    d.size = keep * 4096;
    kk_sfs_inode_encode(&d, blk);
    kk_sfs_super_decode(img, &sb);
    sb.unused_blocks += freed;
    kk_sfs_super_encode(&sb, img);
}

static uint32_t raw_indirect(struct env *e, uint32_t ino)
{
    struct kk_sfs_disk_inode d;
    kk_sfs_inode_decode(e->rd->data + (size_t)ino * 4096, &d);
    return d.indirect;
}

static void test_ucore_truncate_state(void **state)
{
    struct env *e = *state;
    struct kk_sfs_inode *f;
    static uint8_t buf[20 * 4096], out[20 * 4096];
    struct kk_sfs_stat st;
    size_t done;
    fill(buf, sizeof(buf), 7);
    assert_int_equal(kk_sfs_create(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    kk_sfs_put(f);
    uint32_t ino = st.ino;
    assert_int_equal(kk_sfs_create(e->root, "g", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(kk_sfs_stat(f, &st), 0);
    kk_sfs_put(f);
    uint32_t gino = st.ino;
    env_umount(e);
    uint32_t ind = raw_indirect(e, ino);
    ucore_truncate(e, ino, 2);
    ucore_truncate(e, gino, 0);
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
    /* grow "f" past 12 blocks: the kept indirect block is used again */
    assert_int_equal(kk_sfs_lookup(e->root, "f", &f), 0);
    assert_int_equal(kk_sfs_write(f, 2 * 4096, buf + 2 * 4096, 18 * 4096, &done), 0);
    assert_int_equal(kk_sfs_read(f, 0, out, sizeof(out), &done), 0);
    assert_int_equal(done, sizeof(out));
    assert_memory_equal(out, buf, sizeof(buf));
    kk_sfs_put(f);
    /* deleting "g" (0 blocks, kept indirect) frees its inode and the indirect block */
    uint32_t before = free_blocks(e);
    assert_int_equal(kk_sfs_unlink(e->root, "g"), 0);
    assert_int_equal(free_blocks(e), before + 2);
    env_umount(e);
    assert_int_equal(raw_indirect(e, ino), ind);
    assert_int_equal(fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_own_block_pointers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsck_duplicate_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsck_lost_found_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsck_lost_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rw_holes_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ucore_truncate_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlinked_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_and_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
        cmocka_unit_test(test_small_device_blocks),
        cmocka_unit_test(test_format_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
