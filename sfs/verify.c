/*
 * verify.c: the write check of kk_sfs_config.verify_map, run once at mount
 * before anything is written.
 *
 * Walks the tree reachable from the root (every inode, directory entry block
 * and indirect block is read; file data blocks are not) and stops at the
 * first thing that would let a write spread damage:
 *  - a reachable block (inode, data, indirect, directory entry) marked free
 *    in the free map: allocation would hand it out a second time;
 *  - a block reachable twice (cross-linked blocks, a second name of a
 *    directory, an entry naming a data block): freeing one owner frees the
 *    other's block;
 *  - a pointer out of range or into the metadata (superblock, root, map),
 *    an entry naming something that is not an inode, a file with more names
 *    than its link count (the last unlink would free what a name still
 *    reaches).
 * Everything else fsck finds is harmless for allocation and accepted: leaked
 * blocks (marked used, unreachable: what a power cut leaves by design), a
 * stale free count (load_map() recomputes it), sizes, link counts above the
 * number of names, missing "." / "..", duplicate names.
 * On a finding the mount refuses writes (KK_ECORRUPT) and remembers the
 * block (kk_sfs_write_state()). Memory: one byte per block plus 7 blocks.
 */
#include "sfs_int.h"

/* per-block state; a file inode's state is V_FILE + names still allowed */
enum { V_FREE = 0, V_BLOCK = 1, V_DIR = 2, V_FILE = 3, V_MANY = 255 };
enum { B_DINO, B_DL2, B_DL1, B_ENT, B_FINO, B_FL2, B_FL1, NB };

struct vf {
    struct kk_sfs *fs;
    uint8_t *st;
    uint8_t *b[NB];
    uint32_t *dirs, ndirs, cap;
    uint32_t bad;
    int err;
};

static bool stop(struct vf *v)
{
    return v->bad || v->err;
}

static void found(struct vf *v, uint32_t blk)
{
    if (!v->bad)
        v->bad = blk; /* never 0: a pointer lives in an inode or indirect block */
}

static int rd(struct vf *v, uint32_t blk, uint8_t *buf)
{
    int rc = kk_sfs__dev_read(v->fs->dev, v->fs->dev_shift, blk, 1, buf);
    if (rc && !v->err)
        v->err = rc;
    return rc;
}

/* Claim block @p named by a pointer in block @where: in range, unowned, marked used. */
static bool claim(struct vf *v, uint32_t where, uint32_t p)
{
    struct kk_sfs *fs = v->fs;
    if (p < fs->first_data || p >= fs->super.blocks) {
        found(v, where);
        return false;
    }
    if (v->st[p] != V_FREE || kk_sfs_map_test(fs->map, p)) {
        found(v, p);
        return false;
    }
    v->st[p] = V_BLOCK;
    return true;
}

static void entry(struct vf *v, uint32_t blk);

/* The pointers of indirect block @blk: leaves (@level 1) or level-1 blocks (2). */
static void ind(struct vf *v, bool dir, uint32_t blk, int level, uint32_t count)
{
    uint8_t *b = v->b[dir ? (level == 2 ? B_DL2 : B_DL1) : (level == 2 ? B_FL2 : B_FL1)];
    uint32_t j, per = level == 2 ? KK_SFS_NENTRY : 1;
    if (rd(v, blk, b))
        return;
    for (j = 0; j < KK_SFS_NENTRY && j * per < count && !stop(v); j++) {
        uint32_t p = kk_sfs_get32(b + 4 * j);
        if (!p || !claim(v, blk, p))
            continue;
        if (level == 2)
            ind(v, dir, p, 1, count - j * KK_SFS_NENTRY);
        else if (dir)
            entry(v, p);
    }
}

/* Claim the blocks of inode @ino (decoded in @d); a directory's entries are visited. */
static void blocks(struct vf *v, uint32_t ino, const struct kk_sfs_disk_inode *d)
{
    bool dir = d->type == KK_SFS_TYPE_DIR;
    uint32_t i, n = d->blocks;
    for (i = 0; i < KK_SFS_NDIRECT && i < n && !stop(v); i++)
        if (d->direct[i] && claim(v, ino, d->direct[i]) && dir)
            entry(v, d->direct[i]);
    /* an emptied indirect block (uCore's truncate keeps it) or a stale
     * double-indirect one is reused when the file grows: claimed too */
    if (d->indirect && !stop(v) && claim(v, ino, d->indirect) && n > KK_SFS_NDIRECT)
        ind(v, dir, d->indirect, 1, n - KK_SFS_NDIRECT);
    if (d->db_indirect && !stop(v) && claim(v, ino, d->db_indirect) &&
        n > KK_SFS_NDIRECT + KK_SFS_NENTRY)
        ind(v, dir, d->db_indirect, 2, n - KK_SFS_NDIRECT - KK_SFS_NENTRY);
}

static bool plausible(const struct kk_sfs_disk_inode *d)
{
    return d->type >= KK_SFS_TYPE_FILE && d->type <= KK_SFS_TYPE_LINK &&
           d->blocks <= KK_SFS_MAX_FILE_BLOCKS;
}

static void push_dir(struct vf *v, uint32_t ino)
{
    if (v->ndirs == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 64;
        uint32_t *n = kk_sfs__alloc(v->fs, sizeof(*n) * cap);
        if (!n) {
            v->err = KK_ENOMEM;
            return;
        }
        if (v->ndirs)
            kk_memcpy(n, v->dirs, sizeof(*n) * v->ndirs);
        kk_sfs__free(v->fs, v->dirs, sizeof(*n) * v->cap);
        v->dirs = n;
        v->cap = cap;
    }
    v->dirs[v->ndirs++] = ino;
}

/* The first name of inode @ino (an entry in block @blk): claim and check it. */
static void first_name(struct vf *v, uint32_t blk, uint32_t ino)
{
    struct kk_sfs_disk_inode d;
    if (ino < v->fs->first_data || ino >= v->fs->super.blocks) {
        found(v, blk);
        return;
    }
    if (kk_sfs_map_test(v->fs->map, ino)) {
        found(v, ino);
        return;
    }
    if (rd(v, ino, v->b[B_FINO]))
        return;
    kk_sfs_inode_decode(v->b[B_FINO], &d);
    if (!plausible(&d) || d.nlinks == 0) {
        found(v, ino);
        return;
    }
    if (d.type == KK_SFS_TYPE_DIR) {
        v->st[ino] = V_DIR;
        push_dir(v, ino);
        return;
    }
    v->st[ino] = d.nlinks - 1u >= V_MANY - V_FILE ? V_MANY : (uint8_t)(V_FILE + d.nlinks - 1u);
    blocks(v, ino, &d);
}

/* A directory entry block: "." and ".." are skipped, others name an inode. */
static void entry(struct vf *v, uint32_t blk)
{
    uint8_t *b = v->b[B_ENT];
    uint32_t ino;
    if (rd(v, blk, b))
        return;
    ino = kk_sfs_get32(b);
    if (ino == 0 || (b[4] == '.' && (b[5] == '\0' || (b[5] == '.' && b[6] == '\0'))))
        return;
    if (ino < v->fs->super.blocks && v->st[ino] >= V_FILE) {
        if (v->st[ino] == V_FILE)
            found(v, ino); /* more names than links */
        else if (v->st[ino] != V_MANY)
            v->st[ino]--;
        return;
    }
    if (ino < v->fs->super.blocks && v->st[ino] != V_FREE) {
        found(v, ino); /* a data block, or a directory's second name */
        return;
    }
    first_name(v, blk, ino);
}

static void walk(struct vf *v)
{
    struct kk_sfs_disk_inode d;
    uint32_t i, b;
    for (b = 0; b < v->fs->first_data; b++)
        v->st[b] = V_BLOCK;
    v->st[KK_SFS_BLKN_ROOT] = V_DIR;
    push_dir(v, KK_SFS_BLKN_ROOT);
    for (i = 0; i < v->ndirs && !stop(v); i++) {
        if (rd(v, v->dirs[i], v->b[B_DINO]))
            return;
        kk_sfs_inode_decode(v->b[B_DINO], &d);
        if (!plausible(&d))
            found(v, v->dirs[i]);
        else
            blocks(v, v->dirs[i], &d);
    }
}

int kk_sfs__verify(struct kk_sfs *fs)
{
    struct vf v;
    int i;
    kk_memset(&v, 0, sizeof(v));
    v.fs = fs;
    v.st = kk_sfs__alloc(fs, fs->super.blocks);
    for (i = 0; i < NB; i++)
        v.b[i] = kk_sfs__alloc(fs, KK_SFS_BLKSIZE);
    for (i = 0; i < NB; i++)
        if (!v.b[i])
            v.err = KK_ENOMEM;
    if (!v.st)
        v.err = KK_ENOMEM;
    if (!v.err) {
        kk_memset(v.st, 0, fs->super.blocks);
        walk(&v);
    }
    for (i = 0; i < NB; i++)
        kk_sfs__free(fs, v.b[i], KK_SFS_BLKSIZE);
    kk_sfs__free(fs, v.st, fs->super.blocks);
    kk_sfs__free(fs, v.dirs, sizeof(uint32_t) * v.cap);
    if (v.err)
        return v.err;
    if (v.bad) {
        fs->read_only = true;
        fs->write_err = KK_ECORRUPT;
        fs->bad_block = v.bad;
    }
    return 0;
}
