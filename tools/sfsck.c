/*
 * sfsck: check an SFS image, and with -y repair it.
 *
 *   sfsck [-y|-n] [-v] [--pread] IMAGE
 *
 * One line per finding on stdout ("IMAGE: finding", "(fixed)" appended when
 * repaired). Exit status like e2fsck: 0 clean, 1 errors found and repaired,
 * 4 errors left uncorrected (always the case without -y), 8 operational
 * error (cannot open or read the image, bad usage).
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
