/*
 * hostblk.h: a kk_blockdev over a host file (tools, tests, benchmark), and
 * the host kk_fs_platform (malloc + pthread mutexes).
 *
 * The device implements kk_blockdev version 2: read(), write(), flush() and
 * submit(). Backends: io_uring (liburing) or pread/pwrite. io_uring is used
 * when it can be set up; the pread backend is chosen when it cannot
 * (containers often forbid io_uring), when opts.force_pread is set, or when
 * the environment variable KK_HOSTBLK_BACKEND is "pread".
 * kk_hostblk_backend() names the backend doing the batched I/O.
 *
 * submit() with io_uring: the reads of a batch go through the ring, one SQE
 * per request (never split), up to the ring depth (64) in flight, all
 * queued entries submitted with one io_uring_enter and refilled as
 * completions are reaped; a short transfer is finished with pread (a read
 * past the end of a shorter file gives zeros). The writes of the batch run
 * as pwrite meanwhile (neighbouring requests merged into one pwritev, as are
 * those of the pread backend): buffered writes to one file through the ring go to
 * a kernel worker thread one at a time (ext4 here) and measured up to 3x
 * slower; opts.ring_writes sends them through the ring too (for file
 * systems or devices where that pays). A batch with one
 * request for the ring, the pread backend and read()/write() use one
 * pread/pwrite per request (a ring round trip measured slower than one
 * pread: 1.0 vs 0.7 us for 4 KiB). Figures: docs/sfs.md, "Host backend".
 * Requests outside the device fail with KK_EIO, writes on a read-only
 * device with KK_EROFS, each alone; the other requests of the batch run.
 * Should the ring fail as a whole, the batch is finished with pread/pwrite
 * and the backend becomes pread.
 * A hostblk is used by one thread at a time (a mount serialises its calls).
 *
 * The first failed request is recorded in opts.ioerr (when set): its code,
 * whether it was a write, and its first block (the failing block when the
 * request is one block, as the SFS library's single-block reads are). The
 * tools name that block in their one-line error.
 * Test hook: the environment variable KK_HOSTBLK_FAIL_BLOCK=N[:r|:w] makes
 * every request touching 4096-byte block N fail with KK_EIO (reads and
 * writes, or only reads / only writes), recorded as block N.
 */
#ifndef KK_HOSTBLK_H
#define KK_HOSTBLK_H

#include <stdint.h>
#include <kernkit/blockdev.h>
#include <kernkit/vfs.h>

struct kk_hostblk;

/* The first failed request of a hostblk (kk_hostblk_opts.ioerr). */
struct kk_hostblk_ioerr {
    int rc;         /* 0 = none yet, else its KK_E* code */
    int write;      /* nonzero: a write failed, else a read */
    uint64_t blkno; /* the failing 4096-byte block */
};

struct kk_hostblk_opts {
    int read_only;       /* open O_RDONLY; writes fail with KK_EROFS */
    int create;          /* create/truncate the file to size_bytes */
    uint64_t size_bytes; /* with create: the image size (a multiple of 4096) */
    int force_pread;     /* never try io_uring */
    int ring_writes;     /* io_uring backend: the writes of a batch through the ring too */
    struct kk_hostblk_ioerr *ioerr; /* NULL, or receives the first failure (caller-owned) */
};

/* Open @path; *out gets the device. Returns 0 or a negative KK_E* code (errno set). */
int kk_hostblk_open(const char *path, const struct kk_hostblk_opts *opts, struct kk_hostblk **out);
const struct kk_blockdev *kk_hostblk_dev(struct kk_hostblk *h);
/* "io_uring" (the reads of a batch, and its writes with opts.ring_writes, go
 * through the ring) or "pread" (everything is pread/pwrite) */
const char *kk_hostblk_backend(const struct kk_hostblk *h);
/* Flush (unless read-only) and close. Returns 0 or the flush error. */
int kk_hostblk_close(struct kk_hostblk *h);

/* malloc/free, pthread mutexes, log to stderr. */
const struct kk_fs_platform *kk_host_platform(void);

#endif
