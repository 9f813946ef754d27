/*
 * fs_initrd.c: TEMPORARY read-only file system of the user programs linked
 * into the kernel (/bin/<name>), used until kernkit::sfs + kernkit::vfs land.
 */
#include "fs.h"
#include "mem.h"
#include "proc.h"

struct initrd_entry {
    const char *name;
    const uint8_t *start, *end;
};
extern const struct initrd_entry initrd_table[];

struct handle {
    int dir; /* 0 file, 1 "/", 2 "/bin" */
    const struct initrd_entry *e;
    uint64_t off;
};

int fs_init(void)
{
    return 0;
}
void fs_sync(void) {}
const char *fs_name(void)
{
    return "initrd (temporary, read-only)";
}
int fs_proc_init(struct proc *p)
{
    (void)p;
    return 0;
}
void fs_proc_fork(struct proc *c, struct proc *p)
{
    memcpy(c->cwd_path, p->cwd_path, sizeof c->cwd_path);
}
void fs_proc_exit(struct proc *p)
{
    (void)p;
}

static int lookup(struct proc *p, const char *path, struct handle *h)
{
    char full[MAXPATH + 128];
    if (path[0] != '/') {
        strncpy0(full, p->cwd_path, sizeof full);
        size_t l = strlen(full);
        if (l > 1)
            full[l++] = '/';
        strncpy0(full + l, path, sizeof full - l);
    } else {
        strncpy0(full, path, sizeof full);
    }
    memset(h, 0, sizeof *h);
    if (!strcmp(full, "/") || !strcmp(full, "/.")) {
        h->dir = 1;
        return 0;
    }
    if (!strcmp(full, "/bin") || !strcmp(full, "/bin/")) {
        h->dir = 2;
        return 0;
    }
    if (strncmp(full, "/bin/", 5))
        return KK_ENOENT;
    for (const struct initrd_entry *e = initrd_table; e->name; e++) {
        if (!strcmp(e->name, full + 5)) {
            h->e = e;
            return 0;
        }
    }
    return KK_ENOENT;
}

int fs_open(struct proc *p, const char *path, int flags, void **out)
{
    struct handle h;
    int rc = lookup(p, path, &h);
    if (rc < 0)
        return (flags & O_CREAT) ? KK_EROFS : rc;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return h.dir ? KK_EISDIR : KK_EROFS;
    struct handle *hp = kmalloc(sizeof *hp);
    if (!hp)
        return KK_ENOMEM;
    *hp = h;
    *out = hp;
    return 0;
}

int fs_read(void *hv, void *buf, size_t n)
{
    struct handle *h = hv;
    if (h->dir)
        return KK_EISDIR;
    size_t size = (size_t)(h->e->end - h->e->start);
    if (h->off >= size)
        return 0;
    if (n > size - h->off)
        n = size - h->off;
    memcpy(buf, h->e->start + h->off, n);
    h->off += n;
    return (int)n;
}

int fs_write(void *h, const void *buf, size_t n)
{
    (void)h, (void)buf, (void)n;
    return KK_EROFS;
}

int64_t fs_lseek(void *hv, int64_t off, int whence)
{
    struct handle *h = hv;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)h->off : -1;
    if (whence == SEEK_END && !h->dir)
        base = h->e->end - h->e->start;
    if (base < 0 || base + off < 0)
        return KK_EINVAL;
    h->off = (uint64_t)(base + off);
    return (int64_t)h->off;
}

int fs_fstat(void *hv, struct stat *st)
{
    struct handle *h = hv;
    memset(st, 0, sizeof *st);
    st->type = h->dir ? T_DIR : T_FILE;
    st->nlink = 1;
    st->size = h->dir ? 0 : (uint64_t)(h->e->end - h->e->start);
    st->ino = h->dir ? (uint64_t)h->dir : (uint64_t)(h->e - initrd_table) + 10;
    return 0;
}

static size_t put_dirent(char *buf, size_t n, uint32_t ino, int type, const char *name)
{
    size_t len = strlen(name) + 1, rec = (sizeof(struct dirent) + len + 7) & ~7ul;
    if (rec > n)
        return 0;
    struct dirent *d = (struct dirent *)buf;
    d->ino = ino;
    d->reclen = (uint16_t)rec;
    d->type = (uint8_t)type;
    memcpy(d->name, name, len);
    return rec;
}

int fs_getdents(void *hv, void *buf, size_t n)
{
    struct handle *h = hv;
    size_t used = 0, rec;
    if (!h->dir)
        return KK_ENOTDIR;
    for (;; h->off++) {
        const char *name = NULL;
        int type = T_DIR;
        if (h->off == 0)
            name = ".";
        else if (h->off == 1)
            name = "..";
        else if (h->dir == 1 && h->off == 2)
            name = "bin";
        else if (h->dir == 2) {
            const struct initrd_entry *e = initrd_table;
            for (uint64_t i = 2; e->name && i < h->off; i++)
                e++;
            name = e->name;
            type = T_FILE;
        }
        if (!name || !(rec = put_dirent((char *)buf + used, n - used, 1, type, name)))
            break;
        used += rec;
    }
    return (int)used;
}

void fs_close(void *h)
{
    kfree(h);
}

int fs_mkdir(struct proc *p, const char *path)
{
    (void)p, (void)path;
    return KK_EROFS;
}
int fs_unlink(struct proc *p, const char *path)
{
    (void)p, (void)path;
    return KK_EROFS;
}
int fs_chdir(struct proc *p, const char *path)
{
    struct handle h;
    int rc = lookup(p, path, &h);
    if (rc < 0)
        return rc;
    if (!h.dir)
        return KK_ENOTDIR;
    strncpy0(p->cwd_path, h.dir == 1 ? "/" : "/bin", sizeof p->cwd_path);
    return 0;
}
