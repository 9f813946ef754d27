/*
 * priority: uCore's scheduling test. Five CPU-bound children with priorities
 * 1..5 count for a fixed time; under the stride scheduler their CPU shares
 * must be 1:2:3:4:5. Shares are checked on one CPU with the stride policy;
 * elsewhere they are only printed.
 */
#include "check.h"

#define NCHILD 5

int main(int argc, char **argv)
{
    struct sysinfo si;
    int p[2];
    long secs = argc > 1 ? atol(argv[1]) : 2;
    CHECK_EQ(sysinfo(&si), 0);
    CHECK_EQ(pipe(p), 0);
    int go[2];
    CHECK_EQ(pipe(go), 0);
    setpriority(NCHILD + 1); /* the parent must not hold anyone back */
    for (int i = 0; i < NCHILD; i++) {
        if (fork() == 0) {
            close(p[0]);
            close(go[1]);
            setpriority(i + 1);
            uint64_t end;
            /* all start together: the parent sends the end time once all exist */
            if (read(go[0], &end, sizeof end) != sizeof end)
                exit(2);
            unsigned long count = 0;
            while (rdtime() < end)
                for (int k = 0; k < 1000; k++)
                    count++;
            unsigned long msg[2] = {(unsigned long)i, count};
            write(p[1], msg, sizeof msg);
            exit(0);
        }
    }
    close(go[0]);
    uint64_t ends[NCHILD];
    for (int i = 0; i < NCHILD; i++)
        ends[i] = rdtime() + (uint64_t)secs * si.timebase;
    /* one write: a wake-up may preempt the parent, and no child must wait
     * for the parent's next turn to learn the end time */
    CHECK_EQ(write(go[1], ends, sizeof ends), sizeof ends);
    close(go[1]);
    close(p[1]);
    unsigned long counts[NCHILD] = {0}, total = 0;
    for (int i = 0; i < NCHILD; i++) {
        unsigned long msg[2];
        CHECK_EQ(read(p[0], msg, sizeof msg), sizeof msg);
        if (msg[0] < NCHILD)
            counts[msg[0]] = msg[1];
        total += msg[1];
    }
    for (int i = 0; i < NCHILD; i++)
        wait(NULL);
    bool strict = si.ncpu == 1 && !strncmp(si.sched, "stride", 6);
    for (int i = 0; i < NCHILD; i++) {
        unsigned long permille = total ? counts[i] * 1000 / total : 0, want = (i + 1) * 1000 / 15;
        printf("priority %d: share %lu.%lu%% (ideal %lu.%lu%%)\n", i + 1, permille / 10,
               permille % 10, want / 10, want % 10);
        if (strict)
            CHECK(permille + 25 >= want && permille <= want + 25);
    }
    if (!strict)
        printf("priority: shares not checked (scheduler %s on %u cpu(s))\n", si.sched, si.ncpu);
    return check_done("priority");
}
