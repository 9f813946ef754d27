/*
 * pagetable.c: the generic page-table core (init/destroy, map, range
 * modifications, huge-page split, flush batches, kernel-half sharing).
 *
 * Owns: the table frames of a struct kk_pt (allocated and freed only through
 * the platform callbacks). Never touches mapped frames.
 * Promises:
 *  - every range operation visits each table once, recursively from the root;
 *  - map/map_range are failure-atomic: on error the pages mapped so far are
 *    unmapped again and tables allocated on the way are freed (after a flush);
 *  - a table emptied by an unmap is unlinked, its address queued in the flush
 *    batch, and the frame freed only by kk_pt_flush_finish() after flush_tlb;
 *  - range operations split straddling huge pages first, so a failing split
 *    (KK_ENOMEM) leaves every translation unchanged;
 *  - kernel sharing allocates nothing: it copies the lender's present root
 *    entries into the borrower (again on each re-sync); root slots lent out
 *    (pinned) never lose their table to an unmap and never hold a leaf, so
 *    copied entries never dangle; a failed map frees a pinned-slot table it
 *    allocated itself (nobody can have copied it yet);
 *  - invariant: every owned table except the root and pinned kernel tables
 *    holds at least one valid entry (kk_pt_check() verifies it).
 * The caller must not run two operations on one table at a time.
 */
#include "pt_core.h"

static const struct kk_pt_desc *const descs[] = {
    &kk_pt_desc_sv39,      &kk_pt_desc_sv48,       &kk_pt_desc_sv57, &kk_pt_desc_x86_64_4l,
    &kk_pt_desc_x86_64_5l, &kk_pt_desc_aarch64_4k, &kk_pt_desc_i386,
};

const struct kk_pt_desc *kk_pt__desc(enum kk_pt_format format)
{
    for (size_t i = 0; i < KK_ARRAY_SIZE(descs); i++) {
        if (descs[i]->format == format)
            return descs[i];
    }
    return NULL;
}

const char *kk_pt_format_info(enum kk_pt_format format, unsigned *levels, unsigned *va_bits,
                              uint64_t *page_sizes)
{
    const struct kk_pt_desc *d = kk_pt__desc(format);
    if (!d)
        return NULL;
    if (levels)
        *levels = d->levels;
    if (va_bits)
        *va_bits = pt_va_bits(d);
    if (page_sizes) {
        uint64_t m = 0;
        for (unsigned l = 0; l < d->levels; l++) {
            if (d->leaf_mask & (1u << l))
                m |= pt_lsize(d, l);
        }
        *page_sizes = m;
    }
    return d->name;
}

/* ---- flush batches ---------------------------------------------------- */

void kk_pt_flush_init(struct kk_pt_flush *fb, struct kk_pt *pt)
{
    if (!fb)
        return;
    fb->pt = pt;
    fb->n = 0;
    fb->full = 0;
    fb->nfree = 0;
    fb->free_head = 0;
}

void kk_pt__flush_add(struct kk_pt_flush *fb, uint64_t va)
{
    if (fb->full)
        return;
    if (fb->n < fb->pt->flush_threshold)
        fb->va[fb->n++] = va;
    else
        fb->full = 1;
}

/* Queue an unlinked table frame; its entry 0 links the queue (an address
 * with bit 0 clear, so a stale walker still sees an invalid entry). */
void kk_pt__defer_free(struct kk_pt_flush *fb, uint64_t pa)
{
    struct kk_pt *pt = fb->pt;
    pt_wr(pt->desc, pt_tab(pt, pa), 0, fb->nfree ? fb->free_head : 0);
    fb->free_head = pa;
    fb->nfree++;
    pt->tables--;
}

void kk_pt_flush_finish(struct kk_pt_flush *fb)
{
    if (!fb || !fb->pt || !fb->pt->desc) /* nothing can have been batched */
        return;
    struct kk_pt *pt = fb->pt;
    const struct kk_pt_platform *p = pt->plat;
    if (p->flush_tlb && (fb->full || fb->n))
        p->flush_tlb(p->ctx, pt->asid, fb->full ? NULL : fb->va, fb->full ? 0 : fb->n);
    while (fb->nfree) {
        uint64_t pa = fb->free_head;
        void *t = pt_tab(pt, pa);
        fb->free_head = pt_rd(pt->desc, t, 0);
        pt_wr(pt->desc, t, 0, 0);
        fb->nfree--;
        p->free_table(p->ctx, pa);
    }
    fb->n = 0;
    fb->full = 0;
}

/* A table frame from the platform; one it cannot use (misaligned, beyond the
 * format's PA width) goes straight back and fails with KK_ERANGE. */
static int alloc_table(struct kk_pt *pt, uint64_t *pa)
{
    const struct kk_pt_platform *p = pt->plat;
    int rc = p->alloc_table(p->ctx, pa);
    if (rc)
        return rc < 0 ? rc : KK_ENOMEM;
    if ((*pa & (KK_PT_PAGE_SIZE - 1)) || (*pa >> pt->desc->pa_bits)) {
        p->free_table(p->ctx, *pa);
        return KK_ERANGE;
    }
    pt->tables++;
    return 0;
}

/* ---- init / destroy ----------------------------------------------------- */

int kk_pt_init(struct kk_pt *pt, const struct kk_pt_config *cfg)
{
    if (!pt || !cfg || cfg->size < sizeof(struct kk_pt_config) || !cfg->plat)
        return KK_EINVAL;
    const struct kk_pt_platform *p = cfg->plat;
    const struct kk_pt_desc *d = kk_pt__desc(cfg->format);
    if (!d || p->version < 1 || !p->alloc_table || !p->free_table)
        return KK_EINVAL;
    if (cfg->flush_threshold > KK_PT_FLUSH_MAX)
        return KK_EINVAL;
    kk_memset(pt, 0, sizeof(*pt));
    pt->desc = d;
    pt->plat = p;
    pt->asid = cfg->asid;
    pt->flush_threshold = cfg->flush_threshold ? cfg->flush_threshold : KK_PT_FLUSH_MAX;
    int rc = alloc_table(pt, &pt->root);
    if (rc)
        pt->desc = NULL;
    return rc;
}

static void destroy_level(struct kk_pt *pt, uint64_t tpa, unsigned l)
{
    const struct kk_pt_desc *d = pt->desc;
    void *t = pt_tab(pt, tpa);
    unsigned n = pt_entries(d);
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = pt_rd(d, t, i);
        if (!pt_valid(e) || !pt_is_table(d, e, l))
            continue;
        if (pt_borrowed(pt, l, i)) {
            pt_wr(d, t, i, 0); /* the lender's table: only forget it */
            continue;
        }
        if (l > 1)
            destroy_level(pt, pt_addr(d, e), l - 1);
        pt_wr(d, t, i, 0);
        pt->plat->free_table(pt->plat->ctx, pt_addr(d, e));
        pt->tables--;
    }
}

void kk_pt_destroy(struct kk_pt *pt)
{
    if (!pt || !pt->desc)
        return;
    destroy_level(pt, pt->root, pt->desc->levels - 1u);
    pt->plat->free_table(pt->plat->ctx, pt->root);
    pt->tables = 0;
    pt->desc = NULL;
}

uint64_t kk_pt_root(const struct kk_pt *pt)
{
    return pt && pt->desc ? pt->root : 0;
}

uint64_t kk_pt_table_count(const struct kk_pt *pt)
{
    return pt && pt->desc ? pt->tables : 0;
}

/* ---- argument checks ---------------------------------------------------- */

/* Validate [va, va+len): 4 KiB-aligned, nonzero, canonical, not running off
 * its half of the address space. Gives the index-space start. */
int kk_pt__check_range(const struct kk_pt *pt, uint64_t va, uint64_t len, uint64_t *iva)
{
    const struct kk_pt_desc *d = pt->desc;
    if (!d)
        return KK_EINVAL;
    unsigned vb = pt_va_bits(d);
    if (((va | len) & (KK_PT_PAGE_SIZE - 1)) || len == 0)
        return KK_EINVAL;
    if (!pt_canonical(d, va))
        return KK_EFAULT;
    uint64_t i = va & pt_va_mask(d);
    uint64_t room =
        (d->sign_extend && !((i >> (vb - 1)) & 1) ? (1ull << (vb - 1)) : (1ull << vb)) - i;
    if (len > room)
        return KK_EFAULT;
    *iva = i;
    return 0;
}

/* Root slots [lo, hi) covered by [iva, iva+len). */
static void root_slots(const struct kk_pt_desc *d, uint64_t iva, uint64_t len, unsigned *lo,
                       unsigned *hi)
{
    unsigned top = d->levels - 1u;
    *lo = pt_index(d, iva, top);
    *hi = pt_index(d, iva + len - 1, top) + 1;
}

/* KK_EPERM if [iva, iva+len) touches a root slot borrowed from another table. */
int kk_pt__check_borrowed(const struct kk_pt *pt, uint64_t iva, uint64_t len)
{
    if (!pt->nborrow)
        return 0;
    unsigned lo, hi;
    root_slots(pt->desc, iva, len, &lo, &hi);
    return pt_slots_overlap(pt->borrow, pt->nborrow, lo, hi) ? KK_EPERM : 0;
}

static int check_flags(const struct kk_pt_desc *d, unsigned flags)
{
    if (flags & ~KK_PT_ALL_FLAGS)
        return KK_EINVAL;
    return d->check_flags(flags);
}

static int check_pa(const struct kk_pt_desc *d, uint64_t pa, uint64_t len)
{
    if (pa & (KK_PT_PAGE_SIZE - 1))
        return KK_EINVAL;
    uint64_t lim = d->pa_bits >= 64 ? ~0ull : (1ull << d->pa_bits);
    if (pa >= lim || len > lim - pa)
        return KK_ERANGE;
    return 0;
}

/* Make a zero-filled (or freshly filled) table visible before linking it. */
static inline void link_table(const struct kk_pt_desc *d, void *t, unsigned i, uint64_t child)
{
    pt_publish(d, t, i, pt_table_entry(d, child));
}

/* ---- map ------------------------------------------------------------------ */

struct map_op {
    struct kk_pt *pt;
    const struct kk_pt_desc *d;
    uint64_t pa;         /* physical address of the next page to map */
    uint64_t fail_va;    /* index-space address where an error happened */
    unsigned leaf_level; /* levels at or below which entries are leaves */
    bool allow_huge;
    uint64_t tmpl[KK_PT_MAX_LEVELS]; /* leaf bits per level */
    uint64_t *newroot;               /* pinned root slots this call filled (NULL: none) */
    uint64_t *newroot_buf;           /* ROOT_WORDS words for newroot */
};

/* Words of a bitmap of root slots (1024 for i386). */
#define ROOT_WORDS 16

/* A table was linked into root slot i: a pinned slot bumps the share
 * generation and is remembered for the rollback. */
static void note_new_root(struct map_op *o, unsigned i)
{
    if (!pt_pinned(o->pt, o->d->levels - 1u, i))
        return;
    o->pt->share_gen++;
    if (!o->newroot) {
        kk_memset(o->newroot_buf, 0, ROOT_WORDS * sizeof(uint64_t));
        o->newroot = o->newroot_buf;
    }
    o->newroot[i / 64] |= 1ull << (i % 64);
}

/* Fill entries [va, end) of one table with leaves of level l. */
static int map_leaves(struct map_op *o, void *t, unsigned l, uint64_t va, uint64_t end)
{
    const struct kk_pt_desc *d = o->d;
    unsigned shift = pt_shift(d, l);
    uint64_t n = (end - va) >> shift, size = pt_lsize(d, l);
    unsigned i0 = pt_index(d, va, l);
    uint64_t tmpl = o->tmpl[l], pa = o->pa;
    unsigned rs = d->pa_rshift;
    if (d->pte_bytes == 8) {
        volatile uint64_t *p = (volatile uint64_t *)t + i0;
        for (uint64_t k = 0; k < n; k++, pa += size) {
            if (KK_UNLIKELY(p[k] & 1))
                goto exists;
            p[k] = tmpl | (pa >> rs);
        }
    } else {
        volatile uint32_t *p = (volatile uint32_t *)t + i0;
        for (uint64_t k = 0; k < n; k++, pa += size) {
            if (KK_UNLIKELY(p[k] & 1))
                goto exists;
            p[k] = (uint32_t)(tmpl | (pa >> rs));
        }
    }
    o->pa = pa;
    return 0;
exists:
    o->fail_va = va + (pa - o->pa);
    return KK_EEXIST;
}

static int map_level(struct map_op *o, uint64_t tpa, unsigned l, uint64_t va, uint64_t end)
{
    const struct kk_pt_desc *d = o->d;
    void *t = pt_tab(o->pt, tpa);
    if (l == o->leaf_level)
        return map_leaves(o, t, l, va, end);
    uint64_t size = pt_lsize(d, l);
    bool huge_level = o->allow_huge && (d->leaf_mask & (1u << l));
    bool root = l == d->levels - 1u;
    for (unsigned i = pt_index(d, va, l); va < end; i++) {
        uint64_t next = KK_MIN((va & ~(size - 1)) + size, end);
        uint64_t e = pt_rd(d, t, i);
        if (huge_level && !pt_valid(e) && next - va == size && !(o->pa & (size - 1)) &&
            !(root && pt_pinned(o->pt, l, i))) {
            pt_wr(d, t, i, o->tmpl[l] | (o->pa >> d->pa_rshift));
            o->pa += size;
            va = next;
            continue;
        }
        uint64_t child;
        if (!pt_valid(e)) {
            int rc = alloc_table(o->pt, &child);
            if (rc) {
                o->fail_va = va;
                return rc;
            }
            link_table(d, t, i, child);
            if (root)
                note_new_root(o, i);
        } else if (pt_is_table(d, e, l)) {
            child = pt_addr(d, e);
        } else {
            o->fail_va = va;
            return KK_EEXIST;
        }
        int rc = map_level(o, child, l - 1, va, next);
        if (rc)
            return rc;
        va = next;
    }
    return 0;
}

static int do_map(struct kk_pt *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned flags,
                  unsigned leaf_level, bool allow_huge, struct kk_pt_flush *fb)
{
    uint64_t iva;
    int rc = kk_pt__check_range(pt, va, len, &iva);
    if (rc)
        return rc;
    const struct kk_pt_desc *d = pt->desc;
    if ((rc = check_pa(d, pa, len)) || (rc = check_flags(d, flags)) ||
        (rc = kk_pt__check_borrowed(pt, iva, len)))
        return rc;
    unsigned top = d->levels - 1u, lo, hi;
    if (leaf_level == top && pt->npin) {
        root_slots(d, iva, len, &lo, &hi);
        if (pt_slots_overlap(pt->pin, pt->npin, lo, hi))
            return KK_EPERM; /* no root-level leaf in a lent-out slot */
    }
    uint64_t newroot[ROOT_WORDS];
    struct map_op o = {.pt = pt,
                       .d = d,
                       .pa = pa,
                       .leaf_level = leaf_level,
                       .allow_huge = allow_huge,
                       .newroot_buf = newroot};
    for (unsigned l = 0; l < d->levels; l++)
        o.tmpl[l] = (d->leaf_mask & (1u << l)) ? d->encode(flags, l) : 0;
    rc = map_level(&o, pt->root, top, iva, iva + len);
    if (rc) {
        /* Undo: unmap what this call mapped, free the tables it left empty. */
        uint64_t undo_end = o.fail_va + (rc == KK_EEXIST ? 0 : KK_PT_PAGE_SIZE);
        kk_pt__rollback(pt, iva, undo_end, fb, o.newroot);
    }
    return rc;
}

int kk_pt_map(struct kk_pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
    if (!pt || !pt->desc)
        return KK_EINVAL;
    const struct kk_pt_desc *d = pt->desc;
    for (unsigned l = 0; l < d->levels; l++) {
        if (size == pt_lsize(d, l) && (d->leaf_mask & (1u << l))) {
            if ((va | pa) & (size - 1))
                return KK_EINVAL;
            return do_map(pt, va, pa, size, flags, l, false, NULL);
        }
    }
    return KK_EINVAL;
}

int kk_pt_map_range(struct kk_pt *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned flags,
                    bool allow_huge, struct kk_pt_flush *fb)
{
    if (!pt || !pt->desc || (fb && fb->pt != pt))
        return KK_EINVAL;
    return do_map(pt, va, pa, len, flags, 0, allow_huge, fb);
}

/* ---- huge-page split ------------------------------------------------------ */

/* Fill a new table with the level-(l-1) pieces of the leaf @e at level l. */
static void fill_split(const struct kk_pt_desc *d, void *ct, unsigned l, uint64_t e)
{
    uint64_t pa = pt_leaf_pa(d, e, l), sub = pt_lsize(d, l - 1);
    uint64_t bits = d->encode(d->decode(e, l), l - 1);
    unsigned n = pt_entries(d);
    for (unsigned k = 0; k < n; k++)
        pt_wr(d, ct, k, bits | ((pa + k * sub) >> d->pa_rshift));
}

/* Replace the huge leaf at entry i (level l, covering leaf_va) by a table of
 * smaller leaves with the same translation and flags. */
static int split_leaf(struct kk_pt *pt, struct kk_pt_flush *fb, void *t, unsigned i, unsigned l,
                      uint64_t leaf_va, uint64_t *child)
{
    const struct kk_pt_desc *d = pt->desc;
    int rc = alloc_table(pt, child);
    if (rc)
        return rc;
    void *ct = pt_tab(pt, *child);
    uint64_t e = pt_rd(d, t, i);
    uint64_t va = pt_ext(d, leaf_va);
    if (d->bbm) {
        /* Break (invalid entry, flushed), then make. */
        e = pt_xchg(d, t, i, 0);
        fill_split(d, ct, l, e);
        pt_flush_now(pt, va);
        link_table(d, t, i, *child);
        return 0;
    }
    do {
        fill_split(d, ct, l, e);
    } while (!pt_cas(d, t, i, &e, pt_table_entry(d, *child)));
    kk_pt__flush_add(fb, va);
    return 0;
}

/* Split every huge leaf that contains the index-space boundary @b strictly
 * inside it, down to the level where @b is a page boundary. */
static int split_at(struct kk_pt *pt, struct kk_pt_flush *fb, uint64_t b)
{
    const struct kk_pt_desc *d = pt->desc;
    if (b == 0 || b >= (1ull << pt_va_bits(d)))
        return 0;
    uint64_t tpa = pt->root;
    for (unsigned l = d->levels - 1u; l > 0; l--) {
        void *t = pt_tab(pt, tpa);
        unsigned i = pt_index(d, b, l);
        uint64_t e = pt_rd(d, t, i);
        if (!pt_valid(e))
            return 0;
        if (pt_is_table(d, e, l)) {
            tpa = pt_addr(d, e);
            continue;
        }
        uint64_t size = pt_lsize(d, l);
        if (!(b & (size - 1)))
            return 0;
        int rc = split_leaf(pt, fb, t, i, l, b & ~(size - 1), &tpa);
        if (rc)
            return rc;
    }
    return 0;
}

int kk_pt__split_range_ends(struct kk_pt *pt, struct kk_pt_flush *fb, uint64_t iva, uint64_t iend)
{
    int rc = split_at(pt, fb, iva);
    if (!rc)
        rc = split_at(pt, fb, iend);
    return rc;
}

/* ---- kernel-half sharing -------------------------------------------------- */

/* Add [lo, hi) to a sorted list of disjoint ranges, merging overlapping and
 * adjacent ones. KK_ENOSPC (list unchanged) when it would need one too many. */
static int slots_add(struct kk_pt_slots *r, uint32_t *n, unsigned lo, unsigned hi)
{
    struct kk_pt_slots out[KK_PT_SHARE_MAX];
    uint32_t m = 0, k = 0;
    for (; k < *n && r[k].hi < lo; k++)
        out[m++] = r[k]; /* wholly before, not adjacent */
    for (; k < *n && r[k].lo <= hi; k++) {
        lo = KK_MIN(lo, r[k].lo); /* overlapping or adjacent: merge */
        hi = KK_MAX(hi, r[k].hi);
    }
    if (m + 1 + (*n - k) > KK_PT_SHARE_MAX)
        return KK_ENOSPC;
    out[m++] = (struct kk_pt_slots){(uint16_t)lo, (uint16_t)hi};
    for (; k < *n; k++)
        out[m++] = r[k];
    kk_memcpy(r, out, m * sizeof(out[0]));
    *n = m;
    return 0;
}

/* Validate sharing slots [lo, hi) of src into dst; count what a copy adds. */
static int share_check(const struct kk_pt *dst, const struct kk_pt *src, unsigned lo, unsigned hi)
{
    const struct kk_pt_desc *d = src->desc;
    unsigned top = d->levels - 1u;
    const void *dt = pt_tab(dst, dst->root), *st = pt_tab(src, src->root);
    int n = 0;
    for (unsigned i = lo; i < hi; i++) {
        uint64_t se = pt_rd(d, st, i), de = pt_rd(d, dt, i);
        if (pt_valid(se) && !pt_is_table(d, se, top))
            return KK_EINVAL; /* a root-level huge page cannot be shared */
        if (!pt_valid(de))
            n += pt_valid(se);
        else if (de != se || !pt_borrowed(dst, top, i))
            return KK_EEXIST;
    }
    return n;
}

int kk_pt_share_kernel(struct kk_pt *dst, struct kk_pt *src, uint64_t va, uint64_t len)
{
    if (!dst || !src || !dst->desc || dst->desc != src->desc || dst == src)
        return KK_EINVAL;
    const struct kk_pt_desc *d = src->desc;
    uint64_t slot = pt_lsize(d, d->levels - 1u), iva;
    if ((va | len) & (slot - 1))
        return KK_EINVAL;
    int rc = kk_pt__check_range(src, va, len, &iva);
    if (rc || (rc = kk_pt__check_borrowed(src, iva, len)))
        return rc;
    unsigned lo, hi;
    root_slots(d, iva, len, &lo, &hi);
    if (pt_slots_overlap(dst->pin, dst->npin, lo, hi))
        return KK_EINVAL; /* dst lends these slots out itself */
    int n = share_check(dst, src, lo, hi);
    if (n < 0)
        return n;
    /* Both range lists must take the range before anything changes. */
    struct kk_pt_slots borrow[KK_PT_SHARE_MAX], pin[KK_PT_SHARE_MAX];
    uint32_t nborrow = dst->nborrow, npin = src->npin;
    kk_memcpy(borrow, dst->borrow, sizeof(borrow));
    kk_memcpy(pin, src->pin, sizeof(pin));
    if ((rc = slots_add(borrow, &nborrow, lo, hi)) || (rc = slots_add(pin, &npin, lo, hi)))
        return rc;
    kk_memcpy(dst->borrow, borrow, sizeof(borrow));
    kk_memcpy(src->pin, pin, sizeof(pin));
    dst->nborrow = nborrow;
    src->npin = npin;
    void *dt = pt_tab(dst, dst->root);
    const void *st = pt_tab(src, src->root);
    for (unsigned i = lo; i < hi; i++) {
        uint64_t se = pt_rd(d, st, i);
        if (pt_valid(se) && !pt_valid(pt_rd(d, dt, i)))
            pt_publish(d, dt, i, se);
    }
    return n;
}

uint32_t kk_pt_share_gen(const struct kk_pt *src)
{
    return src && src->desc ? src->share_gen : 0;
}
