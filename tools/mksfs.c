/*
 * mksfs: build an SFS image from a host directory tree.
 *
 *   mksfs [options] IMAGE DIR
 *     -s, --size SIZE   create IMAGE with SIZE bytes (K/M/G suffixes) or "auto"
 *                       (fit the contents plus slack); without it an existing
 *                       IMAGE keeps its size (uCore's invocation) and a missing
 *                       one is created with "auto"
 *     --headroom PCT    with "auto": free space beyond the tree's needs, in percent
 *                       of them (default 12.5; 0 = just fits)
 *     -i, --info TEXT   superblock info string (default "simple file system")
 *     --skip-hidden     skip names starting with '.' (what uCore's mksfs does)
 *     --pread           never use io_uring
 *     -v, --verbose     say what is done (and which block backend is active)
 *
 * Files, directories, symlinks and hard links are copied; FIFOs, sockets and
 * devices are skipped with a warning and never opened, and so is IMAGE when
 * it lies inside DIR. Directory entries are
 * added in byte order of their names, so the same tree always gives the
 * same image bytes. While copying, the next 64 MiB of source files are
 * asked for ahead (POSIX_FADV_WILLNEED), so a cold tree is read with many
 * requests in flight. The image ends with fdatasync: when mksfs exits 0 the
 * image is on the disk. Exit status: 0 success, 1 error (one line on stderr).
 */
#define _GNU_SOURCE
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_BUF  (1u << 20)
#define RA_WINDOW (64u << 20) /* bytes of source files asked ahead of the copy */

struct hlink {
    dev_t dev;
    ino_t ino;
    uint32_t sfs_ino;
    struct hlink *next;
};

struct mk {
    struct hlink *links[1024];
    int skip_hidden;
    uint64_t est_blocks; /* inodes + data + indirect + entry blocks */
    uint64_t files, dirs, symlinks, bytes;
    char *buf;
    struct kk_sfs *fs;
    int have_image; /* the image file's identity, once it exists: never copied into itself */
    /* Readahead: the regular files in pass-2 order (from pass 1); pass 2
     * asks the kernel for the next RA_WINDOW bytes of them (WILLNEED), so
     * a cold tree is read with many requests in flight, not one file's
     * readahead at a time. Hints only: a mismatch costs nothing but time. */
    char **ra_path;
    uint64_t *ra_size;
    size_t ra_n, ra_cap, ra_next;
    uint64_t ra_asked, ra_done; /* bytes hinted, bytes copied */
    dev_t image_dev;
    ino_t image_ino;
};

/* Remember which host file is the image (when it exists). */
static void note_image(struct mk *m, const char *image)
{
    struct stat st;
    if (stat(image, &st) == 0 && S_ISREG(st.st_mode)) {
        m->have_image = 1;
        m->image_dev = st.st_dev;
        m->image_ino = st.st_ino;
    }
}

static int is_image(const struct mk *m, const struct stat *st)
{
    return m->have_image && st->st_dev == m->image_dev && st->st_ino == m->image_ino;
}

static struct hlink *hl_find(struct mk *m, dev_t dev, ino_t ino, int add)
{
    size_t h = (size_t)(ino * 2654435761u + dev) % 1024;
    struct hlink *l;
    for (l = m->links[h]; l; l = l->next)
        if (l->dev == dev && l->ino == ino)
            return l;
    if (!add || (l = calloc(1, sizeof(*l))) == NULL)
        return NULL;
    l->dev = dev;
    l->ino = ino;
    l->next = m->links[h];
    m->links[h] = l;
    return l;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Sorted entry names of directory @dfd (without "." and ".."). */
static int list_dir(struct mk *m, int dfd, const char *path, char ***out, size_t *count)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (!d) {
        tool_err("%s: cannot read directory: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (m->skip_hidden && e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, cap * sizeof(*names));
            if (!nn)
                goto oom;
            names = nn;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto oom;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    *out = names;
    *count = n;
    return 0;
oom:
    closedir(d);
    free_names(names, n);
    tool_err("%s: out of memory", path);
    return -1;
}

/* Blocks a file of @n data blocks needs for indirect pointers. */
static uint64_t indirect_blocks(uint64_t n)
{
    uint64_t k = 0;
    if (n > KK_SFS_NDIRECT)
        k++;
    if (n > KK_SFS_NDIRECT + KK_SFS_NENTRY)
        k += 1 + (n - KK_SFS_NDIRECT - KK_SFS_NENTRY + KK_SFS_NENTRY - 1) / KK_SFS_NENTRY;
    return k;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (p) {
        memcpy(p, a, la);
        p[la] = '/';
        memcpy(p + la + 1, b, lb + 1);
    }
    return p;
}

static int scan_dir(struct mk *m, int dfd, const char *path);

/* Pass 1: remember a regular file for the readahead of pass 2 (best effort). */
static void ra_note(struct mk *m, const char *path, const char *name, uint64_t size)
{
    if (size == 0)
        return;
    if (m->ra_n == m->ra_cap) {
        size_t cap = m->ra_cap ? 2 * m->ra_cap : 256;
        char **p = realloc(m->ra_path, cap * sizeof(*p));
        if (p)
            m->ra_path = p;
        uint64_t *z = p ? realloc(m->ra_size, cap * sizeof(*z)) : NULL;
        if (!z)
            return;
        m->ra_size = z;
        m->ra_cap = cap;
    }
    if ((m->ra_path[m->ra_n] = join(path, name)) != NULL)
        m->ra_size[m->ra_n++] = size;
}

/* Pass 2: hint the files ahead until RA_WINDOW bytes beyond the copy are asked for. */
static void ra_advance(struct mk *m)
{
    while (m->ra_next < m->ra_n && m->ra_asked < m->ra_done + RA_WINDOW) {
        int fd = open(m->ra_path[m->ra_next], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            (void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
            close(fd);
        }
        m->ra_asked += m->ra_size[m->ra_next++];
    }
}

/* Pass 1 for one entry: validate and count. */
static int scan_entry(struct mk *m, int dfd, const char *path, const char *name)
{
    struct stat st;
    int rc = 0, fd;
    if (strlen(name) > KK_SFS_MAX_NAME) {
        tool_err("%s/%s: name longer than %u bytes", path, name, KK_SFS_MAX_NAME);
        return -1;
    }
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        tool_err("%s/%s: %s", path, name, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        char *sub = join(path, name);
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            tool_err("%s: cannot open directory: %s", sub, strerror(errno));
            rc = -1;
        } else {
            rc = scan_dir(m, fd, sub);
            close(fd);
        }
        free(sub);
        m->dirs++;
    } else if (S_ISREG(st.st_mode)) {
        if (is_image(m, &st))
            return 0; /* no entry; build_entry warns */
        if (st.st_nlink > 1 && hl_find(m, st.st_dev, st.st_ino, 0))
            return 1;
        if (st.st_nlink > 1 && !hl_find(m, st.st_dev, st.st_ino, 1)) {
            tool_err("out of memory");
            return -1;
        }
        if (st.st_size > (off_t)UINT32_MAX) {
            tool_err("%s/%s: file larger than 4 GiB - 1, too big for SFS", path, name);
            return -1;
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            tool_err("%s/%s: cannot read: %s", path, name, strerror(errno));
            return -1;
        }
        close(fd);
        ra_note(m, path, name, (uint64_t)st.st_size);
        uint64_t nb = ((uint64_t)st.st_size + KK_SFS_BLKSIZE - 1) / KK_SFS_BLKSIZE;
        m->est_blocks += 1 + nb + indirect_blocks(nb);
        m->files++;
        m->bytes += (uint64_t)st.st_size;
    } else if (S_ISLNK(st.st_mode)) {
        if (st.st_size > (off_t)KK_SFS_MAX_LINK) {
            tool_err("%s/%s: symlink target longer than %u bytes", path, name, KK_SFS_MAX_LINK);
            return -1;
        }
        m->est_blocks += 2;
        m->symlinks++;
    } else {
        tool_warn("%s/%s: skipping special file (FIFO, socket or device)", path, name);
        return 0; /* no entry */
    }
    return rc < 0 ? rc : 1;
}

/* Pass 1: check the tree and estimate the blocks it needs. */
static int scan_dir(struct mk *m, int dfd, const char *path)
{
    char **names;
    size_t n, i, slots = 2;
    int rc = 0;
    if (list_dir(m, dfd, path, &names, &n) != 0)
        return -1;
    for (i = 0; i < n && rc >= 0; i++) {
        rc = scan_entry(m, dfd, path, names[i]);
        if (rc > 0)
            slots++;
    }
    free_names(names, n);
    m->est_blocks += 1 + slots + indirect_blocks(slots);
    return rc < 0 ? -1 : 0;
}

static int copy_file(struct mk *m, int fd, struct kk_sfs_inode *ip, const char *path)
{
    uint64_t off = 0;
    for (;;) {
        ssize_t n = read(fd, m->buf, COPY_BUF);
        size_t done;
        int rc;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            tool_err("%s: read failed: %s", path, strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        rc = kk_sfs_write(ip, off, m->buf, (size_t)n, &done);
        if (rc) {
            tool_err("%s: %s", path,
                     rc == KK_ENOSPC ? "image too small (no space left)" : kk_strerror(rc));
            return -1;
        }
        off += (uint64_t)n;
    }
}

static int lib_err(const char *path, int rc)
{
    tool_err("%s: %s", path, rc == KK_ENOSPC ? "image too small (no space left)" : kk_strerror(rc));
    return -1;
}

static int build_dir(struct mk *m, int dfd, const char *path, struct kk_sfs_inode *dir);

static int build_file(struct mk *m, int dfd, const char *name, const char *full,
                      const struct stat *st, struct kk_sfs_inode *dir)
{
    struct hlink *l = st->st_nlink > 1 ? hl_find(m, st->st_dev, st->st_ino, 0) : NULL;
    struct kk_sfs_inode *ip;
    int rc, fd;
    if (l && l->sfs_ino) {
        if ((rc = kk_sfs_iget(m->fs, l->sfs_ino, &ip)) != 0)
            return lib_err(full, rc);
        rc = kk_sfs_link(dir, name, ip);
        kk_sfs_put(ip);
        return rc ? lib_err(full, rc) : 0;
    }
    ra_advance(m);
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        tool_err("%s: cannot read: %s", full, strerror(errno));
        return -1;
    }
    m->ra_done += (uint64_t)st->st_size;
    if ((rc = kk_sfs_create(dir, name, &ip)) != 0) {
        close(fd);
        return lib_err(full, rc);
    }
    rc = copy_file(m, fd, ip, full);
    close(fd);
    if (rc == 0 && l) {
        struct kk_sfs_stat s;
        kk_sfs_stat(ip, &s);
        l->sfs_ino = s.ino;
    }
    kk_sfs_put(ip);
    return rc;
}

static int build_entry(struct mk *m, int dfd, const char *path, const char *name,
                       struct kk_sfs_inode *dir)
{
    struct stat st;
    char *full = join(path, name);
    int rc = 0;
    if (!full || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        tool_err("%s/%s: %s", path, name, strerror(errno));
        free(full);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        struct kk_sfs_inode *sub;
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            tool_err("%s: cannot open directory: %s", full, strerror(errno));
            rc = -1;
        } else if ((rc = kk_sfs_mkdir(dir, name, &sub)) != 0) {
            rc = lib_err(full, rc);
        } else {
            rc = build_dir(m, fd, full, sub);
            kk_sfs_put(sub);
        }
        if (fd >= 0)
            close(fd);
    } else if (S_ISREG(st.st_mode) && is_image(m, &st)) {
        tool_warn("%s: skipping the image itself", full);
    } else if (S_ISREG(st.st_mode)) {
        rc = build_file(m, dfd, name, full, &st, dir);
    } else if (S_ISLNK(st.st_mode)) {
        char target[KK_SFS_MAX_LINK + 1];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
        if (n <= 0) {
            tool_err("%s: cannot read link: %s", full, n < 0 ? strerror(errno) : "empty");
            rc = -1;
        } else {
            target[n] = '\0';
            if ((rc = kk_sfs_symlink(dir, name, target, NULL)) != 0)
                rc = lib_err(full, rc);
        }
    }
    free(full);
    return rc;
}

/* Pass 2: copy the tree into the image. */
static int build_dir(struct mk *m, int dfd, const char *path, struct kk_sfs_inode *dir)
{
    char **names;
    size_t n, i;
    int rc = 0;
    if (list_dir(m, dfd, path, &names, &n) != 0)
        return -1;
    for (i = 0; i < n && rc == 0; i++)
        rc = build_entry(m, dfd, path, names[i], dir);
    free_names(names, n);
    return rc;
}

/* Whole-image blocks for @data blocks of contents (adds superblock, free map, margin). */
static uint64_t image_blocks(uint64_t data)
{
    uint64_t fm = 1;
    while ((data + 4 + fm + KK_SFS_BLKBITS - 1) / KK_SFS_BLKBITS > fm)
        fm++;
    return data + 4 + fm;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: mksfs [-s SIZE|auto] [--headroom PCT] [-i INFO] [--skip-hidden] [--pread] [-v] "
            "IMAGE DIR\n");
}

struct args {
    const char *image, *dir, *info;
    uint64_t size;
    int have_size, auto_size, force_pread;
    long headroom; /* --headroom percent for "auto"; -1 = 12.5 */
};

/* --headroom PERCENT: 0..1000. Prints the error. */
static int parse_headroom(const char *arg, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || (*end && strcmp(end, "%")) || v < 0 || v > 1000) {
        tool_err("bad headroom '%s' (a percentage, 0 to 1000)", arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a, struct mk *m)
{
    a->headroom = -1;
    static const struct option lo[] = {
        {"size", required_argument, 0, 's'}, {"info", required_argument, 0, 'i'},
        {"verbose", no_argument, 0, 'v'},    {"skip-hidden", no_argument, 0, 'H'},
        {"pread", no_argument, 0, 'P'},      {"headroom", required_argument, 0, 'R'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:i:vh", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            a->have_size = 1;
            if (!strcmp(optarg, "auto"))
                a->auto_size = 1;
            else if (parse_size(optarg, &a->size) != 0) {
                tool_err("bad size '%s'", optarg);
                return -1;
            }
            break;
        case 'i':
            a->info = optarg;
            break;
        case 'v':
            tool_verbose = 1;
            break;
        case 'H':
            m->skip_hidden = 1;
            break;
        case 'P':
            a->force_pread = 1;
            break;
        case 'R':
            if (parse_headroom(optarg, &a->headroom) != 0)
                return -1;
            break;
        default:
            usage();
            return -1;
        }
    }
    if (argc - optind != 2) {
        usage();
        return -1;
    }
    a->image = argv[optind];
    a->dir = argv[optind + 1];
    return 0;
}

/* Size of the block device at @path (stat says 0 for one). Prints the error. */
static int device_bytes(const char *path, uint64_t *bytes)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t end = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (end < 0) {
        tool_err("%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    *bytes = (uint64_t)end;
    return 0;
}

/* Decide the image size; create or reset the file. Returns blocks or 0 on error. */
static uint64_t prepare_image(struct args *a, uint64_t need, struct kk_hostblk **hb)
{
    struct kk_hostblk_opts ho = {0};
    struct stat st;
    uint64_t blocks;
    int exists = stat(a->image, &st) == 0;
    uint64_t dev_bytes = exists ? (uint64_t)st.st_size : 0;
    if (exists && S_ISBLK(st.st_mode) && device_bytes(a->image, &dev_bytes) != 0)
        return 0;
    if (!a->have_size && !exists)
        a->auto_size = a->have_size = 1;
    if (a->auto_size)
        a->size = (need + (a->headroom < 0 ? need / 8 : need * (uint64_t)a->headroom / 100) + 16) *
                  KK_SFS_BLKSIZE;
    else if (!a->have_size)
        a->size = dev_bytes;
    if (exists && S_ISBLK(st.st_mode) && a->size > dev_bytes) {
        tool_err("%s: %llu bytes requested, larger than the device (%llu bytes)", a->image,
                 (unsigned long long)a->size, (unsigned long long)dev_bytes);
        return 0;
    }
    blocks = a->size / KK_SFS_BLKSIZE;
    if (blocks > UINT32_MAX)
        blocks = UINT32_MAX;
    if (blocks < need) {
        tool_err("%s: image too small: %llu blocks, the tree needs at least %llu blocks "
                 "(%llu bytes)",
                 a->image, (unsigned long long)blocks, (unsigned long long)need,
                 (unsigned long long)(need * KK_SFS_BLKSIZE));
        return 0;
    }
    ho.force_pread = a->force_pread;
    ho.ioerr = &tool_ioerr;
    ho.create = 1; /* fresh zeroed contents: the same tree gives the same bytes */
    ho.size_bytes = blocks * KK_SFS_BLKSIZE;
    if (exists && !S_ISREG(st.st_mode))
        ho.create = 0;
    if (kk_hostblk_open(a->image, &ho, hb) != 0) {
        tool_err("%s: %s", a->image, strerror(errno));
        return 0;
    }
    tool_info("%s: %llu blocks, block backend %s", a->image, (unsigned long long)blocks,
              kk_hostblk_backend(*hb));
    return blocks;
}

static int make(struct mk *m, struct args *a, int dfd, uint64_t blocks, struct kk_hostblk *hb)
{
    struct kk_sfs_format_opts fo = {sizeof(fo), (uint32_t)blocks, a->info};
    struct kk_sfs_config cfg = {0};
    struct kk_sfs_inode *root;
    int rc;
    if ((rc = kk_sfs_format(kk_hostblk_dev(hb), kk_host_platform(), &fo)) != 0) {
        tool_err("%s: format failed: %s", a->image, kk_strerror(rc));
        return -1;
    }
    cfg.size = sizeof(cfg);
    cfg.dev = kk_hostblk_dev(hb);
    cfg.plat = kk_host_platform();
    cfg.cache_blocks = 4096;
    cfg.unordered = 1; /* a new image: a cut leaves nothing to keep */
    if ((rc = kk_sfs_mount(&cfg, &m->fs)) != 0 || (rc = kk_sfs_root(m->fs, &root)) != 0) {
        tool_err("%s: mount failed: %s", a->image, kk_strerror(rc));
        return -1;
    }
    rc = build_dir(m, dfd, a->dir, root);
    kk_sfs_put(root);
    int urc = kk_sfs_unmount(m->fs);
    if (rc == 0 && urc != 0) {
        tool_err("%s: write failed: %s", a->image, kk_strerror(urc));
        rc = -1;
    }
    return rc;
}

static void mk_free(struct mk *m)
{
    for (size_t h = 0; m && h < 1024; h++) {
        while (m->links[h]) {
            struct hlink *l = m->links[h];
            m->links[h] = l->next;
            free(l);
        }
    }
    for (size_t i = 0; m && i < m->ra_n; i++)
        free(m->ra_path[i]);
    if (m) {
        free(m->ra_path);
        free(m->ra_size);
        free(m->buf);
    }
    free(m);
}

static const char help_text[] =
    "Usage: mksfs [OPTION]... IMAGE DIR\n"
    "Make an SFS (uCore Simple File System) image IMAGE holding the tree DIR.\n"
    "\n"
    "  -s, --size=SIZE    create IMAGE with SIZE bytes (K, M, G suffixes); \"auto\"\n"
    "                     fits the contents plus slack; without -s an existing IMAGE\n"
    "                     (file or block device) keeps its size and a missing one\n"
    "                     is created with \"auto\"\n"
    "      --headroom=PERCENT  with \"auto\": free space beyond what the tree needs,\n"
    "                     in percent of it (default 12.5; 0 = just fits)\n"
    "  -i, --info=TEXT    superblock info string (default \"simple file system\")\n"
    "      --skip-hidden  skip names starting with '.' (as uCore's mksfs does)\n"
    "      --pread        never use io_uring (pread/pwrite only)\n"
    "  -v, --verbose      say what is done and which block backend is active\n"
    "      --help         print this help and exit\n"
    "      --version      print the version and exit\n"
    "\n"
    "Files, directories, symlinks and hard links are copied; FIFOs, sockets and\n"
    "devices are skipped with a warning. SFS keeps no modes, owners or times.\n"
    "Exit status: 0 success, 1 error. See mksfs(8).\n";

int main(int argc, char **argv)
{
    struct args a = {0};
    struct mk *m = calloc(1, sizeof(*m));
    struct kk_hostblk *hb = NULL;
    uint64_t blocks, need;
    int dfd, rc = 1;
    tool_name = "mksfs";
    tool_help_version(argc, argv, help_text);
    if (!m || parse_args(argc, argv, &a, m) != 0) {
        mk_free(m);
        return 1;
    }
    dfd = open(a.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        tool_err("%s: cannot open directory: %s", a.dir, strerror(errno));
        mk_free(m);
        return 1;
    }
    note_image(m, a.image);
    if (scan_dir(m, dfd, a.dir) != 0) {
        close(dfd);
        mk_free(m);
        return 1;
    }
    need = image_blocks(m->est_blocks);
    tool_info("%s: %llu files, %llu directories, %llu symlinks, %llu bytes; needs %llu blocks",
              a.dir, (unsigned long long)m->files, (unsigned long long)m->dirs,
              (unsigned long long)m->symlinks, (unsigned long long)m->bytes,
              (unsigned long long)need);
    if ((blocks = prepare_image(&a, need, &hb)) == 0) {
        close(dfd);
        mk_free(m);
        return 1;
    }
    note_image(m, a.image); /* now it exists */
    m->buf = aligned_alloc(KK_SFS_BLKSIZE, COPY_BUF);
    if (m->buf && make(m, &a, dfd, blocks, hb) == 0)
        rc = 0;
    else if (!m->buf)
        tool_err("out of memory");
    if (kk_hostblk_close(hb) != 0 && rc == 0) {
        tool_err("%s: %s", a.image, strerror(errno));
        rc = 1;
    }
    close(dfd);
    mk_free(m);
    if (rc == 0)
        tool_info("created %s from %s", a.image, a.dir);
    return rc;
}
