/*
 * sfs-cmd.c: the commands of the sfs tool (tools/sfs.c parses the command
 * line and mounts the image; tests/fuzz/fuzz-sfs-tools.c calls the same
 * functions over a RAM device).
 *
 * extract never writes outside its directory: it creates every entry
 * relative to a directory descriptor with O_EXCL/O_NOFOLLOW, refuses names
 * with '/' or dot names (each skipped entry reported, exit 1), stops at
 * directory loops, and writes holes as holes. ls and stat escape names.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sfs-cmd.h"
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUFSZ SFS_CMD_BUFSZ

static int fail(struct sfs_cmd *c, const char *path, int rc)
{
    char e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
    tool_err("%s:%s: %s", c->image, name_esc(path, e, sizeof(e)), kk_strerror(rc));
    return 1;
}

/* "REL: host error" with REL escaped; returns 1. */
static int host_err(const char *rel)
{
    char e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
    int err = errno;
    tool_err("%s: %s", name_esc(rel, e, sizeof(e)), strerror(err));
    return 1;
}

static char type_char(uint32_t t)
{
    return t == KK_VFS_DIR ? 'd' : t == KK_VFS_SYMLINK ? 'l' : 'f';
}

static int print_entry(struct sfs_cmd *c, struct kk_vfs_node *dir, const char *name,
                       const char *shown)
{
    struct kk_vfs_stat st;
    char target[KK_VFS_PATH_MAX + 1], e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
    int rc = kk_vfs_stat(c->vfs, dir, name, 0, &st);
    if (rc)
        return fail(c, name, rc);
    fprintf(c->out, "%c %llu %u %llu %s", type_char(st.type), (unsigned long long)st.ino, st.nlinks,
            (unsigned long long)st.size, name_esc(shown, e, sizeof(e)));
    if (st.type == KK_VFS_SYMLINK &&
        kk_vfs_readlink(c->vfs, dir, name, target, sizeof(target)) >= 0)
        fprintf(c->out, " -> %s", name_esc(target, e, sizeof(e)));
    fputc('\n', c->out);
    return 0;
}

int sfs_cmd_ls(struct sfs_cmd *c, const char *path, int all)
{
    struct kk_vfs_file *f;
    struct kk_vfs_node *dir;
    struct kk_vfs_dirent e;
    struct kk_vfs_stat st;
    int rc = kk_vfs_stat(c->vfs, NULL, path, 0, &st), ret = 0;
    if (rc)
        return fail(c, path, rc);
    if (st.type != KK_VFS_DIR)
        return print_entry(c, NULL, path, path);
    if ((rc = kk_vfs_open(c->vfs, NULL, path, KK_O_RDONLY | KK_O_DIRECTORY, &f)) != 0 ||
        (rc = kk_vfs_lookup(c->vfs, NULL, path, 1, &dir)) != 0)
        return fail(c, path, rc);
    while ((rc = kk_vfs_readdir(f, &e)) == 1) {
        if (!all && (!strcmp(e.name, ".") || !strcmp(e.name, "..")))
            continue;
        ret |= print_entry(c, dir, e.name, e.name);
    }
    if (rc < 0)
        ret = fail(c, path, rc);
    kk_vfs_node_put(dir);
    kk_vfs_close(f);
    return ret;
}

/*
 * Write @n bytes to @fd; with @hole non-NULL, whole zero blocks are not
 * written but added to *@hole, skipped with one lseek before the next data
 * (holes), so a sparse file costs no disk. Returns 0 or -1 (errno).
 */
static int write_out(int fd, const char *buf, size_t n, off_t *hole)
{
    while (n > 0) {
        size_t k = n < KK_SFS_BLKSIZE ? n : KK_SFS_BLKSIZE;
        if (hole && buf[0] == 0 && memcmp(buf, buf + 1, k - 1) == 0) {
            *hole += (off_t)k;
        } else {
            if (hole && *hole && lseek(fd, *hole, SEEK_CUR) < 0)
                return -1;
            if (hole)
                *hole = 0;
            for (size_t w = 0; w < k;) {
                ssize_t r = write(fd, buf + w, k - w);
                if (r < 0)
                    return -1;
                w += (size_t)r;
            }
        }
        buf += k;
        n -= k;
    }
    return 0;
}

/* After sparse writes: skip the trailing @hole and extend the file over it. */
static int end_sparse(int fd, off_t hole)
{
    struct stat st;
    off_t pos = lseek(fd, hole, SEEK_CUR);
    if (pos < 0 || fstat(fd, &st) != 0)
        return -1;
    return pos > st.st_size ? ftruncate(fd, pos) : 0;
}

/* Can holes be left in @fd by seeking (a regular file, not appending)? */
static int can_seek_holes(int fd)
{
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && !(fl & O_APPEND) && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
           lseek(fd, 0, SEEK_CUR) >= 0;
}

/* Copy open image file @f to @fd (holes as holes when @fd allows); @what names @fd. */
static int copy_out(struct sfs_cmd *c, struct kk_vfs_file *f, int fd, const char *what,
                    const char *rel)
{
    int sparse = can_seek_holes(fd), rc;
    off_t hole = 0;
    size_t n;
    while ((rc = kk_vfs_read(f, c->buf, BUFSZ, &n)) == 0 && n > 0) {
        if (c->budget && n >= c->budget) {
            char e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
            tool_err("%s: output limit reached", name_esc(rel, e, sizeof(e)));
            c->budget = 1; /* every later copy stops at once too */
            return 1;
        }
        if (c->budget)
            c->budget -= n;
        if (write_out(fd, c->buf, n, sparse ? &hole : NULL) != 0) {
            return host_err(what);
        }
    }
    if (rc)
        return fail(c, rel, rc);
    if (sparse && end_sparse(fd, hole) != 0) {
        return host_err(what);
    }
    return 0;
}

int sfs_cmd_cat(struct sfs_cmd *c, const char *path)
{
    struct kk_vfs_file *f;
    int rc = kk_vfs_open(c->vfs, NULL, path, KK_O_RDONLY, &f);
    if (rc)
        return fail(c, path, rc);
    fflush(c->out);
    rc = copy_out(c, f, fileno(c->out), "stdout", path);
    kk_vfs_close(f);
    return rc;
}

int sfs_cmd_stat(struct sfs_cmd *c, const char *path)
{
    struct kk_vfs_stat st;
    char e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
    int rc = kk_vfs_stat(c->vfs, NULL, path, 0, &st);
    if (rc)
        return fail(c, path, rc);
    fprintf(c->out, "path: %s\ntype: %s\ninode: %llu\nlinks: %u\nsize: %llu\nblocks: %llu\n",
            name_esc(path, e, sizeof(e)),
            st.type == KK_VFS_DIR       ? "directory"
            : st.type == KK_VFS_SYMLINK ? "symlink"
                                        : "file",
            (unsigned long long)st.ino, st.nlinks, (unsigned long long)st.size,
            (unsigned long long)st.blocks);
    return 0;
}

int sfs_cmd_mkdir(struct sfs_cmd *c, const char *path)
{
    int rc = kk_vfs_mkdir(c->vfs, NULL, path);
    return rc ? fail(c, path, rc) : 0;
}

int sfs_cmd_rm(struct sfs_cmd *c, const char *path)
{
    struct kk_vfs_stat st;
    int rc = kk_vfs_stat(c->vfs, NULL, path, 0, &st);
    if (rc == 0)
        rc = st.type == KK_VFS_DIR ? kk_vfs_rmdir(c->vfs, NULL, path)
                                   : kk_vfs_unlink(c->vfs, NULL, path);
    return rc ? fail(c, path, rc) : 0;
}

/*
 * The temporary name put writes to: ".put-<pid>.tmp" in PATH's directory
 * (same directory, so the rename that replaces PATH stays inside it).
 */
static int put_tmp_name(const char *path, char *tmp, size_t len)
{
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    int n = snprintf(tmp, len, "%.*s.put-%ld.tmp", dir, path, (long)getpid());
    return n > 0 && (size_t)n < len ? 0 : KK_ENAMETOOLONG;
}

/*
 * Where put writes: DEST itself, or DEST/<basename of HOST> when DEST ends in
 * '/' or names a directory (as cp does).
 */
static int put_target(struct sfs_cmd *c, const char *host, const char *dest, char *out, size_t len)
{
    struct kk_vfs_stat st;
    size_t n = strlen(dest);
    const char *base = strrchr(host, '/');
    int into = n > 0 && dest[n - 1] == '/';
    base = base ? base + 1 : host;
    if (!into && kk_vfs_stat(c->vfs, NULL, dest, 1, &st) == 0 && st.type == KK_VFS_DIR)
        into = 1;
    if (into && (base[0] == '\0' || !strcmp(base, ".") || !strcmp(base, "..")))
        return KK_EINVAL;
    n = (size_t)(into ? snprintf(out, len, "%s%s%s", dest, dest[n - 1] == '/' ? "" : "/", base)
                      : snprintf(out, len, "%s", dest));
    return n < len ? 0 : KK_ENAMETOOLONG;
}

/*
 * Copy a host file in. The source must be a regular file (checked before
 * anything is created). The copy goes to a temporary name in the same
 * directory, is synced, then renamed over PATH: PATH is the whole old file
 * or the whole new one after any failure (KK_ENOSPC included) or power cut.
 * A failed copy removes the temporary file again.
 */
int sfs_cmd_put(struct sfs_cmd *c, const char *host, const char *dest)
{
    struct kk_vfs_file *f;
    int fd = open(host, O_RDONLY | O_CLOEXEC), rc, err = 0;
    char tmp[KK_VFS_PATH_MAX + 1], path[KK_VFS_PATH_MAX + 1];
    struct stat st;
    ssize_t n;
    size_t done;
    if (fd < 0 || fstat(fd, &st) != 0) {
        tool_err("%s: %s", host, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        tool_err("%s: not a regular file", host);
        close(fd);
        return 1;
    }
    if ((rc = put_target(c, host, dest, path, sizeof(path))) != 0 ||
        (rc = put_tmp_name(path, tmp, sizeof(tmp))) != 0 ||
        (rc = kk_vfs_open(c->vfs, NULL, tmp, KK_O_WRONLY | KK_O_CREAT | KK_O_TRUNC, &f)) != 0) {
        close(fd);
        return fail(c, path, rc);
    }
    while ((n = read(fd, c->buf, BUFSZ)) > 0)
        if ((rc = kk_vfs_write(f, c->buf, (size_t)n, &done)) != 0)
            break;
    if (n < 0)
        err = errno;
    close(fd);
    kk_vfs_close(f);
    /* the new contents are on the device before any name points at them */
    if (n >= 0 && rc == 0 && (rc = kk_vfs_sync(c->vfs)) == 0 &&
        (rc = kk_vfs_rename(c->vfs, NULL, tmp, path)) == 0)
        return 0;
    kk_vfs_unlink(c->vfs, NULL, tmp); /* no partial file; PATH untouched */
    if (n < 0) {
        tool_err("%s: %s", host, strerror(err));
        return 1;
    }
    return fail(c, path, rc);
}

/* ---- extract ---- */

static const char *seen_path(struct sfs_cmd *c, uint64_t ino)
{
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i].ino == ino)
            return c->seen[i].path;
    return NULL;
}

static int remember(struct sfs_cmd *c, uint64_t ino, const char *rel)
{
    if (c->nseen == c->capseen) {
        size_t cap = c->capseen ? 2 * c->capseen : 64;
        void *p = realloc(c->seen, cap * sizeof(*c->seen));
        if (!p)
            return -1;
        c->seen = p;
        c->capseen = cap;
    }
    c->seen[c->nseen].ino = ino;
    c->seen[c->nseen].path = strdup(rel);
    return c->seen[c->nseen++].path ? 0 : -1;
}

static int dir_seen(struct sfs_cmd *c, uint64_t ino)
{
    for (size_t i = 0; i < c->ndirs; i++)
        if (c->dirs[i] == ino)
            return 1;
    if (c->ndirs == c->capdirs) {
        size_t cap = c->capdirs ? 2 * c->capdirs : 64;
        void *p = realloc(c->dirs, cap * sizeof(*c->dirs));
        if (!p)
            return -1;
        c->dirs = p;
        c->capdirs = cap;
    }
    c->dirs[c->ndirs++] = ino;
    return 0;
}

static uint64_t dir_ino(struct kk_vfs_node *dir)
{
    struct kk_vfs_stat st;
    return kk_vfs_node_stat(dir, &st) == 0 ? st.ino : 0;
}

/*
 * Before a non-directory entry NAME is made in DFD: 0 to go on (with
 * --force an existing non-directory was removed), 1 to skip it
 * (--skip-existing and it exists), -1 after an error was printed.
 */
static int make_room(struct sfs_cmd *c, int dfd, const char *name, const char *rel)
{
    struct stat st;
    if (c->exist == EXIST_FAIL || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    if (c->exist == EXIST_SKIP) {
        c->kept++;
        return 1;
    }
    if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0) {
        host_err(rel);
        return -1;
    }
    return 0;
}

/*
 * mkdir for extract: 0 made or reused, 1 skip the subtree, -1 error (errno).
 * With --force or --skip-existing an existing directory is merged into; a
 * non-directory in its place is replaced (--force) or kept (--skip-existing).
 */
static int make_dir(struct sfs_cmd *c, int dfd, const char *name)
{
    struct stat st;
    if (mkdirat(dfd, name, 0755) == 0)
        return 0;
    if (errno != EEXIST || c->exist == EXIST_FAIL)
        return -1;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (c->exist == EXIST_SKIP) {
        c->kept++;
        return 1;
    }
    return unlinkat(dfd, name, 0) == 0 && mkdirat(dfd, name, 0755) == 0 ? 0 : -1;
}

static int extract_file(struct sfs_cmd *c, struct kk_vfs_node *dir, const char *name, int dfd,
                        const char *rel)
{
    struct kk_vfs_file *f;
    int rc = kk_vfs_open(c->vfs, dir, name, KK_O_RDONLY | KK_O_NOFOLLOW, &f);
    int fd;
    if (rc)
        return fail(c, rel, rc);
    fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        host_err(rel);
        kk_vfs_close(f);
        return 1;
    }
    rc = copy_out(c, f, fd, rel, rel);
    kk_vfs_close(f);
    if (close(fd) != 0 && rc == 0) {
        host_err(rel);
        return 1;
    }
    return rc;
}

static int extract_dir(struct sfs_cmd *c, struct kk_vfs_node *dir, uint64_t parent, int dfd,
                       int rootfd, const char *rel);

static int extract_entry(struct sfs_cmd *c, struct kk_vfs_node *dir, const char *name, int dfd,
                         int rootfd, const char *rel)
{
    struct kk_vfs_stat st;
    char target[KK_VFS_PATH_MAX + 1];
    const char *prev;
    int rc = kk_vfs_stat(c->vfs, dir, name, 0, &st);
    if (rc)
        return fail(c, rel, rc);
    if (st.type == KK_VFS_DIR) {
        struct kk_vfs_node *sub;
        int sfd;
        if ((rc = dir_seen(c, st.ino)) != 0) {
            char e[NAME_ESC_CAP(KK_VFS_PATH_MAX)];
            tool_err("%s:%s: directory loop or directory hard link", c->image,
                     name_esc(rel, e, sizeof(e)));
            return 1;
        }
        if ((rc = make_dir(c, dfd, name)) == 1)
            return 0;
        if (rc != 0 ||
            (sfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
            host_err(rel);
            return 1;
        }
        if ((rc = kk_vfs_lookup(c->vfs, dir, name, 0, &sub)) != 0) {
            close(sfd);
            return fail(c, rel, rc);
        }
        rc = extract_dir(c, sub, dir_ino(dir), sfd, rootfd, rel);
        kk_vfs_node_put(sub);
        close(sfd);
        return rc;
    }
    if ((rc = make_room(c, dfd, name, rel)) != 0)
        return rc < 0 ? 1 : 0;
    if (st.type == KK_VFS_SYMLINK) {
        if ((rc = kk_vfs_readlink(c->vfs, dir, name, target, sizeof(target))) < 0)
            return fail(c, rel, rc);
        if (symlinkat(target, dfd, name) != 0) {
            host_err(rel);
            return 1;
        }
        return 0;
    }
    if ((prev = seen_path(c, st.ino)) != NULL) {
        if (linkat(rootfd, prev, dfd, name, 0) != 0) {
            host_err(rel);
            return 1;
        }
        return 0;
    }
    if (st.nlinks > 1 && remember(c, st.ino, rel) != 0) {
        tool_err("out of memory");
        return 1;
    }
    return extract_file(c, dir, name, dfd, rel);
}

static int bad_name(const char *n)
{
    return !strcmp(n, ".") || !strcmp(n, "..") || strchr(n, '/') != NULL || n[0] == '\0';
}

/*
 * Is @e the directory's own "." (naming @self) or ".." (naming @parent), the
 * first of its kind (@seen)? Those are not copied; any other entry with a
 * dot name is skipped with a message.
 */
static int expected_dot(const struct kk_vfs_dirent *e, uint64_t self, uint64_t parent, int *seen)
{
    int two = !strcmp(e->name, "..");
    if (*seen & (1 << two) || e->ino != (two ? parent : self))
        return 0;
    *seen |= 1 << two;
    return 1;
}

static int extract_dir(struct sfs_cmd *c, struct kk_vfs_node *dir, uint64_t parent, int dfd,
                       int rootfd, const char *rel)
{
    struct kk_vfs_file *f;
    struct kk_vfs_dirent e;
    char esc[2][NAME_ESC_CAP(KK_VFS_PATH_MAX)];
    uint64_t self = dir_ino(dir);
    int rc = kk_vfs_open(c->vfs, dir, ".", KK_O_RDONLY | KK_O_DIRECTORY, &f), ret = 0, dots = 0;
    if (rc)
        return fail(c, rel[0] ? rel : "/", rc);
    while ((rc = kk_vfs_readdir(f, &e)) == 1) {
        char *sub;
        if ((!strcmp(e.name, ".") || !strcmp(e.name, "..")) &&
            expected_dot(&e, self, parent, &dots))
            continue;
        if (bad_name(e.name)) {
            tool_err("%s:%s: skipping entry '%s' (inode %llu): not a name to create", c->image,
                     name_esc(rel[0] ? rel : "/", esc[0], sizeof(esc[0])),
                     name_esc(e.name, esc[1], sizeof(esc[1])), (unsigned long long)e.ino);
            ret = 1;
            continue;
        }
        if (asprintf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", e.name) < 0) {
            ret = 1;
            break;
        }
        ret |= extract_entry(c, dir, e.name, dfd, rootfd, sub);
        free(sub);
    }
    if (rc < 0)
        ret = fail(c, rel[0] ? rel : "/", rc);
    kk_vfs_close(f);
    return ret;
}

int sfs_cmd_extract(struct sfs_cmd *c, const char *out)
{
    struct kk_vfs_node *root;
    struct kk_vfs_stat st;
    int fd, rc;
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        tool_err("%s: %s", out, strerror(errno));
        return 1;
    }
    if ((fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        tool_err("%s: %s", out, strerror(errno));
        return 1;
    }
    if ((rc = kk_vfs_lookup(c->vfs, NULL, "/", 1, &root)) != 0) {
        close(fd);
        return fail(c, "/", rc);
    }
    kk_vfs_node_stat(root, &st);
    dir_seen(c, st.ino);
    rc = extract_dir(c, root, st.ino, fd, fd, "");
    kk_vfs_node_put(root);
    close(fd);
    if (c->kept)
        fprintf(stderr, "sfs: %lu existing entr%s in %s kept (--skip-existing)\n", c->kept,
                c->kept == 1 ? "y" : "ies", out);
    for (size_t i = 0; i < c->nseen; i++)
        free(c->seen[i].path);
    free(c->seen);
    free(c->dirs);
    c->seen = NULL;
    c->dirs = NULL;
    c->nseen = c->capseen = c->ndirs = c->capdirs = 0;
    return rc;
}
