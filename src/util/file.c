#include "file.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dlk_read_file(const char *path, size_t max_bytes, void **buf, size_t *len, dlk_err *err)
{
    return dlk_read_file_checked(path, max_bytes, NULL, buf, len, err);
}

int dlk_read_file_checked(const char *path, size_t max_bytes, dlk_head_check check, void **buf, size_t *len, dlk_err *err)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open: %s", path, strerror(errno));
    unsigned char *b = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            /* one byte past the limit tells a file of exactly max_bytes from a larger one */
            size_t ncap = cap ? cap * 2 : 1 << 16;
            if (ncap > max_bytes + 1) ncap = max_bytes + 1;
            if (ncap == cap) {
                free(b);
                fclose(f);
                return dlk_fail(err, "%s: file too large (over %zu bytes)", path, max_bytes);
            }
            unsigned char *nb = realloc(b, ncap);
            if (!nb) {
                free(b);
                fclose(f);
                return dlk_fail(err, "%s: out of memory reading the file", path);
            }
            b = nb;
            cap = ncap;
        }
        size_t n = fread(b + size, 1, cap - size, f);
        size += n;
        if (check && (size >= DLK_HEAD_BYTES || n == 0)) {
            /* the format before the rest: `info /dev/zero` must not read 2 GiB first */
            int bad = size && check(b, size, path, err);
            check = NULL;
            if (bad) {
                free(b);
                fclose(f);
                return -1;
            }
        }
        if (n == 0) break;
    }
    int rd_err = ferror(f) ? errno : 0;
    fclose(f);
    if (rd_err) {
        free(b);
        return dlk_fail(err, "%s: read error: %s", path, strerror(rd_err));
    }
    *buf = b;
    *len = size;
    return 0;
}

int dlk_onnx_head_check(const unsigned char *head, size_t n, const char *path, dlk_err *err)
{
    (void)n;
    const unsigned b = head[0], wire = b & 7;
    if (b < 8 || !(wire == 0 || wire == 1 || wire == 2 || wire == 5)) {
        char eb[256];
        return dlk_fail(err, "%s: not an ONNX model (its first byte 0x%02x does not start a protobuf field)",
                        dlk_esc(path, eb, sizeof eb), b);
    }
    return 0;
}
