/* blktest: the disk driver's batch self-check (the blkcheck system call:
 * a batch of reads compared with the same blocks read one at a time, and a
 * batch whose bad requests must fail alone). First alone, where the batch
 * must have had several requests in flight; then from NPROC processes at
 * once, whose batches and single reads share the driver's slots. */
#include "check.h"

#define NPROC  4
#define ROUNDS 3

int main(void)
{
    int depth = blkcheck(1);
    CHECK(depth >= 2);
    printf("blktest: alone, %d requests of one batch in flight\n", depth);
    for (int i = 0; i < NPROC; i++) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            for (int r = 0; r < ROUNDS; r++)
                if (blkcheck((unsigned)(2 + i * ROUNDS + r)) < 1)
                    exit(1);
            exit(0);
        }
    }
    for (int i = 0; i < NPROC; i++) {
        int st = -1;
        CHECK(wait(&st) > 0);
        CHECK_EQ(st, 0);
    }
    printf("blktest: %d processes x %d checks at once\n", NPROC, ROUNDS);
    return check_done("blktest");
}
