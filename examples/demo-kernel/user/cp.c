/* cp SRC DST: copy a file (DST may be a directory). */
#include "ulib.h"

/* DST, or DST/basename(SRC) when DST is a directory (also used by mv). */
static void target(const char *src, const char *dst, char *out, size_t n)
{
    struct stat st;
    int fd = open(dst, O_RDONLY);
    int dir = fd >= 0 && fstat(fd, &st) == 0 && st.type == T_DIR;
    if (fd >= 0)
        close(fd);
    const char *base = src;
    for (const char *s = src; *s; s++)
        if (*s == '/' && s[1])
            base = s + 1;
    if (dir)
        snprintf(out, n, "%s/%s", dst, base);
    else
        snprintf(out, n, "%s", dst);
}

int main(int argc, char **argv)
{
    static char buf[65536];
    char to[MAXPATH];
    if (argc != 3) {
        fprintf(2, "usage: cp SRC DST\n");
        return 2;
    }
    target(argv[1], argv[2], to, sizeof to);
    int in = open(argv[1], O_RDONLY);
    if (in < 0) {
        fprintf(2, "cp: %s: %s\n", argv[1], strerror(in));
        return 1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC);
    if (out < 0) {
        fprintf(2, "cp: %s: %s\n", to, strerror(out));
        return 1;
    }
    long n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        long w = write(out, buf, (size_t)n);
        if (w != n) {
            fprintf(2, "cp: %s: %s\n", to, strerror(w < 0 ? (int)w : -EIO));
            return 1;
        }
    }
    if (n < 0) {
        fprintf(2, "cp: %s: %s\n", argv[1], strerror((int)n));
        return 1;
    }
    close(in);
    return close(out) < 0;
}
