/*
 * common.c: shared helpers of the host tools (mksfs, sfsck, sfs, sfs-fuse).
 *
 * Owns size parsing and opening/mounting an image (the one-line message
 * format, "tool: message" on stderr, is msg.c's). Promises: every failing helper has printed
 * exactly one line naming the path and the reason before it returns, so the
 * callers only choose the exit status and must not print a second line.
 * Nothing here exits the process.
 */
#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9') /* strtoull would take "-1" as 2^64 - 1 */
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    default:
        break;
    }
    if (shift) {
        if (v > (ULLONG_MAX >> shift)) /* "17179869184G" must not wrap to 0 */
            return -1;
        v <<= shift;
        end++;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int image_dev_open(const char *path, const struct kk_hostblk_opts *opts, struct kk_hostblk **hb)
{
    struct kk_hostblk_opts ho = *opts;
    int rc;
    ho.ioerr = &tool_ioerr;
    rc = kk_hostblk_open(path, &ho, hb);
    if (rc != 0) {
        tool_err("%s: %s", path,
                 errno == EINVAL ? "not a regular file or block device" : strerror(errno));
        return rc;
    }
    if (kk_hostblk_dev(*hb)->nblocks == 0) {
        tool_err("%s: image too small: less than one %u-byte block", path, KK_SFS_BLKSIZE);
        kk_hostblk_close(*hb);
        *hb = NULL;
        return KK_EINVAL;
    }
    return 0;
}

int image_open(struct image *im, const char *path, int read_only, int force_pread)
{
    struct kk_hostblk_opts ho = {0};
    struct kk_sfs_config cfg = {0};
    uint32_t bad = 0;
    int rc;
    memset(im, 0, sizeof(*im));
    ho.read_only = read_only;
    ho.force_pread = force_pread;
    if ((rc = image_dev_open(path, &ho, &im->hb)) != 0)
        return rc;
    tool_info("%s: block backend %s", path, kk_hostblk_backend(im->hb));
    cfg.size = sizeof(cfg);
    cfg.read_only = (uint32_t)read_only;
    cfg.dev = kk_hostblk_dev(im->hb);
    cfg.plat = kk_host_platform();
    cfg.cache_blocks = 4096;
    cfg.verify_map = getenv("SFS_NO_VERIFY") ? 0 : 1;
    if ((rc = kk_sfs_mount(&cfg, &im->fs)) != 0) {
        tool_err("%s: cannot mount: %s", path,
                 rc == KK_EINVAL ? "not an SFS image" : kk_strerror(rc));
        kk_hostblk_close(im->hb);
        im->hb = NULL;
        return rc;
    }
    if ((rc = kk_sfs_root(im->fs, &im->root)) != 0) {
        tool_err("%s: root directory: %s", path, kk_strerror(rc));
        image_close(im, path);
        return rc;
    }
    if (!read_only && kk_sfs_write_state(im->fs, &bad) == KK_ECORRUPT) {
        tool_err("%s: free map or file tree damaged at block %" PRIu32
                 "; writes refused, run `sfsck -y %s`",
                 path, bad, path);
        image_close(im, path);
        return KK_ECORRUPT;
    }
    return 0;
}

int image_close(struct image *im, const char *path)
{
    int rc = 0, rc2;
    kk_sfs_put(im->root);
    im->root = NULL;
    /* a device failure already named by the caller's line is not named twice */
    if (im->fs && (rc = kk_sfs_unmount(im->fs)) != 0 && !tool_ioerr_named)
        tool_err("%s: sync failed: %s", path, kk_strerror(rc));
    im->fs = NULL;
    if (im->hb && (rc2 = kk_hostblk_close(im->hb)) != 0 && rc == 0) {
        tool_err("%s: close failed: %s", path, kk_strerror(rc2));
        rc = rc2;
    }
    im->hb = NULL;
    return rc;
}

void tool_help_version(int argc, char **argv, const char *help)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (!strcmp(argv[i], "--help")) {
            fputs(help, stdout);
            exit(0);
        }
        if (!strcmp(argv[i], "--version")) {
            printf("%s (kernkit) %s\n", tool_name, kk_version_string());
            exit(0);
        }
    }
}
