/*
 * dir.c: directory slots. A directory's logical block i holds slot i, one
 * entry {u32 ino; char name[256]} at the start of the block (ino 0 = free);
 * d.blocks counts the slots and d.size is 256 per slot (uCore's layout).
 *
 * Promises: every used entry is validated (inode number in range, name
 * NUL-terminated and non-empty) before it is used, else KK_ECORRUPT; names
 * are compared as bytes. A slot hole (unmapped block) reads as a free slot.
 * Speed: a cached directory of DIR_INDEX_MIN slots or more gets a name
 * index (struct dir_index), so lookup, create and unlink cost O(1)
 * expected block reads instead of a scan of every slot; memory for it comes
 * from the platform, and without it the scan gives the same answers
 * (including the lowest free slot, so images do not depend on it).
 */
#include "sfs_int.h"

int kk_sfs__check_name(const char *name)
{
    size_t len, i;
    if (!name)
        return KK_EINVAL;
    len = kk_strnlen(name, KK_SFS_MAX_NAME + 1);
    if (len == 0)
        return KK_EINVAL;
    if (len > KK_SFS_MAX_NAME)
        return KK_ENAMETOOLONG;
    for (i = 0; i < len; i++)
        if (name[i] == '/')
            return KK_EINVAL;
    return 0;
}

/* Validate the entry at @data; 0 = free slot, 1 = used (ino set), or KK_ECORRUPT. */
static int entry_check(struct kk_sfs *fs, const uint8_t *data, uint32_t *ino)
{
    size_t len;
    *ino = kk_sfs_get32(data);
    if (*ino == 0)
        return 0;
    if (*ino != KK_SFS_BLKN_ROOT && !kk_sfs__valid_block(fs, *ino))
        return KK_ECORRUPT;
    len = kk_strnlen((const char *)data + 4, KK_SFS_MAX_NAME + 1);
    if (len == 0 || len > KK_SFS_MAX_NAME)
        return KK_ECORRUPT;
    return 1;
}

/* Visit slot @i: *@b is NULL for a hole. */
static int slot_get(struct kk_sfs_inode *dir, uint32_t i, struct buf **b)
{
    uint32_t p;
    int rc = kk_sfs__bmap(dir, i, false, &p);
    *b = NULL;
    if (rc || p == 0)
        return rc;
    return kk_sfs__bread(dir->fs, p, b);
}

/* ---- name index ---- */

#define DIR_INDEX_MIN 32
#define IDX_DEAD      UINT32_MAX

static size_t index_bytes(uint32_t cap)
{
    return sizeof(struct dir_index) + (size_t)cap * sizeof(struct dir_ient);
}

void kk_sfs__dir_index_drop(struct kk_sfs_inode *dir)
{
    if (dir->idx)
        kk_sfs__free(dir->fs, dir->idx, index_bytes(dir->idx->cap));
    dir->idx = NULL;
}

static struct dir_index *index_new(struct kk_sfs *fs, uint32_t cap)
{
    struct dir_index *x = kk_sfs__alloc(fs, index_bytes(cap));
    if (x) {
        kk_memset(x, 0, index_bytes(cap));
        x->cap = cap;
    }
    return x;
}

static void index_put(struct dir_index *x, uint32_t hash, uint32_t slot)
{
    uint32_t i = hash & (x->cap - 1);
    while (x->e[i].slot1 != 0 && x->e[i].slot1 != IDX_DEAD)
        i = (i + 1) & (x->cap - 1);
    if (x->e[i].slot1 == 0)
        x->used++;
    x->e[i].hash = hash;
    x->e[i].slot1 = slot + 1;
    x->live++;
}

/* Add (@hash, @slot), growing the table; drops the index when memory is short. */
static void index_add(struct kk_sfs_inode *dir, uint32_t hash, uint32_t slot)
{
    struct dir_index *x = dir->idx, *n;
    uint32_t i;
    if ((x->used + 1) * 4 > x->cap * 3) {
        uint32_t cap = (x->live + 1) * 4 > x->cap * 2 ? x->cap * 2 : x->cap;
        if (cap < x->cap || (n = index_new(dir->fs, cap)) == NULL) {
            kk_sfs__dir_index_drop(dir);
            return;
        }
        n->nfree = x->nfree;
        n->hint = x->hint;
        for (i = 0; i < x->cap; i++)
            if (x->e[i].slot1 != 0 && x->e[i].slot1 != IDX_DEAD)
                index_put(n, x->e[i].hash, x->e[i].slot1 - 1);
        kk_sfs__dir_index_drop(dir);
        dir->idx = x = n;
    }
    index_put(x, hash, slot);
}

static void index_del(struct dir_index *x, uint32_t hash, uint32_t slot)
{
    uint32_t i;
    for (i = hash & (x->cap - 1); x->e[i].slot1 != 0; i = (i + 1) & (x->cap - 1)) {
        if (x->e[i].slot1 == slot + 1) {
            x->e[i].slot1 = IDX_DEAD;
            x->live--;
            return;
        }
    }
}

/* Build the index with one scan; on damage, I/O error or no memory there is none. */
static void index_build(struct kk_sfs_inode *dir)
{
    struct kk_sfs *fs = dir->fs;
    uint32_t cap = 64, i, e;
    struct dir_index *x;
    while (cap < dir->d.blocks * 2 && cap < (1u << 30))
        cap <<= 1;
    if ((x = index_new(fs, cap)) == NULL)
        return;
    x->hint = dir->d.blocks;
    for (i = 0; i < dir->d.blocks; i++) {
        struct buf *b;
        int rc = slot_get(dir, i, &b);
        if (rc == 0)
            rc = b ? entry_check(fs, b->data, &e) : 0;
        if (rc == 1)
            index_put(x,
                      sfs_name_hash((const char *)b->data + 4,
                                    kk_strnlen((const char *)b->data + 4, KK_SFS_MAX_NAME)),
                      i);
        if (b)
            kk_sfs__bput(fs, b);
        if (rc < 0 || x->used * 4 > x->cap * 3) {
            kk_sfs__free(fs, x, index_bytes(cap));
            return;
        }
        if (rc == 0 && x->nfree++ == 0)
            x->hint = i;
    }
    dir->idx = x;
}

/* Read slot @i: 1 and its inode if used, 0 if free, or an error. */
static int slot_read(struct kk_sfs_inode *dir, uint32_t i, const char *name, size_t len,
                     uint32_t *ino)
{
    struct buf *b;
    int rc = slot_get(dir, i, &b);
    if (rc || !b)
        return rc;
    rc = entry_check(dir->fs, b->data, ino);
    if (rc == 1 && name && kk_memcmp(b->data + 4, name, len + 1) != 0)
        rc = 2; /* used, another name */
    kk_sfs__bput(dir->fs, b);
    return rc;
}

static int index_find(struct kk_sfs_inode *dir, const char *name, size_t len, uint32_t *ino,
                      uint32_t *slot, uint32_t *free_slot)
{
    struct dir_index *x = dir->idx;
    uint32_t h = sfs_name_hash(name, len), i, s, e = 0;
    int rc;
    for (i = h & (x->cap - 1); x->e[i].slot1 != 0; i = (i + 1) & (x->cap - 1)) {
        if (x->e[i].slot1 == IDX_DEAD || x->e[i].hash != h || x->e[i].slot1 > dir->d.blocks)
            continue;
        s = x->e[i].slot1 - 1;
        if ((rc = slot_read(dir, s, name, len, &e)) < 0)
            return rc;
        if (rc == 1) {
            *ino = e;
            if (slot)
                *slot = s;
            return 0;
        }
    }
    if (!free_slot)
        return KK_ENOENT;
    for (s = x->nfree ? x->hint : dir->d.blocks; s < dir->d.blocks; s++) {
        if ((rc = slot_read(dir, s, NULL, 0, &e)) < 0)
            return rc;
        if (rc == 0)
            break;
    }
    x->hint = s;
    if (s == dir->d.blocks)
        x->nfree = 0;
    *free_slot = s;
    return KK_ENOENT;
}

/* After slot @slot changed from @old_used (name hash @old_hash) to @ino/@name. */
static void index_update(struct kk_sfs_inode *dir, uint32_t slot, bool was_slot, int old_used,
                         uint32_t old_hash, uint32_t ino, const char *name)
{
    struct dir_index *x = dir->idx;
    if (!x)
        return;
    if (old_used == 1)
        index_del(x, old_hash, slot);
    if (was_slot && old_used == 1 && ino == 0) {
        x->nfree++;
        x->hint = KK_MIN(x->hint, slot);
    } else if (was_slot && old_used != 1 && ino != 0) {
        x->nfree--;
    } else if (!was_slot && ino == 0) {
        x->nfree++;
        x->hint = KK_MIN(x->hint, slot);
    }
    if (ino != 0)
        index_add(dir, sfs_name_hash(name, kk_strnlen(name, KK_SFS_MAX_NAME)), slot);
}

int kk_sfs__dir_index_check(struct kk_sfs_inode *dir)
{
    struct dir_index *x = dir->idx;
    uint32_t i, e, live = 0, nfree = 0;
    int rc;
    for (i = 0; i < x->cap; i++) {
        if (x->e[i].slot1 == 0 || x->e[i].slot1 == IDX_DEAD)
            continue;
        if (x->e[i].slot1 > dir->d.blocks)
            return KK_ECORRUPT;
        live++;
    }
    for (i = 0; i < dir->d.blocks; i++) {
        if ((rc = slot_read(dir, i, NULL, 0, &e)) < 0)
            return rc == KK_ECORRUPT ? rc : 0; /* I/O errors are not index damage */
        if (rc == 0 && i < x->hint)
            return KK_ECORRUPT;
        nfree += rc == 0;
    }
    return live == x->live && live + nfree == dir->d.blocks && nfree == x->nfree ? 0 : KK_ECORRUPT;
}

int kk_sfs__dir_find(struct kk_sfs_inode *dir, const char *name, uint32_t *ino, uint32_t *slot,
                     uint32_t *free_slot)
{
    struct kk_sfs *fs = dir->fs;
    size_t len = kk_strnlen(name, KK_SFS_MAX_NAME + 1);
    uint32_t i, e;
    int rc;
    if (!dir->idx && dir->d.blocks >= DIR_INDEX_MIN && !fs->no_dir_index)
        index_build(dir);
    if (dir->idx)
        return index_find(dir, name, len, ino, slot, free_slot);
    if (free_slot)
        *free_slot = UINT32_MAX;
    for (i = 0; i < dir->d.blocks; i++) {
        struct buf *b;
        if ((rc = slot_get(dir, i, &b)) != 0)
            return rc;
        rc = b ? entry_check(fs, b->data, &e) : 0;
        if (rc == 1 && kk_memcmp(b->data + 4, name, len + 1) == 0) {
            kk_sfs__bput(fs, b);
            *ino = e;
            if (slot)
                *slot = i;
            return 0;
        }
        kk_sfs__bput(fs, b);
        if (rc < 0)
            return rc;
        if (rc == 0 && free_slot && *free_slot == UINT32_MAX)
            *free_slot = i;
    }
    if (free_slot && *free_slot == UINT32_MAX)
        *free_slot = dir->d.blocks;
    return KK_ENOENT;
}

/* A failed kk_sfs__dir_set_slot(): give back the slot it added; returns @rc. */
static int undo_grow(struct kk_sfs_inode *dir, uint32_t slot, bool grow, int rc)
{
    if (grow) {
        (void)kk_sfs__iunmap(dir, slot);
        dir->d.size -= KK_SFS_DENTRY_SIZE;
    }
    return rc;
}

static bool is_dot_name(const char *name)
{
    return name && name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/*
 * Write-back order of an entry (sfs_int.h): after the inode it names, before the
 * directory's inode when the directory is new (created since the last sync), so
 * a new directory's entry blocks are KIND_NEWENTRY, between file inodes and new
 * directories' inodes. An entry of a new directory naming another new one
 * (mkdir -p a/b) cannot be both: its block is written empty now, when it is
 * fresh, and names the child later (KIND_ENTRY); when the slot is an old one,
 * a sync first makes the directory an old one.
 */
static int entry_kind(struct kk_sfs_inode *dir, uint32_t slot, uint32_t ino, const char *name,
                      uint8_t *kind, bool *through)
{
    struct kk_sfs *fs = dir->fs;
    *kind = KIND_ENTRY;
    *through = false;
    if (fs->unordered || dir->born != fs->sync_gen)
        return 0;
    if (is_dot_name(name) || ino == 0 || !kk_sfs__new_dir_inode(fs, ino)) {
        *kind = KIND_NEWENTRY;
        return 0;
    }
    if (slot >= dir->d.blocks) {
        *through = true;
        return 0;
    }
    return kk_sfs__sync_all(fs);
}

int kk_sfs__dir_set_slot(struct kk_sfs_inode *dir, uint32_t slot, uint32_t ino, const char *name)
{
    struct kk_sfs *fs = dir->fs;
    struct buf *b;
    uint32_t p, old_ino, old_hash = 0;
    bool fresh, through, grow = slot >= dir->d.blocks;
    uint8_t kind;
    int rc, old_used;
    if (grow && (slot != dir->d.blocks || dir->d.size > UINT32_MAX - KK_SFS_DENTRY_SIZE))
        return KK_EFBIG;
    if ((rc = entry_kind(dir, slot, ino, name, &kind, &through)) != 0)
        return rc;
    if (grow) {
        if ((rc = kk_sfs__iextend_blocks(dir, slot + 1)) != 0)
            return rc;
        dir->d.size += KK_SFS_DENTRY_SIZE;
    }
    rc = kk_sfs__bmap_ex(dir, slot, true, &p, &fresh);
    if (rc == 0)
        rc = fresh ? kk_sfs__bzero_get(fs, p, &b) : kk_sfs__bread(fs, p, &b);
    if (rc)
        return undo_grow(dir, slot, grow, rc);
    if (through && fresh && (rc = kk_sfs__bwrite_now(fs, b)) != 0) {
        kk_sfs__bput(fs, b);
        return undo_grow(dir, slot, grow, rc);
    }
    old_used = fresh || !dir->idx ? 0 : entry_check(fs, b->data, &old_ino);
    if (old_used == 1)
        old_hash = sfs_name_hash((const char *)b->data + 4,
                                 kk_strnlen((const char *)b->data + 4, KK_SFS_MAX_NAME));
    kk_memset(b->data, 0, KK_SFS_ENTRY_BYTES);
    kk_sfs_put32(b->data, ino);
    if (name)
        kk_memcpy(b->data + 4, name, kk_strnlen(name, KK_SFS_MAX_NAME));
    kk_sfs__bdirty_kind(fs, b, kind);
    kk_sfs__bput(fs, b);
    if (old_used < 0)
        kk_sfs__dir_index_drop(dir); /* was damaged: rebuilt (or not) on the next lookup */
    else
        index_update(dir, slot, !grow, old_used, old_hash, ino, name);
    return grow ? kk_sfs__iupdate(dir) : 0;
}

int kk_sfs__dir_readdir(struct kk_sfs_inode *dir, uint32_t *cookie, struct kk_sfs_dirent *ent)
{
    struct kk_sfs *fs = dir->fs;
    uint32_t i;
    int rc;
    for (i = *cookie; i < dir->d.blocks; i++) {
        struct buf *b;
        if ((rc = slot_get(dir, i, &b)) != 0)
            return rc;
        rc = b ? entry_check(fs, b->data, &ent->ino) : 0;
        if (rc == 1)
            kk_memcpy(ent->name, b->data + 4, KK_SFS_MAX_NAME + 1);
        kk_sfs__bput(fs, b);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            *cookie = i + 1;
            return 1;
        }
    }
    *cookie = dir->d.blocks;
    return 0;
}

int kk_sfs__dir_is_empty(struct kk_sfs_inode *dir)
{
    struct kk_sfs_dirent ent;
    uint32_t cookie = 0;
    int rc;
    while ((rc = kk_sfs__dir_readdir(dir, &cookie, &ent)) == 1) {
        if (kk_memcmp(ent.name, ".", 2) != 0 && kk_memcmp(ent.name, "..", 3) != 0)
            return 0;
    }
    return rc < 0 ? rc : 1;
}
