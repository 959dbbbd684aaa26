/* SPDX-License-Identifier: Apache-2.0 */
/* Internal error helpers. */
#ifndef DLK_ERR_H
#define DLK_ERR_H

#include "dlakit.h"
#include <stdarg.h>
#include <stdio.h>

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
/* Copies s into out (n bytes, always terminated), control bytes (C0, DEL, C1) and bytes that are not
 * valid UTF-8 written as \xNN; returns the length. */
size_t dlk_escape(const char *s, char *out, size_t n);
/* The same, returning buf: for printing names that come from files. */
const char *dlk_esc(const char *s, char *buf, size_t n);
/* The length of the valid UTF-8 sequence at s (1-4), 0 when s does not start one. */
size_t dlk_utf8_len(const char *s);
/* Writes s as a JSON string literal (with quotes): control characters as \u00NN, bytes that are
 * not valid UTF-8 as \ufffd, so the output is valid JSON whatever a file name or label holds. */
void dlk_json_str(FILE *f, const char *s);
static inline void dlk_err_clear(dlk_err *err) { if (err) err->msg[0] = 0; }

#endif
