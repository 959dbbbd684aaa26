/* Whole-file reading, shared by the model and image loaders. */
#ifndef DLK_FILE_H
#define DLK_FILE_H

#include "dlakit.h"

/* Reads path into a malloc'd buffer (*buf, *len). Files over max_bytes are refused with
 * "PATH: file too large (over N bytes)"; other failures name the file and the reason. */
int dlk_read_file(const char *path, size_t max_bytes, void **buf, size_t *len, dlk_err *err);

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
