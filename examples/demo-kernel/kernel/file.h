/* file.h: open files shared by descriptors: the console, pipes and files of
 * the file system. */
#ifndef DEMO_FILE_H
#define DEMO_FILE_H

#include "kernel.h"
#include "../include/abi.h"

struct pipe;
struct file {
    enum { F_CONSOLE = 1, F_PIPE, F_FS } type;
    int ref;
    bool readable, writable;
    struct pipe *pipe;
    void *fs; /* file-system handle (fs.h) */
};

void file_init(void);
struct file *file_console(void);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
int file_read(struct file *f, void *kbuf, size_t n);
int file_write(struct file *f, const void *kbuf, size_t n);
int file_pipe(struct file **rd, struct file **wr);
struct file *file_alloc(void);

#endif
