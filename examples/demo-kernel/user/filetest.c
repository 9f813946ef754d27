/*
 * filetest: file-system checks through the system calls. Without arguments:
 * create, write, read back, seek, stat, append, truncate, directories,
 * unlink; then a large file past SFS's single-indirect limit (12 direct +
 * 1024 indirect blocks = 4 MiB + 48 KiB), verified and removed; then two
 * files written in alternate 4 KiB pieces, one read back in 64 KiB reads.
 * "filetest write PATH" / "filetest verify PATH" write and check a pattern
 * file (the persistence test across two boots).
 */
#include "check.h"

#define BIG (4 * 1024 * 1024 + 48 * 1024 + 3 * 4096 + 123)

static unsigned char pattern(unsigned long off, unsigned seed)
{
    return (unsigned char)((off * 131 + (off >> 12) * 7 + seed) & 0xff);
}

static int write_pattern(const char *path, unsigned long size, unsigned seed)
{
    static unsigned char buf[65536];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0)
        return fd;
    for (unsigned long off = 0; off < size;) {
        unsigned long n = size - off < sizeof buf ? size - off : sizeof buf;
        for (unsigned long i = 0; i < n; i++)
            buf[i] = pattern(off + i, seed);
        long w = write(fd, buf, n);
        if (w != (long)n) {
            close(fd);
            return w < 0 ? (int)w : -EIO;
        }
        off += n;
    }
    return close(fd);
}

static int verify_pattern(const char *path, unsigned long size, unsigned seed)
{
    static unsigned char buf[65536];
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fd;
    if (fstat(fd, &st) < 0 || st.size != size) {
        close(fd);
        return -EINVAL;
    }
    unsigned long off = 0;
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            if (buf[i] != pattern(off + (unsigned long)i, seed)) {
                close(fd);
                return -EIO;
            }
        off += (unsigned long)n;
    }
    close(fd);
    return n < 0 ? (int)n : off == size ? 0 : -EIO;
}

static void basic(void)
{
    char buf[64];
    struct stat st;
    unlink("/tmp-ft/a.txt");
    unlink("/tmp-ft");
    CHECK_EQ(mkdir("/tmp-ft"), 0);
    CHECK_EQ(mkdir("/tmp-ft"), -EEXIST);
    int fd = open("/tmp-ft/a.txt", O_RDWR | O_CREAT | O_EXCL);
    CHECK(fd >= 0);
    CHECK_EQ(open("/tmp-ft/a.txt", O_RDWR | O_CREAT | O_EXCL), -EEXIST);
    CHECK_EQ(write(fd, "hello, sfs\n", 11), 11);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(read(fd, buf, sizeof buf), 11);
    CHECK(memcmp(buf, "hello, sfs\n", 11) == 0);
    CHECK_EQ(lseek(fd, 7, SEEK_SET), 7);
    CHECK_EQ(write(fd, "SFS", 3), 3);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.type, T_FILE);
    CHECK_EQ(st.size, 11);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 11);
    close(fd);
    fd = open("/tmp-ft/a.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "more\n", 5), 5);
    close(fd);
    fd = open("/tmp-ft/a.txt", O_RDONLY);
    CHECK_EQ(read(fd, buf, sizeof buf), 16);
    CHECK(memcmp(buf, "hello, SFS\nmore\n", 16) == 0);
    CHECK_EQ(write(fd, "x", 1), -EBADF);
    close(fd);
    CHECK_EQ(unlink("/tmp-ft"), -ENOTEMPTY);
    CHECK_EQ(chdir("/tmp-ft"), 0);
    fd = open("a.txt", O_RDONLY | O_TRUNC);
    CHECK(fd >= 0);
    close(fd);
    fd = open("a.txt", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.size, 0);
    close(fd);
    CHECK_EQ(chdir("/"), 0);
    CHECK_EQ(unlink("/tmp-ft/a.txt"), 0);
    CHECK_EQ(open("/tmp-ft/a.txt", O_RDONLY), -ENOENT);
    CHECK_EQ(unlink("/tmp-ft"), 0);
    CHECK_EQ(open("/nonexistent/x", O_RDWR | O_CREAT), -ENOENT);
    CHECK_EQ(open("/bin/sh/x", O_RDONLY), -ENOTDIR);
    fd = open("/", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), -EBADF);
    close(fd);
}

static void big(void)
{
    uint64_t t0 = rdtime();
    CHECK_EQ(write_pattern("/big.bin", BIG, 3), 0);
    uint64_t t1 = rdtime();
    CHECK_EQ(verify_pattern("/big.bin", BIG, 3), 0);
    uint64_t t2 = rdtime();
    /* overwrite in the middle of the indirect range, read it back */
    int fd = open("/big.bin", O_RDWR);
    CHECK(fd >= 0);
    CHECK_EQ(lseek(fd, 4 * 1024 * 1024 + 100, SEEK_SET), 4 * 1024 * 1024 + 100);
    CHECK_EQ(write(fd, "XYZ", 3), 3);
    char b[3];
    CHECK_EQ(lseek(fd, 4 * 1024 * 1024 + 100, SEEK_SET), 4 * 1024 * 1024 + 100);
    CHECK_EQ(read(fd, b, 3), 3);
    CHECK(memcmp(b, "XYZ", 3) == 0);
    close(fd);
    CHECK_EQ(unlink("/big.bin"), 0);
    struct sysinfo si;
    sysinfo(&si);
    unsigned long kib = BIG / 1024, tb = si.timebase ? si.timebase : 10000000;
    printf("file-write.throughput: %lu KiB/s\n", kib * tb / (t1 - t0 ? t1 - t0 : 1));
    printf("file-read.throughput: %lu KiB/s\n", kib * tb / (t2 - t1 ? t2 - t1 : 1));
}

/* Two files written in alternate 4 KiB pieces, so that each one's blocks
 * are scattered: a 64 KiB read of one is 16 separate device requests (one
 * batch for kk_blockdev.submit). Times the read() calls only. */
#define FRAG (2 * 1024 * 1024)
static void fragmented(void)
{
    static unsigned char io[65536];
    const char *name[2] = {"/frag-a", "/frag-b"};
    int fd[2];
    for (int f = 0; f < 2; f++)
        CHECK((fd[f] = open(name[f], O_WRONLY | O_CREAT | O_TRUNC)) >= 0);
    for (unsigned long off = 0; off < FRAG; off += 4096) {
        for (int f = 0; f < 2; f++) {
            for (unsigned long i = 0; i < 4096; i++)
                io[i] = pattern(off + i, 5 + (unsigned)f);
            CHECK_EQ(write(fd[f], io, 4096), 4096);
        }
    }
    for (int f = 0; f < 2; f++)
        close(fd[f]);
    int rfd = open(name[0], O_RDONLY);
    CHECK(rfd >= 0);
    uint64_t ticks = 0;
    unsigned long off = 0, bad = 0;
    for (;;) {
        uint64_t t0 = rdtime();
        long n = read(rfd, io, sizeof io);
        ticks += rdtime() - t0;
        if (n <= 0)
            break;
        for (long i = 0; i < n; i++)
            bad += io[i] != pattern(off + (unsigned long)i, 5);
        off += (unsigned long)n;
    }
    close(rfd);
    CHECK_EQ(off, FRAG);
    CHECK_EQ(bad, 0);
    for (int f = 0; f < 2; f++)
        CHECK_EQ(unlink(name[f]), 0);
    struct sysinfo si;
    sysinfo(&si);
    unsigned long tb = si.timebase ? si.timebase : 10000000;
    printf("file-read-fragmented.throughput: %lu KiB/s\n",
           (unsigned long)(FRAG / 1024 * tb / (ticks ? ticks : 1)));
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "write")) {
        int rc = write_pattern(argv[2], 100000, 9);
        printf("filetest: wrote %s: %s\n", argv[2], rc ? strerror(rc) : "ok");
        return rc ? 1 : 0;
    }
    if (argc == 3 && !strcmp(argv[1], "verify")) {
        int rc = verify_pattern(argv[2], 100000, 9);
        printf("filetest: verified %s: %s\n", argv[2], rc ? strerror(rc) : "ok");
        return rc ? 1 : 0;
    }
    basic();
    if (argc < 2 || strcmp(argv[1], "small")) {
        big();
        fragmented();
    }
    return check_done("filetest");
}
