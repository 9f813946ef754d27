/*
 * fsck.c: check and repair an unmounted SFS image (kk_sfs_fsck, used by the
 * sfsck tool, the tests and the fuzzer).
 *
 * Walks the tree from the root breadth-first, claiming every block once.
 * Findings (one report line each): superblock counts, free map against the
 * reachable blocks, pointers out of range, blocks claimed twice, inode
 * size/blocks mismatches, bad or duplicate "."/".." entries, entries naming
 * non-inodes, directory hard links (which would make loops), link counts and
 * unreachable blocks and inodes, duplicate names in one directory. In repair
 * mode each finding is fixed in place: the later claimant of a doubly
 * claimed block loses it (a hole), a bad or duplicate entry is cleared (the
 * first entry with a name wins), unreachable blocks are freed; a data block
 * of a file claimed twice is copied to a fresh block after the walk (e2fsck's
 * clone); a missing "." or ".." takes a free (or freed) slot, else the
 * directory grows by one slot; a superblock block count the device cannot
 * hold is rebuilt from the device size; a root that is not a directory is
 * made one (its slots kept when they look like a directory's).
 * Unreachable inodes that hold data (size > 0, nlinks > 0, every pointer
 * plausible) are not freed but reconnected, as e2fsck does, under
 * /lost+found (created on demand) as "#<ino>"; their subtrees are then
 * checked like the rest.
 * A check-only run makes the same repairs into an in-memory overlay of the
 * blocks it would write (rd/wr), never the device, so it reports exactly
 * the lines -y reports. Findings it cannot repair end in "(cannot repair)".
 * Memory: about 13 bytes per block, plus 8 bytes per slot of the directory
 * being visited, plus (check-only) one block per block a repair would write,
 * through the platform's alloc.
 */
#include "sfs_int.h"

enum { ST_FREE = 0, ST_DATA = 1, ST_FILE = 2, ST_DIR = 3 };
enum { B_INODE, B_L2, B_L1, B_LEAF, B_TMP, B_LF, B_LF2, NBUF };

#define LOST_FOUND "lost+found"

struct ck {
    const struct kk_blockdev *dev;
    const struct kk_sfs_fsck_opts *o;
    uint32_t shift, blocks, first, nmap;
    struct kk_sfs_disk_super s;
    uint8_t *map, *state, *blk[NBUF];
    uint32_t *refs, *queue, *qparent, qtail;
    size_t map_bytes;
    uint32_t found, unfixed;
    bool map_changed;
    bool late; /* the walk and reconnection are done: unreachable blocks are free to take */
    int err;
    uint32_t lf; /* inode of /lost+found, 0 = none yet */
    /* names of the directory being visited: hash -> entry block, open addressing */
    uint32_t *nh_hash, *nh_blk, nh_cap;
    /* check-only run: blocks "written" so far, block -> copy (open addressing) */
    uint32_t *ov_blk, ov_cap, ov_n;
    uint8_t **ov_data;
    /* data blocks claimed twice, copied to fresh blocks after the walk */
    struct xlink *xl;
    uint32_t xl_n, xl_cap;
};

/* A file's pointer (in block @where at byte @off) to a block someone else owns. */
struct xlink {
    uint32_t ino, where, off, blk;
};

/* state[] bits above the ST_* value: a directory still needs "." / ".." */
#define NEED_DOT    0x10u
#define NEED_DOTDOT 0x20u
#define ST(c, b)    ((c)->state[b] & 0x0fu)

/* Per-directory state while its entries are visited. */
struct dirwalk {
    uint32_t ino, parent;
    bool dot, dotdot;
    uint32_t free_blk[2]; /* blocks of free slots, to put a missing "." or ".." in */
    uint32_t nfree;
    uint32_t lf_blk; /* in the root: block of the "lost+found" entry */
};

/* --- tiny message formatter: %s and %u only (freestanding) --- */
static void vfmt(char *out, size_t cap, const char *f, __builtin_va_list ap)
{
    size_t n = 0;
    for (; *f && n + 1 < cap; f++) {
        if (f[0] == '%' && f[1] == 's') {
            const char *s = __builtin_va_arg(ap, const char *);
            while (*s && n + 1 < cap)
                out[n++] = *s++;
            f++;
        } else if (f[0] == '%' && f[1] == 'u') {
            char d[12];
            unsigned v = __builtin_va_arg(ap, unsigned), k = 0;
            do {
                d[k++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            while (k && n + 1 < cap)
                out[n++] = d[--k];
            f++;
        } else {
            out[n++] = *f;
        }
    }
    out[n] = '\0';
}

/* "#<ino>", the name of a reconnected inode in /lost+found. */
static void vfmt_name(char *out, uint32_t ino)
{
    char d[12];
    unsigned k = 0, n = 0;
    do {
        d[k++] = (char)('0' + ino % 10);
        ino /= 10;
    } while (ino);
    out[n++] = '#';
    while (k)
        out[n++] = d[--k];
    out[n] = '\0';
}

/*
 * Report a finding; returns @fixable: whether the caller should repair it.
 * A check-only run repairs too, into the in-memory overlay (rd/wr), so it
 * walks exactly the path -y walks and reports the same lines.
 */
static bool findf(struct ck *c, bool fixable, const char *f, ...)
{
    __builtin_va_list ap;
    char line[480];
    size_t n;
    /* after a device error nothing read is trusted: no finding, no repair */
    if (c->err)
        return false;
    __builtin_va_start(ap, f);
    vfmt(line, sizeof(line) - 20, f, ap);
    __builtin_va_end(ap);
    c->found++;
    if (!fixable || !c->o->repair)
        c->unfixed++;
    n = kk_strnlen(line, sizeof(line));
    if (!fixable)
        kk_memcpy(line + n, " (cannot repair)", 17);
    else if (c->o->repair)
        kk_memcpy(line + n, " (fixed)", 9);
    if (c->o->report)
        c->o->report(c->o->report_ctx, line);
    return fixable;
}

static void *ck_alloc(struct ck *c, size_t n)
{
    void *p = c->o->plat->alloc(c->o->plat->ctx, n ? n : 1);
    if (p)
        kk_memset(p, 0, n);
    return p;
}

static void ck_free(struct ck *c, void *p, size_t n)
{
    if (p && c->o->plat->free)
        c->o->plat->free(c->o->plat->ctx, p, n ? n : 1);
}

/* Overlay slot of block @b (check-only runs): its index, or the free slot to use. */
static uint32_t ov_slot(struct ck *c, uint32_t b)
{
    uint32_t i = (b * 2654435761u) & (c->ov_cap - 1);
    while (c->ov_data[i] && c->ov_blk[i] != b)
        i = (i + 1) & (c->ov_cap - 1);
    return i;
}

static int ov_grow(struct ck *c)
{
    uint32_t *ob = c->ov_blk, oc = c->ov_cap, i;
    uint8_t **od = c->ov_data;
    c->ov_cap = oc ? oc * 2 : 64;
    c->ov_blk = ck_alloc(c, sizeof(uint32_t) * c->ov_cap);
    c->ov_data = ck_alloc(c, sizeof(uint8_t *) * c->ov_cap);
    if (!c->ov_blk || !c->ov_data) {
        ck_free(c, c->ov_blk, sizeof(uint32_t) * c->ov_cap);
        ck_free(c, c->ov_data, sizeof(uint8_t *) * c->ov_cap);
        c->ov_blk = ob, c->ov_data = od, c->ov_cap = oc;
        return KK_ENOMEM;
    }
    for (i = 0; i < oc; i++) {
        if (od[i]) {
            uint32_t j = ov_slot(c, ob[i]);
            c->ov_blk[j] = ob[i];
            c->ov_data[j] = od[i];
        }
    }
    ck_free(c, ob, sizeof(uint32_t) * oc);
    ck_free(c, od, sizeof(uint8_t *) * oc);
    return 0;
}

/* Keep a copy of block @b as written (check-only runs never touch the device). */
static int ov_put(struct ck *c, uint32_t b, const uint8_t *buf)
{
    uint32_t i;
    if ((c->ov_n + 1) * 2 > c->ov_cap && ov_grow(c) != 0)
        return KK_ENOMEM;
    i = ov_slot(c, b);
    if (!c->ov_data[i]) {
        if ((c->ov_data[i] = ck_alloc(c, KK_SFS_BLKSIZE)) == NULL)
            return KK_ENOMEM;
        c->ov_blk[i] = b;
        c->ov_n++;
    }
    kk_memcpy(c->ov_data[i], buf, KK_SFS_BLKSIZE);
    return 0;
}

static void ov_free(struct ck *c)
{
    uint32_t i;
    for (i = 0; i < c->ov_cap; i++)
        ck_free(c, c->ov_data[i], KK_SFS_BLKSIZE);
    ck_free(c, c->ov_blk, sizeof(uint32_t) * c->ov_cap);
    ck_free(c, c->ov_data, sizeof(uint8_t *) * c->ov_cap);
}

static int rd(struct ck *c, uint32_t b, uint8_t *buf)
{
    int rc;
    if (c->ov_n) {
        uint32_t i = ov_slot(c, b);
        if (c->ov_data[i]) {
            kk_memcpy(buf, c->ov_data[i], KK_SFS_BLKSIZE);
            return 0;
        }
    }
    rc = kk_sfs__dev_read(c->dev, c->shift, b, 1, buf);
    if (rc && !c->err)
        c->err = rc;
    return rc;
}

static void wr(struct ck *c, uint32_t b, const uint8_t *buf)
{
    int rc;
    if (c->err)
        return; /* a failed read may have been taken for damage: repair nothing */
    rc = c->o->repair ? kk_sfs__dev_write(c->dev, c->shift, b, 1, buf) : ov_put(c, b, buf);
    if (rc && !c->err)
        c->err = rc;
}

static void map_set(struct ck *c, uint32_t b, bool free)
{
    if (free)
        c->map[b >> 3] |= (uint8_t)(1u << (b & 7));
    else
        c->map[b >> 3] &= (uint8_t) ~(1u << (b & 7));
    c->map_changed = true;
}

/* Remember that @ino's pointer at @where:@off names @blk, owned already. */
static void xlink_add(struct ck *c, uint32_t ino, uint32_t where, uint32_t off, uint32_t blk)
{
    if (c->xl_n == c->xl_cap) {
        uint32_t cap = c->xl_cap ? c->xl_cap * 2 : 16;
        struct xlink *n = ck_alloc(c, sizeof(*n) * cap);
        if (!n) {
            c->err = KK_ENOMEM;
            return;
        }
        if (c->xl_n)
            kk_memcpy(n, c->xl, sizeof(*n) * c->xl_n);
        ck_free(c, c->xl, sizeof(*n) * c->xl_cap);
        c->xl = n;
        c->xl_cap = cap;
    }
    c->xl[c->xl_n++] = (struct xlink){ino, where, off, blk};
}

/*
 * Claim block *p for inode @ino; clears the pointer if it is bad. A data
 * block of a file (@where != 0: the pointer lives at @where:@off) that is
 * owned already is left for copy_xlinks(), as e2fsck clones it.
 */
static bool claim(struct ck *c, uint32_t ino, uint32_t *p, bool *changed, uint32_t where,
                  uint32_t off)
{
    if (*p == 0)
        return false;
    if (*p < c->first || *p >= c->blocks) {
        if (findf(c, true, "inode %u: block pointer %u out of range", ino, *p)) {
            *p = 0;
            *changed = true;
        }
        return false;
    }
    if (ST(c, *p) != ST_FREE) {
        if (where) {
            xlink_add(c, ino, where, off, *p);
            return false;
        }
        if (findf(c, true, "inode %u: block %u claimed twice", ino, *p)) {
            *p = 0;
            *changed = true;
        }
        return false;
    }
    c->state[*p] = ST_DATA;
    return true;
}

static bool inode_plausible(const struct kk_sfs_disk_inode *d)
{
    if (d->type < KK_SFS_TYPE_FILE || d->type > KK_SFS_TYPE_LINK)
        return false;
    if (d->blocks > KK_SFS_MAX_FILE_BLOCKS)
        return false;
    return d->type != KK_SFS_TYPE_LINK || d->size <= KK_SFS_MAX_LINK;
}

static void visit_entry(struct ck *c, struct dirwalk *w, uint32_t blkno, uint8_t *blk);

/* Claim the pointers of one indirect block; @level 1 = leaves, 2 = indirect blocks. */
static void walk_ind(struct ck *c, struct dirwalk *w, uint32_t ino, uint32_t blk, int level,
                     uint32_t count)
{
    uint8_t *b = c->blk[level == 2 ? B_L2 : B_L1];
    bool changed = false;
    uint32_t j;
    if (rd(c, blk, b))
        return;
    for (j = 0; j < KK_SFS_NENTRY && j * (level == 2 ? KK_SFS_NENTRY : 1) < count; j++) {
        uint32_t p = kk_sfs_get32(b + 4 * j);
        if (!claim(c, ino, &p, &changed, level == 1 && !w ? blk : 0, 4 * j)) {
            if (changed)
                kk_sfs_put32(b + 4 * j, p);
            continue;
        }
        if (level == 2)
            walk_ind(c, w, ino, p, 1, count - j * KK_SFS_NENTRY);
        else if (w)
            visit_entry(c, w, p, c->blk[B_LEAF]);
    }
    if (changed)
        wr(c, blk, b);
}

static void walk_inode(struct ck *c, uint32_t ino, struct kk_sfs_disk_inode *d, struct dirwalk *w)
{
    bool changed = false;
    uint32_t i, n = d->blocks;
    for (i = 0; i < KK_SFS_NDIRECT && i < n; i++)
        if (claim(c, ino, &d->direct[i], &changed, w ? 0 : ino, 12 + 4 * i) && w)
            visit_entry(c, w, d->direct[i], c->blk[B_LEAF]);
    if (n > KK_SFS_NDIRECT) {
        if (claim(c, ino, &d->indirect, &changed, 0, 0))
            walk_ind(c, w, ino, d->indirect, 1, n - KK_SFS_NDIRECT);
    } else if (d->indirect) {
        /* uCore's truncate keeps the indirect block (emptied) of a file shrunk to <= 12 blocks */
        (void)claim(c, ino, &d->indirect, &changed, 0, 0);
    }
    if (n > KK_SFS_NDIRECT + KK_SFS_NENTRY) {
        if (claim(c, ino, &d->db_indirect, &changed, 0, 0))
            walk_ind(c, w, ino, d->db_indirect, 2, n - KK_SFS_NDIRECT - KK_SFS_NENTRY);
    } else if (d->db_indirect && findf(c, true, "inode %u: stale double-indirect pointer", ino)) {
        d->db_indirect = 0;
        changed = true;
    }
    if (changed) {
        /* the inode buffer is still c->blk[B_INODE]: rewrite its fields */
        kk_sfs_inode_encode(d, c->blk[B_INODE]);
        wr(c, ino, c->blk[B_INODE]);
    }
}

/* Free the slot of an entry; the slot may then take a missing "." or "..". */
static void clear_entry(struct ck *c, struct dirwalk *w, uint32_t blkno, uint8_t *blk)
{
    kk_memset(blk, 0, KK_SFS_ENTRY_BYTES);
    wr(c, blkno, blk);
    if (w->nfree < 2)
        w->free_blk[w->nfree++] = blkno;
}

/* Check the inode an entry names the first time it is seen; queue it. */
static bool accept_target(struct ck *c, uint32_t ino, uint32_t parent)
{
    uint8_t *b = c->blk[B_TMP];
    struct kk_sfs_disk_inode d;
    if (rd(c, ino, b))
        return false;
    kk_sfs_inode_decode(b, &d);
    if (!inode_plausible(&d))
        return false;
    c->state[ino] = d.type == KK_SFS_TYPE_DIR ? ST_DIR : ST_FILE;
    c->queue[c->qtail] = ino;
    c->qparent[c->qtail++] = parent;
    return true;
}

static void visit_dot(struct ck *c, struct dirwalk *w, uint32_t blkno, uint8_t *blk, bool two)
{
    uint32_t want = two ? w->parent : w->ino, ino = kk_sfs_get32(blk);
    bool *seen = two ? &w->dotdot : &w->dot;
    if (*seen) {
        if (findf(c, true, "directory %u: duplicate '%s' entry", w->ino, two ? ".." : "."))
            clear_entry(c, w, blkno, blk);
        return;
    }
    *seen = true;
    if (ino != want && findf(c, true, "directory %u: '%s' names %u, not %u", w->ino,
                             two ? ".." : ".", ino, want)) {
        kk_sfs_put32(blk, want);
        wr(c, blkno, blk);
    }
}

static void count_link(struct ck *c, struct dirwalk *w, uint32_t ino)
{
    if (ino < c->blocks && ST(c, ino) == ST_DIR)
        c->refs[w->ino]++; /* subdirectory: parent's link count */
    else if (ino < c->blocks && ST(c, ino) == ST_FILE)
        c->refs[ino]++;
}

/*
 * Has this directory an earlier entry named @name? Remembers it if not.
 * Equal hashes are confirmed by re-reading the earlier entry's block.
 */
static bool name_seen(struct ck *c, uint32_t blkno, const char *name, size_t len)
{
    uint32_t h = sfs_name_hash(name, len), i;
    if (!c->nh_cap)
        return false;
    for (i = h & (c->nh_cap - 1); c->nh_blk[i]; i = (i + 1) & (c->nh_cap - 1)) {
        if (c->nh_hash[i] != h || c->nh_blk[i] == blkno || rd(c, c->nh_blk[i], c->blk[B_TMP]))
            continue;
        if (kk_memcmp(c->blk[B_TMP] + 4, name, len + 1) == 0)
            return true;
    }
    c->nh_hash[i] = h;
    c->nh_blk[i] = blkno;
    return false;
}

static void visit_entry(struct ck *c, struct dirwalk *w, uint32_t blkno, uint8_t *blk)
{
    uint32_t ino;
    size_t len, i;
    const char *name;
    if (rd(c, blkno, blk))
        return;
    ino = kk_sfs_get32(blk);
    name = (const char *)blk + 4;
    if (ino == 0) {
        if (w->nfree < 2)
            w->free_blk[w->nfree++] = blkno;
        return;
    }
    len = kk_strnlen(name, KK_SFS_MAX_NAME + 1);
    for (i = 0; i < len && name[i] != '/'; i++)
        ;
    if (len == 0 || len > KK_SFS_MAX_NAME || i < len) {
        if (findf(c, true, "directory %u: entry in block %u has a bad name", w->ino, blkno))
            clear_entry(c, w, blkno, blk);
        return;
    }
    if (len <= 2 && name[0] == '.' && (len == 1 || name[1] == '.')) {
        visit_dot(c, w, blkno, blk, len == 2);
        return;
    }
    if (name_seen(c, blkno, name, len)) {
        if (findf(c, true, "directory %u: duplicate name '%s' (entry in block %u)", w->ino, name,
                  blkno))
            clear_entry(c, w, blkno, blk);
        else
            count_link(c, w, ino);
        return;
    }
    if (w->ino == KK_SFS_BLKN_ROOT && kk_memcmp(name, LOST_FOUND, sizeof(LOST_FOUND)) == 0)
        w->lf_blk = blkno;
    if ((ino != KK_SFS_BLKN_ROOT && (ino < c->first || ino >= c->blocks)) ||
        ST(c, ino) == ST_DATA || ino == KK_SFS_BLKN_ROOT || ST(c, ino) == ST_DIR ||
        (ST(c, ino) == ST_FREE && !accept_target(c, ino, w->ino))) {
        if (findf(c, true,
                  "directory %u: entry '%s' -> %u is not a valid inode or a second "
                  "link to a directory",
                  w->ino, name, ino))
            clear_entry(c, w, blkno, blk);
        return;
    }
    count_link(c, w, ino);
    if (w->lf_blk == blkno)
        c->lf = ST(c, ino) == ST_DIR ? ino : UINT32_MAX; /* a non-directory: unusable */
}

/*
 * Put a missing "." or ".." entry into a free slot of the directory; without
 * one, mark the directory to be grown by grow_dots() after the walk.
 */
static void add_dot(struct ck *c, struct dirwalk *w, bool missing, const char *name, uint32_t ino)
{
    uint8_t *b = c->blk[B_LEAF];
    if (!missing)
        return;
    if (w->nfree == 0) {
        c->state[w->ino] |= name[1] ? NEED_DOTDOT : NEED_DOT;
        return;
    }
    findf(c, true, "directory %u: missing '%s' entry", w->ino, name);
    kk_memset(b, 0, KK_SFS_BLKSIZE);
    kk_sfs_put32(b, ino);
    kk_memcpy(b + 4, name, kk_strnlen(name, 2));
    wr(c, w->free_blk[--w->nfree], b);
}

/* Name table for a directory of @slots slots (at most one entry per block). */
static int names_begin(struct ck *c, uint32_t slots)
{
    uint32_t cap = 16;
    slots = KK_MIN(slots, c->blocks);
    while (cap < 2 * slots)
        cap <<= 1;
    c->nh_hash = ck_alloc(c, sizeof(uint32_t) * cap);
    c->nh_blk = ck_alloc(c, sizeof(uint32_t) * cap);
    if (!c->nh_hash || !c->nh_blk) {
        ck_free(c, c->nh_hash, sizeof(uint32_t) * cap);
        ck_free(c, c->nh_blk, sizeof(uint32_t) * cap);
        c->nh_hash = c->nh_blk = NULL;
        c->err = KK_ENOMEM;
        return KK_ENOMEM;
    }
    c->nh_cap = cap;
    return 0;
}

static void names_end(struct ck *c)
{
    ck_free(c, c->nh_hash, sizeof(uint32_t) * c->nh_cap);
    ck_free(c, c->nh_blk, sizeof(uint32_t) * c->nh_cap);
    c->nh_hash = c->nh_blk = NULL;
    c->nh_cap = 0;
}

/* Process one queued inode: claim its blocks, fix size/blocks, visit entries. */
static void process(struct ck *c, uint32_t ino, uint32_t parent)
{
    struct kk_sfs_disk_inode d;
    struct dirwalk w = {ino, parent, false, false, {0, 0}, 0, 0};
    uint32_t want;
    if (rd(c, ino, c->blk[B_INODE]))
        return;
    kk_sfs_inode_decode(c->blk[B_INODE], &d);
    want = d.type == KK_SFS_TYPE_DIR ? d.blocks * KK_SFS_DENTRY_SIZE : d.size;
    if ((d.type == KK_SFS_TYPE_DIR && d.size != want) ||
        (d.type != KK_SFS_TYPE_DIR && d.blocks != ceil_blocks(d.size))) {
        if (findf(c, true, "inode %u: size %u does not match %u blocks", ino, d.size, d.blocks)) {
            if (d.type == KK_SFS_TYPE_DIR)
                d.size = want;
            else if (d.blocks < ceil_blocks(d.size))
                d.size = d.blocks * KK_SFS_BLKSIZE;
            else
                d.blocks = ceil_blocks(d.size); /* later slots are ignored */
            kk_sfs_inode_encode(&d, c->blk[B_INODE]);
            wr(c, ino, c->blk[B_INODE]);
        }
    }
    if (d.type == KK_SFS_TYPE_DIR && names_begin(c, d.blocks) != 0)
        return;
    walk_inode(c, ino, &d, d.type == KK_SFS_TYPE_DIR ? &w : NULL);
    if (d.type == KK_SFS_TYPE_DIR) {
        names_end(c);
        add_dot(c, &w, !w.dot, ".", ino);
        add_dot(c, &w, !w.dotdot, "..", parent);
    }
}

/* Run the breadth-first walk over everything queued from @qi on. */
static void drain(struct ck *c, uint32_t qi)
{
    for (; qi < c->qtail && !c->err; qi++)
        process(c, c->queue[qi], c->qparent[qi]);
}

/* ---- reconnecting unreachable inodes to /lost+found ---- */

/*
 * Can new_block() take block @b? Unclaimed and marked free; once c->late,
 * any unclaimed block (check_map would free it anyway).
 */
static bool takable(struct ck *c, uint32_t b)
{
    return ST(c, b) == ST_FREE && (c->late || kk_sfs_map_test(c->map, b));
}

/* A takable block, now claimed; 0 when there is none. */
static uint32_t new_block(struct ck *c)
{
    uint32_t b;
    for (b = c->first; b < c->blocks; b++) {
        if (takable(c, b)) {
            c->state[b] = ST_DATA;
            map_set(c, b, false);
            return b;
        }
    }
    return 0;
}

static void unclaim(struct ck *c, uint32_t b)
{
    c->state[b] = ST_FREE;
    map_set(c, b, true);
}

/* Blocks new_block() could still hand out, up to @want. */
static uint32_t free_count(struct ck *c, uint32_t want)
{
    uint32_t b, n = 0;
    for (b = c->first; b < c->blocks && n < want; b++)
        n += takable(c, b);
    return n;
}

/*
 * Append entry @name -> @ino to directory @dino (direct and indirect slots).
 * All blocks are taken before anything is written: a failure changes nothing.
 */
static int dir_append(struct ck *c, uint32_t dino, const char *name, uint32_t ino)
{
    uint8_t *ib = c->blk[B_LF], *ind = c->blk[B_LF2], *leaf = c->blk[B_TMP];
    struct kk_sfs_disk_inode d;
    uint32_t slot, nb;
    if (rd(c, dino, ib))
        return c->err;
    kk_sfs_inode_decode(ib, &d);
    slot = d.blocks;
    if (slot >= KK_SFS_NDIRECT + KK_SFS_NENTRY)
        return KK_EFBIG;
    if (free_count(c, 2) < (slot >= KK_SFS_NDIRECT && d.indirect == 0 ? 2u : 1u))
        return KK_ENOSPC;
    if (slot >= KK_SFS_NDIRECT) {
        if (d.indirect == 0) {
            d.indirect = new_block(c);
            kk_memset(ind, 0, KK_SFS_BLKSIZE);
        } else if (rd(c, d.indirect, ind)) {
            return c->err;
        }
    }
    nb = new_block(c);
    kk_memset(leaf, 0, KK_SFS_BLKSIZE);
    kk_sfs_put32(leaf, ino);
    kk_memcpy(leaf + 4, name, kk_strnlen(name, KK_SFS_MAX_NAME));
    wr(c, nb, leaf);
    if (slot < KK_SFS_NDIRECT) {
        d.direct[slot] = nb;
    } else {
        kk_sfs_put32(ind + 4 * (slot - KK_SFS_NDIRECT), nb);
        wr(c, d.indirect, ind);
    }
    d.blocks++;
    d.size += KK_SFS_DENTRY_SIZE;
    kk_sfs_inode_encode(&d, ib);
    wr(c, dino, ib);
    return c->err;
}

/* The inode of /lost+found, created (with "." and "..") when missing. */
static int lost_found(struct ck *c, uint32_t *out)
{
    struct kk_sfs_disk_inode d;
    uint8_t *b = c->blk[B_LF];
    uint32_t ino;
    int rc = 0;
    if (c->lf == UINT32_MAX)
        return KK_EEXIST;
    if ((*out = c->lf) != 0)
        return 0;
    if (rd(c, KK_SFS_BLKN_ROOT, b))
        return c->err;
    kk_sfs_inode_decode(b, &d);
    /* inode, ".", "..", the root's new slot (+ indirect), the first entry */
    if (d.blocks >= KK_SFS_NDIRECT + KK_SFS_NENTRY)
        rc = KK_EFBIG;
    else if (free_count(c, 6) < 5u + (d.blocks >= KK_SFS_NDIRECT && d.indirect == 0))
        rc = KK_ENOSPC;
    if (rc) {
        c->lf = UINT32_MAX;
        return rc;
    }
    kk_memset(&d, 0, sizeof(d));
    ino = new_block(c);
    d.type = KK_SFS_TYPE_DIR;
    d.nlinks = 2;
    kk_memset(b, 0, KK_SFS_BLKSIZE);
    kk_sfs_inode_encode(&d, b);
    wr(c, ino, b);
    if ((rc = dir_append(c, ino, ".", ino)) != 0 ||
        (rc = dir_append(c, ino, "..", KK_SFS_BLKN_ROOT)) != 0 ||
        (rc = dir_append(c, KK_SFS_BLKN_ROOT, LOST_FOUND, ino)) != 0) {
        c->lf = UINT32_MAX; /* only an I/O error gets here (space was checked) */
        unclaim(c, ino);
        return rc;
    }
    c->state[ino] = ST_DIR;
    c->refs[KK_SFS_BLKN_ROOT]++;
    *out = c->lf = ino;
    return 0;
}

/* Would an unreachable inode in block @b be worth reconnecting? */
static bool orphan_ok(struct ck *c, const struct kk_sfs_disk_inode *d)
{
    uint32_t i;
    if (!inode_plausible(d) || d->nlinks == 0 || d->size == 0)
        return false;
    if (d->type == KK_SFS_TYPE_DIR ? d->size != d->blocks * KK_SFS_DENTRY_SIZE
                                   : d->blocks != ceil_blocks(d->size))
        return false;
    for (i = 0; i < KK_SFS_NDIRECT + 2; i++) {
        uint32_t p = i < KK_SFS_NDIRECT    ? d->direct[i]
                     : i == KK_SFS_NDIRECT ? d->indirect
                                           : d->db_indirect;
        uint32_t need = i < KK_SFS_NDIRECT    ? i + 1
                        : i == KK_SFS_NDIRECT ? KK_SFS_NDIRECT + 1
                                              : KK_SFS_NDIRECT + KK_SFS_NENTRY + 1;
        if (p && (d->blocks < need || p < c->first || p >= c->blocks || ST(c, p) != ST_FREE))
            return false;
    }
    return true;
}

/* Reconnect inode @ino under /lost+found and walk it. */
static int reconnect(struct ck *c, uint32_t ino, const struct kk_sfs_disk_inode *d)
{
    char name[16];
    uint32_t lf = 0;
    int rc = 0;
    vfmt_name(name, ino);
    if ((rc = lost_found(c, &lf)) == 0)
        rc = dir_append(c, lf, name, ino);
    if (rc)
        return rc;
    c->state[ino] = d->type == KK_SFS_TYPE_DIR ? ST_DIR : ST_FILE;
    c->refs[d->type == KK_SFS_TYPE_DIR ? lf : ino]++;
    c->queue[c->qtail] = ino;
    c->qparent[c->qtail++] = lf;
    drain(c, c->qtail - 1);
    return 0;
}

/* Unreachable inodes still marked used that hold data: directories first. */
static void reconnect_orphans(struct ck *c)
{
    struct kk_sfs_disk_inode d;
    uint32_t b;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        for (b = c->first; b < c->blocks && !c->err; b++) {
            if (ST(c, b) != ST_FREE || kk_sfs_map_test(c->map, b) || rd(c, b, c->blk[B_INODE]))
                continue;
            kk_sfs_inode_decode(c->blk[B_INODE], &d);
            if (!orphan_ok(c, &d) || (d.type == KK_SFS_TYPE_DIR) != (pass == 0))
                continue;
            if (reconnect(c, b, &d) == 0)
                findf(c, true, "inode %u unreachable (type %u, size %u): reconnect to /lost+found",
                      b, d.type, d.size);
        }
    }
}

/* The parent a queued directory was reached from. */
static uint32_t parent_of(struct ck *c, uint32_t ino)
{
    uint32_t i;
    for (i = 0; i < c->qtail; i++)
        if (c->queue[i] == ino)
            return c->qparent[i];
    return KK_SFS_BLKN_ROOT;
}

/* Directories with no slot for a missing "." / "..": grow them by one slot each. */
static void grow_dots(struct ck *c)
{
    uint32_t b;
    int k;
    for (b = 1; b < c->blocks && !c->err; b++) {
        for (k = 0; k < 2; k++) {
            const char *name = k ? ".." : ".";
            int rc;
            if (!(c->state[b] & (k ? NEED_DOTDOT : NEED_DOT)))
                continue;
            c->state[b] &= (uint8_t) ~(k ? NEED_DOTDOT : NEED_DOT);
            rc = dir_append(c, b, name, k ? parent_of(c, b) : b);
            if (rc < 0 && rc != KK_ENOSPC && rc != KK_EFBIG)
                return;
            findf(c, rc == 0, "directory %u: missing '%s' entry%s", b, name,
                  rc == 0 ? ", directory grown" : " and no free slot or block");
        }
        if (b == KK_SFS_BLKN_ROOT)
            b = c->first - 1;
    }
}

/* Give each file that shares a data block its own copy (e2fsck's clone). */
static void copy_xlinks(struct ck *c)
{
    uint8_t *where = c->blk[B_L1], *data = c->blk[B_L2];
    uint32_t i;
    for (i = 0; i < c->xl_n && !c->err; i++) {
        struct xlink *x = &c->xl[i];
        uint32_t nb;
        if (rd(c, x->where, where))
            return;
        if (kk_sfs_get32(where + x->off) != x->blk)
            continue;
        if ((nb = new_block(c)) != 0 && rd(c, x->blk, data))
            return;
        if (nb) {
            findf(c, true, "inode %u: block %u claimed twice, copied to block %u", x->ino, x->blk,
                  nb);
            wr(c, nb, data);
        } else {
            findf(c, true, "inode %u: block %u claimed twice, cleared (no free block)", x->ino,
                  x->blk);
        }
        kk_sfs_put32(where + x->off, nb);
        wr(c, x->where, where);
    }
}

static void check_links(struct ck *c)
{
    uint32_t b;
    struct kk_sfs_disk_inode d;
    for (b = 1; b < c->blocks && !c->err; b++) {
        uint32_t want;
        if (ST(c, b) != ST_FILE && ST(c, b) != ST_DIR)
            continue;
        if (rd(c, b, c->blk[B_INODE]))
            return;
        kk_sfs_inode_decode(c->blk[B_INODE], &d);
        want = ST(c, b) == ST_DIR ? 2 + c->refs[b] : c->refs[b];
        if (want > UINT16_MAX)
            want = UINT16_MAX;
        if (d.nlinks != want &&
            findf(c, true, "inode %u: link count %u, should be %u", b, d.nlinks, want)) {
            d.nlinks = (uint16_t)want;
            kk_sfs_inode_encode(&d, c->blk[B_INODE]);
            wr(c, b, c->blk[B_INODE]);
        }
        if (b == KK_SFS_BLKN_ROOT)
            b = c->first - 1;
    }
}

/* Report a run [from, to] of blocks whose map bit is wrong. */
static void map_run(struct ck *c, uint32_t from, uint32_t to, bool used)
{
    const char *what = used ? "in use but marked free" : "marked used but unreachable";
    bool fix = from == to ? findf(c, true, "block %u %s", from, what)
                          : findf(c, true, "blocks %u-%u %s", from, to, what);
    uint32_t b;
    for (b = from; fix && b <= to; b++)
        map_set(c, b, !used);
}

static void check_unreachable_inode(struct ck *c, uint32_t b)
{
    struct kk_sfs_disk_inode d;
    if (rd(c, b, c->blk[B_INODE]))
        return;
    kk_sfs_inode_decode(c->blk[B_INODE], &d);
    if (inode_plausible(&d) && d.nlinks > 0 && d.nlinks < 1000)
        findf(c, true, "inode %u unreachable (type %u, size %u): freed", b, d.type, d.size);
}

static void check_map(struct ck *c)
{
    uint32_t b, run = 0, count = 0;
    int kind = -1; /* 1 = in use but free, 0 = unreachable but used */
    for (b = 0; b <= c->blocks; b++) {
        int k = -1;
        if (b < c->blocks) {
            bool used = b < c->first || ST(c, b) != ST_FREE;
            bool free = kk_sfs_map_test(c->map, b);
            if (used && free)
                k = 1;
            else if (!used && !free)
                k = 0;
            if (k == 0)
                check_unreachable_inode(c, b);
        }
        if (k != kind) {
            if (kind >= 0)
                map_run(c, run, b - 1, kind == 1);
            kind = k;
            run = b;
        }
    }
    for (b = c->blocks; b < c->nmap * KK_SFS_BLKBITS; b++) {
        if (kk_sfs_map_test(c->map, b)) {
            if (findf(c, true, "free-map bits past block %u are set", c->blocks))
                for (; b < c->nmap * KK_SFS_BLKBITS; b++)
                    map_set(c, b, false);
            break;
        }
    }
    for (b = 0; b < c->blocks; b++)
        count += (uint32_t)kk_sfs_map_test(c->map, b);
    if (count != c->s.unused_blocks &&
        findf(c, true, "superblock: unused_blocks %u, free map says %u", c->s.unused_blocks,
              count)) {
        c->s.unused_blocks = count;
        if (rd(c, KK_SFS_BLKN_SUPER, c->blk[B_INODE]) == 0) {
            kk_sfs_super_encode(&c->s, c->blk[B_INODE]);
            wr(c, KK_SFS_BLKN_SUPER, c->blk[B_INODE]);
        }
    }
}

static int load(struct ck *c)
{
    uint64_t dev4k = c->dev->nblocks >> c->shift;
    int i;
    for (i = 0; i < NBUF; i++)
        if ((c->blk[i] = ck_alloc(c, KK_SFS_BLKSIZE)) == NULL)
            return KK_ENOMEM;
    if (rd(c, KK_SFS_BLKN_SUPER, c->blk[0]))
        return c->err;
    kk_sfs_super_decode(c->blk[0], &c->s);
    if (c->s.magic != KK_SFS_MAGIC) {
        findf(c, false, "superblock: bad magic, not an SFS image");
        return 1;
    }
    c->blocks = c->s.blocks;
    c->first = kk_sfs_first_data_block(c->blocks);
    c->nmap = kk_sfs_freemap_blocks(c->blocks);
    /* the layout needs the root's two slots ('.', '..') past the metadata */
    if (c->blocks > dev4k || (uint64_t)c->first + 2 > c->blocks) {
        /* rebuild the count from the device size, as mksfs sizes an image */
        uint32_t n = (uint32_t)KK_MIN(dev4k, (uint64_t)UINT32_MAX);
        bool ok = (uint64_t)kk_sfs_first_data_block(n) + 2 <= n;
        if (!findf(c, ok, "superblock: %u blocks, the device holds %u%s", c->blocks, n,
                   ok ? ": count set from the device size" : ": too small for an SFS image"))
            return 1;
        c->s.blocks = c->blocks = n;
        c->first = kk_sfs_first_data_block(n);
        c->nmap = kk_sfs_freemap_blocks(n);
        kk_sfs_super_encode(&c->s, c->blk[0]);
        wr(c, KK_SFS_BLKN_SUPER, c->blk[0]);
    }
    if ((size_t)c->blocks * sizeof(uint32_t) / sizeof(uint32_t) != c->blocks)
        return KK_ENOMEM; /* 32-bit size_t: the per-block tables would wrap */
    c->map_bytes = (size_t)c->nmap * KK_SFS_BLKSIZE;
    c->map = ck_alloc(c, c->map_bytes);
    c->state = ck_alloc(c, c->blocks);
    c->refs = ck_alloc(c, sizeof(uint32_t) * c->blocks);
    c->queue = ck_alloc(c, sizeof(uint32_t) * c->blocks);
    c->qparent = ck_alloc(c, sizeof(uint32_t) * c->blocks);
    if (!c->map || !c->state || !c->refs || !c->queue || !c->qparent)
        return KK_ENOMEM;
    if ((i = kk_sfs__dev_read(c->dev, c->shift, KK_SFS_BLKN_FREEMAP, c->nmap, c->map)) != 0)
        return i;
    return 0;
}

static void release(struct ck *c)
{
    int i;
    for (i = 0; i < NBUF; i++)
        ck_free(c, c->blk[i], KK_SFS_BLKSIZE);
    ck_free(c, c->map, c->map_bytes);
    ck_free(c, c->state, c->blocks);
    ck_free(c, c->refs, sizeof(uint32_t) * c->blocks);
    ck_free(c, c->queue, sizeof(uint32_t) * c->blocks);
    ck_free(c, c->qparent, sizeof(uint32_t) * c->blocks);
    ck_free(c, c->xl, sizeof(struct xlink) * c->xl_cap);
    ov_free(c);
}

/*
 * Make a root that is not a directory one: keep its slots when its size and
 * block count look like a directory's, else start empty (what hung below it
 * is then unreachable and reconnected under /lost+found). "." and ".." are
 * added by the walk.
 */
static void fix_root(struct ck *c, struct kk_sfs_disk_inode *d)
{
    bool keep = d->blocks > 0 && d->blocks <= KK_SFS_MAX_FILE_BLOCKS &&
                d->size == d->blocks * KK_SFS_DENTRY_SIZE;
    findf(c, true, "root inode is not a directory (type %u): %s", d->type,
          keep ? "type set to directory" : "made an empty directory");
    if (!keep)
        kk_memset(d, 0, sizeof(*d));
    d->type = KK_SFS_TYPE_DIR;
    d->nlinks = 2;
    kk_memset(c->blk[B_INODE], 0, KK_SFS_BLKSIZE);
    kk_sfs_inode_encode(d, c->blk[B_INODE]);
    wr(c, KK_SFS_BLKN_ROOT, c->blk[B_INODE]);
}

static void run(struct ck *c)
{
    struct kk_sfs_disk_inode d;
    uint32_t b;
    for (b = 0; b < c->first; b++)
        c->state[b] = ST_DATA;
    if (rd(c, KK_SFS_BLKN_ROOT, c->blk[B_INODE]))
        return;
    kk_sfs_inode_decode(c->blk[B_INODE], &d);
    if (d.type != KK_SFS_TYPE_DIR || !inode_plausible(&d)) {
        fix_root(c, &d);
        if (c->err)
            return;
    }
    c->state[KK_SFS_BLKN_ROOT] = ST_DIR;
    c->queue[0] = KK_SFS_BLKN_ROOT;
    c->qparent[0] = KK_SFS_BLKN_ROOT;
    c->qtail = 1;
    drain(c, 0);
    if (!c->err)
        reconnect_orphans(c);
    c->late = true;
    if (!c->err)
        copy_xlinks(c);
    if (!c->err)
        grow_dots(c);
    if (c->err)
        return;
    check_links(c);
    if (!c->err)
        check_map(c);
    if (!c->err && c->map_changed && c->o->repair)
        for (b = 0; b < c->nmap; b++)
            wr(c, KK_SFS_BLKN_FREEMAP + b, c->map + (size_t)b * KK_SFS_BLKSIZE);
}

int kk_sfs_fsck(const struct kk_blockdev *dev, const struct kk_sfs_fsck_opts *opts)
{
    struct ck c;
    int rc;
    if (!opts || opts->size < sizeof(*opts) || !opts->plat || !opts->plat->alloc)
        return KK_EINVAL;
    kk_memset(&c, 0, sizeof(c));
    c.dev = dev;
    c.o = opts;
    if ((rc = kk_sfs__dev_shift_of(dev, &c.shift)) != 0)
        return rc;
    rc = load(&c);
    if (rc == 0)
        run(&c);
    release(&c);
    if (rc < 0)
        return rc;
    if (c.err)
        return c.err;
    if (c.err == 0 && c.o->repair && c.found && dev->flush && (rc = dev->flush(dev->ctx)) != 0)
        return rc > 0 ? KK_EIO : rc;
    if (c.found == 0)
        return KK_SFS_FSCK_CLEAN;
    return c.unfixed ? KK_SFS_FSCK_UNCORRECTED : KK_SFS_FSCK_REPAIRED;
}
