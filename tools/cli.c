/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"

#include "util/err.h"
#include "util/outfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void vreport(const char *cmd, const char *fmt, va_list ap)
{
    char raw[2048], esc[2048];
    vsnprintf(raw, sizeof raw, fmt, ap);
    dlk_escape(raw, esc, sizeof esc); /* names from files or arguments: no raw control bytes */
    fprintf(stderr, "dlakit%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", esc);
}

int cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'dlakit %s --help'.\n", cmd ? cmd : "");
    return 2;
}

int cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

int cli_parse_int(const char *s, long lo, long hi, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (!*s || *e || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *s, int *h, int *w)
{
    char buf[64];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    char *x = strchr(buf, 'x');
    if (!x) x = strchr(buf, 'X');
    long a, b;
    if (x) {
        *x = 0;
        if (cli_parse_int(buf, 1, 16384, &a) || cli_parse_int(x + 1, 1, 16384, &b)) return -1;
    } else {
        if (cli_parse_int(buf, 1, 16384, &a)) return -1;
        b = a;
    }
    *h = (int)a;
    *w = (int)b;
    return 0;
}

int cli_parse_range(const char *s, long n, long *a, long *b)
{
    const char *colon = strchr(s, ':');
    if (!colon) return -1;
    char left[32], right[32];
    size_t ll = (size_t)(colon - s);
    if (ll >= sizeof left || strlen(colon + 1) >= sizeof right) return -1;
    memcpy(left, s, ll);
    left[ll] = 0;
    strcpy(right, colon + 1);
    *a = 0;
    *b = n;
    if (*left && cli_parse_int(left, 0, n, a)) return -1;
    if (*right && cli_parse_int(right, 0, n, b)) return -1;
    return *a < *b ? 0 : -1;
}

int cli_parse_floats3(const char *s, float v[3])
{
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        char *e;
        errno = 0;
        v[i] = strtof(p, &e);
        if (e == p || errno || !isfinite(v[i])) return -1; /* inf and nan give NaN outputs */
        if (i < 2 && *e != ',') return -1;
        p = e + (i < 2);
        if (i == 2 && *e) return -1;
    }
    return 0;
}

void cli_json_str(FILE *f, const char *s) { dlk_json_str(f, s); }

int cli_refuse_input(const char *cmd, const char *opt, const char *out, const char *const *inputs, int n)
{
    for (int k = 0; k < n; k++)
        if (out && inputs[k] && dlk_same_file(out, inputs[k]))
            return cli_usage_error(cmd, "%s %s is one of the inputs; it would be overwritten", opt, out);
    return 0;
}

int cli_finish_stdout(int rc)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int e = errno;
        fprintf(stderr, "dlakit: cannot write the standard output%s%s\n", e ? ": " : "", e ? strerror(e) : "");
        return 1;
    }
    return rc;
}

int cli_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 30 || lb > 30) return 9;
    int d[32][32];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v) v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] < 9 ? d[la][lb] : 9;
}
