/*
 * fuzz-sfs-tools.c: libFuzzer entry point running the sfs tool's extract,
 * ls, stat and cat (tools/sfs-cmd.c, the code of `sfs extract|ls|stat|cat`)
 * over a mutated SFS image, into a fresh temporary directory.
 *
 * Input: [packed image][mode byte]. The image is packed as in
 * fuzz-sfs-vfs.c (each 512-byte chunk is the start of one 4096-byte block,
 * at least 64 blocks). Mode: bit 0 the device takes batches (submit());
 * bits 1-2 a second extract over the first one: none, --force,
 * --skip-existing, or into a fresh directory.
 *
 * The temporary directory T holds "out" (the extract target) and "fence"
 * (a sentinel directory with one file). Failures (abort): a crash or
 * sanitizer report, a leak; anything in T besides out/ and fence/, or fence
 * changed; a host entry under out/ that is not a directory, regular file or
 * symlink; a regular file with more data blocks than 2 per 4 KiB block of
 * its contents that holds a non-zero byte, plus one (holes not written as
 * holes), or more data written than the copy cap; ls or stat output with a
 * control byte other than '\n' (names not escaped); T not removable. The
 * hole check is skipped where the host file system reports no holes. Reads
 * are capped at 64 MiB per input (struct sfs_cmd budget) so a sparse 4 GiB
 * file costs a bounded time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kernkit/sfs.h>
#include <kernkit/vfs.h>
#include "common.h"
#include "ramdev.h"
#include "sfs-cmd.h"

#define CHUNK      512u
#define MIN_BLOCKS 64u
#define MAX_BLOCKS 256u
#define CAP        (64ull << 20)
#define MAXDEPTH   64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
    struct sfs_cmd *c;
    FILE *text;     /* ls/stat output */
    FILE *blob;     /* cat output */
    char rel[4096]; /* image path of the current entry ("/a/b") */
    uint64_t data;  /* host data bytes under out/ */
    int holes;      /* the host file system reports holes */
};

__attribute__((noreturn)) static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz-sfs-tools: %s: %s\n", what, path);
    abort();
}

/* Remove @name in @dfd and everything below it, never following a symlink. */
static int rm_tree(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *e;
        int rc = 0;
        if (!d) {
            if (fd >= 0)
                close(fd);
            return -1;
        }
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                rc |= rm_tree(dirfd(d), e->d_name);
        closedir(d);
        return rc | unlinkat(dfd, name, AT_REMOVEDIR);
    }
    return unlinkat(dfd, name, 0);
}

/* Count the 4 KiB blocks of @fd's data extents (SEEK_DATA/SEEK_HOLE) and those with a non-zero
 * byte. */
static void count_data(int fd, off_t size, uint64_t *alloc, uint64_t *nonzero, char *buf)
{
    off_t pos = 0;
    *alloc = *nonzero = 0;
    while (pos < size) {
        off_t d = lseek(fd, pos, SEEK_DATA), h;
        if (d < 0)
            break;
        h = lseek(fd, d, SEEK_HOLE);
        if (h < 0)
            h = size;
        for (off_t b = d & ~(off_t)4095; b < h; b += 4096) {
            ssize_t n = pread(fd, buf, 4096, b);
            (*alloc)++;
            for (ssize_t i = 0; i < n; i++)
                if (buf[i]) {
                    (*nonzero)++;
                    break;
                }
        }
        pos = h;
    }
}

/* Does the file system under @tfd report holes (SEEK_DATA on a sparse file)? */
static int holes_reported(int tfd)
{
    int fd = openat(tfd, "probe", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r;
    if (fd < 0)
        die("probe", "T");
    r = ftruncate(fd, 1 << 20) == 0 && lseek(fd, 0, SEEK_DATA) < 0;
    close(fd);
    unlinkat(tfd, "probe", 0);
    return r;
}

static void check_text(FILE *f, const char *what)
{
    int ch;
    fflush(f);
    rewind(f);
    while ((ch = fgetc(f)) != EOF)
        if ((ch < 0x20 && ch != '\n') || ch >= 0x7f)
            die("unescaped byte in output of", what);
    rewind(f);
    if (ftruncate(fileno(f), 0) != 0)
        die("ftruncate", what);
}

/* Walk the extracted tree at @dfd (image path w->rel), checking each entry
 * and running ls, stat and cat on its image path. */
static void walk(struct walk *w, int dfd, int depth)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    size_t len = strlen(w->rel);
    if (!d)
        die("fdopendir", w->rel);
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            die("lstat", e->d_name);
        snprintf(w->rel + len, sizeof(w->rel) - len, "/%s", e->d_name);
        w->c->out = w->text;
        sfs_cmd_ls(w->c, w->rel, 1);
        sfs_cmd_stat(w->c, w->rel);
        check_text(w->text, "ls/stat");
        if (S_ISDIR(st.st_mode)) {
            int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 || depth >= MAXDEPTH)
                die("directory", w->rel);
            walk(w, fd, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            uint64_t alloc, nonzero;
            int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0)
                die("open", w->rel);
            count_data(fd, st.st_size, &alloc, &nonzero, w->c->buf);
            close(fd);
            if (w->holes && alloc > 2 * nonzero + 1)
                die("zero blocks written as data (not as holes)", w->rel);
            w->data += alloc * 4096;
            if (st.st_nlink == 1) { /* cat a file once, not each hard link */
                w->c->out = w->blob;
                sfs_cmd_cat(w->c, w->rel);
                fflush(w->blob);
                if (ftruncate(fileno(w->blob), 0) != 0 || lseek(fileno(w->blob), 0, SEEK_SET) != 0)
                    die("ftruncate", "cat output");
            }
        } else if (!S_ISLNK(st.st_mode)) {
            die("not a file, directory or symlink", w->rel);
        }
        w->rel[len] = '\0';
    }
    closedir(d);
}

/* T must hold exactly out/ (and out2/ after a second extract) and fence/ with fence/f intact. */
static void check_fence(int tfd)
{
    DIR *d;
    struct dirent *e;
    struct stat st;
    char buf[8];
    int fd = openat(tfd, "fence/f", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || read(fd, buf, sizeof(buf)) != 5 || memcmp(buf, "fence", 5) != 0)
        die("sentinel changed", "fence/f");
    close(fd);
    if (fstatat(tfd, "fence", &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_nlink != 2)
        die("sentinel directory changed", "fence");
    if ((fd = openat(tfd, "fence", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (d = fdopendir(fd)) == NULL)
        die("open", "fence");
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "f"))
            die("written outside the target", e->d_name);
    closedir(d);
    if ((fd = dup(tfd)) < 0 || (d = fdopendir(fd)) == NULL)
        die("open", "T");
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "out") &&
            strcmp(e->d_name, "out2") && strcmp(e->d_name, "fence") && strcmp(e->d_name, "text") &&
            strcmp(e->d_name, "blob"))
            die("written outside the target", e->d_name);
    closedir(d);
}

static void run_tools(struct kk_vfs *v, unsigned mode)
{
    static char tmpl[4096];
    struct sfs_cmd c;
    struct walk w;
    const char *tmp = getenv("TMPDIR");
    char out[4200];
    int tfd, fd;
    snprintf(tmpl, sizeof(tmpl), "%s/kk-fuzz-tools-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl) || (tfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        die("mkdtemp", tmpl);
    if (mkdirat(tfd, "fence", 0755) != 0 ||
        (fd = openat(tfd, "fence/f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
        write(fd, "fence", 5) != 5 || close(fd) != 0)
        die("sentinel", tmpl);
    memset(&c, 0, sizeof(c));
    memset(&w, 0, sizeof(w));
    c.vfs = v;
    c.image = "fuzz.img";
    c.budget = CAP;
    if ((c.buf = malloc(SFS_CMD_BUFSZ)) == NULL)
        die("malloc", "buf");
    if ((fd = openat(tfd, "text", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
        (w.text = fdopen(fd, "w+")) == NULL ||
        (fd = openat(tfd, "blob", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 ||
        (w.blob = fdopen(fd, "w+")) == NULL)
        die("output files", tmpl);
    c.out = w.text;
    sfs_cmd_ls(&c, "/", mode & 8);
    check_text(w.text, "ls /");
    snprintf(out, sizeof(out), "%s/out", tmpl);
    sfs_cmd_extract(&c, out);
    check_fence(tfd);
    switch ((mode >> 1) & 3) {
    case 1:
        c.exist = EXIST_FORCE;
        sfs_cmd_extract(&c, out);
        break;
    case 2:
        c.exist = EXIST_SKIP;
        sfs_cmd_extract(&c, out);
        break;
    case 3:
        snprintf(out, sizeof(out), "%s/out2", tmpl);
        sfs_cmd_extract(&c, out);
        break;
    }
    check_fence(tfd);
    w.c = &c;
    w.holes = holes_reported(tfd);
    if ((fd = openat(tfd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        die("extract made no directory", "out");
    walk(&w, fd, 0);
    if (w.data > 2 * CAP + 4096 * 1024)
        die("more data written than read", "out");
    check_fence(tfd);
    fclose(w.text);
    fclose(w.blob);
    free(c.buf);
    if (rm_tree(tfd, "out") != 0 || rm_tree(tfd, "fence") != 0 || unlinkat(tfd, "text", 0) != 0 ||
        unlinkat(tfd, "blob", 0) != 0 || (((mode >> 1) & 3) == 3 && rm_tree(tfd, "out2") != 0))
        die("cannot clean", tmpl);
    close(tfd);
    if (rmdir(tmpl) != 0)
        die("temporary directory not empty", tmpl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct testplat tp;
    struct kk_sfs_config cfg = {0};
    struct ramdev *rd;
    struct kk_sfs *fs;
    struct kk_vfs *v;
    unsigned mode;
    if (size < 1)
        return 0;
    tool_name = "sfs";
    mode = data[size - 1];
    rd = ramdev_from_chunks(data, size - 1, CHUNK, MIN_BLOCKS, MAX_BLOCKS, KK_SFS_BLKSIZE);
    if (rd == NULL)
        return 0;
    testplat_init(&tp, false);
    ramdev_use_submit(rd, mode & 1);
    cfg.size = sizeof(cfg);
    cfg.dev = &rd->dev;
    cfg.plat = &tp.p;
    cfg.read_only = 1;
    cfg.verify_map = 1; /* as the tools mount (tools/common.c) */
    if (kk_sfs_mount(&cfg, &fs) == 0) {
        if (kk_vfs_create(&tp.p, &v) == 0) {
            if (kk_vfs_mount(v, NULL, "/", kk_sfs_vfs_ops(), fs) == 0) {
                run_tools(v, mode);
                if (kk_vfs_umount(v, NULL, "/") != 0)
                    abort();
            }
            if (kk_vfs_destroy(v) != 0)
                abort();
        }
        kk_sfs_unmount(fs);
    }
    ramdev_free(rd);
    if (tp.live != 0)
        abort();
    return 0;
}
