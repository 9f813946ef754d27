/*
 * bench_pagetable.c: kernkit::pagetable speed (release preset).
 *
 * Tables live in a host arena reached through phys_offset (no callback per
 * table access), as in a kernel with a direct map. Workloads, per format
 * (Sv39 and x86_64 4-level), prefixed "<format>/" for the second:
 *   map-range-4k   1 GiB of 4 KiB pages with kk_pt_map_range (ns per PTE)
 *   map-range-huge the same 1 GiB with allow_huge, 1 GiB- and 2 MiB-aligned (total)
 *   query          kk_pt_query at random addresses of the 4 KiB mapping (ns)
 *   unmap-range    unmapping the 1 GiB of 4 KiB pages, tables freed (ns per PTE)
 *   protect-range  changing the flags of the 1 GiB of 4 KiB pages mapped with A and
 *                  D (the MMU never writes them: one plain store each) (ns per PTE)
 *   protect-range-cas  the same over pages mapped without A/D, which the MMU may
 *                  update meanwhile: one compare-and-swap each (ns per PTE), and
 *                  protect-range.speedup-vs-cas, CAS time / plain time
 *   map-single     kk_pt_map of one 4 KiB page, tables present (ns)
 * plus map-range-4k.vs-single: single-page maps (kk_pt_map, every argument and
 * entry checked) per PTE / map_range per PTE, and map-range-4k.vs-walker: a
 * minimal per-page walker per PTE / map_range per PTE. The walker (written
 * here, the baseline a hand-written kernel uses) descends from the root for
 * every page, allocating missing tables, and stores the leaf: no argument,
 * alignment, overlap or rollback checks, no huge pages; its tables come from a
 * second arena like the first.
 * Targets (issue #4): map_range <= 5 ns/PTE, query <= 15 ns, map-single <= 30 ns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernkit/pagetable.h>

#include "bench.h"

#define K4     4096ull
#define G1     (1ull << 30)
#define FRAMES 2048u /* 8 MiB of table frames: 1 GiB of 4K pages needs 514 */
#define BASE   0x80000000ull
#define VA     (4 * G1)
#define PA     0x100000000ull
#define ROUNDS 7

struct frames {
    uint8_t *mem;
    uint64_t free_head; /* free list through the frames */
    unsigned next;
};

static int f_alloc(void *ctx, uint64_t *pa)
{
    struct frames *f = ctx;
    if (f->free_head) {
        *pa = f->free_head;
        memcpy(&f->free_head, f->mem + (*pa - BASE), 8);
    } else if (f->next < FRAMES) {
        *pa = BASE + (uint64_t)f->next++ * K4;
    } else {
        return KK_ENOMEM;
    }
    memset(f->mem + (*pa - BASE), 0, K4);
    return 0;
}

static void f_free(void *ctx, uint64_t pa)
{
    struct frames *f = ctx;
    memcpy(f->mem + (pa - BASE), &f->free_head, 8);
    f->free_head = pa;
}

static void die(const char *what, int rc);
static double median_of(double *v, int n);

/* The two formats' PTE encodings, for the minimal walker. */
struct walk_fmt {
    int levels;
    uint64_t table_flags, leaf_flags, addr_mask;
    int pa_shift; /* PTE = (pa >> 12) << pa_shift | flags */
};

static const struct walk_fmt walk_sv39 = {3, 0x1, 0x1 | 0x2 | 0x4 | 0x40 | 0x80, (1ull << 54) - 1,
                                          10};
static const struct walk_fmt walk_x86 = {4, 0x1 | 0x2, 0x1 | 0x2 | 0x20 | 0x40,
                                         ((1ull << 52) - 1) & ~0xfffull, 12};

static inline uint64_t *walk_table(struct frames *f, uint64_t pa)
{
    return (uint64_t *)(f->mem + (pa - BASE));
}

/* Map one 4 KiB page: descend from @root, allocating missing tables. */
static int walk_map(const struct walk_fmt *wf, struct frames *f, uint64_t root, uint64_t va,
                    uint64_t pa)
{
    uint64_t *t = walk_table(f, root);
    for (int l = wf->levels - 1; l > 0; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * l)) & 511], tpa;
        if ((*e & 1) == 0) {
            if (f_alloc(f, &tpa) != 0)
                return KK_ENOMEM;
            *e = (tpa >> 12) << wf->pa_shift | wf->table_flags;
        } else {
            tpa = ((*e & wf->addr_mask) >> wf->pa_shift) << 12;
        }
        t = walk_table(f, tpa);
    }
    t[(va >> 12) & 511] = (pa >> 12) << wf->pa_shift | wf->leaf_flags;
    return 0;
}

/* Median ns per PTE of mapping 1 GiB of 4 KiB pages with the walker, fresh tables each round. */
static double walker_map(const struct walk_fmt *wf)
{
    static struct frames f;
    double v[ROUNDS];
    if (!f.mem)
        f.mem = aligned_alloc(4096, (size_t)FRAMES * K4);
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t root;
        f.next = 0;
        f.free_head = 0;
        if (f_alloc(&f, &root) != 0)
            die("walker root", KK_ENOMEM);
        uint64_t t0 = kk_bench_now_ns();
        for (uint64_t off = 0; off < G1; off += K4)
            if (walk_map(wf, &f, root, VA + off, PA + off) != 0)
                die("walker map", KK_ENOMEM);
        v[r] = (double)(kk_bench_now_ns() - t0) / (double)(G1 / K4);
    }
    return median_of(v, ROUNDS);
}

static double median_of(double *v, int n)
{
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    return v[n / 2];
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench-pagetable: %s failed: %d\n", what, rc);
    exit(1);
}

static void name(char *buf, size_t n, const char *prefix, const char *w)
{
    snprintf(buf, n, "%s%s", prefix, w);
}

static void run(enum kk_pt_format fmt, const char *prefix)
{
    static struct frames fr;
    struct kk_pt_platform plat = {.version = KK_PT_PLATFORM_VERSION, .ctx = &fr};
    plat.alloc_table = f_alloc;
    plat.free_table = f_free;
    if (!fr.mem)
        fr.mem = aligned_alloc(4096, (size_t)FRAMES * K4);
    fr.next = 0;
    fr.free_head = 0;
    plat.phys_offset = (uintptr_t)fr.mem - (uintptr_t)BASE;
    struct kk_pt pt;
    struct kk_pt_config cfg = {sizeof(cfg), fmt, &plat, 0, 0};
    int rc = kk_pt_init(&pt, &cfg);
    if (rc)
        die("init", rc);
    const unsigned fl = KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D;
    const uint64_t npte = G1 / K4;
    double map4k[ROUNDS], unmap[ROUNDS], prot[ROUNDS], protcas[ROUNDS], huge1g[ROUNDS],
        huge2m[ROUNDS];
    char w[64];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = kk_bench_now_ns();
        if ((rc = kk_pt_map_range(&pt, VA, PA, G1, fl, false, NULL)))
            die("map_range", rc);
        uint64_t t1 = kk_bench_now_ns();
        if ((rc = kk_pt_protect_range(&pt, VA, G1, KK_PT_R | KK_PT_A, NULL)) < 0)
            die("protect_range", rc);
        uint64_t t2 = kk_bench_now_ns();
        struct kk_pt_flush fb;
        kk_pt_flush_init(&fb, &pt);
        if ((rc = kk_pt_unmap_range(&pt, VA, G1, &fb, NULL, NULL)) < 0)
            die("unmap_range", rc);
        kk_pt_flush_finish(&fb);
        uint64_t t3 = kk_bench_now_ns();
        map4k[r] = (double)(t1 - t0) / (double)npte;
        prot[r] = (double)(t2 - t1) / (double)npte;
        unmap[r] = (double)(t3 - t2) / (double)npte;
        t0 = kk_bench_now_ns();
        if ((rc = kk_pt_map_range(&pt, VA, PA, G1, fl, true, NULL)))
            die("map_range huge", rc);
        t1 = kk_bench_now_ns();
        kk_pt_unmap_range(&pt, VA, G1, NULL, NULL, NULL);
        t2 = kk_bench_now_ns();
        if ((rc = kk_pt_map_range(&pt, VA + (2u << 20), PA + (2u << 20), G1, fl, true, NULL)))
            die("map_range huge 2m", rc);
        t3 = kk_bench_now_ns();
        kk_pt_unmap_range(&pt, VA + (2u << 20), G1, NULL, NULL, NULL);
        huge1g[r] = (double)(t1 - t0);
        huge2m[r] = (double)(t3 - t2);
        if ((rc = kk_pt_map_range(&pt, VA, PA, G1, KK_PT_R | KK_PT_W, false, NULL)))
            die("map_range clean", rc);
        t0 = kk_bench_now_ns();
        if ((rc = kk_pt_protect_range(&pt, VA, G1, KK_PT_R, NULL)) < 0)
            die("protect_range clean", rc);
        t1 = kk_bench_now_ns();
        kk_pt_unmap_range(&pt, VA, G1, NULL, NULL, NULL);
        protcas[r] = (double)(t1 - t0) / (double)npte;
    }
    double m4k = median_of(map4k, ROUNDS);
    name(w, sizeof(w), prefix, "map-range-4k");
    kk_bench_print(w, "ns-per-pte", m4k, "ns");
    name(w, sizeof(w), prefix, "map-range-huge");
    kk_bench_print(w, "total-1g-aligned", median_of(huge1g, ROUNDS), "ns");
    kk_bench_print(w, "total-2m-aligned", median_of(huge2m, ROUNDS), "ns");
    name(w, sizeof(w), prefix, "unmap-range");
    kk_bench_print(w, "ns-per-pte", median_of(unmap, ROUNDS), "ns");
    name(w, sizeof(w), prefix, "protect-range");
    kk_bench_print(w, "ns-per-pte", median_of(prot, ROUNDS), "ns");
    kk_bench_print(w, "speedup-vs-cas", median_of(protcas, ROUNDS) / median_of(prot, ROUNDS), "x");
    name(w, sizeof(w), prefix, "protect-range-cas");
    kk_bench_print(w, "ns-per-pte", median_of(protcas, ROUNDS), "ns");

    /* query: random addresses of a 1 GiB 4K mapping */
    if ((rc = kk_pt_map_range(&pt, VA, PA, G1, fl, false, NULL)))
        die("map_range", rc);
    struct kk_bench b;
    name(w, sizeof(w), prefix, "query");
    kk_bench_init(&b, strdup(w), 2000);
    uint64_t seed = 0x9e3779b97f4a7c15ull, sum = 0;
    enum { QB = 1000 };
    uint64_t addr[QB];
    for (int s = 0; s < 2000; s++) {
        for (int i = 0; i < QB; i++)
            addr[i] = VA + (kk_bench_rand(&seed) % G1);
        kk_bench_start(&b);
        for (int i = 0; i < QB; i++) {
            struct kk_pt_mapping m;
            kk_pt_query(&pt, addr[i], &m);
            sum += m.pa;
        }
        kk_bench_stop(&b, QB);
    }
    KK_BENCH_USE(sum);
    kk_bench_report(&b);
    free((void *)b.name);
    kk_bench_free(&b);

    /* map-single: the leaf tables exist (page 0 of each stays mapped) */
    name(w, sizeof(w), prefix, "map-single");
    kk_bench_init(&b, strdup(w), 512);
    const uint64_t chunk = 2ull << 20;
    for (uint64_t c = 0; c < 512; c++) {
        uint64_t base = VA + c * chunk;
        kk_pt_unmap_range(&pt, base + K4, chunk - K4, NULL, NULL, NULL);
        kk_bench_start(&b);
        for (uint64_t p = 1; p < 512; p++)
            kk_pt_map(&pt, base + p * K4, PA + p * K4, K4, fl);
        kk_bench_stop(&b, 511);
    }
    double single = kk_bench_percentile(&b, 50);
    kk_bench_report(&b);
    free((void *)b.name);
    kk_bench_free(&b);
    name(w, sizeof(w), prefix, "map-range-4k");
    kk_bench_print(w, "vs-single", single / m4k, "x");
    double walker = walker_map(fmt == KK_PT_SV39 ? &walk_sv39 : &walk_x86);
    name(w, sizeof(w), prefix, "walker-4k");
    kk_bench_print(w, "ns-per-pte", walker, "ns");
    name(w, sizeof(w), prefix, "map-range-4k");
    kk_bench_print(w, "vs-walker", walker / m4k, "x");
    name(w, sizeof(w), prefix, "map-single");
    kk_bench_print(w, "vs-walker", single / walker, "x");
    if (kk_pt_check(&pt))
        die("check", KK_ECORRUPT);
    kk_pt_destroy(&pt);
}

int main(void)
{
    run(KK_PT_SV39, "");
    run(KK_PT_X86_64_4L, "x86_64-4l/");
    return 0;
}
