/*
 * vfs.c: the generic VFS: mount table, path resolution, open files.
 *
 * Owns: the mount list, struct kk_vfs_node wrappers (one per reference
 * holder, each holding one file-system reference on its handle) and open
 * files. The VFS lock guards only the mount list and the per-mount node
 * counts; it is never held while a file system runs, so file-system locks
 * and the VFS lock are never nested (no lock-order cycles). A per-file lock
 * serialises position updates of a shared (dup'ed) open file.
 * Promises: resolution is bounded (KK_VFS_SYMLOOP_MAX links, KK_VFS_PATH_MAX
 * bytes of expanded path); a mount with live nodes cannot be unmounted.
 */
#include <kernkit/vfs.h>
#include <kk_util.h>

struct mount {
    struct kk_vfs *v;
    const struct kk_vfs_ops *ops;
    void *fs;
    void *root_h;
    uint64_t root_ino;
    struct mount *parent;   /* NULL for "/" */
    struct kk_vfs_node *mp; /* mount point node in the parent mount */
    uint32_t nodes;         /* live kk_vfs_node objects of this mount */
    struct mount *next;
};

struct kk_vfs_node {
    struct mount *mnt;
    void *h;
    uint64_t ino;
    uint32_t type;
};

struct kk_vfs_file {
    struct kk_vfs *v;
    struct kk_vfs_node *node;
    int flags;
    uint32_t refs;
    uint64_t pos;
    void *lock;
};

struct kk_vfs {
    const struct kk_fs_platform *plat;
    void *lock;
    struct mount *mounts; /* root mount last */
    struct mount *root;
};

/* ---------- helpers ---------- */

static void *valloc(struct kk_vfs *v, size_t n)
{
    return v->plat->alloc(v->plat->ctx, n);
}

static void vfree(struct kk_vfs *v, void *p, size_t n)
{
    if (p && v->plat->free)
        v->plat->free(v->plat->ctx, p, n);
}

static void vlock(struct kk_vfs *v, void *l)
{
    if (l)
        v->plat->lock(v->plat->ctx, l);
}

static void vunlock(struct kk_vfs *v, void *l)
{
    if (l)
        v->plat->unlock(v->plat->ctx, l);
}

/* Wrap handle @h (whose reference the new node takes over). */
static int node_new(struct mount *m, void *h, struct kk_vfs_node **out)
{
    struct kk_vfs *v = m->v;
    struct kk_vfs_stat st;
    struct kk_vfs_node *n;
    int rc = m->ops->stat(h, &st);
    if (rc == 0 && (n = valloc(v, sizeof(*n))) == NULL)
        rc = KK_ENOMEM;
    if (rc) {
        m->ops->put(h);
        return rc;
    }
    n->mnt = m;
    n->h = h;
    n->ino = st.ino;
    n->type = st.type;
    vlock(v, v->lock);
    m->nodes++;
    vunlock(v, v->lock);
    *out = n;
    return 0;
}

static int node_dup(struct kk_vfs_node *n, struct kk_vfs_node **out)
{
    n->mnt->ops->ref(n->h);
    return node_new(n->mnt, n->h, out);
}

static int mount_root(struct mount *m, struct kk_vfs_node **out)
{
    m->ops->ref(m->root_h);
    return node_new(m, m->root_h, out);
}

void kk_vfs_node_put(struct kk_vfs_node *n)
{
    struct kk_vfs *v;
    if (!n)
        return;
    v = n->mnt->v;
    n->mnt->ops->put(n->h);
    vlock(v, v->lock);
    n->mnt->nodes--;
    vunlock(v, v->lock);
    vfree(v, n, sizeof(*n));
}

/* The mount whose mount point is node @n, if any. */
static struct mount *mounted_on(struct kk_vfs_node *n)
{
    struct kk_vfs *v = n->mnt->v;
    struct mount *m;
    vlock(v, v->lock);
    for (m = v->mounts; m; m = m->next)
        if (m->mp && m->mp->mnt == n->mnt && m->mp->ino == n->ino)
            break;
    vunlock(v, v->lock);
    return m;
}

/* Replace *n by the root of whatever is mounted on it (repeatedly). */
static int cross_down(struct kk_vfs_node **n)
{
    struct mount *m;
    int rc;
    while ((m = mounted_on(*n)) != NULL) {
        struct kk_vfs_node *r;
        if ((rc = mount_root(m, &r)) != 0)
            return rc;
        kk_vfs_node_put(*n);
        *n = r;
    }
    return 0;
}

static bool is_mount_root(struct kk_vfs_node *n)
{
    return n->ino == n->mnt->root_ino;
}

/* ".." of @cur, crossing up out of mounts. Returns a new reference. */
static int dotdot(struct kk_vfs_node *cur, struct kk_vfs_node **out)
{
    struct kk_vfs_node *n = cur;
    void *h;
    int rc;
    while (is_mount_root(n) && n->mnt->parent)
        n = n->mnt->mp;
    if (is_mount_root(n)) /* the global root */
        return node_dup(n, out);
    if ((rc = n->mnt->ops->lookup(n->h, "..", &h)) != 0)
        return rc;
    if ((rc = node_new(n->mnt, h, out)) != 0)
        return rc;
    return cross_down(out);
}

static int child(struct kk_vfs_node *cur, const char *name, struct kk_vfs_node **out)
{
    void *h;
    int rc;
    if (name[0] == '.' && name[1] == '\0')
        return node_dup(cur, out);
    if (name[0] == '.' && name[1] == '.' && name[2] == '\0')
        return dotdot(cur, out);
    if ((rc = cur->mnt->ops->lookup(cur->h, name, &h)) != 0)
        return rc;
    if ((rc = node_new(cur->mnt, h, out)) != 0)
        return rc;
    return cross_down(out);
}

/* ---------- path resolution ---------- */

#define F_FOLLOW 1
#define F_PARENT 2
#define WORK     (2 * KK_VFS_PATH_MAX + 2)

struct walk {
    struct kk_vfs *v;
    char *buf; /* WORK bytes: the (expanded) path */
    char *tmp; /* KK_VFS_PATH_MAX + 1 bytes: a link target */
    int links;
};

/* Splice symlink @n's target in front of @rest (inside w->buf). */
static int expand_link(struct walk *w, struct kk_vfs_node *n, const char *rest)
{
    size_t tl, rl = kk_strnlen(rest, WORK);
    int len;
    if (++w->links > KK_VFS_SYMLOOP_MAX)
        return KK_ELOOP;
    len = n->mnt->ops->readlink(n->h, w->tmp, KK_VFS_PATH_MAX + 1);
    if (len < 0)
        return len;
    if (len == 0)
        return KK_ENOENT;
    tl = (size_t)len;
    if (tl > KK_VFS_PATH_MAX || tl + 1 + rl + 1 > WORK)
        return KK_ENAMETOOLONG;
    kk_memmove(w->buf + tl + 1, rest, rl + 1);
    kk_memcpy(w->buf, w->tmp, tl);
    w->buf[tl] = '/';
    return 0;
}

static int start_node(struct kk_vfs *v, struct kk_vfs_node *cwd, bool abs, struct kk_vfs_node **n)
{
    if (!v->root)
        return KK_ENOENT;
    if (abs || !cwd)
        return mount_root(v->root, n);
    return node_dup(cwd, n);
}

/*
 * Resolve w->buf. With F_PARENT, stop at the last component: *out is its
 * directory and @last receives the name. Takes a reference in *out.
 */
static int walk(struct walk *w, struct kk_vfs_node *cwd, int flags, struct kk_vfs_node **out,
                char *last)
{
    struct kk_vfs_node *cur, *next;
    char *p = w->buf, name[KK_VFS_NAME_MAX + 1];
    int rc = start_node(w->v, cwd, p[0] == '/', &cur);
    if (rc)
        return rc;
    for (;;) {
        size_t len = 0;
        bool is_last;
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        while (p[len] && p[len] != '/')
            len++;
        if (len > KK_VFS_NAME_MAX) {
            rc = KK_ENAMETOOLONG;
            break;
        }
        kk_memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        while (*p == '/')
            p++;
        is_last = *p == '\0';
        if (cur->type != KK_VFS_DIR) {
            rc = KK_ENOTDIR;
            break;
        }
        if (is_last && (flags & F_PARENT)) {
            kk_memcpy(last, name, len + 1);
            *out = cur;
            return 0;
        }
        if ((rc = child(cur, name, &next)) != 0)
            break;
        if (next->type == KK_VFS_SYMLINK && (!is_last || (flags & F_FOLLOW))) {
            rc = expand_link(w, next, p);
            kk_vfs_node_put(next);
            if (rc)
                break;
            p = w->buf;
            if (p[0] == '/') {
                kk_vfs_node_put(cur);
                if ((rc = start_node(w->v, NULL, true, &cur)) != 0)
                    return rc;
            }
            continue;
        }
        kk_vfs_node_put(cur);
        cur = next;
    }
    if (rc == 0 && (flags & F_PARENT))
        rc = KK_EEXIST; /* no last component: "/" */
    if (rc) {
        kk_vfs_node_put(cur);
        return rc;
    }
    *out = cur;
    return 0;
}

static int resolve(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int flags,
                   struct kk_vfs_node **out, char *last)
{
    struct walk w;
    size_t len;
    int rc;
    if (!v || !path || !out)
        return KK_EINVAL;
    len = kk_strnlen(path, KK_VFS_PATH_MAX + 1);
    if (len > KK_VFS_PATH_MAX)
        return KK_ENAMETOOLONG;
    if (len == 0)
        return KK_ENOENT;
    w.v = v;
    w.links = 0;
    w.buf = valloc(v, WORK);
    w.tmp = valloc(v, KK_VFS_PATH_MAX + 1);
    if (!w.buf || !w.tmp) {
        rc = KK_ENOMEM;
    } else {
        kk_memcpy(w.buf, path, len + 1);
        rc = walk(&w, cwd, flags, out, last);
    }
    vfree(v, w.buf, WORK);
    vfree(v, w.tmp, KK_VFS_PATH_MAX + 1);
    return rc;
}

int kk_vfs_lookup(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int follow,
                  struct kk_vfs_node **out)
{
    return resolve(v, cwd, path, follow ? F_FOLLOW : 0, out, NULL);
}

int kk_vfs_node_get(struct kk_vfs_node *n, struct kk_vfs_node **out)
{
    if (!out)
        return KK_EINVAL;
    *out = NULL;
    if (!n)
        return KK_EINVAL;
    return node_dup(n, out);
}

int kk_vfs_node_stat(struct kk_vfs_node *n, struct kk_vfs_stat *st)
{
    if (!n || !st)
        return KK_EINVAL;
    return n->mnt->ops->stat(n->h, st);
}

int kk_vfs_stat(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int follow,
                struct kk_vfs_stat *st)
{
    struct kk_vfs_node *n;
    int rc = kk_vfs_lookup(v, cwd, path, follow, &n);
    if (rc)
        return rc;
    rc = kk_vfs_node_stat(n, st);
    kk_vfs_node_put(n);
    return rc;
}

/* ---------- instance and mounts ---------- */

int kk_vfs_create(const struct kk_fs_platform *plat, struct kk_vfs **out)
{
    struct kk_vfs *v;
    if (!plat || !plat->alloc || !out || (plat->lock_new && (!plat->lock || !plat->unlock)))
        return KK_EINVAL;
    if ((v = plat->alloc(plat->ctx, sizeof(*v))) == NULL)
        return KK_ENOMEM;
    kk_memset(v, 0, sizeof(*v));
    v->plat = plat;
    if (plat->lock_new && (v->lock = plat->lock_new(plat->ctx)) == NULL) {
        vfree(v, v, sizeof(*v));
        return KK_ENOMEM;
    }
    *out = v;
    return 0;
}

int kk_vfs_destroy(struct kk_vfs *v)
{
    if (!v)
        return KK_EINVAL;
    if (v->mounts)
        return KK_EBUSY;
    if (v->lock && v->plat->lock_free)
        v->plat->lock_free(v->plat->ctx, v->lock);
    vfree(v, v, sizeof(*v));
    return 0;
}

static bool ops_ok(const struct kk_vfs_ops *o)
{
    return o && o->version >= 1 && o->root && o->ref && o->put && o->stat && o->lookup &&
           o->readlink;
}

static int mount_fill(struct kk_vfs *v, struct mount *m, const struct kk_vfs_ops *ops, void *fs)
{
    struct kk_vfs_stat st;
    int rc;
    kk_memset(m, 0, sizeof(*m));
    m->v = v;
    m->ops = ops;
    m->fs = fs;
    if ((rc = ops->root(fs, &m->root_h)) != 0)
        return rc;
    if ((rc = ops->stat(m->root_h, &st)) != 0 || st.type != KK_VFS_DIR) {
        ops->put(m->root_h);
        return rc ? rc : KK_ENOTDIR;
    }
    m->root_ino = st.ino;
    return 0;
}

int kk_vfs_mount(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path,
                 const struct kk_vfs_ops *ops, void *fs)
{
    struct kk_vfs_node *mp = NULL;
    struct mount *m;
    int rc;
    if (!v || !path || !ops_ok(ops))
        return KK_EINVAL;
    if (!v->root) {
        size_t i;
        for (i = 0; path[i] == '/'; i++)
            ;
        if (i == 0 || path[i] != '\0')
            return KK_EINVAL;
    } else {
        if ((rc = kk_vfs_lookup(v, cwd, path, 1, &mp)) != 0)
            return rc;
        if (mp->type != KK_VFS_DIR) {
            kk_vfs_node_put(mp);
            return KK_ENOTDIR;
        }
    }
    if ((m = valloc(v, sizeof(*m))) == NULL) {
        kk_vfs_node_put(mp);
        return KK_ENOMEM;
    }
    if ((rc = mount_fill(v, m, ops, fs)) != 0) {
        vfree(v, m, sizeof(*m));
        kk_vfs_node_put(mp);
        return rc;
    }
    m->mp = mp;
    m->parent = mp ? mp->mnt : NULL;
    vlock(v, v->lock);
    m->next = v->mounts;
    v->mounts = m;
    if (!v->root)
        v->root = m;
    vunlock(v, v->lock);
    return 0;
}

int kk_vfs_umount(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path)
{
    struct kk_vfs_node *n;
    struct mount *m, **pp, *c;
    int rc;
    if ((rc = kk_vfs_lookup(v, cwd, path, 1, &n)) != 0)
        return rc;
    m = n->mnt;
    rc = is_mount_root(n) ? 0 : KK_EINVAL;
    kk_vfs_node_put(n);
    if (rc)
        return rc;
    vlock(v, v->lock);
    for (c = v->mounts; c; c = c->next)
        if (c->parent == m)
            rc = KK_EBUSY;
    if (m->nodes)
        rc = KK_EBUSY;
    if (rc == 0) {
        for (pp = &v->mounts; *pp != m; pp = &(*pp)->next)
            ;
        *pp = m->next;
        if (v->root == m)
            v->root = NULL;
    }
    vunlock(v, v->lock);
    if (rc)
        return rc;
    m->ops->put(m->root_h);
    kk_vfs_node_put(m->mp);
    vfree(v, m, sizeof(*m));
    return 0;
}

int kk_vfs_sync(struct kk_vfs *v)
{
    struct mount *m;
    int rc = 0, r;
    if (!v)
        return KK_EINVAL;
    for (m = v->mounts; m; m = m->next)
        if (m->ops->sync && (r = m->ops->sync(m->fs)) != 0 && rc == 0)
            rc = r;
    return rc;
}

/* ---------- namespace operations ---------- */

static int parent_of(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path,
                     struct kk_vfs_node **dir, char *name)
{
    return resolve(v, cwd, path, F_FOLLOW | F_PARENT, dir, name);
}

#define NEED_OP(n, op) ((n)->mnt->ops->op ? 0 : KK_ENOTSUP)

int kk_vfs_mkdir(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path)
{
    struct kk_vfs_node *d;
    char name[KK_VFS_NAME_MAX + 1];
    int rc = parent_of(v, cwd, path, &d, name);
    if (rc)
        return rc;
    if ((rc = NEED_OP(d, create)) == 0)
        rc = d->mnt->ops->create(d->h, name, KK_VFS_DIR, NULL, NULL);
    kk_vfs_node_put(d);
    return rc;
}

int kk_vfs_symlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *target, const char *path)
{
    struct kk_vfs_node *d;
    char name[KK_VFS_NAME_MAX + 1];
    int rc;
    if (!target)
        return KK_EINVAL;
    if ((rc = parent_of(v, cwd, path, &d, name)) != 0)
        return rc;
    if ((rc = NEED_OP(d, create)) == 0)
        rc = d->mnt->ops->create(d->h, name, KK_VFS_SYMLINK, target, NULL);
    kk_vfs_node_put(d);
    return rc;
}

/* KK_EBUSY if @name in @d is a mount point (or a mount root, for "."). */
static int not_busy(struct kk_vfs_node *d, const char *name)
{
    struct kk_vfs_node *c;
    void *h;
    int rc;
    if (d->mnt->ops->lookup(d->h, name, &h) != 0)
        return 0; /* the file system reports the real error */
    if ((rc = node_new(d->mnt, h, &c)) != 0)
        return rc;
    rc = mounted_on(c) ? KK_EBUSY : 0;
    kk_vfs_node_put(c);
    return rc;
}

static int remove_name(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int is_dir)
{
    struct kk_vfs_node *d;
    char name[KK_VFS_NAME_MAX + 1];
    int rc = parent_of(v, cwd, path, &d, name);
    if (rc == KK_EEXIST) /* no last component: "/" (as Linux: rmdir EBUSY, unlink EISDIR) */
        return is_dir ? KK_EBUSY : KK_EISDIR;
    if (rc)
        return rc;
    if ((rc = NEED_OP(d, unlink)) == 0 && (rc = not_busy(d, name)) == 0)
        rc = d->mnt->ops->unlink(d->h, name, is_dir);
    kk_vfs_node_put(d);
    return rc;
}

int kk_vfs_unlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path)
{
    return remove_name(v, cwd, path, 0);
}

int kk_vfs_rmdir(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path)
{
    return remove_name(v, cwd, path, 1);
}

int kk_vfs_rename(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *oldpath,
                  const char *newpath)
{
    struct kk_vfs_node *od, *nd;
    char oname[KK_VFS_NAME_MAX + 1], nname[KK_VFS_NAME_MAX + 1];
    int rc = parent_of(v, cwd, oldpath, &od, oname);
    if (rc)
        return rc == KK_EEXIST ? KK_EBUSY : rc; /* renaming "/" */
    if ((rc = parent_of(v, cwd, newpath, &nd, nname)) != 0) {
        kk_vfs_node_put(od);
        return rc == KK_EEXIST ? KK_EBUSY : rc; /* over "/" */
    }
    if (od->mnt != nd->mnt)
        rc = KK_EXDEV;
    else if ((rc = NEED_OP(od, rename)) == 0 && (rc = not_busy(od, oname)) == 0 &&
             (rc = not_busy(nd, nname)) == 0)
        rc = od->mnt->ops->rename(od->h, oname, nd->h, nname);
    kk_vfs_node_put(od);
    kk_vfs_node_put(nd);
    return rc;
}

int kk_vfs_link(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *oldpath, const char *newpath)
{
    struct kk_vfs_node *src, *d;
    char name[KK_VFS_NAME_MAX + 1];
    int rc = kk_vfs_lookup(v, cwd, oldpath, 0, &src);
    if (rc)
        return rc;
    if ((rc = parent_of(v, cwd, newpath, &d, name)) != 0) {
        kk_vfs_node_put(src);
        return rc;
    }
    if (src->mnt != d->mnt)
        rc = KK_EXDEV;
    else if ((rc = NEED_OP(d, link)) == 0)
        rc = d->mnt->ops->link(d->h, name, src->h);
    kk_vfs_node_put(src);
    kk_vfs_node_put(d);
    return rc;
}

int kk_vfs_readlink(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, char *buf,
                    size_t len)
{
    struct kk_vfs_node *n;
    int rc = kk_vfs_lookup(v, cwd, path, 0, &n);
    if (rc)
        return rc;
    rc = n->type == KK_VFS_SYMLINK ? n->mnt->ops->readlink(n->h, buf, len) : KK_EINVAL;
    kk_vfs_node_put(n);
    return rc;
}

/* ---------- open files ---------- */

static int open_create(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int flags,
                       struct kk_vfs_node **out)
{
    struct kk_vfs_node *d;
    char name[KK_VFS_NAME_MAX + 1];
    void *h;
    int rc = parent_of(v, cwd, path, &d, name);
    if (rc)
        return rc;
    rc = NEED_OP(d, create);
    if (rc == 0)
        rc = d->mnt->ops->create(d->h, name, KK_VFS_FILE, NULL, &h);
    if (rc == 0)
        rc = node_new(d->mnt, h, out);
    else if (rc == KK_EEXIST && !(flags & KK_O_EXCL))
        rc = kk_vfs_lookup(v, d, name, !(flags & KK_O_NOFOLLOW), out);
    kk_vfs_node_put(d);
    return rc;
}

static int open_checks(struct kk_vfs_node *n, int flags)
{
    int acc = flags & KK_O_ACCMODE;
    if (n->type == KK_VFS_SYMLINK)
        return KK_ELOOP; /* only reached with KK_O_NOFOLLOW */
    if ((flags & KK_O_DIRECTORY) && n->type != KK_VFS_DIR)
        return KK_ENOTDIR;
    if (n->type == KK_VFS_DIR && (acc != KK_O_RDONLY || (flags & KK_O_TRUNC)))
        return KK_EISDIR;
    if ((flags & KK_O_TRUNC) && acc != KK_O_RDONLY)
        return n->mnt->ops->truncate ? n->mnt->ops->truncate(n->h, 0) : KK_ENOTSUP;
    return 0;
}

int kk_vfs_open(struct kk_vfs *v, struct kk_vfs_node *cwd, const char *path, int flags,
                struct kk_vfs_file **out)
{
    struct kk_vfs_node *n;
    struct kk_vfs_file *f;
    int rc;
    if (!v || !out || (flags & KK_O_ACCMODE) == KK_O_ACCMODE)
        return KK_EINVAL;
    if (flags & KK_O_CREAT)
        rc = open_create(v, cwd, path, flags, &n);
    else
        rc = kk_vfs_lookup(v, cwd, path, !(flags & KK_O_NOFOLLOW), &n);
    if (rc)
        return rc;
    if ((rc = open_checks(n, flags)) == 0 && (f = valloc(v, sizeof(*f))) == NULL)
        rc = KK_ENOMEM;
    if (rc) {
        kk_vfs_node_put(n);
        return rc;
    }
    kk_memset(f, 0, sizeof(*f));
    f->v = v;
    f->node = n;
    f->flags = flags;
    f->refs = 1;
    if (v->plat->lock_new && (f->lock = v->plat->lock_new(v->plat->ctx)) == NULL) {
        kk_vfs_node_put(n);
        vfree(v, f, sizeof(*f));
        return KK_ENOMEM;
    }
    *out = f;
    return 0;
}

struct kk_vfs_file *kk_vfs_dup(struct kk_vfs_file *f)
{
    if (f)
        __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
    return f;
}

int kk_vfs_close(struct kk_vfs_file *f)
{
    struct kk_vfs *v;
    if (!f)
        return KK_EINVAL;
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return 0;
    v = f->v;
    kk_vfs_node_put(f->node);
    if (f->lock && v->plat->lock_free)
        v->plat->lock_free(v->plat->ctx, f->lock);
    vfree(v, f, sizeof(*f));
    return 0;
}

int kk_vfs_read(struct kk_vfs_file *f, void *buf, size_t len, size_t *done)
{
    struct kk_vfs_node *n;
    int rc;
    if (!f || !done)
        return KK_EINVAL;
    *done = 0;
    n = f->node;
    if ((f->flags & KK_O_ACCMODE) == KK_O_WRONLY)
        return KK_EBADF;
    if (n->type == KK_VFS_DIR)
        return KK_EISDIR;
    if (!n->mnt->ops->read)
        return KK_ENOTSUP;
    vlock(f->v, f->lock);
    rc = n->mnt->ops->read(n->h, f->pos, buf, len, done);
    f->pos += *done;
    vunlock(f->v, f->lock);
    return rc;
}

int kk_vfs_write(struct kk_vfs_file *f, const void *buf, size_t len, size_t *done)
{
    struct kk_vfs_node *n;
    struct kk_vfs_stat st;
    int rc = 0;
    if (!f || !done)
        return KK_EINVAL;
    *done = 0;
    n = f->node;
    if ((f->flags & KK_O_ACCMODE) == KK_O_RDONLY)
        return KK_EBADF;
    if (!n->mnt->ops->write)
        return KK_ENOTSUP;
    vlock(f->v, f->lock);
    if (f->flags & KK_O_APPEND) {
        rc = n->mnt->ops->stat(n->h, &st);
        f->pos = st.size;
    }
    if (rc == 0)
        rc = n->mnt->ops->write(n->h, f->pos, buf, len, done);
    f->pos += *done;
    vunlock(f->v, f->lock);
    return rc;
}

int kk_vfs_seek(struct kk_vfs_file *f, int64_t off, int whence, uint64_t *pos)
{
    struct kk_vfs_stat st;
    int64_t base;
    int rc = 0;
    if (!f)
        return KK_EINVAL;
    vlock(f->v, f->lock);
    if (whence == KK_SEEK_SET) {
        base = 0;
    } else if (whence == KK_SEEK_CUR) {
        base = (int64_t)f->pos;
    } else if (whence == KK_SEEK_END) {
        rc = f->node->mnt->ops->stat(f->node->h, &st);
        base = (int64_t)st.size;
    } else {
        rc = KK_EINVAL;
    }
    /* base >= 0 here: only a positive off can overflow, so test it before adding */
    if (rc == 0 && (base < 0 || (off > 0 && off > INT64_MAX - base) || base + off < 0))
        rc = KK_EINVAL;
    if (rc == 0) {
        f->pos = (uint64_t)(base + off);
        if (pos)
            *pos = f->pos;
    }
    vunlock(f->v, f->lock);
    return rc;
}

static int dir_ok(struct kk_vfs_file *f, const void *ent)
{
    if (!f || !ent)
        return KK_EINVAL;
    if (f->node->type != KK_VFS_DIR)
        return KK_ENOTDIR;
    return f->node->mnt->ops->readdir ? 0 : KK_ENOTSUP;
}

int kk_vfs_readdir_at(struct kk_vfs_file *f, uint64_t *cookie, struct kk_vfs_dirent *ent)
{
    int rc = dir_ok(f, ent);
    if (rc == 0 && !cookie)
        rc = KK_EINVAL;
    return rc ? rc : f->node->mnt->ops->readdir(f->node->h, cookie, ent);
}

/* Read the entry at the position; @consume: move the position past it. */
static int readdir_pos(struct kk_vfs_file *f, struct kk_vfs_dirent *ent, uint64_t *next,
                       bool consume)
{
    uint64_t c;
    int rc = dir_ok(f, ent);
    if (rc)
        return rc;
    vlock(f->v, f->lock);
    c = f->pos;
    rc = f->node->mnt->ops->readdir(f->node->h, &c, ent);
    if (rc >= 0 && consume)
        f->pos = c;
    vunlock(f->v, f->lock);
    if (next)
        *next = c;
    return rc;
}

int kk_vfs_readdir(struct kk_vfs_file *f, struct kk_vfs_dirent *ent)
{
    return readdir_pos(f, ent, NULL, true);
}

int kk_vfs_readdir_peek(struct kk_vfs_file *f, struct kk_vfs_dirent *ent, uint64_t *next)
{
    return readdir_pos(f, ent, next, false);
}

int kk_vfs_fstat(struct kk_vfs_file *f, struct kk_vfs_stat *st)
{
    return f ? kk_vfs_node_stat(f->node, st) : KK_EINVAL;
}

int kk_vfs_ftruncate(struct kk_vfs_file *f, uint64_t size)
{
    if (!f)
        return KK_EINVAL;
    if ((f->flags & KK_O_ACCMODE) == KK_O_RDONLY)
        return KK_EBADF;
    if (!f->node->mnt->ops->truncate)
        return KK_ENOTSUP;
    return f->node->mnt->ops->truncate(f->node->h, size);
}

int kk_vfs_fsync(struct kk_vfs_file *f)
{
    if (!f)
        return KK_EINVAL;
    return f->node->mnt->ops->fsync ? f->node->mnt->ops->fsync(f->node->h) : 0;
}
