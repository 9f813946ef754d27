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

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_VFS_H */
