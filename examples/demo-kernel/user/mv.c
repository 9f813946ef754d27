/* mv SRC DST: rename (DST may be a directory: SRC moves into it). */
#include "ulib.h"

int main(int argc, char **argv)
{
    char to[MAXPATH];
    struct stat st;
    if (argc != 3) {
        fprintf(2, "usage: mv SRC DST\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    int dir = fd >= 0 && fstat(fd, &st) == 0 && st.type == T_DIR;
    if (fd >= 0)
        close(fd);
    const char *base = argv[1];
    for (const char *s = argv[1]; *s; s++)
        if (*s == '/' && s[1])
            base = s + 1;
    snprintf(to, sizeof to, dir ? "%s/%s" : "%s", argv[2], base);
    int rc = rename(argv[1], to);
    if (rc < 0) {
        fprintf(2, "mv: %s -> %s: %s\n", argv[1], to, strerror(rc));
        return 1;
    }
    return 0;
}
