/* SPDX-License-Identifier: Apache-2.0 */
/* ImageFolder listing. */
#include "lib/imagefolder.h"
#include "util/file.h"

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

/* Sorted entries of dir that are folders (want_dir: in timm's natural order, as eval's default) or
 * image files (plain order, as eval): dlk_list_dir, eval's own listing. */
static int list_sorted(const char *dir, int want_dir, char ***out, int *n)
{
    return dlk_list_dir(dir, want_dir, want_dir, out, n, NULL);
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

