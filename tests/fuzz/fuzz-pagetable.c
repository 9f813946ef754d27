/*
 * fuzz-pagetable.c: op-stream fuzz harness for kernkit::pagetable
 * (libFuzzer entry point; replayed over its committed corpus by ctest).
 *
 * Byte 0 picks the format and the flush threshold, byte 1 the window: 4096
 * pages (16 MiB) straddling a 1 GiB or a root-slot boundary, in the lower or
 * the upper half. Every further 8-byte group is one operation: map_range,
 * map, unmap_range, unmap, protect_range, protect, write-protect, clear A/D,
 * a simulated hardware A/D update, query, dump or (when byte 1 asks for a
 * second table borrowing the window's root slots) a share re-sync, or bad
 * arguments (misaligned, non-canonical, off the half), with an address in the
 * window, a length, flags (invalid ones too), the physical address, huge
 * pages or not, a flush batch or not, and which table allocation fails.
 *
 * The oracle is a per-page model (va -> pa, flags) as in the random test:
 * each result code must be the one the contract gives for the model's state;
 * after every operation kk_pt_check() holds, the table count matches the
 * arena, the library's walk of the window equals the model page by page,
 * the independent reference walker agrees on the pages around the operated
 * range, and failed maps leave the arena byte for byte unchanged. At the end
 * unmapping the window frees every table but the root and destroy frees
 * that. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/pagetable.h>

#include "../pagetable/arena.h"
#include "../pagetable/ref_walk.h"

#define K4     4096ull
#define WPAGES 4096u
#define MAXOPS 256
#define OPSIZE 8

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz-pagetable: %s failed at line %d (op %u)\n", #c, __LINE__, S.op); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const enum kk_pt_format formats[] = {
    KK_PT_SV39,      KK_PT_SV48,       KK_PT_SV57, KK_PT_X86_64_4L,
    KK_PT_X86_64_5L, KK_PT_AARCH64_4K, KK_PT_I386,
};

struct state {
    struct arena a;
    bool arena_ready;
    enum kk_pt_format f;
    struct kk_pt pt;
    struct kk_pt user; /* borrows the window's root slots when sharing */
    bool sharing;
    uint64_t share_va, share_len, slot;
    unsigned levels, vb, op;
    uint64_t huge, base, pa_base;
    uint64_t pa[WPAGES];
    unsigned flags[WPAGES]; /* requested flags; the MMU applies ref_expect_flags() */
    uint8_t mapped[WPAGES];
};

static struct state S;

/* One decoded operation. */
struct op {
    unsigned kind, p0, n, flags;
    uint64_t va, len, pa;
    bool allow_huge, batch, big;
    long fail_at;
};

static bool is_riscv(void)
{
    return S.f == KK_PT_SV39 || S.f == KK_PT_SV48 || S.f == KK_PT_SV57;
}

/* The contract: R (RISC-V: R or X) is required, RISC-V W needs R. */
static bool flags_ok(unsigned fl)
{
    if (fl & ~KK_PT_ALL_FLAGS)
        return false;
    if (!is_riscv())
        return (fl & KK_PT_R) != 0;
    return (fl & (KK_PT_R | KK_PT_X)) && (!(fl & KK_PT_W) || (fl & KK_PT_R));
}

static unsigned count_mapped(unsigned p0, unsigned n)
{
    unsigned c = 0;
    for (unsigned p = p0; p < p0 + n; p++)
        c += S.mapped[p];
    return c;
}

static uint64_t page_va(unsigned p)
{
    return S.base + (uint64_t)p * K4;
}

/* ---- checks ---------------------------------------------------------------- */

struct walk_cmp {
    uint64_t pages;
};

static int cmp_mapping(void *arg, const struct kk_pt_mapping *m)
{
    struct walk_cmp *w = arg;
    REQUIRE(m->va >= S.base && m->va + m->size <= S.base + WPAGES * K4);
    REQUIRE(m->size == K4 || m->size == S.huge || m->size == (1ull << 30));
    REQUIRE(!(m->va & (m->size - 1)) && !(m->pa & (m->size - 1)));
    for (uint64_t o = 0; o < m->size; o += K4) {
        unsigned p = (unsigned)((m->va + o - S.base) / K4);
        REQUIRE(S.mapped[p]);
        REQUIRE(S.pa[p] == m->pa + o);
        REQUIRE(ref_expect_flags(S.f, S.flags[p]) == m->flags);
        w->pages++;
    }
    return 0;
}

static void ref_check_page(const struct kk_pt *pt, unsigned p)
{
    struct ref_result r;
    int rc = ref_walk(&S.a, S.f, kk_pt_root(pt), page_va(p), &r);
    if (!S.mapped[p]) {
        REQUIRE(rc == REF_FAULT);
        return;
    }
    REQUIRE(rc == 0);
    REQUIRE(r.pa == S.pa[p]);
    REQUIRE(r.flags == ref_expect_flags(S.f, S.flags[p]));
}

static void check_all(const struct op *o)
{
    REQUIRE(kk_pt_check(&S.pt) == 0);
    uint64_t tables = kk_pt_table_count(&S.pt);
    if (S.sharing) {
        REQUIRE(kk_pt_check(&S.user) == 0);
        REQUIRE(kk_pt_table_count(&S.user) == 1);
        tables++;
    }
    REQUIRE(tables == S.a.nused);
    REQUIRE(S.a.bad_frees == 0 && S.a.dirty_frees == 0);
    /* The library's walk equals the model: over the whole window every 16th
     * operation, else over the range the operation touched (whole huge pages). */
    unsigned hp = (unsigned)(S.huge / K4);
    unsigned wlo = o->p0 / hp * hp, whi = MIN((o->p0 + o->n + hp - 1) / hp * hp, WPAGES);
    if (S.op % 16 == 15) {
        wlo = 0;
        whi = WPAGES;
    }
    struct walk_cmp w = {0};
    REQUIRE(kk_pt_walk(&S.pt, page_va(wlo), (uint64_t)(whi - wlo) * K4, cmp_mapping, &w) == 0);
    REQUIRE(w.pages == count_mapped(wlo, whi - wlo));
    unsigned lo = o->p0 ? o->p0 - 1 : 0, hi = MIN(o->p0 + o->n + 1, WPAGES);
    for (unsigned p = lo; p < hi; p++)
        ref_check_page(&S.pt, p);
}

/* ---- operations ---------------------------------------------------------------- */

static void set_pages(unsigned p0, unsigned n, uint64_t pa, unsigned fl)
{
    for (unsigned p = p0; p < p0 + n; p++) {
        S.mapped[p] = 1;
        S.pa[p] = pa + (uint64_t)(p - p0) * K4;
        S.flags[p] = fl;
    }
}

/* Pages [*p0, *p0 + *n) of the leaf mapping page p (found by the reference walker). */
static void leaf_pages(unsigned p, unsigned *p0, unsigned *n)
{
    struct ref_result r;
    REQUIRE(ref_walk(&S.a, S.f, kk_pt_root(&S.pt), page_va(p), &r) == 0);
    uint64_t start = page_va(p) & ~(r.size - 1);
    REQUIRE(start >= S.base);
    *p0 = (unsigned)((start - S.base) / K4);
    *n = (unsigned)(r.size / K4);
    REQUIRE(*p0 + *n <= WPAGES);
}

static int mapped_cb(void *arg, const struct kk_pt_mapping *m)
{
    *(uint64_t *)arg += m->size;
    return 0;
}

/* A map (single page or range): state unchanged unless it succeeds. */
static void do_map(struct op *o, struct kk_pt_flush *fb)
{
    struct arena_snap sn;
    arena_snap_take(&S.a, &sn);
    unsigned mapped = count_mapped(o->p0, o->n);
    int rc;
    if (o->big)
        rc = kk_pt_map(&S.pt, o->va, o->pa, o->len, o->flags);
    else
        rc = kk_pt_map_range(&S.pt, o->va, o->pa, o->len, o->flags, o->allow_huge, fb);
    if (fb)
        kk_pt_flush_finish(fb);
    if (!flags_ok(o->flags))
        REQUIRE(rc == KK_EINVAL);
    else if (o->big && S.sharing && S.huge == S.slot)
        REQUIRE(rc == KK_EPERM); /* i386: a 4 MiB page is a root-level leaf */
    else if (mapped)
        REQUIRE(rc == KK_EEXIST || (rc == KK_ENOMEM && o->fail_at >= 0));
    else if (rc == KK_EEXIST)
        REQUIRE(o->big); /* a huge page over an existing table */
    else
        REQUIRE(rc == 0 || (rc == KK_ENOMEM && o->fail_at >= 0));
    if (rc == 0)
        set_pages(o->p0, o->n, o->pa, o->flags);
    else
        REQUIRE(arena_snap_same(&S.a, &sn));
    arena_snap_free(&sn);
}

static void do_unmap_range(struct op *o, struct kk_pt_flush *fb)
{
    unsigned mapped = count_mapped(o->p0, o->n);
    uint64_t bytes = 0;
    int rc = kk_pt_unmap_range(&S.pt, o->va, o->len, fb, mapped_cb, &bytes);
    if (!mapped) {
        REQUIRE(rc == KK_ENOENT);
        return;
    }
    if (rc == KK_ENOMEM && o->fail_at >= 0)
        return; /* a split failed: every translation unchanged (checked) */
    REQUIRE(rc > 0 && (unsigned)rc <= mapped);
    REQUIRE(bytes == (uint64_t)mapped * K4);
    memset(S.mapped + o->p0, 0, o->n);
}

/* protect_range (PROTECT) or write_protect_range (WP). */
static void do_protect_range(struct op *o, struct kk_pt_flush *fb, bool wp)
{
    unsigned mapped = count_mapped(o->p0, o->n);
    int rc = wp ? kk_pt_write_protect_range(&S.pt, o->va, o->len, fb)
                : kk_pt_protect_range(&S.pt, o->va, o->len, o->flags, fb);
    if (!wp && !flags_ok(o->flags)) {
        REQUIRE(rc == KK_EINVAL);
        return;
    }
    if (!mapped) {
        REQUIRE(rc == KK_ENOENT);
        return;
    }
    if (rc == KK_ENOMEM && o->fail_at >= 0)
        return;
    REQUIRE(wp ? rc >= 0 : rc > 0);
    for (unsigned p = o->p0; p < o->p0 + o->n; p++) {
        unsigned f = S.flags[p];
        if (wp)
            S.flags[p] = (f & KK_PT_W) ? ((f & ~KK_PT_W) | KK_PT_COW) : f;
        else
            S.flags[p] = o->flags | (ref_expect_flags(S.f, f) & (KK_PT_A | KK_PT_D));
    }
}

/* Clear A/D: whole leaves overlapping the range (found before the call). */
static void do_clear_ad(struct op *o, struct kk_pt_flush *fb)
{
    unsigned which = (o->flags & 1 ? KK_PT_A : 0) | (o->flags & 2 ? KK_PT_D : 0);
    unsigned lo = o->p0, hi = o->p0 + o->n, p0, n;
    if (S.mapped[lo]) {
        leaf_pages(lo, &p0, &n);
        lo = p0;
    }
    if (S.mapped[hi - 1]) {
        leaf_pages(hi - 1, &p0, &n);
        hi = p0 + n;
    }
    int rc = kk_pt_clear_ad(&S.pt, o->va, o->len, which, fb, NULL, NULL);
    if (!which) {
        REQUIRE(rc == KK_EINVAL);
        return;
    }
    if (!count_mapped(o->p0, o->n)) {
        REQUIRE(rc == KK_ENOENT);
        return;
    }
    REQUIRE(rc >= 0);
    for (unsigned p = lo; p < hi; p++) {
        if (S.mapped[p])
            S.flags[p] &= ~(which & ref_expect_flags(S.f, S.flags[p]));
    }
}

/* The MMU sets A (and D on a write to a writable page) on the leaf of page p0. */
static void do_hw_ad(struct op *o)
{
    unsigned p0, n;
    if (!S.mapped[o->p0])
        return;
    leaf_pages(o->p0, &p0, &n);
    unsigned eff = ref_expect_flags(S.f, S.flags[o->p0]);
    unsigned bits = KK_PT_A | ((o->flags & 1) && (eff & KK_PT_W) ? KK_PT_D : 0);
    REQUIRE(ref_hw_set_ad(&S.a, S.f, kk_pt_root(&S.pt), o->va, bits) == 0);
    for (unsigned p = p0; p < p0 + n; p++)
        S.flags[p] |= bits;
}

/* kk_pt_unmap / kk_pt_protect of the mapping starting at page p0. */
static void do_single(struct op *o, struct kk_pt_flush *fb, bool unmap)
{
    struct kk_pt_mapping m;
    unsigned p0 = 0, n = 0;
    if (S.mapped[o->p0])
        leaf_pages(o->p0, &p0, &n);
    int rc = unmap ? kk_pt_unmap(&S.pt, o->va, fb, &m) : kk_pt_protect(&S.pt, o->va, o->flags, fb);
    if (!S.mapped[o->p0]) {
        REQUIRE(rc == KK_ENOENT);
        return;
    }
    if (p0 != o->p0 || (!unmap && !flags_ok(o->flags))) {
        REQUIRE(rc == KK_EINVAL);
        return;
    }
    REQUIRE(rc == 0);
    if (unmap) {
        REQUIRE(m.va == o->va && m.size == n * K4 && m.pa == S.pa[p0]);
        REQUIRE(m.flags == ref_expect_flags(S.f, S.flags[p0]));
        memset(S.mapped + p0, 0, n);
        return;
    }
    for (unsigned p = p0; p < p0 + n; p++)
        S.flags[p] = o->flags | (ref_expect_flags(S.f, S.flags[p]) & (KK_PT_A | KK_PT_D));
}

static void do_query(struct op *o)
{
    struct kk_pt_mapping m;
    uint64_t va = o->va + 8;
    int rc = kk_pt_query(&S.pt, va, &m);
    if (!S.mapped[o->p0]) {
        REQUIRE(rc == KK_ENOENT);
        return;
    }
    REQUIRE(rc == 0);
    REQUIRE(m.pa + (o->va - m.va) == S.pa[o->p0]);
    REQUIRE(m.flags == ref_expect_flags(S.f, S.flags[o->p0]));
}

static void count_line(void *arg, const char *line)
{
    REQUIRE(strlen(line) > 40);
    ++*(unsigned *)arg;
}

static void do_dump(struct op *o)
{
    unsigned lines = 0;
    REQUIRE(kk_pt_dump(&S.pt, o->va, o->len, count_line, &lines) == 0);
    REQUIRE(lines <= count_mapped(o->p0, o->n));
    REQUIRE((lines == 0) == (count_mapped(o->p0, o->n) == 0));
}

/* Re-sync the borrower; then it translates the range exactly like the model. */
static void do_resync(struct op *o)
{
    if (!S.sharing)
        return;
    int rc = kk_pt_share_kernel(&S.user, &S.pt, S.share_va, S.share_len);
    REQUIRE(rc >= 0);
    REQUIRE(kk_pt_share_kernel(&S.user, &S.pt, S.share_va, S.share_len) == 0);
    REQUIRE(kk_pt_map(&S.user, o->va, o->pa, K4, KK_PT_R) == KK_EPERM);
    for (unsigned p = o->p0; p < o->p0 + o->n; p++)
        ref_check_page(&S.user, p);
}

/* Bad arguments: misaligned address or length, non-canonical address, a
 * range running off its half. The right error, and nothing changes. */
static void do_bad_args(struct op *o, const uint8_t *b)
{
    unsigned mode = b[1] % 4, fn = b[2] % 5, vb = S.f == KK_PT_I386 ? 32 : S.vb;
    uint64_t va = o->va, len = o->len;
    int want = KK_EFAULT, rc = 0;
    if (mode == 0) {
        va += 1 + b[5] % (K4 - 1);
        want = KK_EINVAL;
    } else if (mode == 1) {
        va ^= 1ull << (vb + b[5] % (64 - vb)); /* a bit the format cannot hold */
    } else if (mode == 2) {
        len += 1 + b[5] % (K4 - 1);
        want = KK_EINVAL;
    } else {
        va = (1ull << (S.f == KK_PT_I386 ? 32 : vb - 1)) - K4; /* top page of the half */
        len = 2 * K4;
    }
    struct arena_snap sn;
    arena_snap_take(&S.a, &sn);
    struct kk_pt_mapping m;
    switch (fn) {
    case 0:
        rc = kk_pt_map_range(&S.pt, va, o->pa, len, KK_PT_R, o->allow_huge, NULL);
        break;
    case 1:
        rc = kk_pt_unmap_range(&S.pt, va, len, NULL, NULL, NULL);
        break;
    case 2:
        rc = kk_pt_protect_range(&S.pt, va, len, KK_PT_R, NULL);
        break;
    case 3:
        rc = kk_pt_clear_ad(&S.pt, va, len, KK_PT_A, NULL, NULL, NULL);
        break;
    default:
        if (mode != 1)
            break;
        rc = kk_pt_query(&S.pt, va, &m);
        break;
    }
    REQUIRE(rc == (fn == 4 && mode != 1 ? 0 : want));
    REQUIRE(arena_snap_same(&S.a, &sn));
    arena_snap_free(&sn);
}

/* ---- decoding ------------------------------------------------------------------ */

static void decode(const uint8_t *b, struct op *o)
{
    memset(o, 0, sizeof(*o));
    o->kind = b[0] % 15;
    o->p0 = (unsigned)(b[1] | b[2] << 8) % WPAGES;
    unsigned n;
    if (b[3] < 128)
        n = 1 + b[3] % 16;
    else if (b[3] < 224)
        n = 1 + (unsigned)(b[3] | b[4] << 8) % 600;
    else
        n = 1 + (unsigned)(b[4] << 4 | b[3]) % WPAGES;
    o->n = MIN(n, WPAGES - o->p0);
    o->flags = (unsigned)(b[5] | (b[6] & 3) << 8);
    if (!(b[6] & 0x80))
        o->flags |= KK_PT_R; /* mostly valid flags */
    if (b[6] == 0x7f)
        o->flags |= 1u << 12; /* an undefined flag */
    o->allow_huge = b[6] & 4;
    o->batch = b[6] & 8;
    o->big = (b[4] & 3) == 0; /* map: one huge page */
    o->fail_at = b[7] < 12 ? (long)b[7] : -1;
    /* Physical address: congruent with va modulo the huge size, or any page. */
    uint64_t slot = (uint64_t)(b[6] >> 4) & 7;
    o->va = page_va(o->p0);
    o->len = (uint64_t)o->n * K4;
    if (b[4] & 4)
        o->pa = S.pa_base + ((uint64_t)(b[7] | b[2] << 8) % 8192) * K4;
    else
        o->pa = S.pa_base + slot * S.huge + (o->va & (S.huge - 1));
}

static void setup(uint8_t h0, uint8_t h1)
{
    if (!S.arena_ready) {
        arena_init(&S.a, 0x00400000ull);
        S.arena_ready = true;
    }
    S.a.attempts = 0;
    S.a.fail_at = -1;
    S.a.nev = 0;
    S.a.cursor = h1 >> 4; /* vary where frames come from */
    S.f = formats[h0 % 7];
    struct kk_pt_config cfg = {sizeof(cfg), S.f, &S.a.plat, 3, 1 + (uint32_t)(h0 >> 3) % 32};
    REQUIRE(kk_pt_init(&S.pt, &cfg) == 0);
    uint64_t sizes;
    REQUIRE(kk_pt_format_info(S.f, &S.levels, &S.vb, &sizes));
    S.huge = (sizes & (2ull << 20)) ? (2ull << 20) : (4ull << 20);
    /* The boundary the window straddles: 1 GiB, or between two root slots. */
    uint64_t slot = 1ull << (12 + (S.levels - 1) * (S.f == KK_PT_I386 ? 10 : 9));
    S.slot = slot;
    uint64_t b = (h1 & 2) ? slot * (slot < (1ull << 30) ? 64 : 1) : 3ull << 30;
    if (h1 & 1) /* upper half */
        b += S.f == KK_PT_I386 ? 0x20000000ull : (~0ull << (S.vb - 1));
    S.base = b - WPAGES * K4 / 2;
    S.pa_base = S.f == KK_PT_I386 ? 0x40000000ull : 0x4000000000ull;
    memset(S.mapped, 0, sizeof(S.mapped));
    /* Optionally a second table borrows the window's root slots (empty yet). */
    S.sharing = h1 & 8;
    if (S.sharing) {
        uint64_t lo = S.base & ~(slot - 1), hi = (S.base + WPAGES * K4 + slot - 1) & ~(slot - 1);
        cfg.asid = 4;
        REQUIRE(kk_pt_init(&S.user, &cfg) == 0);
        S.share_va = lo;
        S.share_len = hi - lo;
        REQUIRE(kk_pt_share_kernel(&S.user, &S.pt, lo, hi - lo) == 0);
    }
}

static void run_op(struct op *o, const uint8_t *raw)
{
    struct kk_pt_flush fb, *fbp = NULL;
    if (o->batch) {
        kk_pt_flush_init(&fb, &S.pt);
        fbp = &fb;
    }
    if (o->kind == 1 && o->big) {
        o->va &= ~(S.huge - 1);
        o->pa &= ~(S.huge - 1);
        o->p0 = (unsigned)((o->va - S.base) / K4);
        o->n = (unsigned)(S.huge / K4);
        o->len = S.huge;
    }
    S.a.attempts = 0;
    S.a.fail_at = o->fail_at;
    switch (o->kind) {
    case 0:
    case 1:
        if (o->kind == 0)
            o->big = false;
        do_map(o, fbp);
        fbp = NULL; /* finished inside */
        break;
    case 2:
    case 3:
        do_unmap_range(o, fbp);
        break;
    case 4:
        do_protect_range(o, fbp, false);
        break;
    case 5:
        do_protect_range(o, fbp, true);
        break;
    case 6:
        do_clear_ad(o, fbp);
        break;
    case 7:
        do_hw_ad(o);
        break;
    case 8:
        do_single(o, fbp, true);
        break;
    case 9:
        do_single(o, fbp, false);
        break;
    case 10:
        do_query(o);
        break;
    case 11:
        do_dump(o);
        break;
    case 13:
        do_resync(o);
        break;
    case 14:
        do_bad_args(o, raw);
        break;
    default: /* the whole window at once */
        o->p0 = 0;
        o->n = WPAGES;
        o->va = S.base;
        o->len = WPAGES * K4;
        do_unmap_range(o, fbp);
        break;
    }
    S.a.fail_at = -1;
    if (fbp)
        kk_pt_flush_finish(fbp);
    check_all(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    setup(data[0], data[1]);
    size_t nops = (size - 2) / OPSIZE;
    for (S.op = 0; S.op < nops && S.op < MAXOPS; S.op++) {
        struct op o;
        decode(data + 2 + (size_t)S.op * OPSIZE, &o);
        run_op(&o, data + 2 + (size_t)S.op * OPSIZE);
    }
    struct op all = {.p0 = 0, .n = WPAGES};
    S.op = 15;
    check_all(&all);
    /* Frame-leak check: unmapping the window leaves the root alone. */
    kk_pt_unmap_range(&S.pt, S.base, WPAGES * K4, NULL, NULL, NULL);
    if (S.sharing) {
        /* lent-out root tables stay (at most one per slot of the range) */
        REQUIRE(kk_pt_table_count(&S.pt) <= 1 + S.share_len / S.slot);
        REQUIRE(kk_pt_check(&S.pt) == 0 && kk_pt_check(&S.user) == 0);
        REQUIRE(S.a.nused == kk_pt_table_count(&S.pt) + 1);
        kk_pt_destroy(&S.user);
    }
    REQUIRE(kk_pt_table_count(&S.pt) == S.a.nused);
    REQUIRE(S.sharing || S.a.nused == 1);
    kk_pt_destroy(&S.pt);
    if (S.a.nused || S.a.bad_frees || S.a.dirty_frees)
        fprintf(stderr, "nused %zu bad %ld dirty %ld sharing %d\n", S.a.nused, S.a.bad_frees,
                S.a.dirty_frees, S.sharing);
    REQUIRE(S.a.nused == 0 && S.a.bad_frees == 0 && S.a.dirty_frees == 0);
    return 0;
}
