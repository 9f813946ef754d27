/*
 * sfs_env.h: a file system mounted on a RAM device for the cmocka tests
 * (test_sfs.c, test_batch.c): device, platform, mount and root inode, with
 * mount/unmount helpers that assert success (unmount also checks the
 * in-memory invariants). Include after <cmocka.h>.
 */
#ifndef KK_TEST_SFS_ENV_H
#define KK_TEST_SFS_ENV_H

#include <kernkit/sfs.h>
#include "ramdev.h"

struct env {
    struct ramdev *rd;
    struct testplat tp;
    struct kk_sfs *fs;
    struct kk_sfs_inode *root;
    int mode; /* free for the test file's own use */
};

/* Mount e->rd with a 16-block cache and take the root. */
static inline void env_mount(struct env *e)
{
    struct kk_sfs_config cfg = {0};
    cfg.size = sizeof(cfg);
    cfg.dev = &e->rd->dev;
    cfg.plat = &e->tp.p;
    cfg.cache_blocks = 16;
    assert_int_equal(kk_sfs_mount(&cfg, &e->fs), 0);
    assert_int_equal(kk_sfs_root(e->fs, &e->root), 0);
}

static inline void env_umount(struct env *e)
{
    kk_sfs_put(e->root);
    assert_int_equal(kk_sfs_check(e->fs), 0);
    assert_int_equal(kk_sfs_unmount(e->fs), 0);
    e->fs = NULL;
}

/* kk_sfs_fsck of the (unmounted) device: check, or with @repair repair. */
static inline int env_fsck(struct env *e, int repair)
{
    struct kk_sfs_fsck_opts o = {0};
    o.size = sizeof(o);
    o.plat = &e->tp.p;
    o.repair = (uint32_t)repair;
    return kk_sfs_fsck(&e->rd->dev, &o);
}

/* Unmount, check the image clean, mount again. */
static inline void env_remount(struct env *e)
{
    env_umount(e);
    assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
    env_mount(e);
}

/* cmocka teardown: unmount if mounted, image clean, no memory left, free. */
static inline int env_teardown(void **state)
{
    struct env *e = *state;
    if (e->fs)
        env_umount(e);
    assert_int_equal(env_fsck(e, 0), KK_SFS_FSCK_CLEAN);
    assert_int_equal(e->tp.live, 0);
    ramdev_free(e->rd);
    free(e);
    return 0;
}

#endif
