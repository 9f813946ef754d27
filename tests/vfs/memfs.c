/*
 * memfs.c: a tiny in-memory file system implementing struct kk_vfs_ops, to
 * prove the VFS is not SFS-specific. Nodes are reference counted; a node
 * with no names and no references is freed (so unlinked-but-open works).
 */
#include "memfs.h"

#include <stdlib.h>
#include <string.h>

struct mnode {
    uint64_t ino;
    uint32_t type, nlinks, refs;
    char *data;
    size_t size;
    struct ment {
        char name[KK_VFS_NAME_MAX + 1];
        struct mnode *n;
    } * ents;
    size_t nents;
    struct mnode *parent;
};

static struct mnode *mnew(struct memfs *fs, uint32_t type)
{
    struct mnode *n = calloc(1, sizeof(*n));
    n->ino = ++fs->next_ino;
    n->type = type;
    n->refs = 1;
    fs->live++;
    return n;
}

static void mput_fs(struct memfs *fs, struct mnode *n)
{
    if (--n->refs == 0 && n->nlinks == 0) {
        free(n->data);
        free(n->ents);
        free(n);
        fs->live--;
    }
}

/* memfs has one instance per test; keep its pointer in each node's lookups. */
static struct memfs *g_fs;

static void m_ref(void *h)
{
    ((struct mnode *)h)->refs++;
}

static void m_put(void *h)
{
    mput_fs(g_fs, h);
}

static int m_root(void *fs, void **out)
{
    struct memfs *m = fs;
    g_fs = m;
    m_ref(m->root);
    *out = m->root;
    return 0;
}

static int m_stat(void *h, struct kk_vfs_stat *st)
{
    struct mnode *n = h;
    st->ino = n->ino;
    st->size = n->type == KK_VFS_DIR ? n->nents : n->size;
    st->blocks = 0;
    st->type = n->type;
    st->nlinks = n->nlinks;
    return 0;
}

static struct ment *find(struct mnode *d, const char *name)
{
    for (size_t i = 0; i < d->nents; i++)
        if (!strcmp(d->ents[i].name, name))
            return &d->ents[i];
    return NULL;
}

static int m_lookup(void *dir, const char *name, void **out)
{
    struct mnode *d = dir;
    struct ment *e;
    if (d->type != KK_VFS_DIR)
        return KK_ENOTDIR;
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        struct mnode *n = name[1] ? d->parent : d;
        m_ref(n);
        *out = n;
        return 0;
    }
    if ((e = find(d, name)) == NULL)
        return KK_ENOENT;
    m_ref(e->n);
    *out = e->n;
    return 0;
}

static void add(struct mnode *d, const char *name, struct mnode *n)
{
    d->ents = realloc(d->ents, (d->nents + 1) * sizeof(*d->ents));
    strcpy(d->ents[d->nents].name, name);
    d->ents[d->nents++].n = n;
    n->nlinks++;
}

static int m_create(void *dir, const char *name, uint32_t type, const char *target, void **out)
{
    struct mnode *d = dir, *n;
    if (strlen(name) > KK_VFS_NAME_MAX)
        return KK_ENAMETOOLONG;
    if (!strcmp(name, ".") || !strcmp(name, "..") || find(d, name))
        return KK_EEXIST;
    n = mnew(g_fs, type);
    n->parent = d;
    if (type == KK_VFS_SYMLINK) {
        n->size = strlen(target);
        n->data = strdup(target);
    }
    add(d, name, n);
    if (out)
        *out = n;
    else
        mput_fs(g_fs, n);
    return 0;
}

static int m_link(void *dir, const char *name, void *target)
{
    if (find(dir, name))
        return KK_EEXIST;
    add(dir, name, target);
    return 0;
}

static void del(struct mnode *d, struct ment *e)
{
    struct mnode *n = e->n;
    *e = d->ents[--d->nents];
    n->nlinks--;
    n->refs++;
    mput_fs(g_fs, n);
}

static int m_unlink(void *dir, const char *name, int is_dir)
{
    struct ment *e = find(dir, name);
    if (!e)
        return KK_ENOENT;
    if (is_dir && e->n->type != KK_VFS_DIR)
        return KK_ENOTDIR;
    if (!is_dir && e->n->type == KK_VFS_DIR)
        return KK_EISDIR;
    if (is_dir && e->n->nents)
        return KK_ENOTEMPTY;
    del(dir, e);
    return 0;
}

static int m_rename(void *od, const char *on, void *nd, const char *nn)
{
    struct ment *e = find(od, on), *t;
    struct mnode *n;
    if (!e)
        return KK_ENOENT;
    n = e->n;
    n->refs++;
    del(od, e);
    if ((t = find(nd, nn)) != NULL)
        del(nd, t);
    add(nd, nn, n);
    n->parent = nd;
    mput_fs(g_fs, n);
    return 0;
}

static int m_readlink(void *h, char *buf, size_t len)
{
    struct mnode *n = h;
    if (n->type != KK_VFS_SYMLINK)
        return KK_EINVAL;
    if (len) {
        size_t k = n->size < len - 1 ? n->size : len - 1;
        memcpy(buf, n->data, k);
        buf[k] = '\0';
    }
    return (int)n->size;
}

static int m_read(void *h, uint64_t off, void *buf, size_t len, size_t *done)
{
    struct mnode *n = h;
    *done = 0;
    if (off >= n->size)
        return 0;
    *done = n->size - off < len ? n->size - off : len;
    memcpy(buf, n->data + off, *done);
    return 0;
}

static int m_truncate(void *h, uint64_t size)
{
    struct mnode *n = h;
    n->data = realloc(n->data, size ? size : 1);
    if (size > n->size)
        memset(n->data + n->size, 0, size - n->size);
    n->size = size;
    return 0;
}

static int m_write(void *h, uint64_t off, const void *buf, size_t len, size_t *done)
{
    struct mnode *n = h;
    if (off + len > n->size)
        m_truncate(h, off + len);
    memcpy(n->data + off, buf, len);
    *done = len;
    return 0;
}

static int m_readdir(void *dir, uint64_t *cookie, struct kk_vfs_dirent *ent)
{
    struct mnode *d = dir;
    if (*cookie >= d->nents)
        return 0;
    ent->ino = d->ents[*cookie].n->ino;
    strcpy(ent->name, d->ents[*cookie].name);
    ++*cookie;
    return 1;
}

static const struct kk_vfs_ops ops = {
    KK_VFS_OPS_VERSION, "memfs", m_root,   NULL,     m_ref,      m_put,  m_stat,  m_lookup,
    m_create,           m_link,  m_unlink, m_rename, m_readlink, m_read, m_write, m_truncate,
    m_readdir,          NULL,
};

const struct kk_vfs_ops *memfs_ops(void)
{
    return &ops;
}

void memfs_init(struct memfs *fs)
{
    memset(fs, 0, sizeof(*fs));
    g_fs = fs;
    fs->root = mnew(fs, KK_VFS_DIR);
    fs->root->nlinks = 1;
    fs->root->parent = fs->root;
}

void memfs_fini(struct memfs *fs)
{
    /* the test removes everything it creates; drop the root */
    fs->root->nlinks = 0;
    mput_fs(fs, fs->root);
}
