/* SPDX-License-Identifier: Apache-2.0 */
#include "err.h"
#include <stdio.h>
#include <string.h>

size_t dlk_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0) return 0;
    unsigned cp = n == 1 ? c : c & (0x7fu >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0; /* overlong, surrogate */
    return (size_t)n;
}

/* Whether the UTF-8 sequence s of n bytes is a control character (C0, DEL, C1). */
static int is_control(const unsigned char *s, size_t n)
{
    return (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

size_t dlk_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;
    if (!n) return 0;
    while (*s) {
        size_t k = dlk_utf8_len(s);
        const unsigned char *u = (const unsigned char *)s;
        if (k == 0 || is_control(u, k)) { /* invalid UTF-8 and control bytes: \xNN each */
            size_t m = k ? k : 1;
            if (at + 4 * m >= n) break;
            for (size_t i = 0; i < m; i++) {
                out[at++] = '\\';
                out[at++] = 'x';
                out[at++] = hex[u[i] >> 4];
                out[at++] = hex[u[i] & 15];
            }
            s += m;
        } else {
            if (at + k >= n) break;
            memcpy(out + at, s, k);
            at += k;
            s += k;
        }
    }
    out[at] = 0;
    return at;
}

void dlk_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        size_t k = dlk_utf8_len(s);
        const unsigned char *u = (const unsigned char *)s;
        if (k == 0) { /* JSON is UTF-8: an invalid byte becomes U+FFFD */
            fputs("\\ufffd", f);
            s++;
            continue;
        }
        if (*u == '"' || *u == '\\') fprintf(f, "\\%c", *u);
        else if (is_control(u, k)) fprintf(f, "\\u%04x", k == 1 ? u[0] : u[1]);
        else fwrite(s, 1, k, f);
        s += k;
    }
    fputc('"', f);
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
