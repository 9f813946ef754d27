/*
 * common.h: helpers shared by the host tools (mksfs, sfsck, sfs): one-line
 * errors, option parsing bits, opening and mounting an image.
 */
#ifndef KK_TOOLS_COMMON_H
#define KK_TOOLS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <kernkit/sfs.h>
#include "hostblk.h"

extern const char *tool_name;
extern int tool_verbose;
/* The first device failure of the images opened (image_dev_open(), mksfs):
 * tool_err()/tool_warn() name its block at the end of their next line. */
extern struct kk_hostblk_ioerr tool_ioerr;
/* Set once the first device failure has been named on a message line. */
extern int tool_ioerr_named;
/* A device failure not named yet: one line "tool: PATH: <error> reading block N". */
void tool_ioerr_log(const char *path);

/* Print "tool: message" on stderr (one line). */
void tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tool: warning: message" on stderr. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With --verbose: print "tool: message" on stderr. */
void tool_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * --help / --version, e2fsprogs style: if any argument before "--" is one of
 * them, print @help (the full usage, every option) or "TOOL (kernkit) X.Y.Z"
 * on stdout and exit 0. Call first in main().
 */
void tool_help_version(int argc, char **argv, const char *help);

/* Parse "123", "64K", "16M", "1G" (bytes). Returns 0 or -1. */
int parse_size(const char *s, uint64_t *out);

/* An opened (and optionally mounted) image. */
struct image {
    struct kk_hostblk *hb;
    struct kk_sfs *fs;
    struct kk_sfs_inode *root;
};

/*
 * Open the block device of @path with @ho (its ioerr set to &tool_ioerr). Prints one line naming
 * the reason (open error, not a file or block device, smaller than one block) and returns a KK code
 * on failure; *hb is set only on success.
 */
int image_dev_open(const char *path, const struct kk_hostblk_opts *ho, struct kk_hostblk **hb);
/* Open @path (read-only or not) and mount it. Prints the error; returns 0 or a KK code. */
int image_open(struct image *im, const char *path, int read_only, int force_pread);
/* Unmount (sync) and close; prints and returns the first error. */
int image_close(struct image *im, const char *path);

/*
 * Copy @s into @out (@cap bytes) with every byte that could fake lines or
 * drive a terminal escaped, as `ls -b` does: a backslash as "\\", control
 * bytes, DEL and bytes >= 0x80 as "\ooo" (octal). Truncated to fit; returns @out.
 */
const char *name_esc(const char *s, char *out, size_t cap);
/* Room for name_esc() of a name or path of @n bytes. */
#define NAME_ESC_CAP(n) (4 * (n) + 1)

#endif
