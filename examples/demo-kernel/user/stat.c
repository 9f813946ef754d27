/* stat PATH...: type, size, blocks, links and inode of each file. */
#include "ulib.h"

int main(int argc, char **argv)
{
    int rc = 0;
    static const char *types[] = {"?", "file", "directory", "symbolic link", "device"};
    if (argc < 2) {
        fprintf(2, "usage: stat PATH...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int fd = open(argv[i], O_RDONLY), r = fd;
        if (fd >= 0) {
            r = fstat(fd, &st);
            close(fd);
        }
        if (r < 0) {
            fprintf(2, "stat: %s: %s\n", argv[i], strerror(r));
            rc = 1;
            continue;
        }
        printf("  File: %s\n  Type: %s  Size: %lu  Blocks: %lu  Links: %u  Inode: %lu\n", argv[i],
               types[st.type <= T_DEV ? st.type : 0], (unsigned long)st.size,
               (unsigned long)st.blocks, st.nlink, (unsigned long)st.ino);
    }
    return rc;
}
