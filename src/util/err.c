#include "err.h"
#include <stdio.h>
#include <string.h>

size_t dlk_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;
    if (!n) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            if (at + 4 >= n) break;
            out[at++] = '\\';
            out[at++] = 'x';
            out[at++] = hex[c >> 4];
            out[at++] = hex[c & 15];
        } else {
            if (at + 1 >= n) break;
            out[at++] = (char)c;
        }
    }
    out[at] = 0;
    return at;
}

const char *dlk_esc(const char *s, char *buf, size_t n)
{
    dlk_escape(s ? s : "", buf, n);
    return buf;
}

int dlk_fail(dlk_err *err, const char *fmt, ...)
{
    if (err) {
        char raw[DLK_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* names from files may hold terminal control bytes (ESC, BEL): never echo them raw */
        dlk_escape(raw, err->msg, sizeof err->msg);
    }
    return -1;
}

void dlk_err_prefix(dlk_err *err, const char *fmt, ...)
{
    if (!err) return;
    char buf[2 * DLK_ERR_LEN + 4], pre[DLK_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    if (r < 0) return;
    size_t n = dlk_escape(pre, buf, DLK_ERR_LEN);
    buf[n++] = ':';
    buf[n++] = ' ';
    size_t old = 0;
    while (old < DLK_ERR_LEN - 1 && err->msg[old]) old++;
    memcpy(buf + n, err->msg, old);
    buf[n + old] = 0;
    size_t total = n + old < DLK_ERR_LEN - 1 ? n + old : DLK_ERR_LEN - 1;
    memcpy(err->msg, buf, total);
    err->msg[total] = 0;
}
