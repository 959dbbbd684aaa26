/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the broadcasting kernels: an N-D output is walked as rows of its last dimension. */
#ifndef DLK_KERNELS_BCAST_H
#define DLK_KERNELS_BCAST_H

#include <stdint.h>

/* Element offsets into a and b of output row r (r indexes all dimensions but the last). */
static inline void dlk_bcast_row(int ndim, const int64_t *out, const int64_t *a_str, const int64_t *b_str, int64_t r,
                                 int64_t *oa, int64_t *ob)
{
    int64_t a = 0, b = 0;
    for (int d = ndim - 2; d >= 0; d--) {
        const int64_t idx = r % out[d];
        r /= out[d];
        a += idx * a_str[d];
        b += idx * b_str[d];
    }
    *oa = a;
    *ob = b;
}

#endif
