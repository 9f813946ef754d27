/*
 * exec.c: the ELF loader. Reads a static riscv64 ELF executable from the
 * file system, checks every header field against the file size and the user
 * address range, builds a new address space with the PT_LOAD segments, a
 * stack holding argv, and replaces the process image only when all of that
 * succeeded (a failed exec leaves the caller running).
 */
#include "file.h"
#include "fs.h"
#include "mem.h"
#include "proc.h"
#include "vm.h"

#define EM_RISCV 243
#define PT_LOAD  1
#define PF_X     1
#define PF_W     2
#define PF_R     4

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static int read_at(void *h, uint64_t off, void *buf, size_t n)
{
    int64_t r = fs_lseek(h, (int64_t)off, SEEK_SET);
    if (r < 0)
        return (int)r;
    size_t got = 0;
    while (got < n) {
        int rc = fs_read(h, (char *)buf + got, n - got);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return KK_ENOEXEC; /* file shorter than its headers say */
        got += (size_t)rc;
    }
    return 0;
}

/* Load one PT_LOAD segment: map its pages, read the file part into them. */
static int load_segment(struct aspace *as, void *h, const struct elf64_phdr *ph, uint64_t fsize)
{
    uint64_t end = ph->vaddr + ph->memsz;
    if (ph->filesz > ph->memsz || end < ph->vaddr || end > USTACK_TOP - USTACK_PAGES * PGSIZE ||
        ph->vaddr < PGSIZE || ph->offset + ph->filesz < ph->offset ||
        ph->offset + ph->filesz > fsize)
        return KK_ENOEXEC;
    int flags = VM_U | ((ph->flags & PF_R) ? VM_R : 0) | ((ph->flags & PF_W) ? VM_W : 0) |
                ((ph->flags & PF_X) ? VM_X : 0);
    uintptr_t va = PGROUNDDOWN(ph->vaddr);
    for (; va < end; va += PGSIZE) {
        if (!as_lookup(as, va, 0)) {
            int rc = as_alloc(as, va, PGSIZE, flags);
            if (rc < 0)
                return rc;
        }
    }
    for (uint64_t done = 0; done < ph->filesz;) {
        uint64_t va2 = ph->vaddr + done, off = va2 & (PGSIZE - 1);
        uint64_t chunk = PGSIZE - off < ph->filesz - done ? PGSIZE - off : ph->filesz - done;
        uintptr_t pa = as_lookup(as, va2, 0);
        int rc = read_at(h, ph->offset + done, (char *)P2V(pa) + off, chunk);
        if (rc < 0)
            return rc;
        done += chunk;
    }
    return 0;
}

/*
 * Push the argv strings and the pointer array onto the new stack: the
 * strings packed below USTACK_TOP, the array below them, each pointer
 * copied out on its own (no array on the kernel stack).
 */
static int push_args(struct aspace *as, char *const argv[], uint64_t *sp_out, int *argc_out)
{
    uint64_t str = USTACK_TOP;
    int argc = 0;
    for (; argv && argv[argc]; argc++)
        str -= strlen(argv[argc]) + 1;
    uint64_t sp = (str - 8 * (uint64_t)(argc + 1)) & ~15ul, zero = 0;
    if (USTACK_TOP - sp > ARGMAX + 16)
        return KK_E2BIG;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]) + 1;
        if (copyout(as, str, argv[i], len) < 0 || copyout(as, sp + 8 * (uint64_t)i, &str, 8) < 0)
            return KK_E2BIG;
        str += len;
    }
    if (copyout(as, sp + 8 * (uint64_t)argc, &zero, 8) < 0)
        return KK_E2BIG;
    *sp_out = sp;
    *argc_out = argc;
    return 0;
}

static int load_image(struct aspace *as, void *h, uint64_t *entry, uint64_t *top)
{
    struct elf64_ehdr eh;
    struct stat st;
    int rc = fs_fstat(h, &st);
    if (rc < 0)
        return rc;
    if (st.type != T_FILE)
        return KK_EACCES;
    if ((rc = read_at(h, 0, &eh, sizeof eh)) < 0)
        return rc;
    if (memcmp(eh.ident, "\177ELF", 4) || eh.ident[4] != 2 || eh.ident[5] != 1 || eh.type != 2 ||
        eh.machine != EM_RISCV || eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum > 16 ||
        eh.entry >= USER_TOP)
        return KK_ENOEXEC;
    *top = 0;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        if ((rc = read_at(h, eh.phoff + i * sizeof ph, &ph, sizeof ph)) < 0)
            return rc;
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if ((rc = load_segment(as, h, &ph, st.size)) < 0)
            return rc;
        if (ph.vaddr + ph.memsz > *top)
            *top = ph.vaddr + ph.memsz;
    }
    *entry = eh.entry;
    return *top ? 0 : KK_ENOEXEC;
}

int exec_load(struct proc *p, const char *path, char *const argv[])
{
    void *h;
    uint64_t entry = 0, top = 0, sp = 0;
    int argc = 0;
    int rc = fs_open(p, path, O_RDONLY, &h);
    if (rc < 0)
        return rc;
    struct aspace *as = as_create();
    if (!as) {
        fs_close(h);
        return KK_ENOMEM;
    }
    rc = load_image(as, h, &entry, &top);
    fs_close(h);
    if (rc == 0)
        rc = as_alloc(as, USTACK_TOP - USTACK_PAGES * PGSIZE, USTACK_PAGES * PGSIZE, VM_R | VM_W);
    if (rc == 0)
        rc = push_args(as, argv, &sp, &argc);
    if (rc < 0) {
        as_destroy(as);
        return rc;
    }
    struct aspace *old = p->as;
    p->as = as;
    if (p == myproc())
        as_activate(as);
    as_destroy(old);
    memset(&p->uctx, 0, sizeof p->uctx);
    p->uctx.sepc = entry;
    p->uctx.x[UCTX_SP] = sp;
    p->uctx.x[UCTX_A0] = (uint64_t)argc; /* main(argc, argv) */
    p->uctx.x[UCTX_A0 + 1] = sp;
    p->heap_start = p->brk = PGROUNDUP(top);
    const char *base = path;
    for (const char *s = path; *s; s++)
        if (*s == '/')
            base = s + 1;
    strncpy0(p->name, base, sizeof p->name);
    return argc; /* lands in a0 */
}
