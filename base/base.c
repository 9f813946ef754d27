/*
 * base.c: error-code descriptions (the GNU C library's strerror() words, so
 * tools, kernels and host programs share one vocabulary) and the library version.
 *
 * Owns no state; every function is pure and safe from any context
 * (interrupts included).
 */
#include <kernkit/base.h>

struct errdesc {
    int code;
    const char *name;
    const char *text;
};

#define E(c, t)                                                                                    \
    {                                                                                              \
        c, #c, t                                                                                   \
    }
static const struct errdesc errors[] = {
    E(KK_EPERM, "Operation not permitted"),
    E(KK_ENOENT, "No such file or directory"),
    E(KK_ESRCH, "No such process"),
    E(KK_EINTR, "Interrupted system call"),
    E(KK_EIO, "Input/output error"),
    E(KK_ENXIO, "No such device or address"),
    E(KK_E2BIG, "Argument list too long"),
    E(KK_ENOEXEC, "Exec format error"),
    E(KK_EBADF, "Bad file descriptor"),
    E(KK_ECHILD, "No child processes"),
    E(KK_EAGAIN, "Resource temporarily unavailable"),
    E(KK_ENOMEM, "Cannot allocate memory"),
    E(KK_EACCES, "Permission denied"),
    E(KK_EFAULT, "Bad address"),
    E(KK_EBUSY, "Device or resource busy"),
    E(KK_EEXIST, "File exists"),
    E(KK_EXDEV, "Invalid cross-device link"),
    E(KK_ENODEV, "No such device"),
    E(KK_ENOTDIR, "Not a directory"),
    E(KK_EISDIR, "Is a directory"),
    E(KK_EINVAL, "Invalid argument"),
    E(KK_ENFILE, "Too many open files in system"),
    E(KK_EMFILE, "Too many open files"),
    E(KK_EFBIG, "File too large"),
    E(KK_ENOSPC, "No space left on device"),
    E(KK_ESPIPE, "Illegal seek"),
    E(KK_EROFS, "Read-only file system"),
    E(KK_EMLINK, "Too many links"),
    E(KK_EPIPE, "Broken pipe"),
    E(KK_ERANGE, "Numerical result out of range"),
    E(KK_EDEADLK, "Resource deadlock avoided"),
    E(KK_ENAMETOOLONG, "File name too long"),
    E(KK_ENOSYS, "Function not implemented"),
    E(KK_ENOTEMPTY, "Directory not empty"),
    E(KK_ELOOP, "Too many levels of symbolic links"),
    E(KK_EOVERFLOW, "Value too large for defined data type"),
    E(KK_ENOTSUP, "Operation not supported"),
    E(KK_ETIMEDOUT, "Connection timed out"),
    E(KK_EALREADY, "Operation already in progress"),
    E(KK_ECORRUPT, "Structure needs cleaning"),
    E(KK_ECANCELED, "Operation canceled"),
};
#undef E

static const struct errdesc *lookup(int err)
{
    int code = err > 0 ? -err : err;
    for (size_t i = 0; i < KK_ARRAY_SIZE(errors); i++) {
        if (errors[i].code == code)
            return &errors[i];
    }
    return NULL;
}

const char *kk_strerror(int err)
{
    const struct errdesc *d;

    if (err == 0)
        return "Success";
    d = lookup(err);
    return d ? d->text : "Unknown error";
}

const char *kk_strerror_name(int err)
{
    const struct errdesc *d;

    if (err == 0)
        return "KK_OK";
    d = lookup(err);
    return d ? d->name : "KK_E?";
}

uint32_t kk_version(void)
{
    return KERNKIT_VERSION;
}

const char *kk_version_string(void)
{
    return KERNKIT_VERSION_STRING;
}
