/* ls: list directories (type, inode, size, name) or describe files. */
#include "ulib.h"

static const char *tname(uint32_t t)
{
    return t == T_DIR ? "dir " : t == T_FILE ? "file" : t == T_LINK ? "link" : "dev ";
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
        printf("%s %4lu %8lu %s\n", tname(st.type), (unsigned long)st.ino, (unsigned long)st.size,
               path);
        close(fd);
        return 0;
    }
    int n;
    while ((n = getdents(fd, buf, sizeof buf)) > 0) {
        for (int off = 0; off < n;) {
            struct dirent *d = (struct dirent *)(buf + off);
            char full[MAXPATH];
            struct stat es = {0};
            snprintf(full, sizeof full, "%s/%s", path, d->name);
            int f = open(full, O_RDONLY);
            if (f >= 0) {
                fstat(f, &es);
                close(f);
            }
            printf("%s %4u %8lu %s\n", tname(es.type ? es.type : d->type), d->ino,
                   (unsigned long)es.size, d->name);
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
    int rc = 0;
    if (argc < 2)
        return ls(".");
    for (int i = 1; i < argc; i++)
        rc |= ls(argv[i]);
    return rc;
}
