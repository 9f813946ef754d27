/*
 * fdt.c: a small flattened-device-tree reader. It walks the structure block
 * once and fills struct fdt_info with what the kernel needs: RAM, the UART,
 * the PLIC (and each hart's S-mode context from interrupts-extended), the
 * virtio-mmio slots, the test device, the harts and /chosen/bootargs.
 * Everything read from the blob is bounds-checked against its header.
 */
#include "kernel.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAXDEPTH       8

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t cells(const uint8_t *p, uint32_t n)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

/* Properties of the node being walked that we act on at its end. */
struct node {
    char name[32];
    const uint8_t *reg, *compat, *irqs, *iext, *devtype, *status;
    uint32_t reg_len, compat_len, irqs_len, iext_len;
    uint32_t phandle;
    uint32_t acells, scells; /* #address-cells / #size-cells for children */
    bool counted;            /* a cpu node already added to the hart list */
};

static bool has_compat(const struct node *n, const char *want)
{
    size_t wl = strlen(want);
    for (uint32_t i = 0; i < n->compat_len;) {
        const char *s = (const char *)n->compat + i;
        size_t l = strlen(s);
        if (l == wl && memcmp(s, want, l) == 0)
            return true;
        i += (uint32_t)l + 1;
    }
    return false;
}

static bool okay(const struct node *n)
{
    return !n->status || strcmp((const char *)n->status, "okay") == 0 ||
           strcmp((const char *)n->status, "ok") == 0;
}

struct walk {
    struct fdt_info *out;
    struct node st[MAXDEPTH];
    uint32_t intc_phandle[MAXCPU]; /* phandle of each hart's interrupt controller */
    uint32_t cpu_of_next_intc;
    const uint8_t *plic_iext;
    uint32_t plic_iext_len;
};

static void begin_cpu(struct walk *w, struct node *n, struct node *parent);

static void end_node(struct walk *w, int depth)
{
    struct node *n = &w->st[depth];
    struct node *parent = depth > 0 ? &w->st[depth - 1] : n;
    struct fdt_info *o = w->out;
    uint32_t ac = parent->acells, sc = parent->scells;
    uint64_t base = n->reg && n->reg_len >= 4 * ac ? cells(n->reg, ac) : 0;
    uint64_t size = n->reg && n->reg_len >= 4 * (ac + sc) ? cells(n->reg + 4 * ac, sc) : 0;
    uint32_t irq = n->irqs && n->irqs_len >= 4 ? be32(n->irqs) : 0;

    if (has_compat(n, "riscv,cpu-intc") && depth > 0) {
        /* the parent is a cpu node already counted: remember its phandle */
        if (w->cpu_of_next_intc > 0 && w->cpu_of_next_intc <= MAXCPU)
            w->intc_phandle[w->cpu_of_next_intc - 1] = n->phandle;
        return;
    }
    if (n->devtype && strcmp((const char *)n->devtype, "memory") == 0 && !o->mem_size) {
        o->mem_base = base;
        o->mem_size = size;
    } else if (n->devtype && strcmp((const char *)n->devtype, "cpu") == 0) {
        if (!n->counted)
            begin_cpu(w, n, parent);
    } else if (has_compat(n, "ns16550a") && !o->uart_base) {
        o->uart_base = base;
        o->uart_irq = irq;
    } else if (has_compat(n, "riscv,plic0") || has_compat(n, "sifive,plic-1.0.0")) {
        o->plic_base = base;
        w->plic_iext = n->iext;
        w->plic_iext_len = n->iext_len;
    } else if (has_compat(n, "virtio,mmio") && o->nvirtio < ARRAY_SIZE(o->virtio_base)) {
        o->virtio_base[o->nvirtio] = base;
        o->virtio_irq[o->nvirtio++] = irq;
    } else if (has_compat(n, "sifive,test0") && !o->test_base) {
        o->test_base = base;
    }
}

static void begin_cpu(struct walk *w, struct node *n, struct node *parent)
{
    struct fdt_info *o = w->out;
    w->cpu_of_next_intc = 0;
    if (!n->reg || n->reg_len < 4 * parent->acells || !okay(n) || o->ncpu >= MAXCPU)
        return;
    o->hartids[o->ncpu++] = cells(n->reg, parent->acells);
    w->cpu_of_next_intc = o->ncpu;
}

/* Map each hart to its S-mode external interrupt context (cause 9). */
static void plic_contexts(struct walk *w)
{
    struct fdt_info *o = w->out;
    for (uint32_t c = 0; c < MAXCPU; c++)
        o->plic_sctx[c] = UINT32_MAX;
    for (uint32_t i = 0; w->plic_iext && 8 * i + 8 <= w->plic_iext_len; i++) {
        uint32_t ph = be32(w->plic_iext + 8 * i), cause = be32(w->plic_iext + 8 * i + 4);
        for (uint32_t c = 0; c < o->ncpu; c++)
            if (w->intc_phandle[c] == ph && cause == IRQ_S_EXT)
                o->plic_sctx[c] = i;
    }
}

uint32_t fdt_totalsize(const void *dtb)
{
    return be32(dtb) == FDT_MAGIC ? be32((const uint8_t *)dtb + 4) : 0;
}

static int walk_props(struct walk *w, const uint8_t *blob, uint32_t total)
{
    uint32_t off = be32(blob + 8), strs = be32(blob + 12), strsz = be32(blob + 32);
    int depth = -1;
    if (off >= total || strs >= total || strsz > total - strs)
        return -1;
    while (off + 4 <= total) {
        uint32_t tok = be32(blob + off);
        off += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)blob + off;
            size_t l = strlen(name);
            if (++depth >= MAXDEPTH || off + l >= total)
                return -1;
            struct node *n = &w->st[depth];
            memset(n, 0, sizeof *n);
            strncpy0(n->name, name, sizeof n->name);
            n->acells = 2;
            n->scells = 1;
            off += (uint32_t)(l + 4) & ~3u;
        } else if (tok == FDT_END_NODE) {
            if (depth < 0)
                return -1;
            end_node(w, depth--);
        } else if (tok == FDT_PROP) {
            if (off + 8 > total || depth < 0)
                return -1;
            uint32_t len = be32(blob + off), nameoff = be32(blob + off + 4);
            const uint8_t *val = blob + off + 8;
            if (len > total - off - 8 || nameoff >= strsz)
                return -1;
            const char *pn = (const char *)blob + strs + nameoff;
            struct node *n = &w->st[depth];
            if (!strcmp(pn, "reg"))
                n->reg = val, n->reg_len = len;
            else if (!strcmp(pn, "compatible"))
                n->compat = val, n->compat_len = len;
            else if (!strcmp(pn, "interrupts"))
                n->irqs = val, n->irqs_len = len;
            else if (!strcmp(pn, "interrupts-extended"))
                n->iext = val, n->iext_len = len;
            else if (!strcmp(pn, "device_type"))
                n->devtype = val;
            else if (!strcmp(pn, "status"))
                n->status = val;
            else if (!strcmp(pn, "phandle") && len == 4)
                n->phandle = be32(val);
            else if (!strcmp(pn, "#address-cells") && len == 4)
                n->acells = be32(val);
            else if (!strcmp(pn, "#size-cells") && len == 4)
                n->scells = be32(val);
            else if (!strcmp(pn, "timebase-frequency") && len == 4)
                w->out->timebase = be32(val);
            else if (!strcmp(pn, "bootargs") && depth == 1 && !strcmp(n->name, "chosen"))
                strncpy0(w->out->bootargs, (const char *)val,
                         len < sizeof w->out->bootargs ? len + 1 : sizeof w->out->bootargs);
            off += 8 + ((len + 3) & ~3u);
        } else if (tok == FDT_NOP) {
            continue;
        } else if (tok == FDT_END) {
            return 0;
        } else {
            return -1;
        }
        /* A cpu node's properties come before its children: count it when its
         * first child begins or when it ends (whichever comes first). */
        if (tok == FDT_BEGIN_NODE && depth > 0) {
            struct node *p = &w->st[depth - 1];
            if (p->devtype && !strcmp((const char *)p->devtype, "cpu") && !p->counted) {
                p->counted = true;
                begin_cpu(w, p, depth > 1 ? &w->st[depth - 2] : p);
            }
        }
    }
    return -1;
}

struct fdt_info boot_info;

int fdt_parse(const void *dtb, struct fdt_info *out)
{
    static struct walk w; /* boot only: kept off the small boot stack */
    const uint8_t *blob = dtb;
    uint32_t total = fdt_totalsize(dtb);
    memset(out, 0, sizeof *out);
    memset(&w, 0, sizeof w);
    w.out = out;
    if (total < 40)
        return -1;
    if (walk_props(&w, blob, total) < 0)
        return -1;
    plic_contexts(&w);
    return out->mem_size && out->uart_base && out->ncpu ? 0 : -1;
}
