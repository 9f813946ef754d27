/*
 * gen-sfsck-image.c: the damaged images of the sfsck regression suite
 * (tests/sfsck/<case>/, e2fsprogs style).
 *
 *   gen-sfsck-image CASE OUT.img   write the image of CASE
 *   gen-sfsck-image list           print every case name
 *
 * Every image starts as the same small tree, built with the library over a
 * RAM device (so the bytes are deterministic), and is then damaged in one
 * precise way through the on-disk header (include/kernkit/sfs_format.h):
 * one function per case below, named like its directory.
 *
 * Base tree (128 blocks): a (2 bytes), d/, d/f (100 bytes), d/s/, d/h (hard
 * link to a), l -> a, big (14 blocks: indirect), sp (sparse: one block at
 * 5 MiB, double indirect), e (empty file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/sfs.h>
#include "ramdev.h"

#define BS   4096
#define NBLK 128

static struct testplat tp;

static void ck(const char *what, int rc)
{
    if (rc < 0) {
        fprintf(stderr, "gen-sfsck-image: %s: %s\n", what, kk_strerror(rc));
        exit(2);
    }
}

/* The image being built and the inode numbers of the base tree. */
struct img {
    struct ramdev *rd;
    uint64_t len; /* bytes written out */
    uint32_t a, d, f, s, l, big, sp, e;
};

static uint8_t *B(struct img *m, uint32_t b)
{
    return m->rd->data + (size_t)b * BS;
}

static uint32_t ino_of(struct kk_sfs_inode *ip)
{
    struct kk_sfs_stat st;
    ck("stat", kk_sfs_stat(ip, &st));
    return st.ino;
}

static uint32_t mkfile(struct kk_sfs_inode *dir, const char *name, uint64_t off, size_t size,
                       int fillc)
{
    static uint8_t buf[64 * 1024];
    struct kk_sfs_inode *ip;
    size_t done;
    uint32_t ino;
    memset(buf, fillc, sizeof(buf));
    ck(name, kk_sfs_create(dir, name, &ip));
    if (size)
        ck(name, kk_sfs_write(ip, off, buf, size, &done));
    ino = ino_of(ip);
    kk_sfs_put(ip);
    return ino;
}

static void base(struct img *m, uint32_t blocks)
{
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs;
    struct kk_sfs_inode *root, *d, *s, *a;
    memset(m, 0, sizeof(*m));
    if ((m->rd = ramdev_new(blocks, BS)) == NULL)
        ck("ramdev", KK_ENOMEM);
    m->len = (uint64_t)blocks * BS;
    ck("format", kk_sfs_format(&m->rd->dev, &tp.p, NULL));
    cfg.size = sizeof(cfg);
    cfg.dev = &m->rd->dev;
    cfg.plat = &tp.p;
    ck("mount", kk_sfs_mount(&cfg, &fs));
    ck("root", kk_sfs_root(fs, &root));
    m->a = mkfile(root, "a", 0, 2, 'a');
    ck("d", kk_sfs_mkdir(root, "d", &d));
    m->d = ino_of(d);
    m->f = mkfile(d, "f", 0, 100, 'f');
    ck("s", kk_sfs_mkdir(d, "s", &s));
    m->s = ino_of(s);
    kk_sfs_put(s);
    ck("l", kk_sfs_symlink(root, "l", "a", NULL));
    ck("a", kk_sfs_lookup(root, "a", &a));
    ck("h", kk_sfs_link(d, "h", a));
    kk_sfs_put(a);
    kk_sfs_put(d);
    ck("l", kk_sfs_lookup(root, "l", &a));
    m->l = ino_of(a);
    kk_sfs_put(a);
    if (blocks >= 64) {
        m->big = mkfile(root, "big", 0, 14 * BS, 'b');
        m->sp = mkfile(root, "sp", 5u << 20, 100, 's');
    }
    m->e = mkfile(root, "e", 0, 0, 0);
    kk_sfs_put(root);
    ck("unmount", kk_sfs_unmount(fs));
}

static void iget(struct img *m, uint32_t ino, struct kk_sfs_disk_inode *d)
{
    kk_sfs_inode_decode(B(m, ino), d);
}

static void iput(struct img *m, uint32_t ino, const struct kk_sfs_disk_inode *d)
{
    kk_sfs_inode_encode(d, B(m, ino));
}

/* The raw block of directory entry @name in directory @dir. */
static uint8_t *ent(struct img *m, uint32_t dir, const char *name)
{
    struct kk_sfs_disk_inode d;
    uint32_t i;
    iget(m, dir, &d);
    for (i = 0; i < d.blocks && i < KK_SFS_NDIRECT; i++)
        if (d.direct[i] && strcmp((char *)B(m, d.direct[i]) + 4, name) == 0)
            return B(m, d.direct[i]);
    fprintf(stderr, "gen-sfsck-image: no entry %s in %u\n", name, dir);
    exit(2);
}

/* Block number of the entry @name in @dir. */
static uint32_t entblk(struct img *m, uint32_t dir, const char *name)
{
    return (uint32_t)((ent(m, dir, name) - m->rd->data) / BS);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void map_put(struct img *m, uint32_t b, int free)
{
    uint8_t *map = B(m, KK_SFS_BLKN_FREEMAP);
    if (free)
        map[b >> 3] |= (uint8_t)(1u << (b & 7));
    else
        map[b >> 3] &= (uint8_t) ~(1u << (b & 7));
}

static uint32_t map_count(struct img *m)
{
    uint32_t b, n = 0;
    for (b = 0; b < NBLK; b++)
        n += (uint32_t)kk_sfs_map_test(B(m, KK_SFS_BLKN_FREEMAP), b);
    return n;
}

/* Keep the superblock's count in step with the map after a map edit. */
static void fix_count(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 8, map_count(m));
}

/* Clear entry @name of @dir (its inode stays, unreachable). */
static void drop_entry(struct img *m, uint32_t dir, const char *name)
{
    memset(ent(m, dir, name), 0, KK_SFS_ENTRY_BYTES);
}

static void put_name(uint8_t *e, const char *name)
{
    memset(e + 4, 0, KK_SFS_ENTRY_BYTES - 4);
    memcpy(e + 4, name, strlen(name));
}

/* A free block (by the map), taken: marked used. */
static uint32_t take(struct img *m)
{
    uint32_t b;
    for (b = NBLK - 1; b > 2; b--) {
        if (kk_sfs_map_test(B(m, KK_SFS_BLKN_FREEMAP), b)) {
            map_put(m, b, 0);
            fix_count(m);
            memset(B(m, b), 0, BS);
            return b;
        }
    }
    exit(2);
}

/* A directory inode @ino with entries @names -> @inos (".", ".." included by the caller). */
static void mkdir_raw(struct img *m, uint32_t ino, int n, const char *const *names,
                      const uint32_t *inos)
{
    struct kk_sfs_disk_inode d = {0};
    int i;
    d.type = KK_SFS_TYPE_DIR;
    d.nlinks = 2;
    d.blocks = (uint32_t)n;
    d.size = (uint32_t)n * KK_SFS_DENTRY_SIZE;
    for (i = 0; i < n; i++) {
        d.direct[i] = take(m);
        kk_sfs_put32(B(m, d.direct[i]), inos[i]);
        put_name(B(m, d.direct[i]), names[i]);
    }
    iput(m, ino, &d);
}

/* Fill every free block: a file "fill" in the root takes them (direct + indirect). */
static void fill_disk(struct img *m)
{
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs;
    struct kk_sfs_inode *root, *ip;
    static uint8_t buf[BS];
    size_t done;
    uint64_t off = 0;
    cfg.size = sizeof(cfg);
    cfg.dev = &m->rd->dev;
    cfg.plat = &tp.p;
    ck("mount", kk_sfs_mount(&cfg, &fs));
    ck("root", kk_sfs_root(fs, &root));
    ck("fill", kk_sfs_create(root, "fill", &ip));
    memset(buf, 'z', sizeof(buf));
    while (kk_sfs_write(ip, off, buf, BS, &done) == 0 && done == BS)
        off += BS;
    kk_sfs_put(ip);
    kk_sfs_put(root);
    ck("unmount", kk_sfs_unmount(fs));
}

/* ---- the cases ---- */
typedef void (*damage_fn)(struct img *m);

static void c_clean(struct img *m)
{
    (void)m;
}

static void c_super_unused_count(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 8, 3);
}

static void c_super_blocks_past_device(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 4, 100000);
}

static void c_super_blocks_zero(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 4, 0);
}

static void c_super_blocks_one(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 4, 1);
}

static void c_super_blocks_four(struct img *m)
{
    kk_sfs_put32(B(m, 0) + 4, 4); /* no room for the root's '..': rebuilt, the tree kept */
}

static void c_device_four_blocks(struct img *m)
{
    m->len = 4 * BS; /* magic intact, the root's '..' cannot fit */
}

static void c_super_bad_magic(struct img *m)
{
    kk_sfs_put32(B(m, 0), 0x12345678);
}

static void c_device_too_small(struct img *m)
{
    m->len = 3 * BS; /* magic intact, no room for the layout */
}

static void c_super_blocks_past_truncated(struct img *m)
{
    m->len = 100 * BS; /* the image file lost its tail: the count is rebuilt */
}

static void c_map_used_marked_free(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->f, &d);
    map_put(m, d.direct[0], 1);
    map_put(m, m->f, 1);
    fix_count(m);
}

static void c_map_free_marked_used(struct img *m)
{
    take(m); /* two free blocks marked used, the count in step */
    take(m);
}

static void c_map_bits_past_end(struct img *m)
{
    B(m, KK_SFS_BLKN_FREEMAP)[NBLK / 8 + 3] = 0xff;
}

static void c_map_metadata_free(struct img *m)
{
    map_put(m, 0, 1);
    map_put(m, KK_SFS_BLKN_FREEMAP, 1);
    fix_count(m);
}

static void c_ptr_direct_out_of_range(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->f, &d);
    d.direct[0] = 99999;
    iput(m, m->f, &d);
}

static void c_ptr_direct_metadata(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->f, &d);
    d.direct[0] = KK_SFS_BLKN_FREEMAP;
    iput(m, m->f, &d);
}

static void c_ptr_indirect_out_of_range(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->big, &d);
    d.indirect = 500;
    iput(m, m->big, &d);
}

static void c_ptr_leaf_out_of_range(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->big, &d);
    kk_sfs_put32(B(m, d.indirect) + 4, 0xffffffffu);
    iput(m, m->big, &d);
}

static void c_ptr_db_indirect_out_of_range(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->sp, &d);
    d.db_indirect = 7777;
    iput(m, m->sp, &d);
}

static void c_ptr_dir_slot_out_of_range(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->d, &d);
    d.direct[2] = 4242;
    iput(m, m->d, &d);
}

static void c_xlink_file_file(struct img *m)
{
    struct kk_sfs_disk_inode a, f;
    iget(m, m->a, &a);
    iget(m, m->f, &f);
    map_put(m, f.direct[0], 1);
    fix_count(m);
    f.direct[0] = a.direct[0];
    iput(m, m->f, &f);
}

static void c_xlink_file_dir_block(struct img *m)
{
    struct kk_sfs_disk_inode f;
    iget(m, m->f, &f);
    map_put(m, f.direct[0], 1);
    fix_count(m);
    f.direct[0] = entblk(m, KK_SFS_BLKN_ROOT, "a");
    iput(m, m->f, &f);
}

static void c_xlink_file_inode_block(struct img *m)
{
    struct kk_sfs_disk_inode f;
    iget(m, m->f, &f);
    map_put(m, f.direct[0], 1);
    fix_count(m);
    f.direct[0] = m->a;
    iput(m, m->f, &f);
}

static void c_xlink_dir_dir(struct img *m)
{
    struct kk_sfs_disk_inode s;
    iget(m, m->s, &s);
    s.direct[1] = entblk(m, m->d, "f"); /* s's ".." slot is now d's "f" slot */
    iput(m, m->s, &s);
}

static void c_xlink_indirect(struct img *m)
{
    struct kk_sfs_disk_inode big, a;
    iget(m, m->big, &big);
    iget(m, m->a, &a);
    big.indirect = a.direct[0];
    iput(m, m->big, &big);
}

static void c_xlink_leaf_is_own_indirect(struct img *m)
{
    struct kk_sfs_disk_inode big;
    iget(m, m->big, &big);
    map_put(m, kk_sfs_get32(B(m, big.indirect)), 1);
    fix_count(m);
    kk_sfs_put32(B(m, big.indirect), big.indirect);
}

static void c_xlink_within_file(struct img *m)
{
    struct kk_sfs_disk_inode big;
    iget(m, m->big, &big);
    map_put(m, big.direct[5], 1);
    fix_count(m);
    big.direct[5] = big.direct[4];
    iput(m, m->big, &big);
}

static void c_size_file_past_blocks(struct img *m)
{
    struct kk_sfs_disk_inode f;
    iget(m, m->f, &f);
    f.size = 3 * BS;
    iput(m, m->f, &f);
}

static void c_size_file_below_blocks(struct img *m)
{
    struct kk_sfs_disk_inode big;
    iget(m, m->big, &big);
    big.size = 13 * BS; /* the 14th block is left over */
    iput(m, m->big, &big);
}

static void c_size_dir(struct img *m)
{
    struct kk_sfs_disk_inode d;
    iget(m, m->d, &d);
    d.size = 7;
    iput(m, m->d, &d);
}

static void c_stale_db_indirect(struct img *m)
{
    struct kk_sfs_disk_inode f;
    iget(m, m->f, &f);
    f.db_indirect = take(m);
    iput(m, m->f, &f);
}

static void c_dot_bad_name(struct img *m)
{
    put_name(ent(m, m->d, "."), "x/y");
}

static void c_dotdot_bad_name(struct img *m)
{
    put_name(ent(m, m->d, ".."), "");
}

static void c_root_dot_bad_name(struct img *m)
{
    memset(ent(m, KK_SFS_BLKN_ROOT, ".") + 4, '.', 256); /* no NUL */
}

static void c_dot_wrong_ino(struct img *m)
{
    kk_sfs_put32(ent(m, m->d, "."), m->a);
}

static void c_dotdot_wrong_ino(struct img *m)
{
    kk_sfs_put32(ent(m, m->s, ".."), KK_SFS_BLKN_ROOT);
}

static void c_root_dotdot_wrong(struct img *m)
{
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, ".."), m->d);
}

static void c_dot_duplicate(struct img *m)
{
    uint8_t *e = ent(m, m->d, "f");
    kk_sfs_put32(e, m->d);
    put_name(e, ".");
}

static void c_dotdot_duplicate(struct img *m)
{
    uint8_t *e = ent(m, m->d, "h");
    kk_sfs_put32(e, KK_SFS_BLKN_ROOT);
    put_name(e, "..");
}

static void c_dot_missing_free_slot(struct img *m)
{
    drop_entry(m, m->d, ".");
}

static void c_dotdot_missing_free_slot(struct img *m)
{
    drop_entry(m, m->s, "..");
}

/* "." replaced by a valid entry: no free slot, the directory must grow */
static void c_dot_missing_full_dir(struct img *m)
{
    uint8_t *e = ent(m, m->s, ".");
    kk_sfs_put32(e, m->a);
    put_name(e, "a2");
}

static void c_dotdot_missing_full_dir(struct img *m)
{
    uint8_t *e = ent(m, m->s, "..");
    kk_sfs_put32(e, m->a);
    put_name(e, "a3");
}

static void c_dots_missing_full_dir(struct img *m)
{
    uint8_t *e = ent(m, m->s, "..");
    kk_sfs_put32(e, m->a);
    put_name(e, "a3");
    e = ent(m, m->s, ".");
    kk_sfs_put32(e, m->f);
    put_name(e, "f2");
}

static void c_dot_missing_disk_full(struct img *m)
{
    uint8_t *e;
    fill_disk(m);
    e = ent(m, m->s, ".");
    kk_sfs_put32(e, m->a);
    put_name(e, "a2");
}

static void c_entry_name_empty(struct img *m)
{
    put_name(ent(m, m->d, "f"), "");
}

static void c_entry_name_slash(struct img *m)
{
    put_name(ent(m, m->d, "f"), "x/y");
}

static void c_entry_name_unterminated(struct img *m)
{
    memset(ent(m, m->d, "f") + 4, 'n', 256);
}

static void c_entry_ino_out_of_range(struct img *m)
{
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "a"), 123456);
}

static void c_entry_ino_metadata(struct img *m)
{
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "e"), KK_SFS_BLKN_FREEMAP);
}

static void c_entry_ino_data_block(struct img *m)
{
    struct kk_sfs_disk_inode big;
    iget(m, m->big, &big);
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "e"), big.direct[3]);
}

static void c_entry_ino_free_block(struct img *m)
{
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "e"), NBLK - 1);
}

static void c_entry_to_root(struct img *m)
{
    kk_sfs_put32(ent(m, m->d, "f"), KK_SFS_BLKN_ROOT);
}

static void c_dir_hard_link(struct img *m)
{
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "e"), m->s);
}

static void c_dir_loop(struct img *m)
{
    kk_sfs_put32(ent(m, m->s, ".."), m->s); /* and a child naming its ancestor */
    kk_sfs_put32(ent(m, m->d, "f"), m->d);
}

static void c_dup_name(struct img *m)
{
    put_name(ent(m, KK_SFS_BLKN_ROOT, "e"), "a");
}

static void c_inode_bad_type(struct img *m)
{
    B(m, m->f)[4] = 9;
}

static void c_inode_blocks_huge(struct img *m)
{
    kk_sfs_put32(B(m, m->f) + 8, 0xfffffff0u);
}

static void c_symlink_too_long(struct img *m)
{
    kk_sfs_put32(B(m, m->l), 5000);
}

static void c_links_file(struct img *m)
{
    put16(B(m, m->a) + 6, 7);
}

static void c_links_dir(struct img *m)
{
    put16(B(m, m->d) + 6, 2);
}

static void c_links_zero_reachable(struct img *m)
{
    put16(B(m, m->f) + 6, 0);
}

static void c_links_root(struct img *m)
{
    put16(B(m, KK_SFS_BLKN_ROOT) + 6, 40);
}

static void c_orphan_file(struct img *m)
{
    drop_entry(m, m->d, "f");
}

static void c_orphan_dir(struct img *m)
{
    drop_entry(m, KK_SFS_BLKN_ROOT, "d");
}

static void c_orphan_empty_file(struct img *m)
{
    drop_entry(m, KK_SFS_BLKN_ROOT, "e");
}

static void c_orphan_lost_found_exists(struct img *m)
{
    const char *n[] = {".", ".."};
    uint32_t lf = take(m), inos[] = {lf, KK_SFS_BLKN_ROOT};
    mkdir_raw(m, lf, 2, n, inos);
    kk_sfs_put32(ent(m, KK_SFS_BLKN_ROOT, "e"), lf);
    put_name(ent(m, KK_SFS_BLKN_ROOT, "e"), "lost+found");
    put16(B(m, KK_SFS_BLKN_ROOT) + 6, 4);
    drop_entry(m, m->d, "f");
}

static void c_orphan_lost_found_is_file(struct img *m)
{
    put_name(ent(m, KK_SFS_BLKN_ROOT, "e"), "lost+found");
    drop_entry(m, m->d, "f");
}

static void c_orphan_disk_full(struct img *m)
{
    fill_disk(m);
    drop_entry(m, m->d, "f");
}

static void c_orphan_xlinked(struct img *m)
{
    struct kk_sfs_disk_inode f, a;
    iget(m, m->f, &f);
    iget(m, m->a, &a);
    map_put(m, f.direct[0], 1);
    fix_count(m);
    f.direct[0] = a.direct[0];
    iput(m, m->f, &f);
    drop_entry(m, m->d, "f");
}

static void c_root_type_file(struct img *m)
{
    B(m, KK_SFS_BLKN_ROOT)[4] = KK_SFS_TYPE_FILE;
}

static void c_root_type_link(struct img *m)
{
    B(m, KK_SFS_BLKN_ROOT)[4] = KK_SFS_TYPE_LINK;
}

static void c_root_zeroed(struct img *m)
{
    memset(B(m, KK_SFS_BLKN_ROOT), 0, BS);
}

static void c_root_garbage(struct img *m)
{
    memset(B(m, KK_SFS_BLKN_ROOT), 0xa5, 68);
}

static void c_root_bad_size(struct img *m)
{
    kk_sfs_put32(B(m, KK_SFS_BLKN_ROOT), 1);
}

static void c_sparse_4g(struct img *m)
{
    struct kk_sfs_disk_inode sp;
    iget(m, m->sp, &sp); /* valid: a 4 GiB - 1 file of holes and one block */
    sp.size = 0xffffffffu;
    sp.blocks = (uint32_t)((0xffffffffull + BS - 1) / BS);
    iput(m, m->sp, &sp);
}

static void c_sparse_4g_bad_blocks(struct img *m)
{
    struct kk_sfs_disk_inode sp;
    iget(m, m->sp, &sp);
    sp.size = 0xffffffffu;
    iput(m, m->sp, &sp);
}

/* Valid names that would fake `ls` lines or drive a terminal if printed raw. */
static void c_hostile_names(struct img *m)
{
    put_name(ent(m, KK_SFS_BLKN_ROOT, "e"), "x\nf 99 1 0 faked");
    put_name(ent(m, m->d, "f"), "\033[31mred\\");
}

/* An extra entry named "." that names a file, and one whose name holds '/'. */
static void c_extra_dot_and_slash(struct img *m)
{
    put_name(ent(m, KK_SFS_BLKN_ROOT, "e"), ".");
    put_name(ent(m, m->d, "f"), "a/b");
}

static void c_many_faults(struct img *m)
{
    c_dot_bad_name(m);
    c_links_file(m);
    c_xlink_file_file(m);
    c_super_unused_count(m);
    c_entry_name_slash(m);
}

static const struct kase {
    const char *name;
    damage_fn fn;
    uint32_t blocks;
} cases[] = {
#define K(n)                                                                                       \
    {                                                                                              \
#n, c_##n, NBLK                                                                            \
    }
    K(clean),
    K(super_unused_count),
    K(super_blocks_past_device),
    K(super_blocks_zero),
    K(super_blocks_one),
    K(super_blocks_four),
    K(device_four_blocks),
    K(super_bad_magic),
    K(device_too_small),
    K(super_blocks_past_truncated),
    K(map_used_marked_free),
    K(map_free_marked_used),
    K(map_bits_past_end),
    K(map_metadata_free),
    K(ptr_direct_out_of_range),
    K(ptr_direct_metadata),
    K(ptr_indirect_out_of_range),
    K(ptr_leaf_out_of_range),
    K(ptr_db_indirect_out_of_range),
    K(ptr_dir_slot_out_of_range),
    K(xlink_file_file),
    K(xlink_file_dir_block),
    K(xlink_file_inode_block),
    K(xlink_dir_dir),
    K(xlink_indirect),
    K(xlink_leaf_is_own_indirect),
    K(xlink_within_file),
    K(size_file_past_blocks),
    K(size_file_below_blocks),
    K(size_dir),
    K(stale_db_indirect),
    K(dot_bad_name),
    K(dotdot_bad_name),
    K(root_dot_bad_name),
    K(dot_wrong_ino),
    K(dotdot_wrong_ino),
    K(root_dotdot_wrong),
    K(dot_duplicate),
    K(dotdot_duplicate),
    K(dot_missing_free_slot),
    K(dotdot_missing_free_slot),
    K(dot_missing_full_dir),
    K(dotdot_missing_full_dir),
    K(dots_missing_full_dir),
    K(dot_missing_disk_full),
    K(entry_name_empty),
    K(entry_name_slash),
    K(entry_name_unterminated),
    K(entry_ino_out_of_range),
    K(entry_ino_metadata),
    K(entry_ino_data_block),
    K(entry_ino_free_block),
    K(entry_to_root),
    K(dir_hard_link),
    K(dir_loop),
    K(dup_name),
    K(inode_bad_type),
    K(inode_blocks_huge),
    K(symlink_too_long),
    K(links_file),
    K(links_dir),
    K(links_zero_reachable),
    K(links_root),
    K(orphan_file),
    K(orphan_dir),
    K(orphan_empty_file),
    K(orphan_lost_found_exists),
    K(orphan_lost_found_is_file),
    K(orphan_disk_full),
    K(orphan_xlinked),
    K(root_type_file),
    K(root_type_link),
    K(root_zeroed),
    K(root_garbage),
    K(root_bad_size),
    K(sparse_4g),
    K(sparse_4g_bad_blocks),
    K(many_faults),
    K(hostile_names),
    K(extra_dot_and_slash),
#undef K
};

int main(int argc, char **argv)
{
    const struct kase *k = NULL;
    struct img m;
    size_t i;
    FILE *f;
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: gen-sfsck-image CASE OUT.img | list\n");
        return 2;
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].name, argv[1]) == 0)
            k = &cases[i];
    if (!k) {
        fprintf(stderr, "gen-sfsck-image: no case %s\n", argv[1]);
        return 2;
    }
    testplat_init(&tp, false);
    base(&m, k->blocks);
    k->fn(&m);
    if ((f = fopen(argv[2], "wb")) == NULL || fwrite(m.rd->data, 1, m.len, f) != m.len ||
        fclose(f) != 0) {
        perror(argv[2]);
        return 2;
    }
    ramdev_free(m.rd);
    return 0;
}
