/*
 * abi.h: the system-call interface shared by the demo kernel and its user
 * programs. Calls take a7 = number, a0..a5 = arguments and return a0: a
 * value >= 0, or a negative error (the KK_E* / Linux errno magnitudes).
 */
#ifndef DEMO_ABI_H
#define DEMO_ABI_H

#include <stdint.h>

enum {
    SYS_exit = 1,
    SYS_fork,
    SYS_exec,
    SYS_wait,
    SYS_getpid,
    SYS_yield,
    SYS_sleep,
    SYS_setpriority,
    SYS_open,
    SYS_close,
    SYS_read,
    SYS_write,
    SYS_lseek,
    SYS_fstat,
    SYS_getdents,
    SYS_mkdir,
    SYS_unlink,
    SYS_chdir,
    SYS_dup,
    SYS_pipe,
    SYS_sbrk,
    SYS_uptime,
    SYS_getcwd,
    SYS_sysinfo,
    SYS_kill,      /* kill(pid): the process exits (status -1) at its next trap or wake-up */
    SYS_ps,        /* ps(struct procinfo *buf, int max): live processes, returns the count */
    SYS_blkcheck,  /* blkcheck(seed): the disk driver's batch self-check (reads only);
                    * returns the most requests of its batch in flight at once */
    SYS_setpgid,   /* setpgid(pid, pgid): pid 0 is the caller, pgid 0 is pid; the caller or
                    * its child only */
    SYS_tcsetpgrp, /* tcsetpgrp(pgid): the console's foreground group (Ctrl-C kills it) */
    SYS_consmode,  /* consmode(raw): 1 raw (bytes as typed, no echo), 0 cooked (lines
                    * with editing and signals); returns the previous mode */
    SYS_rename,    /* rename(old, new): new is replaced if it exists */
    SYS_link,      /* link(old, new): a hard link */
    SYS_symlink,   /* symlink(target, path) */
    SYS_readlink,  /* readlink(path, buf, size): the target's length */
    SYS_statfs,    /* statfs(struct statfs *): the root file system's blocks */
    SYS_count
};

/* open() flags (the VFS's values) */
#define O_RDONLY  0x0
#define O_WRONLY  0x1
#define O_RDWR    0x2
#define O_ACCMODE 0x3
#define O_CREAT   0x40
#define O_EXCL    0x80
#define O_TRUNC   0x200
#define O_APPEND  0x400

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define T_FILE 1
#define T_DIR  2
#define T_LINK 3
#define T_DEV  4

struct stat {
    uint32_t type; /* T_FILE, T_DIR, T_LINK, T_DEV */
    uint32_t nlink;
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;
};

/* getdents() fills the buffer with these records back to back. */
struct dirent {
    uint32_t ino;
    uint16_t reclen; /* bytes of this record, name and padding included */
    uint8_t type;
    char name[]; /* NUL-terminated */
};

/* sysinfo(): figures for the shell and the benchmarks. */
struct sysinfo {
    uint64_t timebase;     /* rdtime ticks per second */
    uint64_t boot_to_init; /* rdtime ticks from kernel entry to init's first exec */
    uint64_t free_frames, total_frames;
    uint32_t ncpu, nproc;
    char sched[32];
};

/* statfs(): the root file system. */
struct statfs {
    uint32_t block_size, blocks, free_blocks, name_max;
    char info[32];
};

/* ps(): one live process. */
struct procinfo {
    int32_t pid, ppid;
    uint32_t state; /* PS_* */
    uint32_t priority;
    uint64_t run_ticks; /* timer ticks it was running at */
    char name[32];
};
#define PS_SLEEPING 1
#define PS_RUNNABLE 2
#define PS_RUNNING  3
#define PS_ZOMBIE   4

#define EPERM        1
#define ENOENT       2
#define ESRCH        3
#define EINTR        4
#define EIO          5
#define E2BIG        7
#define ENOEXEC      8
#define EBADF        9
#define ECHILD       10
#define EAGAIN       11
#define ENOMEM       12
#define EFAULT       14
#define EBUSY        16
#define EEXIST       17
#define ENOTDIR      20
#define EISDIR       21
#define EINVAL       22
#define EMFILE       24
#define EFBIG        27
#define ENOSPC       28
#define ESPIPE       29
#define EPIPE        32
#define ENAMETOOLONG 36
#define ENOSYS       38
#define ENOTEMPTY    39

/* exec: the argument strings (with their NULs) plus the argv pointers
 * (8 bytes each, and the NULL) fit in ARGMAX bytes, else -E2BIG */
#define ARGMAX  4096
#define MAXPATH 256

#endif
