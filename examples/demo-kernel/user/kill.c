/* kill: kill the processes with the given pids (they exit with status -1). */
#include "ulib.h"

int main(int argc, char **argv)
{
    int status = argc < 2;
    if (argc < 2)
        fprintf(2, "usage: kill PID...\n");
    for (int i = 1; i < argc; i++) {
        int rc = kill((int)atol(argv[i]));
        if (rc < 0) {
            fprintf(2, "kill: %s: %s\n", argv[i], strerror(rc));
            status = 1;
        }
    }
    return status;
}
