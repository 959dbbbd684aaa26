/* SPDX-License-Identifier: Apache-2.0 */
#include "file.h"
#include "err.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

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

int dlk_is_image_name(const char *n)
{
    const char *d = strrchr(n, '.');
    return d && (!strcasecmp(d, ".png") || !strcasecmp(d, ".jpg") || !strcasecmp(d, ".jpeg"));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* timm's natural_key order (ImageFolder classes): lower-cased, digit runs compared as numbers
 * ("class2" before "class10"); a text piece that ends first sorts first. Ties by plain order. */
static int natural_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p || *q) {
        int dp = isdigit(*p), dq = isdigit(*q);
        if (dp && dq) {
            while (*p == '0' && isdigit(p[1])) p++;
            while (*q == '0' && isdigit(q[1])) q++;
            size_t lp = 0, lq = 0;
            while (isdigit(p[lp])) lp++;
            while (isdigit(q[lq])) lq++;
            if (lp != lq) return lp < lq ? -1 : 1;
            int c = memcmp(p, q, lp);
            if (c) return c;
            p += lp, q += lq;
            continue;
        }
        if (!*p) return -1; /* a shorter key sorts first */
        if (!*q) return 1;
        if (dp) return -1;  /* p's text piece ends here, q's goes on */
        if (dq) return 1;
        int cp = tolower(*p), cq = tolower(*q);
        if (cp != cq) return cp < cq ? -1 : 1;
        p++, q++;
    }
    return 0;
}

static int cmp_natural(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c = natural_cmp(x, y);
    return c ? c : strcmp(x, y);
}

int dlk_list_dir(const char *dir, int want_dir, int natural, char ***out, int *n, int skipped[3])
{
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (skipped) skipped[0] = skipped[1] = skipped[2] = 0;
    if (!d) return -1;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p) continue;
        struct stat st;
        if (stat(p, &st)) {
            if (skipped) skipped[0]++;
            continue;
        }
        if (skipped && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) skipped[1]++;
        if (skipped && !want_dir && S_ISDIR(st.st_mode)) skipped[2]++;
        if (want_dir ? !S_ISDIR(st.st_mode) : !(S_ISREG(st.st_mode) && dlk_is_image_name(e->d_name))) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(*out, sizeof(char *) * cap);
            if (!nv) break;
            *out = nv;
        }
        size_t l = strlen(e->d_name) + 1;
        if (!((*out)[*n] = malloc(l))) break;
        memcpy((*out)[(*n)++], e->d_name, l);
    }
    closedir(d);
    if (*n) qsort(*out, *n, sizeof(char *), natural ? cmp_natural : cmp_str);
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
