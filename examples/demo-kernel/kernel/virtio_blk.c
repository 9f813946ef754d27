/*
 * virtio_blk.c: virtio-blk over virtio-mmio, legacy (version 1) and modern
 * (version 2) register layouts, one virtqueue of 8 descriptors.
 *
 * One request is in flight at a time (req_lock serialises callers); each is a
 * chain header -> data -> status. A caller sleeps on the request until the
 * completion interrupt; before any process runs (boot) it polls the used ring.
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
#define QN          8
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
    struct blk_hdr hdr;
    volatile uint8_t status;
    struct spinlock lock;    /* registers and rings */
    struct ksem slots;       /* requests the queue may hold: one at a time */
    struct kcompletion done; /* completed by the interrupt (or by polling at boot) */
} vb;

uint64_t vblk_bytes_read, vblk_bytes_written, vblk_requests;

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
    ksem_init(&vb.slots, 1);
    kcompletion_init(&vb.done);
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

/* Take completions off the used ring. */
static void reap(void)
{
    bool done = false;
    spin_lock(&vb.lock);
    wr(R_ACK, rd(R_ISR) & 3);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    while (vb.last_used != vb.used->idx) {
        vb.last_used++;
        done = true;
    }
    spin_unlock(&vb.lock);
    if (done)
        kcompletion_complete(&vb.done);
}

void virtio_intr(uint32_t irq)
{
    if (vb.regs && irq == vb.irq)
        reap();
}

static int submit(uint32_t type, uint64_t blkno, void *buf, uint32_t len)
{
    bool sleeping = myproc() != NULL; /* at boot (no process yet) we poll */
    ksem_down(&vb.slots);
    kcompletion_reinit(&vb.done);
    spin_lock(&vb.lock);
    vb.hdr = (struct blk_hdr){type, 0, blkno * (VBLK_BLOCK / 512)};
    vb.status = 0xff;
    vb.desc[0] = (struct vdesc){V2P(&vb.hdr), sizeof vb.hdr, D_NEXT, 1};
    int st = 1;
    if (len) {
        uint16_t f = (uint16_t)(D_NEXT | (type == BLK_T_IN ? D_WRITE : 0));
        vb.desc[1] = (struct vdesc){V2P(buf), len, f, 2};
        st = 2;
    } else {
        vb.desc[0].next = 2;
    }
    vb.desc[st] = (struct vdesc){V2P(&vb.status), 1, D_WRITE, 0};
    vb.avail->ring[vb.avail->idx % QN] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vb.avail->idx++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wr(R_NOTIFY, 0);
    spin_unlock(&vb.lock);
    if (sleeping) {
        kcompletion_wait(&vb.done); /* until the completion interrupt */
    } else {
        while (!kcompletion_done(&vb.done))
            reap();
    }
    int rc = vb.status == 0 ? 0 : KK_EIO;
    vblk_requests++;
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
    if (rc == 0) {
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
