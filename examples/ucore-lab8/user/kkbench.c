/*
 * kkbench - file throughput under uCore (kernkit examples/ucore-lab8).
 * Overwrites the existing file bench.dat (made by the image builder, so it
 * works on uCore's own SFS too, which cannot create files) with BENCH_KB
 * kilobytes in 4 KiB writes, then reads it back; prints both rates.
 */
#include <ulib.h>
#include <stdio.h>
#include <file.h>
#include <unistd.h>

#define BENCH_KB 4096
static char buf[4096];

static void rate(const char *what, unsigned int ms)
{
    cprintf("kkbench: %s %d KiB in %d ms = %d KiB/s\n", what, BENCH_KB, ms,
            ms ? (int)(BENCH_KB * 1000u / ms) : 0);
}

int main(void)
{
    int fd = open("bench.dat", O_RDWR), i;
    unsigned int t0, t1, t2;
    if (fd < 0) {
        cprintf("kkbench: open bench.dat: %d\n", fd);
        return 1;
    }
    for (i = 0; i < 4096; i++) {
        buf[i] = (char)i;
    }
    t0 = gettime_msec();
    for (i = 0; i < BENCH_KB / 4; i++) {
        if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
            cprintf("kkbench: write failed at %d\n", i);
            return 1;
        }
    }
    t1 = gettime_msec();
    if (seek(fd, 0, LSEEK_SET) != 0) {
        cprintf("kkbench: seek failed\n");
        return 1;
    }
    for (i = 0; i < BENCH_KB / 4; i++) {
        if (read(fd, buf, sizeof(buf)) != sizeof(buf)) {
            cprintf("kkbench: read failed at %d\n", i);
            return 1;
        }
    }
    t2 = gettime_msec();
    close(fd);
    rate("write", t1 - t0);
    rate("read", t2 - t1);
    cprintf("kkbench pass.\n");
    return 0;
}
