/* killtest: kill() ends a sleeping, a pipe-blocked and a spinning child
 * (each exits with status -1, the others are untouched); ps() lists them;
 * bad pids give ESRCH, init gives EPERM. */
#include "check.h"

static int child(int kind, int fd)
{
    int pid = fork();
    if (pid != 0)
        return pid;
    char c;
    if (kind == 0)
        for (;;)
            sleep_ms(1000);
    if (kind == 1)
        read(fd, &c, 1); /* nobody writes */
    for (;;)
        ; /* spin: killed at its next timer tick */
}

static int listed(int pid, int ppid)
{
    static struct procinfo pi[64];
    int n = ps(pi, 64);
    for (int i = 0; i < n; i++)
        if (pi[i].pid == pid)
            return pi[i].ppid == ppid && pi[i].state >= PS_SLEEPING && pi[i].state <= PS_RUNNING;
    return 0;
}

int main(void)
{
    int p[2], pids[3], me = getpid();
    CHECK_EQ(pipe(p), 0);
    for (int k = 0; k < 3; k++)
        pids[k] = child(k, p[0]);
    sleep_ms(50); /* let them reach their sleep, read and loop */
    for (int k = 0; k < 3; k++) {
        CHECK(pids[k] > 0);
        CHECK(listed(pids[k], me));
        CHECK_EQ(kill(pids[k]), 0);
    }
    for (int k = 0; k < 3; k++) {
        int st = 0, pid = wait(&st);
        CHECK(pid == pids[0] || pid == pids[1] || pid == pids[2]);
        CHECK_EQ(st, -1);
    }
    for (int k = 0; k < 3; k++)
        CHECK(!listed(pids[k], me));
    CHECK_EQ(kill(pids[0]), -ESRCH); /* reaped: gone */
    CHECK_EQ(kill(1000000), -ESRCH);
    CHECK_EQ(kill(1), -EPERM);
    return check_done("killtest");
}
