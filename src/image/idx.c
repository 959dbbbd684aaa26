/* SPDX-License-Identifier: Apache-2.0 */
/* MNIST IDX files: big-endian header (0, 0, type, ndim, then ndim 32-bit sizes), then the data.
 * Only unsigned bytes (type 0x08) with 1 to 3 dimensions are accepted. */
#include "image/image.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dlk_idx_free(dlk_idx *x)
{
    if (!x) return;
    free(x->data);
    memset(x, 0, sizeof *x);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dlk_idx_read(const char *path, dlk_idx *out, dlk_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open: %s", path, strerror(errno));
    int rc = -1;
    uint8_t hdr[16];
    long long fsize = -1;
    if (fseek(f, 0, SEEK_END) == 0) fsize = ftell(f);
    if (fsize < 0 || fseek(f, 0, SEEK_SET) != 0) {
        dlk_fail(err, "%s: cannot determine the file size", path);
        goto done;
    }
    if (fsize < 4) {
        dlk_fail(err, "%s: not an IDX file (%lld bytes, too short for the header)", path, fsize);
        goto done;
    }
    if (fread(hdr, 1, 4, f) != 4) {
        dlk_fail(err, "%s: read error", path);
        goto done;
    }
    if (hdr[0] != 0 || hdr[1] != 0) {
        dlk_fail(err, "%s: not an IDX file (magic %02x%02x%02x%02x)", path, hdr[0], hdr[1], hdr[2], hdr[3]);
        goto done;
    }
    if (hdr[2] != 0x08) {
        dlk_fail(err, "%s: IDX element type 0x%02x is not supported (only unsigned bytes, 0x08)", path, hdr[2]);
        goto done;
    }
    int ndim = hdr[3];
    if (ndim < 1 || ndim > 3) {
        dlk_fail(err, "%s: IDX files with %d dimensions are not supported (1 to 3)", path, ndim);
        goto done;
    }
    long long hsize = 4 + 4LL * ndim;
    if (fsize < hsize || fread(hdr + 4, 1, (size_t)(4 * ndim), f) != (size_t)(4 * ndim)) {
        dlk_fail(err, "%s: truncated IDX header", path);
        goto done;
    }
    long long total = 1;
    for (int i = 0; i < ndim; i++) {
        uint32_t d = be32(hdr + 4 + 4 * i);
        if (d == 0 || d > 0x7fffffffu) {
            dlk_fail(err, "%s: invalid IDX dimension %d: %u", path, i, d);
            goto done;
        }
        out->dims[i] = (int)d;
        if (total > (1LL << 40) / d) { /* checked before multiplying: 2^40 * 2^31 overflows */
            dlk_fail(err, "%s: IDX dimensions too large", path);
            goto done;
        }
        total *= d;
    }
    if (fsize != hsize + total) {
        dlk_fail(err, "%s: IDX header says %lld data bytes but the file has %lld (%s)", path, total,
                 fsize - hsize, fsize < hsize + total ? "truncated" : "trailing data");
        goto done;
    }
    out->ndim = ndim;
    out->data = malloc((size_t)total);
    if (!out->data) {
        dlk_fail(err, "%s: out of memory (%lld bytes)", path, total);
        goto done;
    }
    if (fread(out->data, 1, (size_t)total, f) != (size_t)total) {
        dlk_fail(err, "%s: read error", path);
        goto done;
    }
    rc = 0;
done:
    fclose(f);
    if (rc) dlk_idx_free(out);
    return rc;
}
