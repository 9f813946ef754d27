/*
 * virtio_blk.c: virtio-blk over virtio-mmio, legacy (version 1) and modern
 * (version 2) register layouts, one virtqueue of QN descriptors.
 *
 * Up to NREQ requests are in flight at once, each in its own slot: a chain
 * of descriptors 3i (header) -> 3i+1 (data) -> 3i+2 (status). A semaphore
 * counts free slots (FIFO: a freed slot goes to the oldest sleeper).
 *
 * Every transfer is a batch (vblk_submit; vblk_rw and vblk_flush are
 * batches of one). A request longer than SLOT_BLOCKS is split into pieces of
 * at most SLOT_BLOCKS, one slot each. A batch takes as many slots as it has
 * pieces left and can get without sleeping (it sleeps for the first one only
 * when it has nothing in flight), fills their chains, publishes them and
 * notifies the device once; then it waits on its own completion, which the
 * interrupt handler (reap) signals once per finished slot of the batch,
 * harvests its finished slots (status, free the slot) and posts more, until
 * every piece has completed. Before any process runs (boot) the batch polls
 * the used ring instead of sleeping.
 *
 * Contract: requests are not checked against the disk size here (the file
 * system checks; vblk_rw checks): a request past the end goes to the device,
 * which fails it (KK_EIO for that request only). A request the driver cannot
 * express (no buffer, zero count, bad op, block number past 2^48) gets
 * KK_EINVAL without reaching the device. Buffers are kernel direct-map (or
 * kernel image) addresses: physically contiguous.
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
#define SLOT_BLOCKS 64u          /* most blocks one slot carries (256 KiB) */
#define OP_FLUSH    2u           /* internal op of a kk_blockdev_req: a cache flush */
#define MAX_BLKNO   (1ull << 48) /* requests must end below: sectors fit easily */
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

/* One caller's batch: the requests and how far posting them has got. */
struct batch {
    struct kk_blockdev_req *reqs;
    uint32_t n;
    uint32_t next;           /* request whose pieces are posted next */
    uint32_t off;            /* blocks of reqs[next] already posted */
    uint32_t pending;        /* bit i: slot i holds a piece of this batch */
    uint32_t depth;          /* most slots of this batch in flight at once */
    struct kcompletion done; /* one event per finished slot */
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
    uint16_t avail_next;  /* driver's count of avail entries written */
    uint32_t busy;        /* bit i: slot i holds a request */
    int next;             /* slot to try first */
    struct spinlock lock; /* registers, rings, busy, the slots' fields */
    struct ksem slots;    /* free slots */
    struct req {
        struct blk_hdr hdr;
        volatile uint8_t status;
        bool finished;       /* the device is done with it (set by reap) */
        struct batch *owner; /* completed once per finished slot */
        uint32_t index;      /* the owner's request this piece belongs to */
        uint32_t blocks;     /* blocks of data (0: flush) */
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

/* Take completions off the used ring: mark each slot finished and signal its
 * batch (under the lock, so that the batch cannot return before the signal
 * has been delivered). */
static void reap(void)
{
    spin_lock(&vb.lock);
    wr(R_ACK, rd(R_ISR) & 3);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint16_t idx = vb.used->idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* ring entries and statuses after idx */
    while (vb.last_used != idx) {
        uint32_t id = vb.used->ring[vb.last_used % QN].id;
        if (id % 3 == 0 && id / 3 < NREQ && (vb.busy & (1u << (id / 3))) &&
            !vb.req[id / 3].finished) {
            vb.req[id / 3].finished = true;
            kcompletion_complete(&vb.req[id / 3].owner->done);
        }
        vb.last_used++;
    }
    spin_unlock(&vb.lock);
}

void virtio_intr(uint32_t irq)
{
    if (vb.regs && irq == vb.irq)
        reap();
}

/* Fill slot i's chain and put it in the avail ring, not yet published
 * (vb.lock held). */
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
    vb.avail->ring[vb.avail_next % QN] = head;
    vb.avail_next++;
}

/* Make every chain written so far visible to the device, one notify for all
 * (vb.lock held). */
static void publish(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vb.avail->idx = vb.avail_next;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wr(R_NOTIFY, 0);
}

/* Pieces the batch still has to post, counted up to max. */
static uint32_t pieces_left(const struct batch *b, uint32_t max)
{
    uint32_t k = 0, off = b->off;
    for (uint32_t i = b->next; i < b->n && k < max; i++, off = 0)
        if (b->reqs[i].status != KK_EINVAL)
            k += b->reqs[i].op == OP_FLUSH
                     ? 1
                     : (b->reqs[i].count - off + SLOT_BLOCKS - 1) / SLOT_BLOCKS;
    return k < max ? k : max;
}

/* Skip requests that were refused (KK_EINVAL) and requests fully posted. */
static void skip_done(struct batch *b)
{
    while (b->next < b->n &&
           (b->reqs[b->next].status == KK_EINVAL ||
            (b->reqs[b->next].op != OP_FLUSH && b->off >= b->reqs[b->next].count))) {
        b->next++;
        b->off = 0;
    }
}

/* Post the batch's next piece in a free slot (vb.lock held, a slot taken). */
static void post_piece(struct batch *b)
{
    struct kk_blockdev_req *q = &b->reqs[b->next];
    int i = vb.next; /* round robin: every slot's descriptors get used */
    while (vb.busy & (1u << i))
        i = (i + 1) % NREQ;
    vb.next = (i + 1) % NREQ;
    vb.busy |= 1u << i;
    b->pending |= 1u << i;
    struct req *r = &vb.req[i];
    r->finished = false;
    r->owner = b;
    r->index = b->next;
    if (q->op == OP_FLUSH) {
        r->blocks = 0;
        post(i, BLK_T_FLUSH, 0, NULL, 0);
        b->next++;
        b->off = 0;
    } else {
        uint32_t k = q->count - b->off < SLOT_BLOCKS ? q->count - b->off : SLOT_BLOCKS;
        r->blocks = k;
        post(i, q->op == KK_BLOCKDEV_WRITE ? BLK_T_OUT : BLK_T_IN, q->blkno + b->off,
             (char *)q->buf + (size_t)b->off * VBLK_BLOCK, k * VBLK_BLOCK);
        b->off += k;
    }
    skip_done(b);
}

/* Take as many slots as the batch has pieces left and can get without
 * sleeping (sleeping for the first when nothing of it is in flight), post a
 * piece in each and notify the device once. */
static void post_more(struct batch *b)
{
    uint32_t want = pieces_left(b, NREQ), got = 0;
    if (want && !b->pending) {
        ksem_down(&vb.slots);
        got = 1;
    }
    while (got < want && ksem_trydown(&vb.slots))
        got++;
    if (!got)
        return;
    spin_lock(&vb.lock);
    for (uint32_t k = 0; k < got; k++)
        post_piece(b);
    publish();
    uint32_t inflight = (uint32_t)__builtin_popcount(vb.busy);
    if (inflight > vblk_max_inflight)
        vblk_max_inflight = inflight;
    uint32_t mine = (uint32_t)__builtin_popcount(b->pending);
    if (mine > b->depth)
        b->depth = mine;
    spin_unlock(&vb.lock);
}

/* Collect the batch's finished slots: statuses, counters, free the slots. */
static void harvest(struct batch *b)
{
    uint32_t freed = 0;
    spin_lock(&vb.lock);
    for (int i = 0; i < NREQ; i++) {
        struct req *r = &vb.req[i];
        if (!(b->pending & (1u << i)) || !r->finished)
            continue;
        struct kk_blockdev_req *q = &b->reqs[r->index];
        if (r->status != 0)
            q->status = KK_EIO;
        else if (q->op == KK_BLOCKDEV_WRITE)
            vblk_bytes_written += (uint64_t)r->blocks * VBLK_BLOCK;
        else
            vblk_bytes_read += (uint64_t)r->blocks * VBLK_BLOCK;
        r->finished = false;
        r->owner = NULL;
        vb.busy &= ~(1u << i);
        b->pending &= ~(1u << i);
        vblk_requests++;
        freed++;
    }
    spin_unlock(&vb.lock);
    while (freed--)
        ksem_up(&vb.slots);
}

/* Run a batch whose statuses are 0 (to do) or KK_EINVAL (refused). */
static int run_batch(struct batch *b)
{
    bool sleeping = myproc() != NULL; /* at boot (no process yet) we poll */
    kcompletion_init(&b->done);
    skip_done(b);
    while (b->next < b->n || b->pending) {
        post_more(b);
        if (sleeping) {
            kcompletion_wait(&b->done); /* until a completion interrupt */
        } else {
            while (!kcompletion_done(&b->done))
                if (vb.used->idx != __atomic_load_n(&vb.last_used, __ATOMIC_RELAXED))
                    reap(); /* spin on memory, not on the device's registers */
        }
        harvest(b);
    }
    for (uint32_t i = 0; i < b->n; i++)
        if (b->reqs[i].status < 0)
            return b->reqs[i].status;
    return 0;
}

int vblk_submit_stats(struct kk_blockdev_req *reqs, uint32_t n, uint32_t *depth)
{
    struct batch b = {.reqs = reqs, .n = n};
    if (depth)
        *depth = 0;
    if (!vb.regs)
        return KK_ENODEV;
    if (n && !reqs)
        return KK_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        struct kk_blockdev_req *q = &reqs[i];
        bool ok = q->buf && q->count && q->op <= KK_BLOCKDEV_WRITE && q->blkno < MAX_BLKNO &&
                  q->count <= MAX_BLKNO - q->blkno;
        q->status = ok ? 0 : KK_EINVAL;
    }
    int rc = run_batch(&b);
    if (depth)
        *depth = b.depth;
    return rc;
}

int vblk_submit(struct kk_blockdev_req *reqs, uint32_t n)
{
    return vblk_submit_stats(reqs, n, NULL);
}

int vblk_rw(uint64_t blkno, uint32_t count, void *buf, bool write)
{
    if (!vb.regs)
        return KK_ENODEV;
    if (blkno >= vb.nblocks || count > vb.nblocks - blkno)
        return KK_EINVAL;
    struct kk_blockdev_req q = {blkno, buf, count, write ? KK_BLOCKDEV_WRITE : KK_BLOCKDEV_READ, 0};
    return vblk_submit(&q, 1);
}

int vblk_flush(void)
{
    if (!vb.regs)
        return KK_ENODEV;
    if (!vb.can_flush)
        return 0;
    struct kk_blockdev_req q = {.op = OP_FLUSH};
    struct batch b = {.reqs = &q, .n = 1};
    return run_batch(&b);
}
