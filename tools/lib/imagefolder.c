/* ImageFolder listing. */
#include "lib/imagefolder.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int dlk_fail_msg(dlk_err *err, const char *root, const char *fmt, const char *arg)
{
    if (err) {
        int l = snprintf(err->msg, sizeof err->msg, "%s: ", root);
        if (l >= 0 && (size_t)l < sizeof err->msg) snprintf(err->msg + l, sizeof err->msg - l, fmt, arg);
    }
    return 1;
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

int dlk_name_cmp_natural(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c = natural_cmp(x, y);
    return c ? c : strcmp(x, y);
}

static int has_image_ext(const char *n)
{
    const char *d = strrchr(n, '.');
    return d && (!strcasecmp(d, ".png") || !strcasecmp(d, ".jpg") || !strcasecmp(d, ".jpeg"));
}

/* Sorted entries of dir that are folders (want_dir: in timm's natural order, as eval's default) or
 * image files (plain order, as eval). */
static int list_sorted(const char *dir, int want_dir, char ***out, int *n)
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
        if (want_dir ? !S_ISDIR(st.st_mode) : !(S_ISREG(st.st_mode) && has_image_ext(e->d_name))) continue;
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
    if (*n) qsort(*out, *n, sizeof(char *), want_dir ? dlk_name_cmp_natural : cmp_str);
    return 0;
}

void dlk_free_names(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

int dlk_folder_items(const char *root, const dlk_labels *labels, dlk_item **items, int *n, dlk_labels *classes, dlk_err *err)
{
    char **cls;
    int ncls;
    *items = NULL;
    *n = 0;
    if (list_sorted(root, 1, &cls, &ncls)) return dlk_fail_msg(err, root, "cannot open folder", NULL);
    if (!ncls) {
        free(cls);
        return dlk_fail_msg(err, root, "no class folders (expected DIR/<class>/*.png|jpg)", NULL);
    }
    int cap = 0;
    for (int c = 0; c < ncls; c++) {
        int label = c;
        if (labels && labels->n) {
            label = -1;
            for (int k = 0; k < labels->n && label < 0; k++)
                if (!strcmp(labels->names[k], cls[c])) label = k;
            if (label < 0) {
                dlk_fail_msg(err, root, "class folder '%s' is not in the labels file", cls[c]);
                dlk_free_names(cls, ncls);
                return 1;
            }
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, cls[c]);
        char **files;
        int nf;
        if (list_sorted(dir, 0, &files, &nf)) continue;
        for (int f = 0; f < nf; f++) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                dlk_item *ni = realloc(*items, sizeof(dlk_item) * cap);
                if (!ni) {
                    dlk_free_names(files, nf);
                    dlk_free_names(cls, ncls);
                    return dlk_fail_msg(err, root, "out of memory", NULL);
                }
                *items = ni;
            }
            size_t l = strlen(dir) + strlen(files[f]) + 2;
            char *p = malloc(l);
            if (!p) continue;
            snprintf(p, l, "%s/%s", dir, files[f]);
            (*items)[(*n)++] = (dlk_item){p, -1, label};
        }
        dlk_free_names(files, nf);
    }
    if (!(labels && labels->n)) {
        classes->n = ncls;
        classes->names = cls;
    } else {
        dlk_free_names(cls, ncls);
    }
    return 0;
}

