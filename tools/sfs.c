/*
 * sfs: look into and change an SFS image without mounting it.
 *
 *   sfs [-v] [--pread] ls IMAGE [PATH]          one line per entry:
 *                                               TYPE INO NLINKS SIZE NAME [-> TARGET]
 *   sfs [-v] [--pread] cat IMAGE PATH           file contents to stdout
 *   sfs [-v] [--pread] stat IMAGE PATH          "key: value" lines
 *   sfs [-v] [--pread] extract IMAGE DIR        copy the whole tree into DIR
 *   sfs [-v] [--pread] put IMAGE HOSTFILE PATH  copy a regular host file in (create/replace
 *                                               through a temporary name + rename: a failed
 *                                               copy leaves PATH as it was)
 *   sfs [-v] [--pread] rm IMAGE PATH            remove a file, symlink or empty directory
 *   sfs [-v] [--pread] mkdir IMAGE PATH         create a directory
 *
 * Paths inside the image are resolved by kernkit's VFS from the image root.
 * extract never writes outside DIR: it creates every entry relative to a
 * directory descriptor with O_EXCL/O_NOFOLLOW, refuses names with '/' or
 * dot names, and stops at directory loops. Exit status 0 or 1 (one line on
 * stderr per error).
 */
#define _GNU_SOURCE
#include "common.h"
#include "sfs-cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kernkit/vfs.h>

static void usage(void)
{
    fprintf(stderr, "usage: sfs [-v] [--pread] ls|cat|stat|extract|put|rm|mkdir IMAGE ...\n"
                    "  ls IMAGE [PATH] [-a]   cat IMAGE PATH   stat IMAGE PATH\n"
                    "  extract IMAGE DIR [--force|--skip-existing]\n"
                    "  put IMAGE HOSTFILE PATH|DIR/\n"
                    "  rm IMAGE PATH          mkdir IMAGE PATH\n");
}

static int run(struct sfs_cmd *c, const char *cmd, int argc, char **argv)
{
    if (!strcmp(cmd, "ls")) {
        int all = argc > 0 && !strcmp(argv[argc - 1], "-a");
        return sfs_cmd_ls(c, argc - all > 0 ? argv[0] : "/", all);
    }
    if (!strcmp(cmd, "cat") && argc == 1)
        return sfs_cmd_cat(c, argv[0]);
    if (!strcmp(cmd, "stat") && argc == 1)
        return sfs_cmd_stat(c, argv[0]);
    if (!strcmp(cmd, "extract") && argc == 2 && !strcmp(argv[1], "--force"))
        c->exist = EXIST_FORCE;
    else if (!strcmp(cmd, "extract") && argc == 2 && !strcmp(argv[1], "--skip-existing"))
        c->exist = EXIST_SKIP;
    else if (!strcmp(cmd, "extract") && argc == 2)
        argc = -1;
    if (!strcmp(cmd, "extract") && (argc == 1 || argc == 2))
        return sfs_cmd_extract(c, argv[0]);
    if (!strcmp(cmd, "put") && argc == 2)
        return sfs_cmd_put(c, argv[0], argv[1]);
    if (!strcmp(cmd, "rm") && argc == 1)
        return sfs_cmd_rm(c, argv[0]);
    if (!strcmp(cmd, "mkdir") && argc == 1)
        return sfs_cmd_mkdir(c, argv[0]);
    usage();
    return 1;
}

static const char help_text[] =
    "Usage: sfs [OPTION]... COMMAND IMAGE [ARG]...\n"
    "Look into and change an SFS image without mounting it.\n"
    "\n"
    "Commands:\n"
    "  ls IMAGE [PATH] [-a]     one line per entry: TYPE INO NLINKS SIZE NAME [-> TARGET]\n"
    "  cat IMAGE PATH           file contents to stdout\n"
    "  stat IMAGE PATH          \"key: value\" lines\n"
    "  extract IMAGE DIR [--force|--skip-existing]\n"
    "                           copy the whole tree into DIR (SFS keeps no permission\n"
    "                           bits: files get 0644, directories 0755); an entry that\n"
    "                           exists in DIR is an error, replaced (--force) or kept\n"
    "                           (--skip-existing)\n"
    "  put IMAGE HOSTFILE PATH  copy a regular host file in (create or replace,\n"
    "                           atomically); PATH ending in '/' or naming a directory\n"
    "                           receives HOSTFILE's base name\n"
    "  rm IMAGE PATH            remove a file, symlink or empty directory\n"
    "  mkdir IMAGE PATH         create a directory\n"
    "\n"
    "Options (before COMMAND):\n"
    "  -v, --verbose  say which block backend is active\n"
    "      --pread    never use io_uring (pread/pwrite only)\n"
    "      --help     print this help and exit\n"
    "      --version  print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 error (one line on stderr per error). See sfs(1).\n";

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"verbose", no_argument, 0, 'v'}, {"pread", no_argument, 0, 'P'}, {0, 0, 0, 0}};
    struct sfs_cmd c;
    struct image im;
    int opt, force_pread = 0, rc, ro;
    const char *cmd;
    tool_name = "sfs";
    tool_help_version(argc, argv, help_text);
    memset(&c, 0, sizeof(c));
    c.out = stdout;
    while ((opt = getopt_long(argc, argv, "+v", lo, NULL)) != -1) {
        if (opt == 'v')
            tool_verbose = 1;
        else if (opt == 'P')
            force_pread = 1;
        else {
            usage();
            return 1;
        }
    }
    if (argc - optind < 2) {
        usage();
        return 1;
    }
    cmd = argv[optind];
    c.image = argv[optind + 1];
    ro = strcmp(cmd, "put") && strcmp(cmd, "rm") && strcmp(cmd, "mkdir");
    c.buf = malloc(SFS_CMD_BUFSZ);
    if (!c.buf || image_open(&im, c.image, ro, force_pread) != 0) {
        free(c.buf);
        return 1;
    }
    if ((rc = kk_vfs_create(kk_host_platform(), &c.vfs)) == 0 &&
        (rc = kk_vfs_mount(c.vfs, NULL, "/", kk_sfs_vfs_ops(), im.fs)) != 0)
        kk_vfs_destroy(c.vfs);
    if (rc) {
        tool_err("%s: %s", c.image, kk_strerror(rc));
        image_close(&im, c.image);
        free(c.buf);
        return 1;
    }
    rc = run(&c, cmd, argc - optind - 2, argv + optind + 2);
    kk_vfs_umount(c.vfs, NULL, "/");
    kk_vfs_destroy(c.vfs);
    if (image_close(&im, c.image) != 0)
        rc = 1;
    free(c.buf);
    return rc;
}
