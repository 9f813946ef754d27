/*
 * vm_simple.c: TEMPORARY Sv39 page tables until kernkit::pagetable lands.
 * The kernel half (root entries 256..511) is built once at boot and copied
 * into every process root, so all address spaces share it.
 */
#include "mem.h"
#include "proc.h"
#include "vm.h"

#define PTE_V      1ul
#define PTE_R      2ul
#define PTE_W      4ul
#define PTE_X      8ul
#define PTE_U      16ul
#define PTE_G      32ul
#define PTE_A      64ul
#define PTE_D      128ul
#define PTE_PA(p)  (((p) >> 10) << 12)
#define PA_PTE(pa) (((pa) >> 12) << 10)
#define VPN(va, l) (((va) >> (12 + 9 * (l))) & 511)

struct aspace {
    uintptr_t root;
};
static struct aspace kernel_as;

static uint64_t pte_flags(int f)
{
    uint64_t p = PTE_V | PTE_A | PTE_D;
    if (f & VM_R)
        p |= PTE_R;
    if (f & VM_W)
        p |= PTE_W | PTE_R;
    if (f & VM_X)
        p |= PTE_X;
    if (f & VM_U)
        p |= PTE_U;
    else
        p |= PTE_G;
    return p;
}

/* The PTE of va at level lvl (0 = 4 KiB), creating tables on the way. */
static uint64_t *walk(uintptr_t root, uintptr_t va, int lvl, bool create)
{
    uint64_t *t = P2V(root);
    for (int l = 2; l > lvl; l--) {
        uint64_t *e = &t[VPN(va, l)];
        if (!(*e & PTE_V)) {
            if (!create)
                return NULL;
            uintptr_t pa = frame_alloc();
            if (!pa)
                return NULL;
            *e = PA_PTE(pa) | PTE_V;
        } else if (*e & (PTE_R | PTE_X)) {
            return NULL; /* a huge page is in the way */
        }
        t = P2V(PTE_PA(*e));
    }
    return &t[VPN(va, lvl)];
}

static void kmap(uintptr_t va, uintptr_t pa, size_t len, int flags)
{
    uintptr_t end = va + len;
    while (va < end) {
        int lvl = ((va | pa) & ((2ul << 20) - 1)) == 0 && end - va >= (2ul << 20) ? 1 : 0;
        uint64_t *e = walk(kernel_as.root, va, lvl, true);
        KASSERT(e);
        *e = PA_PTE(pa) | pte_flags(flags);
        va += PGSIZE << (9 * lvl);
        pa += PGSIZE << (9 * lvl);
    }
}

static void kmap_dev(uint64_t pa, size_t len)
{
    uintptr_t a = PGROUNDDOWN(pa);
    kmap((uintptr_t)P2V(a), a, PGROUNDUP(pa + len) - a, VM_R | VM_W);
}

void vm_init(void)
{
    struct fdt_info *bi = &boot_info;
    kernel_as.root = frame_alloc();
    KASSERT(kernel_as.root);
    kmap((uintptr_t)P2V(bi->mem_base), bi->mem_base, bi->mem_size, VM_R | VM_W | VM_X);
    kmap_dev(bi->uart_base, PGSIZE);
    kmap_dev(bi->plic_base, 0x400000);
    kmap_dev(bi->test_base, PGSIZE);
    for (uint32_t i = 0; i < bi->nvirtio; i++)
        kmap_dev(bi->virtio_base[i], PGSIZE);
    vm_init_hart();
}

void vm_init_hart(void)
{
    as_activate(NULL);
}

void as_activate(struct aspace *as)
{
    uintptr_t root = as ? as->root : kernel_as.root;
    csr_write(satp, (8ul << 60) | (root >> 12));
    sfence_vma();
}

struct aspace *as_create(void)
{
    struct aspace *as = kzalloc(sizeof *as);
    if (!as)
        return NULL;
    as->root = frame_alloc();
    if (!as->root) {
        kfree(as);
        return NULL;
    }
    uint64_t *k = P2V(kernel_as.root), *u = P2V(as->root);
    for (int i = 256; i < 512; i++)
        u[i] = k[i];
    return as;
}

static void free_level(uintptr_t table, int lvl, int upto)
{
    uint64_t *t = P2V(table);
    for (int i = 0; i < upto; i++) {
        if (!(t[i] & PTE_V))
            continue;
        if (lvl > 0 && !(t[i] & (PTE_R | PTE_X)))
            free_level(PTE_PA(t[i]), lvl - 1, 512);
        else if (lvl == 0)
            frame_free(PTE_PA(t[i]));
    }
    frame_free(table);
}

void as_destroy(struct aspace *as)
{
    if (!as)
        return;
    free_level(as->root, 2, 256);
    kfree(as);
}

int as_alloc(struct aspace *as, uintptr_t va, size_t len, int flags)
{
    uintptr_t end = PGROUNDUP(va + len);
    for (va = PGROUNDDOWN(va); va < end; va += PGSIZE) {
        if (va >= USER_TOP)
            return KK_EFAULT;
        uint64_t *e = walk(as->root, va, 0, true);
        if (!e)
            return KK_ENOMEM;
        if (*e & PTE_V)
            return KK_EEXIST;
        uintptr_t pa = frame_alloc();
        if (!pa)
            return KK_ENOMEM;
        *e = PA_PTE(pa) | pte_flags(flags | VM_U);
    }
    return 0;
}

void as_free(struct aspace *as, uintptr_t va, size_t len)
{
    uintptr_t end = PGROUNDUP(va + len);
    for (va = PGROUNDDOWN(va); va < end; va += PGSIZE) {
        uint64_t *e = walk(as->root, va, 0, false);
        if (e && (*e & PTE_V)) {
            frame_free(PTE_PA(*e));
            *e = 0;
        }
    }
    sfence_vma();
}

uintptr_t as_lookup(struct aspace *as, uintptr_t va, int need)
{
    if (va >= USER_TOP)
        return 0;
    uint64_t *e = walk(as->root, va, 0, false);
    if (!e || !(*e & PTE_V) || !(*e & PTE_U))
        return 0;
    if (((need & VM_R) && !(*e & PTE_R)) || ((need & VM_W) && !(*e & PTE_W)) ||
        ((need & VM_X) && !(*e & PTE_X)))
        return 0;
    return PTE_PA(*e);
}

static int copy_level(uintptr_t dst, uintptr_t src, int lvl, int upto)
{
    uint64_t *d = P2V(dst), *s = P2V(src);
    for (int i = 0; i < upto; i++) {
        if (!(s[i] & PTE_V))
            continue;
        uintptr_t pa = frame_alloc();
        if (!pa)
            return KK_ENOMEM;
        d[i] = PA_PTE(pa) | (s[i] & 0x3ff);
        if (lvl == 0) {
            memcpy(P2V(pa), P2V(PTE_PA(s[i])), PGSIZE);
        } else {
            int rc = copy_level(pa, PTE_PA(s[i]), lvl - 1, 512);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int as_copy(struct aspace *dst, struct aspace *src)
{
    return copy_level(dst->root, src->root, 2, 256);
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
    for (size_t i = 0; i < max; i++) {
        uintptr_t pa = as_lookup(as, src + i, VM_R);
        if (!pa)
            return KK_EFAULT;
        dst[i] = *((char *)P2V(pa) + ((src + i) & (PGSIZE - 1)));
        if (!dst[i])
            return (int)i;
    }
    return KK_ENAMETOOLONG;
}
