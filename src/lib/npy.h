/* SPDX-License-Identifier: Apache-2.0 */
/* NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order): read and write. */
#ifndef DLK_NPY_H
#define DLK_NPY_H

#include "dlakit.h"

typedef struct {
    dlk_shape shape;   /* dtype: DLK_FLOAT, DLK_UINT8, DLK_INT8, DLK_INT32 or DLK_INT64 */
    void *data;        /* malloc'd, numel * dtype size bytes */
} dlk_npy;

/* Reads path; on failure returns non-zero with a message naming the file. */
int dlk_npy_read(const char *path, dlk_npy *out, dlk_err *err);
void dlk_npy_free(dlk_npy *a);
/* Writes a regular file atomically (path.tmp, then renamed: a failure leaves no half-written file);
 * devices and pipes directly (outfile.h). */
int dlk_npy_write(const char *path, const dlk_shape *shape, const void *data, dlk_err *err);

#endif
