/*
 * main.c: boot. kmain() runs on the hart OpenSBI picked: it reads the device
 * tree, brings up the console, memory, paging, traps, the disk and the file
 * system, starts the other harts through SBI HSM and runs init. Kernel
 * arguments (-append) are "sched=fair|stride" and, after "--", init's argv.
 */
#include "file.h"
#include "fs.h"
#include "mem.h"
#include "proc.h"
#include "sched.h"
#include "virtio.h"
#include "vm.h"

#define NBOOTARG 64 /* the most words the kernel command line hands to sh */

extern char __kernel_start[], __kernel_end[], secondary_start[];
uint64_t boot_time0, boot_to_init;
static int sched_ready;
static uintptr_t test_dev = 0x100000;
static bool test_mode; /* init runs a script (run.sh --test): print the test marker */

void power_off(int code)
{
    uint32_t v = 0x5555;
    if (code != 0) {
        uint32_t c = (uint32_t)code & 0xff;
        v = 0x3333u | (c ? c : 1u) << 16;
    }
    if (test_mode)
        kprintf(code == 0 ? "KK-DEMO-PASS\n" : "KK-DEMO-FAIL (status %d)\n", code);
    else
        kprintf("power off (status %d)\n", code);
    *(volatile uint32_t *)P2V(test_dev) = v;
    for (;;)
        __asm__ volatile("wfi");
}

static void set_cpu(struct cpu *c)
{
    __asm__ volatile("mv tp, %0" ::"r"(c));
}

static void start_harts(unsigned long boot_hart)
{
    for (uint32_t i = 0; i < boot_info.ncpu; i++) {
        unsigned long h = boot_info.hartids[i];
        if (h == boot_hart || ncpu >= MAXCPU)
            continue;
        struct cpu *c = &cpus[ncpu];
        c->id = ncpu;
        c->hartid = h;
        c->plic_ctx = boot_info.plic_sctx[i];
        char *stack = kmalloc(KSTACK_SIZE);
        if (!stack)
            break;
        long err = sbi_hart_start(h, V2P(secondary_start), (uintptr_t)stack + KSTACK_SIZE);
        if (err) {
            kprintf("hart %lu: SBI hart_start error %ld\n", h, err);
            kfree(stack);
            continue;
        }
        while (!c->started)
            __asm__ volatile("" ::: "memory");
        ncpu++;
    }
}

void secondary_main(unsigned long hartid);
void secondary_main(unsigned long hartid)
{
    struct cpu *c = NULL;
    /* the first match: unused slots have hartid 0 too (boot on hart 1) */
    for (int i = 1; i < MAXCPU && !c; i++)
        if (cpus[i].hartid == hartid)
            c = &cpus[i];
    if (!c)
        for (;;)
            __asm__ volatile("wfi");
    set_cpu(c);
    vm_init_hart();
    trap_init_hart();
    kprintf("cpu%d: hart %lu online\n", c->id, hartid);
    __atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
        __asm__ volatile("wfi");
    scheduler();
}

/* Split bootargs: "sched=X" options, then "--" and init's arguments. */
static void parse_args(char *args, const char **sched, bool *blkcheck, char **argv, int max)
{
    int argc = 0;
    bool rest = false;
    for (char *s = args; *s;) {
        while (*s == ' ')
            *s++ = 0;
        if (!*s)
            break;
        char *tok = s;
        while (*s && *s != ' ')
            s++;
        if (*s)
            *s++ = 0;
        if (rest) {
            if (argc < max - 1)
                argv[argc++] = tok;
        } else if (!strcmp(tok, "--")) {
            rest = true;
        } else if (!strncmp(tok, "sched=", 6)) {
            *sched = tok + 6;
        } else if (!strcmp(tok, "blkcheck")) {
            *blkcheck = true;
        }
    }
    argv[argc] = NULL;
}

void kmain(unsigned long hartid, uintptr_t dtb_pa);
void kmain(unsigned long hartid, uintptr_t dtb_pa)
{
    boot_time0 = rdtime();
    struct cpu *c0 = &cpus[0];
    c0->hartid = hartid;
    set_cpu(c0);
    ncpu = 1;
    if (fdt_parse(P2V(dtb_pa), &boot_info) < 0) {
        console_init(0x10000000); /* QEMU virt's UART, as a last resort */
        panic("cannot parse the device tree at %lx", (unsigned long)dtb_pa);
    }
    if (boot_info.test_base)
        test_dev = boot_info.test_base;
    klock_init();
    console_init(boot_info.uart_base);
    file_init();
    for (uint32_t i = 0; i < boot_info.ncpu; i++)
        if (boot_info.hartids[i] == hartid)
            c0->plic_ctx = boot_info.plic_sctx[i];
    kprintf("\nkernkit demo kernel (kernkit %s) on hart %lu of %u\n", kk_version_string(), hartid,
            boot_info.ncpu);
    kprintf("memory %lx..%lx (%lu MiB), uart %lx, plic %lx, %u virtio-mmio slots\n",
            (unsigned long)boot_info.mem_base,
            (unsigned long)(boot_info.mem_base + boot_info.mem_size),
            (unsigned long)(boot_info.mem_size >> 20), (unsigned long)boot_info.uart_base,
            (unsigned long)boot_info.plic_base, boot_info.nvirtio);

    uintptr_t free_lo = PGROUNDUP(V2P(__kernel_end));
    uintptr_t free_hi = boot_info.mem_base + boot_info.mem_size;
    uint32_t dtb_size = fdt_totalsize(P2V(dtb_pa));
    if (dtb_pa >= free_lo && dtb_pa < free_hi)
        free_hi = PGROUNDDOWN(dtb_pa); /* keep the device tree (and what follows) */
    (void)dtb_size;
    mem_init(free_lo, free_hi);
    vm_init();
    proc_init();
    trap_init_hart();
    c0->started = 1;

    kprintf("command line: \"%s\"\n", boot_info.bootargs);
    static char args[sizeof boot_info.bootargs];
    const char *policy = "fair";
    char *argv[NBOOTARG + 1];
    strncpy0(args, boot_info.bootargs, sizeof args);
    bool blkcheck = false;
    parse_args(args, &policy, &blkcheck, argv + 1, NBOOTARG);
    argv[0] = "sh";
    test_mode = argv[1] != NULL;

    int rc = virtio_blk_init();
    if (rc < 0)
        kprintf("virtio-blk: no disk (%s)\n", kk_strerror(rc));
    if (rc == 0 && blkcheck) { /* the batched path, polling, before anything uses the disk */
        uint64_t t0 = rdtime(), tb = boot_info.timebase ? boot_info.timebase : 10000000;
        rc = vblk_selfcheck(1, VBLK_CHECK_WRITE);
        if (rc < 0)
            panic("virtio-blk: self-check failed: %s", kk_strerror(rc));
        kprintf("virtio-blk: self-check ok, batches of up to %d requests in flight (%lu us)\n", rc,
                (unsigned long)((rdtime() - t0) * 1000000 / tb));
    }
    rc = fs_init();
    if (rc < 0)
        panic("root file system: %s", kk_strerror(rc));
    start_harts(hartid);
    rc = rq_init(policy, ncpu);
    if (rc < 0)
        panic("scheduler: %s", kk_strerror(rc));
    __atomic_store_n(&sched_ready, 1, __ATOMIC_RELEASE);
    kprintf("%d cpu(s), %lu free frames, scheduler %s, root fs %s\n", ncpu,
            (unsigned long)mem_free_frames(), rq_policy(), fs_name());
    rc = proc_spawn_init("/bin/sh", argv);
    if (rc < 0)
        panic("cannot start /bin/sh: %s", kk_strerror(rc));
    scheduler();
}
