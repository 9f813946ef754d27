/* ulib.c: system-call wrappers, string functions, printf and malloc. */
#include "ulib.h"

long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r3 __asm__("a3") = a3;
    register long r4 __asm__("a4") = a4;
    register long r5 __asm__("a5") = a5;
    register long r7 __asm__("a7") = n;
    __asm__ volatile("ecall"
                     : "+r"(r0)
                     : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
                     : "memory");
    return r0;
}
#define SC0(n)          syscall6(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a)       syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b)    syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

void exit(int status)
{
    SC1(SYS_exit, status);
    for (;;)
        ;
}
int fork(void)
{
    return (int)SC0(SYS_fork);
}
int exec(const char *path, char *const argv[])
{
    return (int)SC2(SYS_exec, path, argv);
}
int wait(int *status)
{
    return (int)SC1(SYS_wait, status);
}
int getpid(void)
{
    return (int)SC0(SYS_getpid);
}
int yield(void)
{
    return (int)SC0(SYS_yield);
}
int sleep_ms(long ms)
{
    return (int)SC1(SYS_sleep, ms);
}
int setpriority(int prio)
{
    return (int)SC1(SYS_setpriority, prio);
}
int open(const char *path, int flags)
{
    return (int)SC2(SYS_open, path, flags);
}
int close(int fd)
{
    return (int)SC1(SYS_close, fd);
}
long read(int fd, void *buf, size_t n)
{
    return SC3(SYS_read, fd, buf, n);
}
long write(int fd, const void *buf, size_t n)
{
    return SC3(SYS_write, fd, buf, n);
}
long lseek(int fd, long off, int whence)
{
    return SC3(SYS_lseek, fd, off, whence);
}
int fstat(int fd, struct stat *st)
{
    return (int)SC2(SYS_fstat, fd, st);
}
int getdents(int fd, void *buf, size_t n)
{
    return (int)SC3(SYS_getdents, fd, buf, n);
}
int mkdir(const char *path)
{
    return (int)SC1(SYS_mkdir, path);
}
int unlink(const char *path)
{
    return (int)SC1(SYS_unlink, path);
}
int chdir(const char *path)
{
    return (int)SC1(SYS_chdir, path);
}
int dup(int fd)
{
    return (int)SC1(SYS_dup, fd);
}
int pipe(int fds[2])
{
    return (int)SC1(SYS_pipe, fds);
}
uint64_t uptime(void)
{
    return (uint64_t)SC0(SYS_uptime);
}
int getcwd(char *buf, size_t n)
{
    return (int)SC2(SYS_getcwd, buf, n);
}
int sysinfo(struct sysinfo *si)
{
    return (int)SC1(SYS_sysinfo, si);
}
int setpgid(int pid, int pgid)
{
    return (int)syscall6(SYS_setpgid, pid, pgid, 0, 0, 0, 0);
}

int tcsetpgrp(int pgid)
{
    return (int)syscall6(SYS_tcsetpgrp, pgid, 0, 0, 0, 0, 0);
}

int consmode(int raw)
{
    return (int)syscall6(SYS_consmode, raw, 0, 0, 0, 0, 0);
}

int rename(const char *a, const char *b)
{
    return (int)syscall6(SYS_rename, (long)a, (long)b, 0, 0, 0, 0);
}

int link(const char *a, const char *b)
{
    return (int)syscall6(SYS_link, (long)a, (long)b, 0, 0, 0, 0);
}

int symlink(const char *target, const char *path)
{
    return (int)syscall6(SYS_symlink, (long)target, (long)path, 0, 0, 0, 0);
}

int readlink(const char *path, char *buf, size_t n)
{
    return (int)syscall6(SYS_readlink, (long)path, (long)buf, (long)n, 0, 0, 0);
}

int statfs(struct statfs *st)
{
    return (int)syscall6(SYS_statfs, (long)st, 0, 0, 0, 0, 0);
}

int kill(int pid)
{
    return (int)SC1(SYS_kill, pid);
}
int ps(struct procinfo *buf, int max)
{
    return (int)SC2(SYS_ps, buf, max);
}

int blkcheck(unsigned seed)
{
    return (int)SC1(SYS_blkcheck, seed);
}

void *sbrk(long n)
{
    long r = SC1(SYS_sbrk, n);
    return r < 0 && r > -4096 ? (void *)-1 : (void *)r;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}
int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            break;
    }
    return 0;
}
char *strcpy(char *d, const char *s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}
char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}
void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}
void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    if (p <= q || p >= q + n)
        return memcpy(d, s, n);
    while (n--)
        p[n] = q[n];
    return d;
}
int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}
long atol(const char *s)
{
    long v = 0, sign = 1;
    if (*s == '-')
        sign = -1, s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v * sign;
}

const char *strerror(int err)
{
    static const struct {
        int e;
        const char *s;
    } tab[] = {/* the C library's words, as kk_strerror() and the host tools print them */
               {EPERM, "Operation not permitted"},
               {ESRCH, "No such process"},
               {ENOENT, "No such file or directory"},
               {EINTR, "Interrupted system call"},
               {EIO, "Input/output error"},
               {E2BIG, "Argument list too long"},
               {ENOEXEC, "Exec format error"},
               {EBADF, "Bad file descriptor"},
               {ECHILD, "No child processes"},
               {EAGAIN, "Resource temporarily unavailable"},
               {ENOMEM, "Cannot allocate memory"},
               {EFAULT, "Bad address"},
               {EBUSY, "Device or resource busy"},
               {EEXIST, "File exists"},
               {ENOTDIR, "Not a directory"},
               {EISDIR, "Is a directory"},
               {EINVAL, "Invalid argument"},
               {EMFILE, "Too many open files"},
               {EFBIG, "File too large"},
               {ENOSPC, "No space left on device"},
               {ESPIPE, "Illegal seek"},
               {EPIPE, "Broken pipe"},
               {ENAMETOOLONG, "File name too long"},
               {ENOSYS, "Function not implemented"},
               {ENOTEMPTY, "Directory not empty"},
               {30, "Read-only file system"}};
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].e == err)
            return tab[i].s;
    return "Unknown error";
}

/* ---- formatted output ---- */
struct out {
    char *buf;
    size_t cap, len;
    int fd;
};

static void emit(struct out *o, char c)
{
    if (o->fd >= 0) {
        if (o->len == o->cap) {
            write(o->fd, o->buf, o->len);
            o->len = 0;
        }
        o->buf[o->len++] = c;
        return;
    }
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void emit_num(struct out *o, unsigned long v, unsigned base, int width, char pad, int neg)
{
    char tmp[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg && pad == '0')
        emit(o, '-');
    else if (neg)
        tmp[n++] = '-';
    for (int w = n + (neg && pad == '0'); w < width; w++)
        emit(o, pad);
    while (n)
        emit(o, tmp[--n]);
}

static void format(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0, left = 0;
        if (*fmt == '-')
            left = 1, fmt++;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            lng = 1, fmt++;
        switch (*fmt) {
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            emit_num(o, v < 0 ? -(unsigned long)v : (unsigned long)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            emit_num(o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            emit_num(o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, pad, 0);
            break;
        case 'p':
            emit(o, '0');
            emit(o, 'x');
            emit_num(o, (unsigned long)va_arg(ap, void *), 16, 0, ' ', 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int l = (int)strlen(s);
            for (int w = l; !left && w < width; w++)
                emit(o, ' ');
            while (*s)
                emit(o, *s++);
            for (int w = l; left && w < width; w++)
                emit(o, ' ');
            break;
        }
        case 'c':
            emit(o, (char)va_arg(ap, int));
            break;
        case '%':
            emit(o, '%');
            break;
        default:
            emit(o, '%');
            emit(o, *fmt);
        }
    }
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {buf, n, 0, -1};
    format(&o, fmt, ap);
    if (n)
        buf[o.len < n ? o.len : n - 1] = 0;
    return (int)o.len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static int vfdprintf(int fd, const char *fmt, va_list ap)
{
    char buf[256];
    struct out o = {buf, sizeof buf, 0, fd};
    format(&o, fmt, ap);
    if (o.len)
        write(fd, buf, o.len);
    return 0;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfdprintf(1, fmt, ap);
    va_end(ap);
    return 0;
}

int fprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfdprintf(fd, fmt, ap);
    va_end(ap);
    return 0;
}

int puts(const char *s)
{
    write(1, s, strlen(s));
    write(1, "\n", 1);
    return 0;
}

/* ---- malloc: first fit over an address-ordered free list, grown by sbrk ---- */
struct blk {
    size_t size; /* bytes including this header */
    struct blk *next;
};
static struct blk *freelist;

void free(void *p)
{
    if (!p)
        return;
    struct blk *b = (struct blk *)p - 1, **pp = &freelist;
    while (*pp && *pp < b)
        pp = &(*pp)->next;
    b->next = *pp;
    *pp = b;
    if (b->next && (char *)b + b->size == (char *)b->next) {
        b->size += b->next->size;
        b->next = b->next->next;
    }
    if (pp != &freelist) {
        struct blk *prev = (struct blk *)((char *)pp - offsetof(struct blk, next));
        if ((char *)prev + prev->size == (char *)b) {
            prev->size += b->size;
            prev->next = b->next;
        }
    }
}

void *malloc(size_t n)
{
    if (n > (1ul << 30))
        return NULL;
    size_t need = (n + sizeof(struct blk) + 15) & ~15ul;
    for (int tries = 0; tries < 2; tries++) {
        for (struct blk **pp = &freelist; *pp; pp = &(*pp)->next) {
            struct blk *b = *pp;
            if (b->size < need)
                continue;
            if (b->size - need >= 64) {
                struct blk *rest = (struct blk *)((char *)b + need);
                rest->size = b->size - need;
                rest->next = b->next;
                *pp = rest;
                b->size = need;
            } else {
                *pp = b->next;
            }
            return b + 1;
        }
        size_t grow = need < 65536 ? 65536 : need;
        struct blk *b = sbrk((long)grow);
        if (b == (void *)-1)
            return NULL;
        b->size = grow;
        free(b + 1);
    }
    return NULL;
}

void *calloc(size_t n, size_t m)
{
    if (m && n > (size_t)-1 / m)
        return NULL;
    void *p = malloc(n * m);
    if (p)
        memset(p, 0, n * m);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    struct blk *b = (struct blk *)p - 1;
    size_t have = b->size - sizeof *b;
    if (have >= n)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, have);
        free(p);
    }
    return q;
}
