/*
 * pt_ops.c: range modifications (unmap, protect, write-protect, clear A/D,
 * map rollback), lookups (query, walk, dump) and the invariant checker.
 *
 * Every range modification walks each table once from the root. Unmaps free
 * the tables they empty through the flush batch (deferred past the flush);
 * tables under pinned root slots (shared kernel half) are never freed here.
 * Range operations other than clear-A/D first split huge pages that straddle
 * the range ends (kk_pt__split_range_ends), so a leaf the walk meets is either
 * wholly inside the range or wholly outside.
 */
#include "pt_core.h"

enum mod_kind { MOD_UNMAP, MOD_ROLLBACK, MOD_PROTECT, MOD_WP, MOD_CLEAR };

struct mod_op {
    struct kk_pt *pt;
    const struct kk_pt_desc *d;
    struct kk_pt_flush *fb;
    enum mod_kind kind;
    unsigned flags; /* PROTECT: new flags; CLEAR: bits to clear */
    kk_pt_mapping_fn cb;
    void *arg;
    uint64_t visited;        /* leaves met in the range */
    uint64_t changed;        /* leaves rewritten */
    const uint64_t *newroot; /* ROLLBACK: pinned root slots the failed map filled */
    /* Cache of the last flag rewrite: non-address bits old -> new at level. */
    uint64_t memo_old, memo_new;
    unsigned memo_level;
};

static void report(const struct mod_op *o, uint64_t e, unsigned l, uint64_t leaf_iva,
                   unsigned flags)
{
    struct kk_pt_mapping m = {.va = pt_ext(o->d, leaf_iva),
                              .pa = pt_leaf_pa(o->d, e, l),
                              .size = pt_lsize(o->d, l),
                              .flags = flags,
                              .level = l};
    o->cb(o->arg, &m);
}

static bool table_empty(const struct kk_pt_desc *d, const void *t)
{
    unsigned n = pt_entries(d);
    for (unsigned i = 0; i < n; i++) {
        if (pt_valid(pt_rd(d, t, i)))
            return false;
    }
    return true;
}

static unsigned new_flags(const struct mod_op *o, unsigned f)
{
    switch (o->kind) {
    case MOD_PROTECT:
        return o->flags | (f & (KK_PT_A | KK_PT_D));
    case MOD_WP:
        return (f & KK_PT_W) ? ((f & ~KK_PT_W) | KK_PT_COW) : f;
    default:
        return f & ~o->flags;
    }
}

/* Rewrite the flags of a valid leaf, keeping bits the hardware sets meanwhile. */
static void rewrite_leaf(struct mod_op *o, void *t, unsigned i, unsigned l, uint64_t e,
                         uint64_t leaf_iva)
{
    const struct kk_pt_desc *d = o->d;
    uint64_t va = pt_ext(d, leaf_iva);
    for (;;) {
        unsigned f = 0;
        uint64_t ne, bits = e & ~d->addr_mask;
        if (bits == o->memo_old && l == o->memo_level) {
            ne = (e & d->addr_mask) | o->memo_new;
        } else {
            f = d->decode(e, l);
            ne = (e & d->addr_mask) | d->encode(new_flags(o, f), l);
            o->memo_old = bits;
            o->memo_new = ne & ~d->addr_mask;
            o->memo_level = l;
        }
        if (ne == e)
            return;
        if (d->bbm && ((ne ^ e) & d->attr_mask)) {
            /* Memory-type change: break, flush, make. */
            e = pt_xchg(d, t, i, 0);
            f = d->decode(e, l);
            ne = (e & d->addr_mask) | d->encode(new_flags(o, f), l);
            pt_flush_now(o->pt, va);
            pt_wr(d, t, i, ne);
        } else if (pt_hw_stable(d, e)) {
            pt_wr(d, t, i, ne); /* the MMU never writes this entry: no CAS needed */
            kk_pt__flush_add(o->fb, va);
        } else if (!pt_cas(d, t, i, &e, ne)) {
            continue;
        } else {
            kk_pt__flush_add(o->fb, va);
        }
        o->changed++;
        if (o->cb)
            report(o, e, l, leaf_iva, d->decode(e, l));
        return;
    }
}

static void mod_leaf(struct mod_op *o, void *t, unsigned i, unsigned l, uint64_t e,
                     uint64_t leaf_iva)
{
    o->visited++;
    if (o->kind == MOD_UNMAP || o->kind == MOD_ROLLBACK) {
        if (o->cb)
            e = pt_xchg(o->d, t, i, 0); /* the caller gets the final A/D bits */
        else
            pt_wr(o->d, t, i, 0);
        o->changed++;
        kk_pt__flush_add(o->fb, pt_ext(o->d, leaf_iva));
        if (o->cb)
            report(o, e, l, leaf_iva, o->d->decode(e, l));
        return;
    }
    if (o->kind == MOD_CLEAR && !(o->d->decode(e, l) & o->flags))
        return;
    rewrite_leaf(o, t, i, l, e, leaf_iva);
}

/* Unlink and queue the child table of entry i if the walk emptied it. */
static void maybe_free_child(struct mod_op *o, void *t, unsigned i, unsigned l, uint64_t child,
                             bool whole, uint64_t changed_before, uint64_t slot_iva)
{
    if (o->kind != MOD_UNMAP && o->kind != MOD_ROLLBACK)
        return;
    if (pt_pinned(o->pt, l, i) && !(o->newroot && ((o->newroot[i / 64] >> (i % 64)) & 1)))
        return;
    if (o->changed == changed_before && o->kind != MOD_ROLLBACK)
        return;
    if (!whole && !table_empty(o->d, pt_tab(o->pt, child)))
        return;
    pt_wr(o->d, t, i, 0);
    kk_pt__flush_add(o->fb, pt_ext(o->d, slot_iva));
    kk_pt__defer_free(o->fb, child);
}

static void mod_level(struct mod_op *o, uint64_t tpa, unsigned l, uint64_t va, uint64_t end)
{
    const struct kk_pt_desc *d = o->d;
    void *t = pt_tab(o->pt, tpa);
    uint64_t size = pt_lsize(d, l);
    for (unsigned i = pt_index(d, va, l); va < end; i++) {
        uint64_t start = va & ~(size - 1);
        uint64_t next = KK_MIN(start + size, end);
        uint64_t e = pt_rd(d, t, i);
        if (!pt_valid(e)) {
            va = next;
            continue;
        }
        if (pt_is_table(d, e, l)) {
            uint64_t child = pt_addr(d, e), before = o->changed;
            mod_level(o, child, l - 1, va, next);
            maybe_free_child(o, t, i, l, child, next - va == size, before, start);
        } else if (o->kind == MOD_CLEAR || (start == va && next - va == size)) {
            mod_leaf(o, t, i, l, e, start);
        }
        va = next;
    }
}

static int clamp_count(uint64_t n)
{
    return n > 0x7fffffffu ? 0x7fffffff : (int)n;
}

/* Validate, split the range ends, walk. Fills *o; returns 0 or an error. */
static int run_mod(struct mod_op *o, struct kk_pt *pt, uint64_t va, uint64_t len,
                   struct kk_pt_flush *fb)
{
    uint64_t iva;
    if (!pt || !pt->desc || (fb && fb->pt != pt))
        return KK_EINVAL;
    int rc = kk_pt__check_range(pt, va, len, &iva);
    if (rc || (rc = kk_pt__check_borrowed(pt, iva, len)))
        return rc;
    if (o->kind == MOD_PROTECT && (o->flags & ~KK_PT_ALL_FLAGS))
        return KK_EINVAL;
    if (o->kind == MOD_PROTECT && (rc = pt->desc->check_flags(o->flags)))
        return rc;
    if (o->kind == MOD_CLEAR && (!o->flags || (o->flags & ~(KK_PT_A | KK_PT_D))))
        return KK_EINVAL;
    struct kk_pt_flush local;
    if (!fb) {
        kk_pt_flush_init(&local, pt);
        fb = &local;
    }
    o->pt = pt;
    o->d = pt->desc;
    o->fb = fb;
    if (o->kind != MOD_CLEAR)
        rc = kk_pt__split_range_ends(pt, fb, iva, iva + len);
    if (!rc)
        mod_level(o, pt->root, pt->desc->levels - 1u, iva, iva + len);
    if (fb == &local)
        kk_pt_flush_finish(&local);
    if (!rc && !o->visited)
        rc = KK_ENOENT;
    return rc;
}

void kk_pt__rollback(struct kk_pt *pt, uint64_t iva, uint64_t iend, struct kk_pt_flush *fb,
                     const uint64_t *newroot)
{
    struct mod_op o = {.kind = MOD_ROLLBACK, .memo_level = ~0u, .newroot = newroot};
    struct kk_pt_flush local;
    if (iend <= iva)
        return;
    if (!fb) {
        kk_pt_flush_init(&local, pt);
        fb = &local;
    }
    o.pt = pt;
    o.d = pt->desc;
    o.fb = fb;
    mod_level(&o, pt->root, pt->desc->levels - 1u, iva, iend);
    if (fb == &local)
        kk_pt_flush_finish(&local);
}

int kk_pt_unmap_range(struct kk_pt *pt, uint64_t va, uint64_t len, struct kk_pt_flush *fb,
                      kk_pt_mapping_fn cb, void *arg)
{
    struct mod_op o = {.memo_level = ~0u, .kind = MOD_UNMAP, .cb = cb, .arg = arg};
    int rc = run_mod(&o, pt, va, len, fb);
    return rc ? rc : clamp_count(o.visited);
}

int kk_pt_protect_range(struct kk_pt *pt, uint64_t va, uint64_t len, unsigned flags,
                        struct kk_pt_flush *fb)
{
    struct mod_op o = {.memo_level = ~0u, .kind = MOD_PROTECT, .flags = flags};
    int rc = run_mod(&o, pt, va, len, fb);
    return rc ? rc : clamp_count(o.visited);
}

int kk_pt_write_protect_range(struct kk_pt *pt, uint64_t va, uint64_t len, struct kk_pt_flush *fb)
{
    struct mod_op o = {.memo_level = ~0u, .kind = MOD_WP};
    int rc = run_mod(&o, pt, va, len, fb);
    return rc ? rc : clamp_count(o.changed);
}

int kk_pt_clear_ad(struct kk_pt *pt, uint64_t va, uint64_t len, unsigned which,
                   struct kk_pt_flush *fb, kk_pt_mapping_fn cb, void *arg)
{
    struct mod_op o = {.memo_level = ~0u, .kind = MOD_CLEAR, .flags = which, .cb = cb, .arg = arg};
    int rc = run_mod(&o, pt, va, len, fb);
    return rc ? rc : clamp_count(o.changed);
}

/* ---- lookups ---------------------------------------------------------------- */

/* Find the leaf containing index-space address iva. */
static int lookup(const struct kk_pt *pt, uint64_t iva, unsigned *lp, uint64_t *ep)
{
    const struct kk_pt_desc *d = pt->desc;
    uint64_t tpa = pt->root;
    for (unsigned l = d->levels - 1u;; l--) {
        uint64_t e = pt_rd(d, pt_tab(pt, tpa), pt_index(d, iva, l));
        if (!pt_valid(e))
            return KK_ENOENT;
        if (!pt_is_table(d, e, l)) {
            *lp = l;
            *ep = e;
            return 0;
        }
        tpa = pt_addr(d, e);
    }
}

static void fill_mapping(const struct kk_pt_desc *d, uint64_t e, unsigned l, uint64_t iva,
                         struct kk_pt_mapping *m)
{
    uint64_t size = pt_lsize(d, l);
    m->va = pt_ext(d, iva & ~(size - 1));
    m->pa = pt_leaf_pa(d, e, l);
    m->size = size;
    m->flags = d->decode(e, l);
    m->level = l;
}

int kk_pt_query(const struct kk_pt *pt, uint64_t va, struct kk_pt_mapping *m)
{
    if (!pt || !pt->desc || !m)
        return KK_EINVAL;
    if (!pt_canonical(pt->desc, va))
        return KK_EFAULT;
    uint64_t iva = va & pt_va_mask(pt->desc), e;
    unsigned l;
    int rc = lookup(pt, iva, &l, &e);
    if (rc)
        return rc;
    fill_mapping(pt->desc, e, l, iva, m);
    return 0;
}

/* The mapping starting exactly at va: 0, KK_ENOENT or KK_EINVAL. */
static int leaf_at(struct kk_pt *pt, uint64_t va, uint64_t *size)
{
    struct kk_pt_mapping m;
    if (!pt || !pt->desc)
        return KK_EINVAL;
    if (va & (KK_PT_PAGE_SIZE - 1))
        return KK_EINVAL;
    int rc = kk_pt_query(pt, va, &m);
    if (rc)
        return rc;
    if (m.va != va)
        return KK_EINVAL;
    *size = m.size;
    return 0;
}

static int copy_mapping(void *arg, const struct kk_pt_mapping *m)
{
    *(struct kk_pt_mapping *)arg = *m;
    return 0;
}

int kk_pt_unmap(struct kk_pt *pt, uint64_t va, struct kk_pt_flush *fb, struct kk_pt_mapping *old)
{
    uint64_t size;
    struct kk_pt_mapping m;
    int rc = leaf_at(pt, va, &size);
    if (rc)
        return rc;
    rc = kk_pt_unmap_range(pt, va, size, fb, copy_mapping, &m);
    if (rc < 0)
        return rc;
    if (old)
        *old = m;
    return 0;
}

int kk_pt_protect(struct kk_pt *pt, uint64_t va, unsigned flags, struct kk_pt_flush *fb)
{
    uint64_t size;
    int rc = leaf_at(pt, va, &size);
    if (rc)
        return rc;
    rc = kk_pt_protect_range(pt, va, size, flags, fb);
    return rc < 0 ? rc : 0;
}

struct walk_op {
    const struct kk_pt *pt;
    kk_pt_mapping_fn cb;
    void *arg;
};

static int walk_level(const struct walk_op *w, uint64_t tpa, unsigned l, uint64_t va, uint64_t end)
{
    const struct kk_pt_desc *d = w->pt->desc;
    const void *t = pt_tab(w->pt, tpa);
    uint64_t size = pt_lsize(d, l);
    for (unsigned i = pt_index(d, va, l); va < end; i++) {
        uint64_t next = KK_MIN((va & ~(size - 1)) + size, end);
        uint64_t e = pt_rd(d, t, i);
        int rc = 0;
        if (pt_valid(e) && pt_is_table(d, e, l)) {
            rc = walk_level(w, pt_addr(d, e), l - 1, va, next);
        } else if (pt_valid(e)) {
            struct kk_pt_mapping m;
            fill_mapping(d, e, l, va, &m);
            rc = w->cb(w->arg, &m);
        }
        if (rc)
            return rc;
        va = next;
    }
    return 0;
}

int kk_pt_walk(const struct kk_pt *pt, uint64_t va, uint64_t len, kk_pt_mapping_fn cb, void *arg)
{
    uint64_t iva;
    if (!pt || !cb)
        return KK_EINVAL;
    int rc = kk_pt__check_range(pt, va, len, &iva);
    if (rc)
        return rc;
    struct walk_op w = {.pt = pt, .cb = cb, .arg = arg};
    return walk_level(&w, pt->root, pt->desc->levels - 1u, iva, iva + len);
}

/* ---- text dump -------------------------------------------------------------- */

struct dump_op {
    kk_pt_line_fn out;
    void *arg;
    struct kk_pt_mapping run; /* pending run; run.size = page size */
    uint64_t pages;           /* pages in the run (0 = none) */
};

static char *put_hex(char *p, uint64_t v)
{
    for (int s = 60; s >= 0; s -= 4)
        *p++ = "0123456789abcdef"[(v >> s) & 15];
    return p;
}

static char *put_dec(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_size(char *p, uint64_t size)
{
    static const char units[] = "KMGTP";
    unsigned u = 0;
    size >>= 10;
    while (u + 1 < sizeof(units) - 1 && size >= 1024 && !(size & 1023)) {
        size >>= 10;
        u++;
    }
    p = put_dec(p, size);
    *p++ = units[u];
    return p;
}

static void dump_emit(struct dump_op *o)
{
    static const char letters[] = "RWXUGdcADC";
    char line[128], *p = line;
    uint64_t bytes = o->run.size * o->pages;
    if (!o->pages)
        return;
    p = put_hex(p, o->run.va);
    *p++ = '-';
    p = put_hex(p, o->run.va + bytes);
    kk_memcpy(p, " -> ", 4);
    p = put_hex(p + 4, o->run.pa);
    *p++ = ' ';
    p = put_size(p, o->run.size);
    *p++ = ' ';
    *p++ = 'x';
    p = put_dec(p, o->pages);
    *p++ = ' ';
    for (unsigned b = 0; b < sizeof(letters) - 1; b++)
        *p++ = (o->run.flags & (1u << b)) ? letters[b] : '-';
    *p = '\0';
    o->out(o->arg, line);
    o->pages = 0;
}

static int dump_one(void *arg, const struct kk_pt_mapping *m)
{
    struct dump_op *o = arg;
    uint64_t bytes = o->run.size * o->pages;
    if (o->pages && m->size == o->run.size && m->flags == o->run.flags &&
        m->va == o->run.va + bytes && m->pa == o->run.pa + bytes) {
        o->pages++;
        return 0;
    }
    dump_emit(o);
    o->run = *m;
    o->pages = 1;
    return 0;
}

int kk_pt_dump(const struct kk_pt *pt, uint64_t va, uint64_t len, kk_pt_line_fn out, void *arg)
{
    struct dump_op o = {.out = out, .arg = arg};
    if (!out)
        return KK_EINVAL;
    int rc = kk_pt_walk(pt, va, len, dump_one, &o);
    if (rc)
        return rc;
    dump_emit(&o);
    return 0;
}

/* ---- invariant checker ------------------------------------------------------ */

/* Returns the number of valid entries of the table, or KK_ECORRUPT. */
static int check_level(const struct kk_pt *pt, uint64_t tpa, unsigned l, uint64_t *count,
                       bool borrowed)
{
    const struct kk_pt_desc *d = pt->desc;
    const void *t = pt_tab(pt, tpa);
    unsigned n = pt_entries(d);
    int nvalid = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = pt_rd(d, t, i);
        if (!pt_valid(e))
            continue;
        nvalid++;
        if (pt_is_table(d, e, l)) {
            bool b = borrowed || pt_borrowed(pt, l, i);
            uint64_t child = pt_addr(d, e);
            if (child >> d->pa_bits)
                return KK_ECORRUPT;
            *count += b ? 0 : 1;
            int rc = check_level(pt, child, l - 1, count, b);
            if (rc < 0)
                return rc;
            if (rc == 0 && !b && !pt_pinned(pt, l, i))
                return KK_ECORRUPT;
            continue;
        }
        if (!(d->leaf_mask & (1u << l)) || (pt_addr(d, e) & (pt_lsize(d, l) - 1)))
            return KK_ECORRUPT;
        if (d->check_flags(d->decode(e, l)))
            return KK_ECORRUPT;
        if (d->encode(d->decode(e, l), l) != (e & ~d->addr_mask))
            return KK_ECORRUPT; /* bits the library never writes */
    }
    return nvalid;
}

int kk_pt_check(const struct kk_pt *pt)
{
    if (!pt || !pt->desc)
        return KK_EINVAL;
    uint64_t count = 1;
    int rc = check_level(pt, pt->root, pt->desc->levels - 1u, &count, false);
    if (rc < 0)
        return rc;
    return count == pt->tables ? 0 : KK_ECORRUPT;
}
