/*
 * pt_core.h: inline helpers shared by the core's source files (entry access,
 * level geometry, canonical addresses) and the core's internal functions.
 *
 * "Index space": the core computes with VAs truncated to the format's VA
 * width (va & pt_va_mask()); pt_ext() turns them back into canonical VAs.
 */
#ifndef KK_PT_CORE_H
#define KK_PT_CORE_H

#include "pt_internal.h"

static inline unsigned pt_va_bits(const struct kk_pt_desc *d)
{
    return 12u + (unsigned)d->levels * d->index_bits;
}

static inline uint64_t pt_va_mask(const struct kk_pt_desc *d)
{
    return (1ull << pt_va_bits(d)) - 1;
}

static inline unsigned pt_shift(const struct kk_pt_desc *d, unsigned l)
{
    return 12u + l * d->index_bits;
}

static inline uint64_t pt_lsize(const struct kk_pt_desc *d, unsigned l)
{
    return 1ull << pt_shift(d, l);
}

static inline unsigned pt_entries(const struct kk_pt_desc *d)
{
    return 1u << d->index_bits;
}

static inline unsigned pt_index(const struct kk_pt_desc *d, uint64_t iva, unsigned l)
{
    return (unsigned)(iva >> pt_shift(d, l)) & (pt_entries(d) - 1u);
}

static inline bool pt_canonical(const struct kk_pt_desc *d, uint64_t va)
{
    unsigned vb = pt_va_bits(d);
    uint64_t top = va >> (vb - (d->sign_extend ? 1u : 0u));
    if (!d->sign_extend)
        return top == 0;
    return top == 0 || top == (~0ull >> (vb - 1));
}

/* Index-space address -> canonical VA. */
static inline uint64_t pt_ext(const struct kk_pt_desc *d, uint64_t iva)
{
    unsigned vb = pt_va_bits(d);
    if (d->sign_extend && ((iva >> (vb - 1)) & 1))
        return iva | ~pt_va_mask(d);
    return iva;
}

static inline bool pt_valid(uint64_t e)
{
    return (e & 1) != 0;
}

static inline bool pt_is_table(const struct kk_pt_desc *d, uint64_t e, unsigned l)
{
    return (e & d->table_mask[l]) == d->table_val[l];
}

/* Address field of an entry (a table's frame). */
static inline uint64_t pt_addr(const struct kk_pt_desc *d, uint64_t e)
{
    return (e & d->addr_mask) << d->pa_rshift;
}

static inline uint64_t pt_leaf_pa(const struct kk_pt_desc *d, uint64_t e, unsigned l)
{
    return pt_addr(d, e) & ~(pt_lsize(d, l) - 1);
}

static inline uint64_t pt_table_entry(const struct kk_pt_desc *d, uint64_t pa)
{
    return d->table_bits | (pa >> d->pa_rshift);
}

static inline void *pt_tab(const struct kk_pt *pt, uint64_t pa)
{
    const struct kk_pt_platform *p = pt->plat;
    if (p->phys_to_virt)
        return p->phys_to_virt(p->ctx, pa);
    return (void *)(uintptr_t)(pa + p->phys_offset);
}

static inline uint64_t pt_rd(const struct kk_pt_desc *d, const void *t, unsigned i)
{
    if (d->pte_bytes == 8)
        return ((const volatile uint64_t *)t)[i];
    return ((const volatile uint32_t *)t)[i];
}

static inline void pt_wr(const struct kk_pt_desc *d, void *t, unsigned i, uint64_t e)
{
    if (d->pte_bytes == 8)
        ((volatile uint64_t *)t)[i] = e;
    else
        ((volatile uint32_t *)t)[i] = (uint32_t)e;
}

static inline uint64_t pt_xchg(const struct kk_pt_desc *d, void *t, unsigned i, uint64_t e)
{
    if (d->pte_bytes == 8)
        return __atomic_exchange_n((uint64_t *)t + i, e, __ATOMIC_RELAXED);
    return __atomic_exchange_n((uint32_t *)t + i, (uint32_t)e, __ATOMIC_RELAXED);
}

/* Store an entry after everything written before it (a new table's
 * contents) is visible: a release exchange, which needs no FPU for 8-byte
 * entries on 32-bit builds either. */
static inline void pt_publish(const struct kk_pt_desc *d, void *t, unsigned i, uint64_t e)
{
    if (d->pte_bytes == 8)
        (void)__atomic_exchange_n((uint64_t *)t + i, e, __ATOMIC_RELEASE);
    else
        (void)__atomic_exchange_n((uint32_t *)t + i, (uint32_t)e, __ATOMIC_RELEASE);
}

/* The MMU will not write this valid leaf (A set; D set, or never set by
 * hardware): a plain store cannot lose a concurrent A/D update. */
static inline bool pt_hw_stable(const struct kk_pt_desc *d, uint64_t e)
{
    if (!(e & d->hw_a))
        return false;
    return (e & d->hw_d_mask) == d->hw_d_done ||
           (d->hw_w_mask && (e & d->hw_w_mask) != d->hw_w_val);
}

/* Compare-and-swap (release on success); on failure *old receives the current entry. */
static inline bool pt_cas(const struct kk_pt_desc *d, void *t, unsigned i, uint64_t *old,
                          uint64_t e)
{
    if (d->pte_bytes == 8)
        return __atomic_compare_exchange_n((uint64_t *)t + i, old, e, false, __ATOMIC_RELEASE,
                                           __ATOMIC_RELAXED);
    uint32_t o = (uint32_t)*old;
    bool ok = __atomic_compare_exchange_n((uint32_t *)t + i, &o, (uint32_t)e, false,
                                          __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    *old = o;
    return ok;
}

/* Does a sorted list of slot ranges contain slot @i? */
static inline bool pt_slots_has(const struct kk_pt_slots *r, uint32_t n, unsigned i)
{
    for (uint32_t k = 0; k < n; k++) {
        if (i < r[k].lo)
            return false;
        if (i < r[k].hi)
            return true;
    }
    return false;
}

/* Does a list of slot ranges overlap [lo, hi)? */
static inline bool pt_slots_overlap(const struct kk_pt_slots *r, uint32_t n, unsigned lo,
                                    unsigned hi)
{
    for (uint32_t k = 0; k < n; k++) {
        if (lo < r[k].hi && r[k].lo < hi)
            return true;
    }
    return false;
}

/* Entry @i at level @l of @pt is a root slot lent out to other tables: its
 * table is never freed by unmaps and it never holds a leaf. */
static inline bool pt_pinned(const struct kk_pt *pt, unsigned l, unsigned i)
{
    return l == pt->desc->levels - 1u && pt->npin && pt_slots_has(pt->pin, pt->npin, i);
}

/* Entry @i at level @l of @pt is a root slot borrowed from another table. */
static inline bool pt_borrowed(const struct kk_pt *pt, unsigned l, unsigned i)
{
    return l == pt->desc->levels - 1u && pt->nborrow && pt_slots_has(pt->borrow, pt->nborrow, i);
}

/* Flush one address right now (break-before-make). */
static inline void pt_flush_now(struct kk_pt *pt, uint64_t va)
{
    if (pt->plat->flush_tlb)
        pt->plat->flush_tlb(pt->plat->ctx, pt->asid, &va, 1);
}

const struct kk_pt_desc *kk_pt__desc(enum kk_pt_format format);
int kk_pt__check_range(const struct kk_pt *pt, uint64_t va, uint64_t len, uint64_t *iva);
int kk_pt__check_borrowed(const struct kk_pt *pt, uint64_t iva, uint64_t len);
void kk_pt__flush_add(struct kk_pt_flush *fb, uint64_t va);
void kk_pt__defer_free(struct kk_pt_flush *fb, uint64_t pa);
int kk_pt__split_range_ends(struct kk_pt *pt, struct kk_pt_flush *fb, uint64_t iva, uint64_t iend);
/* Undo a failed map of [iva, iend): unmap it and free the tables it emptied;
 * root tables in pinned slots are freed only if @newroot (a bitmap of root
 * slots, may be NULL) says this map allocated them. */
void kk_pt__rollback(struct kk_pt *pt, uint64_t iva, uint64_t iend, struct kk_pt_flush *fb,
                     const uint64_t *newroot);

#endif
