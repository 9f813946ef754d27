/*
 * test_vfs.c: the generic VFS over an in-memory file system (memfs) with an
 * SFS instance mounted on it: path resolution, mounts, symlinks, open flags,
 * open files, unlinked-but-open files.
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
#include <kernkit/vfs.h>
#include "memfs.h"
#include "ramdev.h"

struct env {
    struct testplat tp;
    struct memfs mem;
    struct ramdev *rd;
    struct kk_sfs *sfs;
    struct kk_vfs *v;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    struct kk_sfs_config cfg = {0};
    testplat_init(&e->tp, true);
    memfs_init(&e->mem);
    e->rd = ramdev_new(512, 4096);
    assert_int_equal(kk_sfs_format(&e->rd->dev, &e->tp.p, NULL), 0);
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    assert_int_equal(kk_sfs_mount(&cfg, &e->sfs), 0);
    assert_int_equal(kk_vfs_create(&e->tp.p, &e->v), 0);
    assert_int_equal(kk_vfs_mount(e->v, NULL, "/mnt", memfs_ops(), &e->mem), KK_EINVAL);
    assert_int_equal(kk_vfs_mount(e->v, NULL, "/", memfs_ops(), &e->mem), 0);
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mnt"), 0);
    assert_int_equal(kk_vfs_mount(e->v, NULL, "/mnt", kk_sfs_vfs_ops(), e->sfs), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/"), KK_EBUSY); /* /mnt is below */
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/mnt"), 0);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt"), 0);
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/"), 0);
    assert_int_equal(kk_vfs_destroy(e->v), 0);
    assert_int_equal(kk_sfs_unmount(e->sfs), 0);
    memfs_fini(&e->mem);
    assert_int_equal(e->mem.live, 0);
    assert_int_equal(e->tp.live, 0);
    ramdev_free(e->rd);
    free(e);
    return 0;
}

static void put_file(struct env *e, const char *path, const char *text)
{
    struct kk_vfs_file *f;
    size_t done;
    assert_int_equal(kk_vfs_open(e->v, NULL, path, KK_O_WRONLY | KK_O_CREAT | KK_O_TRUNC, &f), 0);
    assert_int_equal(kk_vfs_write(f, text, strlen(text), &done), 0);
    assert_int_equal(done, strlen(text));
    assert_int_equal(kk_vfs_close(f), 0);
}

static void expect_file(struct env *e, struct kk_vfs_node *cwd, const char *path, const char *text)
{
    struct kk_vfs_file *f;
    char buf[256];
    size_t done;
    assert_int_equal(kk_vfs_open(e->v, cwd, path, KK_O_RDONLY, &f), 0);
    assert_int_equal(kk_vfs_read(f, buf, sizeof(buf), &done), 0);
    assert_int_equal(done, strlen(text));
    assert_memory_equal(buf, text, done);
    assert_int_equal(kk_vfs_close(f), 0);
}

static uint64_t ino_of(struct env *e, const char *path)
{
    struct kk_vfs_stat st;
    assert_int_equal(kk_vfs_stat(e->v, NULL, path, 1, &st), 0);
    return st.ino;
}

static void test_paths_and_mounts(void **state)
{
    struct env *e = *state;
    struct kk_vfs_node *cwd;
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mnt/a"), 0);
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mnt/a/b/"), 0);
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mem"), 0);
    put_file(e, "/mnt/a/b/f", "sfs-data");
    put_file(e, "/mem/g", "mem-data");
    /* "..", "." and mount crossing both ways */
    assert_true(ino_of(e, "/mnt/..") == ino_of(e, "/"));
    assert_true(ino_of(e, "/mnt/a/../..//mem/./..") == ino_of(e, "/"));
    assert_true(ino_of(e, "/..") == ino_of(e, "/"));
    assert_true(ino_of(e, "/mnt") == 1); /* the SFS root */
    assert_int_equal(kk_vfs_lookup(e->v, NULL, "/mnt/a/b", 1, &cwd), 0);
    expect_file(e, cwd, "f", "sfs-data");
    expect_file(e, cwd, "../../../mem/g", "mem-data");
    expect_file(e, cwd, "./f", "sfs-data");
    kk_vfs_node_put(cwd);
    /* cross-mount operations and busy mount points */
    assert_int_equal(kk_vfs_rename(e->v, NULL, "/mem/g", "/mnt/g"), KK_EXDEV);
    assert_int_equal(kk_vfs_link(e->v, NULL, "/mem/g", "/mnt/g"), KK_EXDEV);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt"), KK_EBUSY);
    assert_int_equal(kk_vfs_rename(e->v, NULL, "/mnt", "/mnt2"), KK_EBUSY);
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/mem"), KK_EINVAL);
    assert_int_equal(kk_vfs_mount(e->v, NULL, "/mem/g", memfs_ops(), &e->mem), KK_ENOTDIR);
    struct kk_vfs_file *f;
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt/a/b/f", KK_O_RDONLY, &f), 0);
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/mnt"), KK_EBUSY);
    kk_vfs_close(f);
    /* errors */
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/mnt/a/b/f/x", 1, &(struct kk_vfs_stat){0}),
                     KK_ENOTDIR);
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/nope", 1, &(struct kk_vfs_stat){0}), KK_ENOENT);
    assert_int_equal(kk_vfs_stat(e->v, NULL, "", 1, &(struct kk_vfs_stat){0}), KK_ENOENT);
    char longname[300];
    memset(longname, 'x', sizeof(longname));
    longname[0] = '/';
    longname[299] = '\0';
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, longname), KK_ENAMETOOLONG);
    char *longpath = malloc(5000);
    for (int i = 0; i < 4999; i++)
        longpath[i] = i % 2 ? '/' : 'a';
    longpath[4999] = '\0';
    assert_int_equal(kk_vfs_stat(e->v, NULL, longpath, 1, &(struct kk_vfs_stat){0}),
                     KK_ENAMETOOLONG);
    free(longpath);
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/"), KK_EEXIST);
    /* clean up */
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/a/b/f"), 0);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt/a/b"), 0);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt/a"), 0);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mem/g"), 0);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mem"), 0);
}

static void test_symlinks(void **state)
{
    struct env *e = *state;
    char name[32], target[32], buf[64];
    put_file(e, "/mnt/file", "x");
    assert_int_equal(kk_vfs_symlink(e->v, NULL, "/mnt", "/to_mnt"), 0);
    assert_int_equal(kk_vfs_symlink(e->v, NULL, "file", "/mnt/rel"), 0);
    expect_file(e, NULL, "/to_mnt/rel", "x");
    assert_int_equal(kk_vfs_readlink(e->v, NULL, "/to_mnt/rel", buf, sizeof(buf)), 4);
    assert_string_equal(buf, "file");
    assert_int_equal(kk_vfs_readlink(e->v, NULL, "/mnt/file", buf, sizeof(buf)), KK_EINVAL);
    struct kk_vfs_stat st;
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/to_mnt", 0, &st), 0);
    assert_int_equal(st.type, KK_VFS_SYMLINK);
    /* loops */
    assert_int_equal(kk_vfs_symlink(e->v, NULL, "/loop2", "/loop1"), 0);
    assert_int_equal(kk_vfs_symlink(e->v, NULL, "/loop1", "/loop2"), 0);
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/loop1", 1, &st), KK_ELOOP);
    /* a chain of exactly 40 links resolves, 41 do not */
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof(name), "/mnt/c%d", i);
        snprintf(target, sizeof(target), i == 0 ? "file" : "c%d", i - 1);
        assert_int_equal(kk_vfs_symlink(e->v, NULL, target, name), 0);
    }
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/mnt/c39", 1, &st), 0);
    assert_int_equal(st.type, KK_VFS_FILE);
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/mnt/c40", 1, &st), KK_ELOOP);
    struct kk_vfs_file *f;
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt/rel", KK_O_RDONLY | KK_O_NOFOLLOW, &f),
                     KK_ELOOP);
    for (int i = 0; i < 41; i++) {
        snprintf(name, sizeof(name), "/mnt/c%d", i);
        assert_int_equal(kk_vfs_unlink(e->v, NULL, name), 0);
    }
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/loop1"), 0);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/loop2"), 0);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/to_mnt"), 0);
}

static void test_open_flags(void **state)
{
    struct env *e = *state;
    struct kk_vfs_file *f, *g;
    struct kk_vfs_stat st;
    char buf[32];
    size_t done;
    uint64_t pos;
    for (int m = 0; m < 2; m++) {
        const char *p = m ? "/mnt/o" : "/o";
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDWR | KK_O_CREAT | KK_O_EXCL, &f), 0);
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDWR | KK_O_CREAT | KK_O_EXCL, &g),
                         KK_EEXIST);
        assert_int_equal(kk_vfs_write(f, "hello", 5, &done), 0);
        g = kk_vfs_dup(f); /* shares the position */
        assert_int_equal(kk_vfs_write(g, "!", 1, &done), 0);
        assert_int_equal(kk_vfs_seek(f, 0, KK_SEEK_CUR, &pos), 0);
        assert_int_equal(pos, 6);
        assert_int_equal(kk_vfs_seek(f, -2, KK_SEEK_END, &pos), 0);
        assert_int_equal(pos, 4);
        assert_int_equal(kk_vfs_seek(f, -10, KK_SEEK_SET, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_seek(f, 0, 7, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_read(f, buf, sizeof(buf), &done), 0);
        assert_int_equal(done, 2);
        assert_memory_equal(buf, "o!", 2);
        kk_vfs_close(g);
        kk_vfs_close(f);
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_WRONLY | KK_O_APPEND, &f), 0);
        assert_int_equal(kk_vfs_write(f, "++", 2, &done), 0);
        assert_int_equal(kk_vfs_read(f, buf, 1, &done), KK_EBADF);
        kk_vfs_close(f);
        expect_file(e, NULL, p, "hello!++");
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDONLY, &f), 0);
        assert_int_equal(kk_vfs_write(f, "x", 1, &done), KK_EBADF);
        assert_int_equal(kk_vfs_ftruncate(f, 0), KK_EBADF);
        assert_int_equal(kk_vfs_readdir(f, &(struct kk_vfs_dirent){0}), KK_ENOTDIR);
        kk_vfs_close(f);
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDWR | KK_O_TRUNC, &f), 0);
        assert_int_equal(kk_vfs_fstat(f, &st), 0);
        assert_int_equal(st.size, 0);
        assert_int_equal(kk_vfs_fsync(f), 0);
        kk_vfs_close(f);
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDONLY | KK_O_DIRECTORY, &f), KK_ENOTDIR);
        assert_int_equal(kk_vfs_unlink(e->v, NULL, p), 0);
    }
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt", KK_O_WRONLY, &f), KK_EISDIR);
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt", KK_O_RDWR | KK_O_ACCMODE, &f), KK_EINVAL);
    assert_int_equal(kk_vfs_open(e->v, NULL, "/nope", KK_O_RDONLY, &f), KK_ENOENT);
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt", KK_O_RDONLY, &f), 0);
    int n = 0;
    struct kk_vfs_dirent d;
    while (kk_vfs_readdir(f, &d) == 1)
        n++;
    assert_int_equal(n, 2); /* "." and ".." */
    assert_int_equal(kk_vfs_read(f, buf, 1, &done), KK_EISDIR);
    kk_vfs_close(f);
}

/* Offsets at the edges of int64 and lengths near SIZE_MAX: clean errors, no overflow. */
static void test_seek_and_len_limits(void **state)
{
    struct env *e = *state;
    struct kk_vfs_file *f;
    char buf[8];
    size_t done;
    uint64_t pos;
    for (int m = 0; m < 2; m++) {
        const char *p = m ? "/mnt/lim" : "/lim";
        put_file(e, p, "abcdef");
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDWR, &f), 0);
        assert_int_equal(kk_vfs_seek(f, INT64_MAX, KK_SEEK_SET, &pos), 0);
        assert_true(pos == (uint64_t)INT64_MAX);
        assert_int_equal(kk_vfs_seek(f, 1, KK_SEEK_CUR, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_seek(f, INT64_MAX, KK_SEEK_CUR, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_seek(f, INT64_MAX, KK_SEEK_END, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_seek(f, INT64_MIN, KK_SEEK_CUR, &pos), KK_EINVAL);
        assert_int_equal(kk_vfs_seek(f, -INT64_MAX, KK_SEEK_CUR, &pos), 0);
        assert_true(pos == 0);
        assert_int_equal(kk_vfs_seek(f, 2, KK_SEEK_SET, &pos), 0);
        if (m) { /* SFS: a length that wraps off + len reads up to EOF / is too big to write */
            assert_int_equal(kk_vfs_read(f, buf, SIZE_MAX, &done), 0);
            assert_int_equal(done, 4);
            assert_memory_equal(buf, "cdef", 4);
            assert_int_equal(kk_vfs_seek(f, 2, KK_SEEK_SET, &pos), 0);
            assert_int_equal(kk_vfs_write(f, buf, SIZE_MAX, &done), KK_EFBIG);
            assert_int_equal(done, 0);
        }
        kk_vfs_close(f);
        expect_file(e, NULL, p, "abcdef");
        assert_int_equal(kk_vfs_unlink(e->v, NULL, p), 0);
    }
}

/* "/" has no name in a parent: removing or renaming it is refused as busy, not "exists". */
static void test_remove_root(void **state)
{
    struct env *e = *state;
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/"), KK_EBUSY);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "//"), KK_EBUSY);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/"), KK_EISDIR);
    assert_int_equal(kk_vfs_rename(e->v, NULL, "/", "/x"), KK_EBUSY);
    put_file(e, "/y", "y");
    assert_int_equal(kk_vfs_rename(e->v, NULL, "/y", "/"), KK_EBUSY);
    expect_file(e, NULL, "/y", "y");
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/y"), 0);
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/"), KK_EEXIST);
}

static void test_unlinked_open(void **state)
{
    struct env *e = *state;
    struct kk_vfs_file *f;
    char buf[16];
    size_t done;
    long live;
    for (int m = 0; m < 2; m++) {
        const char *p = m ? "/mnt/u" : "/u";
        put_file(e, p, "still here");
        live = e->mem.live;
        assert_int_equal(kk_vfs_open(e->v, NULL, p, KK_O_RDONLY, &f), 0);
        assert_int_equal(kk_vfs_unlink(e->v, NULL, p), 0);
        assert_int_equal(kk_vfs_stat(e->v, NULL, p, 1, &(struct kk_vfs_stat){0}), KK_ENOENT);
        struct kk_vfs_stat st;
        assert_int_equal(kk_vfs_fstat(f, &st), 0);
        assert_int_equal(st.nlinks, 0);
        assert_int_equal(kk_vfs_read(f, buf, sizeof(buf), &done), 0);
        assert_int_equal(done, 10);
        assert_memory_equal(buf, "still here", 10);
        kk_vfs_close(f);
        if (!m)
            assert_int_equal(e->mem.live, live - 1);
    }
    assert_int_equal(kk_vfs_sync(e->v), 0);
}

static void test_rename_link(void **state)
{
    struct env *e = *state;
    put_file(e, "/mnt/a", "A");
    put_file(e, "/mnt/b", "B");
    assert_int_equal(kk_vfs_rename(e->v, NULL, "/mnt/a", "/mnt/b"), 0);
    expect_file(e, NULL, "/mnt/b", "A");
    assert_int_equal(kk_vfs_link(e->v, NULL, "/mnt/b", "/mnt/c"), 0);
    assert_int_equal(kk_vfs_link(e->v, NULL, "/mnt", "/mnt/d"), KK_EPERM);
    struct kk_vfs_stat st;
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/mnt/c", 1, &st), 0);
    assert_int_equal(st.nlinks, 2);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/b"), 0);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/c"), 0);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt"), KK_EBUSY);
}

static void test_node_get(void **state)
{
    struct env *e = *state;
    struct kk_vfs_node *cwd, *copy;
    struct kk_vfs_stat a, b;
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mnt/d"), 0);
    put_file(e, "/mnt/d/f", "dup");
    assert_int_equal(kk_vfs_lookup(e->v, NULL, "/mnt/d", 1, &cwd), 0);
    assert_int_equal(kk_vfs_node_get(NULL, &copy), KK_EINVAL);
    assert_int_equal(kk_vfs_node_get(cwd, NULL), KK_EINVAL);
    assert_int_equal(kk_vfs_node_get(cwd, &copy), 0);
    assert_ptr_not_equal(copy, cwd);
    kk_vfs_node_put(cwd); /* the copy stays valid on its own */
    assert_int_equal(kk_vfs_node_stat(copy, &b), 0);
    assert_int_equal(kk_vfs_stat(e->v, NULL, "/mnt/d", 1, &a), 0);
    assert_int_equal(a.ino, b.ino);
    expect_file(e, copy, "f", "dup");
    expect_file(e, copy, "../d/f", "dup");
    assert_int_equal(kk_vfs_umount(e->v, NULL, "/mnt"), KK_EBUSY); /* copy holds it */
    kk_vfs_node_put(copy);
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/d/f"), 0);
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt/d"), 0);
}

/* getdents-style reader: at most @cap entries per call, none lost. */
static int getdents(struct kk_vfs_file *f, char names[][KK_VFS_NAME_MAX + 1], int cap)
{
    struct kk_vfs_dirent d;
    uint64_t next;
    int n = 0, rc;
    for (;;) {
        rc = kk_vfs_readdir_peek(f, &d, &next);
        if (rc <= 0 || n == cap)
            break; /* a full buffer keeps the peeked entry for the next call */
        strcpy(names[n++], d.name);
        assert_int_equal(kk_vfs_seek(f, (int64_t)next, KK_SEEK_SET, NULL), 0);
    }
    assert_true(rc >= 0);
    return n;
}

static void test_readdir_peek(void **state)
{
    struct env *e = *state;
    const char *dirs[] = {"/pd", "/mnt/pd"};
    char names[64][KK_VFS_NAME_MAX + 1], path[64];
    for (int m = 0; m < 2; m++) {
        struct kk_vfs_file *f;
        struct kk_vfs_dirent d, d2;
        uint64_t c = 0, next, pos;
        int total = 0, got, seen = 0, nfiles = 7, dots = m ? 2 : 0; /* memfs lists no dots */
        assert_int_equal(kk_vfs_mkdir(e->v, NULL, dirs[m]), 0);
        for (int i = 0; i < nfiles; i++) {
            snprintf(path, sizeof(path), "%s/f%d", dirs[m], i);
            put_file(e, path, "x");
        }
        assert_int_equal(kk_vfs_open(e->v, NULL, dirs[m], KK_O_RDONLY, &f), 0);
        /* peek does not consume: two peeks give the same entry */
        assert_int_equal(kk_vfs_readdir_peek(f, &d, &next), 1);
        assert_int_equal(kk_vfs_readdir_peek(f, &d2, NULL), 1);
        assert_string_equal(d.name, d2.name);
        assert_int_equal(kk_vfs_seek(f, 0, KK_SEEK_CUR, &pos), 0);
        assert_int_equal(pos, 0);
        /* buffers of 3 entries: every entry comes exactly once */
        while ((got = getdents(f, names + total, 3)) > 0) {
            assert_true(got <= 3);
            total += got;
            assert_true(total <= nfiles + dots);
        }
        assert_int_equal(total, nfiles + dots);
        for (int i = 0; i < total; i++)
            for (int j = i + 1; j < total; j++)
                assert_string_not_equal(names[i], names[j]);
        assert_int_equal(kk_vfs_readdir(f, &d), 0);
        /* readdir_at ignores and keeps the position */
        while (kk_vfs_readdir_at(f, &c, &d) == 1) {
            assert_string_equal(d.name, names[seen]);
            seen++;
        }
        assert_int_equal(seen, total);
        assert_int_equal(kk_vfs_readdir(f, &d), 0);
        assert_int_equal(kk_vfs_seek(f, 0, KK_SEEK_SET, NULL), 0);
        assert_int_equal(kk_vfs_readdir(f, &d), 1);
        assert_string_equal(d.name, names[0]);
        assert_int_equal(kk_vfs_readdir_at(f, NULL, &d), KK_EINVAL);
        assert_int_equal(kk_vfs_readdir_peek(NULL, &d, NULL), KK_EINVAL);
        kk_vfs_close(f);
        snprintf(path, sizeof(path), "%s/f0", dirs[m]);
        assert_int_equal(kk_vfs_open(e->v, NULL, path, KK_O_RDONLY, &f), 0);
        assert_int_equal(kk_vfs_readdir_peek(f, &d, NULL), KK_ENOTDIR);
        c = 0;
        assert_int_equal(kk_vfs_readdir_at(f, &c, &d), KK_ENOTDIR);
        kk_vfs_close(f);
        for (int i = 0; i < nfiles; i++) {
            snprintf(path, sizeof(path), "%s/f%d", dirs[m], i);
            assert_int_equal(kk_vfs_unlink(e->v, NULL, path), 0);
        }
        assert_int_equal(kk_vfs_rmdir(e->v, NULL, dirs[m]), 0);
    }
}

/* SFS cookies are slot numbers: a saved position survives creates and unlinks. */
static void test_readdir_cookie_stable(void **state)
{
    struct env *e = *state;
    struct kk_vfs_file *f;
    struct kk_vfs_dirent d;
    char path[64], seen[16][KK_VFS_NAME_MAX + 1];
    uint64_t cookie = 0;
    int n = 0, rc;
    assert_int_equal(kk_vfs_mkdir(e->v, NULL, "/mnt/cs"), 0);
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof(path), "/mnt/cs/f%d", i);
        put_file(e, path, "x");
    }
    assert_int_equal(kk_vfs_open(e->v, NULL, "/mnt/cs", KK_O_RDONLY, &f), 0);
    for (int i = 0; i < 4; i++) { /* ".", "..", f0, f1 */
        assert_int_equal(kk_vfs_readdir_at(f, &cookie, &d), 1);
        strcpy(seen[n++], d.name);
    }
    assert_string_equal(seen[3], "f1");
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/cs/f0"), 0); /* before the cookie */
    assert_int_equal(kk_vfs_unlink(e->v, NULL, "/mnt/cs/f3"), 0); /* after it */
    put_file(e, "/mnt/cs/new", "y");                              /* reuses f0's slot */
    while ((rc = kk_vfs_readdir_at(f, &cookie, &d)) == 1) {
        for (int i = 0; i < n; i++)
            assert_string_not_equal(seen[i], d.name);
        assert_string_not_equal(d.name, "f3");
        assert_string_not_equal(d.name, "new"); /* landed before the cookie */
        strcpy(seen[n++], d.name);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 4 + 3); /* f2, f4, f5 */
    kk_vfs_close(f);
    const char *left[] = {"f1", "f2", "f4", "f5", "new"};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "/mnt/cs/%s", left[i]);
        assert_int_equal(kk_vfs_unlink(e->v, NULL, path), 0);
    }
    assert_int_equal(kk_vfs_rmdir(e->v, NULL, "/mnt/cs"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paths_and_mounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seek_and_len_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlinked_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readdir_peek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readdir_cookie_stable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
