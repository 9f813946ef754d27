/* ls [-l] [PATH...]: list directories (names; with -l type, links, size,
 * inode, name and a symlink's target) or describe files. */
#include "ulib.h"

static int longfmt;

static const char *tname(uint32_t t)
{
    return t == T_DIR ? "d" : t == T_FILE ? "-" : t == T_LINK ? "l" : "c";
}

static void entry(const char *full, const char *name, uint32_t dtype, uint32_t ino)
{
    struct stat st = {0};
    char target[MAXPATH];
    if (!longfmt) {
        printf("%s\n", name);
        return;
    }
    int f = open(full, O_RDONLY);
    if (f >= 0) {
        fstat(f, &st);
        close(f);
    }
    int tl = readlink(full, target, sizeof target - 1); /* getdents has no types */
    if (tl >= 0) {
        target[tl] = 0;
        dtype = T_LINK;
    }
    printf("%s %3u %8lu %5u %s%s%s\n", tname(dtype ? dtype : st.type), st.nlink,
           (unsigned long)st.size, ino ? ino : (uint32_t)st.ino, name, tl >= 0 ? " -> " : "",
           tl >= 0 ? target : "");
}

static int ls(const char *path)
{
    static char buf[2048];
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(2, "ls: %s: %s\n", path, strerror(fd));
        return 1;
    }
    if (fstat(fd, &st) < 0 || st.type != T_DIR) {
        close(fd);
        entry(path, path, st.type, (uint32_t)st.ino);
        return 0;
    }
    int n;
    while ((n = getdents(fd, buf, sizeof buf)) > 0) {
        for (int off = 0; off < n;) {
            struct dirent *d = (struct dirent *)(buf + off);
            char full[MAXPATH];
            snprintf(full, sizeof full, "%s/%s", path, d->name);
            entry(full, d->name, d->type, d->ino);
            off += d->reclen;
        }
    }
    close(fd);
    if (n < 0) {
        fprintf(2, "ls: %s: %s\n", path, strerror(n));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0, i = 1, any = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-l")) {
            fprintf(2, "usage: ls [-l] [PATH...]\n");
            return 2;
        }
        longfmt = 1;
    }
    for (; i < argc; i++, any = 1)
        rc |= ls(argv[i]);
    return any ? rc : ls(".");
}
