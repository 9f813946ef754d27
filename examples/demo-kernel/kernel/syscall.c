/*
 * syscall.c: system calls. Every user pointer goes through copyin/copyout/
 * copyinstr, which check the process page table, so a bad pointer gives
 * KK_EFAULT and never a kernel fault.
 */
#include "file.h"
#include "fs.h"
#include "mem.h"
#include "proc.h"
#include "sched.h"
#include "syscall.h"
#include "virtio.h"
#include "vm.h"

#define ARG(n) (p->uctx.x[UCTX_A0 + (n)])
#define IOBUF  4096
#define RWBUF  (64 * 1024)

static struct file *fd_file(struct proc *p, uint64_t fd)
{
    return fd < NOFILE ? p->ofile[fd] : NULL;
}

static int fd_alloc(struct proc *p, struct file *f)
{
    for (int fd = 0; fd < NOFILE; fd++) {
        if (!p->ofile[fd]) {
            p->ofile[fd] = f;
            return fd;
        }
    }
    return KK_EMFILE;
}

static int get_path(struct proc *p, uint64_t uva, char *buf)
{
    int n = copyinstr(p->as, buf, uva, MAXPATH);
    return n < 0 ? n : 0;
}

/* Whether every page of [va, va + n) is mapped with access need. */
static bool user_range_ok(struct aspace *as, uintptr_t va, size_t n, int need)
{
    if (n == 0 || va + n < va)
        return n == 0;
    for (uintptr_t pg = va & ~(uintptr_t)(PGSIZE - 1); pg < va + n; pg += PGSIZE)
        if (!as_lookup(as, pg < va ? va : pg, need))
            return false;
    return true;
}

/* read/write through a kernel buffer of up to RWBUF bytes: a large file
 * transfer reaches the file system (and the disk's batches) in large pieces. */
static long sys_rw(struct proc *p, bool write)
{
    struct file *f = fd_file(p, ARG(0));
    uintptr_t ubuf = ARG(1);
    size_t n = ARG(2), done = 0;
    if (!f)
        return KK_EBADF;
    if (n > 0x7fffffff)
        return KK_EINVAL;
    size_t bufsize = n <= IOBUF ? IOBUF : n < RWBUF ? n : RWBUF;
    char *kbuf = kmalloc(bufsize);
    if (!kbuf)
        return KK_ENOMEM;
    long rc = 0;
    while (done < n) {
        size_t chunk = n - done < bufsize ? n - done : bufsize;
        if (write) {
            rc = copyin(p->as, kbuf, ubuf + done, chunk);
            if (rc == 0)
                rc = file_write(f, kbuf, chunk);
        } else {
            /* validate the destination first so no data is lost on EFAULT */
            rc = user_range_ok(p->as, ubuf + done, chunk, VM_W) ? file_read(f, kbuf, chunk)
                                                                : KK_EFAULT;
            if (rc > 0 && copyout(p->as, ubuf + done, kbuf, (size_t)rc) < 0)
                rc = KK_EFAULT;
        }
        if (rc <= 0)
            break;
        done += (size_t)rc;
        if ((size_t)rc < chunk || f->type != F_FS)
            break; /* short transfer, or a console / pipe: return what we have */
    }
    kfree(kbuf);
    return done ? (long)done : rc;
}

static long sys_open(struct proc *p)
{
    char path[MAXPATH];
    int flags = (int)ARG(1), rc = get_path(p, ARG(0), path);
    if (rc < 0)
        return rc;
    struct file *f = file_alloc();
    if (!f)
        return KK_ENOMEM;
    rc = fs_open(p, path, flags, &f->fs);
    if (rc < 0) {
        kfree(f);
        return rc;
    }
    f->type = F_FS;
    f->readable = (flags & O_ACCMODE) != O_WRONLY;
    f->writable = (flags & O_ACCMODE) != O_RDONLY;
    int fd = fd_alloc(p, f);
    if (fd < 0)
        file_close(f);
    return fd;
}

/*
 * Copy the argument vector into one ARGMAX-byte buffer (not the kernel
 * stack): the strings from its start upwards, their pointers from its end
 * downwards (reversed into order at the end). More than fits is KK_E2BIG.
 */
static long sys_exec(struct proc *p)
{
    char path[MAXPATH];
    int rc = get_path(p, ARG(0), path);
    if (rc < 0)
        return rc;
    char *buf = kmalloc(ARGMAX), *str = buf;
    if (!buf)
        return KK_ENOMEM;
    char **slot = (char **)(buf + ARGMAX); /* NULL in slot[-1], argv[0] in slot[-2], ... */
    int argc = 0;
    rc = 0;
    for (uintptr_t uargv = ARG(1); uargv; argc++) {
        uint64_t ptr;
        if ((rc = copyin(p->as, &ptr, uargv + 8 * (uint64_t)argc, 8)) < 0)
            break;
        if (!ptr)
            break;
        /* room for this string, its pointer and the terminating NULL */
        size_t used = (size_t)(str - buf) + 8 * ((size_t)argc + 2);
        if (used >= ARGMAX) {
            rc = KK_E2BIG;
            break;
        }
        rc = copyinstr(p->as, str, ptr, ARGMAX - used);
        if (rc < 0) {
            rc = rc == KK_ENAMETOOLONG ? KK_E2BIG : rc;
            break;
        }
        slot[-argc - 2] = str;
        str += rc + 1;
        rc = 0;
    }
    if (rc == 0) {
        char **argv = slot - argc - 1;
        for (int i = 0; i < argc / 2; i++) {
            char *t = argv[i];
            argv[i] = argv[argc - 1 - i];
            argv[argc - 1 - i] = t;
        }
        argv[argc] = NULL;
        rc = exec_load(p, path, argv);
    }
    kfree(buf);
    return rc;
}

static long sys_pipe(struct proc *p)
{
    struct file *rd, *wr;
    int rc = file_pipe(&rd, &wr);
    if (rc < 0)
        return rc;
    int fds[2] = {fd_alloc(p, rd), -1};
    if (fds[0] >= 0)
        fds[1] = fd_alloc(p, wr);
    if (fds[1] < 0 || copyout(p->as, ARG(0), fds, sizeof fds) < 0) {
        if (fds[0] >= 0)
            p->ofile[fds[0]] = NULL;
        if (fds[1] >= 0)
            p->ofile[fds[1]] = NULL;
        file_close(rd);
        file_close(wr);
        return fds[1] < 0 ? KK_EMFILE : KK_EFAULT;
    }
    return 0;
}

static long sys_sbrk(struct proc *p)
{
    int64_t n = (int64_t)ARG(0);
    uintptr_t old = p->brk;
    if (n > 0) {
        if (n > (int64_t)(USTACK_TOP - (USTACK_PAGES + 1) * PGSIZE - old))
            return KK_ENOMEM;
        uintptr_t from = PGROUNDUP(old);
        if (old + (uintptr_t)n > from) {
            int rc = as_alloc(p->as, from, old + (uintptr_t)n - from, VM_R | VM_W);
            if (rc < 0) {
                as_free(p->as, from, old + (uintptr_t)n - from);
                return KK_ENOMEM;
            }
        }
    } else if (n < 0) {
        if ((uint64_t)-n > old - p->heap_start)
            return KK_EINVAL;
        as_free(p->as, PGROUNDUP(old + (uintptr_t)n),
                PGROUNDUP(old) - PGROUNDUP(old + (uintptr_t)n));
    }
    p->brk = old + (uintptr_t)n;
    return (long)old;
}

static long sys_fstat(struct proc *p)
{
    struct file *f = fd_file(p, ARG(0));
    struct stat st = {0};
    if (!f)
        return KK_EBADF;
    int rc = 0;
    if (f->type == F_FS)
        rc = fs_fstat(f->fs, &st);
    else
        st.type = T_DEV;
    if (rc < 0)
        return rc;
    return copyout(p->as, ARG(1), &st, sizeof st);
}

static long sys_getdents(struct proc *p)
{
    struct file *f = fd_file(p, ARG(0));
    size_t n = ARG(2) < IOBUF ? ARG(2) : IOBUF;
    if (!f || f->type != F_FS)
        return KK_EBADF;
    char *kbuf = kmalloc(IOBUF);
    if (!kbuf)
        return KK_ENOMEM;
    int rc = fs_getdents(f->fs, kbuf, n);
    if (rc > 0 && copyout(p->as, ARG(1), kbuf, (size_t)rc) < 0)
        rc = KK_EFAULT;
    kfree(kbuf);
    return rc;
}

static long sys_path(struct proc *p, int (*op)(struct proc *, const char *))
{
    char path[MAXPATH];
    int rc = get_path(p, ARG(0), path);
    return rc < 0 ? rc : op(p, path);
}

/* rename, link, symlink: two paths */
static long sys_path2(struct proc *p, int op)
{
    char a[MAXPATH], b[MAXPATH];
    int rc = get_path(p, ARG(0), a);
    if (rc == 0)
        rc = get_path(p, ARG(1), b);
    return rc < 0 ? rc : fs_path2(p, op, a, b);
}

static long sys_readlink(struct proc *p)
{
    char path[MAXPATH], target[MAXPATH];
    size_t n = ARG(2) < sizeof target ? ARG(2) : sizeof target;
    int rc = get_path(p, ARG(0), path);
    if (rc == 0)
        rc = fs_readlink(p, path, target, sizeof target);
    if (rc < 0)
        return rc;
    if ((size_t)rc < n)
        n = (size_t)rc;
    if (n && copyout(p->as, ARG(1), target, n) < 0)
        return KK_EFAULT;
    return (long)n;
}

static long sys_statfs(struct proc *p)
{
    struct statfs st;
    int rc = fs_statfs(&st);
    if (rc < 0)
        return rc;
    return copyout(p->as, ARG(0), &st, sizeof st) < 0 ? KK_EFAULT : 0;
}

static long sys_sysinfo(struct proc *p)
{
    struct sysinfo si = {0};
    extern uint64_t boot_to_init;
    si.timebase = boot_info.timebase;
    si.boot_to_init = boot_to_init;
    si.free_frames = mem_free_frames();
    si.total_frames = mem_total_frames();
    si.ncpu = (uint32_t)ncpu;
    si.nproc = NPROC;
    strncpy0(si.sched, rq_policy(), sizeof si.sched);
    return copyout(p->as, ARG(0), &si, sizeof si);
}

static long sys_ps(struct proc *p)
{
    int max = ARG(1) > NPROC ? NPROC : (int)ARG(1);
    struct procinfo *buf = kmalloc(sizeof *buf * NPROC);
    if (!buf)
        return KK_ENOMEM;
    int n = proc_list(buf, max);
    long rc = copyout(p->as, ARG(0), buf, sizeof *buf * (size_t)n);
    kfree(buf);
    return rc < 0 ? rc : n;
}

long syscall_dispatch(struct proc *p)
{
    struct file *f;
    switch (p->uctx.x[UCTX_A7]) {
    case SYS_exit:
        proc_exit((int)ARG(0));
    case SYS_fork:
        return proc_fork();
    case SYS_exec:
        return sys_exec(p);
    case SYS_wait:
        return proc_wait(ARG(0));
    case SYS_getpid:
        return p->pid;
    case SYS_yield:
        sched_yield();
        return 0;
    case SYS_sleep:
        proc_sleep_ticks((ARG(0) * TICK_HZ + 999) / 1000);
        return 0;
    case SYS_setpriority:
        return proc_setpriority((int)ARG(0));
    case SYS_open:
        return sys_open(p);
    case SYS_close:
        if (!(f = fd_file(p, ARG(0))))
            return KK_EBADF;
        p->ofile[ARG(0)] = NULL;
        file_close(f);
        return 0;
    case SYS_read:
        return sys_rw(p, false);
    case SYS_write:
        return sys_rw(p, true);
    case SYS_lseek:
        if (!(f = fd_file(p, ARG(0))))
            return KK_EBADF;
        return f->type == F_FS ? fs_lseek(f->fs, (int64_t)ARG(1), (int)ARG(2)) : KK_ESPIPE;
    case SYS_fstat:
        return sys_fstat(p);
    case SYS_getdents:
        return sys_getdents(p);
    case SYS_mkdir:
        return sys_path(p, fs_mkdir);
    case SYS_unlink:
        return sys_path(p, fs_unlink);
    case SYS_chdir:
        return sys_path(p, fs_chdir);
    case SYS_dup: {
        if (!(f = fd_file(p, ARG(0))))
            return KK_EBADF;
        int fd = fd_alloc(p, f);
        if (fd >= 0)
            file_dup(f);
        return fd;
    }
    case SYS_pipe:
        return sys_pipe(p);
    case SYS_sbrk:
        return sys_sbrk(p);
    case SYS_uptime:
        return (long)rdtime();
    case SYS_getcwd: {
        size_t len = strlen(p->cwd_path) + 1;
        if (len > ARG(1))
            return KK_ERANGE;
        return copyout(p->as, ARG(0), p->cwd_path, len);
    }
    case SYS_sysinfo:
        return sys_sysinfo(p);
    case SYS_kill:
        return proc_kill((int)ARG(0));
    case SYS_ps:
        return sys_ps(p);
    case SYS_blkcheck:
        return vblk_selfcheck((uint32_t)ARG(0), VBLK_CHECK_BIG);
    case SYS_rename:
        return sys_path2(p, 0);
    case SYS_link:
        return sys_path2(p, 1);
    case SYS_symlink:
        return sys_path2(p, 2);
    case SYS_readlink:
        return sys_readlink(p);
    case SYS_statfs:
        return sys_statfs(p);
    case SYS_setpgid:
        return proc_setpgid((int)ARG(0), (int)ARG(1));
    case SYS_tcsetpgrp:
        return console_set_foreground((int)ARG(0));
    case SYS_consmode:
        return console_set_raw((int)ARG(0) != 0);
    default:
        return KK_ENOSYS;
    }
}
