/*
 * dir.c: directory slots. A directory's logical block i holds slot i, one
 * entry {u32 ino; char name[256]} at the start of the block (ino 0 = free);
 * d.blocks counts the slots and d.size is 256 per slot (uCore's layout).
 *
 * Promises: every used entry is validated (inode number in range, name
 * NUL-terminated and non-empty) before it is used, else KK_ECORRUPT; names
 * are compared as bytes. A slot hole (unmapped block) reads as a free slot.
 */
#include "sfs_int.h"

int check_name(const char *name)
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
    if (*ino != KK_SFS_BLKN_ROOT && !valid_block(fs, *ino))
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
    int rc = bmap(dir, i, false, &p);
    *b = NULL;
    if (rc || p == 0)
        return rc;
    return bread(dir->fs, p, b);
}

int dir_find(struct kk_sfs_inode *dir, const char *name, uint32_t *ino, uint32_t *slot,
             uint32_t *free_slot)
{
    struct kk_sfs *fs = dir->fs;
    size_t len = kk_strnlen(name, KK_SFS_MAX_NAME + 1);
    uint32_t i, e;
    int rc;
    if (free_slot)
        *free_slot = UINT32_MAX;
    for (i = 0; i < dir->d.blocks; i++) {
        struct buf *b;
        if ((rc = slot_get(dir, i, &b)) != 0)
            return rc;
        rc = b ? entry_check(fs, b->data, &e) : 0;
        if (rc == 1 && kk_memcmp(b->data + 4, name, len + 1) == 0) {
            bput(fs, b);
            *ino = e;
            if (slot)
                *slot = i;
            return 0;
        }
        bput(fs, b);
        if (rc < 0)
            return rc;
        if (rc == 0 && free_slot && *free_slot == UINT32_MAX)
            *free_slot = i;
    }
    if (free_slot && *free_slot == UINT32_MAX)
        *free_slot = dir->d.blocks;
    return KK_ENOENT;
}

int dir_set_slot(struct kk_sfs_inode *dir, uint32_t slot, uint32_t ino, const char *name)
{
    struct kk_sfs *fs = dir->fs;
    struct buf *b;
    uint32_t p;
    bool fresh, grow = slot >= dir->d.blocks;
    int rc;
    if (grow) {
        if (slot != dir->d.blocks || dir->d.size > UINT32_MAX - KK_SFS_DENTRY_SIZE)
            return KK_EFBIG;
        if ((rc = iextend_blocks(dir, slot + 1)) != 0)
            return rc;
        dir->d.size += KK_SFS_DENTRY_SIZE;
    }
    rc = bmap_ex(dir, slot, true, &p, &fresh);
    if (rc == 0)
        rc = fresh ? bzero_get(fs, p, &b) : bread(fs, p, &b);
    if (rc) {
        if (grow) {
            (void)iunmap(dir, slot);
            dir->d.size -= KK_SFS_DENTRY_SIZE;
        }
        return rc;
    }
    kk_memset(b->data, 0, KK_SFS_ENTRY_BYTES);
    kk_sfs_put32(b->data, ino);
    if (name)
        kk_memcpy(b->data + 4, name, kk_strnlen(name, KK_SFS_MAX_NAME));
    bdirty(b);
    bput(fs, b);
    return grow ? iupdate(dir) : 0;
}

int dir_readdir(struct kk_sfs_inode *dir, uint32_t *cookie, struct kk_sfs_dirent *ent)
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
        bput(fs, b);
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

int dir_is_empty(struct kk_sfs_inode *dir)
{
    struct kk_sfs_dirent ent;
    uint32_t cookie = 0;
    int rc;
    while ((rc = dir_readdir(dir, &cookie, &ent)) == 1) {
        if (kk_memcmp(ent.name, ".", 2) != 0 && kk_memcmp(ent.name, "..", 3) != 0)
            return 0;
    }
    return rc < 0 ? rc : 1;
}
