/*
 * exercise.h: mount an image that may be corrupt, walk every reachable node
 * (bounded), read files and links, create/write/unlink/rename a little,
 * check invariants, unmount, then run the checker with repair and again
 * without. Used by the corruption tests and the fuzz harness; returns 0 when
 * every step behaved (errors are fine, crashes and broken invariants are not).
 */
#ifndef KK_TEST_EXERCISE_H
#define KK_TEST_EXERCISE_H
#include <kernkit/sfs.h>

struct exercise_result {
    int mount_rc;   /* kk_sfs_mount() result */
    int fsck_fix;   /* kk_sfs_fsck() with repair */
    int fsck_after; /* kk_sfs_fsck() afterwards, read-only */
    int problems;   /* invariant violations seen (should stay 0) */
};

void sfs_exercise(const struct kk_blockdev *dev, const struct kk_fs_platform *plat,
                  struct exercise_result *r);
#endif
