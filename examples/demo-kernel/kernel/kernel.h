/*
 * kernel.h: shared declarations of the kernkit demo kernel (riscv64, QEMU virt).
 *
 * Memory layout (Sv39): user space below USER_TOP; the kernel half maps all of
 * physical memory at KVA_OFFSET + pa (the direct map), and the kernel image is
 * linked inside it (0xffffffc080200000 = KVA_OFFSET + 0x80200000), so
 * P2V/V2P are one addition for every kernel address.
 */
#ifndef DEMO_KERNEL_H
#define DEMO_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernkit/base.h>

#define KVA_OFFSET     0xffffffc000000000ul
#define P2V(pa)        ((void *)((uintptr_t)(pa) + KVA_OFFSET))
#define V2P(va)        ((uintptr_t)(va)-KVA_OFFSET)
#define PGSIZE         4096ul
#define PGROUNDUP(x)   (((x) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(x) ((x) & ~(PGSIZE - 1))

#define USER_TOP     0x4000000000ul /* Sv39 lower half */
#define USTACK_TOP   0x40000000ul
#define USTACK_PAGES 16
#define MAXCPU       8
#define NPROC        64
#define NOFILE       16
#define KSTACK_SIZE  (16 * 1024)
#define TICK_HZ      100

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- libc-ish helpers (lib.c) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy0(char *dst, const char *src, size_t n);

/* ---- console (console.c) ---- */
void console_init(uintptr_t uart_pa);
void console_putc(int c);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_intr(void);
int console_read(char *buf, size_t n); /* blocks for a line (cooked) or a byte (raw) */
int console_set_foreground(int pgid);  /* the group Ctrl-C kills; returns 0 */
int console_set_raw(bool raw);         /* returns the previous mode (1 raw) */
void console_write(const char *buf, size_t n);
#define KASSERT(c)                                                                                 \
    do {                                                                                           \
        if (!(c))                                                                                  \
            panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #c);                          \
    } while (0)

/* ---- riscv + SBI (riscv.h) ---- */
#include "riscv.h"

/* ---- device tree (fdt.c) ---- */
struct fdt_info {
    uint64_t mem_base, mem_size;
    uint64_t uart_base;
    uint32_t uart_irq;
    uint64_t plic_base;
    uint64_t test_base;
    uint32_t ncpu;
    uint64_t hartids[MAXCPU];
    uint32_t plic_sctx[MAXCPU]; /* PLIC S-mode context of each hart (UINT32_MAX = unknown) */
    uint32_t nvirtio;
    uint64_t virtio_base[8];
    uint32_t virtio_irq[8];
    uint64_t timebase;
    char bootargs[128];
};
int fdt_parse(const void *dtb, struct fdt_info *out);
uint32_t fdt_totalsize(const void *dtb);
extern struct fdt_info boot_info;

/* ---- power (main.c) ---- */
__attribute__((noreturn)) void power_off(int code);
extern uint64_t boot_time0;

#endif
