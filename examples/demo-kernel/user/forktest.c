/* forktest: fork many children, each exits with its own status; the parent
 * collects exactly those statuses, then wait() reports no children. */
#include "check.h"

#define N 24

int main(void)
{
    int seen[N] = {0};
    for (int i = 0; i < N; i++) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            if (i % 3 == 0)
                yield();
            exit(i + 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int st = -1, pid = wait(&st);
        CHECK(pid > 0);
        CHECK(st >= 1 && st <= N);
        if (st >= 1 && st <= N)
            seen[st - 1]++;
    }
    for (int i = 0; i < N; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(wait(NULL), -ECHILD);
    /* a grandchild outlives its parent and is reaped by init */
    int pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            sleep_ms(20);
            exit(0);
        }
        exit(7);
    }
    int st = 0;
    CHECK_EQ(wait(&st), pid);
    CHECK_EQ(st, 7);
    /* memory is copied, not shared */
    static volatile int shared = 5;
    pid = fork();
    if (pid == 0) {
        shared = 99;
        exit(shared == 99 ? 0 : 1);
    }
    CHECK_EQ(wait(&st), pid);
    CHECK_EQ(st, 0);
    CHECK_EQ(shared, 5);
    return check_done("forktest");
}
