/* rmdir DIR...: remove empty directories (only directories). */
#include "ulib.h"

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf(2, "usage: rmdir DIR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int fd = open(argv[i], O_RDONLY), r = fd;
        if (fd >= 0) {
            r = fstat(fd, &st) < 0 ? -EIO : st.type != T_DIR ? -ENOTDIR : 0;
            close(fd);
        }
        if (r == 0)
            r = unlink(argv[i]);
        if (r < 0) {
            fprintf(2, "rmdir: %s: %s\n", argv[i], strerror(r));
            rc = 1;
        }
    }
    return rc;
}
