/* ln [-s] TARGET NAME: a hard link, or with -s a symbolic link. */
#include "ulib.h"

int main(int argc, char **argv)
{
    int sym = argc == 4 && !strcmp(argv[1], "-s");
    if (argc != 3 + sym) {
        fprintf(2, "usage: ln [-s] TARGET NAME\n");
        return 2;
    }
    const char *t = argv[1 + sym], *name = argv[2 + sym];
    int rc = sym ? symlink(t, name) : link(t, name);
    if (rc < 0) {
        fprintf(2, "ln: %s: %s\n", name, strerror(rc));
        return 1;
    }
    return 0;
}
