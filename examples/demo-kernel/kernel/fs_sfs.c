/*
 * fs_sfs.c: the root file system: kernkit::sfs on the virtio-blk disk,
 * mounted at "/" of a kernkit::vfs instance. This file is glue only: the
 * kk_blockdev over the driver, the kk_fs_platform (heap + sleeping locks),
 * per-process current directories, and getdents() records packed from
 * kk_vfs_readdir_peek() entries (consumed once copied: none is lost).
 */
#include <kernkit/blockdev.h>
#include <kernkit/sfs.h>
#include <kernkit/vfs.h>

#include "fs.h"
#include "klock.h"
#include "mem.h"
#include "proc.h"
#include "virtio.h"

_Static_assert(O_CREAT == KK_O_CREAT && O_EXCL == KK_O_EXCL && O_TRUNC == KK_O_TRUNC &&
                   O_APPEND == KK_O_APPEND && O_RDWR == KK_O_RDWR,
               "user open flags are the VFS's");

static struct kk_vfs *vfs;
static struct kk_sfs *sfs;

struct fsh {
    struct kk_vfs_file *f;
};

static int bd_read(void *ctx, uint64_t blk, uint32_t n, void *buf)
{
    (void)ctx;
    return vblk_rw(blk, n, buf, false);
}
static int bd_write(void *ctx, uint64_t blk, uint32_t n, const void *buf)
{
    (void)ctx;
    return vblk_rw(blk, n, (void *)buf, true);
}
static int bd_submit(void *ctx, struct kk_blockdev_req *reqs, uint32_t n)
{
    (void)ctx;
    return vblk_submit(reqs, n);
}
static int bd_flush(void *ctx)
{
    (void)ctx;
    return vblk_flush();
}

static void *pl_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return kmalloc(n);
}
static void pl_free(void *ctx, void *p, size_t n)
{
    (void)ctx, (void)n;
    kfree(p);
}
static void *pl_lock_new(void *ctx)
{
    (void)ctx;
    struct kmutex *m = kmalloc(sizeof *m);
    if (m)
        kmutex_init(m, "fs");
    return m;
}
static void pl_lock_free(void *ctx, void *l)
{
    (void)ctx;
    kfree(l);
}
static void pl_lock(void *ctx, void *l)
{
    (void)ctx;
    kmutex_lock(l);
}
static void pl_unlock(void *ctx, void *l)
{
    (void)ctx;
    kmutex_unlock(l);
}
static void pl_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    kprintf("fs[%d]: %s\n", level, msg);
}

static struct kk_blockdev disk = {
    .version = KK_BLOCKDEV_VERSION,
    .block_size = VBLK_BLOCK,
    .read = bd_read,
    .write = bd_write,
    .flush = bd_flush,
    .submit = bd_submit,
};
static const struct kk_fs_platform plat = {
    .version = KK_FS_PLATFORM_VERSION,
    .alloc = pl_alloc,
    .free = pl_free,
    .lock_new = pl_lock_new,
    .lock_free = pl_lock_free,
    .lock = pl_lock,
    .unlock = pl_unlock,
    .log = pl_log,
};

int fs_init(void)
{
    struct kk_sfs_statfs st;
    disk.nblocks = vblk_nblocks();
    if (!disk.nblocks)
        return KK_ENODEV;
    struct kk_sfs_config cfg = {
        .size = sizeof cfg, .dev = &disk, .plat = &plat, .cache_blocks = 256};
    int rc = kk_sfs_mount(&cfg, &sfs);
    if (rc < 0)
        return rc;
    if ((rc = kk_vfs_create(&plat, &vfs)) < 0 ||
        (rc = kk_vfs_mount(vfs, NULL, "/", kk_sfs_vfs_ops(), sfs)) < 0)
        return rc;
    if (kk_sfs_statfs(sfs, &st) == 0)
        kprintf("sfs: %u blocks, %u free, \"%s\"\n", st.blocks, st.free_blocks, st.info);
    return 0;
}

void fs_sync(void)
{
    if (vfs) {
        int rc = kk_vfs_sync(vfs);
        if (rc < 0)
            kprintf("sync: %s\n", kk_strerror(rc));
    }
}

const char *fs_name(void)
{
    return "sfs on virtio-blk (kernkit::sfs under kernkit::vfs)";
}

int fs_proc_init(struct proc *p)
{
    struct kk_vfs_node *n;
    int rc = kk_vfs_lookup(vfs, NULL, "/", 1, &n);
    if (rc == 0)
        p->cwd = n;
    return rc;
}

void fs_proc_fork(struct proc *c, struct proc *p)
{
    struct kk_vfs_node *n = NULL;
    if (p->cwd && kk_vfs_node_get(p->cwd, &n) == 0)
        c->cwd = n;
    memcpy(c->cwd_path, p->cwd_path, sizeof c->cwd_path);
}

void fs_proc_exit(struct proc *p)
{
    if (p->cwd)
        kk_vfs_node_put(p->cwd);
    p->cwd = NULL;
}

int fs_open(struct proc *p, const char *path, int flags, void **out)
{
    struct fsh *h = kzalloc(sizeof *h);
    if (!h)
        return KK_ENOMEM;
    int rc = kk_vfs_open(vfs, p->cwd, path,
                         flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND), &h->f);
    if (rc < 0) {
        kfree(h);
        return rc;
    }
    *out = h;
    return 0;
}

int fs_read(void *hv, void *buf, size_t n)
{
    struct fsh *h = hv;
    size_t done = 0;
    int rc = kk_vfs_read(h->f, buf, n, &done);
    return done ? (int)done : rc;
}

int fs_write(void *hv, const void *buf, size_t n)
{
    struct fsh *h = hv;
    size_t done = 0;
    int rc = kk_vfs_write(h->f, buf, n, &done);
    return done ? (int)done : rc;
}

int64_t fs_lseek(void *hv, int64_t off, int whence)
{
    struct fsh *h = hv;
    uint64_t pos;
    int rc = kk_vfs_seek(h->f, off, whence, &pos);
    return rc < 0 ? rc : (int64_t)pos;
}

int fs_fstat(void *hv, struct stat *st)
{
    struct fsh *h = hv;
    struct kk_vfs_stat vs;
    int rc = kk_vfs_fstat(h->f, &vs);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof *st);
    st->type = vs.type == KK_VFS_DIR ? T_DIR : vs.type == KK_VFS_SYMLINK ? T_LINK : T_FILE;
    st->nlink = vs.nlinks;
    st->ino = vs.ino;
    st->size = vs.size;
    st->blocks = vs.blocks;
    return 0;
}

/* Pack entries into buf: peek at each, consume it only once it was copied. */
int fs_getdents(void *hv, void *buf, size_t n)
{
    struct fsh *h = hv;
    struct kk_vfs_dirent *ent = kmalloc(sizeof *ent);
    if (!ent)
        return KK_ENOMEM;
    size_t used = 0;
    int rc;
    uint64_t next;
    while ((rc = kk_vfs_readdir_peek(h->f, ent, &next)) > 0) {
        size_t len = strlen(ent->name) + 1;
        size_t rec = (sizeof(struct dirent) + len + 7) & ~7ul;
        if (used + rec > n) {
            rc = used ? 0 : KK_EINVAL;
            break;
        }
        struct dirent *d = (struct dirent *)((char *)buf + used);
        d->ino = (uint32_t)ent->ino;
        d->reclen = (uint16_t)rec;
        d->type = 0;
        memcpy(d->name, ent->name, len);
        used += rec;
        rc = kk_vfs_seek(h->f, (int64_t)next, KK_SEEK_SET, NULL);
        if (rc < 0)
            break;
    }
    kfree(ent);
    return used ? (int)used : rc;
}

void fs_close(void *hv)
{
    struct fsh *h = hv;
    kk_vfs_close(h->f);
    kfree(h);
}

int fs_mkdir(struct proc *p, const char *path)
{
    return kk_vfs_mkdir(vfs, p->cwd, path);
}

int fs_unlink(struct proc *p, const char *path)
{
    int rc = kk_vfs_unlink(vfs, p->cwd, path);
    return rc == KK_EISDIR ? kk_vfs_rmdir(vfs, p->cwd, path) : rc;
}

int fs_path2(struct proc *p, int op, const char *a, const char *b)
{
    switch (op) {
    case 0:
        return kk_vfs_rename(vfs, p->cwd, a, b);
    case 1:
        return kk_vfs_link(vfs, p->cwd, a, b);
    case 2:
        return kk_vfs_symlink(vfs, p->cwd, a, b);
    default:
        return KK_EINVAL;
    }
}

int fs_readlink(struct proc *p, const char *path, char *buf, size_t n)
{
    return kk_vfs_readlink(vfs, p->cwd, path, buf, n);
}

int fs_statfs(struct statfs *st)
{
    struct kk_sfs_statfs s;
    int rc = kk_sfs_statfs(sfs, &s);
    if (rc < 0)
        return rc;
    memset(st, 0, sizeof *st);
    st->block_size = s.block_size;
    st->blocks = s.blocks;
    st->free_blocks = s.free_blocks;
    st->name_max = s.name_max;
    strncpy0(st->info, s.info, sizeof st->info);
    return 0;
}

/* Keep the textual cwd for getcwd(): join and fold "." and "..". */
static void path_join(char *cwd, size_t size, const char *path)
{
    char out[sizeof((struct proc *)0)->cwd_path];
    size_t len = 0;
    if (path[0] != '/') {
        for (const char *s = cwd; *s && len + 1 < sizeof out; s++)
            out[len++] = *s;
        if (len > 0 && out[len - 1] == '/')
            len--;
    }
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t l = (size_t)(e - s);
        if (l == 0 || (l == 1 && s[0] == '.')) {
        } else if (l == 2 && s[0] == '.' && s[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
        } else if (len + l + 2 < sizeof out) {
            out[len++] = '/';
            memcpy(out + len, s, l);
            len += l;
        }
        s = e;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = 0;
    strncpy0(cwd, out, size);
}

int fs_chdir(struct proc *p, const char *path)
{
    struct kk_vfs_node *n;
    struct kk_vfs_stat st;
    int rc = kk_vfs_lookup(vfs, p->cwd, path, 1, &n);
    if (rc < 0)
        return rc;
    rc = kk_vfs_node_stat(n, &st);
    if (rc == 0 && st.type != KK_VFS_DIR)
        rc = KK_ENOTDIR;
    if (rc < 0) {
        kk_vfs_node_put(n);
        return rc;
    }
    if (p->cwd)
        kk_vfs_node_put(p->cwd);
    p->cwd = n;
    path_join(p->cwd_path, sizeof p->cwd_path, path);
    return 0;
}
