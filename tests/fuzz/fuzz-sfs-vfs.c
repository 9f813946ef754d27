/*
 * fuzz-sfs-vfs.c: libFuzzer entry point driving VFS path resolution and the
 * namespace operations over a mutated SFS image.
 *
 * Input: [packed image][op script][script length byte]. The last byte L is
 * the script length (clamped); the L bytes before it are the script; the
 * rest is the image, packed: each 512-byte chunk is the start of one 4096-byte
 * device block (the rest of the block zero), so a 64-block image with its
 * tree fits in a few KB (SFS keeps superblock, inode, entry and indirect
 * fields at the start of a block). The device has at least 64 blocks.
 *
 * The image is mounted at "/" of a VFS; the script runs lookups of
 * multi-component paths (names from a fixed table and from readdir),
 * create, mkdir, link, symlink, rename, unlink, rmdir, readdir, readlink,
 * read, chdir and kk_sfs_check(). No crash, no leak; when the image was
 * clean before (kk_sfs_fsck read-only), kk_sfs_check() must pass after every
 * op and the image must still be clean after unmount.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/sfs.h>
#include <kernkit/vfs.h>
#include "ramdev.h"

#define CHUNK      512u
#define MIN_BLOCKS 64u
#define MAX_BLOCKS 256u
#define NNAMES     32u
#define PATHLEN    (4 * (KK_VFS_NAME_MAX + 2) + 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    struct kk_vfs *v;
    struct kk_sfs *fs;
    struct kk_vfs_node *cwd;
    const uint8_t *s;
    size_t n, i;
    char names[NNAMES][KK_VFS_NAME_MAX + 2];
    unsigned nfound;
    char path[PATHLEN];
    char path2[PATHLEN];
    char buf[8192];
};

static const char *const fixed[] = {"a", "b", "c", ".", "..", "lost+found", "d", "", NULL};

static unsigned next(struct run *r)
{
    return r->i < r->n ? r->s[r->i++] : 0;
}

static const char *name_at(struct run *r, unsigned k)
{
    static const char *const none = "zz";
    unsigned nf = (unsigned)(sizeof(fixed) / sizeof(fixed[0])) - 1;
    k %= nf + 2 + NNAMES;
    if (k < nf)
        return fixed[k];
    if (k == nf) { /* the longest legal name */
        memset(r->buf, 'n', KK_VFS_NAME_MAX);
        r->buf[KK_VFS_NAME_MAX] = '\0';
        return r->buf;
    }
    if (k == nf + 1) { /* one byte too long */
        memset(r->buf, 'm', KK_VFS_NAME_MAX + 1);
        r->buf[KK_VFS_NAME_MAX + 1] = '\0';
        return r->buf;
    }
    k -= nf + 2;
    return k < r->nfound ? r->names[k] : none;
}

/* A path: one byte (bit 7 absolute, bits 0-1 depth-1, bit 2 trailing '/'),
 * then one name byte per component. */
static const char *make_path(struct run *r, char *out)
{
    unsigned h = next(r), depth = (h & 3) + 1;
    size_t len = 0;
    if (h & 0x80)
        out[len++] = '/';
    for (unsigned d = 0; d < depth; d++) {
        const char *c = name_at(r, next(r));
        size_t cl = strlen(c);
        if (d)
            out[len++] = '/';
        memcpy(out + len, c, cl);
        len += cl;
    }
    if (h & 4)
        out[len++] = '/';
    out[len] = '\0';
    return out;
}

static void remember(struct run *r, const char *name)
{
    size_t l = strlen(name);
    if (l > KK_VFS_NAME_MAX)
        abort(); /* readdir returned a name longer than the VFS allows */
    memcpy(r->names[r->nfound % NNAMES], name, l + 1);
    if (r->nfound < NNAMES)
        r->nfound++;
}

static void do_readdir(struct run *r, const char *p)
{
    struct kk_vfs_file *f;
    struct kk_vfs_dirent ent;
    if (kk_vfs_open(r->v, r->cwd, p, KK_O_RDONLY | KK_O_DIRECTORY, &f) != 0)
        return;
    for (int k = 0; k < 512 && kk_vfs_readdir(f, &ent) > 0; k++)
        remember(r, ent.name);
    kk_vfs_close(f);
}

static void do_read(struct run *r, const char *p, int flags)
{
    struct kk_vfs_file *f;
    size_t done = 0;
    if (kk_vfs_open(r->v, r->cwd, p, flags, &f) != 0)
        return;
    if ((flags & KK_O_ACCMODE) != KK_O_RDONLY)
        kk_vfs_write(f, "fuzz-data", 1 + next(r) % 9, &done);
    else
        kk_vfs_read(f, r->buf, sizeof(r->buf), &done);
    kk_vfs_close(f);
}

static void step(struct run *r, unsigned op)
{
    const char *a, *b;
    struct kk_vfs_stat st;
    struct kk_vfs_node *n;
    switch (op % 13) {
    case 0:
        kk_vfs_stat(r->v, r->cwd, make_path(r, r->path), next(r) & 1, &st);
        break;
    case 1:
        a = make_path(r, r->path);
        do_read(r, a, KK_O_CREAT | KK_O_RDWR | ((next(r) & 1) ? KK_O_EXCL : KK_O_APPEND));
        break;
    case 2:
        kk_vfs_mkdir(r->v, r->cwd, make_path(r, r->path));
        break;
    case 3:
        a = make_path(r, r->path);
        b = make_path(r, r->path2);
        kk_vfs_link(r->v, r->cwd, a, b);
        break;
    case 4:
        a = make_path(r, r->path);
        b = make_path(r, r->path2);
        kk_vfs_symlink(r->v, r->cwd, a, b);
        break;
    case 5:
        a = make_path(r, r->path);
        b = make_path(r, r->path2);
        kk_vfs_rename(r->v, r->cwd, a, b);
        break;
    case 6:
        kk_vfs_unlink(r->v, r->cwd, make_path(r, r->path));
        break;
    case 7:
        kk_vfs_rmdir(r->v, r->cwd, make_path(r, r->path));
        break;
    case 8:
        do_readdir(r, make_path(r, r->path));
        break;
    case 9:
        kk_vfs_readlink(r->v, r->cwd, make_path(r, r->path), r->buf, next(r) % 64);
        break;
    case 10:
        do_read(r, make_path(r, r->path), KK_O_RDONLY);
        break;
    case 11:
        if (kk_vfs_lookup(r->v, r->cwd, make_path(r, r->path), 1, &n) == 0) {
            if (kk_vfs_node_stat(n, &st) == 0 && st.type == KK_VFS_DIR) {
                if (r->cwd)
                    kk_vfs_node_put(r->cwd);
                r->cwd = n;
            } else {
                kk_vfs_node_put(n);
            }
        }
        break;
    default:
        if (r->cwd) {
            kk_vfs_node_put(r->cwd);
            r->cwd = NULL;
        }
        break;
    }
}

static int fsck_ro(const struct kk_blockdev *dev, const struct kk_fs_platform *p)
{
    struct kk_sfs_fsck_opts o = {0};
    o.size = sizeof(o);
    o.plat = p;
    return kk_sfs_fsck(dev, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct testplat tp;
    static struct run r;
    struct kk_sfs_config cfg = {0};
    struct ramdev *rd;
    size_t slen, ilen;
    int clean;
    if (size < 1)
        return 0;
    slen = data[size - 1];
    if (slen > size - 1)
        slen = size - 1;
    ilen = size - 1 - slen;
    rd = ramdev_from_chunks(data, ilen, CHUNK, MIN_BLOCKS, MAX_BLOCKS, KK_SFS_BLKSIZE);
    if (rd == NULL)
        return 0;
    testplat_init(&tp, false);
    clean = fsck_ro(&rd->dev, &tp.p) == KK_SFS_FSCK_CLEAN;
    cfg.size = sizeof(cfg);
    cfg.dev = &rd->dev;
    cfg.plat = &tp.p;
    memset(&r, 0, offsetof(struct run, names));
    r.nfound = 0;
    if (kk_sfs_mount(&cfg, &r.fs) == 0) {
        r.s = data + ilen;
        r.n = slen;
        if (kk_vfs_create(&tp.p, &r.v) == 0) {
            if (kk_vfs_mount(r.v, NULL, "/", kk_sfs_vfs_ops(), r.fs) == 0) {
                do_readdir(&r, "/");
                while (r.i < r.n) {
                    step(&r, next(&r));
                    if (clean && kk_sfs_check(r.fs) != 0) {
                        fprintf(stderr, "fuzz-sfs-vfs: check failed after op at %zu\n", r.i);
                        abort();
                    }
                }
                if (r.cwd)
                    kk_vfs_node_put(r.cwd);
                if (kk_vfs_umount(r.v, NULL, "/") != 0)
                    abort();
            }
            if (kk_vfs_destroy(r.v) != 0)
                abort();
        }
        if (kk_sfs_unmount(r.fs) != 0 && clean)
            abort();
        if (clean && fsck_ro(&rd->dev, &tp.p) != KK_SFS_FSCK_CLEAN) {
            fprintf(stderr, "fuzz-sfs-vfs: a clean image is no longer clean\n");
            abort();
        }
    }
    ramdev_free(rd);
    if (tp.live != 0)
        abort();
    return 0;
}
