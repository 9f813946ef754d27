/*
 * file.c: reference-counted open files and pipes. A file is shared by every
 * descriptor dup()ed or inherited from it; the last close releases it. A
 * pipe is a 512-byte ring: readers sleep while it is empty and a writer is
 * open, writers sleep while it is full and a reader is open.
 */
#include "file.h"
#include "fs.h"
#include "mem.h"
#include "proc.h"

#define PIPESIZE 512

struct pipe {
    struct spinlock lock;
    char data[PIPESIZE];
    unsigned nread, nwrite;
    bool readopen, writeopen;
};

static struct spinlock files_lock;
static struct file console_file = {F_CONSOLE, 1, true, true, NULL, NULL};

void file_init(void)
{
    spin_init(&files_lock, "files");
}

struct file *file_alloc(void)
{
    struct file *f = kzalloc(sizeof *f);
    if (f)
        f->ref = 1;
    return f;
}

struct file *file_console(void)
{
    return file_dup(&console_file);
}

struct file *file_dup(struct file *f)
{
    spin_lock(&files_lock);
    f->ref++;
    spin_unlock(&files_lock);
    return f;
}

static void pipe_close(struct pipe *pi, bool writer)
{
    spin_lock(&pi->lock);
    if (writer)
        pi->writeopen = false;
    else
        pi->readopen = false;
    bool last = !pi->readopen && !pi->writeopen;
    spin_unlock(&pi->lock);
    /* readers sleep on nwrite, writers on nread: wake the other side */
    wakeup(writer ? (void *)&pi->nwrite : (void *)&pi->nread);
    if (last)
        kfree(pi);
}

void file_close(struct file *f)
{
    spin_lock(&files_lock);
    int ref = --f->ref;
    spin_unlock(&files_lock);
    if (ref > 0 || f == &console_file)
        return;
    if (f->type == F_PIPE)
        pipe_close(f->pipe, f->writable);
    else if (f->type == F_FS)
        fs_close(f->fs);
    kfree(f);
}

static int pipe_read(struct pipe *pi, char *buf, size_t n)
{
    size_t i = 0;
    spin_lock(&pi->lock);
    while (pi->nread == pi->nwrite && pi->writeopen) {
        if (myproc()->killed) {
            spin_unlock(&pi->lock);
            return KK_EINTR;
        }
        sleep_on(&pi->nwrite, &pi->lock);
    }
    for (; i < n && pi->nread != pi->nwrite; i++)
        buf[i] = pi->data[pi->nread++ % PIPESIZE];
    spin_unlock(&pi->lock);
    wakeup_sync(&pi->nread);
    return (int)i;
}

static int pipe_write(struct pipe *pi, const char *buf, size_t n)
{
    size_t i = 0;
    spin_lock(&pi->lock);
    while (i < n) {
        if (!pi->readopen || myproc()->killed) {
            spin_unlock(&pi->lock);
            return i ? (int)i : KK_EPIPE;
        }
        if (pi->nwrite - pi->nread == PIPESIZE) {
            wakeup(&pi->nwrite);
            sleep_on(&pi->nread, &pi->lock);
            continue;
        }
        pi->data[pi->nwrite++ % PIPESIZE] = buf[i++];
    }
    spin_unlock(&pi->lock);
    wakeup_sync(&pi->nwrite);
    return (int)i;
}

int file_read(struct file *f, void *kbuf, size_t n)
{
    if (!f->readable)
        return KK_EBADF;
    switch (f->type) {
    case F_CONSOLE:
        return console_read(kbuf, n);
    case F_PIPE:
        return pipe_read(f->pipe, kbuf, n);
    case F_FS:
        return fs_read(f->fs, kbuf, n);
    }
    return KK_EBADF;
}

int file_write(struct file *f, const void *kbuf, size_t n)
{
    if (!f->writable)
        return KK_EBADF;
    switch (f->type) {
    case F_CONSOLE:
        console_write(kbuf, n);
        return (int)n;
    case F_PIPE:
        return pipe_write(f->pipe, kbuf, n);
    case F_FS:
        return fs_write(f->fs, kbuf, n);
    }
    return KK_EBADF;
}

int file_pipe(struct file **rd, struct file **wr)
{
    struct pipe *pi = kzalloc(sizeof *pi);
    *rd = file_alloc();
    *wr = file_alloc();
    if (!pi || !*rd || !*wr) {
        kfree(pi);
        kfree(*rd);
        kfree(*wr);
        return KK_ENOMEM;
    }
    spin_init(&pi->lock, "pipe");
    pi->readopen = pi->writeopen = true;
    (*rd)->type = (*wr)->type = F_PIPE;
    (*rd)->pipe = (*wr)->pipe = pi;
    (*rd)->readable = true;
    (*wr)->writable = true;
    return 0;
}
