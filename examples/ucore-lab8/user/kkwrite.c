/*
 * kkwrite - a uCore user program that writes files (kernkit examples/ucore-lab8).
 * Creates kkwrite.dat, writes 20 blocks (through the indirect block), reads
 * them back, truncates it to 2 blocks (uCore's O_TRUNC path keeps the indirect
 * block), grows it again, and creates a file three directories deep.
 */
#include <ulib.h>
#include <stdio.h>
#include <string.h>
#include <file.h>
#include <unistd.h>

#define NBLK 20
static char buf[4096];

static void fill(int blk)
{
    int i;
    for (i = 0; i < 4096; i++) {
        buf[i] = (char)(blk * 7 + i);
    }
}

static int check(int blk)
{
    int i;
    for (i = 0; i < 4096; i++) {
        if (buf[i] != (char)(blk * 7 + i)) {
            return -1;
        }
    }
    return 0;
}

static int write_blocks(const char *path, int flags, int n)
{
    int fd = open(path, flags), b;
    if (fd < 0) {
        cprintf("kkwrite: open %s: %d\n", path, fd);
        return -1;
    }
    for (b = 0; b < n; b++) {
        fill(b);
        if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
            cprintf("kkwrite: write %s block %d failed\n", path, b);
            return -1;
        }
    }
    return close(fd);
}

static int read_blocks(const char *path, int n)
{
    int fd = open(path, O_RDONLY), b;
    if (fd < 0) {
        cprintf("kkwrite: open %s for reading: %d\n", path, fd);
        return -1;
    }
    for (b = 0; b < n; b++) {
        if (read(fd, buf, sizeof(buf)) != sizeof(buf) || check(b) != 0) {
            cprintf("kkwrite: %s block %d reads back wrong\n", path, b);
            return -1;
        }
    }
    return close(fd);
}

int main(void)
{
    if (write_blocks("kkwrite.dat", O_WRONLY | O_CREAT, NBLK) != 0 ||
        read_blocks("kkwrite.dat", NBLK) != 0) {
        return 1;
    }
    if (write_blocks("kkwrite.dat", O_WRONLY | O_TRUNC, 2) != 0 ||
        read_blocks("kkwrite.dat", 2) != 0) {
        return 1;
    }
    if (write_blocks("kkwrite.dat", O_WRONLY | O_TRUNC, 16) != 0 ||
        read_blocks("kkwrite.dat", 16) != 0) {
        return 1;
    }
    if (write_blocks("/d1/d2/d3/deep.dat", O_WRONLY | O_CREAT, 3) != 0 ||
        read_blocks("/d1/d2/d3/deep.dat", 3) != 0) {
        return 1;
    }
    cprintf("kkwrite pass.\n");
    return 0;
}
