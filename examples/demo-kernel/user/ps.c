/* ps: the live processes: pid, parent, state, priority, CPU ticks, name. */
#include "ulib.h"

#define MAXP 64

int main(void)
{
    static struct procinfo pi[MAXP];
    static const char *const states[] = {"?", "sleep", "ready", "run", "zombie"};
    int n = ps(pi, MAXP);
    if (n < 0) {
        fprintf(2, "ps: %s\n", strerror(n));
        return 1;
    }
    printf("  PID  PPID STATE  PRI  TICKS NAME\n");
    for (int i = 0; i < n; i++)
        printf("%5d %5d %-6s %4u %6lu %s\n", pi[i].pid, pi[i].ppid,
               states[pi[i].state <= PS_ZOMBIE ? pi[i].state : 0], pi[i].priority,
               (unsigned long)pi[i].run_ticks, pi[i].name);
    return 0;
}
