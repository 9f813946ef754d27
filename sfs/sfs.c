/*
 * sfs.c: format, mount, unmount and the public functions of kernkit::sfs.
 *
 * Owns the struct kk_sfs object and its lock. Every public function taking
 * a mount or an inode takes the mount lock for its whole duration, so the
 * layers below never see concurrent calls; no function calls back into the
 * host while holding anything but this lock (and the host's I/O callbacks).
 */
#include "sfs_int.h"

void *kk_sfs__alloc(struct kk_sfs *fs, size_t size)
{
    return fs->plat->alloc(fs->plat->ctx, size);
}

void kk_sfs__free(struct kk_sfs *fs, void *p, size_t size)
{
    if (p && fs->plat->free)
        fs->plat->free(fs->plat->ctx, p, size);
}

void kk_sfs__lock(struct kk_sfs *fs)
{
    if (fs->lock)
        fs->plat->lock(fs->plat->ctx, fs->lock);
}

void kk_sfs__unlock(struct kk_sfs *fs)
{
    if (fs->lock)
        fs->plat->unlock(fs->plat->ctx, fs->lock);
}

static bool plat_ok(const struct kk_fs_platform *p)
{
    if (!p || p->version < 1 || !p->alloc)
        return false;
    return !p->lock_new || (p->lock && p->unlock);
}

static void set_bit(uint8_t *m, uint32_t i)
{
    m[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Write the root inode and its "." and ".." blocks (at first_data, first_data + 1). */
static int format_root(const struct kk_blockdev *dev, uint32_t shift, uint32_t fd, uint8_t *blk)
{
    struct kk_sfs_disk_inode root;
    int rc;
    kk_memset(&root, 0, sizeof(root));
    root.type = KK_SFS_TYPE_DIR;
    root.nlinks = 2;
    root.blocks = 2;
    root.size = 2 * KK_SFS_DENTRY_SIZE;
    root.direct[0] = fd;
    root.direct[1] = fd + 1;
    kk_memset(blk, 0, KK_SFS_BLKSIZE);
    kk_sfs_inode_encode(&root, blk);
    if ((rc = kk_sfs__dev_write(dev, shift, KK_SFS_BLKN_ROOT, 1, blk)) != 0)
        return rc;
    kk_memset(blk, 0, KK_SFS_BLKSIZE);
    kk_sfs_put32(blk, KK_SFS_BLKN_ROOT);
    blk[4] = '.';
    if ((rc = kk_sfs__dev_write(dev, shift, fd, 1, blk)) != 0)
        return rc;
    blk[5] = '.';
    return kk_sfs__dev_write(dev, shift, fd + 1, 1, blk);
}

static int format_map(const struct kk_blockdev *dev, uint32_t shift, uint32_t blocks, uint32_t used,
                      uint8_t *blk)
{
    uint32_t i, b, nmap = kk_sfs_freemap_blocks(blocks);
    int rc;
    for (i = 0; i < nmap; i++) {
        kk_memset(blk, 0, KK_SFS_BLKSIZE);
        for (b = 0; b < KK_SFS_BLKBITS; b++) {
            uint32_t blkno = i * KK_SFS_BLKBITS + b;
            if (blkno >= blocks)
                break;
            if (blkno >= used)
                set_bit(blk, b);
        }
        if ((rc = kk_sfs__dev_write(dev, shift, KK_SFS_BLKN_FREEMAP + i, 1, blk)) != 0)
            return rc;
    }
    return 0;
}

int kk_sfs_format(const struct kk_blockdev *dev, const struct kk_fs_platform *plat,
                  const struct kk_sfs_format_opts *opts)
{
    struct kk_sfs_disk_super s;
    const char *info = "simple file system";
    uint32_t shift, blocks, fd;
    uint64_t dev4k;
    uint8_t *blk;
    int rc;
    size_t n;
    if (!plat_ok(plat) || (rc = kk_sfs__dev_shift_of(dev, &shift)) != 0 ||
        (opts && opts->size < sizeof(*opts)))
        return KK_EINVAL;
    dev4k = dev->nblocks >> shift;
    blocks = (uint32_t)KK_MIN(dev4k, (uint64_t)UINT32_MAX);
    if (opts && opts->blocks) {
        if (opts->blocks > dev4k)
            return KK_EINVAL;
        blocks = opts->blocks;
    }
    if (opts && opts->info)
        info = opts->info;
    fd = kk_sfs_first_data_block(blocks);
    if ((uint64_t)fd + 3 > blocks)
        return KK_ENOSPC;
    if ((blk = plat->alloc(plat->ctx, KK_SFS_BLKSIZE)) == NULL)
        return KK_ENOMEM;
    rc = format_root(dev, shift, fd, blk);
    if (rc == 0)
        rc = format_map(dev, shift, blocks, fd + 2, blk);
    if (rc == 0) {
        kk_memset(&s, 0, sizeof(s));
        s.magic = KK_SFS_MAGIC;
        s.blocks = blocks;
        s.unused_blocks = blocks - fd - 2;
        n = kk_strnlen(info, KK_SFS_INFO_LEN - 1);
        kk_memcpy(s.info, info, n);
        kk_memset(blk, 0, KK_SFS_BLKSIZE);
        kk_sfs_super_encode(&s, blk);
        rc = kk_sfs__dev_write(dev, shift, KK_SFS_BLKN_SUPER, 1, blk);
    }
    if (rc == 0 && dev->flush)
        rc = dev->flush(dev->ctx);
    if (plat->free)
        plat->free(plat->ctx, blk, KK_SFS_BLKSIZE);
    return rc > 0 ? KK_EIO : rc;
}

static void release(struct kk_sfs *fs)
{
    size_t nmap = kk_sfs_freemap_blocks(fs->super.blocks);
    kk_sfs__cache_fini(fs);
    kk_sfs__free(fs, fs->map, fs->map_bytes);
    kk_sfs__free(fs, fs->pending, fs->map_bytes);
    kk_sfs__free(fs, fs->map_dirty, nmap ? nmap : 1);
    if (fs->ihash)
        kk_sfs__free(fs, fs->ihash, sizeof(*fs->ihash) * (fs->ihash_mask + 1));
    if (fs->lock && fs->plat->lock_free)
        fs->plat->lock_free(fs->plat->ctx, fs->lock);
    kk_sfs__free(fs, fs, sizeof(*fs));
}

static int read_super(struct kk_sfs *fs, uint64_t dev4k)
{
    uint8_t *blk = kk_sfs__alloc(fs, KK_SFS_BLKSIZE);
    int rc;
    if (!blk)
        return KK_ENOMEM;
    rc = kk_sfs__dev_read(fs->dev, fs->dev_shift, KK_SFS_BLKN_SUPER, 1, blk);
    if (rc == 0)
        kk_sfs_super_decode(blk, &fs->super);
    kk_sfs__free(fs, blk, KK_SFS_BLKSIZE);
    if (rc)
        return rc;
    if (fs->super.magic != KK_SFS_MAGIC)
        return KK_EINVAL;
    fs->super.info[KK_SFS_INFO_LEN - 1] = '\0';
    if (fs->super.blocks > dev4k ||
        (uint64_t)kk_sfs_first_data_block(fs->super.blocks) >= fs->super.blocks)
        return KK_ECORRUPT;
    fs->first_data = kk_sfs_first_data_block(fs->super.blocks);
    return 0;
}

static int load_map(struct kk_sfs *fs)
{
    uint32_t nmap = kk_sfs_freemap_blocks(fs->super.blocks), i, count = 0;
    fs->map_bytes = (size_t)nmap * KK_SFS_BLKSIZE;
    fs->map = kk_sfs__alloc(fs, fs->map_bytes);
    fs->pending = kk_sfs__alloc(fs, fs->map_bytes);
    fs->map_dirty = kk_sfs__alloc(fs, nmap);
    if (!fs->map || !fs->pending || !fs->map_dirty)
        return KK_ENOMEM;
    kk_memset(fs->pending, 0, fs->map_bytes);
    kk_memset(fs->map_dirty, 0, nmap);
    i = (uint32_t)kk_sfs__dev_read(fs->dev, fs->dev_shift, KK_SFS_BLKN_FREEMAP, nmap, fs->map);
    if (i)
        return (int)i;
    /* bits past the end are ignored (and written back as 0) */
    for (i = fs->super.blocks; i < nmap * KK_SFS_BLKBITS; i++)
        fs->map[i >> 3] &= (uint8_t) ~(1u << (i & 7));
    for (i = 0; i < fs->map_bytes; i++)
        count += (uint32_t)__builtin_popcount(fs->map[i]);
    for (i = 0; i < fs->first_data; i++)
        if (kk_sfs_map_test(fs->map, i))
            return KK_ECORRUPT;
    /* the count is derived from the map (a crash can leave it stale): recomputed,
     * and written back by the next sync of a read-write mount */
    if (count != fs->super.unused_blocks) {
        fs->super.unused_blocks = count;
        fs->super_dirty = true;
    }
    fs->nfree = count;
    return 0;
}

static int mount_init(struct kk_sfs *fs, const struct kk_sfs_config *cfg)
{
    struct kk_sfs_inode *root;
    uint32_t hsize = 256;
    uint64_t dev4k;
    int rc;
    if ((rc = kk_sfs__dev_shift_of(cfg->dev, &fs->dev_shift)) != 0)
        return rc;
    dev4k = cfg->dev->nblocks >> fs->dev_shift;
    if (fs->plat->lock_new && (fs->lock = fs->plat->lock_new(fs->plat->ctx)) == NULL)
        return KK_ENOMEM;
    if ((rc = read_super(fs, dev4k)) != 0 || (rc = load_map(fs)) != 0 ||
        (rc = kk_sfs__cache_init(fs, cfg)) != 0)
        return rc;
    fs->ihash_mask = hsize - 1;
    if ((fs->ihash = kk_sfs__alloc(fs, sizeof(*fs->ihash) * hsize)) == NULL)
        return KK_ENOMEM;
    kk_memset(fs->ihash, 0, sizeof(*fs->ihash) * hsize);
    fs->alloc_hint = fs->first_data;
    if ((rc = kk_sfs__iget(fs, KK_SFS_BLKN_ROOT, &root)) != 0)
        return rc;
    rc = root->d.type == KK_SFS_TYPE_DIR ? 0 : KK_ECORRUPT;
    kk_sfs__iput(root);
    return rc;
}

int kk_sfs_mount(const struct kk_sfs_config *cfg, struct kk_sfs **out)
{
    struct kk_sfs *fs;
    int rc;
    if (!cfg || !out || cfg->size < offsetof(struct kk_sfs_config, no_dir_index) ||
        !plat_ok(cfg->plat) || !cfg->dev)
        return KK_EINVAL;
    if ((fs = cfg->plat->alloc(cfg->plat->ctx, sizeof(*fs))) == NULL)
        return KK_ENOMEM;
    kk_memset(fs, 0, sizeof(*fs));
    fs->dev = cfg->dev;
    fs->plat = cfg->plat;
    fs->read_only = cfg->read_only != 0;
    fs->no_dir_index =
        cfg->size >= offsetof(struct kk_sfs_config, no_dir_index) + 4 && cfg->no_dir_index != 0;
    fs->unordered =
        cfg->size >= offsetof(struct kk_sfs_config, unordered) + 4 && cfg->unordered != 0;
    fs->write_err = KK_EROFS;
    rc = mount_init(fs, cfg);
    if (rc == 0 && !fs->read_only && cfg->size >= offsetof(struct kk_sfs_config, verify_map) + 4 &&
        cfg->verify_map != 0)
        rc = kk_sfs__verify(fs);
    if (rc) {
        release(fs);
        return rc;
    }
    *out = fs;
    return 0;
}

int kk_sfs_write_state(struct kk_sfs *fs, uint32_t *block)
{
    int rc;
    if (!fs)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    rc = fs->read_only ? fs->write_err : 0;
    if (block)
        *block = rc == KK_ECORRUPT ? fs->bad_block : 0;
    kk_sfs__unlock(fs);
    return rc;
}

int kk_sfs_unmount(struct kk_sfs *fs)
{
    int rc = 0;
    if (!fs)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    if (kk_sfs__icache_busy(fs)) {
        kk_sfs__unlock(fs);
        return KK_EBUSY;
    }
    kk_sfs__icache_drop_kept(fs);
    if (!fs->read_only)
        rc = kk_sfs__sync_all(fs);
    kk_sfs__unlock(fs);
    release(fs);
    return rc;
}

int kk_sfs_sync(struct kk_sfs *fs)
{
    int rc = 0;
    if (!fs)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    if (!fs->read_only)
        rc = kk_sfs__sync_all(fs);
    kk_sfs__unlock(fs);
    return rc;
}

int kk_sfs_statfs(struct kk_sfs *fs, struct kk_sfs_statfs *st)
{
    if (!fs || !st)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    st->block_size = KK_SFS_BLKSIZE;
    st->blocks = fs->super.blocks;
    st->free_blocks = fs->nfree + fs->npending;
    st->name_max = KK_SFS_MAX_NAME;
    kk_memcpy(st->info, fs->super.info, KK_SFS_INFO_LEN);
    kk_sfs__unlock(fs);
    return 0;
}

int kk_sfs_check(struct kk_sfs *fs)
{
    int rc;
    if (!fs)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    rc = kk_sfs__cache_check(fs);
    if (rc == 0)
        rc = kk_sfs__icache_check(fs);
    kk_sfs__unlock(fs);
    return rc;
}

int kk_sfs_iget(struct kk_sfs *fs, uint32_t ino, struct kk_sfs_inode **out)
{
    int rc;
    if (!fs || !out)
        return KK_EINVAL;
    kk_sfs__lock(fs);
    rc = kk_sfs__iget(fs, ino, out);
    kk_sfs__unlock(fs);
    return rc;
}

int kk_sfs_root(struct kk_sfs *fs, struct kk_sfs_inode **out)
{
    return kk_sfs_iget(fs, KK_SFS_BLKN_ROOT, out);
}

void kk_sfs_ref(struct kk_sfs_inode *ip)
{
    if (!ip)
        return;
    kk_sfs__lock(ip->fs);
    ip->refs++;
    kk_sfs__unlock(ip->fs);
}

void kk_sfs_put(struct kk_sfs_inode *ip)
{
    struct kk_sfs *fs;
    if (!ip)
        return;
    fs = ip->fs;
    kk_sfs__lock(fs);
    kk_sfs__iput(ip);
    kk_sfs__unlock(fs);
}

int kk_sfs_lookup(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out)
{
    uint32_t ino;
    int rc;
    if (!dir || !out || !name)
        return KK_EINVAL;
    kk_sfs__lock(dir->fs);
    if (dir->d.type != KK_SFS_TYPE_DIR)
        rc = KK_ENOTDIR;
    else if ((rc = kk_sfs__check_name(name)) == 0 &&
             (rc = kk_sfs__dir_find(dir, name, &ino, NULL, NULL)) == 0)
        rc = kk_sfs__iget(dir->fs, ino, out);
    kk_sfs__unlock(dir->fs);
    return rc == KK_EINVAL && name[0] == '\0' ? KK_ENOENT : rc;
}

static int create_common(struct kk_sfs_inode *dir, const char *name, uint16_t type,
                         const char *target, struct kk_sfs_inode **out)
{
    int rc;
    if (!dir || !name)
        return KK_EINVAL;
    kk_sfs__lock(dir->fs);
    rc = kk_sfs__op_create(dir, name, type, target, out);
    kk_sfs__unlock(dir->fs);
    return rc;
}

int kk_sfs_create(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out)
{
    return create_common(dir, name, KK_SFS_TYPE_FILE, NULL, out);
}

int kk_sfs_mkdir(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out)
{
    return create_common(dir, name, KK_SFS_TYPE_DIR, NULL, out);
}

int kk_sfs_symlink(struct kk_sfs_inode *dir, const char *name, const char *target,
                   struct kk_sfs_inode **out)
{
    if (!target)
        return KK_EINVAL;
    return create_common(dir, name, KK_SFS_TYPE_LINK, target, out);
}

int kk_sfs_link(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode *target)
{
    int rc;
    if (!dir || !name || !target)
        return KK_EINVAL;
    if (target->fs != dir->fs)
        return KK_EXDEV;
    kk_sfs__lock(dir->fs);
    rc = kk_sfs__op_link(dir, name, target);
    kk_sfs__unlock(dir->fs);
    return rc;
}

static int remove_common(struct kk_sfs_inode *dir, const char *name, bool want_dir)
{
    int rc;
    if (!dir || !name)
        return KK_EINVAL;
    kk_sfs__lock(dir->fs);
    rc = kk_sfs__op_remove(dir, name, want_dir);
    kk_sfs__unlock(dir->fs);
    return rc;
}

int kk_sfs_unlink(struct kk_sfs_inode *dir, const char *name)
{
    return remove_common(dir, name, false);
}

int kk_sfs_rmdir(struct kk_sfs_inode *dir, const char *name)
{
    return remove_common(dir, name, true);
}

int kk_sfs_rename(struct kk_sfs_inode *odir, const char *oname, struct kk_sfs_inode *ndir,
                  const char *nname)
{
    int rc;
    if (!odir || !oname || !ndir || !nname)
        return KK_EINVAL;
    if (odir->fs != ndir->fs)
        return KK_EXDEV;
    kk_sfs__lock(odir->fs);
    rc = kk_sfs__op_rename(odir, oname, ndir, nname);
    kk_sfs__unlock(odir->fs);
    return rc;
}

int kk_sfs_readlink(struct kk_sfs_inode *ip, char *buf, size_t len)
{
    size_t done = 0;
    int rc;
    if (!ip || (!buf && len))
        return KK_EINVAL;
    kk_sfs__lock(ip->fs);
    if (ip->d.type != KK_SFS_TYPE_LINK) {
        rc = KK_EINVAL;
    } else {
        rc = kk_sfs__iread(ip, 0, buf, len ? len - 1 : 0, &done);
        if (len)
            buf[done] = '\0';
        if (rc == 0)
            rc = (int)ip->d.size;
    }
    kk_sfs__unlock(ip->fs);
    return rc;
}

static int rw_check(struct kk_sfs_inode *ip, const void *buf, size_t len, size_t *done)
{
    if (!ip || !done || (!buf && len))
        return KK_EINVAL;
    *done = 0;
    return ip->d.type == KK_SFS_TYPE_DIR ? KK_EISDIR : 0;
}

int kk_sfs_read(struct kk_sfs_inode *ip, uint64_t off, void *buf, size_t len, size_t *done)
{
    int rc = rw_check(ip, buf, len, done);
    if (rc)
        return rc;
    kk_sfs__lock(ip->fs);
    rc = kk_sfs__iread(ip, off, buf, len, done);
    kk_sfs__unlock(ip->fs);
    return rc;
}

/* Write or truncate with the inode's block pinned, so its update cannot fail. */
static int pinned(struct kk_sfs_inode *ip, int trunc, uint64_t off, const void *buf, size_t len,
                  size_t *done)
{
    struct pins p = {{0}, 0};
    int rc = kk_sfs__pin(ip->fs, &p, ip->ino);
    if (rc == 0)
        rc = trunc ? kk_sfs__itrunc(ip, off) : kk_sfs__iwrite(ip, off, buf, len, done);
    kk_sfs__unpin(ip->fs, &p);
    return rc;
}

/* A symlink's data is its target: it may never grow past KK_SFS_MAX_LINK. */
static bool link_too_long(const struct kk_sfs_inode *ip, uint64_t off, uint64_t len)
{
    return ip->d.type == KK_SFS_TYPE_LINK && (off > KK_SFS_MAX_LINK || len > KK_SFS_MAX_LINK - off);
}

int kk_sfs_write(struct kk_sfs_inode *ip, uint64_t off, const void *buf, size_t len, size_t *done)
{
    int rc = rw_check(ip, buf, len, done);
    if (rc)
        return rc;
    kk_sfs__lock(ip->fs);
    if (ip->fs->read_only)
        rc = ip->fs->write_err;
    else if (link_too_long(ip, off, len))
        rc = KK_EINVAL;
    else
        rc = pinned(ip, 0, off, buf, len, done);
    kk_sfs__unlock(ip->fs);
    return rc;
}

int kk_sfs_truncate(struct kk_sfs_inode *ip, uint64_t size)
{
    int rc;
    if (!ip)
        return KK_EINVAL;
    kk_sfs__lock(ip->fs);
    if (ip->fs->read_only)
        rc = ip->fs->write_err;
    else if (ip->d.type == KK_SFS_TYPE_DIR)
        rc = KK_EISDIR;
    else if (link_too_long(ip, size, 0))
        rc = KK_EINVAL;
    else
        rc = pinned(ip, 1, size, NULL, 0, NULL);
    kk_sfs__unlock(ip->fs);
    return rc;
}

int kk_sfs_stat(struct kk_sfs_inode *ip, struct kk_sfs_stat *st)
{
    if (!ip || !st)
        return KK_EINVAL;
    kk_sfs__lock(ip->fs);
    st->ino = ip->ino;
    st->type = ip->d.type;
    st->nlinks = ip->d.nlinks;
    st->size = ip->d.size;
    st->blocks = ip->d.blocks;
    kk_sfs__unlock(ip->fs);
    return 0;
}

int kk_sfs_readdir(struct kk_sfs_inode *dir, uint32_t *cookie, struct kk_sfs_dirent *ent)
{
    int rc;
    if (!dir || !cookie || !ent)
        return KK_EINVAL;
    kk_sfs__lock(dir->fs);
    rc = dir->d.type == KK_SFS_TYPE_DIR ? kk_sfs__dir_readdir(dir, cookie, ent) : KK_ENOTDIR;
    kk_sfs__unlock(dir->fs);
    return rc;
}

int kk_sfs_fsync(struct kk_sfs_inode *ip)
{
    return ip ? kk_sfs_sync(ip->fs) : KK_EINVAL;
}
