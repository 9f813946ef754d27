/* bench: informational figures in rdtime ticks (10 MHz on QEMU virt; under
 * TCG they compare versions, they are not absolute). */
#include "ulib.h"

#define ROUNDS 2000

int main(void)
{
    struct sysinfo si;
    sysinfo(&si);
    uint64_t tb = si.timebase ? si.timebase : 10000000;
    uint64_t t0 = rdtime();
    for (int i = 0; i < ROUNDS; i++)
        getpid();
    uint64_t t1 = rdtime();
    printf("syscall-roundtrip.mean: %lu ns\n",
           (unsigned long)((t1 - t0) * 1000000000 / tb / ROUNDS));

    int ab[2], ba[2];
    pipe(ab);
    pipe(ba);
    int pid = fork();
    char c = 0;
    if (pid == 0) {
        for (int i = 0; i < ROUNDS / 4; i++) {
            read(ab[0], &c, 1);
            write(ba[1], &c, 1);
        }
        exit(0);
    }
    t0 = rdtime();
    for (int i = 0; i < ROUNDS / 4; i++) {
        write(ab[1], &c, 1);
        read(ba[0], &c, 1);
    }
    t1 = rdtime();
    wait(NULL);
    /* one round trip = two switches (plus two pipe system calls each way) */
    printf("pipe-pingpong-switch.mean: %lu ns\n",
           (unsigned long)((t1 - t0) * 1000000000 / tb / (ROUNDS / 4) / 2));

    t0 = rdtime();
    for (int i = 0; i < 50; i++) {
        if (fork() == 0)
            exit(0);
        wait(NULL);
    }
    t1 = rdtime();
    printf("fork-exit-wait.mean: %lu us\n", (unsigned long)((t1 - t0) * 1000000 / tb / 50));
    printf("boot.to-shell: %lu us\n", (unsigned long)(si.boot_to_init * 1000000 / tb));
    printf("memory.free: %lu KiB of %lu KiB\n", (unsigned long)si.free_frames * 4,
           (unsigned long)si.total_frames * 4);
    return 0;
}
