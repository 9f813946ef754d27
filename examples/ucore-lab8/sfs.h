/*
 * kern/fs/sfs/sfs.h as installed by kernkit's examples/ucore-lab8/apply.sh.
 *
 * uCore's VFS embeds struct sfs_fs in struct fs and struct sfs_inode in
 * struct inode; with kernkit both only point at kernkit objects (the on-disk
 * format, block cache, free map and inode cache all live in kernkit::sfs).
 * This header must stay free of kernkit headers: every uCore file includes it.
 */
#ifndef __KERN_FS_SFS_SFS_H__
#define __KERN_FS_SFS_SFS_H__

#include <defs.h>
#include <list.h>
#include <sem.h>

#define SFS_BLKSIZE       4096                  /* kernkit::sfs block size */
#define SFS_MAX_FILE_SIZE (1024UL * 1024 * 128) /* uCore's seek/truncate limit, kept */

struct kk_sfs;
struct kk_sfs_inode;
struct kk_blockdev;
struct kk_fs_platform;

/* One uCore inode for one kernkit inode reference. */
struct sfs_inode {
    struct kk_sfs_inode *kin; /* the kernkit reference this inode holds */
    uint32_t ino;             /* inode number (its block) */
    uint16_t type;            /* SFS type: 1 file, 2 directory, 3 symlink */
    list_entry_t inode_link;  /* in sfs_fs.inode_list */
};

/* A mounted kernkit::sfs. */
struct sfs_fs {
    struct kk_sfs *kfs;          /* the kernkit mount */
    struct device *dev;          /* uCore's disk0 */
    struct kk_blockdev *bdev;    /* dev as a kernkit block device (kmalloc'ed) */
    struct kk_fs_platform *plat; /* kmalloc/kfree + semaphores (kmalloc'ed) */
    semaphore_t mutex_sem;       /* guards inode_list */
    list_entry_t inode_list;     /* the loaded uCore inodes */
};

void sfs_init(void);
int sfs_mount(const char *devname);

#endif /* !__KERN_FS_SFS_SFS_H__ */
