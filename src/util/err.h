/* Internal error helpers. */
#ifndef DLK_ERR_H
#define DLK_ERR_H

#include "dlakit.h"
#include <stdarg.h>

/* Formats a message into err (if non-NULL) and returns -1, so `return dlk_fail(err, ...)`. */
int dlk_fail(dlk_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prepends "prefix: " to an existing message. */
void dlk_err_prefix(dlk_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static inline void dlk_err_clear(dlk_err *err) { if (err) err->msg[0] = 0; }

#endif
