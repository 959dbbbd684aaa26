/* SPDX-License-Identifier: Apache-2.0 */
/* Escaped comments and unique identifiers for the generated C (see cident.h). */
#include "codegen/cident.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char dlk_text_kernels_h[], dlk_text_bcast_h[], dlk_text_ref_q8_c[], dlk_text_ref_f32_c[];
/* the --target kernels (codegen/mcu/kern_*.inc) */
extern const char dlk_text_kern_common[], dlk_text_kern_mve[], dlk_text_kern_mve_body[], dlk_text_kern_dsp[],
    dlk_text_kern_dsp_body[];

const char *dlk_c_comment(const char *s, char out[DLK_C_COMMENT_BUF])
{
    if (!s || !*s) s = "(unnamed)";
    size_t k = 0, i = 0;
    for (; s[i] && i < DLK_C_COMMENT_MAX; i++) {
        const unsigned char ch = (unsigned char)s[i];
        const char prev = k ? out[k - 1] : ' ';
        const int esc = ch < 0x20 || ch > 0x7e || ch == '\\' || (ch == '/' && prev == '*') || (ch == '*' && prev == '/') ||
                        (ch == '?' && prev == '?') || ((ch == '*' || ch == '/') && !s[i + 1]);
        if (esc) k += (size_t)snprintf(out + k, 5, "\\x%02x", ch);
        else out[k++] = (char)ch;
    }
    if (s[i]) memcpy(out + k, "...", 3), k += 3;
    out[k] = 0;
    return out;
}

/* C89-C23 keywords, common compiler keywords and macros, what stdint.h, stddef.h, string.h and
 * math.h declare (the families of reserved names are checked by reserved_family). */
static const char *const reserved_words[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float",
    "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "alignas", "alignof", "bool",
    "constexpr", "false", "nullptr", "static_assert", "thread_local", "true", "typeof", "typeof_unqual", "noreturn",
    "complex", "imaginary", "I", "asm", "typeof", "fortran", "defined", "assert", "errno", "main", "NULL", "offsetof",
    "size_t", "ptrdiff_t", "wchar_t", "max_align_t", "nullptr_t", "unreachable", "memcpy", "memmove", "memset", "memcmp",
    "memchr", "strcpy", "strncpy", "strcat", "strncat", "strcmp", "strncmp", "strlen", "strchr", "strrchr", "strstr",
    "strtok", "strspn", "strcspn", "strpbrk", "strerror", "strcoll", "strxfrm", "strdup", "strndup", "strnlen", "stpcpy",
    "bzero", "bcopy", "bcmp", "index", "rindex", "ffs", "strcasecmp", "strncasecmp", "strsignal", "basename", "abs",
    "labs", "malloc", "calloc", "free", "realloc", "exit", "abort", "printf", "puts", "putchar", "stdin", "stdout",
    "stderr", "signgam", "gamma", "j0", "j1", "jn", "y0", "y1", "yn", "drem", "significand", "finite", "isinf", "isnan",
    "scalb", "pow10", "exp10", "sincos", "HUGE", "MAXFLOAT", "DOMAIN", "SING", "OVERFLOW", "UNDERFLOW", "TLOSS", "PLOSS",
    "X_TLOSS", "exception", "matherr", "float_t", "double_t", "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "INFINITY", "NAN",
    "fpclassify", "isfinite", "isnormal", "signbit", "isgreater", "isgreaterequal", "isless", "islessequal",
    "islessgreater", "isunordered", "iszero", "issubnormal", "issignaling", "iscanonical", "math_errhandling",
    /* math.h functions; each also with an f and an l suffix (reserved_family) */
    "acos", "asin", "atan", "atan2", "cos", "sin", "tan", "acosh", "asinh", "atanh", "cosh", "sinh", "tanh", "exp",
    "exp2", "expm1", "frexp", "ilogb", "ldexp", "log", "log10", "log1p", "log2", "logb", "modf", "scalbn", "scalbln",
    "cbrt", "fabs", "hypot", "pow", "sqrt", "erf", "erfc", "lgamma", "tgamma", "ceil", "floor", "nearbyint", "rint",
    "lrint", "llrint", "round", "lround", "llround", "trunc", "fmod", "remainder", "remquo", "copysign", "nan",
    "nextafter", "nexttoward", "fdim", "fmax", "fmin", "fma", "gamma_r", "lgamma_r", "roundeven", "fmaximum", "fminimum",
};

/* The generated file's own names: file-scope symbols, its functions' parameters and locals. */
static const char *const file_words[] = {
    "arena", "arena_words", "input_table", "quantize_input", "image", "scores", "x", "c", "i", "plane", "len", "step",
    "scale", "zero_point", "model", "PROFILE_STEP", "layer", "macs",
};

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_idch(char c) { return is_lower(c) || is_upper(c) || is_digit(c) || c == '_'; }

static int starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* Names the C standard or POSIX reserve as families by their start, and the kernels' and the
 * program's prefixes: no suffix makes such a name free. */
static int prefix_family(const char *s, const char *name)
{
    const size_t nl = strlen(name);
    if (s[0] == '_') return 1;
    if ((starts(s, "str") || starts(s, "mem") || starts(s, "wcs")) && is_lower(s[3])) return 1;
    if ((starts(s, "is") || starts(s, "to")) && is_lower(s[2])) return 1; /* ctype.h, wctype.h */
    if (s[0] == 'E' && (is_digit(s[1]) || is_upper(s[1]))) return 1;   /* errno.h */
    if (starts(s, "INT") || starts(s, "UINT") || starts(s, "SIZE_") || starts(s, "PTRDIFF_") || starts(s, "SIG") ||
        starts(s, "WCHAR_") || starts(s, "WINT_") || starts(s, "FP_") || starts(s, "M_") || starts(s, "MATH_") ||
        starts(s, "LC_") || starts(s, "FLT_") || starts(s, "DBL_") || starts(s, "LDBL_") || starts(s, "PRI") ||
        starts(s, "SCN") || starts(s, "ATOMIC_") || starts(s, "TIME_"))
        return 1;
    if (starts(s, "dlk") || starts(s, "DLK")) return 1; /* the kernels' symbols */
    return nl && !strncmp(s, name, nl) && (s[nl] == 0 || s[nl] == '_'); /* NAME_run, NAME_IN_H, NAME_dlk_* */
}

/* All reserved families: the prefixes, "__" (C++), "_t" (POSIX types), a math.h name + f or l. */
static int reserved_family(const char *s, const char *name)
{
    const size_t n = strlen(s);
    if (prefix_family(s, name) || strstr(s, "__") || (n >= 2 && !strcmp(s + n - 2, "_t"))) return 1;
    if (n > 1 && n < 48 && (s[n - 1] == 'f' || s[n - 1] == 'l')) {
        char b[48];
        memcpy(b, s, n - 1);
        b[n - 1] = 0;
        for (size_t k = 0; k < sizeof reserved_words / sizeof *reserved_words; k++)
            if (!strcmp(b, reserved_words[k])) return 1;
    }
    return 0;
}

/* An open-addressing set of strings. */
struct dlk_cnames {
    char **slot;
    size_t cap, used;
    char name[48];
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static char **find(dlk_cnames *r, const char *s, size_t n)
{
    size_t i = (size_t)hash(s, n) & (r->cap - 1);
    while (r->slot[i] && (strlen(r->slot[i]) != n || memcmp(r->slot[i], s, n))) i = (i + 1) & (r->cap - 1);
    return &r->slot[i];
}

static int taken(dlk_cnames *r, const char *s) { return *find(r, s, strlen(s)) != NULL || reserved_family(s, r->name); }

static int add(dlk_cnames *r, const char *s, size_t n)
{
    if (2 * (r->used + 1) > r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        char **old = r->slot, **slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        const size_t oc = r->cap;
        r->slot = slot;
        r->cap = cap;
        for (size_t i = 0; i < oc; i++)
            if (old[i]) *find(r, old[i], strlen(old[i])) = old[i];
        free(old);
    }
    char **at = find(r, s, n);
    if (*at) return 0;
    if (!(*at = malloc(n + 1))) return -1;
    memcpy(*at, s, n);
    (*at)[n] = 0;
    r->used++;
    return 0;
}

/* Every identifier of a C text outside its comments, strings and character constants. */
static int add_text_identifiers(dlk_cnames *r, const char *s)
{
    while (*s) {
        if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else if (s[0] == '/' && s[1] == '/') {
            while (*s && *s != '\n') s++;
        } else if (*s == '"' || *s == '\'') {
            const char q = *s++;
            while (*s && *s != q) s += s[0] == '\\' && s[1] ? 2 : 1;
            if (*s) s++;
        } else if (is_idch(*s) && !is_digit(*s)) {
            size_t n = 0;
            while (is_idch(s[n])) n++;
            if (add(r, s, n)) return -1;
            s += n;
        } else if (is_digit(*s)) {
            while (is_idch(*s)) s++;
        } else {
            s++;
        }
    }
    return 0;
}

void dlk_cnames_free(dlk_cnames *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->cap; i++) free(r->slot[i]);
    free(r->slot);
    free(r);
}

dlk_cnames *dlk_cnames_new(const char *name)
{
    dlk_cnames *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    snprintf(r->name, sizeof r->name, "%s", name);
    int bad = add(r, name, strlen(name));
    for (size_t k = 0; !bad && k < sizeof reserved_words / sizeof *reserved_words; k++)
        bad = add(r, reserved_words[k], strlen(reserved_words[k]));
    for (size_t k = 0; !bad && k < sizeof file_words / sizeof *file_words; k++) bad = add(r, file_words[k], strlen(file_words[k]));
    if (!bad) bad = add_text_identifiers(r, dlk_text_kernels_h) || add_text_identifiers(r, dlk_text_bcast_h) ||
                    add_text_identifiers(r, dlk_text_ref_q8_c) || add_text_identifiers(r, dlk_text_ref_f32_c) ||
                    add_text_identifiers(r, dlk_text_kern_common) || add_text_identifiers(r, dlk_text_kern_mve) ||
                    add_text_identifiers(r, dlk_text_kern_mve_body) || add_text_identifiers(r, dlk_text_kern_dsp) ||
                    add_text_identifiers(r, dlk_text_kern_dsp_body);
    if (bad) {
        dlk_cnames_free(r);
        return NULL;
    }
    return r;
}

int dlk_cnames_has(dlk_cnames *r, const char *s) { return *find(r, s, strlen(s)) != NULL; }

int dlk_c_check_name(const char *name, dlk_err *err)
{
    const size_t n = strlen(name);
    int ok = n >= 1 && n <= 40 && (is_lower(name[0]) || is_upper(name[0])) && name[n - 1] != '_';
    for (size_t i = 0; ok && i < n; i++) ok = is_idch(name[i]) && !(name[i] == '_' && name[i + 1] == '_');
    if (!ok)
        return dlk_fail(err, "the name '%.60s' is not a C identifier of 1 to 40 characters (a letter, then letters, digits and "
                        "single underscores, not ending in '_')", name);
    if (starts(name, "dlk") || starts(name, "DLK"))
        return dlk_fail(err, "the name '%s' starts with dlk or DLK, the prefix of the kernels' own symbols", name);
    for (size_t k = 0; k < sizeof reserved_words / sizeof *reserved_words; k++)
        if (!strcmp(name, reserved_words[k])) return dlk_fail(err, "the name '%s' is a C keyword or a standard name", name);
    if (n >= 2 && !strcmp(name + n - 2, "_t")) return dlk_fail(err, "the name '%s' ends in _t, a name POSIX reserves for types", name);
    if (prefix_family(name, "") && !(starts(name, "is") || starts(name, "to") || starts(name, "str") || starts(name, "mem")))
        return dlk_fail(err, "the name '%s' is reserved by the C standard or POSIX (its macros would clash)", name);
    return 0;
}

/* The identifier form of text: its last 30 characters (so that every identifier, with "L" + step,
 * "_step_alt" and a suffix, stays within C99's 63 significant characters), other bytes as '_', runs of '_' as one,
 * none at either end; "" when nothing is left. */
static void sanitize(const char *text, char out[48])
{
    size_t k = 0, len = strlen(text);
    for (const char *s = text + (len > 30 ? len - 30 : 0); *s; s++) {
        const char ch = is_idch(*s) ? *s : '_';
        if (ch == '_' && (k == 0 || out[k - 1] == '_')) continue;
        out[k++] = ch;
    }
    while (k > 0 && out[k - 1] == '_') k--;
    out[k] = 0;
}

static int all_free(dlk_cnames *r, const char *base, const char *const *suffix, int n_suffix)
{
    char b[128];
    for (int k = 0; k < n_suffix; k++) {
        snprintf(b, sizeof b, "%s%s", base, suffix[k]);
        if (taken(r, b)) return 0;
    }
    return 1;
}

int dlk_cnames_take(dlk_cnames *r, const char *text, int tag, const char *const *suffix, int n_suffix, char *out, size_t out_n)
{
    char id[48], b[128];
    sanitize(text ? text : "", id);
    if (!id[0] || is_digit(id[0]) || prefix_family(id, r->name)) {
        /* a letter and the step first: 'L', or 'K' when the program's name starts with 'L' */
        snprintf(b, sizeof b, "%c%d%s%s", r->name[0] == 'L' ? 'K' : 'L', tag, id[0] ? "_" : "", id);
        snprintf(id, sizeof id, "%.47s", b);
        size_t k = strlen(id);
        while (k > 0 && id[k - 1] == '_') id[--k] = 0;
    }
    snprintf(b, sizeof b, "%s", id);
    for (long alt = 1; !all_free(r, b, suffix, n_suffix); alt++)
        if (alt == 1) snprintf(b, sizeof b, "%s_%d", id, tag);
        else snprintf(b, sizeof b, "%s_%d_%ld", id, tag, alt);
    for (int k = 0; k < n_suffix; k++) {
        char full[160];
        snprintf(full, sizeof full, "%s%s", b, suffix[k]);
        if (add(r, full, strlen(full))) return -1;
    }
    snprintf(out, out_n, "%s", b);
    return 0;
}
