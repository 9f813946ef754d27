/*
 * inode.c: the inode cache (reference-counted in-memory inodes), the block
 * map (direct, indirect, double indirect), read, write and truncate.
 *
 * Owns: fs->ihash and the struct kk_sfs_inode objects in it.
 * Promises: every block number read from disk is checked before use
 * (KK_ECORRUPT otherwise); a pointer slot at an index >= d.blocks is never
 * trusted (extension zeroes those slots first); for regular files and links
 * d.blocks == ceil(size / 4096) whenever an operation returns, and the bytes
 * of the last block past d.size are zero; an inode whose last reference is
 * dropped with nlinks == 0 has its blocks freed.
 */
#include "sfs_int.h"

#define L1_FIRST     KK_SFS_NDIRECT
#define L2_FIRST     (KK_SFS_NDIRECT + KK_SFS_NENTRY)
#define RUN_MAX      256u /* blocks per direct device request */
#define ALIGN_BLOCKS 256u /* large files' data starts every 1 MiB on a 1 MiB boundary */

bool kk_sfs__valid_block(struct kk_sfs *fs, uint32_t blkno)
{
    return blkno >= fs->first_data && blkno < fs->super.blocks;
}

static uint32_t ihashfn(struct kk_sfs *fs, uint32_t ino)
{
    return (ino * 0x9E3779B1u >> 9) & fs->ihash_mask;
}

static bool inode_sane(const struct kk_sfs_disk_inode *d)
{
    if (d->nlinks == 0 || d->blocks > KK_SFS_MAX_FILE_BLOCKS)
        return false;
    switch (d->type) {
    case KK_SFS_TYPE_DIR:
        return (uint64_t)d->blocks * KK_SFS_DENTRY_SIZE == d->size;
    case KK_SFS_TYPE_LINK:
        if (d->size > KK_SFS_MAX_LINK)
            return false;
        /* fall through */
    case KK_SFS_TYPE_FILE:
        return d->blocks == ceil_blocks(d->size);
    default:
        return false;
    }
}

static void ihash_insert(struct kk_sfs *fs, struct kk_sfs_inode *ip)
{
    uint32_t h = ihashfn(fs, ip->ino);
    ip->hnext = fs->ihash[h];
    fs->ihash[h] = ip;
    fs->ninodes++;
}

static void ihash_remove(struct kk_sfs *fs, struct kk_sfs_inode *ip)
{
    struct kk_sfs_inode **pp = &fs->ihash[ihashfn(fs, ip->ino)];
    while (*pp && *pp != ip)
        pp = &(*pp)->hnext;
    if (*pp) {
        *pp = ip->hnext;
        fs->ninodes--;
    }
}

static void keep_remove(struct kk_sfs *fs, struct kk_sfs_inode *ip);

int kk_sfs__iget(struct kk_sfs *fs, uint32_t ino, struct kk_sfs_inode **out)
{
    struct kk_sfs_inode *ip;
    struct buf *b;
    int rc;
    if ((ino != KK_SFS_BLKN_ROOT && !kk_sfs__valid_block(fs, ino)) ||
        kk_sfs__block_is_free(fs, ino))
        return KK_ECORRUPT;
    for (ip = fs->ihash[ihashfn(fs, ino)]; ip; ip = ip->hnext) {
        if (ip->ino == ino) {
            if (ip->refs++ == 0)
                keep_remove(fs, ip);
            *out = ip;
            return 0;
        }
    }
    if ((ip = kk_sfs__alloc(fs, sizeof(*ip))) == NULL)
        return KK_ENOMEM;
    if ((rc = kk_sfs__bread(fs, ino, &b)) != 0) {
        kk_sfs__free(fs, ip, sizeof(*ip));
        return rc;
    }
    kk_sfs_inode_decode(b->data, &ip->d);
    /* a directory whose new inode is still only in the cache is new (inode_kind) */
    ip->born = kk_sfs__new_dir_inode(fs, ino) ? fs->sync_gen : UINT32_MAX;
    kk_sfs__bput(fs, b);
    if (!inode_sane(&ip->d)) {
        kk_sfs__free(fs, ip, sizeof(*ip));
        return KK_ECORRUPT;
    }
    ip->fs = fs;
    ip->ino = ino;
    ip->refs = 1;
    ip->idx = NULL;
    ihash_insert(fs, ip);
    *out = ip;
    return 0;
}

/*
 * Where @ip's inode block goes in the write-back order: after its data and
 * indirect blocks; a directory's after its entry blocks; a directory created
 * since the last sync also before the entry naming it (KIND_NEWDIR).
 */
static uint8_t inode_kind(const struct kk_sfs_inode *ip)
{
    if (ip->d.type != KK_SFS_TYPE_DIR)
        return KIND_INODE;
    return ip->born == ip->fs->sync_gen ? KIND_NEWDIR : KIND_DIRINODE;
}

/* The kind of @ip's indirect (@level 1) or double-indirect (2) block: just before its inode. */
static uint8_t ind_kind(const struct kk_sfs_inode *ip, unsigned level)
{
    return (uint8_t)(inode_kind(ip) - 3 + level);
}

int kk_sfs__iupdate(struct kk_sfs_inode *ip)
{
    struct buf *b;
    int rc = kk_sfs__bread(ip->fs, ip->ino, &b);
    if (rc)
        return rc;
    kk_sfs_inode_encode(&ip->d, b->data);
    kk_sfs__bdirty_kind(ip->fs, b, inode_kind(ip));
    kk_sfs__bput(ip->fs, b);
    return 0;
}

int kk_sfs__ialloc(struct kk_sfs *fs, uint16_t type, struct kk_sfs_inode **out)
{
    struct kk_sfs_inode *ip = kk_sfs__alloc(fs, sizeof(*ip));
    struct buf *b;
    int rc;
    if (!ip)
        return KK_ENOMEM;
    kk_memset(ip, 0, sizeof(*ip));
    if ((rc = kk_sfs__block_alloc(fs, &ip->ino)) != 0)
        goto fail;
    if ((rc = kk_sfs__bzero_get(fs, ip->ino, &b)) != 0) {
        /* never referenced: give it straight back */
        fs->map[ip->ino >> 3] |= (uint8_t)(1u << (ip->ino & 7));
        fs->nfree++;
        goto fail;
    }
    ip->fs = fs;
    ip->refs = 1;
    ip->born = fs->sync_gen;
    ip->d.type = type;
    kk_sfs_inode_encode(&ip->d, b->data);
    kk_sfs__bdirty_kind(fs, b, inode_kind(ip));
    kk_sfs__bput(fs, b);
    ihash_insert(fs, ip);
    *out = ip;
    return 0;
fail:
    kk_sfs__free(fs, ip, sizeof(*ip));
    return rc;
}

/* Forget kept (unreferenced) inode @ip: it is referenced again. */
static void keep_remove(struct kk_sfs *fs, struct kk_sfs_inode *ip)
{
    uint32_t i;
    for (i = 0; i < fs->nkeep && fs->keep[i] != ip; i++)
        ;
    if (i == fs->nkeep)
        return;
    kk_memmove(&fs->keep[i], &fs->keep[i + 1], (fs->nkeep - i - 1) * sizeof(fs->keep[0]));
    fs->nkeep--;
}

static void ifree(struct kk_sfs_inode *ip)
{
    kk_sfs__dir_index_drop(ip);
    ihash_remove(ip->fs, ip);
    kk_sfs__free(ip->fs, ip, sizeof(*ip));
}

/*
 * Keep a linked directory with a name index cached after its last reference
 * (path-based callers such as a VFS take and drop it on every operation),
 * evicting the oldest kept one beyond KEEP_DIRS.
 */
static bool keep(struct kk_sfs *fs, struct kk_sfs_inode *ip)
{
    if (!ip->idx || ip->d.nlinks == 0)
        return false;
    if (fs->nkeep == KEEP_DIRS) {
        struct kk_sfs_inode *old = fs->keep[0];
        keep_remove(fs, old);
        ifree(old);
    }
    fs->keep[fs->nkeep++] = ip;
    return true;
}

void kk_sfs__icache_drop_kept(struct kk_sfs *fs)
{
    while (fs->nkeep) {
        struct kk_sfs_inode *ip = fs->keep[0];
        keep_remove(fs, ip);
        ifree(ip);
    }
}

void kk_sfs__iput(struct kk_sfs_inode *ip)
{
    struct kk_sfs *fs = ip->fs;
    if (--ip->refs > 0 || keep(fs, ip))
        return;
    if (ip->d.nlinks == 0 && !fs->read_only) {
        /* a failure here leaks blocks (sfsck frees them); memory stays consistent */
        struct pins p = {{0}, 0};
        int rc = kk_sfs__pin(fs, &p, ip->ino);
        if (rc == 0)
            rc = kk_sfs__itrunc(ip, 0);
        kk_sfs__unpin(fs, &p);
        if (rc == 0)
            (void)kk_sfs__block_free(fs, ip->ino);
    }
    ifree(ip);
}

/* Read pointer @idx of indirect block @blk; 0 if none. Checks the value. */
static int ptr_get(struct kk_sfs *fs, uint32_t blk, uint32_t idx, uint32_t *out)
{
    struct buf *b;
    uint32_t v;
    int rc = kk_sfs__bread(fs, blk, &b);
    if (rc)
        return rc;
    v = kk_sfs_get32(b->data + 4 * idx);
    kk_sfs__bput(fs, b);
    if (v && (!kk_sfs__valid_block(fs, v) || kk_sfs__block_is_free(fs, v)))
        return KK_ECORRUPT;
    *out = v;
    return 0;
}

static int ptr_set(struct kk_sfs *fs, uint32_t blk, uint32_t idx, uint32_t v, uint8_t kind)
{
    struct buf *b;
    int rc = kk_sfs__bread(fs, blk, &b);
    if (rc)
        return rc;
    kk_sfs_put32(b->data + 4 * idx, v);
    kk_sfs__bdirty_kind(fs, b, kind);
    kk_sfs__bput(fs, b);
    return 0;
}

static int check_ptr(struct kk_sfs *fs, uint32_t v)
{
    return (v && (!kk_sfs__valid_block(fs, v) || kk_sfs__block_is_free(fs, v))) ? KK_ECORRUPT : 0;
}

/* Allocate a zeroed metadata block (an indirect block). */
static int alloc_zeroed(struct kk_sfs *fs, uint32_t *out)
{
    struct buf *b;
    int rc = kk_sfs__block_alloc_meta(fs, out);
    if (rc)
        return rc;
    if ((rc = kk_sfs__bzero_get(fs, *out, &b)) != 0) {
        fs->map[*out >> 3] |= (uint8_t)(1u << (*out & 7));
        fs->nfree++;
        return rc;
    }
    kk_sfs__bput(fs, b);
    return 0;
}

/*
 * Where data block @idx of a file goes: at every 1 MiB of a large file, the
 * next block on a 1 MiB boundary of the device unless the next free one is
 * already there. With indirect blocks kept apart (kk_sfs__block_alloc_meta) the data
 * then stays in aligned runs, which a device and a host page cache (hostblk)
 * serve faster; 0 = no goal.
 */
static uint32_t data_goal(struct kk_sfs *fs, uint32_t idx)
{
    uint32_t h = fs->alloc_hint;
    if (idx < ALIGN_BLOCKS || idx % ALIGN_BLOCKS || h % ALIGN_BLOCKS == 0 ||
        h > UINT32_MAX - ALIGN_BLOCKS)
        return 0;
    return (h | (ALIGN_BLOCKS - 1)) + 1;
}

/*
 * Slot @idx inside indirect block *@parent (allocated when create and 0).
 * A data block (@leaf) is allocated at or after @goal when it can be.
 * *@fresh tells whether the returned data block was allocated here.
 */
static int map_in(struct kk_sfs_inode *ip, uint32_t *parent, uint32_t idx, bool create, bool leaf,
                  uint32_t goal, uint32_t *out, bool *fresh)
{
    struct kk_sfs *fs = ip->fs;
    uint32_t v = 0;
    int rc;
    if (*parent == 0) {
        if (!create) {
            *out = 0;
            return 0;
        }
        if ((rc = alloc_zeroed(fs, parent)) != 0)
            return rc;
    } else if ((rc = check_ptr(fs, *parent)) != 0) {
        return rc;
    } else if ((rc = ptr_get(fs, *parent, idx, &v)) != 0) {
        return rc;
    }
    if (v == 0 && create) {
        rc = leaf ? kk_sfs__block_alloc_goal(fs, goal, &v) : alloc_zeroed(fs, &v);
        if (rc)
            return rc;
        if ((rc = ptr_set(fs, *parent, idx, v, ind_kind(ip, leaf ? 1 : 2))) != 0) {
            fs->map[v >> 3] |= (uint8_t)(1u << (v & 7));
            fs->nfree++;
            return rc;
        }
        if (fresh)
            *fresh = true;
    }
    *out = v;
    return 0;
}

/*
 * A mapped block that is the inode's own block or one of its indirect blocks
 * (@l1: the level-1 block it was found in under the double-indirect block)
 * is corrupt: as data it would expose or overwrite the file's metadata.
 */
static int own_block(struct kk_sfs_inode *ip, uint32_t v, uint32_t l1)
{
    if (v && (v == ip->ino || v == ip->d.indirect || v == ip->d.db_indirect || v == l1))
        return KK_ECORRUPT;
    return 0;
}

int kk_sfs__bmap_ex(struct kk_sfs_inode *ip, uint32_t idx, bool create, uint32_t *out, bool *fresh)
{
    struct kk_sfs *fs = ip->fs;
    struct kk_sfs_disk_inode *d = &ip->d;
    uint32_t l1 = 0, goal;
    int rc;
    if (fresh)
        *fresh = false;
    if (idx >= d->blocks) {
        *out = 0;
        return create ? KK_EINVAL : 0;
    }
    if (idx < L1_FIRST) {
        if ((rc = check_ptr(fs, d->direct[idx])) != 0 ||
            (rc = own_block(ip, d->direct[idx], 0)) != 0)
            return rc;
        if (d->direct[idx] == 0 && create) {
            if ((rc = kk_sfs__block_alloc(fs, &d->direct[idx])) != 0)
                return rc;
            if (fresh)
                *fresh = true;
        }
        *out = d->direct[idx];
        return 0;
    }
    goal = create ? data_goal(fs, idx) : 0;
    if (idx < L2_FIRST) {
        rc = map_in(ip, &d->indirect, idx - L1_FIRST, create, true, goal, out, fresh);
        return rc ? rc : own_block(ip, *out, 0);
    }
    idx -= L2_FIRST;
    rc = map_in(ip, &d->db_indirect, idx / KK_SFS_NENTRY, create, false, 0, &l1, NULL);
    if (!rc)
        rc = own_block(ip, l1, 0);
    if (rc || l1 == 0) {
        *out = 0;
        return rc;
    }
    rc = map_in(ip, &l1, idx % KK_SFS_NENTRY, create, true, goal, out, fresh);
    return rc ? rc : own_block(ip, *out, l1);
}

int kk_sfs__bmap(struct kk_sfs_inode *ip, uint32_t idx, bool create, uint32_t *out)
{
    return kk_sfs__bmap_ex(ip, idx, create, out, NULL);
}

/* Zero the pointers of indices [from, to) of indirect block @blk (entries s..e). */
static int clear_ptrs(struct kk_sfs *fs, uint32_t blk, uint32_t s, uint32_t e, bool do_free)
{
    struct buf *b;
    uint32_t j, v;
    int rc = check_ptr(fs, blk), bad = 0;
    if (rc || (rc = kk_sfs__bread(fs, blk, &b)) != 0)
        return rc;
    for (j = s; j < e; j++) {
        v = kk_sfs_get32(b->data + 4 * j);
        if (!v)
            continue;
        if (do_free && kk_sfs__block_free(fs, v) != 0)
            bad = KK_ECORRUPT;
        kk_sfs_put32(b->data + 4 * j, 0);
        kk_sfs__bdirty(fs, b);
    }
    kk_sfs__bput(fs, b);
    return bad;
}

/*
 * Clear (and with do_free, free) the mappings of logical blocks [from, to),
 * given that the inode currently covers d.blocks blocks. Indirect blocks that
 * no longer cover anything below @from are released too.
 */
static int unmap_range(struct kk_sfs_inode *ip, uint32_t from, uint32_t to, bool do_free)
{
    struct kk_sfs *fs = ip->fs;
    struct kk_sfs_disk_inode *d = &ip->d;
    uint32_t i, a, s, e, l1;
    int rc, bad = 0;
    for (i = from; i < to && i < L1_FIRST; i++) {
        if (d->direct[i] && do_free && kk_sfs__block_free(fs, d->direct[i]) != 0)
            bad = KK_ECORRUPT;
        d->direct[i] = 0;
    }
    if (to > L1_FIRST && d->indirect) {
        s = KK_MAX(from, L1_FIRST) - L1_FIRST;
        e = KK_MIN(to, L2_FIRST) - L1_FIRST;
        if (s < e && (rc = clear_ptrs(fs, d->indirect, s, e, do_free)) != 0) {
            if (rc != KK_ECORRUPT)
                return rc;
            bad = rc;
        }
        if (from <= L1_FIRST) {
            if (do_free && kk_sfs__block_free(fs, d->indirect) != 0)
                bad = KK_ECORRUPT;
            d->indirect = 0;
        }
    } else if (d->indirect && from <= L1_FIRST && do_free) {
        /* uCore's truncate keeps the (empty) indirect block: release it with the rest */
        if (check_ptr(fs, d->indirect) == 0 && kk_sfs__block_free(fs, d->indirect) != 0)
            bad = KK_ECORRUPT;
        d->indirect = 0;
    }
    if (to > L2_FIRST && d->db_indirect) {
        s = KK_MAX(from, L2_FIRST) - L2_FIRST;
        e = to - L2_FIRST;
        for (a = s / KK_SFS_NENTRY; a <= (e - 1) / KK_SFS_NENTRY; a++) {
            uint32_t lo = KK_MAX(s, a * KK_SFS_NENTRY), hi = KK_MIN(e, (a + 1) * KK_SFS_NENTRY);
            if ((rc = check_ptr(fs, d->db_indirect)) != 0 ||
                (rc = ptr_get(fs, d->db_indirect, a, &l1)) != 0) {
                if (rc != KK_ECORRUPT)
                    return rc;
                bad = rc;
                l1 = 0;
            }
            if (!l1)
                continue;
            rc = clear_ptrs(fs, l1, lo % KK_SFS_NENTRY, hi - a * KK_SFS_NENTRY, do_free);
            if (rc && rc != KK_ECORRUPT)
                return rc;
            if (rc)
                bad = rc;
            if (lo == a * KK_SFS_NENTRY) {
                if (do_free && kk_sfs__block_free(fs, l1) != 0)
                    bad = KK_ECORRUPT;
                if ((rc = ptr_set(fs, d->db_indirect, a, 0, ind_kind(ip, 2))) != 0)
                    return rc;
            }
        }
        if (from <= L2_FIRST) {
            if (do_free && kk_sfs__block_free(fs, d->db_indirect) != 0)
                bad = KK_ECORRUPT;
            d->db_indirect = 0;
        }
    }
    return bad;
}

/* Grow d.blocks to @newb, first zeroing the (untrusted) pointer slots beyond it. */
static int iextend(struct kk_sfs_inode *ip, uint32_t newb)
{
    struct kk_sfs_disk_inode *d = &ip->d;
    uint32_t old = d->blocks;
    int rc = 0;
    if (newb <= old)
        return 0;
    if (newb > KK_SFS_MAX_FILE_BLOCKS)
        return KK_EFBIG;
    /* uCore's truncate keeps the indirect block of a file shrunk to <= 12 blocks: reuse it */
    if (old <= L1_FIRST && check_ptr(ip->fs, d->indirect) != 0)
        d->indirect = 0;
    if (old <= L2_FIRST)
        d->db_indirect = 0;
    /* only slots inside indirect blocks that exist can hold stale values */
    if (old < L2_FIRST && newb > L1_FIRST && d->indirect)
        rc = clear_ptrs(ip->fs, d->indirect, KK_MAX(old, L1_FIRST) - L1_FIRST,
                        KK_MIN(newb, L2_FIRST) - L1_FIRST, false);
    if (rc == 0) {
        uint32_t from = KK_MAX(old, L2_FIRST);
        if (newb > from && d->db_indirect) {
            /* finish the partial L1 block and clear the L2 slots after it */
            uint32_t s = from - L2_FIRST, e = newb - L2_FIRST, a = s / KK_SFS_NENTRY, l1 = 0;
            if (s % KK_SFS_NENTRY) {
                rc = ptr_get(ip->fs, d->db_indirect, a, &l1);
                if (rc == 0 && l1)
                    rc = clear_ptrs(ip->fs, l1, s % KK_SFS_NENTRY,
                                    KK_MIN(e - a * KK_SFS_NENTRY, KK_SFS_NENTRY), false);
                a++;
            }
            if (rc == 0 && a * KK_SFS_NENTRY < e)
                rc = clear_ptrs(ip->fs, d->db_indirect, a, (e - 1) / KK_SFS_NENTRY + 1, false);
        }
    }
    if (rc == 0) {
        for (uint32_t i = old; i < newb && i < L1_FIRST; i++)
            d->direct[i] = 0;
        d->blocks = newb;
    }
    return rc;
}

int kk_sfs__iextend_blocks(struct kk_sfs_inode *ip, uint32_t newb)
{
    return iextend(ip, newb);
}

int kk_sfs__iunmap(struct kk_sfs_inode *ip, uint32_t from)
{
    int rc = 0;
    if (from < ip->d.blocks) {
        rc = unmap_range(ip, from, ip->d.blocks, true);
        ip->d.blocks = from;
    }
    return rc;
}

/* Zero bytes [from, 4096) of logical block @idx if it is mapped. */
static int zero_tail(struct kk_sfs_inode *ip, uint32_t idx, uint32_t from)
{
    struct buf *b;
    uint32_t p;
    int rc = kk_sfs__bmap(ip, idx, false, &p);
    if (rc || p == 0)
        return rc;
    if ((rc = kk_sfs__bread(ip->fs, p, &b)) != 0)
        return rc;
    kk_memset(b->data + from, 0, KK_SFS_BLKSIZE - from);
    kk_sfs__bdirty(ip->fs, b);
    kk_sfs__bput(ip->fs, b);
    return 0;
}

/*
 * Truncating down to @size (@newb blocks) changes blocks that stay with the
 * file - the zeroed tail of the new last block, indirect blocks with the
 * freed pointers cleared - which must not reach the disk while the inode
 * there still has the old size (a cut would show zeros up to it). So the
 * inode with the new size goes first: it is written (a sync, which keeps the
 * order for everything else dirty) before those blocks are changed. On disk
 * it then ignores the slots past its new end (stale pointers there are
 * leaks at worst, freed by the next sync's frees or sfsck -y). Truncations
 * that only drop whole blocks the inode points to need no write: the freed
 * blocks are held until the next sync anyway.
 */
static int shrink_first(struct kk_sfs_inode *ip, uint64_t size, uint32_t newb)
{
    struct kk_sfs *fs = ip->fs;
    struct kk_sfs_disk_inode *d = &ip->d, save = *d;
    int rc;
    if (fs->unordered || size >= d->size || newb == 0 ||
        (size % KK_SFS_BLKSIZE == 0 && (newb <= L1_FIRST || newb == d->blocks)))
        return 0;
    d->size = (uint32_t)size;
    d->blocks = newb;
    if (newb <= L2_FIRST)
        d->db_indirect = 0; /* sfsck would call it stale; its subtree leaks at worst */
    rc = kk_sfs__iupdate(ip);
    if (rc == 0)
        rc = kk_sfs__sync_all(fs);
    *d = save;
    if (rc)
        (void)kk_sfs__iupdate(ip); /* the buffer holds the old inode again */
    return rc;
}

int kk_sfs__itrunc(struct kk_sfs_inode *ip, uint64_t size)
{
    struct kk_sfs_disk_inode *d = &ip->d;
    uint32_t newb, old = d->blocks;
    int rc = 0;
    if (size > UINT32_MAX)
        return KK_EFBIG;
    newb = ceil_blocks(size);
    if (newb > old) {
        rc = iextend(ip, newb);
    } else {
        if ((rc = shrink_first(ip, size, newb)) != 0)
            return rc;
        if (size % KK_SFS_BLKSIZE && size < d->size)
            rc = zero_tail(ip, newb - 1, (uint32_t)(size % KK_SFS_BLKSIZE));
        if (rc == 0 && (newb < old || (newb <= L1_FIRST && d->indirect)))
            rc = unmap_range(ip, newb, old, true);
        if (rc == 0 || rc == KK_ECORRUPT)
            d->blocks = newb;
    }
    if (rc == 0 || rc == KK_ECORRUPT)
        d->size = (uint32_t)size;
    {
        int rc2 = kk_sfs__iupdate(ip);
        return rc ? rc : rc2;
    }
}

/* Copy one cached block's worth, or zeros for a hole. */
static int read_partial(struct kk_sfs_inode *ip, uint32_t p, uint32_t boff, uint8_t *dst,
                        uint32_t n)
{
    struct buf *b;
    int rc;
    if (p == 0) {
        kk_memset(dst, 0, n);
        return 0;
    }
    if ((rc = kk_sfs__bread(ip->fs, p, &b)) != 0)
        return rc;
    kk_memcpy(dst, b->data + boff, n);
    kk_sfs__bput(ip->fs, b);
    return 0;
}

/* Does data block @p (listed in @l1, 0 = direct) continue a read run at position @k? */
static bool run_ok(struct kk_sfs_inode *ip, uint32_t p, uint32_t l1, uint32_t p0, uint32_t k)
{
    return p == p0 + k && check_ptr(ip->fs, p) == 0 && own_block(ip, p, l1) == 0;
}

/* Indirect block holding the pointer of logical block @i (>= L1_FIRST) and its slot. */
static int leaf_of(struct kk_sfs_inode *ip, uint32_t i, uint32_t *leaf, uint32_t *slot)
{
    if (i < L2_FIRST) {
        *slot = i - L1_FIRST;
        *leaf = ip->d.indirect;
        return check_ptr(ip->fs, *leaf);
    }
    i -= L2_FIRST;
    *slot = i % KK_SFS_NENTRY;
    if (ip->d.db_indirect == 0) {
        *leaf = 0;
        return 0;
    }
    return map_in(ip, &ip->d.db_indirect, i / KK_SFS_NENTRY, false, false, 0, leaf, NULL);
}

/*
 * Read-side run length: walks the pointer arrays (one kk_sfs__bread per indirect block, not
 * per data block). The run stops at the first block that is not consecutive or not
 * a sane pointer; the caller's next kk_sfs__bmap() reports any corruption there. Cached
 * blocks inside the run are read from the device too: a clean buffer equals the
 * device, and dirty ones are copied over the result (overlay_dirty).
 */
static int read_run_len(struct kk_sfs_inode *ip, uint32_t idx, uint32_t p0, uint32_t max,
                        uint32_t *n)
{
    struct kk_sfs *fs = ip->fs;
    uint32_t k = 1, leaf, slot;
    bool more = true;
    int rc = 0;
    if (max > ip->d.blocks - idx)
        max = ip->d.blocks - idx;
    while (k < max && idx + k < L1_FIRST && run_ok(ip, ip->d.direct[idx + k], 0, p0, k))
        k++;
    if (k < max && idx + k < L1_FIRST)
        more = false;
    while (more && k < max) {
        struct buf *b;
        if ((rc = leaf_of(ip, idx + k, &leaf, &slot)) != 0 || leaf == 0)
            break;
        if ((rc = kk_sfs__bread(fs, leaf, &b)) != 0)
            break;
        for (; slot < KK_SFS_NENTRY && k < max; slot++, k++) {
            if (!run_ok(ip, kk_sfs_get32(b->data + 4 * slot), leaf, p0, k)) {
                more = false;
                break;
            }
        }
        kk_sfs__bput(fs, b);
    }
    *n = k;
    return rc;
}

/*
 * Write-side run length: maps (allocating) blocks idx+1.. while they are physically
 * consecutive with @p0 (cached copies are dropped once the run is written: rw_flush).
 * A failed kk_sfs__bmap() ends the run (blocks it mapped must still be written); the
 * caller's next kk_sfs__bmap() reports the error.
 */
static void write_run_len(struct kk_sfs_inode *ip, uint32_t idx, uint32_t p0, uint32_t max,
                          uint32_t *n)
{
    uint32_t k, p;
    for (k = 1; k < max; k++) {
        if (kk_sfs__bmap(ip, idx + k, true, &p) != 0 || p != p0 + k)
            break;
    }
    *n = k;
}

/* Copy the dirty cached blocks of a completed device read over its result. */
static void overlay_dirty(struct kk_sfs *fs, const struct kk_blockdev_req *r)
{
    uint32_t p0 = (uint32_t)(r->blkno >> fs->dev_shift), n = r->count >> fs->dev_shift, k;
    for (k = 0; k < n; k++) {
        struct buf *b = kk_sfs__bfind(fs, p0 + k);
        if (b && b->dirty)
            kk_memcpy((uint8_t *)r->buf + (size_t)k * KK_SFS_BLKSIZE, b->data, KK_SFS_BLKSIZE);
    }
}

/*
 * After a write run: its blocks' cached copies are out of date, unless it failed
 * (or was not tried): then a dirty one keeps data written before, for sync.
 */
static void drop_written(struct kk_sfs *fs, const struct kk_blockdev_req *r)
{
    uint32_t p0 = (uint32_t)(r->blkno >> fs->dev_shift), n = r->count >> fs->dev_shift, k;
    for (k = 0; k < n; k++) {
        struct buf *b = kk_sfs__bfind(fs, p0 + k);
        if (b && (r->status == 0 || !b->dirty))
            kk_sfs__binval(fs, p0 + k);
    }
}

/*
 * Submit the runs queued by kk_sfs__iread/kk_sfs__iwrite (buffer @base). When all succeed, *done
 * becomes @pos; else the bytes before the first failed request.
 */
static int rw_flush(struct kk_sfs *fs, const uint8_t *base, size_t pos, size_t *done)
{
    struct iobatch *iob = &fs->iob;
    uint32_t failed, i;
    int rc = kk_sfs__iob_submit(fs, iob, &failed);
    for (i = 0; i < iob->n; i++) {
        if (iob->r[i].op == KK_BLOCKDEV_WRITE) {
            kk_sfs__wrote(fs, KIND_DATA);
            drop_written(fs, &iob->r[i]);
        } else if (i < failed && fs->ndirty) {
            overlay_dirty(fs, &iob->r[i]);
        }
    }
    *done = rc ? (size_t)((const uint8_t *)iob->r[failed].buf - base) : pos;
    iob->n = 0;
    return rc;
}

/*
 * After a piece of @n bytes ending at @pos: submit the queued runs when the batch is
 * full or the operation ends, and advance *done past everything finished.
 */
static int rw_step(struct kk_sfs *fs, const uint8_t *base, size_t pos, bool last, size_t *done)
{
    if (fs->iob.n == IOB_MAX || (fs->iob.n && last))
        return rw_flush(fs, base, pos, done);
    if (fs->iob.n == 0)
        *done = pos;
    return 0;
}

int kk_sfs__iread(struct kk_sfs_inode *ip, uint64_t off, void *buf, size_t len, size_t *done)
{
    struct kk_sfs *fs = ip->fs;
    uint8_t *dst = buf;
    uint64_t end;
    int rc = 0;
    *done = 0;
    fs->iob.n = 0;
    if (off >= ip->d.size)
        return 0;
    end = len < ip->d.size - off ? off + len : ip->d.size; /* off + len may wrap */
    while (off < end && rc == 0) {
        uint32_t idx = (uint32_t)(off / KK_SFS_BLKSIZE), boff = (uint32_t)(off % KK_SFS_BLKSIZE);
        uint32_t p, n;
        if ((rc = kk_sfs__bmap(ip, idx, false, &p)) != 0)
            break;
        if (boff == 0 && end - off >= KK_SFS_BLKSIZE && p && !kk_sfs__bfind(fs, p)) {
            uint32_t run;
            uint32_t max = (uint32_t)KK_MIN((end - off) / KK_SFS_BLKSIZE, (uint64_t)RUN_MAX);
            if ((rc = read_run_len(ip, idx, p, max, &run)) != 0 ||
                (rc = kk_sfs__iob_add(fs, &fs->iob, KK_BLOCKDEV_READ, p, run, dst)) != 0)
                break;
            n = run * KK_SFS_BLKSIZE;
        } else {
            n = (uint32_t)KK_MIN((uint64_t)(KK_SFS_BLKSIZE - boff), end - off);
            if ((rc = read_partial(ip, p, boff, dst, n)) != 0)
                break;
        }
        dst += n;
        off += n;
        rc = rw_step(fs, buf, (size_t)(dst - (uint8_t *)buf), off >= end, done);
    }
    fs->iob.n = 0; /* on error: runs not yet submitted are not counted in *done */
    return rc;
}

static int write_partial(struct kk_sfs_inode *ip, uint32_t idx, uint32_t boff, const uint8_t *src,
                         uint32_t n)
{
    struct buf *b;
    uint32_t p;
    bool fresh;
    int rc = kk_sfs__bmap_ex(ip, idx, true, &p, &fresh);
    if (rc)
        return rc;
    rc = fresh ? kk_sfs__bzero_get(ip->fs, p, &b) : kk_sfs__bread(ip->fs, p, &b);
    if (rc)
        return rc;
    kk_memcpy(b->data + boff, src, n);
    kk_sfs__bdirty(ip->fs, b);
    kk_sfs__bput(ip->fs, b);
    return 0;
}

int kk_sfs__iwrite(struct kk_sfs_inode *ip, uint64_t off, const void *buf, size_t len, size_t *done)
{
    struct kk_sfs *fs = ip->fs;
    const uint8_t *src = buf;
    uint64_t end, start = off;
    uint32_t need;
    int rc = 0, rc2;
    *done = 0;
    fs->iob.n = 0;
    if (len == 0)
        return 0;
    if (off > UINT32_MAX || len > UINT32_MAX - off) /* also keeps off + len from wrapping */
        return KK_EFBIG;
    end = off + len;
    /* held frees this write may need come back before its first change, so that
     * no sync runs while its data runs are queued (worst case: every block new) */
    need = ceil_blocks(end) - (uint32_t)(off / KK_SFS_BLKSIZE) + 3;
    if (fs->nfree < need && fs->npending && (rc = kk_sfs__sync_all(fs)) != 0)
        return rc;
    if ((rc = iextend(ip, ceil_blocks(end))) != 0)
        return rc;
    while (off < end && rc == 0) {
        uint32_t idx = (uint32_t)(off / KK_SFS_BLKSIZE), boff = (uint32_t)(off % KK_SFS_BLKSIZE);
        uint32_t n, p;
        if (boff == 0 && end - off >= KK_SFS_BLKSIZE) {
            uint32_t run;
            uint32_t max = (uint32_t)KK_MIN((end - off) / KK_SFS_BLKSIZE, (uint64_t)RUN_MAX);
            if ((rc = kk_sfs__bmap(ip, idx, true, &p)) != 0)
                break;
            write_run_len(ip, idx, p, max, &run);
            if ((rc = kk_sfs__iob_add(fs, &fs->iob, KK_BLOCKDEV_WRITE, p, run, (void *)src)) != 0)
                break;
            n = run * KK_SFS_BLKSIZE;
        } else {
            n = (uint32_t)KK_MIN((uint64_t)(KK_SFS_BLKSIZE - boff), end - off);
            if ((rc = write_partial(ip, idx, boff, src, n)) != 0)
                break;
        }
        src += n;
        off += n;
        rc = rw_step(fs, buf, (size_t)(src - (const uint8_t *)buf), off >= end, done);
    }
    /* blocks of the runs queued before a failure are mapped: they must be written */
    if (rc && fs->iob.n)
        rw_flush(fs, buf, (size_t)(src - (const uint8_t *)buf), done);
    fs->iob.n = 0;
    /* a write that wrote nothing never moves end-of-file (no zeros appear) */
    if (*done && start + *done > ip->d.size)
        ip->d.size = (uint32_t)(start + *done);
    if (ip->d.blocks > ceil_blocks(ip->d.size)) {
        /* give back what was mapped but not written */
        rc2 = unmap_range(ip, ceil_blocks(ip->d.size), ip->d.blocks, true);
        ip->d.blocks = ceil_blocks(ip->d.size);
        if (rc == 0)
            rc = rc2;
    }
    rc2 = kk_sfs__iupdate(ip);
    return rc ? rc : rc2;
}

static bool kept(struct kk_sfs *fs, struct kk_sfs_inode *ip)
{
    uint32_t i;
    for (i = 0; i < fs->nkeep; i++)
        if (fs->keep[i] == ip)
            return true;
    return false;
}

int kk_sfs__icache_check(struct kk_sfs *fs)
{
    uint32_t h, n = 0;
    struct kk_sfs_inode *ip;
    for (h = 0; h <= fs->ihash_mask; h++) {
        for (ip = fs->ihash[h]; ip; ip = ip->hnext) {
            struct kk_sfs_disk_inode d = ip->d;
            n++;
            if (ihashfn(fs, ip->ino) != h || ip->fs != fs || (ip->refs == 0) != kept(fs, ip))
                return KK_ECORRUPT;
            if (kk_sfs__block_is_free(fs, ip->ino))
                return KK_ECORRUPT;
            if (d.nlinks == 0)
                d.nlinks = 1; /* unlinked but open */
            if (!inode_sane(&d) || (ip->idx && kk_sfs__dir_index_check(ip) != 0))
                return KK_ECORRUPT;
        }
    }
    return n == fs->ninodes ? 0 : KK_ECORRUPT;
}

uint32_t kk_sfs__icache_busy(struct kk_sfs *fs)
{
    return fs->ninodes - fs->nkeep;
}

int kk_sfs__pin_path(struct kk_sfs_inode *ip, uint32_t idx, struct pins *p)
{
    struct kk_sfs *fs = ip->fs;
    struct kk_sfs_disk_inode *d = &ip->d;
    uint32_t blk = 0, l1 = 0;
    int rc = 0;
    if (idx >= L1_FIRST && idx < L2_FIRST && d->blocks > L1_FIRST && d->indirect)
        rc = check_ptr(fs, d->indirect) ? 0 : kk_sfs__pin(fs, p, d->indirect);
    if (rc == 0 && idx >= L2_FIRST && d->blocks > L2_FIRST && d->db_indirect &&
        check_ptr(fs, d->db_indirect) == 0) {
        uint32_t a = (idx - L2_FIRST) / KK_SFS_NENTRY;
        rc = kk_sfs__pin(fs, p, d->db_indirect);
        if (rc == 0 && a <= (d->blocks - 1 - L2_FIRST) / KK_SFS_NENTRY &&
            (rc = ptr_get(fs, d->db_indirect, a, &l1)) == 0)
            rc = kk_sfs__pin(fs, p, l1);
    }
    if (rc == 0 && idx < d->blocks && (rc = kk_sfs__bmap(ip, idx, false, &blk)) == 0)
        rc = kk_sfs__pin(fs, p, blk);
    return rc == KK_ECORRUPT ? 0 : rc; /* the operation itself reports damage */
}
