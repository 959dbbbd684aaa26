/* SPDX-License-Identifier: Apache-2.0 */
#include "npy.h"
#include "util/outfile.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *descr; dlk_dtype t; } npy_types[] = {
    {"<f4", DLK_FLOAT}, {"|u1", DLK_UINT8}, {"|i1", DLK_INT8}, {"<u1", DLK_UINT8},
    {"<i1", DLK_INT8},  {"<i4", DLK_INT32}, {"<i8", DLK_INT64},
};

/* Finds 'key': in the header dict and returns a pointer just after the colon. */
static const char *dict_value(const char *hdr, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(hdr, pat);
    if (!p) return NULL;
    p = strchr(p + strlen(pat), ':');
    if (!p) return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

int dlk_npy_read(const char *path, dlk_npy *out, dlk_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open: %s", path, strerror(errno));
    unsigned char pre[12];
    char *hdr = NULL;
    int rc = -1;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        dlk_fail(err, "%s: not a .npy file (bad magic)", path);
        goto done;
    }
    size_t hlen;
    if (pre[6] == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) { dlk_fail(err, "%s: truncated header", path); goto done; }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        dlk_fail(err, "%s: unsupported .npy version %d", path, pre[6]);
        goto done;
    }
    if (hlen > (1u << 20)) { dlk_fail(err, "%s: header too large", path); goto done; }
    hdr = malloc(hlen + 1);
    if (!hdr || fread(hdr, 1, hlen, f) != hlen) { dlk_fail(err, "%s: truncated header", path); goto done; }
    hdr[hlen] = 0;
    const char *d = dict_value(hdr, "descr"), *fo = dict_value(hdr, "fortran_order"),
               *sh = dict_value(hdr, "shape");
    if (!d || !fo || !sh || *d != '\'' || *sh != '(') { dlk_fail(err, "%s: malformed header", path); goto done; }
    dlk_dtype t = DLK_UNDEFINED;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (strncmp(d + 1, npy_types[i].descr, 3) == 0 && d[4] == '\'') t = npy_types[i].t;
    if (t == DLK_UNDEFINED) { dlk_fail(err, "%s: unsupported dtype %.8s (need float32, uint8, int8, int32 or int64)", path, d); goto done; }
    if (strncmp(fo, "False", 5) != 0) { dlk_fail(err, "%s: Fortran-order arrays are not supported", path); goto done; }
    out->shape.dtype = t;
    const char *p = sh + 1;
    int nd = 0;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        char *e;
        errno = 0;
        long long v = strtoll(p, &e, 10);
        if (e == p || v < 0 || errno) { dlk_fail(err, "%s: malformed shape", path); goto done; }
        if (nd == DLK_MAX_DIMS) { dlk_fail(err, "%s: more than %d dimensions", path, DLK_MAX_DIMS); goto done; }
        out->shape.dims[nd++] = v;
        p = e;
    }
    out->shape.ndim = nd;
    int64_t n = 1;
    for (int i = 0; i < nd; i++) {
        if (out->shape.dims[i] && n > INT64_MAX / 16 / out->shape.dims[i]) { dlk_fail(err, "%s: array too large", path); goto done; }
        n *= out->shape.dims[i];
    }
    size_t bytes = (size_t)n * dlk_dtype_size(t);
    /* the data must be in the file before it is allocated: a header may claim any shape */
    long here = ftell(f), end = -1;
    if (here >= 0 && fseek(f, 0, SEEK_END) == 0) end = ftell(f);
    if (end < 0 || fseek(f, here, SEEK_SET) != 0) { dlk_fail(err, "%s: cannot determine the file size", path); goto done; }
    if ((unsigned long long)(end - here) < bytes) {
        dlk_fail(err, "%s: truncated data (the shape needs %zu bytes, the file has %ld after the header)", path, bytes,
                 end - here);
        goto done;
    }
    out->data = malloc(bytes ? bytes : 1);
    if (!out->data) { dlk_fail(err, "%s: out of memory for %zu bytes", path, bytes); goto done; }
    if (fread(out->data, 1, bytes, f) != bytes) { dlk_fail(err, "%s: truncated data (expected %zu bytes)", path, bytes); goto done; }
    rc = 0;
done:
    free(hdr);
    fclose(f);
    if (rc) dlk_npy_free(out);
    return rc;
}

void dlk_npy_free(dlk_npy *a)
{
    free(a->data);
    a->data = NULL;
}

int dlk_npy_write(const char *path, const dlk_shape *shape, const void *data, dlk_err *err)
{
    const char *descr = NULL;
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (npy_types[i].t == shape->dtype) { descr = npy_types[i].descr; break; }
    if (!descr) return dlk_fail(err, "%s: cannot write dtype %d", path, shape->dtype);
    char dict[512];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < shape->ndim; i++)
        len += snprintf(dict + len, sizeof dict - len, "%lld%s", (long long)shape->dims[i],
                        shape->ndim == 1 ? "," : (i + 1 < shape->ndim ? ", " : ""));
    len += snprintf(dict + len, sizeof dict - len, "), }");
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    dlk_outfile o;
    if (dlk_outfile_open(&o, path, err)) return -1;
    FILE *f = o.f;
    unsigned hl = (unsigned)(len + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 255), (unsigned char)(hl >> 8)};
    size_t bytes = (size_t)dlk_shape_numel(shape) * dlk_dtype_size(shape->dtype);
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, len, f) == (size_t)len;
    for (int i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && (bytes == 0 || fwrite(data, 1, bytes, f) == bytes);
    if (dlk_outfile_close(&o, ok, err)) return -1;
    return 0;
}
