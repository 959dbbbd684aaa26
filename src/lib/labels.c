/* SPDX-License-Identifier: Apache-2.0 */
#include "labels.h"
#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dlk_labels_read(const char *path, dlk_labels *out, dlk_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open: %s", path, strerror(errno));
    char line[4096];
    int cap = 0;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(out->names, sizeof(char *) * cap);
            if (!nn) break;
            out->names = nn;
        }
        /* names go to the terminal and into JSON: control bytes and invalid UTF-8 as \xNN */
        out->names[out->n] = malloc(4 * l + 1);
        if (!out->names[out->n]) break;
        dlk_escape(line, out->names[out->n++], 4 * l + 1);
        if (out->n > 1000000) break;
    }
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        dlk_labels_free(out);
        return dlk_fail(err, "%s: cannot read labels (read error, too many lines or out of memory)", path);
    }
    if (!out->n) return dlk_fail(err, "%s: no labels in the file", path);
    return 0;
}

void dlk_labels_free(dlk_labels *l)
{
    for (int i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

dlk_labels *dlk_labels_open(const char *path, dlk_err *err)
{
    dlk_labels *l = malloc(sizeof *l);
    if (!l) {
        dlk_fail(err, "%s: out of memory", path);
        return NULL;
    }
    if (dlk_labels_read(path, l, err)) {
        free(l);
        return NULL;
    }
    return l;
}

int dlk_labels_count(const dlk_labels *l) { return l ? l->n : 0; }
const char *dlk_labels_name(const dlk_labels *l, int k) { return l && k >= 0 && k < l->n ? l->names[k] : NULL; }

void dlk_labels_close(dlk_labels *l)
{
    if (!l) return;
    dlk_labels_free(l);
    free(l);
}
