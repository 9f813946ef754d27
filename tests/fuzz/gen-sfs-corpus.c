/*
 * gen-sfs-corpus.c: regenerate the SFS fuzz/replay corpus deterministically.
 *
 *   gen-sfs-corpus write DIR   write every image into DIR
 *   gen-sfs-corpus check DIR   compare DIR with freshly generated images
 *                              (exit 1 on any difference; ctest runs this
 *                              against tests/fuzz/corpus/sfs)
 *
 * Each image is built with the library over a RAM device (same calls, same
 * order, so the same bytes), then damaged in one precise way: truncated, a
 * superblock too large for the device, a root that is a file, a free map
 * disagreeing with the tree, bad directory entries, a bad indirect pointer,
 * two entries with one name, a subtree cut off (lost+found), and a large
 * directory with free slots (name index). Small on purpose: 8 to 64 blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/sfs.h>
#include "ramdev.h"

#define BS 4096

static struct testplat tp;

static void die(const char *what, int rc)
{
    fprintf(stderr, "gen-sfs-corpus: %s: %s\n", what, kk_strerror(rc));
    exit(2);
}

static void ck(const char *what, int rc)
{
    if (rc < 0)
        die(what, rc);
}

struct img {
    struct ramdev *rd;
    struct kk_sfs *fs;
    struct kk_sfs_inode *root;
    size_t len; /* bytes written out (truncation) */
};

static void img_new(struct img *m, uint32_t blocks)
{
    struct kk_sfs_config cfg = {0};
    if ((m->rd = ramdev_new(blocks, BS)) == NULL)
        die("ramdev", KK_ENOMEM);
    ck("format", kk_sfs_format(&m->rd->dev, &tp.p, NULL));
    cfg.size = sizeof(cfg);
    cfg.dev = &m->rd->dev;
    cfg.plat = &tp.p;
    ck("mount", kk_sfs_mount(&cfg, &m->fs));
    ck("root", kk_sfs_root(m->fs, &m->root));
    m->len = (size_t)blocks * BS;
}

static void img_done(struct img *m)
{
    kk_sfs_put(m->root);
    ck("unmount", kk_sfs_unmount(m->fs));
    m->fs = NULL;
}

static uint32_t file(struct kk_sfs_inode *dir, const char *name, size_t size, uint8_t fillc)
{
    static uint8_t buf[64 * 1024];
    struct kk_sfs_inode *ip;
    struct kk_sfs_stat st;
    size_t done;
    memset(buf, fillc, sizeof(buf));
    ck(name, kk_sfs_create(dir, name, &ip));
    if (size)
        ck(name, kk_sfs_write(ip, 0, buf, size, &done));
    ck(name, kk_sfs_stat(ip, &st));
    kk_sfs_put(ip);
    return st.ino;
}

static uint32_t ino_of(struct kk_sfs_inode *ip)
{
    struct kk_sfs_stat st;
    ck("stat", kk_sfs_stat(ip, &st));
    return st.ino;
}

/* The raw block of directory entry @name -> @ino. */
static uint8_t *entry(struct img *m, uint32_t ino, const char *name)
{
    uint64_t b;
    for (b = 2; b < m->rd->dev.nblocks; b++) {
        uint8_t *d = m->rd->data + b * BS;
        if (kk_sfs_get32(d) == ino && strcmp((char *)d + 4, name) == 0)
            return d;
    }
    die(name, KK_ENOENT);
    return NULL;
}

/* a, d/, d/f, d/s/, l -> a, d/h = hard link to a */
static void tree(struct img *m, uint32_t *a_ino, uint32_t *d_ino)
{
    struct kk_sfs_inode *d, *s, *a;
    *a_ino = file(m->root, "a", 2, 'a');
    ck("d", kk_sfs_mkdir(m->root, "d", &d));
    *d_ino = ino_of(d);
    file(d, "f", 100, 'f');
    ck("s", kk_sfs_mkdir(d, "s", &s));
    kk_sfs_put(s);
    ck("l", kk_sfs_symlink(m->root, "l", "a", NULL));
    ck("a", kk_sfs_lookup(m->root, "a", &a));
    ck("h", kk_sfs_link(d, "h", a));
    kk_sfs_put(a);
    kk_sfs_put(d);
}

struct out {
    const char *dir;
    int check, bad;
};

static void emit(struct out *o, const char *name, struct img *m)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", o->dir, name);
    if (o->check) {
        uint8_t *buf = malloc(m->len + 1);
        size_t n = 0;
        if (buf && (f = fopen(path, "rb")) != NULL) {
            n = fread(buf, 1, m->len + 1, f);
            fclose(f);
        }
        if (!buf || n != m->len || memcmp(buf, m->rd->data, m->len) != 0) {
            fprintf(stderr, "gen-sfs-corpus: %s differs from the generated image\n", path);
            o->bad++;
        }
        free(buf);
    } else {
        if ((f = fopen(path, "wb")) == NULL || fwrite(m->rd->data, 1, m->len, f) != m->len ||
            fclose(f) != 0) {
            perror(path);
            exit(2);
        }
    }
    ramdev_free(m->rd);
    m->rd = NULL;
}

static void gen_tree_variants(struct out *o)
{
    struct img m;
    uint32_t a, d;

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    emit(o, "tree-32blk.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    m.len = 5 * BS + 100;
    emit(o, "truncated.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    kk_sfs_put32(m.rd->data + 4, 1000); /* more blocks than the device */
    emit(o, "bad-super.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    m.rd->data[KK_SFS_BLKN_ROOT * BS + 4] = KK_SFS_TYPE_FILE; /* root is a file */
    emit(o, "bad-root.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    m.rd->data[KK_SFS_BLKN_FREEMAP * BS] ^= 0xe0; /* blocks 5-7 flip */
    emit(o, "bad-map.img", &m);
}

static void gen_bad_entries(struct out *o)
{
    struct img m;
    uint32_t a, d;
    uint8_t *e;

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    e = entry(&m, a, "a");
    kk_sfs_put32(e, 5000);                   /* inode out of range */
    memset(entry(&m, d, "d") + 4, 'x', 256); /* name without NUL */
    emit(o, "bad-dirent.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    e = entry(&m, a, "h");
    strcpy((char *)e + 4, "f"); /* d/ holds two entries named "f" */
    emit(o, "dup-names.img", &m);

    img_new(&m, 32);
    tree(&m, &a, &d);
    img_done(&m);
    kk_sfs_put32(entry(&m, d, "d"), 0); /* d/ and its subtree unreachable */
    emit(o, "orphan-dir.img", &m);
}

static void gen_indirect(struct out *o)
{
    struct img m;
    struct kk_sfs_disk_inode di;
    uint32_t ind;

    img_new(&m, 32);
    ind = file(m.root, "ind", 60000, 'i'); /* 15 blocks: uses the indirect block */
    file(m.root, "z", 2, 'z');
    img_done(&m);
    emit(o, "indirect-32blk.img", &m);

    img_new(&m, 32);
    ind = file(m.root, "ind", 60000, 'i');
    file(m.root, "z", 2, 'z');
    img_done(&m);
    kk_sfs_inode_decode(m.rd->data + (size_t)ind * BS, &di);
    kk_sfs_put32(m.rd->data + (size_t)di.indirect * BS + 4, 0xfffffff0u); /* out of range */
    kk_sfs_put32(m.rd->data + (size_t)di.indirect * BS + 8, ind);         /* the inode itself */
    emit(o, "bad-indirect.img", &m);
}

/* A directory of 40+ slots (name index) with free slots, and a damaged copy. */
static void gen_bigdir(struct out *o)
{
    struct img m;
    struct kk_sfs_inode *big, *t;
    char name[16];
    int v;
    for (v = 0; v < 2; v++) {
        uint32_t tino;
        img_new(&m, 64);
        ck("big", kk_sfs_mkdir(m.root, "big", &big));
        tino = file(big, "t", 10, 't');
        ck("t", kk_sfs_lookup(big, "t", &t));
        for (int i = 0; i < 40; i++) {
            snprintf(name, sizeof(name), "h%d", i);
            ck(name, kk_sfs_link(big, name, t));
        }
        for (int i = 5; i < 40; i += 7) {
            snprintf(name, sizeof(name), "h%d", i);
            ck(name, kk_sfs_unlink(big, name));
        }
        kk_sfs_put(t);
        kk_sfs_put(big);
        img_done(&m);
        if (v == 1) {
            strcpy((char *)entry(&m, tino, "h30") + 4, "h3"); /* duplicate in an indexed dir */
            kk_sfs_put32(entry(&m, tino, "h31"), 9999);       /* bad inode number */
        }
        emit(o, v ? "bigdir-bad-64blk.img" : "bigdir-64blk.img", &m);
    }
}

int main(int argc, char **argv)
{
    struct out o = {0};
    struct img m;
    if (argc != 3 || (strcmp(argv[1], "write") && strcmp(argv[1], "check"))) {
        fprintf(stderr, "usage: gen-sfs-corpus write|check DIR\n");
        return 2;
    }
    o.dir = argv[2];
    o.check = strcmp(argv[1], "check") == 0;
    testplat_init(&tp, false);

    img_new(&m, 8);
    img_done(&m);
    emit(&o, "empty-8blk.img", &m);
    gen_tree_variants(&o);
    gen_bad_entries(&o);
    gen_indirect(&o);
    gen_bigdir(&o);
    if (tp.live != 0)
        die("memory leak", KK_ENOMEM);
    if (o.bad)
        fprintf(stderr, "gen-sfs-corpus: %d image(s) differ: run `gen-sfs-corpus write %s`\n",
                o.bad, o.dir);
    return o.bad ? 1 : 0;
}
