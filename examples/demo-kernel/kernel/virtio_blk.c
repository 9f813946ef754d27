/*
 * virtio_blk.c: virtio-blk over virtio-mmio, legacy (version 1) and modern
 * (version 2) register layouts, one virtqueue of QN descriptors.
 *
 * Up to NREQ requests are in flight at once, each in its own slot: a chain
 * of descriptors 3i (header) -> 3i+1 (data) -> 3i+2 (status) and its own
 * completion. A semaphore counts free slots; the interrupt handler takes
 * every finished chain off the used ring and completes its slot's waiter.
 * Before any process runs (boot) a caller polls the used ring instead.
 */
#include "mem.h"
#include "proc.h"
#include "virtio.h"

#define VIRTIO_MAGIC 0x74726976
#define R_MAGIC      0x000
#define R_VERSION    0x004
#define R_DEVICE     0x008
#define R_DEVFEAT    0x010
#define R_DEVFEATSEL 0x014
#define R_DRVFEAT    0x020
#define R_DRVFEATSEL 0x024
#define R_PAGESIZE   0x028
#define R_QSEL       0x030
#define R_QMAX       0x034
#define R_QNUM       0x038
#define R_QALIGN     0x03c
#define R_QPFN       0x040
#define R_QREADY     0x044
#define R_NOTIFY     0x050
#define R_ISR        0x060
#define R_ACK        0x064
#define R_STATUS     0x070
#define R_QDESC      0x080
#define R_QAVAIL     0x090
#define R_QUSED      0x0a0
#define R_CONFIG     0x100

#define S_ACK       1
#define S_DRIVER    2
#define S_DRIVER_OK 4
#define S_FEAT_OK   8

#define F_FLUSH     (1u << 9)
#define QN          32
#define NREQ        (QN / 3)
#define D_NEXT      1
#define D_WRITE     2
#define BLK_T_IN    0
#define BLK_T_OUT   1
#define BLK_T_FLUSH 4

struct vdesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct vavail {
    uint16_t flags, idx, ring[QN], used_event;
};
struct vused {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QN];
};
struct blk_hdr {
    uint32_t type, reserved;
    uint64_t sector;
};

static struct {
    volatile uint32_t *regs;
    uint32_t irq, version;
    bool can_flush;
    uint64_t nblocks;
    struct vdesc *desc;
    struct vavail *avail;
    volatile struct vused *used;
    uint16_t last_used;
    uint32_t busy;        /* bit i: slot i holds a request */
    int next;             /* slot to try first */
    struct spinlock lock; /* registers, rings, busy */
    struct ksem slots;    /* free slots */
    struct req {
        struct blk_hdr hdr;
        volatile uint8_t status;
        struct kcompletion done; /* completed by the interrupt (or by polling at boot) */
    } req[NREQ];
} vb;
_Static_assert(NREQ <= 32 && sizeof(struct vavail) + QN * sizeof(struct vdesc) <= PGSIZE,
               "slots fit the busy mask, rings fit their pages");

uint64_t vblk_bytes_read, vblk_bytes_written, vblk_requests;
uint32_t vblk_max_inflight;

static uint32_t rd(uint32_t off)
{
    return vb.regs[off / 4];
}
static void wr(uint32_t off, uint32_t v)
{
    vb.regs[off / 4] = v;
}

static int setup_queue(void)
{
    wr(R_QSEL, 0);
    if (rd(R_QMAX) < QN)
        return KK_ENODEV;
    uintptr_t pa = frames_alloc(1); /* 8 KiB: rings, used ring on the 2nd page */
    if (!pa)
        return KK_ENOMEM;
    vb.desc = P2V(pa);
    vb.avail = (struct vavail *)(vb.desc + QN);
    vb.used = P2V(pa + PGSIZE);
    wr(R_QNUM, QN);
    if (vb.version == 1) {
        wr(R_QALIGN, PGSIZE);
        wr(R_QPFN, (uint32_t)(pa >> 12));
    } else {
        uintptr_t apa = V2P(vb.avail), upa = pa + PGSIZE;
        wr(R_QDESC, (uint32_t)pa);
        wr(R_QDESC + 4, (uint32_t)(pa >> 32));
        wr(R_QAVAIL, (uint32_t)apa);
        wr(R_QAVAIL + 4, (uint32_t)(apa >> 32));
        wr(R_QUSED, (uint32_t)upa);
        wr(R_QUSED + 4, (uint32_t)(upa >> 32));
        wr(R_QREADY, 1);
    }
    return 0;
}

static int probe(volatile uint32_t *regs, uint32_t irq)
{
    vb.regs = regs;
    vb.irq = irq;
    vb.version = rd(R_VERSION);
    wr(R_STATUS, 0);
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    wr(R_DEVFEATSEL, 0);
    vb.can_flush = (rd(R_DEVFEAT) & F_FLUSH) != 0;
    wr(R_DRVFEATSEL, 0);
    wr(R_DRVFEAT, vb.can_flush ? F_FLUSH : 0); /* nothing else needed */
    if (vb.version == 1) {
        wr(R_PAGESIZE, PGSIZE);
    } else {
        wr(R_DEVFEATSEL, 1);
        if (!(rd(R_DEVFEAT) & 1))
            return KK_ENODEV;
        wr(R_DRVFEATSEL, 1);
        wr(R_DRVFEAT, 1); /* VIRTIO_F_VERSION_1 */
        wr(R_STATUS, S_ACK | S_DRIVER | S_FEAT_OK);
        if (!(rd(R_STATUS) & S_FEAT_OK))
            return KK_ENODEV;
    }
    int rc = setup_queue();
    if (rc < 0)
        return rc;
    vb.nblocks = (rd(R_CONFIG) | (uint64_t)rd(R_CONFIG + 4) << 32) / (VBLK_BLOCK / 512);
    wr(R_STATUS, rd(R_STATUS) | S_DRIVER_OK);
    return 0;
}

int virtio_blk_init(void)
{
    spin_init(&vb.lock, "virtio-blk");
    ksem_init(&vb.slots, NREQ);
    for (int i = 0; i < NREQ; i++)
        kcompletion_init(&vb.req[i].done);
    for (uint32_t i = 0; i < boot_info.nvirtio; i++) {
        volatile uint32_t *regs = P2V(boot_info.virtio_base[i]);
        uint32_t ver = regs[R_VERSION / 4];
        if (regs[R_MAGIC / 4] != VIRTIO_MAGIC || (ver != 1 && ver != 2) || regs[R_DEVICE / 4] != 2)
            continue;
        int rc = probe(regs, boot_info.virtio_irq[i]);
        if (rc == 0)
            kprintf("virtio-blk: %lx irq %u, %s transport, %lu blocks of 4 KiB\n",
                    (unsigned long)boot_info.virtio_base[i], vb.irq,
                    vb.version == 1 ? "legacy" : "modern", (unsigned long)vb.nblocks);
        return rc;
    }
    vb.regs = NULL;
    return KK_ENODEV;
}

uint64_t vblk_nblocks(void)
{
    return vb.nblocks;
}

/* Take completions off the used ring and wake each request's waiter. */
static void reap(void)
{
    uint32_t done = 0;
    spin_lock(&vb.lock);
    wr(R_ACK, rd(R_ISR) & 3);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    while (vb.last_used != vb.used->idx) {
        uint32_t id = vb.used->ring[vb.last_used % QN].id;
        if (id % 3 == 0 && id / 3 < NREQ)
            done |= 1u << (id / 3);
        vb.last_used++;
    }
    spin_unlock(&vb.lock);
    for (int i = 0; i < NREQ; i++)
        if (done & (1u << i))
            kcompletion_complete(&vb.req[i].done);
}

void virtio_intr(uint32_t irq)
{
    if (vb.regs && irq == vb.irq)
        reap();
}

/* Fill slot i's chain and make it available to the device (vb.lock held). */
static void post(int i, uint32_t type, uint64_t blkno, void *buf, uint32_t len)
{
    struct req *r = &vb.req[i];
    struct vdesc *d = &vb.desc[3 * i];
    uint16_t head = (uint16_t)(3 * i);
    r->hdr = (struct blk_hdr){type, 0, blkno * (VBLK_BLOCK / 512)};
    r->status = 0xff;
    d[0] = (struct vdesc){V2P(&r->hdr), sizeof r->hdr, D_NEXT, (uint16_t)(head + 1)};
    if (len) {
        uint16_t f = (uint16_t)(D_NEXT | (type == BLK_T_IN ? D_WRITE : 0));
        d[1] = (struct vdesc){V2P(buf), len, f, (uint16_t)(head + 2)};
    } else {
        d[0].next = (uint16_t)(head + 2);
    }
    d[2] = (struct vdesc){V2P(&r->status), 1, D_WRITE, 0};
    vb.avail->ring[vb.avail->idx % QN] = head;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vb.avail->idx++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wr(R_NOTIFY, 0);
}

static int submit(uint32_t type, uint64_t blkno, void *buf, uint32_t len)
{
    bool sleeping = myproc() != NULL; /* at boot (no process yet) we poll */
    ksem_down(&vb.slots);
    spin_lock(&vb.lock);
    /* the semaphore guarantees a free slot; take them round robin, so that
     * every slot's descriptors and completion routing are in use even while
     * the file system issues one request at a time */
    int i = vb.next;
    while (vb.busy & (1u << i))
        i = (i + 1) % NREQ;
    vb.next = (i + 1) % NREQ;
    vb.busy |= 1u << i;
    uint32_t inflight = (uint32_t)__builtin_popcount(vb.busy);
    if (inflight > vblk_max_inflight)
        vblk_max_inflight = inflight;
    kcompletion_reinit(&vb.req[i].done);
    post(i, type, blkno, buf, len);
    spin_unlock(&vb.lock);
    if (sleeping) {
        kcompletion_wait(&vb.req[i].done); /* until the completion interrupt */
    } else {
        while (!kcompletion_done(&vb.req[i].done))
            reap();
    }
    int rc = vb.req[i].status == 0 ? 0 : KK_EIO;
    spin_lock(&vb.lock);
    vb.busy &= ~(1u << i);
    vblk_requests++;
    spin_unlock(&vb.lock);
    ksem_up(&vb.slots);
    return rc;
}

int vblk_rw(uint64_t blkno, uint32_t count, void *buf, bool write)
{
    if (!vb.regs)
        return KK_ENODEV;
    if (blkno >= vb.nblocks || count > vb.nblocks - blkno)
        return KK_EINVAL;
    int rc = submit(write ? BLK_T_OUT : BLK_T_IN, blkno, buf, count * VBLK_BLOCK);
    if (rc == 0) { /* informational counters: races only blur the figures */
        if (write)
            vblk_bytes_written += (uint64_t)count * VBLK_BLOCK;
        else
            vblk_bytes_read += (uint64_t)count * VBLK_BLOCK;
    }
    return rc;
}

int vblk_flush(void)
{
    if (!vb.regs)
        return KK_ENODEV;
    return vb.can_flush ? submit(BLK_T_FLUSH, 0, NULL, 0) : 0;
}
