/*
 * msg.c: the host tools' messages ("tool: message" on stderr, one line) and
 * name escaping for output. Kept apart from common.c (images, devices) so
 * a test or fuzz harness can link the sfs commands without the host block
 * device.
 */
#include "common.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

const char *tool_name = "tool";
int tool_verbose;
struct kk_hostblk_ioerr tool_ioerr;

int tool_ioerr_named;

/* The first device failure is named once, at the end of the next line:
 * "...: Input/output error reading block N" (or " (I/O error ...)"). */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    static const char eio[] = "Input/output error";
    char line[1024];
    size_t n;
    vsnprintf(line, sizeof(line), fmt, ap);
    fprintf(stderr, "%s: %s%s", tool_name, prefix, line);
    if (tool_ioerr.rc && !tool_ioerr_named) {
        int said; /* the line ends with the error already */
        tool_ioerr_named = 1;
        n = strlen(line);
        said = n >= sizeof(eio) - 1 && !strcmp(line + n - (sizeof(eio) - 1), eio);
        fprintf(stderr, "%s %s block %" PRIu64 "%s", said ? "" : " (I/O error",
                tool_ioerr.write ? "writing" : "reading", tool_ioerr.blkno, said ? "" : ")");
    }
    fputc('\n', stderr);
}

void tool_ioerr_log(const char *path)
{
    if (tool_ioerr.rc && !tool_ioerr_named)
        tool_err("%s: %s", path, kk_strerror(tool_ioerr.rc));
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
