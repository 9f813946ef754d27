/* df: size and free space of the root file system (from its free-block map). */
#include "ulib.h"

int main(void)
{
    struct statfs st;
    int rc = statfs(&st);
    if (rc < 0) {
        fprintf(2, "df: %s\n", strerror(rc));
        return 1;
    }
    unsigned long k = st.block_size / 1024;
    printf("Filesystem      1K-blocks     Used Available Use%% Mounted on\n");
    unsigned long used = st.blocks - st.free_blocks;
    printf("sfs %-12s %8lu %8lu %9lu %3lu%% /\n", st.info, st.blocks * k, used * k,
           st.free_blocks * k, st.blocks ? (used * 100 + st.blocks - 1) / st.blocks : 0);
    return 0;
}
