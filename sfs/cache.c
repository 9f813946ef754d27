/*
 * cache.c: the write-back LRU block cache, the in-memory free map and the
 * order in which changes reach the device.
 *
 * Owns: fs->bufs/bhash/bufmem (block cache) and fs->map/pending/map_dirty.
 * Promises: (1) a block reachable from metadata on disk is never marked free
 * on disk: before any cached block is written, the free map is written with
 * every allocation in it; blocks freed since the last sync stay marked used
 * (and are not reused) until sync has written all metadata; (2) a failed
 * write leaves the buffer dirty, so a later sync retries; (3) a failed read
 * leaves no buffer with bad contents in the cache.
 * Callers: kk_sfs__bread()/kk_sfs__bzero_get() return a pinned buffer that stays valid until
 * kk_sfs__bput(); never keep more than a few pinned at once (the cache has >= 16).
 */
#include "sfs_int.h"

#define MIN_BUFS 16u

static uint32_t bhashfn(struct kk_sfs *fs, uint32_t blkno)
{
    return (blkno * 0x9E3779B1u >> 7) & fs->bhash_mask;
}

static void lru_unlink(struct kk_sfs *fs, struct buf *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        fs->lru_head = b->next;
    if (b->next)
        b->next->prev = b->prev;
    else
        fs->lru_tail = b->prev;
    b->prev = b->next = NULL;
}

static void lru_push_head(struct kk_sfs *fs, struct buf *b)
{
    b->prev = NULL;
    b->next = fs->lru_head;
    if (fs->lru_head)
        fs->lru_head->prev = b;
    else
        fs->lru_tail = b;
    fs->lru_head = b;
}

static void set_dirty(struct kk_sfs *fs, struct buf *b, bool dirty)
{
    if (b->dirty != dirty)
        fs->ndirty += dirty ? 1u : (uint32_t)-1;
    b->dirty = dirty;
    if (!dirty)
        b->kind = KIND_DATA;
}

void kk_sfs__wrote(struct kk_sfs *fs, uint8_t kind)
{
    if (kind < fs->unflushed)
        fs->unflushed = kind;
}

/* Before writing blocks of @kind: flush when blocks of a lower kind may still be in flight. */
static int barrier(struct kk_sfs *fs, uint8_t kind)
{
    int rc;
    if (fs->unflushed >= kind)
        return 0;
    fs->unflushed = KIND_NONE;
    if (fs->dev->flush && (rc = fs->dev->flush(fs->dev->ctx)) != 0)
        return rc > 0 ? KK_EIO : rc;
    return 0;
}

static void hash_remove(struct kk_sfs *fs, struct buf *b)
{
    struct buf **pp = &fs->bhash[bhashfn(fs, b->blkno)];
    while (*pp && *pp != b)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = b->hnext;
    b->hnext = NULL;
    b->blkno = UINT32_MAX;
    set_dirty(fs, b, false);
}

int kk_sfs__cache_init(struct kk_sfs *fs, const struct kk_sfs_config *cfg)
{
    uint32_t n = cfg->cache_blocks ? cfg->cache_blocks : 64, i, hsize = 1;
    if (cfg->cache_mem) {
        if (cfg->cache_bytes / KK_SFS_BLKSIZE < MIN_BUFS ||
            cfg->cache_bytes / KK_SFS_BLKSIZE > UINT32_MAX)
            return KK_EINVAL;
        n = (uint32_t)(cfg->cache_bytes / KK_SFS_BLKSIZE);
    }
    if (n < MIN_BUFS)
        n = MIN_BUFS;
    if (n > (1u << 20))
        n = 1u << 20;
    while (hsize < 2 * n)
        hsize <<= 1;
    fs->nbufs = n;
    fs->bhash_mask = hsize - 1;
    fs->unflushed = KIND_NONE;
    fs->bufs = kk_sfs__alloc(fs, sizeof(struct buf) * n);
    fs->bhash = kk_sfs__alloc(fs, sizeof(struct buf *) * hsize);
    if (cfg->cache_mem) {
        fs->bufmem = cfg->cache_mem;
    } else {
        fs->bufmem = kk_sfs__alloc(fs, (size_t)n * KK_SFS_BLKSIZE);
        fs->bufmem_owned = true;
    }
    if (!fs->bufs || !fs->bhash || !fs->bufmem)
        return KK_ENOMEM;
    kk_memset(fs->bufs, 0, sizeof(struct buf) * n);
    kk_memset(fs->bhash, 0, sizeof(struct buf *) * hsize);
    for (i = 0; i < n; i++) {
        fs->bufs[i].blkno = UINT32_MAX;
        fs->bufs[i].data = fs->bufmem + (size_t)i * KK_SFS_BLKSIZE;
        lru_push_head(fs, &fs->bufs[i]);
    }
    return 0;
}

void kk_sfs__cache_fini(struct kk_sfs *fs)
{
    if (fs->bufmem_owned)
        kk_sfs__free(fs, fs->bufmem, (size_t)fs->nbufs * KK_SFS_BLKSIZE);
    if (fs->bufs)
        kk_sfs__free(fs, fs->bufs, sizeof(struct buf) * fs->nbufs);
    if (fs->bhash)
        kk_sfs__free(fs, fs->bhash, sizeof(struct buf *) * (fs->bhash_mask + 1));
    fs->bufs = NULL;
    fs->bhash = NULL;
    fs->bufmem = NULL;
}

struct buf *kk_sfs__bfind(struct kk_sfs *fs, uint32_t blkno)
{
    struct buf *b = fs->bhash[bhashfn(fs, blkno)];
    while (b && b->blkno != blkno)
        b = b->hnext;
    return b;
}

/* Write the dirty free-map blocks (the map as it is: pending frees count as used). */
static int write_map(struct kk_sfs *fs)
{
    uint32_t i, nmap = kk_sfs_freemap_blocks(fs->super.blocks);
    int rc;
    for (i = 0; i < nmap; i++) {
        if (!fs->map_dirty[i])
            continue;
        rc = kk_sfs__dev_write(fs->dev, fs->dev_shift, KK_SFS_BLKN_FREEMAP + i, 1,
                               fs->map + (size_t)i * KK_SFS_BLKSIZE);
        if (rc)
            return rc;
        fs->map_dirty[i] = 0;
        kk_sfs__wrote(fs, KIND_DATA);
    }
    fs->map_alloc_dirty = false;
    return 0;
}

/*
 * Write @n dirty buffers of one kind as one batch, in block order (so a device
 * can merge neighbours), after the free map if allocations are pending
 * (promise 1) and after a flush if blocks of a lower kind may be in flight.
 * Those written become clean; a failed one stays dirty. Uses fs->wb, never
 * fs->iob: an eviction can happen while a read or write has runs queued.
 */
static int write_bufs(struct kk_sfs *fs, struct buf **v, uint32_t n)
{
    struct iobatch *wb = &fs->wb;
    uint8_t kind = v[0]->kind;
    uint32_t i, j, failed;
    int rc = 0;
    for (i = 1; i < n; i++) /* insertion sort: n <= IOB_MAX */
        for (j = i; j > 0 && v[j - 1]->blkno > v[j]->blkno; j--) {
            struct buf *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    if (fs->map_alloc_dirty && (rc = write_map(fs)) != 0)
        return rc;
    if ((rc = barrier(fs, kind)) != 0)
        return rc;
    wb->n = 0;
    for (i = 0; i < n && rc == 0; i++)
        rc = kk_sfs__iob_add(fs, wb, KK_BLOCKDEV_WRITE, v[i]->blkno, 1, v[i]->data);
    if (rc == 0) {
        kk_sfs__wrote(fs, kind);
        rc = kk_sfs__iob_submit(fs, wb, &failed);
        for (i = 0; i < wb->n; i++)
            if (wb->r[i].status == 0)
                set_dirty(fs, v[i], false);
    }
    wb->n = 0;
    return rc;
}

/* Every dirty buffer, kind by kind (lowest first), IOB_MAX at a time. */
static int flush_bufs(struct kk_sfs *fs)
{
    struct buf *v[IOB_MAX];
    uint32_t i, n;
    uint8_t k;
    int rc = 0;
    for (k = 0; k < KIND_COUNT && rc == 0 && fs->ndirty; k++) {
        for (i = 0, n = 0; i < fs->nbufs && rc == 0; i++) {
            struct buf *b = &fs->bufs[i];
            if (b->dirty && b->blkno != UINT32_MAX && b->kind == k)
                v[n++] = b;
            if (n == IOB_MAX || (n && i + 1 == fs->nbufs)) {
                rc = write_bufs(fs, v, n);
                n = 0;
            }
        }
    }
    return rc;
}

/*
 * Write-behind for eviction: the dirty unpinned data buffer @b and up to
 * IOB_MAX - 1 more nearest the LRU tail go out as one batch, so that the next
 * evictions find clean buffers. Returns @b's error, if any.
 */
static int write_behind(struct kk_sfs *fs, struct buf *b)
{
    struct buf *v[IOB_MAX], *o;
    uint32_t n = 0, seen = 0;
    int rc;
    v[n++] = b;
    for (o = b->prev; o && n < IOB_MAX && seen < 4 * IOB_MAX; o = o->prev, seen++)
        if (o->dirty && !o->pins && o->blkno != UINT32_MAX && o->kind == KIND_DATA)
            v[n++] = o;
    rc = write_bufs(fs, v, n);
    return b->dirty ? (rc ? rc : KK_EIO) : 0;
}

/*
 * A free buffer for @blkno: the least recently used unpinned one that is clean
 * or holds data (written back, with neighbours, if dirty). When the nearest
 * ones all hold dirty metadata, every dirty buffer is written in order first.
 */
static int victim(struct kk_sfs *fs, struct buf **out)
{
    struct buf *b, *meta = NULL;
    uint32_t seen = 0;
    int rc;
    for (b = fs->lru_tail; b; b = b->prev) {
        if (b->pins)
            continue;
        if (b->dirty && b->kind != KIND_DATA) {
            if (!meta)
                meta = b;
            if (++seen < 4 * IOB_MAX)
                continue;
            b = meta;
            if ((rc = flush_bufs(fs)) != 0)
                return rc;
        } else if (b->dirty && (rc = write_behind(fs, b)) != 0) {
            return rc;
        }
        break;
    }
    if (!b && meta) {
        b = meta;
        if ((rc = flush_bufs(fs)) != 0)
            return rc;
    }
    if (!b)
        return KK_ENOMEM;
    if (b->blkno != UINT32_MAX)
        hash_remove(fs, b);
    *out = b;
    return 0;
}

static void install(struct kk_sfs *fs, struct buf *b, uint32_t blkno)
{
    uint32_t h = bhashfn(fs, blkno);
    b->blkno = blkno;
    b->hnext = fs->bhash[h];
    fs->bhash[h] = b;
}

static int bget(struct kk_sfs *fs, uint32_t blkno, bool read, struct buf **out)
{
    struct buf *b;
    int rc;
    if (blkno >= fs->super.blocks)
        return KK_ECORRUPT;
    b = kk_sfs__bfind(fs, blkno);
    if (!b) {
        if ((rc = victim(fs, &b)) != 0)
            return rc;
        if (read && (rc = kk_sfs__dev_read(fs->dev, fs->dev_shift, blkno, 1, b->data)) != 0)
            return rc;
        if (!read)
            kk_memset(b->data, 0, KK_SFS_BLKSIZE);
        install(fs, b, blkno);
    } else if (!read) {
        kk_memset(b->data, 0, KK_SFS_BLKSIZE);
    }
    if (!read)
        set_dirty(fs, b, true);
    b->pins++;
    lru_unlink(fs, b);
    lru_push_head(fs, b);
    *out = b;
    return 0;
}

int kk_sfs__bread(struct kk_sfs *fs, uint32_t blkno, struct buf **out)
{
    return bget(fs, blkno, true, out);
}

int kk_sfs__bzero_get(struct kk_sfs *fs, uint32_t blkno, struct buf **out)
{
    return bget(fs, blkno, false, out);
}

void kk_sfs__bput(struct kk_sfs *fs, struct buf *b)
{
    if (b && b->pins && --b->pins == 0 && b->blkno != UINT32_MAX && b->blkno != 0 &&
        kk_sfs__block_is_free(fs, b->blkno))
        hash_remove(fs, b); /* freed while pinned: its contents are dead */
}

int kk_sfs__bwrite_now(struct kk_sfs *fs, struct buf *b)
{
    set_dirty(fs, b, true);
    b->kind = KIND_DATA;
    int rc = write_bufs(fs, &b, 1);
    return rc ? rc : (b->dirty ? KK_EIO : 0);
}

bool kk_sfs__new_dir_inode(struct kk_sfs *fs, uint32_t ino)
{
    struct buf *b = kk_sfs__bfind(fs, ino);
    return b && b->dirty && b->kind == KIND_NEWDIR;
}

void kk_sfs__bdirty(struct kk_sfs *fs, struct buf *b)
{
    set_dirty(fs, b, true);
}

void kk_sfs__bdirty_kind(struct kk_sfs *fs, struct buf *b, uint8_t kind)
{
    set_dirty(fs, b, true);
    if (kind > b->kind && !fs->unordered)
        b->kind = kind;
}

void kk_sfs__binval(struct kk_sfs *fs, uint32_t blkno)
{
    struct buf *b = kk_sfs__bfind(fs, blkno);
    if (b && !b->pins)
        hash_remove(fs, b);
}

bool kk_sfs__block_is_free(struct kk_sfs *fs, uint32_t blkno)
{
    return blkno >= fs->super.blocks || kk_sfs_map_test(fs->map, blkno) ||
           kk_sfs_map_test(fs->pending, blkno);
}

static bool find_free(struct kk_sfs *fs, uint32_t from, uint32_t to, uint32_t *out)
{
    uint32_t i = from;
    while (i < to) {
        if ((i & 7) == 0 && fs->map[i >> 3] == 0) {
            i += 8;
            continue;
        }
        if (kk_sfs_map_test(fs->map, i)) {
            *out = i;
            return true;
        }
        i++;
    }
    return false;
}

/* Highest free block in [to, from). */
static bool find_free_down(struct kk_sfs *fs, uint32_t from, uint32_t to, uint32_t *out)
{
    uint32_t i = from;
    while (i > to) {
        i--;
        if ((i & 7) == 7 && i - 7 >= to && fs->map[i >> 3] == 0) {
            i -= 7;
            continue;
        }
        if (kk_sfs_map_test(fs->map, i)) {
            *out = i;
            return true;
        }
    }
    return false;
}

static void take(struct kk_sfs *fs, uint32_t b)
{
    fs->map[b >> 3] &= (uint8_t) ~(1u << (b & 7));
    fs->map_dirty[b / KK_SFS_BLKBITS] = 1;
    fs->map_alloc_dirty = true;
    fs->super_dirty = true;
    fs->nfree--;
}

int kk_sfs__reserve(struct kk_sfs *fs, uint32_t need)
{
    int rc;
    if (fs->nfree >= need)
        return 0;
    if (fs->nfree + fs->npending < need || fs->read_only)
        return KK_ENOSPC;
    /* the frees' metadata goes out, then the held blocks become allocatable */
    if ((rc = kk_sfs__sync_all(fs)) != 0)
        return rc;
    return fs->nfree >= need ? 0 : KK_ENOSPC;
}

int kk_sfs__block_alloc_goal(struct kk_sfs *fs, uint32_t goal, uint32_t *out)
{
    uint32_t b;
    int rc;
    if ((rc = kk_sfs__reserve(fs, 1)) != 0)
        return rc;
    if (fs->alloc_hint < fs->first_data || fs->alloc_hint >= fs->super.blocks)
        fs->alloc_hint = fs->first_data;
    if (!(goal >= fs->first_data && goal < fs->super.blocks &&
          find_free(fs, goal, fs->super.blocks, &b)) &&
        !find_free(fs, fs->alloc_hint, fs->super.blocks, &b) &&
        !find_free(fs, fs->first_data, fs->alloc_hint, &b))
        return KK_ECORRUPT; /* nfree disagrees with the map */
    take(fs, b);
    fs->alloc_hint = b + 1;
    *out = b;
    return 0;
}

int kk_sfs__block_alloc(struct kk_sfs *fs, uint32_t *out)
{
    return kk_sfs__block_alloc_goal(fs, 0, out);
}

int kk_sfs__block_alloc_meta(struct kk_sfs *fs, uint32_t *out)
{
    uint32_t b;
    int rc;
    if ((rc = kk_sfs__reserve(fs, 1)) != 0)
        return rc;
    if (fs->meta_hint <= fs->first_data || fs->meta_hint > fs->super.blocks)
        fs->meta_hint = fs->super.blocks;
    if (!find_free_down(fs, fs->meta_hint, fs->first_data, &b) &&
        !find_free_down(fs, fs->super.blocks, fs->meta_hint, &b))
        return KK_ECORRUPT;
    take(fs, b);
    fs->meta_hint = b;
    *out = b;
    return 0;
}

int kk_sfs__block_free(struct kk_sfs *fs, uint32_t blkno)
{
    if (!kk_sfs__valid_block(fs, blkno) || kk_sfs__block_is_free(fs, blkno))
        return KK_ECORRUPT;
    fs->pending[blkno >> 3] |= (uint8_t)(1u << (blkno & 7));
    fs->npending++;
    fs->super_dirty = true;
    kk_sfs__binval(fs, blkno);
    return 0;
}

/* Pending frees become allocatable; their free-map blocks become dirty. */
static void release_pending(struct kk_sfs *fs)
{
    size_t i;
    if (fs->npending == 0)
        return;
    for (i = 0; i < fs->map_bytes; i++) {
        if (fs->pending[i]) {
            fs->map[i] |= fs->pending[i];
            fs->pending[i] = 0;
            fs->map_dirty[i / KK_SFS_BLKSIZE] = 1;
        }
    }
    fs->nfree += fs->npending;
    fs->npending = 0;
}

static int write_super(struct kk_sfs *fs)
{
    struct buf *b;
    int rc;
    fs->super.unused_blocks = fs->nfree + fs->npending;
    /* block 0 holds only the superblock (the rest is zero): no read needed */
    if ((rc = kk_sfs__bzero_get(fs, KK_SFS_BLKN_SUPER, &b)) != 0)
        return rc;
    kk_sfs_super_encode(&fs->super, b->data);
    rc = kk_sfs__dev_write(fs->dev, fs->dev_shift, KK_SFS_BLKN_SUPER, 1, b->data);
    set_dirty(fs, b, false);
    kk_sfs__bput(fs, b);
    if (rc == 0)
        fs->super_dirty = false;
    return rc;
}

/*
 * The order: the free map with every allocation and the data, then each kind of
 * metadata (KIND_*) with a flush before it, then - once nothing on disk points
 * at them - the frees in the map, the superblock, and a last flush.
 */
int kk_sfs__sync_all(struct kk_sfs *fs)
{
    int rc;
    if ((rc = write_map(fs)) != 0 || (rc = flush_bufs(fs)) != 0)
        return rc;
    if (fs->npending) {
        if ((rc = barrier(fs, KIND_COUNT)) != 0)
            return rc;
        release_pending(fs);
        if ((rc = write_map(fs)) != 0)
            return rc;
    }
    if (fs->super_dirty && (rc = write_super(fs)) != 0)
        return rc;
    kk_sfs__wrote(fs, KIND_DATA);
    if ((rc = barrier(fs, KIND_COUNT)) != 0)
        return rc;
    fs->sync_gen++;
    return 0;
}

static uint32_t popcount_map(const uint8_t *m, size_t n)
{
    uint32_t c = 0;
    size_t i;
    for (i = 0; i < n; i++)
        c += (uint32_t)__builtin_popcount(m[i]);
    return c;
}

int kk_sfs__cache_check(struct kk_sfs *fs)
{
    uint32_t i, n = 0, ndirty = 0;
    struct buf *b;
    size_t j;
    for (j = 0; j < fs->map_bytes; j++)
        if (fs->map[j] & fs->pending[j])
            return KK_ECORRUPT;
    if (popcount_map(fs->map, fs->map_bytes) != fs->nfree ||
        popcount_map(fs->pending, fs->map_bytes) != fs->npending)
        return KK_ECORRUPT;
    for (i = 0; i < fs->first_data; i++)
        if (kk_sfs__block_is_free(fs, i))
            return KK_ECORRUPT;
    for (b = fs->lru_head; b; b = b->next) {
        if (++n > fs->nbufs || b->pins)
            return KK_ECORRUPT;
        if (b->blkno != UINT32_MAX && kk_sfs__bfind(fs, b->blkno) != b)
            return KK_ECORRUPT;
        if (b->blkno != UINT32_MAX && b->blkno != 0 && kk_sfs__block_is_free(fs, b->blkno) &&
            b->dirty)
            return KK_ECORRUPT; /* freed blocks must have left the cache */
        ndirty += b->dirty;
    }
    return n == fs->nbufs && ndirty == fs->ndirty ? 0 : KK_ECORRUPT;
}

int kk_sfs__pin(struct kk_sfs *fs, struct pins *p, uint32_t blkno)
{
    struct buf *b;
    unsigned i;
    int rc;
    if (blkno == 0)
        return 0;
    for (i = 0; i < p->n; i++)
        if (p->b[i]->blkno == blkno)
            return 0;
    if (p->n == MAX_PINS)
        return KK_ENOMEM;
    if ((rc = kk_sfs__bread(fs, blkno, &b)) != 0)
        return rc;
    p->b[p->n++] = b;
    return 0;
}

void kk_sfs__unpin(struct kk_sfs *fs, struct pins *p)
{
    while (p->n)
        kk_sfs__bput(fs, p->b[--p->n]);
}
