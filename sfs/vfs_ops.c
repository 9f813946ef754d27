/*
 * vfs_ops.c: kernkit::sfs behind the generic VFS. Each operation maps onto
 * the public kk_sfs_* function (which takes the mount lock); node handles are
 * struct kk_sfs_inode pointers carrying one reference each.
 */
#include "sfs_int.h"

static int v_root(void *fs, void **node)
{
    return kk_sfs_root(fs, (struct kk_sfs_inode **)node);
}

static int v_sync(void *fs)
{
    return kk_sfs_sync(fs);
}

static void v_ref(void *node)
{
    kk_sfs_ref(node);
}

static void v_put(void *node)
{
    kk_sfs_put(node);
}

static int v_stat(void *node, struct kk_vfs_stat *st)
{
    struct kk_sfs_stat s;
    int rc = kk_sfs_stat(node, &s);
    if (rc)
        return rc;
    st->ino = s.ino;
    st->size = s.size;
    st->blocks = s.blocks;
    st->type = s.type; /* the SFS type numbers equal enum kk_vfs_type */
    st->nlinks = s.nlinks;
    return 0;
}

static int v_lookup(void *dir, const char *name, void **out)
{
    return kk_sfs_lookup(dir, name, (struct kk_sfs_inode **)out);
}

static int v_create(void *dir, const char *name, uint32_t type, const char *target, void **out)
{
    struct kk_sfs_inode **o = (struct kk_sfs_inode **)out;
    switch (type) {
    case KK_VFS_FILE:
        return kk_sfs_create(dir, name, o);
    case KK_VFS_DIR:
        return kk_sfs_mkdir(dir, name, o);
    case KK_VFS_SYMLINK:
        return kk_sfs_symlink(dir, name, target, o);
    default:
        return KK_EINVAL;
    }
}

static int v_link(void *dir, const char *name, void *target)
{
    return kk_sfs_link(dir, name, target);
}

static int v_unlink(void *dir, const char *name, int is_dir)
{
    return is_dir ? kk_sfs_rmdir(dir, name) : kk_sfs_unlink(dir, name);
}

static int v_rename(void *odir, const char *oname, void *ndir, const char *nname)
{
    return kk_sfs_rename(odir, oname, ndir, nname);
}

static int v_readlink(void *node, char *buf, size_t len)
{
    return kk_sfs_readlink(node, buf, len);
}

static int v_read(void *node, uint64_t off, void *buf, size_t len, size_t *done)
{
    return kk_sfs_read(node, off, buf, len, done);
}

static int v_write(void *node, uint64_t off, const void *buf, size_t len, size_t *done)
{
    return kk_sfs_write(node, off, buf, len, done);
}

static int v_truncate(void *node, uint64_t size)
{
    return kk_sfs_truncate(node, size);
}

static int v_readdir(void *dir, uint64_t *cookie, struct kk_vfs_dirent *ent)
{
    struct kk_sfs_dirent d;
    uint32_t c = *cookie > UINT32_MAX ? UINT32_MAX : (uint32_t)*cookie;
    int rc = kk_sfs_readdir(dir, &c, &d);
    if (rc == 1) {
        ent->ino = d.ino;
        kk_memcpy(ent->name, d.name, sizeof(d.name));
    }
    *cookie = c;
    return rc;
}

static int v_fsync(void *node)
{
    return kk_sfs_fsync(node);
}

static const struct kk_vfs_ops sfs_vfs_ops = {
    KK_VFS_OPS_VERSION, "sfs",   v_root,   v_sync,   v_ref,      v_put,  v_stat,  v_lookup,
    v_create,           v_link,  v_unlink, v_rename, v_readlink, v_read, v_write, v_truncate,
    v_readdir,          v_fsync,
};

const struct kk_vfs_ops *kk_sfs_vfs_ops(void)
{
    return &sfs_vfs_ops;
}
