/*
 * stats.c: read-only views of a frame allocator: statistics, the free-block
 * walk, the text dump and the invariant checker. Nothing here changes the
 * allocator; each function holds the allocator lock (and for the checker
 * every CPU lock) while it reads.
 */
#include "frames.h"

void kk_buddy_stats(struct kk_buddy *b, struct kk_buddy_stats *st)
{
    if (!st)
        return;
    kk_memset(st, 0, sizeof *st);
    st->largest_free_order = -1;
    if (!buddy_ok(b))
        return;
    glock(b);
    kk_buddy__rsv_flush(b); /* the reserve's frames are free: show them merged */
    for (unsigned k = 0; k <= b->e.max_order; k++)
        st->free_blocks[k] = b->e.nfree[k];
    st->free_frames = b->e.free_units;
    st->total_frames = b->e.total_units;
    gunlock(b);
    st->cached_frames = b->cpu_id ? kk_buddy__pcp_frames(b) : 0;
    st->used_frames = st->total_frames - st->free_frames - st->cached_frames;
    for (unsigned k = 0; k <= b->e.max_order; k++)
        if (st->free_blocks[k] != 0)
            st->largest_free_order = (int)k;
    /* The largest free block against the largest one the free memory could
     * form: a max-order block at most, so free memory that is all in
     * max-order blocks is not fragmented. */
    uint64_t could = (uint64_t)1 << b->e.max_order;
    if (st->free_frames < could)
        could = st->free_frames;
    if (st->free_frames != 0)
        st->frag_permille = (uint32_t)(1000 - ((uint64_t)1000 << st->largest_free_order) / could);
}

int kk_buddy_walk(struct kk_buddy *b, kk_buddy_walk_fn fn, void *arg)
{
    int rc = 0;
    if (!buddy_ok(b) || !fn)
        return KK_EINVAL;
    glock(b);
    kk_buddy__rsv_flush(b);
    for (unsigned k = 0; k <= b->e.max_order && rc == 0; k++)
        for (uint32_t i = b->e.head[k]; i != NIL && rc == 0; i = lnk(&b->e, i)->next)
            rc = fn(arg, (b->e.base + i) << b->shift, k);
    gunlock(b);
    return rc;
}

struct out {
    char *buf;
    size_t len, pos;
};

static void put_str(struct out *o, const char *s)
{
    for (; *s; s++, o->pos++)
        if (o->pos + 1 < o->len)
            o->buf[o->pos] = *s;
}

static void put_u64(struct out *o, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;
    tmp[--n] = '\0';
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_str(o, tmp + n);
}

size_t kk_buddy_dump(struct kk_buddy *b, char *buf, size_t len)
{
    struct kk_buddy_stats st;
    struct out o = {buf, buf ? len : 0, 0};
    kk_buddy_stats(b, &st);
    put_str(&o, "frames: total ");
    put_u64(&o, st.total_frames);
    put_str(&o, " free ");
    put_u64(&o, st.free_frames);
    put_str(&o, " cached ");
    put_u64(&o, st.cached_frames);
    put_str(&o, " used ");
    put_u64(&o, st.used_frames);
    put_str(&o, "\nfree blocks per order:");
    for (unsigned k = 0; buddy_ok(b) && k <= b->e.max_order; k++) {
        put_str(&o, " ");
        put_u64(&o, st.free_blocks[k]);
    }
    put_str(&o, "\nlargest free order: ");
    if (st.largest_free_order < 0)
        put_str(&o, "none");
    else
        put_u64(&o, (uint64_t)st.largest_free_order);
    put_str(&o, ", fragmentation: ");
    put_u64(&o, st.frag_permille);
    put_str(&o, " permille\n");
    if (o.len > 0)
        o.buf[o.pos < o.len ? o.pos : o.len - 1] = '\0';
    return o.pos;
}

/* Cached blocks must be exactly the marked allocated heads (ST_HELD, or PCP_MARK). */
static int check_marks(struct kk_buddy *b)
{
    uint64_t cached, marked = 0;
    if (kk_buddy__pcp_check(b, &cached) != 0)
        return KK_ECORRUPT;
    for (uint32_t i = 0; i < b->e.nunits; i++) {
        unsigned s = b->e.state[i];
        if (b->e.pcp_marks)
            marked += ST_KIND(s) == ST_ALLOC && lnk(&b->e, i)->prev == PCP_MARK;
        marked += (s & ST_HELD) != 0;
    }
    return marked == cached ? 0 : KK_ECORRUPT;
}

int kk_buddy_check(struct kk_buddy *b)
{
    if (!buddy_ok(b))
        return KK_EINVAL;
    kk_buddy__pcp_lock_all(b);
    glock(b);
    int rc = kk_buddy__eng_check(&b->e);
    if (rc == 0 && b->pcp)
        rc = check_marks(b);
    gunlock(b);
    kk_buddy__pcp_unlock_all(b);
    return rc;
}
