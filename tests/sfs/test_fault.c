/*
 * test_fault.c: kernkit::sfs under device faults (every read and every write
 * of a scripted workload failed in turn, writes as a power cut), out of
 * memory (every allocation failed in turn), corrupted images (truncations
 * and bit flips in every on-disk structure) and several threads on one mount.
 * KK_TEST_ITERS scales the random parts.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kernkit/sfs.h>
#include "exercise.h"
#include "ramdev.h"

#define NBLK 400

static struct testplat tp;
static bool batched; /* devices offer submit() */

/*
 * Under TSan every fault path runs 5-15x slower, and the fault sweeps are
 * single-threaded (TSan adds nothing there that host and asan do not check):
 * they take every FAULT_STRIDE-th fault point (and every FAULT_STRIDE-th
 * damaged image of test_corrupt_images, 90 % of the TSan time before it
 * did: 73 of 81 s), so the test stays well under
 * its timeout on a loaded 2-core machine. Host and asan take every point.
 */
#ifdef KK_TEST_TSAN
#define FAULT_STRIDE 7
#else
#define FAULT_STRIDE 1
#endif

static int iters(int base)
{
    const char *s = getenv("KK_TEST_ITERS");
    return s ? base * atoi(s) : base;
}

static struct kk_sfs *mountdev(struct ramdev *rd, int *rc)
{
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs = NULL;
    cfg.size = sizeof(cfg);
    cfg.dev = &rd->dev;
    cfg.plat = &tp.p;
    cfg.cache_blocks = 16;
    *rc = kk_sfs_mount(&cfg, &fs);
    return *rc ? NULL : fs;
}

static void show(void *ctx, const char *msg)
{
    (void)ctx;
    if (getenv("KK_TEST_VERBOSE"))
        fprintf(stderr, "fsck: %s\n", msg);
}

static int fsck(struct ramdev *rd, int repair)
{
    struct kk_sfs_fsck_opts o = {0};
    o.size = sizeof(o);
    o.report = show;
    o.plat = &tp.p;
    o.repair = (uint32_t)repair;
    return kk_sfs_fsck(&rd->dev, &o);
}

static void content(uint8_t *b, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 7 + (size_t)seed * 13);
}

static size_t kept_size(int i)
{
    return (size_t)(i * 20000 + 100);
}

/* Phase A: files that are synced and never touched again. */
static void phase_a(struct kk_sfs *fs)
{
    static uint8_t buf[100000];
    struct kk_sfs_inode *root, *d, *f;
    char name[16];
    size_t done;
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    assert_int_equal(kk_sfs_mkdir(root, "keep", &d), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        content(buf, kept_size(i), i);
        assert_int_equal(kk_sfs_create(d, name, &f), 0);
        assert_int_equal(kk_sfs_write(f, 0, buf, kept_size(i), &done), 0);
        kk_sfs_put(f);
    }
    assert_int_equal(kk_sfs_create(root, "victim", NULL), 0);
    assert_int_equal(kk_sfs_create(root, "mv", NULL), 0);
    kk_sfs_put(d);
    kk_sfs_put(root);
    assert_int_equal(kk_sfs_sync(fs), 0);
}

/* Phase B: changes racing a fault; every error is tolerated. */
static void phase_b(struct kk_sfs *fs)
{
    static uint8_t buf[60000];
    struct kk_sfs_inode *root, *d = NULL, *f;
    char name[16];
    size_t done;
    if (kk_sfs_root(fs, &root) != 0)
        return;
    memset(buf, 0x77, sizeof(buf));
    (void)kk_sfs_mkdir(root, "new", &d);
    for (int i = 0; i < 6 && d; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        if (kk_sfs_create(d, name, &f) == 0) {
            (void)kk_sfs_write(f, (uint64_t)i * 3000, buf, sizeof(buf) / (size_t)(i + 1), &done);
            kk_sfs_put(f);
        }
        if (i == 2)
            (void)kk_sfs_sync(fs);
    }
    (void)kk_sfs_unlink(root, "victim");
    if (d)
        (void)kk_sfs_rename(root, "mv", d, "moved");
    (void)kk_sfs_symlink(root, "sl", "keep/f1", NULL);
    kk_sfs_put(d);
    kk_sfs_put(root);
}

static void verify_kept(struct kk_sfs *fs)
{
    static uint8_t buf[100000], out[100000];
    struct kk_sfs_inode *root, *d, *f;
    char name[16];
    size_t done;
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    assert_int_equal(kk_sfs_lookup(root, "keep", &d), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        content(buf, kept_size(i), i);
        assert_int_equal(kk_sfs_lookup(d, name, &f), 0);
        assert_int_equal(kk_sfs_read(f, 0, out, sizeof(out), &done), 0);
        assert_int_equal(done, kept_size(i));
        assert_memory_equal(buf, out, done);
        kk_sfs_put(f);
    }
    kk_sfs_put(d);
    kk_sfs_put(root);
}

static struct ramdev *base_image(void)
{
    struct ramdev *rd = ramdev_new(NBLK, 4096);
    struct kk_sfs *fs;
    int rc;
    ramdev_use_submit(rd, batched);
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, NULL), 0);
    fs = mountdev(rd, &rc);
    assert_non_null(fs);
    phase_a(fs);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    return rd;
}

static struct ramdev *clone(struct ramdev *rd)
{
    struct ramdev *c =
        ramdev_from(rd->data, rd->dev.nblocks * rd->dev.block_size, rd->dev.block_size);
    if (c)
        ramdev_use_submit(c, batched);
    return c;
}

/* Run phase B on a copy of @base with one fault; then recover and verify. */
static void one_fault(struct ramdev *base, uint64_t n, bool on_write)
{
    struct ramdev *rd = clone(base);
    struct kk_sfs *fs;
    int rc;
    fs = mountdev(rd, &rc);
    assert_non_null(fs);
    if (on_write) {
        rd->fail_write_at = rd->writes + n;
        rd->power_cut = true;
    } else {
        rd->fail_read_at = rd->reads + n;
    }
    phase_b(fs);
    if (getenv("KK_TEST_VERBOSE"))
        fprintf(stderr, "fault %s #%llu\n", on_write ? "write" : "read", (unsigned long long)n);
    assert_int_equal(kk_sfs_check(fs), 0); /* memory stays consistent after the error */
    rc = kk_sfs_unmount(fs);
    if (!on_write) {
        /* a failed read never leaves a half-done change behind */
        assert_int_equal(rc, 0);
        assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
    }
    ramdev_reset(rd);
    rc = fsck(rd, 1);
    if (rc != KK_SFS_FSCK_CLEAN && rc != KK_SFS_FSCK_REPAIRED)
        fail_msg("fault %s #%llu: fsck -y gave %d", on_write ? "write" : "read",
                 (unsigned long long)n, rc);
    assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
    fs = mountdev(rd, &rc);
    assert_non_null(fs);
    verify_kept(fs);
    assert_int_equal(kk_sfs_check(fs), 0);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    ramdev_free(rd);
}

static void test_device_faults(void **state)
{
    (void)state;
    struct ramdev *base = base_image(), *rd = clone(base);
    struct kk_sfs *fs;
    uint64_t r0, w0, nr, nw, n;
    int rc;
    /* dry run: how many reads and writes phase B (plus unmount) does */
    fs = mountdev(rd, &rc);
    r0 = rd->reads;
    w0 = rd->writes;
    phase_b(fs);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    nr = rd->reads - r0;
    nw = rd->writes - w0;
    assert_true(nw > 10);
    if (batched)
        assert_true(rd->max_batch > 1); /* sync hands several blocks at once */
    ramdev_free(rd);
    for (n = 1; n <= nw; n += FAULT_STRIDE)
        one_fault(base, n, true);
    for (n = 1; n <= nr; n += FAULT_STRIDE)
        one_fault(base, n, false);
    ramdev_free(base);
    assert_int_equal(tp.live, 0);
}

/* The same with a device taking batches, completing them in reverse order. */
static void test_device_faults_batched(void **state)
{
    batched = true;
    test_device_faults(state);
    batched = false;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct ramdev *base = base_image();
    uint64_t n;
    for (n = 1;; n += FAULT_STRIDE) {
        struct ramdev *rd = clone(base);
        struct kk_sfs *fs;
        int rc;
        tp.allocs = 0;
        tp.fail_alloc_at = n;
        fs = mountdev(rd, &rc);
        if (fs) {
            phase_b(fs);
            assert_int_equal(kk_sfs_check(fs), 0);
            assert_int_equal(kk_sfs_unmount(fs), 0);
        } else {
            assert_int_equal(rc, KK_ENOMEM);
        }
        bool done = tp.allocs < n;
        tp.fail_alloc_at = 0;
        assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
        assert_int_equal(tp.live, 0);
        ramdev_free(rd);
        if (done)
            break;
    }
    assert_true(n > 5);
    ramdev_free(base);
}

/* A varied image: nested dirs, indirect and double-indirect files, links. */
static struct ramdev *rich_image(void)
{
    struct ramdev *rd = ramdev_new(1200, 4096);
    struct kk_sfs_inode *root, *d, *f;
    static uint8_t buf[4096 * 40];
    struct kk_sfs *fs;
    size_t done;
    int rc;
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, NULL), 0);
    fs = mountdev(rd, &rc);
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    assert_int_equal(kk_sfs_mkdir(root, "dir", &d), 0);
    assert_int_equal(kk_sfs_mkdir(d, "sub", NULL), 0);
    content(buf, sizeof(buf), 5);
    assert_int_equal(kk_sfs_create(d, "big", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, buf, sizeof(buf), &done), 0);
    assert_int_equal(kk_sfs_write(f, 4096ull * 1100, buf, 5000, &done), 0);
    assert_int_equal(kk_sfs_link(root, "hard", f), 0);
    kk_sfs_put(f);
    assert_int_equal(kk_sfs_symlink(root, "sym", "dir/big", NULL), 0);
    assert_int_equal(kk_sfs_create(root, "small", &f), 0);
    assert_int_equal(kk_sfs_write(f, 0, "tiny", 4, &done), 0);
    kk_sfs_put(f);
    kk_sfs_put(d);
    kk_sfs_put(root);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
    return rd;
}

static void run_corrupt(struct ramdev *rd, const char *what, long where)
{
    struct exercise_result r;
    sfs_exercise(&rd->dev, &tp.p, &r);
    bool empty = rd->dev.nblocks == 0; /* nothing to read: an I/O error is right */
    if (r.problems || (!empty && (r.fsck_fix < 0 || r.fsck_after < 0)))
        fail_msg("%s at %ld: mount %d fsck %d/%d problems %d", what, where, r.mount_rc, r.fsck_fix,
                 r.fsck_after, r.problems);
    assert_int_equal(tp.live, 0);
}

static void test_corrupt_images(void **state)
{
    (void)state;
    struct ramdev *base = rich_image();
    size_t bytes = base->dev.nblocks * 4096;
    /* the blocks each structure lives in: super, root, map, first inodes/entries */
    const long targets[] = {0,        4096,     2 * 4096, 3 * 4096,  4 * 4096,  5 * 4096, 6 * 4096,
                            7 * 4096, 8 * 4096, 9 * 4096, 10 * 4096, 11 * 4096, 12 * 4096};
    uint64_t seed = 42;
    /* truncated images */
    for (size_t k = 0; k < 1200; k += 97) {
        struct ramdev *rd = ramdev_from(base->data, k * 4096, 4096);
        run_corrupt(rd, "truncated", (long)k);
        ramdev_free(rd);
    }
    /* every bit of the superblock, the root inode and the first entries */
    for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        for (long b = 0; b < 8 * 72; b += 9 * FAULT_STRIDE) {
            struct ramdev *rd = clone(base);
            rd->data[targets[t] + b / 8] ^= (uint8_t)(1u << (b % 8));
            run_corrupt(rd, "bit flip", targets[t] * 8 + b);
            ramdev_free(rd);
        }
    }
    /* random multi-byte damage anywhere in the used part */
    for (int i = 0; i < iters(60); i += FAULT_STRIDE) {
        struct ramdev *rd = clone(base);
        for (int k = 0; k < 4; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t pos = (size_t)(seed >> 33) % (bytes / 8);
            rd->data[pos] = (uint8_t)(seed >> 20);
        }
        run_corrupt(rd, "random", i);
        ramdev_free(rd);
    }
    ramdev_free(base);
}

struct worker {
    struct kk_sfs *fs;
    struct kk_sfs_inode *shared;
    int id, fails;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    uint8_t buf[10000], out[10000];
    char name[32], name2[32];
    struct kk_sfs_inode *f, *own;
    size_t done;
    snprintf(name, sizeof(name), "own%d", w->id);
    if (kk_sfs_mkdir(w->shared, name, &own) != 0) {
        w->fails++;
        return NULL;
    }
    for (int i = 0; i < iters(60); i++) {
        content(buf, sizeof(buf), w->id * 100 + i);
        snprintf(name, sizeof(name), "t%d-%d", w->id, i);
        snprintf(name2, sizeof(name2), "r%d-%d", w->id, i);
        if (kk_sfs_create(w->shared, name, &f) != 0) {
            w->fails++;
            continue;
        }
        if (kk_sfs_write(f, (uint64_t)i * 100, buf, sizeof(buf), &done) != 0 ||
            kk_sfs_read(f, (uint64_t)i * 100, out, sizeof(out), &done) != 0 ||
            memcmp(buf, out, sizeof(buf)) != 0)
            w->fails++;
        kk_sfs_put(f);
        if (kk_sfs_rename(w->shared, name, own, name2) != 0)
            w->fails++;
        if (i % 2 && kk_sfs_unlink(own, name2) != 0)
            w->fails++;
        if (i % 10 == 0)
            (void)kk_sfs_sync(w->fs);
    }
    kk_sfs_put(own);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct ramdev *rd = ramdev_new(4096, 4096);
    struct worker w[4];
    pthread_t th[4];
    struct kk_sfs *fs;
    struct kk_sfs_inode *root;
    int rc;
    assert_int_equal(kk_sfs_format(&rd->dev, &tp.p, NULL), 0);
    fs = mountdev(rd, &rc);
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){fs, root, i, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].fails, 0);
    }
    kk_sfs_put(root);
    assert_int_equal(kk_sfs_check(fs), 0);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
    ramdev_free(rd);
}

/* Phase A's files through a failing device: each read fails or is right. */
static void read_kept_or_fail(struct kk_sfs *fs)
{
    static uint8_t buf[100000], out[100000];
    struct kk_sfs_inode *root, *d, *f;
    char name[16];
    size_t done;
    if (kk_sfs_root(fs, &root) != 0)
        return;
    if (kk_sfs_lookup(root, "keep", &d) == 0) {
        for (int i = 0; i < 5; i++) {
            snprintf(name, sizeof(name), "f%d", i);
            if (kk_sfs_lookup(d, name, &f) != 0)
                continue;
            content(buf, kept_size(i), i);
            if (kk_sfs_read(f, 0, out, sizeof(out), &done) == 0) {
                assert_int_equal(done, kept_size(i));
                assert_memory_equal(buf, out, done);
            }
            kk_sfs_put(f);
        }
        kk_sfs_put(d);
    }
    kk_sfs_put(root);
}

/*
 * Bad blocks: device block @blk fails on read, on write (@ops), or only every
 * @every-th access (intermittent), from mount on, while phase A's files are
 * read and phase B runs and is unmounted. Every operation may fail but none
 * crashes, no read returns wrong bytes and memory stays consistent; once the
 * block is good again, fsck -y leaves a clean image and every file synced
 * before (phase A) reads back intact. Returns whether the fault was hit.
 */
static bool one_bad_block(struct ramdev *base, uint64_t blk, uint32_t ops, uint32_t every)
{
    struct ramdev *rd = clone(base);
    struct kk_sfs *fs;
    bool hit;
    int rc;
    rd->bad_block = 1 + blk;
    rd->bad_ops = ops;
    rd->bad_every = every;
    fs = mountdev(rd, &rc);
    if (fs) {
        read_kept_or_fail(fs);
        phase_b(fs);
        read_kept_or_fail(fs);
        assert_int_equal(kk_sfs_check(fs), 0);
        (void)kk_sfs_unmount(fs);
    } else {
        assert_true(rc < 0);
    }
    hit = rd->bad_hits > 0;
    ramdev_reset(rd);
    rc = fsck(rd, 1);
    if (rc != KK_SFS_FSCK_CLEAN && rc != KK_SFS_FSCK_REPAIRED)
        fail_msg("bad block %llu ops %u every %u: fsck -y gave %d", (unsigned long long)blk, ops,
                 every, rc);
    assert_int_equal(fsck(rd, 0), KK_SFS_FSCK_CLEAN);
    fs = mountdev(rd, &rc);
    assert_non_null(fs);
    verify_kept(fs);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    ramdev_free(rd);
    return hit;
}

/* every block natively; every 8th under the sanitizers (5-15x slower) */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define BAD_STRIDE 8
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define BAD_STRIDE 8
#endif
#endif
#ifndef BAD_STRIDE
#define BAD_STRIDE 1
#endif

static void test_bad_blocks(void **state)
{
    (void)state;
    struct ramdev *base = base_image();
    unsigned hit_r = 0, hit_w = 0, hit_i = 0;
    for (uint64_t b = 0; b < NBLK; b += BAD_STRIDE) {
        hit_r += one_bad_block(base, b, RAMDEV_BAD_READ, 0);
        hit_w += one_bad_block(base, b, RAMDEV_BAD_WRITE, 0);
        hit_i += one_bad_block(base, b, 0, 2);
    }
    if (getenv("KK_TEST_VERBOSE"))
        fprintf(stderr, "bad blocks hit: read %u, write %u, intermittent %u of %d each\n", hit_r,
                hit_w, hit_i, NBLK);
    /* the faults reach metadata and phase A's data on read, phase B's blocks on write */
    assert_true(hit_r * BAD_STRIDE > 40 && hit_w * BAD_STRIDE > 40 && hit_i * BAD_STRIDE > 40);
    ramdev_free(base);
    assert_int_equal(tp.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_faults), cmocka_unit_test(test_device_faults_batched),
        cmocka_unit_test(test_out_of_memory), cmocka_unit_test(test_corrupt_images),
        cmocka_unit_test(test_threads),       cmocka_unit_test(test_bad_blocks),
    };
    testplat_init(&tp, true);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
