/*
 * vm_pt.c: address spaces on kernkit::pagetable (Sv39). The kernel table maps
 * the kernel image W^X (text RX, rodata R, data RW), the rest of RAM RW (the
 * direct map, huge pages where they fit) and the devices found in the device
 * tree. Each process table borrows the whole kernel half's root slots
 * through kk_pt_share_kernel() (empty slots cost nothing), so kernel
 * mappings are shared, never copied.
 * User pointers are checked with kk_pt_query() before every copy.
 */
#include <kernkit/pagetable.h>

#include "mem.h"
#include "proc.h"
#include "vm.h"

struct aspace {
    struct kk_pt pt;
    struct spinlock lock;
};

static struct aspace kernel_as;

static int pt_alloc(void *ctx, uint64_t *pa)
{
    (void)ctx;
    *pa = frame_alloc();
    return *pa ? 0 : KK_ENOMEM;
}
static void pt_free(void *ctx, uint64_t pa)
{
    (void)ctx;
    frame_free(pa);
}
static void pt_flush(void *ctx, uint32_t asid, const uint64_t *va, size_t n)
{
    (void)ctx, (void)asid;
    if (!va) {
        sfence_vma();
        return;
    }
    for (size_t i = 0; i < n; i++)
        __asm__ volatile("sfence.vma %0, zero" ::"r"(va[i]) : "memory");
}

static const struct kk_pt_platform pt_plat = {
    .version = KK_PT_PLATFORM_VERSION,
    .alloc_table = pt_alloc,
    .free_table = pt_free,
    .phys_offset = KVA_OFFSET,
    .flush_tlb = pt_flush,
};

static unsigned kflags(int f)
{
    unsigned k = KK_PT_A | KK_PT_R;
    if (f & VM_W)
        k |= KK_PT_W | KK_PT_D;
    if (f & VM_X)
        k |= KK_PT_X;
    if (f & VM_U)
        k |= KK_PT_U;
    else
        k |= KK_PT_G;
    return k;
}

static int as_init(struct aspace *as)
{
    struct kk_pt_config cfg = {.size = sizeof cfg, .format = KK_PT_SV39, .plat = &pt_plat};
    spin_init(&as->lock, "aspace");
    return kk_pt_init(&as->pt, &cfg);
}

static void kmap(uintptr_t pa, uintptr_t end, int flags)
{
    pa = PGROUNDDOWN(pa);
    end = PGROUNDUP(end);
    if (end <= pa)
        return;
    int rc =
        kk_pt_map_range(&kernel_as.pt, (uintptr_t)P2V(pa), pa, end - pa, kflags(flags), true, NULL);
    if (rc < 0)
        panic("kernel map %lx..%lx: %s", (unsigned long)pa, (unsigned long)end, kk_strerror(rc));
}

void vm_init(void)
{
    extern char __kernel_start[], __text_end[], __rodata_end[];
    struct fdt_info *bi = &boot_info;
    if (as_init(&kernel_as) < 0)
        panic("kernel page table");
    uintptr_t ram_end = bi->mem_base + bi->mem_size;
    kmap(V2P(__kernel_start), V2P(__text_end), VM_R | VM_X);
    kmap(V2P(__text_end), V2P(__rodata_end), VM_R);
    kmap(V2P(__rodata_end), ram_end, VM_R | VM_W);
    kmap(bi->uart_base, bi->uart_base + PGSIZE, VM_R | VM_W);
    kmap(bi->plic_base, bi->plic_base + 0x400000, VM_R | VM_W);
    kmap(bi->test_base, bi->test_base + PGSIZE, VM_R | VM_W);
    for (uint32_t i = 0; i < bi->nvirtio; i++)
        kmap(bi->virtio_base[i], bi->virtio_base[i] + PGSIZE, VM_R | VM_W);
    vm_init_hart();
}

void vm_init_hart(void)
{
    as_activate(NULL);
}

void as_activate(struct aspace *as)
{
    uint64_t root = kk_pt_root(as ? &as->pt : &kernel_as.pt);
    csr_write(satp, (8ul << 60) | (root >> 12));
    sfence_vma();
}

struct aspace *as_create(void)
{
    struct aspace *as = kzalloc(sizeof *as);
    if (!as)
        return NULL;
    if (as_init(as) < 0) {
        kfree(as);
        return NULL;
    }
    /* the whole kernel half: its empty root slots cost nothing */
    int rc = kk_pt_share_kernel(&as->pt, &kernel_as.pt, KVA_OFFSET, 0 - KVA_OFFSET);
    if (rc < 0) {
        kk_pt_destroy(&as->pt);
        kfree(as);
        return NULL;
    }
    return as;
}

/* Give back the frames behind a user mapping (walk / unmap callback). */
static int free_frames(void *arg, const struct kk_pt_mapping *m)
{
    (void)arg;
    for (uint64_t off = 0; off < m->size; off += PGSIZE)
        frame_free(m->pa + off);
    return 0;
}

void as_destroy(struct aspace *as)
{
    if (!as)
        return;
    /* give back every user frame, then the tables (the kernel half is only borrowed) */
    kk_pt_walk(&as->pt, 0, USER_TOP, free_frames, NULL);
    kk_pt_destroy(&as->pt);
    kfree(as);
}

int as_alloc(struct aspace *as, uintptr_t va, size_t len, int flags)
{
    uintptr_t end = PGROUNDUP(va + len);
    for (va = PGROUNDDOWN(va); va < end; va += PGSIZE) {
        if (va >= USER_TOP)
            return KK_EFAULT;
        uintptr_t pa = frame_alloc();
        if (!pa)
            return KK_ENOMEM;
        spin_lock(&as->lock);
        int rc = kk_pt_map(&as->pt, va, pa, PGSIZE, kflags(flags | VM_U));
        spin_unlock(&as->lock);
        if (rc < 0) {
            frame_free(pa);
            return rc;
        }
    }
    return 0;
}

void as_free(struct aspace *as, uintptr_t va, size_t len)
{
    uintptr_t start = PGROUNDDOWN(va), end = PGROUNDUP(va + len);
    if (end <= start)
        return;
    spin_lock(&as->lock);
    kk_pt_unmap_range(&as->pt, start, end - start, NULL, free_frames, NULL);
    spin_unlock(&as->lock);
}

uintptr_t as_lookup(struct aspace *as, uintptr_t va, int need)
{
    struct kk_pt_mapping m;
    if (va >= USER_TOP || kk_pt_query(&as->pt, va, &m) < 0 || !(m.flags & KK_PT_U))
        return 0;
    if (((need & VM_R) && !(m.flags & KK_PT_R)) || ((need & VM_W) && !(m.flags & KK_PT_W)) ||
        ((need & VM_X) && !(m.flags & KK_PT_X)))
        return 0;
    return PGROUNDDOWN(m.pa + (va - m.va));
}

struct copy_arg {
    struct aspace *dst;
    int rc;
};

static int copy_cb(void *arg, const struct kk_pt_mapping *m)
{
    struct copy_arg *a = arg;
    for (uint64_t off = 0; off < m->size; off += PGSIZE) {
        uintptr_t pa = frame_alloc();
        if (!pa)
            return a->rc = KK_ENOMEM;
        memcpy(P2V(pa), P2V(m->pa + off), PGSIZE);
        int rc = kk_pt_map(&a->dst->pt, m->va + off, pa, PGSIZE, m->flags);
        if (rc < 0) {
            frame_free(pa);
            return a->rc = rc;
        }
    }
    return 0;
}

int as_copy(struct aspace *dst, struct aspace *src)
{
    struct copy_arg a = {dst, 0};
    int rc = kk_pt_walk(&src->pt, 0, USER_TOP, copy_cb, &a);
    return rc < 0 ? rc : a.rc;
}

static int copy_user(struct aspace *as, uintptr_t uva, void *kbuf, size_t n, bool out)
{
    char *k = kbuf;
    while (n) {
        uintptr_t pa = as_lookup(as, uva, out ? VM_W : VM_R);
        if (!pa)
            return KK_EFAULT;
        size_t off = uva & (PGSIZE - 1), chunk = PGSIZE - off;
        if (chunk > n)
            chunk = n;
        if (out)
            memcpy((char *)P2V(pa) + off, k, chunk);
        else
            memcpy(k, (char *)P2V(pa) + off, chunk);
        k += chunk;
        uva += chunk;
        n -= chunk;
    }
    return 0;
}

int copyin(struct aspace *as, void *dst, uintptr_t src, size_t n)
{
    return copy_user(as, src, dst, n, false);
}

int copyout(struct aspace *as, uintptr_t dst, const void *src, size_t n)
{
    return copy_user(as, dst, (void *)src, n, true);
}

int copyinstr(struct aspace *as, char *dst, uintptr_t src, size_t max)
{
    for (size_t i = 0; i < max;) {
        uintptr_t pa = as_lookup(as, src + i, VM_R);
        if (!pa)
            return KK_EFAULT;
        const char *page = P2V(pa);
        for (size_t off = (src + i) & (PGSIZE - 1); off < PGSIZE && i < max; off++, i++) {
            dst[i] = page[off];
            if (!dst[i])
                return (int)i;
        }
    }
    return KK_ENAMETOOLONG;
}
