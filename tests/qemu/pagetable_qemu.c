/*
 * pagetable_qemu.c: kernkit::pagetable on qemu-system-riscv64 -machine virt.
 *
 * For Sv39, then Sv48, then Sv57 (if the hart implements it), the image builds
 * a table with the library (frames from the free RAM after the image),
 * identity-maps itself (RAM with huge pages, UART, test device), adds test
 * mappings, switches satp and checks through the MMU: a remapped page and
 * an upper-half alias, a 2 MiB and a 1 GiB page, a read-only page whose store
 * faults (scause 15, stval = the address), an unmapped page whose load
 * faults (scause 13), protect, huge-page split, write-protect, accessed/dirty
 * bits, a second table sharing the upper half (a slot the kernel fills
 * later faults until a re-sync), and that tearing down returns every frame.
 */
#include "qemu_rt.h"

#include <kernkit/pagetable.h>

#define K4   0x1000ul
#define M2   0x200000ul
#define G1   0x40000000ul
#define RAM  0x80000000ul
#define UART 0x10000000ul
#define TDEV 0x100000ul

#define VA_REMAP 0x40000000ul
#define VA_RO    0x40001000ul
#define VA_AD    0x40002000ul
#define VA_HUGE  0x60000000ul
#define VA_GIGA  0x100000000ul

/* Physical layout: image | data frames (2 MiB aligned) | table frames. */
#define DATA_BASE  0x80400000ul /* 2 MiB for the huge page, then 4K pages */
#define TABLE_BASE 0x80800000ul

static uint64_t next_table, free_list;
static long tables_out;

static int alloc_table(void *ctx, uint64_t *pa)
{
    (void)ctx;
    if (free_list) {
        *pa = free_list;
        free_list = *(uint64_t *)(uintptr_t)free_list;
    } else if (next_table + K4 <= KK_QEMU_RAM_END) {
        *pa = next_table;
        next_table += K4;
    } else {
        return KK_ENOMEM;
    }
    uint64_t *p = (uint64_t *)(uintptr_t)*pa;
    for (unsigned i = 0; i < 512; i++)
        p[i] = 0;
    tables_out++;
    return 0;
}

static void free_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    *(uint64_t *)(uintptr_t)pa = free_list;
    free_list = pa;
    tables_out--;
}

static unsigned long flushes;

static void flush_tlb(void *ctx, uint32_t asid, const uint64_t *va, size_t n)
{
    (void)ctx;
    (void)asid;
    flushes++;
    if (!va) {
        __asm__ volatile("sfence.vma" ::: "memory");
        return;
    }
    for (size_t i = 0; i < n; i++)
        __asm__ volatile("sfence.vma %0" ::"r"(va[i]) : "memory");
}

static const struct kk_pt_platform plat = {
    .version = KK_PT_PLATFORM_VERSION,
    .alloc_table = alloc_table,
    .free_table = free_table,
    .flush_tlb = flush_tlb, /* phys_to_virt NULL: identity */
};

/* ---- expected traps ------------------------------------------------------ */

static volatile unsigned long want_cause, want_tval, traps;
static struct kk_pt *fix_pt; /* set: fix A/D faults by setting the bits */

static unsigned long on_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
    unsigned short insn = *(volatile unsigned short *)sepc;
    if (fix_pt && (scause == 13 || scause == 15) && (stval & ~(K4 - 1)) == VA_AD) {
        /* No hardware A/D update (Svade): set them as a kernel would. */
        traps++;
        KK_QEMU_CHECK(kk_pt_protect(fix_pt, VA_AD, KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D, NULL) ==
                      0);
        return sepc; /* retry */
    }
    if (scause != want_cause || stval != want_tval)
        kk_qemu_fail("unexpected trap scause=%lu stval=%lx sepc=%lx (want %lu at %lx)", scause,
                     stval, sepc, want_cause, want_tval);
    traps++;
    return sepc + ((insn & 3) == 3 ? 4 : 2);
}

static void expect_store_fault(volatile uint64_t *p, uint64_t v)
{
    unsigned long before = traps;
    want_cause = 15;
    want_tval = (unsigned long)p;
    *p = v;
    want_cause = 0;
    KK_QEMU_CHECK(traps == before + 1);
}

static void expect_load_fault(volatile uint64_t *p)
{
    unsigned long before = traps;
    want_cause = 13;
    want_tval = (unsigned long)p;
    (void)*p;
    want_cause = 0;
    KK_QEMU_CHECK(traps == before + 1);
}

static inline void satp_write(uint64_t v)
{
    __asm__ volatile("csrw satp, %0\n\tsfence.vma" ::"r"(v) : "memory");
}

static inline uint64_t satp_read(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, satp" : "=r"(v));
    return v;
}

static volatile uint64_t marker = 0x5eed5eed12345678ull;

#define RWXG (KK_PT_R | KK_PT_W | KK_PT_X | KK_PT_G | KK_PT_A | KK_PT_D)
#define RW   (KK_PT_R | KK_PT_W | KK_PT_A | KK_PT_D)

static void build(struct kk_pt *pt, enum kk_pt_format f, uint64_t high)
{
    struct kk_pt_config cfg = {sizeof(cfg), f, &plat, 0, 0};
    KK_QEMU_CHECK(kk_pt_init(pt, &cfg) == 0);
    KK_QEMU_CHECK(kk_pt_map_range(pt, RAM, RAM, KK_QEMU_RAM_END - RAM, RWXG, true, NULL) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, UART, UART, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, TDEV, TDEV, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, VA_REMAP, DATA_BASE + M2, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, high, DATA_BASE + M2, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, VA_RO, DATA_BASE + M2 + K4, K4, KK_PT_R | KK_PT_A) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, VA_AD, DATA_BASE + M2 + 2 * K4, K4, KK_PT_R | KK_PT_W) == 0);
    KK_QEMU_CHECK(kk_pt_map_range(pt, VA_HUGE, DATA_BASE, M2, RW, true, NULL) == 0);
    KK_QEMU_CHECK(kk_pt_map(pt, VA_GIGA, RAM, G1, RW) == 0);
    KK_QEMU_CHECK(kk_pt_check(pt) == 0);
    struct kk_pt_mapping m;
    KK_QEMU_CHECK(kk_pt_query(pt, RAM + 0x123456, &m) == 0 && m.size == M2);
    KK_QEMU_CHECK(kk_pt_query(pt, VA_HUGE + 8, &m) == 0 && m.size == M2 && m.pa == DATA_BASE);
}

static void checks(struct kk_pt *pt, uint64_t high)
{
    volatile uint64_t *phys = (volatile uint64_t *)(DATA_BASE + M2);
    volatile uint64_t *remap = (volatile uint64_t *)VA_REMAP;
    volatile uint64_t *alias = (volatile uint64_t *)(uintptr_t)high;
    struct kk_pt_mapping m;

    /* remapped page and its upper-half alias */
    KK_QEMU_CHECK(remap[0] == 0xa11ce);
    remap[1] = 0xb0b;
    KK_QEMU_CHECK(phys[1] == 0xb0b && alias[1] == 0xb0b);
    alias[2] = 0xca7;
    KK_QEMU_CHECK(remap[2] == 0xca7);

    /* 2 MiB page: every part reaches the right frame */
    volatile uint64_t *huge = (volatile uint64_t *)VA_HUGE;
    volatile uint64_t *hphys = (volatile uint64_t *)DATA_BASE;
    for (unsigned long off = 0; off < M2; off += 0x7ff8) {
        huge[off / 8] = off ^ 0x55;
        KK_QEMU_CHECK(hphys[off / 8] == (off ^ 0x55));
    }
    /* 1 GiB page onto RAM: reads the image's own data */
    volatile uint64_t *giga = (volatile uint64_t *)(VA_GIGA + ((uintptr_t)&marker - RAM));
    KK_QEMU_CHECK(*giga == marker);

    /* read-only page: loads work, a store faults with stval = the address */
    volatile uint64_t *ro = (volatile uint64_t *)VA_RO;
    KK_QEMU_CHECK(ro[1] == 0x0123);
    expect_store_fault(&ro[1], 0xdead);
    KK_QEMU_CHECK(ro[1] == 0x0123);
    /* ... until protect makes it writable */
    KK_QEMU_CHECK(kk_pt_protect(pt, VA_RO, RW, NULL) == 0);
    ro[1] = 0x4567;
    KK_QEMU_CHECK(phys[512 + 1] == 0x4567);

    /* accessed/dirty: hardware (or our fault handler) sets them on use */
    volatile uint64_t *ad = (volatile uint64_t *)VA_AD;
    fix_pt = pt;
    ad[0] = 7;
    KK_QEMU_CHECK(ad[0] == 7);
    fix_pt = NULL;
    KK_QEMU_CHECK(kk_pt_query(pt, VA_AD, &m) == 0);
    KK_QEMU_CHECK((m.flags & (KK_PT_A | KK_PT_D)) == (KK_PT_A | KK_PT_D));
    KK_QEMU_CHECK(kk_pt_clear_ad(pt, VA_AD, K4, KK_PT_D, NULL, NULL, NULL) == 1);
    KK_QEMU_CHECK(kk_pt_query(pt, VA_AD, &m) == 0 && !(m.flags & KK_PT_D));

    /* unmap: the load faults */
    struct kk_pt_flush fb;
    kk_pt_flush_init(&fb, pt);
    KK_QEMU_CHECK(kk_pt_unmap(pt, VA_REMAP, &fb, &m) == 0);
    KK_QEMU_CHECK(m.pa == DATA_BASE + M2);
    kk_pt_flush_finish(&fb);
    expect_load_fault(remap);
    KK_QEMU_CHECK(alias[1] == 0xb0b);

    /* split the 2 MiB page by unmapping one 4K page in it */
    KK_QEMU_CHECK(kk_pt_unmap_range(pt, VA_HUGE + 3 * K4, K4, NULL, NULL, NULL) == 1);
    expect_load_fault(&huge[3 * K4 / 8]);
    KK_QEMU_CHECK(huge[4 * K4 / 8] == hphys[4 * K4 / 8]);
    huge[2 * K4 / 8 + 1] = 0x5911;
    KK_QEMU_CHECK(hphys[2 * K4 / 8 + 1] == 0x5911);
    KK_QEMU_CHECK(kk_pt_query(pt, VA_HUGE, &m) == 0 && m.size == K4);

    /* copy-on-write protection of the split range */
    KK_QEMU_CHECK(kk_pt_write_protect_range(pt, VA_HUGE, M2, NULL) == 511);
    expect_store_fault(&huge[5 * K4 / 8], 1);
    KK_QEMU_CHECK(kk_pt_query(pt, VA_HUGE + 5 * K4, &m) == 0 && (m.flags & KK_PT_COW));
    KK_QEMU_CHECK(huge[5 * K4 / 8] == hphys[5 * K4 / 8]);
    KK_QEMU_CHECK(kk_pt_check(pt) == 0);
}

/* A process-style table borrowing the upper half of @pt (@high is its first
 * address): only the present root slot is copied, kernel mappings show
 * through it, and a root slot the kernel fills later shows after a re-sync. */
static void share_checks(struct kk_pt *pt, enum kk_pt_format f, uint64_t mode, uint64_t high)
{
    unsigned levels, vb;
    KK_QEMU_CHECK(kk_pt_format_info(f, &levels, &vb, NULL) != NULL);
    uint64_t slot = 1ull << (12 + 9 * (levels - 1)), half_len = 1ull << (vb - 1);
    struct kk_pt u;
    struct kk_pt_config cfg = {sizeof(cfg), f, &plat, 1, 0};
    KK_QEMU_CHECK(kk_pt_init(&u, &cfg) == 0);
    KK_QEMU_CHECK(kk_pt_map_range(&u, RAM, RAM, KK_QEMU_RAM_END - RAM, RWXG, true, NULL) == 0);
    KK_QEMU_CHECK(kk_pt_map(&u, UART, UART, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_map(&u, TDEV, TDEV, K4, RW) == 0);
    long before = tables_out;
    KK_QEMU_CHECK(kk_pt_share_kernel(&u, pt, high, half_len) == 1);
    KK_QEMU_CHECK(tables_out == before); /* sharing allocates nothing */
    uint64_t ksatp = satp_read();
    satp_write((mode << 60) | (kk_pt_root(&u) >> 12));
    volatile uint64_t *alias = (volatile uint64_t *)(uintptr_t)high;
    KK_QEMU_CHECK(alias[1] == 0xb0b);
    /* the kernel maps into an empty slot: the borrower faults until a re-sync */
    volatile uint64_t *late = (volatile uint64_t *)(uintptr_t)(high + 5 * slot);
    uint32_t gen = kk_pt_share_gen(pt);
    KK_QEMU_CHECK(kk_pt_map(pt, (uintptr_t)late, DATA_BASE + M2, K4, RW) == 0);
    KK_QEMU_CHECK(kk_pt_share_gen(pt) != gen);
    expect_load_fault(&late[1]);
    KK_QEMU_CHECK(kk_pt_share_kernel(&u, pt, high, half_len) == 1);
    __asm__ volatile("sfence.vma" ::: "memory");
    KK_QEMU_CHECK(late[1] == 0xb0b);
    KK_QEMU_CHECK(kk_pt_map(&u, (uintptr_t)late + K4, DATA_BASE, K4, RW) == KK_EPERM);
    satp_write(ksatp);
    kk_pt_destroy(&u);
    KK_QEMU_CHECK(kk_pt_unmap(pt, (uintptr_t)late, NULL, NULL) == 0);
    KK_QEMU_CHECK(kk_pt_check(pt) == 0);
}

static void run(enum kk_pt_format f, uint64_t mode, const char *name, uint64_t high)
{
    struct kk_pt pt;
    volatile uint64_t *phys = (volatile uint64_t *)(DATA_BASE + M2);
    long before = tables_out;
    phys[0] = 0xa11ce;
    phys[512 + 1] = 0x0123;
    build(&pt, f, high);
    uint64_t satp = (mode << 60) | (kk_pt_root(&pt) >> 12);
    satp_write(satp);
    if (satp_read() != satp) {
        satp_write(0);
        kk_qemu_printf("pagetable: %s not implemented by this hart, skipped\n", name);
        kk_pt_destroy(&pt);
        return;
    }
    checks(&pt, high);
    share_checks(&pt, f, mode, high);
    satp_write(0);
    unsigned long used = (unsigned long)tables_out;
    kk_pt_destroy(&pt);
    KK_QEMU_CHECK(tables_out == before);
    kk_qemu_printf("pagetable: %s ok (%lu table frames, %lu traps, %lu flushes)\n", name, used,
                   traps, flushes);
}

void kk_qemu_main(unsigned long hartid, const void *dtb)
{
    (void)hartid;
    (void)dtb;
    KK_QEMU_CHECK((uintptr_t)__image_end <= DATA_BASE);
    next_table = TABLE_BASE;
    kk_qemu_set_trap_hook(on_trap);
    run(KK_PT_SV39, 8, "sv39", 0xffffffc000000000ull);
    run(KK_PT_SV48, 9, "sv48", 0xffff800000000000ull);
    run(KK_PT_SV57, 10, "sv57", 0xff00000000000000ull);
    KK_QEMU_CHECK(traps >= 10);
    kk_qemu_pass();
}
