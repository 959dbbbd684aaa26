#include "file.h"
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

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

int dlk_is_image_name(const char *n)
{
    const char *d = strrchr(n, '.');
    return d && (!strcasecmp(d, ".png") || !strcasecmp(d, ".jpg") || !strcasecmp(d, ".jpeg"));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int dlk_list_dir(const char *dir, int want_dir, char ***out, int *n)
{
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (!d) return -1;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p) continue;
        struct stat st;
        if (stat(p, &st)) continue;
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
    if (*n) qsort(*out, *n, sizeof(char *), cmp_str);
    return 0;
}
