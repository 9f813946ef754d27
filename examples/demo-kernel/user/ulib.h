/* ulib.h: the demo's tiny C runtime: system calls, strings, printf, malloc. */
#ifndef DEMO_ULIB_H
#define DEMO_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/abi.h"

/* system calls: >= 0 on success, -errno on failure */
__attribute__((noreturn)) void exit(int status);
int fork(void);
int exec(const char *path, char *const argv[]);
int wait(int *status);
int getpid(void);
int yield(void);
int sleep_ms(long ms);
int setpriority(int prio);
int open(const char *path, int flags);
int close(int fd);
long read(int fd, void *buf, size_t n);
long write(int fd, const void *buf, size_t n);
long lseek(int fd, long off, int whence);
int fstat(int fd, struct stat *st);
int getdents(int fd, void *buf, size_t n);
int mkdir(const char *path);
int unlink(const char *path);
int chdir(const char *path);
int dup(int fd);
int pipe(int fds[2]);
void *sbrk(long n);
uint64_t uptime(void);
int getcwd(char *buf, size_t n);
int sysinfo(struct sysinfo *si);
int kill(int pid);
int rename(const char *oldpath, const char *newpath);
int link(const char *oldpath, const char *newpath);
int symlink(const char *target, const char *path);
int readlink(const char *path, char *buf, size_t n); /* the length; no NUL added */
int statfs(struct statfs *st);
int setpgid(int pid, int pgid); /* pid 0: the caller; pgid 0: pid */
int tcsetpgrp(int pgid);        /* the console's foreground group (Ctrl-C kills it) */
int consmode(int raw);          /* 1: raw console input, 0: cooked; returns the old mode */
int ps(struct procinfo *buf, int max);
int blkcheck(unsigned seed);
long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);

/* strings and memory */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *d, const char *s);
char *strchr(const char *s, int c);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
long atol(const char *s);
const char *strerror(int err); /* err may be negative */

/* output */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int puts(const char *s);

/* heap on sbrk */
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

#endif
