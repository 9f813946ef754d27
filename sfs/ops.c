/*
 * ops.c: namespace operations (create, mkdir, symlink, link, unlink, rmdir,
 * rename) built from the inode and directory layers.
 *
 * Promises: every check that can fail (names, types, existence, emptiness,
 * space for the worst case) runs before the first change, so KK_ENOSPC and
 * argument errors change nothing; link counts follow POSIX (a directory has
 * 2 + its subdirectories, its ".." entry counts in the parent).
 */
#include "sfs_int.h"

/* Worst-case new blocks to add one slot to @dir (data block + indirect blocks). */
static uint32_t slot_cost(const struct kk_sfs_inode *dir, uint32_t free_slot)
{
    return free_slot < dir->d.blocks ? 0 : 3;
}

static bool is_dot(const char *name)
{
    return (name[0] == '.' && name[1] == '\0') ||
           (name[0] == '.' && name[1] == '.' && name[2] == '\0');
}

static int live_dir(struct kk_sfs_inode *dir)
{
    if (dir->fs->read_only)
        return dir->fs->write_err;
    if (dir->d.type != KK_SFS_TYPE_DIR)
        return KK_ENOTDIR;
    return dir->d.nlinks == 0 ? KK_ENOENT : 0;
}

/* Check @name is free in @dir; returns the slot to use in *free_slot. */
static int name_free(struct kk_sfs_inode *dir, const char *name, uint32_t *free_slot)
{
    uint32_t ino;
    int rc = kk_sfs__check_name(name);
    if (rc)
        return rc;
    if (is_dot(name))
        return KK_EEXIST;
    rc = kk_sfs__dir_find(dir, name, &ino, NULL, free_slot);
    if (rc == 0)
        return KK_EEXIST;
    return rc == KK_ENOENT ? 0 : rc;
}

static int fill_new(struct kk_sfs_inode *dir, struct kk_sfs_inode *ip, const char *target)
{
    size_t done;
    int rc;
    if (ip->d.type == KK_SFS_TYPE_DIR) {
        if ((rc = kk_sfs__dir_set_slot(ip, 0, ip->ino, ".")) != 0 ||
            (rc = kk_sfs__dir_set_slot(ip, 1, dir->ino, "..")) != 0)
            return rc;
        return 0;
    }
    if (ip->d.type == KK_SFS_TYPE_LINK) {
        size_t len = kk_strnlen(target, KK_SFS_MAX_LINK + 1);
        rc = kk_sfs__iwrite(ip, 0, target, len, &done);
        return rc ? rc : kk_sfs__iupdate(ip);
    }
    return kk_sfs__iupdate(ip);
}

int kk_sfs__op_create(struct kk_sfs_inode *dir, const char *name, uint16_t type, const char *target,
                      struct kk_sfs_inode **out)
{
    struct kk_sfs *fs = dir->fs;
    struct kk_sfs_inode *ip;
    struct pins pins = {{0}, 0};
    uint32_t free_slot, need;
    int rc;
    if ((rc = live_dir(dir)) != 0 || (rc = name_free(dir, name, &free_slot)) != 0)
        return rc;
    if (type == KK_SFS_TYPE_LINK) {
        size_t len = target ? kk_strnlen(target, KK_SFS_MAX_LINK + 1) : 0;
        if (len == 0)
            return KK_EINVAL;
        if (len > KK_SFS_MAX_LINK)
            return KK_ENAMETOOLONG;
    }
    if (type == KK_SFS_TYPE_DIR && dir->d.nlinks >= UINT16_MAX)
        return KK_EMLINK;
    need = 1 + slot_cost(dir, free_slot) + (type == KK_SFS_TYPE_DIR ? 2 : 0) +
           (type == KK_SFS_TYPE_LINK ? 1 : 0);
    if ((rc = kk_sfs__reserve(fs, need)) != 0)
        return rc;
    if ((rc = kk_sfs__pin(fs, &pins, dir->ino)) != 0 ||
        (rc = kk_sfs__pin_path(dir, free_slot, &pins)) != 0 ||
        (rc = kk_sfs__ialloc(fs, type, &ip)) != 0)
        goto out;
    if ((rc = kk_sfs__pin(fs, &pins, ip->ino)) != 0) {
        ip->d.nlinks = 0;
        kk_sfs__iput(ip);
        goto out;
    }
    ip->d.nlinks = type == KK_SFS_TYPE_DIR ? 2 : 1;
    rc = fill_new(dir, ip, target);
    if (rc == 0)
        rc = kk_sfs__dir_set_slot(dir, free_slot, ip->ino, name);
    if (rc == 0 && type == KK_SFS_TYPE_DIR) {
        dir->d.nlinks++;
        rc = kk_sfs__iupdate(dir);
        if (rc) {
            dir->d.nlinks--;
            (void)kk_sfs__dir_set_slot(dir, free_slot, 0, NULL);
        }
    }
    if (rc) {
        ip->d.nlinks = 0;
        kk_sfs__iput(ip);
    } else if (out) {
        *out = ip;
    } else {
        kk_sfs__iput(ip);
    }
out:
    kk_sfs__unpin(fs, &pins);
    return rc;
}

int kk_sfs__op_link(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode *target)
{
    struct pins pins = {{0}, 0};
    uint32_t free_slot;
    int rc;
    if ((rc = live_dir(dir)) != 0)
        return rc;
    if (target->fs != dir->fs)
        return KK_EXDEV;
    if (target->d.type == KK_SFS_TYPE_DIR)
        return KK_EPERM;
    if (target->d.nlinks == 0)
        return KK_ENOENT;
    if (target->d.nlinks >= UINT16_MAX)
        return KK_EMLINK;
    if ((rc = name_free(dir, name, &free_slot)) != 0)
        return rc;
    if ((rc = kk_sfs__reserve(dir->fs, slot_cost(dir, free_slot))) != 0)
        return rc;
    if ((rc = kk_sfs__pin(dir->fs, &pins, dir->ino)) == 0 &&
        (rc = kk_sfs__pin(dir->fs, &pins, target->ino)) == 0 &&
        (rc = kk_sfs__pin_path(dir, free_slot, &pins)) == 0 &&
        (rc = kk_sfs__dir_set_slot(dir, free_slot, target->ino, name)) == 0) {
        target->d.nlinks++;
        rc = kk_sfs__iupdate(target);
    }
    kk_sfs__unpin(dir->fs, &pins);
    return rc;
}

/* Drop one name of @ip (a directory loses "." and its parent's ".." link too). */
static int drop_name(struct kk_sfs_inode *parent, struct kk_sfs_inode *ip)
{
    int rc = 0;
    if (ip->d.type == KK_SFS_TYPE_DIR) {
        ip->d.nlinks = 0;
        if (parent->d.nlinks > 2)
            parent->d.nlinks--;
        rc = kk_sfs__iupdate(parent);
    } else if (ip->d.nlinks > 0) {
        ip->d.nlinks--;
    }
    return rc ? rc : kk_sfs__iupdate(ip);
}

/* Check that @ip may be removed (want_dir: rmdir semantics). */
static int removable(struct kk_sfs_inode *ip, bool want_dir)
{
    int rc;
    if (!want_dir)
        return ip->d.type == KK_SFS_TYPE_DIR ? KK_EISDIR : 0;
    if (ip->d.type != KK_SFS_TYPE_DIR)
        return KK_ENOTDIR;
    if (ip->ino == KK_SFS_BLKN_ROOT)
        return KK_EBUSY;
    rc = kk_sfs__dir_is_empty(ip);
    return rc == 1 ? 0 : (rc == 0 ? KK_ENOTEMPTY : rc);
}

int kk_sfs__op_remove(struct kk_sfs_inode *dir, const char *name, bool want_dir)
{
    struct pins pins = {{0}, 0};
    struct kk_sfs_inode *ip;
    uint32_t ino, slot;
    int rc;
    if ((rc = live_dir(dir)) != 0 || (rc = kk_sfs__check_name(name)) != 0)
        return rc;
    if (is_dot(name))
        return want_dir ? KK_EINVAL : KK_EISDIR;
    if ((rc = kk_sfs__dir_find(dir, name, &ino, &slot, NULL)) != 0)
        return rc;
    if ((rc = kk_sfs__iget(dir->fs, ino, &ip)) != 0)
        return rc;
    if ((rc = removable(ip, want_dir)) == 0 && (rc = kk_sfs__pin(dir->fs, &pins, dir->ino)) == 0 &&
        (rc = kk_sfs__pin(dir->fs, &pins, ip->ino)) == 0 &&
        (rc = kk_sfs__pin_path(dir, slot, &pins)) == 0 &&
        (rc = kk_sfs__dir_set_slot(dir, slot, 0, NULL)) == 0)
        rc = drop_name(dir, ip);
    kk_sfs__unpin(dir->fs, &pins);
    kk_sfs__iput(ip);
    return rc;
}

/* Is directory @anc equal to @dir or one of its ancestors? Walks ".." entries. */
static int is_ancestor(struct kk_sfs_inode *anc, struct kk_sfs_inode *dir)
{
    struct kk_sfs *fs = dir->fs;
    uint32_t ino = dir->ino, parent, steps = 0;
    struct kk_sfs_inode *cur;
    int rc;
    while (ino != KK_SFS_BLKN_ROOT) {
        if (ino == anc->ino)
            return 1;
        if (++steps > fs->super.blocks)
            return KK_ECORRUPT; /* ".." chain loops */
        if ((rc = kk_sfs__iget(fs, ino, &cur)) != 0)
            return rc;
        rc = cur->d.type == KK_SFS_TYPE_DIR ? kk_sfs__dir_find(cur, "..", &parent, NULL, NULL)
                                            : KK_ECORRUPT;
        kk_sfs__iput(cur);
        if (rc)
            return rc == KK_ENOENT ? KK_ECORRUPT : rc;
        ino = parent;
    }
    return anc->ino == KK_SFS_BLKN_ROOT;
}

struct rename_ctx {
    struct kk_sfs_inode *src, *tgt;
    uint32_t oslot, nslot, dotdot;
    bool replace;
    struct pins pins;
};

/* Pin every block the rename will change (inodes, the three slots). */
static int rename_pins(struct kk_sfs_inode *odir, struct kk_sfs_inode *ndir, struct rename_ctx *c)
{
    struct kk_sfs *fs = odir->fs;
    uint32_t ino;
    int rc;
    if ((rc = kk_sfs__pin(fs, &c->pins, odir->ino)) != 0 ||
        (rc = kk_sfs__pin(fs, &c->pins, ndir->ino)) != 0 ||
        (rc = kk_sfs__pin(fs, &c->pins, c->src->ino)) != 0 ||
        (c->tgt && (rc = kk_sfs__pin(fs, &c->pins, c->tgt->ino)) != 0) ||
        (rc = kk_sfs__pin_path(odir, c->oslot, &c->pins)) != 0 ||
        (rc = kk_sfs__pin_path(ndir, c->nslot, &c->pins)) != 0)
        return rc;
    if (c->src->d.type != KK_SFS_TYPE_DIR || odir == ndir)
        return 0;
    if ((rc = kk_sfs__dir_find(c->src, "..", &ino, &c->dotdot, NULL)) != 0)
        return rc == KK_ENOENT ? KK_ECORRUPT : rc;
    return kk_sfs__pin_path(c->src, c->dotdot, &c->pins);
}

static int rename_checks(struct kk_sfs_inode *odir, const char *oname, struct kk_sfs_inode *ndir,
                         const char *nname, struct rename_ctx *c)
{
    struct kk_sfs *fs = odir->fs;
    uint32_t ino, tino;
    int rc;
    if ((rc = live_dir(odir)) != 0 || (rc = live_dir(ndir)) != 0)
        return rc;
    if (odir->fs != ndir->fs)
        return KK_EXDEV;
    if ((rc = kk_sfs__check_name(oname)) != 0 || (rc = kk_sfs__check_name(nname)) != 0)
        return rc;
    if (is_dot(oname) || is_dot(nname))
        return KK_EINVAL;
    if ((rc = kk_sfs__dir_find(odir, oname, &ino, &c->oslot, NULL)) != 0)
        return rc;
    if ((rc = kk_sfs__iget(fs, ino, &c->src)) != 0)
        return rc;
    if (c->src->d.type == KK_SFS_TYPE_DIR && odir != ndir) {
        rc = is_ancestor(c->src, ndir);
        if (rc)
            return rc < 0 ? rc : KK_EINVAL;
    }
    rc = kk_sfs__dir_find(ndir, nname, &tino, &c->nslot, &c->nslot);
    if (rc == KK_ENOENT)
        return kk_sfs__reserve(fs, slot_cost(ndir, c->nslot));
    if (rc)
        return rc;
    c->replace = true;
    if (tino == ino)
        return 1; /* same inode: nothing to do */
    if ((rc = kk_sfs__iget(fs, tino, &c->tgt)) != 0)
        return rc;
    if (c->src->d.type == KK_SFS_TYPE_DIR) {
        if (c->tgt->d.type != KK_SFS_TYPE_DIR)
            return KK_ENOTDIR;
        return removable(c->tgt, true);
    }
    return c->tgt->d.type == KK_SFS_TYPE_DIR ? KK_EISDIR : 0;
}

static int move_dir(struct kk_sfs_inode *src, struct kk_sfs_inode *odir, struct kk_sfs_inode *ndir,
                    uint32_t dotdot)
{
    int rc = kk_sfs__dir_set_slot(src, dotdot, ndir->ino, "..");
    if (rc)
        return rc;
    if (odir->d.nlinks > 2)
        odir->d.nlinks--;
    ndir->d.nlinks++;
    if ((rc = kk_sfs__iupdate(odir)) != 0)
        return rc;
    return kk_sfs__iupdate(ndir);
}

int kk_sfs__op_rename(struct kk_sfs_inode *odir, const char *oname, struct kk_sfs_inode *ndir,
                      const char *nname)
{
    struct rename_ctx c = {0};
    bool isdir;
    int rc = rename_checks(odir, oname, ndir, nname, &c);
    if (rc == 0 && c.src->d.type == KK_SFS_TYPE_DIR && !c.replace && ndir != odir &&
        ndir->d.nlinks >= UINT16_MAX)
        rc = KK_EMLINK;
    if (rc == 0)
        rc = rename_pins(odir, ndir, &c);
    if (rc)
        goto out;
    isdir = c.src->d.type == KK_SFS_TYPE_DIR;
    if ((rc = kk_sfs__dir_set_slot(ndir, c.nslot, c.src->ino, nname)) != 0)
        goto out;
    if (c.replace && (rc = drop_name(ndir, c.tgt)) != 0)
        goto out;
    if ((rc = kk_sfs__dir_set_slot(odir, c.oslot, 0, NULL)) != 0)
        goto out;
    if (isdir && odir != ndir)
        rc = move_dir(c.src, odir, ndir, c.dotdot);
out:
    kk_sfs__unpin(odir->fs, &c.pins);
    if (c.tgt)
        kk_sfs__iput(c.tgt);
    if (c.src)
        kk_sfs__iput(c.src);
    return rc == 1 ? 0 : rc;
}
