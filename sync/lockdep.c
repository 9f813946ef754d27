/*
 * lockdep.c: the public side of the lock-order checker (every build).
 *
 * The checker's state is one caller-owned struct kk_lockdep; only
 * KK_SYNC_DEBUG builds feed it (debug.c). Release builds still provide these
 * functions so code that sets a checker up links in both.
 */
#include "internal.h"

int kk_lockdep_init(struct kk_lockdep *ld)
{
    if (!ld)
        return KK_EINVAL;
    kk_memset(ld, 0, sizeof(*ld));
    return 0;
}

uint32_t kk_lockdep_inversions(const struct kk_lockdep *ld)
{
    return ld ? LD_RLX(&ld->inversions) : 0;
}

/* ---- report text ---- */

/* Output cursor: writes what fits (keeping room for the NUL), counts all. */
struct out {
    char *buf;
    size_t size, len;
};

static void put_ch(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_str(struct out *o, const char *s)
{
    while (*s)
        put_ch(o, *s++);
}

static void put_num(struct out *o, uintptr_t v, unsigned base)
{
    char tmp[2 * sizeof(uintptr_t) * 2 + 1];
    unsigned n = 0;
    if (base == 16)
        put_str(o, "0x");
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        put_ch(o, tmp[--n]);
}

static void put_lock(struct out *o, const char *name, const void *lock)
{
    put_str(o, name ? name : "lock");
    put_ch(o, '@');
    put_num(o, (uintptr_t)lock, 16);
}

static void put_site(struct out *o, const struct kk_sync_site *s)
{
    if (s->file) {
        put_str(o, s->file);
        put_ch(o, ':');
        put_num(o, s->line, 10);
    } else if (s->addr) {
        put_num(o, (uintptr_t)s->addr, 16);
    } else {
        put_ch(o, '?');
    }
}

static const char *kind_text(enum kk_sync_report_kind k)
{
    switch (k) {
    case KK_SYNC_R_SELF_DEADLOCK:
        return "self-deadlock";
    case KK_SYNC_R_NOT_OWNER:
        return "unlock by a non-owner";
    case KK_SYNC_R_NOT_LOCKED:
        return "unlock of an unlocked lock";
    case KK_SYNC_R_ORDER:
        return "lock-order inversion";
    case KK_SYNC_R_SPIN_LOCKUP:
        return "spin lockup";
    case KK_SYNC_R_BUSY:
        return "destroy of a busy lock";
    case KK_SYNC_R_COND_NO_MUTEX:
        return "wait/signal without holding the lock";
    case KK_SYNC_R_LOCKDEP_FULL:
        return "lock-order checker full, stopped";
    case KK_SYNC_R_UNINIT:
        return "uninitialised lock";
    }
    return "report";
}

int kk_sync_report_format(const struct kk_sync_report *r, char *buf, size_t size)
{
    struct out o = {buf, size, 0};

    if (!r || (!buf && size))
        return KK_EINVAL;
    put_str(&o, kind_text(r->kind));
    put_str(&o, ": ");
    put_lock(&o, r->name, r->lock);
    put_str(&o, r->kind == KK_SYNC_R_ORDER ? " taken at " : " at ");
    put_site(&o, &r->site);
    if (r->kind == KK_SYNC_R_ORDER) {
        put_str(&o, " while holding ");
        put_lock(&o, r->other_name, r->other);
        put_str(&o, " taken at ");
        put_site(&o, &r->other_site);
        put_str(&o, "; the opposite order was seen before: ");
        put_str(&o, r->prior_other_name ? r->prior_other_name : "lock");
        put_str(&o, " taken at ");
        put_site(&o, &r->prior_other_site);
        put_str(&o, " while holding ");
        put_str(&o, r->name ? r->name : "lock");
        put_str(&o, " taken at ");
        put_site(&o, &r->prior_site);
    } else if (r->other_thread) {
        put_str(&o, "; held by thread ");
        put_num(&o, (uintptr_t)r->other_thread, 16);
        put_str(&o, " since ");
        put_site(&o, &r->other_site);
    }
    if (r->err) {
        put_str(&o, " (error ");
        put_str(&o, kk_strerror_name(r->err));
        put_ch(&o, ')');
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}
