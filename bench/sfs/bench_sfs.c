/*
 * bench_sfs.c: figures for kernkit::sfs and tools/hostblk on a host file
 * (release preset).
 *
 *   bench-sfs [DIR]     (scratch files go to DIR, default $TMPDIR or /tmp)
 *   KK_BENCH_SFS_MB     size of the sequential file (default 256, a multiple of 16)
 *   KK_BENCH_SFS_ROUNDS rounds of each measured workload (default 9, max 64)
 *   KK_BENCH_SFS_PASSES read passes per round (default 5, max 64)
 *   KK_BENCH_SFS_FILES  files in the mksfs tree (default 5000)
 *   KK_BENCH_SFS_DIRFILES  files created in one directory (default 10000)
 *   KK_BENCH_SFS_ONLY=dir|dev|seq|mksfs  only the one-directory, device,
 *                       sequential + fragmented, or mksfs-vs-cp figures
 *   KK_BENCH_SFS_UCORE_MKSFS  path of uCore's mksfs (built on the host from
 *                       labcodes_answer/lab8_result/tools/mksfs.c): adds it as
 *                       an anchor of the mksfs figures (skipped when unset)
 *
 * The machine is shared and noisy, so every workload runs in rounds whose
 * variants take turns (the order rotating round by round) and the figures
 * are medians over the rounds; ratios are ratios of medians.
 * - dev-*: the device alone, io_uring vs pread backend (and ring_writes):
 *   single reads through a ring vs pread, batches of reads from the page
 *   cache and from the disk (sequential and scattered), batches of writes.
 * - seq-*: SFS + hostblk with io_uring, with pread, and raw pwrite/pread of
 *   the same bytes on a plain file of the image's size, each on its own
 *   file: write (1 MiB requests, in quarters each ending in a sync, the
 *   variants taking turns), read from the page cache in 1 MiB and 16 MiB
 *   requests (passes alternating between the variants, median pass), and
 *   read from the disk (page cache dropped with POSIX_FADV_DONTNEED).
 *   Lines: <w>-<variant>.throughput, <w>.ratio-vs-raw (and its per-round
 *   -min/-max), <w>.uring-vs-pread.
 * - frag-read: a file written in scrambled 4 KiB pieces read from the disk
 *   and from the page cache, io_uring vs pread (batches of far-apart runs).
 * - small-files: create+write+close through the VFS; mksfs of a cold tree of
 *   files with log-uniform sizes (0..1 MiB) vs `cp -a` of the same tree into
 *   the same file system, to the tool's exit and including a final syncfs;
 *   mksfs with both backends, and uCore's mksfs on the same tree when
 *   KK_BENCH_SFS_UCORE_MKSFS names it. All written data is random bytes.
 * - dir-*: creating and looking up many files in one directory with the
 *   name index vs the slot scan (kk_sfs_config.no_dir_index).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kernkit/sfs.h>
#include <kernkit/vfs.h>
#include "bench.h"
#include "hostblk.h"
#include <liburing.h>

#define CHUNK (1u << 20)  /* request size of the sequential workloads */
#define BIG   (16u << 20) /* request size of the large-request reads */

static char dir[512], img[600];
static uint8_t *buf;

__attribute__((noreturn)) static void die(const char *what, int rc)
{
    fprintf(stderr, "bench-sfs: %s: %s\n", what, rc ? kk_strerror(rc) : strerror(errno));
    exit(1);
}

static double secs(uint64_t t0)
{
    return (double)(kk_bench_now_ns() - t0) / 1e9;
}

struct fsenv {
    struct kk_hostblk *hb;
    struct kk_blockdev dev; /* the hostblk device with its flushes counted */
    struct kk_sfs *fs;
    struct kk_sfs_inode *root;
};

/* Device flushes (SFS's write-order barriers) of every mount, and of the seq-write syncs. */
static uint64_t flushes, wsync_flushes, wsyncs;
static int (*host_flush)(void *ctx);

static int count_flush(void *ctx)
{
    flushes++;
    return host_flush(ctx);
}

static void fs_open_cfg(struct fsenv *e, const char *path, int pread_only, int format,
                        uint64_t bytes, uint32_t cache_blocks, int no_dir_index);

static void fs_open(struct fsenv *e, const char *path, int pread_only, int format, uint64_t bytes)
{
    fs_open_cfg(e, path, pread_only, format, bytes, 1024, 0);
}

static void fs_open_cfg(struct fsenv *e, const char *path, int pread_only, int format,
                        uint64_t bytes, uint32_t cache_blocks, int no_dir_index)
{
    struct kk_hostblk_opts ho = {0};
    struct kk_sfs_config cfg = {0};
    int rc;
    ho.force_pread = pread_only;
    ho.create = format;
    ho.size_bytes = bytes;
    if ((rc = kk_hostblk_open(path, &ho, &e->hb)) != 0)
        die(path, 0);
    if (format && (rc = kk_sfs_format(kk_hostblk_dev(e->hb), kk_host_platform(), NULL)) != 0)
        die("format", rc);
    e->dev = *kk_hostblk_dev(e->hb);
    host_flush = e->dev.flush;
    e->dev.flush = e->dev.flush ? count_flush : NULL;
    cfg.size = sizeof(cfg);
    cfg.dev = &e->dev;
    cfg.plat = kk_host_platform();
    cfg.cache_blocks = cache_blocks;
    cfg.no_dir_index = (uint32_t)no_dir_index;
    if ((rc = kk_sfs_mount(&cfg, &e->fs)) != 0 || (rc = kk_sfs_root(e->fs, &e->root)) != 0)
        die("mount", rc);
}

static void fs_close(struct fsenv *e)
{
    int rc;
    kk_sfs_put(e->root);
    if ((rc = kk_sfs_unmount(e->fs)) != 0)
        die("unmount", rc);
    kk_hostblk_close(e->hb);
}

/*
 * Sequential workloads, each measured for three variants of the same bytes:
 * SFS + hostblk with io_uring, SFS + hostblk with pread, and raw
 * pwrite/pread on a plain file of the image's size.
 */
enum { V_URING, V_PREAD, V_RAW, NVAR };
enum { W_WRITE, W_READ, W_BIG, W_COLD, W_BIGCOLD, NWL };
#define MAXROUNDS 64
#define WPARTS    4 /* the write is timed in parts, the variants taking turns */

static const char *const var_name[NVAR] = {"sfs", "sfs-pread", "raw"};
static const char *const wl_name[NWL] = {"seq-write", "seq-read", "seq-read-16m", "seq-read-cold",
                                         "seq-read-16m-cold"};

static char vimg[NVAR][640]; /* each variant's image */

struct target {
    int raw, fd;
    const char *path;
    struct fsenv e;
    struct kk_sfs_inode *f;
};

static uint64_t image_bytes(uint64_t mb)
{
    return (mb + mb / 8 + 8) << 20;
}

/* A fresh image (@create: formatted, an empty file "seq") or the existing one. */
static void t_open(struct target *t, int v, int create, uint64_t mb)
{
    int rc;
    t->raw = v == V_RAW;
    t->path = vimg[v];
    if (t->raw) {
        t->fd = open(t->path, create ? O_RDWR | O_CREAT | O_TRUNC : O_RDONLY, 0644);
        if (t->fd < 0 || (create && ftruncate(t->fd, (off_t)image_bytes(mb)) != 0))
            die(t->path, 0);
        return;
    }
    fs_open(&t->e, t->path, v == V_PREAD, create, image_bytes(mb));
    rc = create ? kk_sfs_create(t->e.root, "seq", &t->f) : kk_sfs_lookup(t->e.root, "seq", &t->f);
    if (rc)
        die("seq file", rc);
}

static void t_close(struct target *t)
{
    if (t->raw) {
        close(t->fd);
        return;
    }
    kk_sfs_put(t->f);
    fs_close(&t->e);
}

/* The raw variant keeps its data 1 MiB into the file, as SFS keeps metadata first. */
static void t_io(struct target *t, int write, uint64_t off, size_t len)
{
    size_t done = 0;
    int rc = 0;
    if (t->raw) {
        ssize_t k = write ? pwrite(t->fd, buf, len, (off_t)(off + (1 << 20)))
                          : pread(t->fd, buf, len, (off_t)(off + (1 << 20)));
        done = k < 0 ? 0 : (size_t)k;
    } else if (write) {
        rc = kk_sfs_write(t->f, off, buf, len, &done);
    } else {
        rc = kk_sfs_read(t->f, off, buf, len, &done);
    }
    if (rc || done != len)
        die(write ? "write" : "read", rc);
}

/* Write [@from, @to) MiB in 1 MiB requests and make them durable; seconds. */
static double t_write_part(struct target *t, uint64_t from, uint64_t to)
{
    uint64_t t0 = kk_bench_now_ns();
    int rc = 0;
    for (uint64_t off = from << 20; off < to << 20; off += CHUNK)
        t_io(t, 1, off, CHUNK);
    if (t->raw) {
        rc = fdatasync(t->fd) == 0 ? 0 : KK_EIO;
    } else {
        uint64_t f0 = flushes;
        rc = kk_sfs_sync(t->e.fs);
        wsync_flushes += flushes - f0;
        wsyncs++;
    }
    if (rc)
        die("sync", rc);
    return secs(t0);
}

/* One pass over the file in requests of @req bytes; MB/s. */
static double t_read_all(struct target *t, uint64_t mb, size_t req)
{
    uint64_t t0 = kk_bench_now_ns();
    for (uint64_t off = 0; off < mb << 20; off += req)
        t_io(t, 0, off, req);
    return (double)mb / secs(t0);
}

/* Drop a file's page cache: the next read comes from the disk. */
static void drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        die("fadvise", 0);
    close(fd);
}

static double median(const double *v, int n);

/*
 * Read each variant's file once from the disk: all three images' page cache
 * dropped first, then the variants one after another.
 */
static void out_cold(const int order[NVAR], uint64_t mb, size_t req, double out[NVAR][NWL], int k)
{
    for (int v = 0; v < NVAR; v++)
        drop_cache(vimg[v]);
    for (int i = 0; i < NVAR; i++) {
        struct target t;
        t_open(&t, order[i], 0, mb);
        out[order[i]][k] = t_read_all(&t, mb, req);
        t_close(&t);
    }
}

/*
 * One round of every sequential workload, the variants in @order; MB/s into
 * out[variant][workload]. Each variant writes its own file, a quarter at a
 * time (write + sync/fdatasync), the variants taking turns; the page-cache
 * reads then alternate between the variants pass by pass, each variant's
 * figure being its median pass: so a burst of load from elsewhere hits all
 * three alike. The cold reads run one variant after another (reading the
 * three files by turns measured ~3x slower for all three, raw included).
 */
static void seq_round(const int order[NVAR], uint64_t mb, int passes, double out[NVAR][NWL])
{
    static const size_t req[NWL] = {0, CHUNK, BIG, CHUNK, BIG};
    struct target t[NVAR];
    double mbs[NVAR][MAXROUNDS];
    double wsecs[NVAR] = {0};
    for (int i = 0; i < NVAR; i++)
        t_open(&t[order[i]], order[i], 1, mb);
    for (int part = 0; part < WPARTS; part++)
        for (int i = 0; i < NVAR; i++)
            wsecs[order[i]] +=
                t_write_part(&t[order[i]], mb * part / WPARTS, mb * (part + 1) / WPARTS);
    for (int v = 0; v < NVAR; v++)
        out[v][W_WRITE] = (double)mb / wsecs[v];
    for (int k = W_READ; k <= W_BIG; k++) {
        for (int p = 0; p < passes; p++)
            for (int i = 0; i < NVAR; i++)
                mbs[order[i]][p] = t_read_all(&t[order[i]], mb, req[k]);
        for (int v = 0; v < NVAR; v++)
            out[v][k] = median(mbs[v], passes);
    }
    for (int v = 0; v < NVAR; v++)
        t_close(&t[v]);
    for (int k = W_COLD; k <= W_BIGCOLD; k++)
        out_cold(order, mb, req[k], out, k);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[MAXROUNDS];
    memcpy(s, v, (size_t)n * sizeof(*v));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * @rounds rounds; round r runs the variants in the order rotated by r, so
 * each variant takes each place in the order equally often. Prints the
 * median of each figure, the ratios of the medians and the range of the
 * per-round SFS-vs-raw ratio.
 */
static void seq_figures(uint64_t mb, int rounds, int passes)
{
    static double res[NWL][NVAR][MAXROUNDS];
    double one[NVAR][NWL], med[NVAR];
    char w[64];
    for (int v = 0; v < NVAR; v++)
        snprintf(vimg[v], sizeof(vimg[v]), "%s.%s", img, var_name[v]);
    for (int r = 0; r < rounds; r++) {
        int order[NVAR];
        for (int i = 0; i < NVAR; i++)
            order[i] = (i + r) % NVAR;
        seq_round(order, mb, passes, one);
        for (int v = 0; v < NVAR; v++)
            for (int k = 0; k < NWL; k++)
                res[k][v][r] = one[v][k];
    }
    for (int v = 0; v < NVAR; v++)
        unlink(vimg[v]);
    for (int k = 0; k < NWL; k++) {
        double lo = 1e300, hi = 0;
        for (int v = 0; v < NVAR; v++) {
            med[v] = median(res[k][v], rounds);
            snprintf(w, sizeof(w), "%s-%s", wl_name[k], var_name[v]);
            kk_bench_print(w, "throughput", med[v], "MB/s");
        }
        for (int r = 0; r < rounds; r++) {
            double q = res[k][V_URING][r] / res[k][V_RAW][r];
            lo = q < lo ? q : lo;
            hi = q > hi ? q : hi;
        }
        kk_bench_print(wl_name[k], "ratio-vs-raw", med[V_URING] / med[V_RAW], "x");
        kk_bench_print(wl_name[k], "ratio-vs-raw-min", lo, "x");
        kk_bench_print(wl_name[k], "ratio-vs-raw-max", hi, "x");
        kk_bench_print(wl_name[k], "uring-vs-pread", med[V_URING] / med[V_PREAD], "x");
    }
}

/*
 * A fragmented file: @mb / 8 MiB written in 4 KiB pieces in a scrambled
 * order (as a database or a download writes), so its blocks lie on the
 * image in that order and each 1 MiB read is 256 one-block runs far apart,
 * handed to the device in batches. Read from the disk (the image's page
 * cache dropped) and then from the page cache; MB/s into cold, hot.
 */
static void frag_round(int pread_only, uint64_t mb, double *cold, double *hot)
{
    struct fsenv e;
    struct kk_sfs_inode *f[1];
    uint64_t size = (mb / 8) << 20, pieces = size / 4096, t0;
    size_t done;
    int rc;
    fs_open(&e, img, pread_only, 1, image_bytes(mb / 4));
    if ((rc = kk_sfs_create(e.root, "a", &f[0])) != 0)
        die("create", rc);
    for (uint64_t i = 0; i < pieces; i++) /* 4099 is prime: a permutation */
        if ((rc = kk_sfs_write(f[0], (i * 4099 % pieces) * 4096, buf, 4096, &done)) != 0)
            die("write", rc);
    kk_sfs_put(f[0]);
    fs_close(&e);
    drop_cache(img);
    fs_open(&e, img, pread_only, 0, 0);
    if ((rc = kk_sfs_lookup(e.root, "a", &f[0])) != 0)
        die("lookup", rc);
    for (int pass = 0; pass < 2; pass++) {
        t0 = kk_bench_now_ns();
        for (uint64_t off = 0; off < size; off += CHUNK)
            if ((rc = kk_sfs_read(f[0], off, buf, CHUNK, &done)) != 0 || done != CHUNK)
                die("read", rc);
        *(pass ? hot : cold) = (double)(size >> 20) / secs(t0);
    }
    kk_sfs_put(f[0]);
    fs_close(&e);
}

static void frag_figures(uint64_t mb, int rounds)
{
    double res[2][2][MAXROUNDS], med[2][2];
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < 2; i++) {
            int b = (i + r) % 2;
            frag_round(b, mb, &res[0][b][r], &res[1][b][r]);
        }
    for (int k = 0; k < 2; k++) {
        const char *w = k ? "frag-read" : "frag-read-cold";
        char name[64];
        for (int b = 0; b < 2; b++) {
            med[k][b] = median(res[k][b], rounds);
            snprintf(name, sizeof(name), "%s-%s", w, b ? "sfs-pread" : "sfs");
            kk_bench_print(name, "throughput", med[k][b], "MB/s");
        }
        kk_bench_print(w, "uring-vs-pread", med[k][0] / med[k][1], "x");
    }
}

/*
 * The device alone (kk_hostblk_dev) on one file of @mb MiB, three variants:
 * the io_uring backend, the pread backend, and io_uring with ring_writes.
 * Single reads (4 KiB and 1 MiB, page cache) through a ring vs pread (see
 * single_read); the whole file as one batch of 1 MiB reads (page cache, and
 * from the disk); scattered reads from the disk (batches of 16 x 16 KiB far
 * apart, as a fragmented file gives); writes into the page cache in batches
 * of 16 x 1 MiB and of 16 x 4 KiB (as a sync phase gives).
 */
enum { D_1X4K, D_1X1M, D_READ, D_COLD, D_SCAT, D_WRITE, D_WSMALL, NDEV };
enum { DV_URING, DV_PREAD, DV_RINGW, NDV };
static const char *const dev_name[NDEV] = {"dev-single-read-4k",      "dev-single-read-1m",
                                           "dev-batch-read",          "dev-batch-read-cold",
                                           "dev-scattered-read-cold", "dev-batch-write-16x1m",
                                           "dev-batch-write-16x4k"};
static const char *const dv_name[NDV] = {"uring", "pread", "ring-writes"};

/*
 * ns per single read of @len bytes at pseudo-random offsets of the image:
 * through an io_uring of our own (one SQE, submit and wait; a plain ring as
 * hostblk's) when @ring, else with pread. This is the
 * measurement behind hostblk doing a one-request batch with pread.
 */
static double single_read(int fd, int ring, uint64_t mb, uint32_t len, int n)
{
    struct io_uring r;
    uint64_t seed = 1, t0;
    if (ring && io_uring_queue_init(8, &r, 0) != 0)
        return 0;
    t0 = kk_bench_now_ns();
    for (int i = 0; i < n; i++) {
        off_t off = (off_t)(kk_bench_rand(&seed) % ((mb << 20) / len - 1)) * len;
        struct io_uring_cqe *cqe;
        ssize_t got;
        if (ring) {
            io_uring_prep_read(io_uring_get_sqe(&r), fd, buf, len, (uint64_t)off);
            if (io_uring_submit_and_wait(&r, 1) < 0 || io_uring_wait_cqe(&r, &cqe) < 0)
                die("io_uring", KK_EIO);
            got = cqe->res;
            io_uring_cqe_seen(&r, cqe);
        } else {
            got = pread(fd, buf, len, off);
        }
        if (got != (ssize_t)len)
            die("single read", KK_EIO);
    }
    t0 = kk_bench_now_ns() - t0;
    if (ring)
        io_uring_queue_exit(&r);
    return (double)t0 / n;
}

/*
 * @total MiB of the device in batches of @k requests of @blocks blocks;
 * @stride > 1 spreads a batch's requests @stride slots apart (mod the
 * device). Returns MB/s.
 */
static double dev_batches(const struct kk_blockdev *d, uint64_t total, uint32_t k, uint32_t blocks,
                          uint64_t stride, uint32_t op, uint8_t *mem)
{
    static struct kk_blockdev_req r[1u << 14];
    uint64_t slots = d->nblocks / blocks, nreq = (total << 8) / blocks, t0 = kk_bench_now_ns();
    int rc;
    for (uint64_t j = 0; j < nreq; j += k) {
        for (uint32_t i = 0; i < k; i++) {
            r[i].blkno = (((j + i) * stride) % slots) * blocks;
            r[i].count = blocks;
            r[i].buf = mem + (size_t)(j + i) * blocks * 4096; /* total <= the memory */
            r[i].op = op;
        }
        if ((rc = d->submit(d->ctx, r, k)) != 0)
            die("batch", rc);
    }
    return (double)total / secs(t0);
}

static struct kk_hostblk *dev_open(int v, uint64_t mb, int create)
{
    struct kk_hostblk_opts ho = {0};
    struct kk_hostblk *hb;
    ho.force_pread = v == DV_PREAD;
    ho.ring_writes = v == DV_RINGW;
    ho.create = create;
    ho.size_bytes = mb << 20;
    if (kk_hostblk_open(img, &ho, &hb) != 0)
        die(img, 0);
    return hb;
}

static void dev_round(int v, uint64_t mb, uint8_t *mem, double out[NDEV])
{
    struct kk_hostblk *hb = dev_open(v, mb, 1);
    const struct kk_blockdev *d = kk_hostblk_dev(hb);
    int fd;
    uint32_t n = (uint32_t)mb;
    out[D_WRITE] = dev_batches(d, mb, 16, 256, 1, KK_BLOCKDEV_WRITE, mem);
    out[D_WSMALL] = dev_batches(d, mb / 16, 16, 1, 1, KK_BLOCKDEV_WRITE, mem);
    out[D_READ] = dev_batches(d, mb, n, 256, 1, KK_BLOCKDEV_READ, mem);
    kk_hostblk_close(hb);
    if ((fd = open(img, O_RDONLY)) < 0)
        die(img, 0);
    out[D_1X4K] = single_read(fd, v != DV_PREAD, mb, 4096, 20000);
    out[D_1X1M] = single_read(fd, v != DV_PREAD, mb, 1u << 20, 500);
    close(fd);
    drop_cache(img);
    hb = dev_open(v, mb, 0);
    out[D_COLD] = dev_batches(kk_hostblk_dev(hb), mb, n, 256, 1, KK_BLOCKDEV_READ, mem);
    kk_hostblk_close(hb);
    drop_cache(img);
    hb = dev_open(v, mb, 0);
    out[D_SCAT] = dev_batches(kk_hostblk_dev(hb), mb / 4, 16, 4, 40503, KK_BLOCKDEV_READ, mem);
    kk_hostblk_close(hb);
}

/* Rounds with the variants in rotating order; medians and ratios of medians. */
static void dev_figures(uint64_t mb, int rounds)
{
    static double res[NDEV][NDV][MAXROUNDS];
    uint8_t *mem = aligned_alloc(4096, mb << 20);
    double one[NDEV], med[NDV];
    char w[64];
    if (!mem || mb > (1u << 14))
        die("dev memory", KK_ENOMEM);
    memset(mem, 0x3c, mb << 20);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < NDV; i++) {
            int v = (i + r) % NDV;
            dev_round(v, mb, mem, one);
            for (int k = 0; k < NDEV; k++)
                res[k][v][r] = one[k];
        }
    for (int k = 0; k < NDEV; k++) {
        int wr = k == D_WRITE || k == D_WSMALL, ns = k == D_1X4K || k == D_1X1M;
        for (int v = 0; v < NDV; v++) {
            med[v] = median(res[k][v], rounds);
            snprintf(w, sizeof(w), "%s-%s", dev_name[k], dv_name[v]);
            if (v != DV_RINGW || wr)
                kk_bench_print(w, ns ? "median" : "throughput", med[v], ns ? "ns" : "MB/s");
        }
        kk_bench_print(dev_name[k], "uring-vs-pread",
                       ns ? med[DV_PREAD] / med[DV_URING] : med[DV_URING] / med[DV_PREAD], "x");
        if (wr)
            kk_bench_print(dev_name[k], "ring-writes-vs-pread", med[DV_RINGW] / med[DV_PREAD], "x");
    }
    free(mem);
}

/* Small files through the VFS: create + write 1 KiB + close. Returns files/s. */
static double small_files(int pread_only, int n)
{
    struct fsenv e;
    struct kk_vfs *v;
    char path[64];
    uint64_t t0;
    int rc;
    fs_open(&e, img, pread_only, 1, 64u << 20);
    if ((rc = kk_vfs_create(kk_host_platform(), &v)) != 0 ||
        (rc = kk_vfs_mount(v, NULL, "/", kk_sfs_vfs_ops(), e.fs)) != 0)
        die("vfs", rc);
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof(path), "/d%d", d);
        kk_vfs_mkdir(v, NULL, path);
    }
    t0 = kk_bench_now_ns();
    for (int i = 0; i < n; i++) {
        struct kk_vfs_file *f;
        size_t done;
        snprintf(path, sizeof(path), "/d%d/f%d", i % 10, i);
        if ((rc = kk_vfs_open(v, NULL, path, KK_O_WRONLY | KK_O_CREAT | KK_O_EXCL, &f)) != 0 ||
            (rc = kk_vfs_write(f, buf, 1024, &done)) != 0)
            die("small file", rc);
        kk_vfs_close(f);
    }
    if ((rc = kk_vfs_sync(v)) != 0)
        die("sync", rc);
    double rate = n / secs(t0);
    kk_vfs_umount(v, NULL, "/");
    kk_vfs_destroy(v);
    fs_close(&e);
    return rate;
}

/*
 * @n empty files created in one directory, with or without the directory
 * name index; through the library with the directory held (rate[0]), then
 * through the VFS by path (rate[1], the directory is looked up each time),
 * then @n lookups by path (rate[2]). The cache holds the whole directory, so
 * this measures the algorithm, not the device.
 */
static void dir_create(int no_index, int n, double rate[3])
{
    struct fsenv e;
    struct kk_sfs_inode *d;
    struct kk_vfs *v;
    char name[64];
    uint64_t t0;
    int rc;
    fs_open_cfg(&e, img, 0, 1, (uint64_t)(5 * n + 1024) * 4096, (uint32_t)(5 * n + 1024), no_index);
    if ((rc = kk_sfs_mkdir(e.root, "a", &d)) != 0 || (rc = kk_sfs_mkdir(e.root, "b", NULL)) != 0)
        die("mkdir", rc);
    t0 = kk_bench_now_ns();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "file-%d", i);
        if ((rc = kk_sfs_create(d, name, NULL)) != 0)
            die("create", rc);
    }
    rate[0] = n / secs(t0);
    kk_sfs_put(d);
    if ((rc = kk_vfs_create(kk_host_platform(), &v)) != 0 ||
        (rc = kk_vfs_mount(v, NULL, "/", kk_sfs_vfs_ops(), e.fs)) != 0)
        die("vfs", rc);
    t0 = kk_bench_now_ns();
    for (int i = 0; i < n; i++) {
        struct kk_vfs_file *f;
        snprintf(name, sizeof(name), "/b/file-%d", i);
        if ((rc = kk_vfs_open(v, NULL, name, KK_O_WRONLY | KK_O_CREAT | KK_O_EXCL, &f)) != 0)
            die("vfs create", rc);
        kk_vfs_close(f);
    }
    rate[1] = n / secs(t0);
    t0 = kk_bench_now_ns();
    for (int i = 0; i < n; i++) {
        struct kk_vfs_stat st;
        snprintf(name, sizeof(name), "/b/file-%d", (int)((i * 7919u) % (unsigned)n));
        if ((rc = kk_vfs_stat(v, NULL, name, 1, &st)) != 0)
            die("vfs stat", rc);
    }
    rate[2] = n / secs(t0);
    kk_vfs_umount(v, NULL, "/");
    kk_vfs_destroy(v);
    fs_close(&e);
}

static void dir_figures(int n)
{
    double ix[3], sc[3];
    char w[64];
    dir_create(0, n, ix);
    dir_create(1, n, sc);
    snprintf(w, sizeof(w), "dir-create-%d", n);
    kk_bench_print(w, "index", ix[0], "files/s");
    kk_bench_print(w, "scan", sc[0], "files/s");
    kk_bench_print(w, "index-vs-scan", ix[0] / sc[0], "x");
    snprintf(w, sizeof(w), "dir-create-vfs-%d", n);
    kk_bench_print(w, "index", ix[1], "files/s");
    kk_bench_print(w, "scan", sc[1], "files/s");
    kk_bench_print(w, "index-vs-scan", ix[1] / sc[1], "x");
    snprintf(w, sizeof(w), "dir-lookup-vfs-%d", n);
    kk_bench_print(w, "index", ix[2], "lookups/s");
    kk_bench_print(w, "scan", sc[2], "lookups/s");
    kk_bench_print(w, "index-vs-scan", ix[2] / sc[2], "x");
}

/* A tree of @n files with log-uniform sizes in 0..1 MiB, 50 directories. */
static uint64_t make_tree(const char *root, int n)
{
    uint64_t seed = 12345, total = 0;
    char path[1024];
    mkdir(root, 0755);
    for (int d = 0; d < 50; d++) {
        snprintf(path, sizeof(path), "%s/d%02d", root, d);
        mkdir(path, 0755);
    }
    for (int i = 0; i < n; i++) {
        double u = (double)(kk_bench_rand(&seed) >> 11) / 9007199254740992.0;
        size_t size = (size_t)(exp(u * log(1048577.0)) - 1.0);
        snprintf(path, sizeof(path), "%s/d%02d/f%05d", root, i % 50, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
            die(path, 0);
        close(fd);
        total += size;
    }
    return total;
}

static double t_last_sync; /* syncfs() after the last mksfs or cp -a; seconds */

static double sync_fs(void);

static double run_mksfs(const char *tree, int pread_only)
{
    uint64_t t0 = kk_bench_now_ns();
    pid_t pid = fork();
    int st;
    if (pid == 0) {
        if (pread_only)
            setenv("KK_HOSTBLK_BACKEND", "pread", 1);
        execl(MKSFS_PATH, "mksfs", "-s", "auto", img, tree, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("mksfs", 0);
    double t = secs(t0);
    t_last_sync = sync_fs();
    return t;
}

/*
 * uCore's mksfs (@path) on the same tree: it writes into an existing image,
 * so the timed run first creates a fresh one of @bytes (the size kernkit's
 * mksfs chose), as `truncate -s` would; its stdout is discarded.
 */
static double run_ucore_mksfs(const char *path, const char *tree, off_t bytes)
{
    uint64_t t0 = kk_bench_now_ns();
    int fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644), st;
    if (fd < 0 || ftruncate(fd, bytes) != 0)
        die("ucore image", 0);
    close(fd);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0)
            dup2(nul, 1);
        execl(path, "mksfs", img, tree, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("uCore mksfs", 0);
    double t = secs(t0);
    t_last_sync = sync_fs();
    return t;
}

/* Evict the tree's file data from the page cache: the next reads come from the disk. */
static void cold_tree(const char *tree, int n)
{
    char path[1024];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/d%02d/f%05d", tree, i % 50, i);
        int fd = open(path, O_RDONLY);
        if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
            die("fadvise tree", 0);
        close(fd);
    }
}

/* Run a command to its exit; seconds. */
static double run_cmd(char *const argv[])
{
    uint64_t t0 = kk_bench_now_ns();
    pid_t pid = fork();
    int st;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die(argv[0], 0);
    return secs(t0);
}

/* syncfs() of the file system holding @dir; seconds. */
static double sync_fs(void)
{
    uint64_t t0 = kk_bench_now_ns();
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0)
        die("syncfs", 0);
    close(fd);
    return secs(t0);
}

/* Baseline: `cp -a` of the same tree into the same file system as the image. */
static double copy_tree(const char *tree, int n)
{
    char dst[700];
    snprintf(dst, sizeof(dst), "%s.cp", img);
    char *cp[] = {"cp", "-a", (char *)tree, dst, NULL}, *rm[] = {"rm", "-rf", dst, NULL};
    double t = run_cmd(cp);
    (void)n;
    t_last_sync = sync_fs();
    run_cmd(rm);
    return t;
}

static void rm_tree(const char *tree, int n)
{
    char path[1024];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/d%02d/f%05d", tree, i % 50, i);
        unlink(path);
    }
    for (int d = 0; d < 50; d++) {
        snprintf(path, sizeof(path), "%s/d%02d", tree, d);
        rmdir(path);
    }
    rmdir(tree);
}

/* small_files() in @rounds rounds, the backends taking turns; medians. */
static void small_figures(int rounds)
{
    double res[2][MAXROUNDS], med[2];
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < 2; i++)
            res[(i + r) % 2][r] = small_files((i + r) % 2, 5000);
    med[0] = median(res[0], rounds);
    med[1] = median(res[1], rounds);
    kk_bench_print("small-files", "rate", med[0], "files/s");
    kk_bench_print("small-files-pread", "rate", med[1], "files/s");
    kk_bench_print("small-files", "uring-vs-pread", med[0] / med[1], "x");
}

/*
 * mksfs of a generated tree of @n files (random contents; io_uring and pread
 * backend) vs `cp -a` of the same tree into the same file system (and vs
 * uCore's mksfs at @ucore when not NULL), the tree's page cache evicted
 * before each run (cold tree), @rounds rounds in rotating order; medians of
 * the times to the tool's exit and of the times including a syncfs() of the
 * target file system afterwards (kernkit's mksfs itself ends with fdatasync,
 * cp -a and uCore's mksfs with none).
 */
static void mksfs_figures(const char *tree, int n, int rounds, const char *ucore)
{
    static const char *const nm[4] = {"mksfs", "mksfs-pread", "cp-a", "ucore-mksfs"};
    double t[4][MAXROUNDS], ts[4][MAXROUNDS], med[4], meds[4];
    double mbs = (double)make_tree(tree, n) / 1e6;
    int nv = ucore ? 4 : 3;
    struct stat st;
    sync_fs();
    run_mksfs(tree, 0); /* warm-up; gives the image size uCore's mksfs gets */
    if (stat(img, &st) != 0)
        die("stat image", 0);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < nv; i++) {
            int v = (i + r) % nv;
            cold_tree(tree, n);
            t[v][r] = v == 3   ? run_ucore_mksfs(ucore, tree, st.st_size)
                      : v == 2 ? copy_tree(tree, n)
                               : run_mksfs(tree, v);
            ts[v][r] = t[v][r] + t_last_sync;
        }
    for (int v = 0; v < nv; v++) {
        char w[64];
        med[v] = median(t[v], rounds);
        meds[v] = median(ts[v], rounds);
        kk_bench_print(nm[v], "throughput-to-exit", mbs / med[v], "MB/s");
        snprintf(w, sizeof(w), "%s-synced", nm[v]);
        kk_bench_print(w, "throughput", mbs / meds[v], "MB/s");
    }
    kk_bench_print("mksfs", "ratio-vs-cp-a-to-exit", med[2] / med[0], "x");
    kk_bench_print("mksfs", "ratio-vs-cp-a-synced", meds[2] / meds[0], "x");
    if (ucore) {
        kk_bench_print("mksfs", "ratio-vs-ucore-mksfs-to-exit", med[3] / med[0], "x");
        kk_bench_print("mksfs", "ratio-vs-ucore-mksfs-synced", meds[3] / meds[0], "x");
    } else {
        printf("# ucore-mksfs: skipped (set KK_BENCH_SFS_UCORE_MKSFS to uCore's mksfs binary)\n");
    }
    kk_bench_print("mksfs", "uring-vs-pread", med[1] / med[0], "x");
    rm_tree(tree, n);
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : getenv("TMPDIR");
    uint64_t mb = getenv("KK_BENCH_SFS_MB") ? strtoull(getenv("KK_BENCH_SFS_MB"), 0, 10) : 256;
    int nfiles = getenv("KK_BENCH_SFS_FILES") ? atoi(getenv("KK_BENCH_SFS_FILES")) : 5000;
    int ndir = getenv("KK_BENCH_SFS_DIRFILES") ? atoi(getenv("KK_BENCH_SFS_DIRFILES")) : 10000;
    const char *only = getenv("KK_BENCH_SFS_ONLY");
    const char *ucore = getenv("KK_BENCH_SFS_UCORE_MKSFS");
    int rounds = getenv("KK_BENCH_SFS_ROUNDS") ? atoi(getenv("KK_BENCH_SFS_ROUNDS")) : 9;
    int passes = getenv("KK_BENCH_SFS_PASSES") ? atoi(getenv("KK_BENCH_SFS_PASSES")) : 5;
    char tree[600];
    if (rounds < 1 || rounds > MAXROUNDS || passes < 1 || passes > MAXROUNDS || mb < 16 || mb % 16)
        die("KK_BENCH_SFS_ROUNDS and _PASSES must be 1..64, _MB a multiple of 16", KK_EINVAL);
    snprintf(dir, sizeof(dir), "%s", t ? t : "/tmp");
    snprintf(img, sizeof(img), "%s/bench-sfs-%d.img", dir, (int)getpid());
    buf = aligned_alloc(4096, BIG);
    for (uint64_t i = 0, seed = 777; i < BIG / 8; i++) /* random contents, nothing compresses */
        ((uint64_t *)buf)[i] = kk_bench_rand(&seed);
    {
        struct kk_hostblk_opts ho = {0};
        struct kk_hostblk *hb;
        ho.create = 1;
        ho.size_bytes = 1 << 20;
        if (kk_hostblk_open(img, &ho, &hb) == 0) {
            printf("# block backend available: %s\n", kk_hostblk_backend(hb));
            kk_hostblk_close(hb);
        }
    }
    snprintf(tree, sizeof(tree), "%s/bench-sfs-tree-%d", dir, (int)getpid());
    if (only && strcmp(only, "mksfs") == 0) {
        mksfs_figures(tree, nfiles, rounds, ucore);
        goto out;
    }
    if (!only || strcmp(only, "dir") == 0)
        dir_figures(ndir);
    if (only && strcmp(only, "dir") == 0)
        goto out;
    if (!only || strcmp(only, "dev") == 0)
        dev_figures(mb, rounds);
    if (only && strcmp(only, "dev") == 0)
        goto out;
    seq_figures(mb, rounds, passes);
    if (wsyncs)
        kk_bench_print("seq-write", "barriers-per-sync", (double)wsync_flushes / (double)wsyncs,
                       "flushes");
    frag_figures(mb, rounds);
    if (only && strcmp(only, "seq") == 0)
        goto out;

    small_figures(rounds);
    mksfs_figures(tree, nfiles, rounds, ucore);
out:
    unlink(img);
    free(buf);
    return 0;
}
