/* wc [FILE...]: lines, words and bytes (of stdin without files). */
#include "ulib.h"

static unsigned long tl, tw, tb;

static int count(int fd, const char *name)
{
    static char buf[4096];
    unsigned long l = 0, w = 0, b = 0;
    int inword = 0;
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++) {
            char c = buf[i];
            l += c == '\n';
            int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
            w += !space && !inword;
            inword = !space;
        }
        b += (unsigned long)n;
    }
    if (n < 0) {
        fprintf(2, "wc: %s: %s\n", name, strerror((int)n));
        return 1;
    }
    printf("%7lu %7lu %7lu%s%s\n", l, w, b, *name ? " " : "", name);
    tl += l, tw += w, tb += b;
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2)
        return count(0, "");
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(2, "wc: %s: %s\n", argv[i], strerror(fd));
            rc = 1;
            continue;
        }
        rc |= count(fd, argv[i]);
        close(fd);
    }
    if (argc > 2)
        printf("%7lu %7lu %7lu total\n", tl, tw, tb);
    return rc;
}
