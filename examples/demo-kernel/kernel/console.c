/*
 * console.c: the ns16550a UART as the system console. Output is polled (and
 * serialised by a lock so lines from two harts do not mix); input arrives by
 * interrupt into a line buffer with echo and backspace, and console_read()
 * sleeps until a whole line (or ^D) is there.
 */
#include "proc.h"

#define RBR    0
#define THR    0
#define IER    1
#define FCR    2
#define LSR    5
#define LSR_RX 0x01
#define LSR_TX 0x20

static volatile uint8_t *uart;
static struct spinlock out_lock, in_lock;
static char line[256];
static unsigned rpos, wpos, epos; /* read, committed (whole lines), edit */

void console_init(uintptr_t uart_pa)
{
    uart = P2V(uart_pa);
    spin_init(&out_lock, "console-out");
    spin_init(&in_lock, "console-in");
    uart[FCR] = 0x07; /* FIFO on, cleared */
    uart[IER] = 0x01; /* interrupt when a byte arrives */
}

static void putc_raw(int c)
{
    if (!uart)
        return;
    while ((uart[LSR] & LSR_TX) == 0)
        ;
    uart[THR] = (uint8_t)c;
}

void console_putc(int c)
{
    if (c == '\n')
        putc_raw('\r');
    putc_raw(c);
}

void console_write(const char *buf, size_t n)
{
    spin_lock(&out_lock);
    for (size_t i = 0; i < n; i++)
        console_putc(buf[i]);
    spin_unlock(&out_lock);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad, int neg)
{
    char buf[32];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v && n < (int)sizeof buf - 1);
    if (neg)
        buf[n++] = '-';
    while (n < width--)
        console_putc(pad);
    while (n)
        console_putc(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            console_putc(*fmt);
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
        case 'd': {
            long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            put_num(v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, pad, 0);
            break;
        case 'p':
            console_putc('0');
            console_putc('x');
            put_num((uintptr_t)va_arg(ap, void *), 16, 0, ' ', 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            for (s = s ? s : "(null)"; *s; s++)
                console_putc(*s);
            break;
        }
        case 'c':
            console_putc(va_arg(ap, int));
            break;
        default:
            console_putc('%');
            console_putc(*fmt);
            break;
        }
    }
}

void kvprintf(const char *fmt, va_list ap)
{
    spin_lock(&out_lock);
    vprint(fmt, ap);
    spin_unlock(&out_lock);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    intr_off();
    va_start(ap, fmt);
    vprint("\nPANIC: ", ap);
    vprint(fmt, ap);
    va_end(ap);
    console_putc('\n');
    power_off(99);
}

/* Interrupt: take every byte the UART has, edit the current line. */
void console_intr(void)
{
    bool wake = false;
    spin_lock(&in_lock);
    while (uart[LSR] & LSR_RX) {
        int c = uart[RBR];
        if (c == '\r')
            c = '\n';
        if (c == 0x7f || c == '\b') {
            if (epos != wpos) {
                epos--;
                console_write("\b \b", 3);
            }
            continue;
        }
        if (epos - rpos >= sizeof line - 1 && c != '\n' && c != 4)
            continue; /* line full: only newline / ^D accepted */
        if (c != 4) {
            char ch = (char)c;
            console_write(&ch, 1);
        }
        line[epos++ % sizeof line] = (char)c;
        if (c == '\n' || c == 4) {
            wpos = epos;
            wake = true;
        }
    }
    spin_unlock(&in_lock);
    if (wake)
        wakeup(&wpos);
}

/* Read up to n bytes of the next line; ^D at the start of a line gives 0. */
int console_read(char *buf, size_t n)
{
    size_t got = 0;
    spin_lock(&in_lock);
    while (rpos == wpos) {
        if (myproc()->killed) {
            spin_unlock(&in_lock);
            return KK_EINTR;
        }
        sleep_on(&wpos, &in_lock);
    }
    while (got < n && rpos != wpos) {
        char c = line[rpos++ % sizeof line];
        if (c == 4) {
            if (got == 0)
                break; /* EOF */
            rpos--;
            break;
        }
        buf[got++] = c;
        if (c == '\n')
            break;
    }
    spin_unlock(&in_lock);
    return (int)got;
}
