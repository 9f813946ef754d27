/*
 * sfsck: check an SFS image, and with -y repair it.
 *
 *   sfsck [-y|-n] [-v] [--pread] IMAGE
 *
 * One line per finding on stdout ("IMAGE: finding", "(fixed)" appended when
 * repaired). Exit status like e2fsck: 0 clean, 1 errors found and repaired,
 * 4 errors left uncorrected (always the case without -y), 8 operational
 * error (cannot open or read the image, not an SFS image, bad usage).
 */
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

/* One finding per line: names inside it are escaped (they may hold newlines). */
static void report(void *ctx, const char *msg)
{
    char e[NAME_ESC_CAP(512)];
    printf("%s: %s\n", (const char *)ctx, name_esc(msg, e, sizeof(e)));
}

static const char help_text[] =
    "Usage: sfsck [OPTION]... IMAGE\n"
    "Check an SFS image and, with -y, repair it.\n"
    "\n"
    "  -y, --yes      repair every finding\n"
    "  -n, --no       only report (the default); IMAGE is opened read-only\n"
    "  -f             accepted for e2fsck compatibility (the check is always full)\n"
    "  -v, --verbose  say which block backend is active\n"
    "      --pread    never use io_uring (pread/pwrite only)\n"
    "      --help     print this help and exit\n"
    "      --version  print the version and exit\n"
    "\n"
    "One line per finding on stdout (\"IMAGE: finding\", \"(fixed)\" when repaired).\n"
    "Exit status (as e2fsck): 0 clean, 1 errors found and repaired, 4 errors left\n"
    "uncorrected, 8 operational error (cannot open or read IMAGE, not an SFS\n"
    "image, bad usage). See sfsck(8).\n";

/* Is there an SFS superblock at all? A file that is not SFS is an
 * operational error (exit 8, as e2fsck on a non-ext2 file), not a finding. */
static int has_sfs_magic(const struct kk_blockdev *dev)
{
    static uint8_t b[4096];
    if (dev->block_size == 0 || dev->block_size > sizeof b ||
        dev->nblocks * dev->block_size < sizeof b)
        return 0;
    if (dev->read(dev->ctx, 0, (uint32_t)(sizeof b / dev->block_size), b) != 0)
        return 0;
    return kk_sfs_get32(b) == KK_SFS_MAGIC;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"yes", no_argument, 0, 'y'},
                                       {"no", no_argument, 0, 'n'},
                                       {"verbose", no_argument, 0, 'v'},
                                       {"pread", no_argument, 0, 'P'},
                                       {0, 0, 0, 0}};
    struct kk_hostblk_opts ho = {0};
    struct kk_sfs_fsck_opts fo = {0};
    struct kk_hostblk *hb;
    int c, repair = 0, rc;
    tool_name = "sfsck";
    tool_help_version(argc, argv, help_text);
    while ((c = getopt_long(argc, argv, "ynvf", lo, NULL)) != -1) {
        switch (c) {
        case 'y':
            repair = 1;
            break;
        case 'n':
            repair = 0;
            break;
        case 'v':
            tool_verbose = 1;
            break;
        case 'f':
            break;
        case 'P':
            ho.force_pread = 1;
            break;
        default:
            fprintf(stderr, "usage: sfsck [-y|-n] [-v] [--pread] IMAGE\n");
            return 8;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: sfsck [-y|-n] [-v] [--pread] IMAGE\n");
        return 8;
    }
    ho.read_only = !repair;
    if (image_dev_open(argv[optind], &ho, &hb) != 0)
        return 8;
    tool_info("%s: block backend %s", argv[optind], kk_hostblk_backend(hb));
    fo.size = sizeof(fo);
    fo.repair = (uint32_t)repair;
    fo.plat = kk_host_platform();
    fo.report = report;
    fo.report_ctx = argv[optind];
    if (!has_sfs_magic(kk_hostblk_dev(hb))) {
        if (tool_ioerr.rc) /* the superblock read failed: named with its block */
            tool_err("%s: %s", argv[optind], kk_strerror(tool_ioerr.rc));
        else
            tool_err("%s: not an SFS image (bad superblock magic)", argv[optind]);
        kk_hostblk_close(hb);
        return 8;
    }
    rc = kk_sfs_fsck(kk_hostblk_dev(hb), &fo);
    fflush(stdout);
    if (kk_hostblk_close(hb) != 0 && rc >= 0 && repair) {
        tool_err("%s: close failed", argv[optind]);
        return 8;
    }
    if (rc < 0) {
        tool_err("%s: check failed: %s", argv[optind], kk_strerror(rc));
        return 8;
    }
    tool_info("%s: %s", argv[optind],
              rc == 0   ? "clean"
              : rc == 1 ? "repaired"
                        : "errors left uncorrected");
    return rc;
}
