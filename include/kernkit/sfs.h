/**
 * @file sfs.h
 * @brief uCore-compatible Simple File System over a kk_blockdev.
 *
 * A mounted file system (struct kk_sfs) keeps a write-back LRU block cache,
 * an inode cache with reference counts and the free map in memory; nothing
 * reaches the device before kk_sfs_sync(), kk_sfs_fsync(), kk_sfs_unmount()
 * or a cache eviction, and every write-back keeps the rule "no block reachable
 * on disk is marked free on disk". All operations on one mount are serialised
 * by one platform lock, so any number of threads may share a mount.
 *
 * Inode handles (struct kk_sfs_inode) are reference counted: every function
 * that returns one gives the caller a reference, which the caller drops with
 * kk_sfs_put(). An unlinked inode lives until its last reference is dropped.
 *
 * Errors: KK_EINVAL (bad argument), KK_ENOENT, KK_EEXIST, KK_ENOTDIR,
 * KK_EISDIR, KK_ENOTEMPTY, KK_ENAMETOOLONG, KK_ENOSPC, KK_ENOMEM, KK_EFBIG,
 * KK_EMLINK, KK_EPERM, KK_EIO (or the device's code), KK_ECORRUPT (the image
 * is damaged where the operation looked). After an error the in-memory state
 * is consistent and the mount stays usable.
 */
#ifndef KERNKIT_SFS_H
#define KERNKIT_SFS_H

#include <kernkit/base.h>
#include <kernkit/blockdev.h>
#include <kernkit/sfs_format.h>
#include <kernkit/vfs.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A mounted SFS instance (opaque; allocated through the platform by kk_sfs_mount()). */
struct kk_sfs;
/** A referenced in-memory inode of a mounted SFS (opaque). */
struct kk_sfs_inode;

/** Mount options. Zero-filled optional fields mean "default". */
struct kk_sfs_config {
    /** sizeof(struct kk_sfs_config). */
    uint32_t size;
    /** Mount read-only: every modifying operation fails with KK_EROFS. */
    uint32_t read_only;
    /** The device (required); must outlive the mount. */
    const struct kk_blockdev *dev;
    /** Allocation and locking (required, alloc at least); must outlive the mount. */
    const struct kk_fs_platform *plat;
    /** Block-cache size in blocks (0 = 64; at least 16 are used). */
    uint32_t cache_blocks;
    /**
     * Optional caller memory for the cache's block buffers (cache_bytes / 4096
     * blocks, overriding cache_blocks); NULL = allocate through plat. Owned by
     * the caller, must outlive the mount.
     */
    void *cache_mem;
    /** Size of cache_mem in bytes. */
    size_t cache_bytes;
    /**
     * Nonzero: build no in-memory name index for large directories (every
     * lookup scans the slots: O(n) per operation, no memory). Default 0: a
     * cached directory of 32 slots or more gets an index (about 16 bytes per
     * slot from plat->alloc) making lookup/create/unlink O(1) expected.
     * Added in the second revision of this struct; callers built with the
     * first (size without this field) get the default.
     */
    uint32_t no_dir_index;
    /**
     * Nonzero: write dirty blocks back in block order without the barriers of
     * the ordered write-back (docs/sfs.md, "Crash consistency and data
     * safety"). Only for building a new image (mksfs), where a power cut leaves
     * no usable image anyway: fewer, larger writes. Default 0: ordered.
     * Added in the third revision of this struct (older sizes get 0).
     */
    uint32_t unordered;
    /**
     * Nonzero: on a read-write mount, before anything is written, walk the
     * tree reachable from the root (inodes, directory entry blocks, indirect
     * blocks; file data is not read) and refuse writes when it finds
     * something that would let allocation or a write spread damage: a
     * reachable block marked free in the free map, a block reachable twice
     * (cross-linked), a pointer out of range or into the metadata, an entry
     * naming a non-inode or a second name of a directory, a file with more
     * names than its link count. Then the mount succeeds and reads work, but
     * every modifying operation fails with KK_ECORRUPT
     * (kk_sfs_write_state() names the first block at fault): repair with
     * kk_sfs_fsck() (sfsck -y) first. Leaked blocks (marked used,
     * unreachable: what a power cut leaves) and a stale free count do not
     * refuse writes. Costs one read of every inode, entry and indirect block
     * at mount (docs/sfs.md). Default 0.
     * Added in the fourth revision of this struct (older sizes get 0).
     */
    uint32_t verify_map;
};

/** File-system statistics (kk_sfs_statfs()). */
struct kk_sfs_statfs {
    uint32_t block_size;        /**< Always KK_SFS_BLKSIZE. */
    uint32_t blocks;            /**< Total blocks. */
    uint32_t free_blocks;       /**< Free blocks (including those freed since the last sync). */
    uint32_t name_max;          /**< Longest name: KK_SFS_MAX_NAME. */
    char info[KK_SFS_INFO_LEN]; /**< The superblock's info string (NUL-terminated). */
};

/** Attributes of an inode (kk_sfs_stat()). */
struct kk_sfs_stat {
    uint32_t ino;    /**< Inode number (= its block number). */
    uint16_t type;   /**< enum kk_sfs_type. */
    uint16_t nlinks; /**< Hard links. */
    uint32_t size;   /**< Size in bytes. */
    uint32_t blocks; /**< Logical blocks (see struct kk_sfs_disk_inode). */
};

/** One directory entry (kk_sfs_readdir()). */
struct kk_sfs_dirent {
    uint32_t ino;                   /**< Inode number of the entry. */
    char name[KK_SFS_MAX_NAME + 1]; /**< NUL-terminated name. */
};

/** Options of kk_sfs_format(). */
struct kk_sfs_format_opts {
    /** sizeof(struct kk_sfs_format_opts). */
    uint32_t size;
    /** File-system size in 4096-byte blocks; 0 = the whole device. */
    uint32_t blocks;
    /** Superblock info string (truncated to 31 bytes); NULL = "simple file system". */
    const char *info;
};

/**
 * @brief Write an empty file system (superblock, root directory with "." and
 *        "..", free map) to a device.
 * The layout matches uCore's mksfs for an empty tree: root inode in block 1,
 * its "." and ".." entries in the first two blocks after the free map.
 * @param dev the device; it must hold at least 3 blocks after the free map.
 * @param plat platform (alloc is used for one 4096-byte buffer).
 * @param opts options (its @c size must be set), or NULL for defaults.
 * @return 0, KK_EINVAL (bad device, platform, @c opts->size or @c opts->blocks
 *         larger than the device), KK_ENOSPC (device too
 *         small), KK_ENOMEM, or the device's error.
 */
KK_API int kk_sfs_format(const struct kk_blockdev *dev, const struct kk_fs_platform *plat,
                         const struct kk_sfs_format_opts *opts);

/**
 * @brief Mount a file system.
 *
 * Validates the magic, blocks <= device size, the free-map count against
 * unused_blocks, the metadata blocks being marked used and the root being a
 * directory.
 * @param cfg configuration (dev and plat are required).
 * @param out receives the mount; release it with kk_sfs_unmount().
 * @return 0, KK_EINVAL (bad config or not SFS), KK_ECORRUPT (inconsistent
 *         image), KK_ENOMEM, or a device error.
 */
KK_API int kk_sfs_mount(const struct kk_sfs_config *cfg, struct kk_sfs **out);

/**
 * @brief Sync and release a mount. All inode references must have been dropped.
 * @param fs the mount; freed even when the final sync fails.
 * @return 0, KK_EBUSY (inodes still referenced; nothing is freed), or the
 *         sync's error (the mount is freed anyway; unsynced changes are lost).
 */
KK_API int kk_sfs_unmount(struct kk_sfs *fs);

/**
 * @brief Whether a mount accepts writes, and why not.
 * @param fs the mount.
 * @param block receives, for KK_ECORRUPT, the first block the verify_map
 *        scan found at fault (a reachable block marked free or reachable
 *        twice: that block; a pointer out of range: the block holding it),
 *        else 0; may be NULL.
 * @return 0 (writable), KK_EROFS (mounted read-only), KK_ECORRUPT (writes
 *         refused by kk_sfs_config.verify_map: repair with kk_sfs_fsck()) or
 *         KK_EINVAL (@p fs is NULL).
 */
KK_API int kk_sfs_write_state(struct kk_sfs *fs, uint32_t *block);

/**
 * @brief Write every change to the device in a crash-safe order, then flush it.
 * @param fs the mount.
 * @return 0 or a device error (the changes stay cached and a later sync retries).
 */
KK_API int kk_sfs_sync(struct kk_sfs *fs);

/**
 * @brief File-system statistics.
 * @param fs the mount.
 * @param st filled in.
 * @return 0 or KK_EINVAL.
 */
KK_API int kk_sfs_statfs(struct kk_sfs *fs, struct kk_sfs_statfs *st);

/**
 * @brief Check the in-memory and cached state of a mount for consistency
 *        (inode cache, block cache, free-map counts). For tests and fuzzers.
 * @param fs the mount.
 * @return 0 or KK_ECORRUPT.
 */
KK_API int kk_sfs_check(struct kk_sfs *fs);

/**
 * @brief Get the root directory.
 * @param fs the mount.
 * @param out receives a reference.
 * @return 0, KK_ENOMEM, KK_ECORRUPT or a device error.
 */
KK_API int kk_sfs_root(struct kk_sfs *fs, struct kk_sfs_inode **out);

/**
 * @brief Get an inode by number (as found in a directory entry).
 * @param fs the mount.
 * @param ino inode number.
 * @param out receives a reference.
 * @return 0, KK_ECORRUPT (not an inode), KK_ENOMEM or a device error.
 */
KK_API int kk_sfs_iget(struct kk_sfs *fs, uint32_t ino, struct kk_sfs_inode **out);

/**
 * @brief Take another reference to an inode.
 * @param ip the inode.
 */
KK_API void kk_sfs_ref(struct kk_sfs_inode *ip);

/**
 * @brief Drop a reference. The last reference of an unlinked inode frees its blocks.
 * @param ip the inode, or NULL (nothing happens).
 */
KK_API void kk_sfs_put(struct kk_sfs_inode *ip);

/**
 * @brief Look a name up in a directory.
 * @param dir the directory.
 * @param name the name ("." and ".." work as stored on disk).
 * @param out receives a reference to the entry's inode.
 * @return 0, KK_ENOENT, KK_ENOTDIR, KK_ENAMETOOLONG, KK_ECORRUPT, KK_ENOMEM or a device error.
 */
KK_API int kk_sfs_lookup(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out);

/**
 * @brief Create an empty regular file.
 * @param dir the directory.
 * @param name the new name (1..255 bytes, no '/', not "." or "..").
 * @param out receives a reference to the new file, or NULL.
 * @return 0, KK_EEXIST, KK_EINVAL, KK_ENAMETOOLONG, KK_ENOTDIR, KK_ENOSPC, ...
 */
KK_API int kk_sfs_create(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out);

/**
 * @brief Create a directory (with "." and ".." entries).
 * @param dir the parent directory.
 * @param name the new name.
 * @param out receives a reference to the new directory, or NULL.
 * @return as kk_sfs_create(), plus KK_EMLINK when the parent has 65535 links.
 */
KK_API int kk_sfs_mkdir(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode **out);

/**
 * @brief Create a symbolic link.
 * @param dir the directory.
 * @param name the new name.
 * @param target the link target (1..4095 bytes, stored without NUL).
 * @param out receives a reference to the link, or NULL.
 * @return as kk_sfs_create().
 */
KK_API int kk_sfs_symlink(struct kk_sfs_inode *dir, const char *name, const char *target,
                          struct kk_sfs_inode **out);

/**
 * @brief Add a hard link to a file or symlink.
 * @param dir the directory to hold the new name.
 * @param name the new name.
 * @param target the inode to link (not a directory: KK_EPERM).
 * @return as kk_sfs_create(), plus KK_EPERM, KK_EMLINK, KK_EXDEV (other mount).
 */
KK_API int kk_sfs_link(struct kk_sfs_inode *dir, const char *name, struct kk_sfs_inode *target);

/**
 * @brief Remove a name of a file or symlink.
 * @param dir the directory.
 * @param name the name.
 * @return 0, KK_ENOENT, KK_EISDIR (use kk_sfs_rmdir()), KK_EINVAL ("." ".."), ...
 */
KK_API int kk_sfs_unlink(struct kk_sfs_inode *dir, const char *name);

/**
 * @brief Remove an empty directory.
 * @param dir the parent.
 * @param name the directory's name.
 * @return 0, KK_ENOENT, KK_ENOTDIR, KK_ENOTEMPTY, KK_EINVAL ("." ".."), ...
 */
KK_API int kk_sfs_rmdir(struct kk_sfs_inode *dir, const char *name);

/**
 * @brief Rename, also across directories, replacing an existing target as
 *        POSIX rename() does (a directory only by an empty directory).
 * @param odir source directory.
 * @param oname source name.
 * @param ndir destination directory (same mount).
 * @param nname destination name.
 * @return 0, KK_ENOENT, KK_EINVAL (directory into its own subtree, "." or ".."),
 *         KK_ENOTDIR, KK_EISDIR, KK_ENOTEMPTY, KK_EXDEV, KK_ENOSPC, ...
 */
KK_API int kk_sfs_rename(struct kk_sfs_inode *odir, const char *oname, struct kk_sfs_inode *ndir,
                         const char *nname);

/**
 * @brief Read the target of a symbolic link.
 * @param ip the link.
 * @param buf receives the target, NUL-terminated if it fits.
 * @param len size of @p buf.
 * @return the target length (may exceed @p len - 1: then it is truncated),
 *         KK_EINVAL (not a link), KK_ECORRUPT or a device error.
 */
KK_API int kk_sfs_readlink(struct kk_sfs_inode *ip, char *buf, size_t len);

/**
 * @brief Read from a file at an offset (holes read as zeros).
 * @param ip the file (a directory gives KK_EISDIR).
 * @param off byte offset.
 * @param buf destination.
 * @param len bytes wanted.
 * @param done receives the bytes read (short at end of file), also on error.
 * @return 0 or a negative code (then *done bytes were read before the error).
 */
KK_API int kk_sfs_read(struct kk_sfs_inode *ip, uint64_t off, void *buf, size_t len, size_t *done);

/**
 * @brief Write to a file at an offset, extending it (the gap becomes a hole).
 * @param ip the file (a directory gives KK_EISDIR).
 * @param off byte offset.
 * @param buf source.
 * @param len bytes to write.
 * @param done receives the bytes written, also on error.
 * @return 0, KK_EFBIG (beyond 4 GiB - 1), KK_EINVAL (NULL arguments, or a
 *         symlink would grow past #KK_SFS_MAX_LINK bytes), KK_EROFS, KK_ENOSPC,
 *         or another error after *done bytes were written.
 */
KK_API int kk_sfs_write(struct kk_sfs_inode *ip, uint64_t off, const void *buf, size_t len,
                        size_t *done);

/**
 * @brief Set a file's size, freeing blocks past it or extending with a hole.
 * @param ip the file.
 * @param size the new size.
 * @return 0, KK_EISDIR, KK_EFBIG, KK_EINVAL (NULL, or a symlink longer than
 *         #KK_SFS_MAX_LINK), KK_EROFS, KK_ENOSPC (indirect blocks), or a device
 *         error.
 */
KK_API int kk_sfs_truncate(struct kk_sfs_inode *ip, uint64_t size);

/**
 * @brief Attributes of an inode.
 * @param ip the inode.
 * @param st filled in.
 * @return 0 or KK_EINVAL.
 */
KK_API int kk_sfs_stat(struct kk_sfs_inode *ip, struct kk_sfs_stat *st);

/**
 * @brief Iterate a directory: the next used entry at or after slot *cookie.
 * @param dir the directory.
 * @param cookie start with 0; advanced past the returned entry.
 * @param ent filled in.
 * @return 1 (an entry), 0 (end), KK_ENOTDIR, KK_ECORRUPT or a device error.
 */
KK_API int kk_sfs_readdir(struct kk_sfs_inode *dir, uint32_t *cookie, struct kk_sfs_dirent *ent);

/**
 * @brief Make an inode's changes durable (syncs the whole file system).
 * @param ip the inode.
 * @return as kk_sfs_sync().
 */
KK_API int kk_sfs_fsync(struct kk_sfs_inode *ip);

/**
 * @brief The VFS operations of SFS: mount a struct kk_sfs with
 *        kk_vfs_mount(vfs, NULL, path, kk_sfs_vfs_ops(), fs). Node handles are
 *        struct kk_sfs_inode pointers.
 * @return a static table (never NULL).
 */
KK_API const struct kk_vfs_ops *kk_sfs_vfs_ops(void);

/** Options of kk_sfs_fsck(). */
struct kk_sfs_fsck_opts {
    /** sizeof(struct kk_sfs_fsck_opts). */
    uint32_t size;
    /** Nonzero: repair what is found ("sfsck -y"); zero: only report. */
    uint32_t repair;
    /** Allocation (required). */
    const struct kk_fs_platform *plat;
    /** Called once per finding with a one-line message; may be NULL. */
    void (*report)(void *ctx, const char *msg);
    /** Passed to report(). */
    void *report_ctx;
};

/** kk_sfs_fsck() result: no findings. */
#define KK_SFS_FSCK_CLEAN 0
/** kk_sfs_fsck() result: findings, all repaired. */
#define KK_SFS_FSCK_REPAIRED 1
/** kk_sfs_fsck() result: findings left uncorrected. */
#define KK_SFS_FSCK_UNCORRECTED 4

/**
 * @brief Check (and with opts->repair, repair) an unmounted image: superblock
 *        counts, free map against reachable blocks, blocks claimed twice,
 *        link counts, directory entries, directory loops, unreachable inodes.
 * @param dev the device (not mounted).
 * @param opts options (plat is required).
 * @return KK_SFS_FSCK_CLEAN, KK_SFS_FSCK_REPAIRED, KK_SFS_FSCK_UNCORRECTED, or
 *         a negative code when the check itself could not run (I/O error, no
 *         memory, bad arguments).
 */
KK_API int kk_sfs_fsck(const struct kk_blockdev *dev, const struct kk_sfs_fsck_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_SFS_H */
