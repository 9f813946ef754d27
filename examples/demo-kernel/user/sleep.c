/* sleep SECONDS: wait (Ctrl-C stops it). */
#include "ulib.h"

int main(int argc, char **argv)
{
    if (argc != 2 || atol(argv[1]) < 0) {
        fprintf(2, "usage: sleep SECONDS\n");
        return 2;
    }
    sleep_ms(atol(argv[1]) * 1000);
    return 0;
}
