/* pwd: the current directory. */
#include "ulib.h"

int main(void)
{
    char cwd[MAXPATH];
    int rc = getcwd(cwd, sizeof cwd);
    if (rc < 0) {
        fprintf(2, "pwd: %s\n", strerror(rc));
        return 1;
    }
    printf("%s\n", cwd);
    return 0;
}
