/* expect: FILE TEXT...: the file must hold exactly the TEXT words joined by
 * spaces and a newline (what echo TEXT... > FILE writes); exit 1 if not.
 * The shell's quoting tests use it. expect -c FILE TEXT...: the file (its
 * first 4 KiB) must contain each TEXT somewhere (the userland tests). */
#include "ulib.h"

static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncmp(hay, needle, n))
            return 1;
    return n == 0;
}

/* The file's first n - 1 bytes into got, NUL-terminated; -1 (reported) if it cannot be opened. */
static int slurp(const char *path, char *got, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(2, "expect: %s: %s\n", path, strerror(fd));
        return -1;
    }
    long len = read(fd, got, n - 1);
    close(fd);
    got[len > 0 ? len : 0] = 0;
    return 0;
}

static int expect_contains(int argc, char **argv)
{
    static char got[4096];
    if (slurp(argv[2], got, sizeof got) < 0)
        return 1;
    for (int i = 3; i < argc; i++) {
        if (!contains(got, argv[i])) {
            fprintf(2, "expect: %s holds \"%s\", without \"%s\"\n", argv[2], got, argv[i]);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char want[ARGMAX], got[ARGMAX]; /* all of exec's arguments fit */
    if (argc > 2 && !strcmp(argv[1], "-c"))
        return expect_contains(argc, argv);
    if (argc < 2) {
        fprintf(2, "usage: expect FILE TEXT...\n");
        return 2;
    }
    size_t n = 0;
    for (int i = 2; i < argc; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", argv[i], i + 1 < argc ? " " : "");
    snprintf(want + n, sizeof want - n, "\n");
    if (slurp(argv[1], got, sizeof got) < 0)
        return 1;
    if (strcmp(got, want) != 0) {
        fprintf(2, "expect: %s holds \"%s\", not \"%s\"\n", argv[1], got, want);
        return 1;
    }
    return 0;
}
