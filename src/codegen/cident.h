/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names in the C that `dlakit compile` writes. A model's node names are untrusted text: they reach
 * the generated file only through this module, as escaped comment text (dlk_c_comment) or as
 * identifiers from a dlk_cnames registry, which sanitizes them and makes every identifier it hands
 * out unique against every other one, against C keywords (C89 to C23), the standard headers the
 * file includes (stdint.h, stddef.h, string.h, math.h: functions, types and macros, and the
 * families the standard reserves), the file's own symbols (arena, the NAME_ prefix, the kernels'
 * functions, types and locals: every identifier of the embedded kernel text) and the parameters
 * and locals of the functions it emits.
 */
#ifndef DLK_CODEGEN_CIDENT_H
#define DLK_CODEGEN_CIDENT_H

#include "util/err.h"

#include <stddef.h>

/* Longest comment text dlk_c_comment writes from a name (then "..."), and its buffer size. */
#define DLK_C_COMMENT_MAX 120
#define DLK_C_COMMENT_BUF (4 * DLK_C_COMMENT_MAX + 8)

/* s as the text of a block comment: printable ASCII only (other bytes, and backslashes, as \xNN),
 * never "*" + "/" or "/" + "*" (the second character escaped), no "??" (a trigraph), no line break;
 * at most DLK_C_COMMENT_MAX characters of s, then "...". NULL or "" -> "(unnamed)". Returns out. */
const char *dlk_c_comment(const char *s, char out[DLK_C_COMMENT_BUF]);

/* The model name given to compile: 1 to 40 characters, a letter then letters, digits and single
 * underscores, not ending in '_' (it becomes NAME_run, NAME_H, NAME_dlk_*: no identifier the
 * standard reserves), not a keyword or a standard name. */
int dlk_c_check_name(const char *name, dlk_err *err);

typedef struct dlk_cnames dlk_cnames;

/* A registry for the program named name (checked by dlk_c_check_name): every reserved word above
 * is taken. NULL when out of memory. */
dlk_cnames *dlk_cnames_new(const char *name);
void dlk_cnames_free(dlk_cnames *r);

/* Whether s is taken exactly (a reserved word, a kernel identifier or a name handed out). */
int dlk_cnames_has(dlk_cnames *r, const char *s);

/* Hands out a base identifier for text (a node name; only its last 30 characters count,
 * so that base + suffix stays within C99's 63 significant characters) such that
 * base + suffix[k] for every k are all free, and takes them. A free-standing identifier: pass one
 * suffix "". Tag (the step index) names the first alternative: base_TAG, then base_TAG_2, ...;
 * a name empty, starting with a digit or in a reserved family (its start) gets "L" + TAG + "_" first. Out
 * gets at most 48 + 24 characters: out_n >= 80. Returns 0, or -1 when out of memory. */
int dlk_cnames_take(dlk_cnames *r, const char *text, int tag, const char *const *suffix, int n_suffix, char *out,
                    size_t out_n);

#endif
