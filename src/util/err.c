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
    char pre[DLK_ERR_LEN], old[DLK_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", pre, old);
}
