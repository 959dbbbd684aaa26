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
 * files; names starting with '.' are skipped. -1 when dir cannot be opened. */
int dlk_list_dir(const char *dir, int want_dir, char ***out, int *n);

#endif
