/* memfs.h: a tiny in-memory file system for the VFS tests (see memfs.c). */
#ifndef KK_TEST_MEMFS_H
#define KK_TEST_MEMFS_H
#include <kernkit/vfs.h>

struct mnode;
struct memfs {
    struct mnode *root;
    uint64_t next_ino;
    long live; /* nodes alive */
};

void memfs_init(struct memfs *fs);
void memfs_fini(struct memfs *fs);
const struct kk_vfs_ops *memfs_ops(void);
#endif
