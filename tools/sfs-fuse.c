/*
 * sfs-fuse.c: mount an SFS image on the host with libfuse3.
 *
 *   sfs-fuse [-v] [--pread] [-r] IMAGE MOUNTPOINT [FUSE options, e.g. -f]
 *
 * Every operation goes through the generic VFS (kk_vfs_*) over one SFS
 * mount, so this also exercises the VFS the way a kernel would. FUSE runs
 * single-threaded (-s is always added): an open file's position is set by
 * a seek before each read/write. KK_E* codes are negative Linux errno
 * values, so they are returned to FUSE as they are. SFS has no modes,
 * owners or times: files show as 0644, directories 0755, symlinks 0777,
 * owned by the mounting user; utimens, chmod and chown are accepted and
 * ignored (touch, cp -a work).
 * Unmount with `fusermount3 -u MOUNTPOINT`; the image is synced and closed.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kernkit/vfs.h>
#include "common.h"

static struct {
    struct image im;
    struct kk_vfs *v;
    const char *path;
    int hid; /* an entry was hidden (logged once per mount) */
} g;

static struct kk_vfs_file *fh(struct fuse_file_info *fi)
{
    return (struct kk_vfs_file *)(uintptr_t)fi->fh;
}

static void fill_stat(const struct kk_vfs_stat *s, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = (ino_t)s->ino;
    st->st_size = (off_t)s->size;
    st->st_blocks = (blkcnt_t)(s->blocks * (KK_SFS_BLKSIZE / 512));
    st->st_blksize = KK_SFS_BLKSIZE;
    st->st_nlink = s->nlinks;
    st->st_uid = getuid();
    st->st_gid = getgid();
    if (s->type == KK_VFS_DIR)
        st->st_mode = S_IFDIR | 0755;
    else if (s->type == KK_VFS_SYMLINK)
        st->st_mode = S_IFLNK | 0777;
    else
        st->st_mode = S_IFREG | 0644;
}

static int f_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct kk_vfs_stat s;
    int rc = fi ? kk_vfs_fstat(fh(fi), &s) : kk_vfs_stat(g.v, NULL, path, 0, &s);
    if (rc == 0)
        fill_stat(&s, st);
    return rc;
}

static int kk_flags(int flags)
{
    int k = flags & O_ACCMODE; /* same values */
    if (flags & O_TRUNC)
        k |= KK_O_TRUNC;
    if (flags & O_APPEND)
        k |= KK_O_APPEND;
    if (flags & O_EXCL)
        k |= KK_O_EXCL;
    if (flags & O_NOFOLLOW)
        k |= KK_O_NOFOLLOW;
    if (flags & O_DIRECTORY)
        k |= KK_O_DIRECTORY;
    return k;
}

static int open_common(const char *path, int kflags, struct fuse_file_info *fi)
{
    struct kk_vfs_file *f;
    int rc = kk_vfs_open(g.v, NULL, path, kflags, &f);
    if (rc == 0)
        fi->fh = (uint64_t)(uintptr_t)f;
    return rc;
}

static int f_open(const char *path, struct fuse_file_info *fi)
{
    return open_common(path, kk_flags(fi->flags), fi);
}

static int f_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)mode;
    return open_common(path, kk_flags(fi->flags) | KK_O_CREAT, fi);
}

static int f_opendir(const char *path, struct fuse_file_info *fi)
{
    return open_common(path, KK_O_RDONLY | KK_O_DIRECTORY, fi);
}

static int f_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    return kk_vfs_close(fh(fi));
}

/* Directory offsets are VFS readdir cookies: FUSE resumes exactly there. */
static int f_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    struct kk_vfs_dirent d;
    uint64_t cookie = (uint64_t)off;
    int rc;
    (void)path;
    (void)flags;
    for (;;) {
        struct stat st;
        if ((rc = kk_vfs_readdir_at(fh(fi), &cookie, &d)) != 1)
            return rc;
        if (d.name[0] == '\0' || strchr(d.name, '/')) {
            /* no host name can present it: hide it, not the whole directory */
            char e[NAME_ESC_CAP(KK_VFS_NAME_MAX)];
            if (!__atomic_exchange_n(&g.hid, 1, __ATOMIC_RELAXED))
                tool_warn("%s: hiding entry '%s' (inode %llu) and any later one like it: "
                          "not a valid host file name (sfsck -y clears it)",
                          g.path, name_esc(d.name, e, sizeof(e)), (unsigned long long)d.ino);
            continue;
        }
        memset(&st, 0, sizeof(st));
        st.st_ino = (ino_t)d.ino;
        if (filler(buf, d.name, &st, (off_t)cookie, 0))
            return 0; /* buffer full: FUSE comes back with this offset */
    }
}

static int f_read(const char *path, char *buf, size_t len, off_t off, struct fuse_file_info *fi)
{
    size_t done = 0;
    int rc;
    (void)path;
    if ((rc = kk_vfs_seek(fh(fi), off, KK_SEEK_SET, NULL)) == 0)
        rc = kk_vfs_read(fh(fi), buf, len, &done);
    return rc ? rc : (int)done;
}

static int f_write(const char *path, const char *buf, size_t len, off_t off,
                   struct fuse_file_info *fi)
{
    size_t done = 0;
    int rc;
    (void)path;
    if ((rc = kk_vfs_seek(fh(fi), off, KK_SEEK_SET, NULL)) == 0)
        rc = kk_vfs_write(fh(fi), buf, len, &done);
    return rc && done == 0 ? rc : (int)done;
}

static int f_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct kk_vfs_file *f;
    int rc;
    if (size < 0)
        return -EINVAL;
    if (fi && ((rc = kk_vfs_ftruncate(fh(fi), (uint64_t)size)) != KK_EBADF || !path))
        return rc; /* fi->flags is not the open flags here: let the VFS decide */
    if ((rc = kk_vfs_open(g.v, NULL, path, KK_O_WRONLY, &f)) != 0)
        return rc;
    rc = kk_vfs_ftruncate(f, (uint64_t)size);
    kk_vfs_close(f);
    return rc;
}

static int f_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path;
    (void)datasync;
    return kk_vfs_fsync(fh(fi));
}

static int f_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    return f_fsync(path, datasync, fi);
}

static int f_mkdir(const char *path, mode_t mode)
{
    (void)mode;
    return kk_vfs_mkdir(g.v, NULL, path);
}

static int f_unlink(const char *path)
{
    return kk_vfs_unlink(g.v, NULL, path);
}

static int f_rmdir(const char *path)
{
    return kk_vfs_rmdir(g.v, NULL, path);
}

static int f_rename(const char *from, const char *to, unsigned int flags)
{
    struct kk_vfs_stat st;
    if (flags & ~RENAME_NOREPLACE)
        return -EINVAL; /* RENAME_EXCHANGE, RENAME_WHITEOUT */
    if ((flags & RENAME_NOREPLACE) && kk_vfs_stat(g.v, NULL, to, 0, &st) == 0)
        return -EEXIST;
    return kk_vfs_rename(g.v, NULL, from, to);
}

static int f_link(const char *from, const char *to)
{
    return kk_vfs_link(g.v, NULL, from, to);
}

static int f_symlink(const char *target, const char *path)
{
    return kk_vfs_symlink(g.v, NULL, target, path);
}

static int f_readlink(const char *path, char *buf, size_t len)
{
    int rc = kk_vfs_readlink(g.v, NULL, path, buf, len);
    if (rc < 0)
        return rc;
    buf[(size_t)rc < len ? (size_t)rc : len - 1] = '\0'; /* FUSE truncates silently */
    return 0;
}

static int f_statfs(const char *path, struct statvfs *sv)
{
    struct kk_sfs_statfs s;
    int rc = kk_sfs_statfs(g.im.fs, &s);
    (void)path;
    if (rc)
        return rc;
    memset(sv, 0, sizeof(*sv));
    sv->f_bsize = sv->f_frsize = s.block_size;
    sv->f_blocks = s.blocks;
    sv->f_bfree = sv->f_bavail = s.free_blocks;
    sv->f_files = s.blocks; /* every inode is a block */
    sv->f_ffree = sv->f_favail = s.free_blocks;
    sv->f_namemax = s.name_max;
    return 0;
}

static int f_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    struct kk_vfs_stat st;
    (void)tv;
    return fi ? 0 : kk_vfs_stat(g.v, NULL, path, 1, &st); /* no times on SFS */
}

/* SFS has no modes or owners: chmod and chown are accepted and change
 * nothing, like utimens, so cp -a / rsync -a / tar into a mount work. */
static int f_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    (void)mode;
    return f_utimens(path, NULL, fi);
}

static int f_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    (void)uid, (void)gid;
    return f_utimens(path, NULL, fi);
}

static void *f_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->use_ino = 1;
    cfg->nullpath_ok = 1;
    cfg->attr_timeout = 0; /* hard links are separate kernel nodes: no stale nlink/size */
    return NULL;
}

static void f_destroy(void *priv)
{
    (void)priv;
    if (kk_vfs_sync(g.v) != 0)
        tool_err("%s: sync failed", g.path);
    tool_ioerr_log(g.path);
}

static const struct fuse_operations ops = {
    .getattr = f_getattr,
    .readlink = f_readlink,
    .mkdir = f_mkdir,
    .unlink = f_unlink,
    .rmdir = f_rmdir,
    .symlink = f_symlink,
    .rename = f_rename,
    .link = f_link,
    .truncate = f_truncate,
    .open = f_open,
    .read = f_read,
    .write = f_write,
    .statfs = f_statfs,
    .release = f_release,
    .fsync = f_fsync,
    .opendir = f_opendir,
    .readdir = f_readdir,
    .releasedir = f_release,
    .fsyncdir = f_fsyncdir,
    .init = f_init,
    .destroy = f_destroy,
    .create = f_create,
    .utimens = f_utimens,
    .chmod = f_chmod,
    .chown = f_chown,
};

static void usage(void)
{
    fprintf(stderr, "usage: sfs-fuse [-v] [--pread] [-r] IMAGE MOUNTPOINT [FUSE options]\n");
}

static const char help_text[] =
    "Usage: sfs-fuse [OPTION]... IMAGE MOUNTPOINT [FUSE OPTION]...\n"
    "Mount an SFS image with FUSE (through kernkit's VFS).\n"
    "\n"
    "  -r             mount read-only\n"
    "  -v             say which block backend is active\n"
    "  --pread        never use io_uring (pread/pwrite only)\n"
    "  --help         print this help and exit\n"
    "  --version      print the version and exit\n"
    "  FUSE options   passed to libfuse3, e.g. -f (foreground), -d (debug),\n"
    "                 -o allow_other; -s (single-threaded) is always added\n"
    "\n"
    "SFS keeps no modes, owners or times: files show 0644, directories 0755,\n"
    "symlinks 0777, owned by the mounting user; utimens, chmod and chown are\n"
    "accepted and ignored.\n"
    "Unmount with fusermount3 -u MOUNTPOINT. Exit status: 0 after a clean\n"
    "unmount, 1 or 2 on error. See sfs-fuse(1).\n";

int main(int argc, char **argv)
{
    char **fargv = calloc((size_t)argc + 3, sizeof(char *));
    int i, fargc = 0, pread_only = 0, ro = 0, rc;
    tool_name = "sfs-fuse";
    tool_help_version(argc, argv, help_text);
    if (!fargv)
        return 1;
    fargv[fargc++] = argv[0];
    for (i = 1; i < argc; i++) {
        if (!g.path && strcmp(argv[i], "-v") == 0)
            tool_verbose = 1;
        else if (!g.path && strcmp(argv[i], "--pread") == 0)
            pread_only = 1;
        else if (!g.path && strcmp(argv[i], "-r") == 0)
            ro = 1;
        else if (!g.path && argv[i][0] != '-')
            g.path = argv[i];
        else
            fargv[fargc++] = argv[i];
    }
    if (!g.path || fargc < 2) {
        usage();
        free(fargv);
        return 2;
    }
    fargv[fargc++] = "-s"; /* single-threaded: see the file comment */
    if (ro)
        fargv[fargc++] = "-oro";
    if (image_open(&g.im, g.path, ro, pread_only) != 0) {
        free(fargv);
        return 1;
    }
    if ((rc = kk_vfs_create(kk_host_platform(), &g.v)) != 0 ||
        (rc = kk_vfs_mount(g.v, NULL, "/", kk_sfs_vfs_ops(), g.im.fs)) != 0) {
        tool_err("%s: vfs: %s", g.path, kk_strerror(rc));
        if (g.v)
            kk_vfs_destroy(g.v);
        image_close(&g.im, g.path);
        free(fargv);
        return 1;
    }
    rc = fuse_main(fargc, fargv, &ops, NULL);
    if (kk_vfs_umount(g.v, NULL, "/") != 0 || kk_vfs_destroy(g.v) != 0)
        tool_err("%s: files still open at exit", g.path);
    if (image_close(&g.im, g.path) != 0 && rc == 0)
        rc = 1;
    free(fargv);
    return rc;
}
