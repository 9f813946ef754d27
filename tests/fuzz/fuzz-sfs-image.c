/*
 * fuzz-sfs-image.c: libFuzzer entry point (also builds with AFL++'s
 * afl-clang-fast + libAFLDriver). The input is an SFS image: it is mounted
 * over a RAM block device, walked, read, written, created in and unlinked
 * from, checked with kk_sfs_check(), unmounted, then repaired with
 * kk_sfs_fsck() and checked again (see tests/sfs/exercise.c). The device
 * takes batches through submit() when the input's last byte is odd, else
 * one request at a time. Any crash,
 * sanitizer report or broken invariant is a bug.
 */
#include <stdint.h>
#include <stdlib.h>

#include <kernkit/sfs.h>
#include "exercise.h"
#include "ramdev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct testplat tp;
    struct exercise_result r;
    struct ramdev *rd;
    if (size > (8u << 20))
        return 0;
    testplat_init(&tp, false);
    if ((rd = ramdev_from(data, size, 4096)) == NULL)
        return 0;
    ramdev_use_submit(rd, size && (data[size - 1] & 1));
    sfs_exercise(&rd->dev, &tp.p, &r);
    ramdev_free(rd);
    if (r.problems || tp.live != 0)
        abort();
    return 0;
}
