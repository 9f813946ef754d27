/*
 * bare_kernel.c: your_kernel.h (with machine.c) for a freestanding kernel, so the
 * quick-start examples link (x86_64, riscv64 lp64 and lp64d) exactly as in
 * your kernel. On riscv64 it boots under `qemu-system-riscv64 -machine virt
 * -bios default -kernel quickstart-kernel`, runs the examples, prints one line
 * per library and "quickstart: all ok", and powers off (exit status 0).
 * Physical = virtual (no MMU); all memory is static.
 */
#include <kernkit/base.h>

#include "machine.h"

#define HEAP_BYTES (1u << 20)
#define RAM_BYTES  (2u << 20)
#define DISK_BYTES (512u << 10)

static uint8_t heap[HEAP_BYTES] __attribute__((aligned(16)));
static uint8_t ram[RAM_BYTES] __attribute__((aligned(1u << 20))); /* frames for buddy + tables */
static uint8_t disk[DISK_BYTES];
static size_t heap_used;
__attribute__((used)) static uint8_t boot_stack[16384] __attribute__((aligned(16)));

/* ---- the C library subset kernkit needs: mem* (libgcc comes with the compiler) ---- */

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp)
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *dp = d;
    while (n--)
        *dp++ = (uint8_t)c;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *ap = a, *bp = b;
    for (; n--; ap++, bp++)
        if (*ap != *bp)
            return *ap < *bp ? -1 : 1;
    return 0;
}

/* ---- the machine ---- */

#if defined(__riscv)
__asm__(".section .text.entry, \"ax\"\n"
        ".globl _start\n"
        "_start:\n"
        "  la sp, boot_stack\n"
        "  li t0, 16384\n"
        "  add sp, sp, t0\n"
        "  call kmain\n"
        "1: wfi\n"
        "  j 1b\n"
        ".text\n");

static void putc_(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)0x10000000; /* virt: 16550 THR */
    *uart = (uint8_t)c;
}

static void poweroff(int failed)
{
    volatile uint32_t *test = (volatile uint32_t *)0x100000; /* virt: sifive_test */
    *test = failed ? (1u << 16) | 0x3333 : 0x5555;
}
#elif defined(__x86_64__)
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  lea boot_stack+16384(%rip), %rsp\n"
        "  call kmain\n"
        "1: hlt\n"
        "  jmp 1b\n");

static void putc_(char c)
{
    __asm__ volatile("outb %0, $0xe9" : : "a"(c)); /* QEMU/Bochs debug port */
}

static void poweroff(int failed)
{
    (void)failed;
}
#else
#error "bare_kernel.c: riscv64 or x86_64"
#endif

void kputs(const char *s)
{
    while (*s)
        putc_(*s++);
}

/* ---- your_kernel.h ---- */

void *kmalloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size > HEAP_BYTES - heap_used)
        return NULL;
    heap_used += size;
    return heap + heap_used - size;
}

void kfree(void *p)
{
    (void)p; /* a bump allocator; a real kernel would use kk_heap from kernkit::buddy */
}

void kmain(void);

void kmain(void)
{
    kputs("kernkit quickstart kernel (kernkit ");
    kputs(kk_version_string());
    kputs(")\n");
    machine_setup(ram, RAM_BYTES, disk, DISK_BYTES);
    int failed = qs_run_all();
    kputs(failed ? "quickstart: FAILED\n" : "quickstart: all ok\n");
    poweroff(failed);
}
