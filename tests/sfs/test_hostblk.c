/*
 * test_hostblk.c: tools/hostblk's kk_blockdev.submit (and read/write) on a
 * host file, for the pread backend and the io_uring backend with and
 * without ring_writes (skipped where io_uring cannot be set up). Every
 * batch is checked against a model: the file's bytes kept in memory and
 * updated as pwrite would.
 * KK_TEST_ITERS scales the number of random batches (default 20, 4 under
 * TSan). Measured per backend test (ctest hostblk-<backend>), with
 * `stress --cpu 2` beside it on a 2-core host: see docs/testing.md.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include <kernkit/sfs.h>
#include "hostblk.h"

#define BS      4096u
#define NBLOCKS 2048u /* an 8 MiB device */

struct env {
    char path[512];
    uint8_t *model; /* what the file holds */
    struct kk_hostblk *hb;
    const struct kk_blockdev *dev;
    int uring;       /* want the io_uring backend */
    int ring_writes; /* and writes through the ring too */
};

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* 8 bytes per step: the 8 MiB files are filled often, and TSan instruments each store. */
static void fill(uint8_t *p, size_t n, uint64_t *seed)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = rnd(seed);
        memcpy(p + i, &v, 8);
    }
    for (; i < n; i++)
        p[i] = (uint8_t)(rnd(seed) >> 32);
}

static int iters(void)
{
    const char *s = getenv("KK_TEST_ITERS");
    int n = s ? atoi(s) : 0;
#ifdef KK_TEST_TSAN
    return n > 0 ? n : 4; /* each batch is ~10x slower under TSan */
#else
    return n > 0 ? n : 20;
#endif
}

/* A file of NBLOCKS random blocks and its model. */
static void make_file(struct env *e)
{
    const char *t = getenv("TMPDIR");
    uint64_t seed = 42;
    int fd;
    snprintf(e->path, sizeof(e->path), "%s/kk-hostblk-XXXXXX", t ? t : "/tmp");
    fd = mkstemp(e->path);
    assert_true(fd >= 0);
    e->model = malloc((size_t)NBLOCKS * BS);
    assert_non_null(e->model);
    fill(e->model, (size_t)NBLOCKS * BS, &seed);
    assert_int_equal(pwrite(fd, e->model, (size_t)NBLOCKS * BS, 0), (ssize_t)NBLOCKS * BS);
    close(fd);
}

static int open_dev(struct env *e, int read_only)
{
    struct kk_hostblk_opts o = {0};
    o.force_pread = !e->uring;
    o.ring_writes = e->ring_writes;
    o.read_only = read_only;
    assert_int_equal(kk_hostblk_open(e->path, &o, &e->hb), 0);
    e->dev = kk_hostblk_dev(e->hb);
    assert_int_equal(e->dev->version, KK_BLOCKDEV_VERSION);
    assert_non_null(e->dev->submit);
    assert_int_equal(e->dev->nblocks, NBLOCKS);
    if (e->uring && strcmp(kk_hostblk_backend(e->hb), "io_uring") != 0)
        return -1;
    if (!e->uring)
        assert_string_equal(kk_hostblk_backend(e->hb), "pread");
    return 0;
}

static int setup(void **state, int uring, int ring_writes)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->uring = uring;
    e->ring_writes = ring_writes;
    make_file(e);
    *state = e;
    return 0;
}

static int setup_pread(void **state)
{
    return setup(state, 0, 0);
}

static int setup_uring(void **state)
{
    return setup(state, 1, 0);
}

static int setup_uring_writes(void **state)
{
    return setup(state, 1, 1);
}

static int teardown(void **state)
{
    struct env *e = *state;
    if (e->hb)
        assert_int_equal(kk_hostblk_close(e->hb), 0);
    unlink(e->path);
    free(e->model);
    free(e);
    return 0;
}

/* Open the device read-write or read-only; skip when io_uring is wanted but absent. */
static struct env *env_open(void **state, int read_only)
{
    struct env *e = *state;
    if (open_dev(e, read_only) != 0) {
        kk_hostblk_close(e->hb);
        e->hb = NULL;
        skip();
    }
    return e;
}

/* The whole file equals the model. */
static void check_file(const struct env *e)
{
    uint8_t *got = malloc((size_t)NBLOCKS * BS);
    int fd = open(e->path, O_RDONLY);
    assert_non_null(got);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, got, (size_t)NBLOCKS * BS, 0), (ssize_t)NBLOCKS * BS);
    close(fd);
    assert_memory_equal(got, e->model, (size_t)NBLOCKS * BS);
    free(got);
}

/*
 * A batch of @n requests over disjoint random extents (1..max_count blocks,
 * a third of them right after the previous one), mixed reads and writes, in
 * block order or (@shuffle) not. The device must give the model's bytes to every
 * read and leave the model's bytes (with the writes applied) in the file.
 */
static void random_batch(struct env *e, uint32_t n, uint32_t max_count, uint64_t *seed, int shuffle)
{
    struct kk_blockdev_req *r = calloc(n, sizeof(*r));
    uint64_t blk = 0;
    uint32_t k;
    assert_non_null(r);
    for (k = 0; k < n; k++) {
        uint32_t count = 1 + (uint32_t)(rnd(seed) % max_count);
        uint64_t gap = rnd(seed) % 3;
        if (blk + gap + count > NBLOCKS)
            break;
        r[k].blkno = blk + gap;
        r[k].count = count;
        r[k].op = rnd(seed) % 2 ? KK_BLOCKDEV_WRITE : KK_BLOCKDEV_READ;
        r[k].status = 12345;
        r[k].buf = malloc((size_t)count * BS);
        assert_non_null(r[k].buf);
        if (r[k].op == KK_BLOCKDEV_WRITE)
            fill(r[k].buf, (size_t)count * BS, seed);
        else
            memset(r[k].buf, 0xcc, (size_t)count * BS);
        blk += gap + count;
    }
    n = k;
    /* shuffle, so the device sees them out of block order */
    for (k = shuffle ? n : 0; k > 1; k--) {
        uint32_t j = (uint32_t)(rnd(seed) % k);
        struct kk_blockdev_req t = r[k - 1];
        r[k - 1] = r[j];
        r[j] = t;
    }
    assert_int_equal(e->dev->submit(e->dev->ctx, r, n), 0);
    for (k = 0; k < n; k++) {
        uint8_t *m = e->model + r[k].blkno * BS;
        assert_int_equal(r[k].status, 0);
        if (r[k].op == KK_BLOCKDEV_READ)
            assert_memory_equal(r[k].buf, m, (size_t)r[k].count * BS);
        else
            memcpy(m, r[k].buf, (size_t)r[k].count * BS);
        free(r[k].buf);
    }
    free(r);
    check_file(e);
}

static void test_mixed_batches(void **state)
{
    struct env *e = env_open(state, 0);
    uint64_t seed = 7;
    for (int i = 0, n = iters(); i < n; i++)
        random_batch(e, 100, 32, &seed, 1);
    /* read()/write() agree with the same model */
    {
        uint8_t b[3 * BS];
        fill(b, sizeof(b), &seed);
        assert_int_equal(e->dev->write(e->dev->ctx, 100, 3, b), 0);
        memcpy(e->model + 100 * BS, b, sizeof(b));
        memset(b, 0, sizeof(b));
        assert_int_equal(e->dev->read(e->dev->ctx, 99, 3, b), 0);
        assert_memory_equal(b, e->model + 99 * BS, sizeof(b));
    }
    assert_int_equal(e->dev->flush(e->dev->ctx), 0);
    check_file(e);
}

/* Many more requests than the ring holds, single blocks and large ones. */
static void test_batch_beyond_depth(void **state)
{
    struct env *e = env_open(state, 0);
    uint64_t seed = 99;
    random_batch(e, 1000, 1, &seed, 1);
    random_batch(e, 300, 4, &seed, 1);
    random_batch(e, 40, 256, &seed, 1); /* up to 1 MiB each */
    random_batch(e, 1, 2048, &seed, 1);
}

/* Batches in block order: neighbouring requests of one op are merged into one
 * preadv/pwritev by the pread path (all requests of the pread backend, the
 * writes of the io_uring one); results as for any batch. */
static void test_neighbours_in_order(void **state)
{
    struct env *e = env_open(state, 0);
    uint64_t seed = 5;
    for (int i = 0, n = iters(); i < n; i++) {
        random_batch(e, 200, 3, &seed, 0);
        random_batch(e, 100, 40, &seed, 0);
    }
}

/* A request past the device end fails alone with KK_EIO; so does a bad op. */
static void test_bad_requests_fail_alone(void **state)
{
    struct env *e = env_open(state, 0);
    uint8_t *b = malloc(8 * (size_t)BS);
    uint8_t *w = malloc(4 * (size_t)BS);
    uint64_t seed = 5;
    assert_non_null(b);
    assert_non_null(w);
    fill(w, 4 * (size_t)BS, &seed);
    memset(b, 0xcc, 8 * (size_t)BS);
    struct kk_blockdev_req r[6] = {
        {0, b, 2, KK_BLOCKDEV_READ, 1},
        {NBLOCKS - 1, b + 2 * BS, 2, KK_BLOCKDEV_READ, 1},    /* crosses the end */
        {10, w, 4, KK_BLOCKDEV_WRITE, 1},                     /* fine */
        {UINT64_MAX - 1, b + 4 * BS, 4, KK_BLOCKDEV_READ, 1}, /* wraps around */
        {NBLOCKS, w, 1, KK_BLOCKDEV_WRITE, 1},                /* just past the end */
        {NBLOCKS - 2, b + 6 * BS, 2, 7, 1},                   /* no such op */
    };
    assert_int_equal(e->dev->submit(e->dev->ctx, r, 6), KK_EIO);
    assert_int_equal(r[0].status, 0);
    assert_int_equal(r[1].status, KK_EIO);
    assert_int_equal(r[2].status, 0);
    assert_int_equal(r[3].status, KK_EIO);
    assert_int_equal(r[4].status, KK_EIO);
    assert_int_equal(r[5].status, KK_EINVAL);
    assert_memory_equal(b, e->model, 2 * (size_t)BS);
    memcpy(e->model + 10 * BS, w, 4 * (size_t)BS);
    check_file(e);
    /* the synchronous calls check the range too */
    assert_int_equal(e->dev->read(e->dev->ctx, NBLOCKS - 1, 2, b), KK_EIO);
    assert_int_equal(e->dev->write(e->dev->ctx, NBLOCKS, 1, w), KK_EIO);
    /* an empty batch is a no-op */
    assert_int_equal(e->dev->submit(e->dev->ctx, r, 0), 0);
    free(b);
    free(w);
}

/* The file shrank under the device: reads past its end give zeros. */
static void test_short_file_reads_zeros(void **state)
{
    struct env *e = env_open(state, 0);
    size_t keep = 10 * BS + 100, len = 16 * BS;
    uint8_t *a = malloc(len), *b = malloc(len), *c = malloc(BS), *want = calloc(1, len);
    assert_true(a && b && c && want);
    assert_int_equal(truncate(e->path, (off_t)keep), 0);
    memset(a, 0xcc, len);
    memset(b, 0xcc, len);
    memset(c, 0xcc, BS);
    struct kk_blockdev_req r[3] = {
        {0, a, 16, KK_BLOCKDEV_READ, 1},  /* ends 100 bytes into block 10 */
        {16, b, 16, KK_BLOCKDEV_READ, 1}, /* wholly past the end */
        {100, c, 1, KK_BLOCKDEV_READ, 1},
    };
    assert_int_equal(e->dev->submit(e->dev->ctx, r, 3), 0);
    memcpy(want, e->model, keep);
    assert_memory_equal(a, want, len);
    memset(want, 0, len);
    assert_memory_equal(b, want, len);
    assert_memory_equal(c, want, BS);
    memset(a, 0xcc, len);
    assert_int_equal(e->dev->read(e->dev->ctx, 8, 4, a), 0);
    assert_memory_equal(a, e->model + 8 * BS, 2 * BS + 100);
    assert_memory_equal(a + 2 * BS + 100, want, 2 * BS - 100);
    free(a);
    free(b);
    free(c);
    free(want);
}

/* A read-only device: writes fail with KK_EROFS, reads of the batch still work. */
static void test_read_only(void **state)
{
    struct env *e = env_open(state, 1);
    uint8_t *b = malloc(4 * (size_t)BS), *w = malloc(2 * (size_t)BS);
    assert_true(b && w);
    memset(w, 0x5a, 2 * (size_t)BS);
    struct kk_blockdev_req r[4] = {
        {5, w, 2, KK_BLOCKDEV_WRITE, 1},
        {20, b, 2, KK_BLOCKDEV_READ, 1},
        {30, w, 1, KK_BLOCKDEV_WRITE, 1},
        {40, b + 2 * BS, 2, KK_BLOCKDEV_READ, 1},
    };
    assert_int_equal(e->dev->submit(e->dev->ctx, r, 4), KK_EROFS);
    assert_int_equal(r[0].status, KK_EROFS);
    assert_int_equal(r[1].status, 0);
    assert_int_equal(r[2].status, KK_EROFS);
    assert_int_equal(r[3].status, 0);
    assert_memory_equal(b, e->model + 20 * BS, 2 * BS);
    assert_memory_equal(b + 2 * BS, e->model + 40 * BS, 2 * BS);
    assert_int_equal(e->dev->write(e->dev->ctx, 5, 1, w), KK_EROFS);
    check_file(e);
    free(b);
    free(w);
}

/*
 * Writes the host refuses (beyond RLIMIT_FSIZE: EFBIG) fail alone with
 * KK_EIO, including one the host cuts short; the rest of the batch lands.
 */
static void test_host_error_fails_alone(void **state)
{
    struct env *e = env_open(state, 0);
    struct rlimit old, lim;
    uint8_t *w = malloc(64 * (size_t)BS), *b = malloc(8 * (size_t)BS);
    uint64_t seed = 11;
    assert_true(w && b);
    fill(w, 64 * (size_t)BS, &seed);
    struct kk_blockdev_req r[5] = {
        {0, w, 8, KK_BLOCKDEV_WRITE, 1},
        {1020, w + 8 * BS, 8, KK_BLOCKDEV_WRITE, 1}, /* crosses the 4 MiB limit */
        {1100, w + 16 * BS, 16, KK_BLOCKDEV_WRITE, 1},
        {2000, b, 8, KK_BLOCKDEV_READ, 1},
        {500, w + 32 * BS, 32, KK_BLOCKDEV_WRITE, 1},
    };
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 1024 * (rlim_t)BS;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = e->dev->submit(e->dev->ctx, r, 5);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, KK_EIO);
    assert_int_equal(r[0].status, 0);
    assert_int_equal(r[1].status, KK_EIO);
    assert_int_equal(r[2].status, KK_EIO);
    assert_int_equal(r[3].status, 0);
    assert_int_equal(r[4].status, 0);
    assert_memory_equal(b, e->model + 2000 * BS, 8 * (size_t)BS);
    memcpy(e->model, w, 8 * (size_t)BS);
    memcpy(e->model + 500 * BS, w + 32 * BS, 32 * (size_t)BS);
    memcpy(e->model + 1020 * BS, w + 8 * BS, 4 * (size_t)BS); /* the part below the limit */
    check_file(e);
    free(w);
    free(b);
}

static struct kk_sfs *sfs_mount(const struct kk_blockdev *dev)
{
    struct kk_sfs_config cfg = {0};
    struct kk_sfs *fs;
    cfg.size = sizeof(cfg);
    cfg.dev = dev;
    cfg.plat = kk_host_platform();
    cfg.cache_blocks = 64;
    assert_int_equal(kk_sfs_mount(&cfg, &fs), 0);
    return fs;
}

/* Read all of @name in pieces of @piece bytes and compare with @want. */
static void sfs_check_file(struct kk_sfs *fs, const char *name, const uint8_t *want, size_t len,
                           size_t piece)
{
    struct kk_sfs_inode *root, *f;
    uint8_t *got = malloc(len);
    size_t done;
    assert_non_null(got);
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    assert_int_equal(kk_sfs_lookup(root, name, &f), 0);
    for (size_t off = 0; off < len; off += done) {
        size_t n = len - off < piece ? len - off : piece;
        assert_int_equal(kk_sfs_read(f, off, got + off, n, &done), 0);
        assert_int_equal(done, n);
    }
    assert_memory_equal(got, want, len);
    kk_sfs_put(f);
    kk_sfs_put(root);
    free(got);
}

/*
 * SFS on the device: a 3 MiB file written at an unaligned offset and a
 * 1 MiB file written in scrambled 4 KiB pieces (its blocks far apart, so a
 * read of it is a batch of scattered runs) come back byte for byte after a
 * remount, read in 1 MiB and in odd-sized pieces; the image checks clean.
 */
static void test_sfs_on_device(void **state)
{
    struct env *e = env_open(state, 0);
    struct kk_sfs_fsck_opts fo = {0};
    struct kk_sfs_inode *root, *a, *b;
    size_t la = 3u << 20, lb = 1u << 20, done;
    uint8_t *da = malloc(la + 5000), *db = malloc(lb);
    uint64_t seed = 77;
    struct kk_sfs *fs;
    assert_true(da && db);
    memset(da, 0, 5000);
    fill(da + 5000, la, &seed);
    fill(db, lb, &seed);
    assert_int_equal(kk_sfs_format(e->dev, kk_host_platform(), NULL), 0);
    fs = sfs_mount(e->dev);
    assert_int_equal(kk_sfs_root(fs, &root), 0);
    assert_int_equal(kk_sfs_create(root, "a", &a), 0);
    assert_int_equal(kk_sfs_create(root, "b", &b), 0);
    for (size_t i = 0; i < lb / BS; i++) { /* 37 is coprime to 256: a permutation */
        size_t k = i * 37 % (lb / BS);
        assert_int_equal(kk_sfs_write(b, k * BS, db + k * BS, BS, &done), 0);
    }
    assert_int_equal(kk_sfs_write(a, 5000, da + 5000, la, &done), 0);
    assert_int_equal(done, la);
    kk_sfs_put(a);
    kk_sfs_put(b);
    kk_sfs_put(root);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    fs = sfs_mount(e->dev);
    sfs_check_file(fs, "a", da, la + 5000, 1u << 20);
    sfs_check_file(fs, "a", da, la + 5000, 12345);
    sfs_check_file(fs, "b", db, lb, 1u << 20);
    sfs_check_file(fs, "b", db, lb, 65536 + 4096);
    assert_int_equal(kk_sfs_unmount(fs), 0);
    fo.size = sizeof(fo);
    fo.plat = kk_host_platform();
    assert_int_equal(kk_sfs_fsck(e->dev, &fo), KK_SFS_FSCK_CLEAN);
    free(da);
    free(db);
}

struct thread_arg {
    struct env *e;
    uint64_t seed;
};

static void *batch_thread(void *p)
{
    struct thread_arg *a = p;
    random_batch(a->e, 100, 16, &a->seed, 1);
    return NULL;
}

/* Used from another thread than the one that opened it (one at a time). */
static void test_other_thread(void **state)
{
    struct env *e = env_open(state, 0);
    struct thread_arg a = {e, 3};
    const char *before = kk_hostblk_backend(e->hb);
    pthread_t t;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&t, NULL, batch_thread, &a), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
    }
    random_batch(e, 100, 16, &a.seed, 1);
    assert_string_equal(kk_hostblk_backend(e->hb), before);
}

/* KK_HOSTBLK_BACKEND=pread selects the pread backend. */
static void test_env_selects_pread(void **state)
{
    struct env *e = *state;
    struct kk_hostblk_opts o = {0};
    setenv("KK_HOSTBLK_BACKEND", "pread", 1);
    assert_int_equal(kk_hostblk_open(e->path, &o, &e->hb), 0);
    unsetenv("KK_HOSTBLK_BACKEND");
    assert_string_equal(kk_hostblk_backend(e->hb), "pread");
}

/*
 * One ctest test per backend: `test-hostblk pread`, `test-hostblk io_uring`,
 * `test-hostblk io_uring+ring_writes` (no argument: all three). An io_uring
 * run exits 77 with one line where io_uring cannot be set up (old kernel,
 * seccomp, KK_HOSTBLK_BACKEND=pread) or KK_TEST_NO_IO_URING is set; the pread
 * run keeps the device's contract covered there.
 */
// clang-format off
#define ALL(t, s) {#t, t, s, teardown, NULL}
#define EACH(s)                                                                \
    ALL(test_mixed_batches, s), ALL(test_batch_beyond_depth, s),              \
    ALL(test_neighbours_in_order, s), ALL(test_bad_requests_fail_alone, s),   \
    ALL(test_short_file_reads_zeros, s), ALL(test_read_only, s),              \
    ALL(test_other_thread, s), ALL(test_host_error_fails_alone, s),           \
    ALL(test_sfs_on_device, s)
// clang-format on

/* Why io_uring cannot be tested here, or NULL when it can. */
static const char *no_uring(void)
{
    struct env e = {0};
    struct kk_hostblk_opts o = {0};
    const char *why = NULL;
    if (getenv("KK_TEST_NO_IO_URING"))
        return "io_uring masked (KK_TEST_NO_IO_URING)";
    make_file(&e);
    if (kk_hostblk_open(e.path, &o, &e.hb) != 0)
        why = "cannot open a test file";
    else if (strcmp(kk_hostblk_backend(e.hb), "io_uring") != 0)
        why = "io_uring unavailable (old kernel, seccomp or KK_HOSTBLK_BACKEND=pread); "
              "the pread backend is tested by hostblk-pread";
    if (e.hb)
        kk_hostblk_close(e.hb);
    unlink(e.path);
    free(e.model);
    return why;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest pread_tests[] = {
        EACH(setup_pread),
        cmocka_unit_test_setup_teardown(test_env_selects_pread, setup_pread, teardown),
    };
    const struct CMUnitTest uring_tests[] = {EACH(setup_uring)};
    const struct CMUnitTest ring_writes_tests[] = {EACH(setup_uring_writes)};
    const char *which = argc > 1 ? argv[1] : "all";
    const char *why = NULL;
    int all = strcmp(which, "all") == 0, fails = 0;
    if (!all && strcmp(which, "pread") != 0 && strcmp(which, "io_uring") != 0 &&
        strcmp(which, "io_uring+ring_writes") != 0) {
        fprintf(stderr, "usage: test-hostblk [pread|io_uring|io_uring+ring_writes]\n");
        return 2;
    }
    if (all || strcmp(which, "pread") == 0)
        fails += cmocka_run_group_tests_name("pread", pread_tests, NULL, NULL);
    if (all || strncmp(which, "io_uring", 8) == 0) {
        why = no_uring();
        if (why && !all) {
            printf("SKIP: %s\n", why);
            return 77;
        }
    }
    if (!why && (all || strcmp(which, "io_uring") == 0))
        fails += cmocka_run_group_tests_name("io_uring", uring_tests, NULL, NULL);
    if (!why && (all || strcmp(which, "io_uring+ring_writes") == 0))
        fails += cmocka_run_group_tests_name("io_uring+ring_writes", ring_writes_tests, NULL, NULL);
    return fails;
}
