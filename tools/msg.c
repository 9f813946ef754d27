/*
 * msg.c: the host tools' messages ("tool: message" on stderr, one line) and
 * name escaping for output. Kept apart from common.c (images, devices) so
 * a test or fuzz harness can link the sfs commands without the host block
 * device.
 */
#include "common.h"

#include <stdarg.h>

const char *tool_name = "tool";
int tool_verbose;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", tool_name, prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void tool_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void tool_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void tool_info(const char *fmt, ...)
{
    va_list ap;
    if (!tool_verbose)
        return;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

const char *name_esc(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\\') {
            out[n++] = '\\';
            out[n++] = '\\';
        } else if (ch < 0x20 || ch >= 0x7f) {
            out[n++] = '\\';
            out[n++] = (char)('0' + (ch >> 6));
            out[n++] = (char)('0' + ((ch >> 3) & 7));
            out[n++] = (char)('0' + (ch & 7));
        } else {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    return out;
}
