/*
 * fuzz-buddy.c: op-stream fuzz harness for the frame allocator and the heap
 * (libFuzzer entry point; AFL++ via libAFLDriver; replayed by ctest).
 *
 * The first 4 bytes pick the geometry (frames, base, max order, per-CPU
 * caches); every further 4-byte group is one operation, valid or not. An
 * owner map (which harness allocation owns each frame) is the oracle: an
 * allocation must return frames nobody owns, a free of frames not owned must
 * fail, a free of owned ones must succeed, and kk_buddy_check() plus the frame
 * totals must hold after every operation. The heap gets the same treatment
 * with byte patterns. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/buddy.h>

#define FS      4096u
#define MAXF    1024u
#define MAXLIVE 64
#define HSLOTS  16

#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz-buddy: %s failed at line %d\n", #c, __LINE__);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct live {
    uint32_t idx, count, id;
    int order; /* -1: pages */
};

struct state {
    struct kk_buddy b;
    struct kk_buddy_pcp pcp[2];
    uint64_t base_pfn, nframes, owned, present;
    unsigned maxo, cpu;
    uint32_t owner[MAXF], next_id;
    uint8_t added[MAXF];
    struct live live[MAXLIVE];
    unsigned nlive;
    struct kk_heap heap;
    unsigned char *hp[HSLOTS];
    size_t hsize[HSLOTS];
    unsigned hregions; /* extra heap regions added after the first */
};

static uint64_t meta[(MAXF * 10 + 4096) / 8];
static _Alignas(4096) unsigned char heap_mem[64 * 1024];
static struct state S;

static unsigned cpu_id(void *ctx)
{
    return ((struct state *)ctx)->cpu;
}

static uint64_t addr(uint64_t idx)
{
    return (S.base_pfn + idx) * FS;
}

static void take(uint64_t a, uint64_t n, int order)
{
    uint64_t idx = a / FS - S.base_pfn;
    REQUIRE(a % FS == 0 && a / FS >= S.base_pfn && idx + n <= S.nframes);
    uint32_t id = ++S.next_id;
    for (uint64_t j = 0; j < n; j++) {
        REQUIRE(S.added[idx + j] && S.owner[idx + j] == 0);
        S.owner[idx + j] = id;
    }
    S.owned += n;
    if (S.nlive < MAXLIVE)
        S.live[S.nlive++] = (struct live){(uint32_t)idx, (uint32_t)n, id, order};
}

/* Are frames [idx, idx+n) in range and all owned (by anyone)? */
static int all_owned(uint64_t idx, uint64_t n)
{
    if (idx >= S.nframes || n == 0 || n > S.nframes - idx)
        return 0;
    for (uint64_t j = 0; j < n; j++)
        if (S.owner[idx + j] == 0)
            return 0;
    return 1;
}

static void release(uint64_t idx, uint64_t n)
{
    for (uint64_t j = 0; j < n; j++)
        S.owner[idx + j] = 0;
    S.owned -= n;
}

static void op_free_live(unsigned k, unsigned sub)
{
    if (S.nlive == 0)
        return;
    unsigned pick = k % S.nlive;
    struct live l = S.live[pick];
    S.nlive--;
    S.live[pick] = S.live[S.nlive];
    int intact = 1;
    for (uint32_t j = 0; j < l.count; j++)
        intact &= S.owner[l.idx + j] == l.id;
    if (intact && l.order >= 0 && !sub) {
        REQUIRE(kk_buddy_free(&S.b, addr(l.idx), (unsigned)l.order) == 0);
        release(l.idx, l.count);
        return;
    }
    for (uint32_t j = 0; j < l.count;) { /* free what is still this allocation's, in runs */
        uint32_t n = 0;
        while (j + n < l.count && S.owner[l.idx + j + n] == l.id && n < sub + 1)
            n++;
        if (n) {
            REQUIRE(kk_buddy_free_pages(&S.b, addr(l.idx + j), n) == 0);
            release(l.idx + j, n);
        }
        j += n ? n : 1;
    }
}

static void op_add(uint64_t idx, uint64_t n)
{
    int ok = idx < S.nframes && n > 0 && n <= S.nframes - idx;
    for (uint64_t j = 0; ok && j < n; j++)
        ok = !S.added[idx + j];
    int rc = kk_buddy_add_range(&S.b, addr(idx), n * FS);
    REQUIRE((rc == 0) == ok);
    for (uint64_t j = 0; rc == 0 && j < n; j++)
        S.added[idx + j] = 1;
    if (rc == 0)
        S.present += n;
}

static void frames_op(unsigned op, unsigned x, unsigned y)
{
    uint64_t a = 0, idx = x % (S.nframes + 2);
    unsigned o = y % (S.maxo + 2);
    int rc;
    switch (op % 13) {
    case 0:
        if (kk_buddy_alloc(&S.b, o, &a) == 0)
            take(a, 1ull << o, (int)o);
        break;
    case 1: {
        uint64_t align = (y >> 4) & 1 ? 1ull << ((y >> 5) % (S.maxo + 1)) : 0;
        if (kk_buddy_alloc_pages(&S.b, 1 + x % 70, align, &a) == 0)
            take(a, 1 + x % 70, -1);
        break;
    }
    case 2:
        if (kk_buddy_alloc_window(&S.b, o, addr(idx), addr(idx + (y >> 4) % 300), &a) == 0) {
            REQUIRE(a >= addr(idx) && a + (FS << o) <= addr(idx + (y >> 4) % 300));
            take(a, 1ull << o, (int)o);
        }
        break;
    case 3:
        if (kk_buddy_alloc_at(&S.b, addr(idx), o) == 0)
            take(addr(idx), 1ull << o, (int)o);
        break;
    case 4:
        if (kk_buddy_reserve(&S.b, addr(idx), (uint64_t)(y % 40) * FS) == 0)
            take(addr(idx), y % 40, -1);
        break;
    case 5:
    case 6:
        op_free_live(x, op % 13 == 6 ? y % 8 : 0);
        break;
    case 7: {
        int owned = o <= S.maxo && all_owned(idx, 1ull << o);
        rc = kk_buddy_free(&S.b, addr(idx) + (y & 0x100 ? 8 : 0), o);
        REQUIRE(rc == 0 || rc == KK_EINVAL);
        REQUIRE(rc != 0 || (owned && !(y & 0x100)));
        if (rc == 0)
            release(idx, 1ull << o);
        break;
    }
    case 8:
        rc = kk_buddy_free_pages(&S.b, addr(idx), y % 50);
        REQUIRE((rc == 0) == all_owned(idx, y % 50));
        if (rc == 0)
            release(idx, y % 50);
        break;
    case 9: {
        uint64_t v[8];
        size_t n = kk_buddy_alloc_bulk(&S.b, v, y % 9);
        for (size_t j = 0; j < n; j++)
            take(v[j], 1, 0);
        break;
    }
    case 10:
        kk_buddy_drain(&S.b);
        S.cpu = y & 3;
        break;
    case 11:
        op_add(idx, 1 + y % 64);
        break;
    default: {
        char buf[64];
        REQUIRE(kk_buddy_dump(&S.b, buf, sizeof buf) >= strlen(buf));
        break;
    }
    }
}

/* Add the next extra heap region (up to 3 of 8 KiB after the first), or an overlapping one. */
static void heap_add_region(unsigned y)
{
    if (y & 1) {
        REQUIRE(kk_heap_add_region(&S.heap, heap_mem + (y >> 1) % 32768, 1024) == KK_EINVAL);
        return;
    }
    if (S.hregions == 3)
        return;
    REQUIRE(kk_heap_add_region(&S.heap, heap_mem + 40960 + S.hregions * 8192, 8192) == 0);
    S.hregions++;
}

static void heap_op(unsigned op, unsigned x, unsigned y)
{
    unsigned s = x % HSLOTS;
    if ((op & 0x1C) == 0x1C) {
        heap_add_region(y);
        return;
    }
    size_t n = 1 + (size_t)(y % (1u << (1 + (x >> 4) % 13)));
    if (S.hp[s]) {
        for (size_t j = 0; j < S.hsize[s]; j++)
            REQUIRE(S.hp[s][j] == (unsigned char)(s + j));
        if (kk_heap_usable_size(&S.heap, S.hp[s]) > 16) /* interior pointer */
            REQUIRE(kk_heap_free(&S.heap, S.hp[s] + 16) == KK_EINVAL);
        if ((op & 1) && (x >> 12) == 0xF) { /* sizes that would wrap: refused, block intact */
            REQUIRE(kk_heap_realloc(&S.heap, S.hp[s], SIZE_MAX - y) == NULL);
            REQUIRE(kk_heap_usable_size(&S.heap, S.hp[s]) >= S.hsize[s]);
            return;
        }
        if (op & 1) {
            unsigned char *q = kk_heap_realloc(&S.heap, S.hp[s], n);
            if (!q)
                return;
            size_t keep = n < S.hsize[s] ? n : S.hsize[s];
            for (size_t j = 0; j < keep; j++)
                REQUIRE(q[j] == (unsigned char)(s + j));
            S.hp[s] = q;
        } else {
            REQUIRE(kk_heap_free(&S.heap, S.hp[s]) == 0);
            REQUIRE(kk_heap_free(&S.heap, S.hp[s]) == KK_EINVAL);
            S.hp[s] = NULL;
            return;
        }
    } else {
        S.hp[s] = op & 2 ? kk_heap_alloc_aligned(&S.heap, n, (size_t)8 << (y % 10))
                         : kk_heap_alloc(&S.heap, n);
        if (!S.hp[s])
            return;
    }
    REQUIRE(kk_heap_usable_size(&S.heap, S.hp[s]) >= n);
    S.hsize[s] = n;
    for (size_t j = 0; j < n; j++)
        S.hp[s][j] = (unsigned char)(s + j);
}

static void setup(const uint8_t *d)
{
    memset(&S, 0, sizeof S);
    S.nframes = 1 + ((d[0] | (unsigned)d[1] << 8) % MAXF);
    S.base_pfn = d[2];
    S.maxo = 1 + d[3] % 10;
    struct kk_buddy_config c = {.size = sizeof c, .ctx = &S};
    c.base = S.base_pfn * FS;
    c.nframes = S.nframes;
    c.max_order = S.maxo;
    c.meta = meta;
    c.meta_size = sizeof meta;
    if (d[3] & 0x80) {
        c.pcp = S.pcp;
        c.ncpus = 2;
        c.pcp_orders = 1 + (d[3] >> 4) % 3;
        c.pcp_high = 1 + d[2] % 16;
        c.cpu_id = cpu_id;
    }
    REQUIRE(kk_buddy_meta_size(S.nframes) <= sizeof meta);
    REQUIRE(kk_buddy_init(&S.b, &c) == 0);
    op_add(0, (S.nframes + 1) / 2);
    struct kk_heap_config hc = {.size = sizeof hc, .min_block = 8u << (d[0] % 3)};
    REQUIRE(kk_heap_init(&S.heap, &hc) == 0);
    REQUIRE(kk_heap_add_region(&S.heap, heap_mem, 32 * 1024 + d[1]) == 0);
}

static void verify(void)
{
    struct kk_buddy_stats st;
    REQUIRE(kk_buddy_check(&S.b) == 0);
    kk_buddy_stats(&S.b, &st);
    REQUIRE(st.total_frames == S.present);
    REQUIRE(st.free_frames + st.cached_frames + S.owned == S.present);
    REQUIRE(kk_heap_check(&S.heap) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    setup(data);
    for (size_t i = 4; i + 4 <= size; i += 4) {
        unsigned op = data[i], x = data[i + 1] | (unsigned)data[i + 2] << 8, y = data[i + 3];
        y |= (unsigned)data[i + 2] << 8;
        if (op >= 208)
            heap_op(op, x, y);
        else
            frames_op(op, x, y);
        verify();
    }
    return 0;
}
