/*
 * sfs_kernkit.c - uCore lab8's kern/fs/sfs over kernkit::sfs.
 *
 * Owns: the uCore side of the file system - sfs_init()/sfs_mount("disk0")
 * through vfs_mount(), struct fs callbacks, the inode_ops tables (file,
 * directory, symlink), disk0's d_io as a struct kk_blockdev, and kmalloc/kfree
 * plus uCore semaphores as a struct kk_fs_platform.
 * Promises: one struct inode per loaded inode number (uCore's VFS compares
 * pointers); every operation that changes the disk ends with kk_sfs_sync()
 * (write-through: uCore never calls fs_sync, and QEMU may be stopped at any
 * time), so the image on disk is always consistent for sfsck; a symlink or an
 * operation on the wrong inode type returns an error instead of panicking;
 * lookup resolves multi-component paths ("dir/sub/prog").
 * Callers: uCore's VFS only; kernkit error codes are mapped to uCore's E_*.
 */
#include <defs.h>
#include <string.h>
#include <stdio.h>
#include <list.h>
#include <stat.h>
#include <unistd.h>
#include <kmalloc.h>
#include <sem.h>
#include <vfs.h>
#include <dev.h>
#include <sfs.h>
#include <inode.h>
#include <iobuf.h>
#include <error.h>
#include <assert.h>

#include <kernkit/sfs.h>

static const struct inode_ops sfs_node_dirops;
static const struct inode_ops sfs_node_fileops;
static const struct inode_ops sfs_node_linkops;

/* kernkit (negative Linux-style codes) -> uCore (negative E_*). */
static int uerr(int kr)
{
    switch (kr) {
    case 0:
        return 0;
    case KK_ENOENT:
        return -E_NOENT;
    case KK_ENOTDIR:
        return -E_NOTDIR;
    case KK_EISDIR:
        return -E_ISDIR;
    case KK_EEXIST:
        return -E_EXISTS;
    case KK_ENOTEMPTY:
        return -E_NOTEMPTY;
    case KK_ENOMEM:
        return -E_NO_MEM;
    case KK_ENOSPC:
        return -E_NO_MEM; /* uCore's SFS reports a full disk so too */
    case KK_EXDEV:
        return -E_XDEV;
    case KK_EBUSY:
        return -E_BUSY;
    case KK_EFBIG:
    case KK_ENAMETOOLONG:
        return -E_TOO_BIG;
    case KK_ENOSYS:
    case KK_ENOTSUP:
        return -E_UNIMP;
    case KK_ESPIPE:
        return -E_SEEK;
    case KK_EIO:
        return -E_NA_DEV;
    default:
        return -E_INVAL;
    }
}

/* ---- platform: kmalloc/kfree and uCore semaphores ---- */

static void *plat_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return kmalloc(size ? size : 1);
}

static void plat_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx, (void)size;
    if (ptr != NULL) {
        kfree(ptr);
    }
}

static void *plat_lock_new(void *ctx)
{
    (void)ctx;
    semaphore_t *s = kmalloc(sizeof(semaphore_t));
    if (s != NULL) {
        sem_init(s, 1);
    }
    return s;
}

static void plat_lock_free(void *ctx, void *lock)
{
    (void)ctx;
    kfree(lock);
}

static void plat_lock(void *ctx, void *lock)
{
    (void)ctx;
    down((semaphore_t *)lock);
}

static void plat_unlock(void *ctx, void *lock)
{
    (void)ctx;
    up((semaphore_t *)lock);
}

static void plat_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    cprintf("kernkit sfs (%d): %s\n", level, msg);
}

/* ---- block device: disk0's d_io ---- */

static int dev_rw(struct device *dev, uint64_t blkno, uint32_t count, void *buf, bool write)
{
    if (blkno + count > dev->d_blocks || (blkno + count) * SFS_BLKSIZE > 0x7fffffffull) {
        return KK_EINVAL;
    }
    struct iobuf iob;
    iobuf_init(&iob, buf, (size_t)count * SFS_BLKSIZE, (off_t)(blkno * SFS_BLKSIZE));
    return dop_io(dev, &iob, write) == 0 ? 0 : KK_EIO;
}

static int bdev_read(void *ctx, uint64_t blkno, uint32_t count, void *buf)
{
    return dev_rw(ctx, blkno, count, buf, 0);
}

static int bdev_write(void *ctx, uint64_t blkno, uint32_t count, const void *buf)
{
    return dev_rw(ctx, blkno, count, (void *)buf, 1);
}

/* ---- inodes ---- */

static struct sfs_fs *node_sfs(struct inode *node)
{
    return fsop_info(vop_fs(node), sfs);
}

static struct sfs_inode *node_sin(struct inode *node)
{
    return vop_info(node, sfs_inode);
}

static int fs_sync_all(struct sfs_fs *sfs)
{
    return uerr(kk_sfs_sync(sfs->kfs));
}

static const struct inode_ops *ops_of(uint16_t type)
{
    switch (type) {
    case KK_SFS_TYPE_DIR:
        return &sfs_node_dirops;
    case KK_SFS_TYPE_FILE:
        return &sfs_node_fileops;
    default:
        return &sfs_node_linkops; /* symlinks (and anything else): errors, no panic */
    }
}

/*
 * The uCore inode for kernkit reference @kin (consumed): the loaded one with a
 * new VFS reference, or a new one holding @kin.
 */
static int load_inode(struct sfs_fs *sfs, struct fs *fs, struct kk_sfs_inode *kin,
                      struct inode **node_store)
{
    struct kk_sfs_stat st;
    int ret = kk_sfs_stat(kin, &st);
    if (ret != 0) {
        kk_sfs_put(kin);
        return uerr(ret);
    }
    down(&sfs->mutex_sem);
    list_entry_t *le = &sfs->inode_list;
    while ((le = list_next(le)) != &sfs->inode_list) {
        struct sfs_inode *sin = to_struct(le, struct sfs_inode, inode_link);
        if (sin->ino == st.ino) {
            struct inode *node = info2node(sin, sfs_inode);
            vop_ref_inc(node);
            up(&sfs->mutex_sem);
            kk_sfs_put(kin);
            *node_store = node;
            return 0;
        }
    }
    struct inode *node = alloc_inode(sfs_inode);
    if (node == NULL) {
        up(&sfs->mutex_sem);
        kk_sfs_put(kin);
        return -E_NO_MEM;
    }
    struct sfs_inode *sin = vop_info(node, sfs_inode);
    sin->kin = kin, sin->ino = st.ino, sin->type = st.type;
    vop_init(node, ops_of(st.type), fs);
    list_add(&sfs->inode_list, &sin->inode_link);
    up(&sfs->mutex_sem);
    *node_store = node;
    return 0;
}

static int sfs_reclaim(struct inode *node)
{
    struct sfs_fs *sfs = node_sfs(node);
    struct sfs_inode *sin = node_sin(node);
    down(&sfs->mutex_sem);
    if (inode_ref_count(node) != 0) { /* found again by a lookup meanwhile */
        up(&sfs->mutex_sem);
        return -E_BUSY;
    }
    list_del(&sin->inode_link);
    up(&sfs->mutex_sem);
    kk_sfs_put(sin->kin);
    vop_kill(node);
    return fs_sync_all(sfs);
}

/* ---- operations for every type ---- */

static int sfs_openfile(struct inode *node, uint32_t open_flags)
{
    (void)node, (void)open_flags;
    return 0;
}

static int sfs_opendir(struct inode *node, uint32_t open_flags)
{
    (void)node;
    if ((open_flags & O_ACCMODE) != O_RDONLY || (open_flags & O_APPEND)) {
        return -E_ISDIR;
    }
    return 0;
}

static int sfs_openlink(struct inode *node, uint32_t open_flags)
{
    (void)node, (void)open_flags;
    return -E_UNIMP; /* uCore's VFS does not follow symlinks */
}

static int sfs_fsync(struct inode *node)
{
    return uerr(kk_sfs_fsync(node_sin(node)->kin));
}

static int sfs_close(struct inode *node)
{
    return sfs_fsync(node);
}

static int sfs_gettype(struct inode *node, uint32_t *type_store)
{
    switch (node_sin(node)->type) {
    case KK_SFS_TYPE_DIR:
        *type_store = S_IFDIR;
        return 0;
    case KK_SFS_TYPE_FILE:
        *type_store = S_IFREG;
        return 0;
    case KK_SFS_TYPE_LINK:
        *type_store = S_IFLNK;
        return 0;
    default:
        return -E_INVAL;
    }
}

static int sfs_fstat(struct inode *node, struct stat *stat)
{
    struct kk_sfs_stat st;
    int ret;
    memset(stat, 0, sizeof(struct stat));
    if ((ret = sfs_gettype(node, &stat->st_mode)) != 0) {
        return ret;
    }
    if ((ret = kk_sfs_stat(node_sin(node)->kin, &st)) != 0) {
        return uerr(ret);
    }
    stat->st_nlinks = st.nlinks, stat->st_blocks = st.blocks, stat->st_size = st.size;
    return 0;
}

static int sfs_notfile(struct inode *node)
{
    return node_sin(node)->type == KK_SFS_TYPE_DIR ? -E_ISDIR : -E_INVAL;
}

static int sfs_bad_iob(struct inode *node, struct iobuf *iob)
{
    (void)iob;
    return sfs_notfile(node);
}

static int sfs_bad_ioctl(struct inode *node, int op, void *data)
{
    (void)node, (void)op, (void)data;
    return -E_INVAL;
}

/* ---- files ---- */

static int sfs_read(struct inode *node, struct iobuf *iob)
{
    size_t done = 0;
    if (iob->io_offset < 0) {
        return -E_INVAL;
    }
    int ret = kk_sfs_read(node_sin(node)->kin, (uint64_t)iob->io_offset, iob->io_base,
                          iob->io_resid, &done);
    if (done != 0) {
        iobuf_skip(iob, done);
    }
    return uerr(ret);
}

static int sfs_write(struct inode *node, struct iobuf *iob)
{
    size_t done = 0;
    if (iob->io_offset < 0 || iob->io_offset >= (off_t)SFS_MAX_FILE_SIZE) {
        return -E_INVAL;
    }
    size_t len = iob->io_resid;
    if (len > SFS_MAX_FILE_SIZE - (size_t)iob->io_offset) {
        len = SFS_MAX_FILE_SIZE - (size_t)iob->io_offset;
    }
    int ret = kk_sfs_write(node_sin(node)->kin, (uint64_t)iob->io_offset, iob->io_base, len, &done);
    if (done != 0) {
        iobuf_skip(iob, done);
    }
    int sret = fs_sync_all(node_sfs(node));
    return ret != 0 ? uerr(ret) : sret;
}

static int sfs_truncfile(struct inode *node, off_t len)
{
    if (len < 0 || len > (off_t)SFS_MAX_FILE_SIZE) {
        return -E_INVAL;
    }
    int ret = uerr(kk_sfs_truncate(node_sin(node)->kin, (uint64_t)len));
    int sret = fs_sync_all(node_sfs(node));
    return ret != 0 ? ret : sret;
}

static int sfs_tryseek(struct inode *node, off_t pos)
{
    struct kk_sfs_stat st;
    if (pos < 0 || pos >= (off_t)SFS_MAX_FILE_SIZE) {
        return -E_INVAL;
    }
    int ret = kk_sfs_stat(node_sin(node)->kin, &st);
    if (ret != 0) {
        return uerr(ret);
    }
    return (uint32_t)pos > st.size ? sfs_truncfile(node, pos) : 0;
}

static int sfs_bad_trunc(struct inode *node, off_t len)
{
    (void)len;
    return sfs_notfile(node);
}

static int sfs_bad_seek(struct inode *node, off_t pos)
{
    (void)pos;
    return sfs_notfile(node);
}

/* ---- directories ---- */

/* Copy the next component of *pathp (before end) into name; 0, 1 at the end, or an error. */
static int next_name(const char **pathp, const char *end, char *name)
{
    const char *p = *pathp;
    size_t n = 0;
    while (p < end && *p == '/') {
        p++;
    }
    if (p == end) {
        return 1;
    }
    while (p + n < end && p[n] != '/') {
        if (n == KK_SFS_MAX_NAME) {
            return -E_TOO_BIG;
        }
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    *pathp = p + n;
    return 0;
}

/*
 * Walk the @len bytes of @path (any number of components) from @node; a
 * kernkit reference on success.
 */
static int walk(struct inode *node, const char *path, size_t len, struct kk_sfs_inode **out)
{
    char name[KK_SFS_MAX_NAME + 1];
    const char *end = path + len;
    struct kk_sfs_inode *cur = node_sin(node)->kin, *next;
    int ret;
    kk_sfs_ref(cur);
    while ((ret = next_name(&path, end, name)) == 0) {
        ret = kk_sfs_lookup(cur, name, &next);
        kk_sfs_put(cur);
        if (ret != 0) {
            return uerr(ret);
        }
        cur = next;
    }
    if (ret < 0) {
        kk_sfs_put(cur);
        return ret;
    }
    *out = cur;
    return 0;
}

static int sfs_lookup(struct inode *node, char *path, struct inode **node_store)
{
    struct kk_sfs_inode *kin;
    int ret;
    if (node_sin(node)->type != KK_SFS_TYPE_DIR) {
        return -E_NOTDIR;
    }
    if ((ret = walk(node, path, strlen(path), &kin)) != 0) {
        return ret;
    }
    return load_inode(node_sfs(node), vop_fs(node), kin, node_store);
}

/*
 * uCore's vfs_open() passes everything after the start directory as @name
 * ("d1/d2/file"): walk to the parent, then create the last component.
 */
static int sfs_create(struct inode *node, const char *name, bool excl, struct inode **node_store)
{
    struct sfs_fs *sfs = node_sfs(node);
    struct kk_sfs_inode *dir, *kin;
    const char *leaf = name, *p;
    int ret;
    for (p = name; *p != '\0'; p++) {
        if (*p == '/') {
            leaf = p + 1;
        }
    }
    if ((ret = walk(node, name, (size_t)(leaf - name), &dir)) != 0) {
        return ret;
    }
    ret = kk_sfs_create(dir, leaf, &kin);
    if (ret == KK_EEXIST && !excl) {
        ret = kk_sfs_lookup(dir, leaf, &kin);
    }
    kk_sfs_put(dir);
    if (ret != 0) {
        return uerr(ret);
    }
    if ((ret = fs_sync_all(sfs)) != 0) {
        kk_sfs_put(kin);
        return ret;
    }
    return load_inode(sfs, vop_fs(node), kin, node_store);
}

/* The @slot-th used entry of @dir ("." and ".." count). */
static int nth_entry(struct kk_sfs_inode *dir, uint32_t slot, struct kk_sfs_dirent *ent)
{
    uint32_t cookie = 0;
    int ret;
    while ((ret = kk_sfs_readdir(dir, &cookie, ent)) == 1) {
        if (slot-- == 0) {
            return 0;
        }
    }
    return ret == 0 ? -E_NOENT : uerr(ret);
}

static int sfs_getdirentry(struct inode *node, struct iobuf *iob)
{
    struct kk_sfs_dirent *ent;
    off_t offset = iob->io_offset;
    const size_t dsize = KK_SFS_MAX_NAME + 1; /* uCore's sfs_dentry_size */
    int ret;
    if (offset < 0 || offset % dsize != 0) {
        return -E_INVAL;
    }
    if ((ent = kmalloc(sizeof(*ent))) == NULL) {
        return -E_NO_MEM;
    }
    memset(ent, 0, sizeof(*ent));
    if ((ret = nth_entry(node_sin(node)->kin, offset / dsize, ent)) == 0) {
        ret = iobuf_move(iob, ent->name, dsize, 1, NULL);
    }
    kfree(ent);
    return ret;
}

/* The name of @ino in directory @dir into ent. */
static int find_ino(struct kk_sfs_inode *dir, uint32_t ino, struct kk_sfs_dirent *ent)
{
    uint32_t cookie = 0;
    int ret;
    while ((ret = kk_sfs_readdir(dir, &cookie, ent)) == 1) {
        if (ent->ino == ino && strcmp(ent->name, ".") != 0 && strcmp(ent->name, "..") != 0) {
            return 0;
        }
    }
    return ret == 0 ? -E_NOENT : uerr(ret);
}

/*
 * Path from the root, in uCore's format: "/a/b/" written at io_base (NUL
 * terminated), the iobuf advanced by its length without the leading '/'.
 */
static int sfs_namefile(struct inode *node, struct iobuf *iob)
{
    struct kk_sfs_dirent *ent;
    struct kk_sfs_inode *cur = node_sin(node)->kin, *parent;
    struct kk_sfs_stat st;
    if (iob->io_resid <= 2 || (ent = kmalloc(sizeof(*ent))) == NULL) {
        return -E_NO_MEM;
    }
    char *ptr = (char *)iob->io_base + iob->io_resid;
    size_t alen, resid = iob->io_resid - 2;
    int ret;
    kk_sfs_ref(cur);
    for (;;) {
        if ((ret = uerr(kk_sfs_stat(cur, &st))) != 0 ||
            (ret = uerr(kk_sfs_lookup(cur, "..", &parent))) != 0) {
            break;
        }
        kk_sfs_put(cur);
        cur = parent;
        struct kk_sfs_stat pst;
        if ((ret = uerr(kk_sfs_stat(parent, &pst))) != 0) {
            break;
        }
        if (pst.ino == st.ino) { /* the root */
            break;
        }
        if ((ret = find_ino(parent, st.ino, ent)) != 0) {
            break;
        }
        if ((alen = strlen(ent->name) + 1) > resid) {
            ret = -E_NO_MEM;
            break;
        }
        resid -= alen, ptr -= alen;
        memcpy(ptr, ent->name, alen - 1);
        ptr[alen - 1] = '/';
    }
    kk_sfs_put(cur);
    kfree(ent);
    if (ret != 0) {
        return ret;
    }
    alen = iob->io_resid - resid - 2;
    ptr = memmove((char *)iob->io_base + 1, ptr, alen);
    ptr[-1] = '/', ptr[alen] = '\0';
    iobuf_skip(iob, alen);
    return 0;
}

static int sfs_bad_lookup(struct inode *node, char *path, struct inode **node_store)
{
    (void)node, (void)path, (void)node_store;
    return -E_NOTDIR;
}

static int sfs_bad_create(struct inode *node, const char *name, bool excl,
                          struct inode **node_store)
{
    (void)node, (void)name, (void)excl, (void)node_store;
    return -E_NOTDIR;
}

/* The slots every type fills alike. */
#define SFS_COMMON_OPS                                                                             \
    .vop_magic = VOP_MAGIC, .vop_close = sfs_close, .vop_fstat = sfs_fstat,                        \
    .vop_fsync = sfs_fsync, .vop_reclaim = sfs_reclaim, .vop_ioctl = sfs_bad_ioctl,                \
    .vop_gettype = sfs_gettype

static const struct inode_ops sfs_node_dirops = {
    SFS_COMMON_OPS,
    .vop_open = sfs_opendir,
    .vop_read = sfs_bad_iob,
    .vop_write = sfs_bad_iob,
    .vop_namefile = sfs_namefile,
    .vop_getdirentry = sfs_getdirentry,
    .vop_tryseek = sfs_bad_seek,
    .vop_truncate = sfs_bad_trunc,
    .vop_create = sfs_create,
    .vop_lookup = sfs_lookup,
};

static const struct inode_ops sfs_node_fileops = {
    SFS_COMMON_OPS,
    .vop_open = sfs_openfile,
    .vop_read = sfs_read,
    .vop_write = sfs_write,
    .vop_namefile = sfs_bad_iob,
    .vop_getdirentry = sfs_bad_iob,
    .vop_tryseek = sfs_tryseek,
    .vop_truncate = sfs_truncfile,
    .vop_create = sfs_bad_create,
    .vop_lookup = sfs_bad_lookup,
};

/* Symlinks: uCore's VFS cannot follow them; everything but stat gives an error. */
static const struct inode_ops sfs_node_linkops = {
    SFS_COMMON_OPS,
    .vop_open = sfs_openlink,
    .vop_read = sfs_bad_iob,
    .vop_write = sfs_bad_iob,
    .vop_namefile = sfs_bad_iob,
    .vop_getdirentry = sfs_bad_iob,
    .vop_tryseek = sfs_bad_seek,
    .vop_truncate = sfs_bad_trunc,
    .vop_create = sfs_bad_create,
    .vop_lookup = sfs_bad_lookup,
};

/* ---- struct fs ---- */

static int sfs_sync(struct fs *fs)
{
    return fs_sync_all(fsop_info(fs, sfs));
}

static struct inode *sfs_get_root(struct fs *fs)
{
    struct sfs_fs *sfs = fsop_info(fs, sfs);
    struct kk_sfs_inode *kin;
    struct inode *node;
    int ret = uerr(kk_sfs_root(sfs->kfs, &kin));
    if (ret != 0 || (ret = load_inode(sfs, fs, kin, &node)) != 0) {
        panic("load sfs root failed: %e", ret);
    }
    return node;
}

static int sfs_unmount(struct fs *fs)
{
    struct sfs_fs *sfs = fsop_info(fs, sfs);
    if (!list_empty(&sfs->inode_list)) {
        return -E_BUSY;
    }
    int ret = uerr(kk_sfs_unmount(sfs->kfs));
    kfree(sfs->bdev);
    kfree(sfs->plat);
    kfree(fs);
    return ret;
}

static void sfs_cleanup(struct fs *fs)
{
    int ret = sfs_sync(fs);
    if (ret != 0) {
        cprintf("sfs: sync error: '%e'.\n", ret);
    }
}

static int sfs_do_mount(struct device *dev, struct fs **fs_store)
{
    struct fs *fs;
    struct sfs_fs *sfs;
    int ret = -E_NO_MEM;
    if (dev->d_blocksize != SFS_BLKSIZE) {
        return -E_NA_DEV;
    }
    if ((fs = alloc_fs(sfs)) == NULL) {
        return -E_NO_MEM;
    }
    sfs = fsop_info(fs, sfs);
    sfs->dev = dev;
    sfs->bdev = kmalloc(sizeof(struct kk_blockdev));
    sfs->plat = kmalloc(sizeof(struct kk_fs_platform));
    if (sfs->bdev == NULL || sfs->plat == NULL) {
        goto failed;
    }
    memset(sfs->bdev, 0, sizeof(struct kk_blockdev));
    sfs->bdev->version = KK_BLOCKDEV_VERSION;
    sfs->bdev->block_size = SFS_BLKSIZE;
    sfs->bdev->nblocks = dev->d_blocks;
    sfs->bdev->ctx = dev;
    sfs->bdev->read = bdev_read;
    sfs->bdev->write = bdev_write;
    memset(sfs->plat, 0, sizeof(struct kk_fs_platform));
    sfs->plat->version = KK_FS_PLATFORM_VERSION;
    sfs->plat->alloc = plat_alloc;
    sfs->plat->free = plat_free;
    sfs->plat->lock_new = plat_lock_new;
    sfs->plat->lock_free = plat_lock_free;
    sfs->plat->lock = plat_lock;
    sfs->plat->unlock = plat_unlock;
    sfs->plat->log = plat_log;

    struct kk_sfs_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.size = sizeof(cfg);
    cfg.dev = sfs->bdev;
    cfg.plat = sfs->plat;
    if ((ret = uerr(kk_sfs_mount(&cfg, &sfs->kfs))) != 0) {
        goto failed;
    }
    /*
     * uCore's slob allocator never returns its pages, and init_main() checks
     * that the free page count is the same after the user programs: grow the
     * slob once now so that the inodes allocated per open fit in it.
     */
    void *warm[6];
    int i;
    for (i = 0; i < 6; i++) {
        warm[i] = kmalloc(1000);
    }
    for (i = 0; i < 6; i++) {
        if (warm[i] != NULL) {
            kfree(warm[i]);
        }
    }
    sem_init(&sfs->mutex_sem, 1);
    list_init(&sfs->inode_list);
    fs->fs_sync = sfs_sync;
    fs->fs_get_root = sfs_get_root;
    fs->fs_unmount = sfs_unmount;
    fs->fs_cleanup = sfs_cleanup;
    *fs_store = fs;
    return 0;

failed:
    if (sfs->bdev != NULL) {
        kfree(sfs->bdev);
    }
    if (sfs->plat != NULL) {
        kfree(sfs->plat);
    }
    kfree(fs);
    return ret;
}

int sfs_mount(const char *devname)
{
    return vfs_mount(devname, sfs_do_mount);
}

/* kern_init -> fs_init -> sfs_init: mount disk0 or stop. */
void sfs_init(void)
{
    int ret;
    if ((ret = sfs_mount("disk0")) != 0) {
        panic("failed: sfs: sfs_mount: %e.\n", ret);
    }
}
