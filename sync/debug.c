/*
 * debug.c: KK_SYNC_DEBUG hooks (compiled into debug builds only).
 *
 * Per lock (struct kk_lockdep_map): owner thread, acquisition site and CPU,
 * written with relaxed atomics because other threads read them for checks
 * and reports. Per platform (optional struct kk_lockdep): classes, the order
 * graph as adjacency bitmaps plus one site pair per edge, and one held-lock
 * stack per thread. The checker's tables are guarded by its own irqsave
 * spinlock; reports are built under it and emitted after it is released.
 *
 * Promises: hooks never sleep, never allocate, and never turn a correct
 * program's call into an error; they return errors only for self-deadlock
 * (KK_EDEADLK) and unlock by a non-owner (KK_EPERM), as documented.
 */
#include "internal.h"

#define DEFAULT_SPIN_LIMIT (1u << 24)
#define NO_CLASS           0xffffffffu

static void *me_of(const struct kk_sync_platform *p)
{
    return cur_thread(p);
}

static uint32_t cpu_of(const struct kk_sync_platform *p)
{
    return p->cpu_id ? p->cpu_id(p->ctx) : 0;
}

static const char *name_of(const struct kk_lockdep_map *m)
{
    const struct kk_lock_class *c = m ? LD_RLX(&m->cls) : NULL;
    return c ? c->name : NULL;
}

/* A site by value ({0} for NULL). */
static struct kk_sync_site site_val(site_t s)
{
    return s ? *s : (struct kk_sync_site){NULL, NULL, 0};
}

/* The holder's site in a lock's map: written field by field by the holder,
 * read by others for reports (a torn mix is possible and only cosmetic). */
static void site_store(struct kk_sync_site *dst, site_t s)
{
    struct kk_sync_site v = site_val(s);
    ST_UP(&dst->file, v.file);
    ST_UP(&dst->addr, v.addr);
    ST_UP(&dst->line, v.line);
}

static struct kk_sync_site site_load(const struct kk_sync_site *src)
{
    return (struct kk_sync_site){LD_RLX(&src->file), LD_RLX(&src->addr), LD_RLX(&src->line)};
}

static void emit(const struct kk_sync_platform *p, struct kk_sync_report *r)
{
    if (p->report)
        p->report(p->ctx, r);
}

static void base_report(struct kk_sync_report *r, const struct kk_sync_platform *p,
                        enum kk_sync_report_kind kind, int err, const void *lock,
                        const struct kk_lockdep_map *m, site_t site)
{
    kk_memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->err = err;
    r->lock = lock;
    r->name = name_of(m);
    r->site = site_val(site);
    r->thread = me_of(p);
    r->cpu = cpu_of(p);
    if (m) { /* the holder, for lock misuse reports */
        r->other = lock;
        r->other_name = r->name;
        r->other_site = site_load(&m->site);
        r->other_thread = LD_RLX(&m->owner);
    }
}

void kk_sync__dbg_report(const struct kk_sync_platform *p, enum kk_sync_report_kind kind, int err,
                         const void *lock, const struct kk_lockdep_map *m, site_t site)
{
    struct kk_sync_report r;
    base_report(&r, p, kind, err, lock, m, site);
    emit(p, &r);
}

/* ---- checker tables (ld->lock held) ---- */

static unsigned long ld_lock(const struct kk_sync_platform *p, struct kk_lockdep *ld)
{
    unsigned long f = guard_on(p, G_IRQ);
    if (SYNC_UP) /* the guard is the lock */
        UP_BARRIER();
    else
        while (XCHG(&ld->lock, 1, __ATOMIC_ACQUIRE))
            relax(p);
    return f;
}

static void ld_unlock(const struct kk_sync_platform *p, struct kk_lockdep *ld, unsigned long f)
{
    if (SYNC_UP)
        UP_BARRIER();
    else
        ST_REL(&ld->lock, 0);
    guard_off(p, G_IRQ, f);
}

static const void *key_of(const struct kk_lockdep_map *m, const void *lock)
{
    const struct kk_lock_class *c = LD_RLX(&m->cls);
    return c ? (const void *)c : lock;
}

static uint32_t find_class(const struct kk_lockdep *ld, const void *key)
{
    for (uint32_t i = 0; i < KK_LOCKDEP_MAX_CLASSES; i++)
        if (ld->classes[i].key == key)
            return i;
    return NO_CLASS;
}

static uint32_t get_class(struct kk_lockdep *ld, const void *key, const char *name)
{
    uint32_t i = find_class(ld, key);
    if (i != NO_CLASS)
        return i;
    i = find_class(ld, NULL);
    if (i != NO_CLASS) {
        ld->classes[i].key = key;
        ld->classes[i].name = name;
    }
    return i;
}

/* Forget a class: its edges and its slot (a lock re-initialised at that address). */
static void drop_class(struct kk_lockdep *ld, uint32_t c)
{
    uint32_t j = 0;
    ld->adj[c] = 0;
    ld->reported[c] = 0;
    for (uint32_t i = 0; i < KK_LOCKDEP_MAX_CLASSES; i++) {
        ld->adj[i] &= ~(1ull << c);
        ld->reported[i] &= ~(1ull << c);
    }
    for (uint32_t i = 0; i < ld->nedges; i++) {
        if (ld->edges[i].from != c && ld->edges[i].to != c)
            ld->edges[j++] = ld->edges[i];
    }
    ld->nedges = j;
    ld->classes[c].key = NULL;
    ld->classes[c].name = NULL;
}

static struct kk_lockdep_thread *find_thread(struct kk_lockdep *ld, void *me, bool create)
{
    struct kk_lockdep_thread *free_slot = NULL;
    for (uint32_t i = 0; i < KK_LOCKDEP_MAX_THREADS; i++) {
        struct kk_lockdep_thread *t = &ld->threads[i];
        if (t->thread == me)
            return t;
        if (!t->thread && !free_slot)
            free_slot = t;
    }
    if (create && free_slot) {
        free_slot->thread = me;
        free_slot->depth = 0;
    }
    return create ? free_slot : NULL;
}

/* Is @to reachable from @from in the order graph? */
static bool reaches(const struct kk_lockdep *ld, uint32_t from, uint32_t to)
{
    uint64_t seen = 1ull << from, todo = 1ull << from;
    while (todo) {
        uint32_t c = (uint32_t)__builtin_ctzll(todo);
        todo &= todo - 1;
        if (c == to)
            return true;
        uint64_t next = ld->adj[c] & ~seen;
        seen |= next;
        todo |= next;
    }
    return false;
}

static const struct kk_lockdep_edge *edge_from(const struct kk_lockdep *ld, uint32_t from,
                                               uint32_t to)
{
    const struct kk_lockdep_edge *any = NULL;
    for (uint32_t i = 0; i < ld->nedges; i++) {
        if (ld->edges[i].from != from)
            continue;
        if (ld->edges[i].to == to)
            return &ld->edges[i];
        if (!any && reaches(ld, ld->edges[i].to, to))
            any = &ld->edges[i];
    }
    return any;
}

/* Record held -> c, or fill @r with the inversion it would close. */
static bool add_order(struct kk_lockdep *ld, const struct kk_lockdep_held *h, uint32_t c,
                      site_t site, struct kk_sync_report *r)
{
    uint32_t a = h->cls;
    if (a == c || (ld->adj[a] & (1ull << c)))
        return false;
    if (reaches(ld, c, a)) {
        const struct kk_lockdep_edge *e = edge_from(ld, c, a);
        if (ld->reported[c] & (1ull << a))
            return false;
        ld->reported[c] |= 1ull << a;
        ld->inversions++;
        r->kind = KK_SYNC_R_ORDER;
        r->other = h->lock;
        r->other_name = ld->classes[a].name;
        r->other_site = h->site;
        r->other_thread = NULL;
        r->prior_site = e ? e->from_site : site_val(NULL);
        r->prior_other_site = e ? e->to_site : site_val(NULL);
        r->prior_other_name = e ? ld->classes[e->to].name : NULL;
        return true;
    }
    if (ld->nedges == KK_LOCKDEP_MAX_EDGES) {
        r->kind = KK_SYNC_R_LOCKDEP_FULL;
        return true;
    }
    ld->adj[a] |= 1ull << c;
    ld->edges[ld->nedges++] = (struct kk_lockdep_edge){a, c, h->site, site_val(site)};
    return false;
}

/* Checker part of an acquisition; may fill @r (kind != 0 means "emit"). */
static int ld_acquire(struct kk_lockdep *ld, void *me, const struct kk_lockdep_map *m,
                      const void *lock, site_t site, unsigned flags, struct kk_sync_report *r)
{
    struct kk_lockdep_thread *t = find_thread(ld, me, true);
    uint32_t c = get_class(ld, key_of(m, lock), name_of(m));

    if (!t || c == NO_CLASS || t->depth == KK_LOCKDEP_MAX_HELD) {
        r->kind = KK_SYNC_R_LOCKDEP_FULL;
        return 0;
    }
    for (uint32_t i = 0; i < t->depth; i++) {
        const struct kk_lockdep_held *h = &t->held[i];
        if (h->lock == lock && !(flags & DA_TRY) && !(h->flags & flags & DA_READ)) {
            r->kind = KK_SYNC_R_SELF_DEADLOCK;
            r->other = lock;
            r->other_site = h->site;
            r->other_thread = me;
            return KK_EDEADLK;
        }
    }
    for (uint32_t i = 0; i < t->depth && !(flags & DA_TRY) && !r->kind; i++)
        add_order(ld, &t->held[i], c, site, r);
    t->held[t->depth++] = (struct kk_lockdep_held){lock, site_val(site), c, flags};
    return 0;
}

static void ld_pop(struct kk_lockdep *ld, void *me, const void *lock)
{
    struct kk_lockdep_thread *t = find_thread(ld, me, false);
    if (!t)
        return;
    for (uint32_t i = t->depth; i-- > 0;) {
        if (t->held[i].lock != lock)
            continue;
        for (uint32_t j = i + 1; j < t->depth; j++)
            t->held[j - 1] = t->held[j];
        t->depth--;
        break;
    }
    if (t->depth == 0)
        t->thread = NULL;
}

/* ---- hooks ---- */

void kk_sync__dbg_init(const struct kk_sync_platform *p, struct kk_lockdep_map *m, const void *lock)
{
    struct kk_lockdep *ld = p->lockdep;

    kk_memset(m, 0, sizeof(*m));
    m->magic = KK_LOCKDEP_MAGIC;
    if (ld && !LD_RLX(&ld->disabled)) {
        unsigned long f = ld_lock(p, ld);
        uint32_t c = find_class(ld, lock);
        if (c != NO_CLASS)
            drop_class(ld, c);
        ld_unlock(p, ld, f);
    }
}

int kk_sync__dbg_acquire(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                         const void *lock, site_t site, unsigned flags)
{
    struct kk_lockdep *ld = p->lockdep;
    struct kk_sync_report r;
    void *me = me_of(p);
    int rc = 0;

    if (m->magic != KK_LOCKDEP_MAGIC) {
        kk_sync__dbg_report(p, KK_SYNC_R_UNINIT, KK_EINVAL, lock, NULL, site);
        return KK_EINVAL;
    }
    if (!me)
        return 0; /* no thread identity: owner checks are impossible */
    if (!(flags & (DA_READ | DA_TRY)) && LD_RLX(&m->owner) == me) {
        kk_sync__dbg_report(p, KK_SYNC_R_SELF_DEADLOCK, KK_EDEADLK, lock, m, site);
        return KK_EDEADLK;
    }
    if (!ld || LD_RLX(&ld->disabled))
        return 0;
    base_report(&r, p, 0, 0, lock, NULL, site);
    r.name = name_of(m);
    unsigned long f = ld_lock(p, ld);
    rc = ld_acquire(ld, me, m, lock, site, flags, &r);
    if (r.kind == KK_SYNC_R_LOCKDEP_FULL)
        ST_UP(&ld->disabled, 1);
    ld_unlock(p, ld, f);
    if (r.kind) {
        r.err = rc;
        emit(p, &r);
    }
    return rc;
}

void kk_sync__dbg_acquired(const struct kk_sync_platform *p, struct kk_lockdep_map *m, site_t site,
                           unsigned flags)
{
    if (flags & DA_READ)
        return;
    ST_UP(&m->owner, me_of(p));
    site_store(&m->site, site);
    ST_UP(&m->cpu, cpu_of(p));
}

void kk_sync__dbg_abandon(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                          const void *lock)
{
    struct kk_lockdep *ld = p->lockdep;
    void *me = me_of(p);
    (void)m;
    if (ld && me && !LD_RLX(&ld->disabled)) {
        unsigned long f = ld_lock(p, ld);
        ld_pop(ld, me, lock);
        ld_unlock(p, ld, f);
    }
}

int kk_sync__dbg_release(const struct kk_sync_platform *p, struct kk_lockdep_map *m,
                         const void *lock, site_t site, unsigned flags)
{
    void *me = me_of(p);

    if (m->magic != KK_LOCKDEP_MAGIC) {
        kk_sync__dbg_report(p, KK_SYNC_R_UNINIT, KK_EINVAL, lock, NULL, site);
        return KK_EINVAL;
    }
    if (!(flags & DA_READ) && me) {
        if (LD_RLX(&m->owner) != me) {
            kk_sync__dbg_report(p, KK_SYNC_R_NOT_OWNER, KK_EPERM, lock, m, site);
            return KK_EPERM;
        }
        ST_UP(&m->owner, NULL);
    }
    kk_sync__dbg_abandon(p, m, lock);
    return 0;
}

void kk_sync__dbg_spin(const struct kk_sync_platform *p, struct kk_lockdep_map *m, const void *lock,
                       site_t site, uint32_t *spins)
{
    uint32_t limit = p->spin_limit ? p->spin_limit : DEFAULT_SPIN_LIMIT;
    if (++*spins == limit)
        kk_sync__dbg_report(p, KK_SYNC_R_SPIN_LOCKUP, 0, lock, m, site);
}
