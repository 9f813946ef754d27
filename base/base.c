/*
 * base.c: error-code descriptions and the library version.
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
    E(KK_EPERM, "operation not permitted"),
    E(KK_ENOENT, "no such file, entry or mapping"),
    E(KK_ESRCH, "no such process"),
    E(KK_EINTR, "interrupted"),
    E(KK_EIO, "input/output error"),
    E(KK_ENXIO, "no such device or address"),
    E(KK_E2BIG, "argument list too long"),
    E(KK_ENOEXEC, "not an executable format"),
    E(KK_EBADF, "bad file descriptor"),
    E(KK_ECHILD, "no child processes"),
    E(KK_EAGAIN, "resource temporarily unavailable"),
    E(KK_ENOMEM, "out of memory"),
    E(KK_EACCES, "permission denied"),
    E(KK_EFAULT, "bad address"),
    E(KK_EBUSY, "resource busy"),
    E(KK_EEXIST, "already exists"),
    E(KK_EXDEV, "cross-device link"),
    E(KK_ENODEV, "no such device"),
    E(KK_ENOTDIR, "not a directory"),
    E(KK_EISDIR, "is a directory"),
    E(KK_EINVAL, "invalid argument"),
    E(KK_ENFILE, "too many open files in system"),
    E(KK_EMFILE, "too many open files"),
    E(KK_EFBIG, "file too large"),
    E(KK_ENOSPC, "no space left on device"),
    E(KK_ESPIPE, "illegal seek"),
    E(KK_EROFS, "read-only file system"),
    E(KK_EMLINK, "too many links"),
    E(KK_EPIPE, "broken pipe or closed channel"),
    E(KK_ERANGE, "result out of range"),
    E(KK_EDEADLK, "deadlock would occur"),
    E(KK_ENAMETOOLONG, "name too long"),
    E(KK_ENOSYS, "not implemented"),
    E(KK_ENOTEMPTY, "directory not empty"),
    E(KK_ELOOP, "too many levels of symbolic links"),
    E(KK_EOVERFLOW, "value too large"),
    E(KK_ENOTSUP, "operation not supported"),
    E(KK_ETIMEDOUT, "timed out"),
    E(KK_EALREADY, "already in progress"),
    E(KK_ECORRUPT, "structure needs cleaning (corrupt)"),
    E(KK_ECANCELED, "operation canceled"),
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
        return "success";
    d = lookup(err);
    return d ? d->text : "unknown error";
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
