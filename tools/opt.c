/* SPDX-License-Identifier: Apache-2.0 */
/* The option table (opt.h): one parser and one help printer for every command. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int matches(const cli_opt *o, const char *a)
{
    return o->kind != CLI_DOC && ((o->name && !strcmp(a, o->name)) || (o->short_name && !strcmp(a, o->short_name)) ||
                                  (o->alias && !strcmp(a, o->alias)));
}

/* "a|b|c" -> "a, b or c" */
static void choice_list(const char *choices, char *out, size_t n)
{
    size_t at = 0;
    const char *p = choices;
    out[0] = 0;
    while (*p && at + 1 < n) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        const char *sep = at == 0 ? "" : bar ? ", " : " or ";
        at += (size_t)snprintf(out + at, n - at, "%s%.*s", sep, (int)len, p);
        p = bar ? bar + 1 : p + len;
    }
}

static int choice_index(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    int k = 0;
    for (const char *p = choices;; k++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vl && !strncmp(p, v, len)) return k;
        if (!bar) return -1;
        p = bar + 1;
    }
}

/* The value v of option o into its destination: 0, or -1 with what it must be in hint. */
static int set_value(const cli_opt *o, const char *v, char *hint, size_t n)
{
    char *e;
    switch (o->kind) {
    case CLI_INT: {
        long x;
        if (!cli_parse_int(v, (long)o->lo, (long)o->hi, &x)) return *(long *)o->dst = x, 0;
        snprintf(hint, n, "a number from %ld to %ld", (long)o->lo, (long)o->hi);
        return -1;
    }
    case CLI_SIZE: {
        int *hw = o->dst;
        if (!cli_parse_size(v, &hw[0], &hw[1])) return 0;
        snprintf(hint, n, "N or HxW, 1..16384");
        return -1;
    }
    case CLI_DOUBLE: {
        errno = 0;
        double x = strtod(v, &e);
        if (e != v && !*e && !errno && (o->open_lo ? x > o->lo : x >= o->lo) && x <= o->hi)
            return *(double *)o->dst = x, 0;
        snprintf(hint, n, "a number in %c%g, %g]", o->open_lo ? '(' : '[', o->lo, o->hi);
        return -1;
    }
    case CLI_FLOAT: {
        float x = strtof(v, &e);
        if (e != v && !*e && isfinite(x)) return *(float *)o->dst = x, 0;
        snprintf(hint, n, "a finite number");
        return -1;
    }
    case CLI_FLOAT3:
        if (!cli_parse_floats3(v, o->dst)) return 0;
        snprintf(hint, n, "three finite numbers: a,b,c");
        return -1;
    case CLI_CHOICE: {
        int k = choice_index(o->choices, v);
        if (k >= 0) return *(int *)o->dst = k, 0;
        choice_list(o->choices, hint, n);
        return -1;
    }
    case CLI_STR: *(const char **)o->dst = v; return 0;
    default: return 0;
    }
}

void cli_pre_init(cli_pre *p)
{
    memset(p, 0, sizeof *p);
    dlk_pre_opts_default(&p->pre, 0, 0);
    p->filter = 2; /* bicubic */
}

int cli_pre_finish(const char *cmd, cli_pre *p)
{
    static const dlk_resize_filter filters[] = {DLK_RESIZE_NEAREST, DLK_RESIZE_BILINEAR, DLK_RESIZE_BICUBIC};
    static const dlk_aspect aspects[] = {DLK_ASPECT_CROP, DLK_ASPECT_FIT, DLK_ASPECT_PAD};
    p->pre.filter = filters[p->filter];
    p->pre.aspect = aspects[p->aspect];
    if (!(p->pre.std[0] != 0 && p->pre.std[1] != 0 && p->pre.std[2] != 0))
        return cli_usage_error(cmd, "--std values must be non-zero");
    p->pre.use_scale = p->have_scale || p->have_offset;
    if (p->have_size) p->pre.h = p->hw[0], p->pre.w = p->hw[1]; /* else 0: the model's size */
    return 0;
}

int cli_parse(const cli_cmd *c, int argc, char **argv, int *npos)
{
    int k = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            cli_help(c, stdout);
            return 0;
        }
        if (a[0] != '-' || !a[1]) {
            argv[k++] = argv[i];
            continue;
        }
        const cli_opt *o = NULL;
        for (int j = 0; j < c->n_opts && !o; j++)
            if (matches(&c->opts[j], a)) o = &c->opts[j];
        if (!o) {
            const char *best = NULL;
            int bd = 3; /* suggest a spelling within 2 edits */
            for (int j = 0; j < c->n_opts; j++) {
                const char *nm = c->opts[j].name;
                if (c->opts[j].kind == CLI_DOC || !nm) continue;
                int d = cli_edit_distance(a, nm);
                if (d < bd) bd = d, best = nm;
            }
            if (best) return cli_usage_error(c->name, "unknown option '%s'; did you mean '%s'?", a, best);
            return cli_usage_error(c->name, "unknown option '%s'", a);
        }
        int need = o->kind == CLI_FLAG ? 0 : o->kind == CLI_STR2 ? 2 : 1;
        if (i + need >= argc) return cli_usage_error(c->name, "option '%s' needs %s", a, need == 2 ? "two values" : "a value");
        if (o->kind == CLI_FLAG) *(int *)o->dst = 1;
        else if (o->kind == CLI_STR2) {
            ((const char **)o->dst)[0] = argv[i + 1];
            ((const char **)o->dst)[1] = argv[i + 2];
        } else {
            char hint[256];
            if (set_value(o, argv[i + 1], hint, sizeof hint)) return cli_usage_error(c->name, "invalid %s '%s' (%s)", a, argv[i + 1], hint);
        }
        if (o->seen) *o->seen = 1;
        i += need;
    }
    *npos = k - 1;
    argv[k] = NULL;
    if (*npos < c->min_args) return cli_usage_error(c->name, "%s", c->missing);
    if (c->max_args >= 0 && *npos > c->max_args) return cli_usage_error(c->name, "unexpected argument '%s'", argv[1 + c->max_args]);
    if (c->pre && cli_pre_finish(c->name, c->pre)) return 2;
    return CLI_GO;
}

void cli_help(const cli_cmd *c, FILE *f)
{
    fputs(c->head, f);
    for (int j = 0; j < c->n_opts; j++) {
        const cli_opt *o = &c->opts[j];
        if (!o->help) continue;
        if (o->kind == CLI_DOC && !o->name && !o->left) { /* a heading or a blank line */
            fprintf(f, "%s\n", o->help);
            continue;
        }
        char left[160];
        if (o->left || o->kind == CLI_DOC) snprintf(left, sizeof left, "%s", o->left ? o->left : o->name);
        else
            snprintf(left, sizeof left, "%s%s%s%s%s", o->short_name ? o->short_name : "", o->short_name ? ", " : "", o->name,
                     o->meta ? " " : "", o->meta ? o->meta : "");
        fprintf(f, "  %-*s", c->width, left);
        for (const char *p = o->help;;) {
            const char *nl = strchr(p, '\n');
            fprintf(f, "%.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
            if (!nl) break;
            p = nl + 1;
            fprintf(f, "  %*s", c->width, "");
        }
    }
    fputs(c->tail, f);
}
