/**
 * @file vfs.h
 * @brief Generic virtual file system: the platform interface shared by the
 *        file systems, versioned operation tables a file system fills, a
 *        mount table, path resolution and open files.
 */
#ifndef KERNKIT_VFS_H
#define KERNKIT_VFS_H

#include <kernkit/base.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Current version of struct kk_fs_platform. */
#define KK_FS_PLATFORM_VERSION 1u

/**
 * @brief Services a host kernel gives the file-system libraries (VFS, SFS).
 *
 * Allocation is required; locking is optional (NULL lock hooks mean the
 * caller guarantees single-threaded use); log may be NULL.
 */
struct kk_fs_platform {
    /** KK_FS_PLATFORM_VERSION; later versions only append fields. */
    uint32_t version;
    /** Passed back to every callback. */
    void *ctx;
    /** Allocate @p size bytes aligned for any object; NULL when out of memory. */
    void *(*alloc)(void *ctx, size_t size);
    /** Free memory from alloc(); @p size is the size that was requested. */
    void (*free)(void *ctx, void *ptr, size_t size);
    /** Create a sleeping mutex; NULL when out of memory. May be NULL (no locking). */
    void *(*lock_new)(void *ctx);
    /** Destroy a mutex from lock_new(). */
    void (*lock_free)(void *ctx, void *lock);
    /** Acquire a mutex (not recursive). */
    void (*lock)(void *ctx, void *lock);
    /** Release a mutex. */
    void (*unlock)(void *ctx, void *lock);
    /** Report a diagnostic (a constant string); may be NULL. */
    void (*log)(void *ctx, int level, const char *msg);
};

/** Current version of struct kk_vfs_ops. */
#define KK_VFS_OPS_VERSION 1u
/** Longest path kk_vfs accepts, in bytes without the NUL. */
#define KK_VFS_PATH_MAX 4096
/** Longest path component in bytes. */
#define KK_VFS_NAME_MAX 255
/** Most symbolic links followed while resolving one path (then KK_ELOOP). */
#define KK_VFS_SYMLOOP_MAX 40

/** @name Open flags (Linux values)
 * @{ */
#define KK_O_RDONLY    0x0000  /**< Open for reading. */
#define KK_O_WRONLY    0x0001  /**< Open for writing. */
#define KK_O_RDWR      0x0002  /**< Open for reading and writing. */
#define KK_O_ACCMODE   0x0003  /**< Mask of the access mode. */
#define KK_O_CREAT     0x0040  /**< Create the file if it does not exist. */
#define KK_O_EXCL      0x0080  /**< With KK_O_CREAT: fail with KK_EEXIST if it exists. */
#define KK_O_TRUNC     0x0200  /**< Truncate a regular file opened for writing. */
#define KK_O_APPEND    0x0400  /**< Every write goes to the end of the file. */
#define KK_O_DIRECTORY 0x10000 /**< Fail with KK_ENOTDIR unless it is a directory. */
#define KK_O_NOFOLLOW  0x20000 /**< Do not follow a symbolic link in the last component. */
/** @} */

/** @name Seek origins
 * @{ */
#define KK_SEEK_SET 0 /**< From the start. */
#define KK_SEEK_CUR 1 /**< From the current position. */
#define KK_SEEK_END 2 /**< From the end of the file. */
/** @} */

/** Node types used by the VFS. */
enum kk_vfs_type {
    KK_VFS_FILE = 1,   /**< Regular file. */
    KK_VFS_DIR = 2,    /**< Directory. */
    KK_VFS_SYMLINK = 3 /**< Symbolic link. */
};

/** Attributes of a node. */
struct kk_vfs_stat {
    uint64_t ino;    /**< Node number, unique within its file system. */
    uint64_t size;   /**< Size in bytes. */
    uint64_t blocks; /**< Storage blocks in use or covered (file-system defined). */
    uint32_t type;   /**< enum kk_vfs_type. */
    uint32_t nlinks; /**< Hard links (0: unlinked but still open). */
};

/** One directory entry. */
struct kk_vfs_dirent {
    uint64_t ino;                   /**< Node number. */
    char name[KK_VFS_NAME_MAX + 1]; /**< NUL-terminated name. */
};

/**
 * @brief Operations a file system implements for the VFS.
 *
 * A node handle (void *) is the file system's own referenced object; every
 * function returning one gives the VFS a reference it drops with put().
 * Functions return 0 or a negative KK_E* code, as the file system's own API
 * would. New operations are only appended (and the version raised).
 */
struct kk_vfs_ops {
    /** KK_VFS_OPS_VERSION. */
    uint32_t version;
    /** File-system type name ("sfs"). */
    const char *name;
    /** Get a reference to the root directory of instance @p fs. */
    int (*root)(void *fs, void **node);
    /** Write everything to stable storage. */
    int (*sync)(void *fs);
    /** Take another reference. */
    void (*ref)(void *node);
    /** Drop a reference. */
    void (*put)(void *node);
    /** Attributes. */
    int (*stat)(void *node, struct kk_vfs_stat *st);
    /** Look @p name up in directory @p dir ("." and ".." included). */
    int (*lookup)(void *dir, const char *name, void **out);
    /** Create a node of @p type (a symlink gets @p target); *out may be NULL to skip it. */
    int (*create)(void *dir, const char *name, uint32_t type, const char *target, void **out);
    /** Add name @p name in @p dir for the non-directory @p target. */
    int (*link)(void *dir, const char *name, void *target);
    /** Remove a name (@p is_dir: rmdir semantics). */
    int (*unlink)(void *dir, const char *name, int is_dir);
    /** Rename within the file system, replacing the target as POSIX does. */
    int (*rename)(void *odir, const char *oname, void *ndir, const char *nname);
    /** Read a symlink's target; returns its length (as kk_sfs_readlink()). */
    int (*readlink)(void *node, char *buf, size_t len);
    /** Read at an offset. */
    int (*read)(void *node, uint64_t off, void *buf, size_t len, size_t *done);
    /** Write at an offset. */
    int (*write)(void *node, uint64_t off, const void *buf, size_t len, size_t *done);
    /** Set the size. */
    int (*truncate)(void *node, uint64_t size);
    /** Next entry at or after *cookie (start 0): 1 entry, 0 end, or an error. */
    int (*readdir)(void *dir, uint64_t *cookie, struct kk_vfs_dirent *ent);
    /** Make a node durable. */
    int (*fsync)(void *node);
};

/** A VFS instance: mount table and resolution (opaque). */
struct kk_vfs;
/** A referenced node of a mounted file system (opaque). */
struct kk_vfs_node;
/** An open file (opaque, reference counted by kk_vfs_dup()/kk_vfs_close()). */
struct kk_vfs_file;

/**
 * @brief Create an empty VFS (no mounts).
 * @param plat allocation and locking (must outlive the VFS).
 * @param out receives the instance.
 * @return 0, KK_EINVAL or KK_ENOMEM.
 */
KK_API int kk_vfs_create(const struct kk_fs_platform *plat, struct kk_vfs **out);

/**
 * @brief Destroy a VFS with no mounts left.
 * @param v the VFS.
 * @return 0 or KK_EBUSY (something is still mounted).
 */
KK_API int kk_vfs_destroy(struct kk_vfs *v);

/**
 * @brief Mount file-system instance @p fs at @p path. The first mount must be at "/".
 * @param v the VFS.
 * @param cwd directory for a relative path, or NULL for the root.
 * @param path an existing directory (or "/" for the first mount).
 * @param ops the file system's operations (must outlive the mount).
 * @param fs the instance, passed to ops->root() and ops->sync().
 * @return 0, KK_EINVAL (bad ops or version, first mount not at "/"),
 *         KK_EBUSY (already a mount point), KK_ENOTDIR, resolution errors, KK_ENOMEM.
 */
KK_API int kk_vfs_mount(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path,
                        const struct kk_vfs_ops *ops, void *fs);

/**
 * @brief Unmount the file system mounted at @p path. The instance itself is
 *        the caller's to sync and release afterwards.
 * @param v the VFS.
 * @param cwd directory for a relative path, or NULL.
 * @param path the mount point.
 * @return 0, KK_EINVAL (not a mount point), KK_EBUSY (nodes or files of it
 *         still referenced, or mounts below it).
 */
KK_API int kk_vfs_umount(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path);

/**
 * @brief Sync every mounted file system.
 * @param v the VFS.
 * @return 0 or the first error.
 */
KK_API int kk_vfs_sync(struct kk_vfs *v);

/**
 * @brief Resolve a path to a node (e.g. a current directory).
 *
 * Absolute paths start at the root, relative ones at @p cwd; "." and ".."
 * work across mount points; symbolic links are followed (in the last
 * component only if @p follow), at most KK_VFS_SYMLOOP_MAX in all.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL for the root.
 * @param path the path (at most KK_VFS_PATH_MAX bytes).
 * @param follow nonzero: follow a symlink in the last component.
 * @param out receives a reference; drop it with kk_vfs_node_put().
 * @return 0, KK_ENOENT, KK_ENOTDIR, KK_ELOOP, KK_ENAMETOOLONG, KK_ENOMEM, or
 *         a file-system error.
 */
KK_API int kk_vfs_lookup(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int follow,
                         struct kk_vfs_node **out);

/**
 * @brief Drop a node reference.
 * @param n the node, or NULL.
 */
KK_API void kk_vfs_node_put(struct kk_vfs_node *n);

/**
 * @brief Take another reference on a node (e.g. fork() copying a current
 *        directory). The new handle is independent: drop each with
 *        kk_vfs_node_put().
 * @param n the node.
 * @param out receives the new reference (NULL on error).
 * @return 0, KK_EINVAL (NULL argument), KK_ENOMEM, or a file-system error
 *         (the node's stat failed).
 */
KK_API int kk_vfs_node_get(struct kk_vfs_node *n, struct kk_vfs_node **out);

/**
 * @brief Attributes of a node.
 * @param n the node.
 * @param st filled in.
 * @return 0 or an error.
 */
KK_API int kk_vfs_node_stat(struct kk_vfs_node *n, struct kk_vfs_stat *st);

/**
 * @brief Attributes of the node at a path.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the path.
 * @param follow nonzero: follow a final symlink (stat), zero: lstat.
 * @param st filled in.
 * @return as kk_vfs_lookup().
 */
KK_API int kk_vfs_stat(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int follow,
                       struct kk_vfs_stat *st);

/**
 * @brief Open (and with KK_O_CREAT create) a file or directory.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the path.
 * @param flags KK_O_* flags.
 * @param out receives the open file; release with kk_vfs_close().
 * @return 0, KK_EEXIST (KK_O_CREAT|KK_O_EXCL), KK_EISDIR (directory opened for
 *         writing), KK_ENOTDIR (KK_O_DIRECTORY), KK_ELOOP (KK_O_NOFOLLOW on a
 *         symlink), KK_EINVAL (bad flags), resolution and file-system errors.
 */
KK_API int kk_vfs_open(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int flags,
                       struct kk_vfs_file **out);

/**
 * @brief Share an open file (dup(): same position and flags).
 * @param f the file.
 * @return @p f with one more reference.
 */
KK_API struct kk_vfs_file *kk_vfs_dup(struct kk_vfs_file *f);

/**
 * @brief Drop a reference to an open file; the last one releases it (and an
 *        unlinked file's storage, by the file system).
 * @param f the file.
 * @return 0 or KK_EINVAL.
 */
KK_API int kk_vfs_close(struct kk_vfs_file *f);

/**
 * @brief Read at the file position and advance it.
 * @param f the file (opened for reading).
 * @param buf destination.
 * @param len bytes wanted.
 * @param done receives the bytes read (0 at end of file).
 * @return 0, KK_EBADF (not open for reading), KK_EISDIR, or a file-system error.
 */
KK_API int kk_vfs_read(struct kk_vfs_file *f, void *buf, size_t len, size_t *done);

/**
 * @brief Write at the file position (the end with KK_O_APPEND) and advance it.
 * @param f the file (opened for writing).
 * @param buf source.
 * @param len bytes.
 * @param done receives the bytes written.
 * @return 0, KK_EBADF, or a file-system error.
 */
KK_API int kk_vfs_write(struct kk_vfs_file *f, const void *buf, size_t len, size_t *done);

/**
 * @brief Move the file position.
 * @param f the file.
 * @param off offset relative to @p whence.
 * @param whence KK_SEEK_SET, KK_SEEK_CUR or KK_SEEK_END.
 * @param pos receives the new position (may be NULL).
 * @return 0, KK_EINVAL (bad whence, or a result below 0 or above INT64_MAX;
 *         the position is unchanged), or the file system's stat() error for
 *         KK_SEEK_END.
 */
KK_API int kk_vfs_seek(struct kk_vfs_file *f, int64_t off, int whence, uint64_t *pos);

/**
 * @brief Next entry of an open directory; consumes it (advances the position).
 *
 * A directory's file position is a readdir cookie: 0 is the start, and the
 * position after an entry is the cookie of the next one. Cookies are opaque
 * and defined by the file system (SFS: slot numbers, which stay valid across
 * creates and unlinks), so kk_vfs_seek(f, cookie, KK_SEEK_SET) returns to a
 * saved position. To fill a
 * bounded buffer (getdents) without losing an entry that does not fit, use
 * kk_vfs_readdir_peek() and advance only after the entry was copied.
 * @param f the directory.
 * @param ent filled in.
 * @return 1 (an entry), 0 (end), KK_ENOTDIR or a file-system error.
 */
KK_API int kk_vfs_readdir(struct kk_vfs_file *f, struct kk_vfs_dirent *ent);

/**
 * @brief Read the entry at the directory position without consuming it.
 *
 * Typical getdents loop: peek; if the entry does not fit in the user buffer,
 * stop (the next call returns it again); else copy it and call
 * kk_vfs_seek(f, (int64_t)next, KK_SEEK_SET, NULL) to consume it.
 * @param f the directory.
 * @param ent filled in when an entry is returned.
 * @param next receives the cookie just after the entry (0 return: the end
 *        position); may be NULL.
 * @return 1 (an entry), 0 (end), KK_EINVAL, KK_ENOTDIR, KK_ENOTSUP or a
 *         file-system error. The position is never changed.
 */
KK_API int kk_vfs_readdir_peek(struct kk_vfs_file *f, struct kk_vfs_dirent *ent, uint64_t *next);

/**
 * @brief Position-independent readdir: the entry at or after *@p cookie.
 *
 * Does not use or change the file position, so several readers may share one
 * open directory. Start with *@p cookie = 0.
 * @param f the directory.
 * @param cookie in: where to start; out: the cookie after the returned entry
 *        (or the end position when 0 is returned).
 * @param ent filled in when an entry is returned.
 * @return 1 (an entry), 0 (end), KK_EINVAL, KK_ENOTDIR, KK_ENOTSUP or a
 *         file-system error.
 */
KK_API int kk_vfs_readdir_at(struct kk_vfs_file *f, uint64_t *cookie, struct kk_vfs_dirent *ent);

/**
 * @brief Attributes of an open file.
 * @param f the file.
 * @param st filled in.
 * @return 0 or an error.
 */
KK_API int kk_vfs_fstat(struct kk_vfs_file *f, struct kk_vfs_stat *st);

/**
 * @brief Set the size of an open file.
 * @param f the file (opened for writing).
 * @param size new size.
 * @return 0, KK_EBADF, or a file-system error.
 */
KK_API int kk_vfs_ftruncate(struct kk_vfs_file *f, uint64_t size);

/**
 * @brief Make an open file durable.
 * @param f the file.
 * @return 0 or a file-system error.
 */
KK_API int kk_vfs_fsync(struct kk_vfs_file *f);

/**
 * @brief Create a directory.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the new directory.
 * @return 0, KK_EEXIST, resolution and file-system errors.
 */
KK_API int kk_vfs_mkdir(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path);

/**
 * @brief Remove a file or symlink name.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the name to remove (a final symlink itself is removed).
 * @return 0, KK_EISDIR (a directory, or "/"), KK_ENOENT, KK_EBUSY (a mount
 *         point), resolution and file-system errors.
 */
KK_API int kk_vfs_unlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path);

/**
 * @brief Remove an empty directory.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the directory.
 * @return 0, KK_ENOTEMPTY, KK_EBUSY (a mount point or "/"), KK_ENOTDIR,
 *         resolution and file-system errors.
 */
KK_API int kk_vfs_rmdir(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path);

/**
 * @brief Rename a node (same mount only).
 * @param v the VFS.
 * @param cwd start of relative paths, or NULL.
 * @param oldpath existing name.
 * @param newpath new name (replaced if it exists, as POSIX rename()).
 * @return 0, KK_EXDEV (different mounts), KK_EBUSY (either path is a mount
 *         point or "/"), resolution and file-system errors.
 */
KK_API int kk_vfs_rename(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *oldpath,
                         const char *newpath);

/**
 * @brief Create a hard link.
 * @param v the VFS.
 * @param cwd start of relative paths, or NULL.
 * @param oldpath existing file (a final symlink is not followed).
 * @param newpath new name.
 * @return 0, KK_EXDEV, KK_EEXIST, KK_EPERM (directory), ...
 */
KK_API int kk_vfs_link(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *oldpath,
                       const char *newpath);

/**
 * @brief Create a symbolic link.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param target the link's contents.
 * @param path the new link.
 * @return 0, KK_EEXIST, ...
 */
KK_API int kk_vfs_symlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *target,
                          const char *path);

/**
 * @brief Read a symbolic link.
 * @param v the VFS.
 * @param cwd start of a relative path, or NULL.
 * @param path the link.
 * @param buf receives the target (NUL-terminated when it fits).
 * @param len size of @p buf.
 * @return the target length, KK_EINVAL (not a symlink), ...
 */
KK_API int kk_vfs_readlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, char *buf,
                           size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_VFS_H */
