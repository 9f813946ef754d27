/*
 * exercise.c: see exercise.h.
 */
#include "exercise.h"

#include <string.h>

#define MAX_NODES 200
#define MAX_DEPTH 8

struct ex {
    struct kk_sfs *fs;
    int nodes, problems;
    uint8_t buf[65536]; /* 16 blocks: reads and writes of several runs (batches) */
};

static bool allowed(int rc)
{
    return rc >= 0 || rc == KK_ECORRUPT || rc == KK_ENOENT || rc == KK_ENOTDIR || rc == KK_EISDIR ||
           rc == KK_ENOSPC || rc == KK_EEXIST || rc == KK_ENOTEMPTY || rc == KK_EINVAL ||
           rc == KK_EFBIG || rc == KK_EMLINK || rc == KK_EPERM || rc == KK_EIO || rc == KK_ENOMEM ||
           rc == KK_ENAMETOOLONG || rc == KK_EBUSY;
}

static void note(struct ex *x, int rc)
{
    if (!allowed(rc))
        x->problems++;
}

static void walk(struct ex *x, struct kk_sfs_inode *dir, int depth)
{
    struct kk_sfs_dirent d;
    uint32_t cookie = 0;
    int rc;
    while (x->nodes < MAX_NODES && (rc = kk_sfs_readdir(dir, &cookie, &d)) == 1) {
        struct kk_sfs_inode *ip;
        struct kk_sfs_stat st;
        size_t done;
        x->nodes++;
        if (!strcmp(d.name, ".") || !strcmp(d.name, ".."))
            continue;
        if ((rc = kk_sfs_lookup(dir, d.name, &ip)) != 0) {
            note(x, rc);
            continue;
        }
        kk_sfs_stat(ip, &st);
        if (st.type == KK_SFS_TYPE_DIR && depth < MAX_DEPTH)
            walk(x, ip, depth + 1);
        else if (st.type == KK_SFS_TYPE_FILE)
            note(x, kk_sfs_read(ip, 0, x->buf, sizeof(x->buf), &done));
        else if (st.type == KK_SFS_TYPE_LINK)
            note(x, kk_sfs_readlink(ip, (char *)x->buf, sizeof(x->buf)));
        kk_sfs_put(ip);
    }
    note(x, rc);
}

static void modify(struct ex *x, struct kk_sfs_inode *root)
{
    struct kk_sfs_inode *f;
    size_t done;
    memset(x->buf, 0x3c, sizeof(x->buf));
    note(x, kk_sfs_mkdir(root, "exd", NULL));
    if (kk_sfs_create(root, "exf", &f) == 0) {
        note(x, kk_sfs_write(f, 5000, x->buf, sizeof(x->buf), &done));
        note(x, kk_sfs_truncate(f, 100));
        kk_sfs_put(f);
    }
    note(x, kk_sfs_rename(root, "exf", root, "exg"));
    note(x, kk_sfs_unlink(root, "exg"));
    note(x, kk_sfs_rmdir(root, "exd"));
    note(x, kk_sfs_sync(x->fs));
}

/* Counts findings of the second fsck pass that are not a documented unrecoverable class. */
static void count_fixable(void *ctx, const char *msg)
{
    size_t n = strlen(msg), t = sizeof(" (cannot repair)") - 1;
    if (n < t || strcmp(msg + n - t, " (cannot repair)") != 0)
        ++*(int *)ctx;
}

void sfs_exercise(const struct kk_blockdev *dev, const struct kk_fs_platform *plat,
                  struct exercise_result *r)
{
    int fixable_left = 0;
    struct kk_sfs_config cfg = {0};
    struct kk_sfs_fsck_opts fo = {0};
    static struct ex x;
    struct kk_sfs_inode *root;
    memset(r, 0, sizeof(*r));
    memset(&x, 0, sizeof(x));
    cfg.size = sizeof(cfg);
    cfg.dev = dev;
    cfg.plat = plat;
    cfg.cache_blocks = 16; /* the smallest cache: evictions and write-behind happen */
    r->mount_rc = kk_sfs_mount(&cfg, &x.fs);
    note(&x, r->mount_rc);
    if (r->mount_rc == 0) {
        if (kk_sfs_root(x.fs, &root) == 0) {
            walk(&x, root, 0);
            if (kk_sfs_check(x.fs) != 0)
                x.problems++;
            modify(&x, root);
            kk_sfs_put(root);
        }
        if (kk_sfs_check(x.fs) != 0)
            x.problems++;
        note(&x, kk_sfs_unmount(x.fs));
    }
    fo.size = sizeof(fo);
    fo.plat = plat;
    fo.repair = 1;
    r->fsck_fix = kk_sfs_fsck(dev, &fo);
    fo.repair = 0;
    fo.report = count_fixable;
    fo.report_ctx = &fixable_left;
    r->fsck_after = kk_sfs_fsck(dev, &fo);
    /*
     * sfsck -y converges: a second pass is clean, or reports only findings
     * that cannot be repaired (the unrecoverable classes of docs/sfs.md).
     */
    if (r->fsck_fix >= 0 && (r->fsck_after < 0 || fixable_left != 0))
        x.problems++;
    r->problems = x.problems;
}
