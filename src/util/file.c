#include "file.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dlk_read_file(const char *path, size_t max_bytes, void **buf, size_t *len, dlk_err *err)
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
