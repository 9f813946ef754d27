/* fs.h: what the kernel needs from its file system (the root mount). Paths
 * are resolved against the process's current directory. Every function
 * returns 0 / a count or a negative KK_E* code. */
#ifndef DEMO_FS_H
#define DEMO_FS_H

#include "kernel.h"
#include "../include/abi.h"

struct proc;
int fs_init(void);
void fs_sync(void);
int fs_proc_init(struct proc *p);
void fs_proc_fork(struct proc *child, struct proc *parent);
void fs_proc_exit(struct proc *p);
int fs_open(struct proc *p, const char *path, int flags, void **h);
int fs_read(void *h, void *buf, size_t n);
int fs_write(void *h, const void *buf, size_t n);
int64_t fs_lseek(void *h, int64_t off, int whence);
int fs_fstat(void *h, struct stat *st);
int fs_getdents(void *h, void *buf, size_t n);
void fs_close(void *h);
int fs_mkdir(struct proc *p, const char *path);
int fs_unlink(struct proc *p, const char *path);
/* op: 0 rename(a, b), 1 link(a, b), 2 symlink(target a, path b) */
int fs_path2(struct proc *p, int op, const char *a, const char *b);
int fs_readlink(struct proc *p, const char *path, char *buf, size_t n);
struct statfs;
int fs_statfs(struct statfs *st);
int fs_chdir(struct proc *p, const char *path);
const char *fs_name(void);

/* exec.c */
int exec_load(struct proc *p, const char *path, char *const argv[]);

#endif
