/**
 * @file base.h
 * @brief Types, error codes, version and helper macros shared by every kernkit library.
 *
 * This header is C99-clean and freestanding: it needs only the compiler's
 * <stdint.h>, <stddef.h> and <stdbool.h>.
 */
#ifndef KERNKIT_BASE_H
#define KERNKIT_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernkit/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def KK_API
 * Marks a public kernkit function. In a shared build it gives the symbol
 * default visibility (everything else is hidden); in a static build it is empty.
 */
#if KERNKIT_SHARED && (defined(__GNUC__) || defined(__clang__))
#define KK_API __attribute__((visibility("default")))
#else
#define KK_API
#endif

/**
 * @defgroup kk_errors Error codes
 * Every kernkit function that can fail returns one of these negative codes
 * (or NULL where documented). The magnitudes equal Linux errno values where
 * Linux has one, so a kernel can hand them to user space unchanged.
 * @{
 */
#define KK_OK           0      /**< Success. */
#define KK_EPERM        (-1)   /**< Operation not permitted. */
#define KK_ENOENT       (-2)   /**< No such file, entry or mapping. */
#define KK_ESRCH        (-3)   /**< No such process or thread. */
#define KK_EINTR        (-4)   /**< Interrupted. */
#define KK_EIO          (-5)   /**< I/O error from a device callback. */
#define KK_ENXIO        (-6)   /**< No such device or address. */
#define KK_E2BIG        (-7)   /**< Argument list too long. */
#define KK_ENOEXEC      (-8)   /**< Not an executable format. */
#define KK_EBADF        (-9)   /**< Bad file descriptor or handle. */
#define KK_ECHILD       (-10)  /**< No child to wait for. */
#define KK_EAGAIN       (-11)  /**< Try again (would block). */
#define KK_ENOMEM       (-12)  /**< Out of memory. */
#define KK_EACCES       (-13)  /**< Permission denied. */
#define KK_EFAULT       (-14)  /**< Bad address. */
#define KK_EBUSY        (-16)  /**< Resource busy. */
#define KK_EEXIST       (-17)  /**< Already exists. */
#define KK_EXDEV        (-18)  /**< Cross-device link or rename. */
#define KK_ENODEV       (-19)  /**< No such device. */
#define KK_ENOTDIR      (-20)  /**< Not a directory. */
#define KK_EISDIR       (-21)  /**< Is a directory. */
#define KK_EINVAL       (-22)  /**< Invalid argument. */
#define KK_ENFILE       (-23)  /**< Too many open files in the system. */
#define KK_EMFILE       (-24)  /**< Too many open files. */
#define KK_EFBIG        (-27)  /**< File too large. */
#define KK_ENOSPC       (-28)  /**< No space left on device. */
#define KK_ESPIPE       (-29)  /**< Illegal seek. */
#define KK_EROFS        (-30)  /**< Read-only file system. */
#define KK_EMLINK       (-31)  /**< Too many links. */
#define KK_EPIPE        (-32)  /**< Broken pipe or closed channel. */
#define KK_ERANGE       (-34)  /**< Result out of range. */
#define KK_EDEADLK      (-35)  /**< Deadlock would occur. */
#define KK_ENAMETOOLONG (-36)  /**< Name too long. */
#define KK_ENOSYS       (-38)  /**< Not implemented. */
#define KK_ENOTEMPTY    (-39)  /**< Directory not empty. */
#define KK_ELOOP        (-40)  /**< Too many symbolic links. */
#define KK_EOVERFLOW    (-75)  /**< Value too large for the data type. */
#define KK_ENOTSUP      (-95)  /**< Operation not supported. */
#define KK_ETIMEDOUT    (-110) /**< Timed out. */
#define KK_EALREADY     (-114) /**< Already in progress or done. */
#define KK_ECORRUPT     (-117) /**< Corrupt on-disk or in-memory structure (Linux EUCLEAN). */
#define KK_ECANCELED    (-125) /**< Operation canceled. */
/** @} */

/**
 * @brief Describe an error code.
 * @param err a kernkit error code; its sign is ignored, so errno values work too.
 * @return a static, NUL-terminated English description, the GNU C library's
 *         strerror() words ("No such file or directory"; "Success" for 0,
 *         "Unknown error" for a code kernkit does not define). Never NULL.
 */
KK_API const char *kk_strerror(int err);

/**
 * @brief Symbolic name of an error code ("KK_ENOENT").
 * @param err a kernkit error code; its sign is ignored.
 * @return a static string, "KK_OK" for 0, "KK_E?" for an unknown code. Never NULL.
 */
KK_API const char *kk_strerror_name(int err);

/** Encode a version triple as one comparable number. */
#define KERNKIT_VERSION_ENCODE(maj, min, pat)                                                      \
    ((uint32_t)(((uint32_t)(maj) << 16) | ((uint32_t)(min) << 8) | (uint32_t)(pat)))

/** The version these headers belong to, encoded by KERNKIT_VERSION_ENCODE(). */
#define KERNKIT_VERSION                                                                            \
    KERNKIT_VERSION_ENCODE(KERNKIT_VERSION_MAJOR, KERNKIT_VERSION_MINOR, KERNKIT_VERSION_PATCH)

/**
 * @brief The version of the linked library.
 * @return KERNKIT_VERSION of the library as it was built; compare it with the
 *         header's KERNKIT_VERSION to detect a header/library mismatch.
 */
KK_API uint32_t kk_version(void);

/**
 * @brief The version of the linked library as text.
 * @return a static string "MAJOR.MINOR.PATCH". Never NULL.
 */
KK_API const char *kk_version_string(void);

/** Pointer to the structure of type @p type whose member @p member is at @p ptr. */
#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

/** Paste two tokens (no expansion). */
#define KK_CONCAT_(a, b) a##b
/** Paste two tokens after expanding them. */
#define KK_CONCAT(a, b) KK_CONCAT_(a, b)

/** Compile-time assertion usable at file and block scope (C99 and C11). */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define KK_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define KK_STATIC_ASSERT(cond, msg)                                                                \
    typedef char KK_CONCAT(kk_static_assert_, __LINE__)[(cond) ? 1 : -1]
#endif

/** Number of elements of an array. */
#define KK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifdef __cplusplus
}
#endif

#endif /* KERNKIT_BASE_H */
