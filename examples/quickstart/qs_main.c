/* qs_main.c: runs the four quick-start examples, one line each. */
#include <kernkit/base.h>

#include "your_kernel.h"

static int run(const char *name, int (*fn)(void))
{
    int err = fn();
    kputs(name);
    kputs(err ? ": FAILED: " : ": ok\n");
    if (err) {
        kputs(kk_strerror_name(err)); /* "KK_ENOMEM" */
        kputs("\n");
    }
    return err != 0;
}

int qs_run_all(void)
{
    return run("buddy", qs_buddy) + run("sync", qs_sync) + run("pagetable", qs_pagetable) +
           run("sfs", qs_sfs);
}
