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
 * submit() with io_uring: one SQE per request (never split), up to the ring
 * depth (64) in flight, all queued entries submitted with one io_uring_enter
 * and refilled as completions are reaped; a short transfer is finished with
 * pread/pwrite (a read past the end of a shorter file gives zeros). The ring
 * is SINGLE_ISSUER + DEFER_TASKRUN where the kernel has them (else plain);
 * a thread other than the ring's owner gets a new ring on its first batch.
 * With the pread backend, and for a batch of one request (a ring round trip
 * measured slower than one pread), the requests run one after another as
 * pread/pwrite. read() and write() are one pread/pwrite each.
 * Requests outside the device fail with KK_EIO, writes on a read-only
 * device with KK_EROFS, each alone; the other requests of the batch run.
 * Should the ring fail as a whole, the batch is finished with pread/pwrite
 * and the backend becomes pread.
 * A hostblk is used by one thread at a time (a mount serialises its calls).
 */
#ifndef KK_HOSTBLK_H
#define KK_HOSTBLK_H

#include <stdint.h>
#include <kernkit/blockdev.h>
#include <kernkit/vfs.h>

struct kk_hostblk;

struct kk_hostblk_opts {
    int read_only;       /* open O_RDONLY; writes fail with KK_EROFS */
    int create;          /* create/truncate the file to size_bytes */
    uint64_t size_bytes; /* with create: the image size (a multiple of 4096) */
    int force_pread;     /* never try io_uring */
};

/* Open @path; *out gets the device. Returns 0 or a negative KK_E* code (errno set). */
int kk_hostblk_open(const char *path, const struct kk_hostblk_opts *opts, struct kk_hostblk **out);
const struct kk_blockdev *kk_hostblk_dev(struct kk_hostblk *h);
/* "io_uring" or "pread" */
const char *kk_hostblk_backend(const struct kk_hostblk *h);
/* Flush (unless read-only) and close. Returns 0 or the flush error. */
int kk_hostblk_close(struct kk_hostblk *h);

/* malloc/free, pthread mutexes, log to stderr. */
const struct kk_fs_platform *kk_host_platform(void);

#endif
