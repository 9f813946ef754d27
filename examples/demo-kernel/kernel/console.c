/*
 * console.c: the ns16550a UART as the system console. Output is polled (and
 * serialised by a lock so lines from two harts do not mix); input arrives by
 * interrupt. Cooked mode (the default) is a line discipline: echo, backspace,
 * ^U (erase line), ^W (erase word), ^L (clear screen), ^C (drop the line and
 * kill the foreground process group), ^D (end of input); console_read()
 * sleeps until a whole line (or ^D) is there. Raw mode (consmode(1), the
 * shell's line editor) hands over every byte as typed, without echo.
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
static char line[4096];           /* a page: the longest line one can type */
static unsigned rpos, wpos, epos; /* read, committed (whole lines), edit */
static int foreground;            /* process group that ^C kills (0: none) */
static int raw;                   /* raw mode: no editing, no echo, no signals */

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

/* Erase the last character being edited, on the screen too (in_lock held). */
static bool erase1(void)
{
    if (epos == wpos)
        return false;
    epos--;
    console_write("\b \b", 3);
    return true;
}

/* One typed byte in cooked mode (in_lock held). Returns true when a line (or
 * ^D) is committed; *intr is set for ^C. */
static bool cooked(int c, bool *intr)
{
    switch (c) {
    case 3: /* ^C: drop all unread input, kill the foreground group */
        console_write("^C\n", 3);
        epos = wpos = rpos;
        *intr = true;
        return false;
    case 0x15: /* ^U: erase the line */
        while (erase1())
            ;
        return false;
    case 0x17: /* ^W: erase the word before the cursor (and the blanks after it) */
        while (epos != wpos && line[(epos - 1) % sizeof line] == ' ')
            erase1();
        while (epos != wpos && line[(epos - 1) % sizeof line] != ' ')
            erase1();
        return false;
    case 0x0c: /* ^L: clear the screen, show the line being edited again */
        console_write("\033[H\033[2J", 7);
        for (unsigned i = wpos; i != epos; i++)
            console_write(&line[i % sizeof line], 1);
        return false;
    case 0x7f:
    case '\b':
        erase1();
        return false;
    default:
        break;
    }
    if (epos - rpos >= sizeof line - 1 && c != '\n' && c != 4)
        return false; /* line full: only newline / ^D accepted */
    if (c != 4) {
        char ch = (char)c;
        console_write(&ch, 1);
    }
    line[epos++ % sizeof line] = (char)c;
    if (c != '\n' && c != 4)
        return false;
    wpos = epos;
    return true;
}

/* Interrupt: take every byte the UART has; in cooked mode edit the current
 * line, in raw mode hand each byte over as it is. */
void console_intr(void)
{
    bool wake = false, intr = false;
    spin_lock(&in_lock);
    while (uart[LSR] & LSR_RX) {
        int c = uart[RBR];
        if (raw) {
            if (epos - rpos < sizeof line) {
                line[epos++ % sizeof line] = (char)c;
                wpos = epos;
                wake = true;
            }
            continue;
        }
        if (c == '\r')
            c = '\n';
        wake |= cooked(c, &intr);
    }
    int fg = foreground;
    spin_unlock(&in_lock);
    if (intr && fg > 0)
        proc_kill_group(fg);
    if (wake)
        wakeup(&wpos);
}

int console_set_foreground(int pgid)
{
    if (pgid < 0)
        return KK_EINVAL;
    spin_lock(&in_lock);
    foreground = pgid;
    spin_unlock(&in_lock);
    return 0;
}

int console_set_raw(bool on)
{
    spin_lock(&in_lock);
    int old = raw;
    raw = on;
    epos = wpos; /* a half-edited line does not survive a switch */
    spin_unlock(&in_lock);
    return old;
}

/* Read up to n bytes: in cooked mode of the next line (^D at the start of a
 * line gives 0), in raw mode whatever has been typed. */
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
        if (raw) {
            buf[got++] = c;
            continue;
        }
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
