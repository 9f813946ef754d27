/*
 * qemu_rt.c: console, exit and trap dispatch of the riscv64 QEMU test images,
 * plus the four mem* functions the kernkit libraries may call.
 */
#include "qemu_rt.h"

#define UART_BASE   0x10000000ul /* ns16550a on virt */
#define TEST_DEVICE 0x100000ul   /* sifive_test on virt */
#define TEST_PASS   0x5555u
#define TEST_FAIL   0x3333u

static kk_qemu_trap_fn trap_hook;

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
    }
    return 0;
}

static void uart_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while ((uart[5] & 0x20) == 0) /* LSR: transmitter holding register empty */
        ;
    uart[0] = (uint8_t)c;
}

void kk_qemu_puts(const char *s)
{
    while (*s) {
        if (*s == '\n')
            uart_putc('\r');
        uart_putc(*s++);
    }
}

static void put_num(unsigned long long v, unsigned base, int width, char pad, int neg)
{
    char buf[32];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v && n < (int)sizeof buf);
    if (neg)
        buf[n++] = '-';
    while (n < width)
        uart_putc(pad), width--;
    while (n)
        uart_putc(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            if (*fmt == '\n')
                uart_putc('\r');
            uart_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            lng++, fmt++;
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            put_num(v < 0 ? (unsigned long long)-v : (unsigned long long)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            put_num(lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16, width, pad, 0);
            break;
        case 'p':
            kk_qemu_puts("0x");
            put_num((unsigned long)va_arg(ap, void *), 16, 0, ' ', 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            kk_qemu_puts(s ? s : "(null)");
            break;
        }
        case 'c':
            uart_putc((char)va_arg(ap, int));
            break;
        case '%':
            uart_putc('%');
            break;
        default:
            uart_putc('?');
            break;
        }
    }
}

void kk_qemu_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

static __attribute__((noreturn)) void test_exit(uint32_t value)
{
    *(volatile uint32_t *)TEST_DEVICE = value;
    for (;;)
        __asm__ volatile("wfi");
}

void kk_qemu_pass(void)
{
    kk_qemu_puts("KK-QEMU-PASS\n");
    test_exit(TEST_PASS);
}

void kk_qemu_fail(const char *fmt, ...)
{
    va_list ap;
    kk_qemu_puts("KK-QEMU-FAIL: ");
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    kk_qemu_puts("\n");
    test_exit(TEST_FAIL | (1u << 16));
}

void kk_qemu_set_trap_hook(kk_qemu_trap_fn fn)
{
    trap_hook = fn;
}

unsigned long kk_qemu_trap(unsigned long scause, unsigned long sepc, unsigned long stval);
unsigned long kk_qemu_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
    if (!trap_hook)
        kk_qemu_fail("unexpected trap scause=%lx sepc=%lx stval=%lx", scause, sepc, stval);
    return trap_hook(scause, sepc, stval);
}

void kk_qemu_start(unsigned long hartid, const void *dtb);
void kk_qemu_start(unsigned long hartid, const void *dtb)
{
    kk_qemu_main(hartid, dtb);
    kk_qemu_fail("kk_qemu_main returned without passing");
}
