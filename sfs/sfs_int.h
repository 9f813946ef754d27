/*
 * sfs_int.h: private structures of kernkit::sfs, shared by its source files.
 *
 * Layers (each uses only the ones above it):
 *   dev   (io.c)     device access in 4096-byte blocks over any device block size
 *   cache (cache.c)  write-back LRU block cache, in-memory free map, sync order
 *   inode (inode.c)  inode cache with reference counts, block map, read/write/truncate
 *   dir   (dir.c)    directory slots, lookup, create/link/unlink/rename
 *   api   (sfs.c)    format, mount, public functions taking the mount lock
 * The caller of every function here holds the mount lock.
 */
#ifndef KK_SFS_INT_H
#define KK_SFS_INT_H

#include <kernkit/sfs.h>
#include <kk_util.h>

/*
 * Write-back order (cache.c): a dirty block of kind k is written only after
 * every dirty block of a lower kind, with a device flush between them, so a
 * block is on disk before anything that points to it.
 */
enum {
    KIND_DATA,     /* file and symlink data (and anything not yet classified) */
    KIND_IND1,     /* a file's indirect block pointing at data */
    KIND_IND2,     /* a file's double-indirect block */
    KIND_INODE,    /* a file's inode */
    KIND_NEWENTRY, /* an entry block of a directory created since the last sync */
    KIND_NEWIND1,  /* its indirect block */
    KIND_NEWIND2,  /* its double-indirect block */
    KIND_NEWDIR,   /* its inode (before the entry naming it) */
    KIND_ENTRY,    /* a directory entry block (names an inode) */
    KIND_DIND1,    /* a directory's indirect block */
    KIND_DIND2,    /* a directory's double-indirect block */
    KIND_DIRINODE, /* a directory's inode */
    KIND_COUNT,
    KIND_NONE = 0xff
};

struct buf {
    uint32_t blkno;
    uint32_t pins;
    bool dirty;
    uint8_t kind; /* KIND_*: while dirty, where in the write-back order it goes */
    uint8_t *data;
    struct buf *hnext;       /* hash chain */
    struct buf *prev, *next; /* LRU list: head = most recent */
};

/*
 * In-memory name index of a cached directory (dir.c): open addressing,
 * name hash -> slot, plus the free-slot count and the lowest slot that may
 * be free. Built on the first lookup of a directory of at least
 * DIR_INDEX_MIN slots, kept in step by kk_sfs__dir_set_slot(), freed with the
 * inode. Purely a cache: when memory is short it is dropped and the slot
 * scan is used.
 */
struct dir_index {
    uint32_t cap;  /* power of two */
    uint32_t used; /* live entries + tombstones */
    uint32_t live;
    uint32_t nfree; /* free slots (or holes) below d.blocks */
    uint32_t hint;  /* no free slot below this one */
    struct dir_ient {
        uint32_t hash;
        uint32_t slot1; /* slot + 1; 0 = empty, UINT32_MAX = deleted */
    } e[];
};

struct kk_sfs_inode {
    struct kk_sfs *fs;
    uint32_t ino;
    uint32_t refs;
    struct kk_sfs_disk_inode d;
    struct kk_sfs_inode *hnext;
    struct dir_index *idx; /* directories only; NULL = none (scan) */
    uint32_t born;         /* fs->sync_gen when allocated (or read while its new directory inode is
                            * dirty in the cache, KIND_NEWDIR); UINT32_MAX = read from disk */
};

/*
 * Device requests queued by one operation and submitted together (io.c):
 * the runs of a large read or write, the dirty blocks of a write-back phase.
 */
#define IOB_MAX 16u
struct iobatch {
    uint32_t n;
    struct kk_blockdev_req r[IOB_MAX];
};

/* Unreferenced directory inodes with a name index kept cached (inode.c). */
#define KEEP_DIRS 8

struct kk_sfs {
    const struct kk_blockdev *dev;
    const struct kk_fs_platform *plat;
    void *lock;
    bool read_only;
    bool no_dir_index;  /* kk_sfs_config.no_dir_index */
    bool unordered;     /* kk_sfs_config.unordered: every dirty block is KIND_DATA */
    uint32_t dev_shift; /* log2(4096 / device block size) */
    struct kk_sfs_disk_super super;
    uint32_t first_data; /* first block after the free map */
    int write_err;       /* KK_EROFS or KK_ECORRUPT when read_only */
    uint32_t nfree;      /* allocatable now (set bits of map) */
    uint32_t npending;   /* freed since the last sync (set bits of pending) */
    uint32_t alloc_hint; /* data and inode blocks: searched upwards from here */
    uint32_t meta_hint;  /* indirect blocks: searched downwards from below here */
    uint8_t *map;        /* free map: bit set = free and allocatable */
    uint8_t *pending;    /* freed since the last sync, reusable after it */
    uint8_t *map_dirty;  /* one byte per free-map block */
    size_t map_bytes;
    bool map_alloc_dirty; /* blocks allocated since the free map was last written */
    uint8_t unflushed;    /* lowest KIND_* written since the last device flush, or KIND_NONE */
    uint32_t sync_gen;    /* completed syncs of this mount */
    bool super_dirty;
    uint32_t bad_block; /* write_err KK_ECORRUPT: the first block verify found at fault */

    /* block cache */
    struct buf *bufs;
    uint32_t nbufs;
    uint32_t ndirty; /* dirty buffers */
    struct buf **bhash;
    uint32_t bhash_mask;
    struct buf *lru_head, *lru_tail;
    uint8_t *bufmem;
    bool bufmem_owned;

    /* inode cache */
    struct kk_sfs_inode **ihash;
    uint32_t ihash_mask;
    uint32_t ninodes;
    /* unreferenced directories kept for their name index, oldest first */
    struct kk_sfs_inode *keep[KEEP_DIRS];
    uint32_t nkeep;

    struct iobatch iob; /* runs of one read/write (inode.c), one operation at a time */
    struct iobatch wb;  /* write-back of cached blocks (cache.c) */
};

/*
 * Blocks an operation pins before its first change, so that every later
 * read of them is a cache hit: a read error can then only happen before
 * anything was modified.
 */
#define MAX_PINS 12
struct pins {
    struct buf *b[MAX_PINS];
    unsigned n;
};

/* memory and locking helpers (sfs.c) */
void *kk_sfs__alloc(struct kk_sfs *fs, size_t size);
void kk_sfs__free(struct kk_sfs *fs, void *p, size_t size);
void kk_sfs__lock(struct kk_sfs *fs);
void kk_sfs__unlock(struct kk_sfs *fs);

/* io.c */
int kk_sfs__dev_read(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n,
                     void *buf);
int kk_sfs__dev_write(const struct kk_blockdev *dev, uint32_t shift, uint32_t blkno, uint32_t n,
                      const void *buf);
int kk_sfs__dev_shift_of(const struct kk_blockdev *dev, uint32_t *shift);
/* Queue @n SFS blocks at @blkno (b->n < IOB_MAX); KK_EIO if outside the device. */
int kk_sfs__iob_add(struct kk_sfs *fs, struct iobatch *b, uint32_t op, uint32_t blkno, uint32_t n,
                    void *buf);
/* Run the queued requests; returns 0 or the first failed one's code (*failed = its
 * index, else b->n). Statuses stay in b->r; the caller resets b->n. */
int kk_sfs__iob_submit(struct kk_sfs *fs, struct iobatch *b, uint32_t *failed);

/* cache.c */
int kk_sfs__cache_init(struct kk_sfs *fs, const struct kk_sfs_config *cfg);
void kk_sfs__cache_fini(struct kk_sfs *fs);
int kk_sfs__bread(struct kk_sfs *fs, uint32_t blkno, struct buf **out);
int kk_sfs__bzero_get(struct kk_sfs *fs, uint32_t blkno, struct buf **out);
void kk_sfs__bput(struct kk_sfs *fs, struct buf *b);
void kk_sfs__bdirty(struct kk_sfs *fs, struct buf *b);
/* Mark dirty as a block of @kind (KIND_*; the highest kind given since it was clean wins). */
void kk_sfs__bdirty_kind(struct kk_sfs *fs, struct buf *b, uint8_t kind);
/* Write @b to the device now, as a block of KIND_DATA (it goes before every
 * metadata block dirty in the cache); on failure it stays dirty. 0 or the device error. */
int kk_sfs__bwrite_now(struct kk_sfs *fs, struct buf *b);
/* Is block @ino the inode of a directory created since the last sync, not yet written? */
bool kk_sfs__new_dir_inode(struct kk_sfs *fs, uint32_t ino);
/* Note a device write of blocks of @kind (the direct data runs of inode.c). */
void kk_sfs__wrote(struct kk_sfs *fs, uint8_t kind);
struct buf *kk_sfs__bfind(struct kk_sfs *fs, uint32_t blkno);
void kk_sfs__binval(struct kk_sfs *fs, uint32_t blkno);
/* A free block: data and inodes upwards (from @goal when it has one free above it,
 * else from the hint), indirect blocks downwards from the top, so that a large
 * file's data stays one run. */
int kk_sfs__block_alloc(struct kk_sfs *fs, uint32_t *out);
/* 0 when @need blocks are allocatable; when only blocks held for the next sync
 * (freed since the last one) would make up the difference, syncs first so they
 * become allocatable. KK_ENOSPC, or the sync's error. */
int kk_sfs__reserve(struct kk_sfs *fs, uint32_t need);
int kk_sfs__block_alloc_goal(struct kk_sfs *fs, uint32_t goal, uint32_t *out);
int kk_sfs__block_alloc_meta(struct kk_sfs *fs, uint32_t *out);
int kk_sfs__block_free(struct kk_sfs *fs, uint32_t blkno);
bool kk_sfs__block_is_free(struct kk_sfs *fs, uint32_t blkno);
int kk_sfs__sync_all(struct kk_sfs *fs);
int kk_sfs__pin(struct kk_sfs *fs, struct pins *p, uint32_t blkno);
void kk_sfs__unpin(struct kk_sfs *fs, struct pins *p);
int kk_sfs__cache_check(struct kk_sfs *fs);

/* inode.c */
int kk_sfs__iget(struct kk_sfs *fs, uint32_t ino, struct kk_sfs_inode **out);
void kk_sfs__iput(struct kk_sfs_inode *ip);
int kk_sfs__iupdate(struct kk_sfs_inode *ip);
int kk_sfs__ialloc(struct kk_sfs *fs, uint16_t type, struct kk_sfs_inode **out);
int kk_sfs__bmap(struct kk_sfs_inode *ip, uint32_t idx, bool create, uint32_t *out);
int kk_sfs__bmap_ex(struct kk_sfs_inode *ip, uint32_t idx, bool create, uint32_t *out, bool *fresh);
int kk_sfs__iextend_blocks(struct kk_sfs_inode *ip, uint32_t newb);
int kk_sfs__iunmap(struct kk_sfs_inode *ip, uint32_t from);
int kk_sfs__iread(struct kk_sfs_inode *ip, uint64_t off, void *buf, size_t len, size_t *done);
int kk_sfs__iwrite(struct kk_sfs_inode *ip, uint64_t off, const void *buf, size_t len,
                   size_t *done);
int kk_sfs__itrunc(struct kk_sfs_inode *ip, uint64_t size);
int kk_sfs__icache_check(struct kk_sfs *fs);
int kk_sfs__pin_path(struct kk_sfs_inode *ip, uint32_t idx, struct pins *p);
uint32_t kk_sfs__icache_busy(struct kk_sfs *fs);
void kk_sfs__icache_drop_kept(struct kk_sfs *fs);
bool kk_sfs__valid_block(struct kk_sfs *fs, uint32_t blkno);

/* dir.c */
int kk_sfs__dir_find(struct kk_sfs_inode *dir, const char *name, uint32_t *ino, uint32_t *slot,
                     uint32_t *free_slot);
int kk_sfs__dir_set_slot(struct kk_sfs_inode *dir, uint32_t slot, uint32_t ino, const char *name);
int kk_sfs__dir_readdir(struct kk_sfs_inode *dir, uint32_t *cookie, struct kk_sfs_dirent *ent);
int kk_sfs__dir_is_empty(struct kk_sfs_inode *dir);
void kk_sfs__dir_index_drop(struct kk_sfs_inode *dir);
int kk_sfs__dir_index_check(struct kk_sfs_inode *dir);
int kk_sfs__check_name(const char *name);

/* verify.c: the verify_map scan; refuses writes (write_err KK_ECORRUPT) on a finding.
 * 0 or the error that stopped the scan (I/O, KK_ENOMEM). */
int kk_sfs__verify(struct kk_sfs *fs);

/* file-system level operations (ops.c) */
int kk_sfs__op_create(struct kk_sfs_inode *dir, const char *name, uint16_t type, const char *target,
                      struct kk_sfs_inode **out);
int kk_sfs__op_link(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode *target);
int kk_sfs__op_remove(struct kk_sfs_inode *dir, const char *name, bool want_dir);
int kk_sfs__op_rename(struct kk_sfs_inode *odir, const char *oname, struct kk_sfs_inode *ndir,
                      const char *nname);

/* FNV-1a of a name of @len bytes (directory name tables, fsck). */
static inline uint32_t sfs_name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static inline uint32_t ceil_blocks(uint64_t bytes)
{
    return (uint32_t)((bytes + KK_SFS_BLKSIZE - 1) / KK_SFS_BLKSIZE);
}

#endif
