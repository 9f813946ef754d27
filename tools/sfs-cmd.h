/*
 * sfs-cmd.h: the commands of the sfs tool (ls, cat, stat, extract, put, rm,
 * mkdir) over an SFS image mounted at "/" of a VFS, callable without the
 * tool's main() (tests/fuzz/fuzz-sfs-tools.c drives them over a RAM device).
 * Each prints one line on stderr per error ("sfs: IMAGE:PATH: reason") and
 * returns 0 or 1, the tool's exit status.
 */
#ifndef KK_TOOLS_SFS_CMD_H
#define KK_TOOLS_SFS_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kernkit/vfs.h>

#define SFS_CMD_BUFSZ (1u << 20)

/* What extract does with a host entry of the same name. */
enum sfs_cmd_exist { EXIST_FAIL, EXIST_FORCE, EXIST_SKIP };

/* One run of the tool: the caller fills vfs, image, buf, out (and exist,
 * budget); zero the rest. */
struct sfs_cmd {
    struct kk_vfs *vfs; /* the image mounted at "/" */
    const char *image;  /* its name, for messages */
    char *buf;          /* SFS_CMD_BUFSZ bytes */
    FILE *out;          /* ls and stat print here; cat writes to its descriptor */
    enum sfs_cmd_exist exist;
    /* bytes cat and extract may still write in all (0: no limit); past it
     * the copy fails with "output limit reached" (the fuzz harness's cap) */
    uint64_t budget;
    /* extract: hard links and visited directories, existing entries kept */
    struct sfs_cmd_seen {
        uint64_t ino;
        char *path;
    } * seen;
    size_t nseen, capseen;
    uint64_t *dirs;
    size_t ndirs, capdirs;
    unsigned long kept;
};

/* ls PATH: one line per entry (TYPE INO NLINKS SIZE NAME [-> TARGET], names
 * escaped); @all keeps "." and "..". */
int sfs_cmd_ls(struct sfs_cmd *c, const char *path, int all);
/* cat PATH to fileno(c->out), holes as holes when that is a regular file. */
int sfs_cmd_cat(struct sfs_cmd *c, const char *path);
/* stat PATH: "key: value" lines. */
int sfs_cmd_stat(struct sfs_cmd *c, const char *path);
/* extract the whole tree into host directory @out (created if absent); never
 * writes outside it (see tools/sfs-cmd.c). */
int sfs_cmd_extract(struct sfs_cmd *c, const char *out);
/* put host file @host at image path @dest (atomic create or replace). */
int sfs_cmd_put(struct sfs_cmd *c, const char *host, const char *dest);
int sfs_cmd_rm(struct sfs_cmd *c, const char *path);
int sfs_cmd_mkdir(struct sfs_cmd *c, const char *path);

#endif
