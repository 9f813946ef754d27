/*
 * qemu_rt.h: the tiny runtime of the riscv64 QEMU test images.
 *
 * An image defines kk_qemu_main(); the runtime boots it (stack, bss, a
 * minimal trap vector), gives it a UART console and ends the run through the
 * virt machine's test device: kk_qemu_pass() prints the pass marker and exits
 * QEMU with status 0; kk_qemu_fail() prints the reason and exits with status 1.
 * The host-side runner (run-qemu.cmake) passes a test only on the marker AND
 * the exit status.
 */
#ifndef KK_QEMU_RT_H
#define KK_QEMU_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The image's test body. hartid and dtb are what OpenSBI passed. */
void kk_qemu_main(unsigned long hartid, const void *dtb);

/* Console: %d %i %u %x %lx %ld %lu %s %c %p %% (with l / ll, and width like %08lx). */
void kk_qemu_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kk_qemu_puts(const char *s);

/* End the run. */
__attribute__((noreturn)) void kk_qemu_pass(void);
__attribute__((noreturn, format(printf, 1, 2))) void kk_qemu_fail(const char *fmt, ...);

/*
 * Trap hook: called for every trap with scause, sepc, stval; returns the pc to
 * resume at. With no hook (NULL) any trap fails the test.
 */
typedef unsigned long (*kk_qemu_trap_fn)(unsigned long scause, unsigned long sepc,
                                         unsigned long stval);
void kk_qemu_set_trap_hook(kk_qemu_trap_fn fn);

/* Read the time CSR (10 MHz on virt). */
static inline uint64_t kk_qemu_rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

/* Fail with file:line when cond is false. */
#define KK_QEMU_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            kk_qemu_fail("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);                    \
    } while (0)

/* Free RAM after the image, up to the end of the 128 MiB the runner gives. */
extern char __image_end[];
#define KK_QEMU_RAM_END 0x88000000ul

#endif
