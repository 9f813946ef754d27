/* expect: FILE TEXT...: the file must hold exactly the TEXT words joined by
 * spaces and a newline (what echo TEXT... > FILE writes); exit 1 if not.
 * The shell's quoting tests use it. */
#include "ulib.h"

int main(int argc, char **argv)
{
    static char want[1024], got[1024];
    if (argc < 2) {
        fprintf(2, "usage: expect FILE TEXT...\n");
        return 2;
    }
    size_t n = 0;
    for (int i = 2; i < argc; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", argv[i], i + 1 < argc ? " " : "");
    snprintf(want + n, sizeof want - n, "\n");
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        fprintf(2, "expect: %s: %s\n", argv[1], strerror(fd));
        return 1;
    }
    long len = read(fd, got, sizeof got - 1);
    close(fd);
    got[len > 0 ? len : 0] = 0;
    if (strcmp(got, want) != 0) {
        fprintf(2, "expect: %s holds \"%s\", not \"%s\"\n", argv[1], got, want);
        return 1;
    }
    return 0;
}
