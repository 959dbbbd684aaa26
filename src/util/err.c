#include "err.h"
#include <stdio.h>
#include <string.h>

int dlk_fail(dlk_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void dlk_err_prefix(dlk_err *err, const char *fmt, ...)
{
    if (!err) return;
    char buf[2 * DLK_ERR_LEN + 4];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, DLK_ERR_LEN, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= DLK_ERR_LEN) n = DLK_ERR_LEN - 1;
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
