/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reading, shared by the model and image loaders. */
#ifndef DLK_FILE_H
#define DLK_FILE_H

#include "dlakit.h"

/* Reads path into a malloc'd buffer (*buf, *len). Files over max_bytes are refused with
 * "PATH: file too large (over N bytes)"; other failures name the file and the reason. */
int dlk_read_file(const char *path, size_t max_bytes, void **buf, size_t *len, dlk_err *err);

/* Whether a file name ends in .png, .jpg or .jpeg (any case). */
int dlk_is_image_name(const char *name);
/* The sorted names (malloc'd, as the array) of dir's entries that are folders (want_dir) or image
 * files; names starting with '.' are skipped. natural: timm's natural_key order (class2 before
 * class10, case ignored) instead of byte order. skipped (may be NULL): what was skipped that could
 * be meant as data: [0] links to nothing, [1] FIFOs and other special files, [2] folders (when
 * listing files). -1 when dir cannot be opened. */
int dlk_list_dir(const char *dir, int want_dir, int natural, char ***out, int *n, int skipped[3]);
/* A format check of a file's first bytes (at least DLK_HEAD_BYTES of them, or the whole file if
 * shorter; never called for an empty file): 0, or -1 with a message naming path. */
#define DLK_HEAD_BYTES 16
typedef int (*dlk_head_check)(const unsigned char *head, size_t n, const char *path, dlk_err *err);
/* dlk_read_file that calls check (if not NULL) as soon as the first bytes are read. */
int dlk_read_file_checked(const char *path, size_t max_bytes, dlk_head_check check, void **buf, size_t *len, dlk_err *err);
/* The check for ONNX files: the first byte must start a protobuf field (a field number >= 1 and a
 * wire type of 0, 1, 2 or 5). */
int dlk_onnx_head_check(const unsigned char *head, size_t n, const char *path, dlk_err *err);

#endif
