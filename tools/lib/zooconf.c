/* SPDX-License-Identifier: Apache-2.0 */
#include "zooconf.h"
#include "util/err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* --- the tree ------------------------------------------------------------------------------- */

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static void node_clear(zc_node *n)
{
    for (int i = 0; i < n->n; i++) node_clear(&n->kids[i]);
    free(n->kids);
    free(n->key);
    free(n->str);
    memset(n, 0, sizeof *n);
}

void zc_free(zc_node *root) { node_clear(root); }

static zc_node *add_kid(zc_node *p)
{
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 8;
        zc_node *nk = realloc(p->kids, sizeof(zc_node) * cap);
        if (!nk) return NULL;
        p->kids = nk;
        p->cap = cap;
    }
    zc_node *k = &p->kids[p->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static zc_node *find_kid(const zc_node *m, const char *key, size_t len)
{
    if (m->kind != ZC_MAP) return NULL;
    for (int i = 0; i < m->n; i++)
        if (strlen(m->kids[i].key) == len && !memcmp(m->kids[i].key, key, len)) return &m->kids[i];
    return NULL;
}

const zc_node *zc_get(const zc_node *root, const char *path)
{
    const zc_node *n = root;
    while (n && *path) {
        const char *dot = strchr(path, '.');
        size_t l = dot ? (size_t)(dot - path) : strlen(path);
        n = find_kid(n, path, l);
        path += l + (dot ? 1 : 0);
    }
    return n;
}

/* --- YAML events -> tree --------------------------------------------------------------------- */

typedef struct {
    yaml_parser_t p;
    const char *name;
    int nodes;
    dlk_err *err;
} builder;

static int next(builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->p, ev))
        return dlk_fail(b->err, "%s: line %d: invalid YAML: %s", b->name, (int)b->p.problem_mark.line + 1,
                        b->p.problem ? b->p.problem : "parse error");
    return 0;
}

static int value(builder *b, yaml_event_t *ev, zc_node *into, int depth);

static int collection(builder *b, zc_node *into, int depth, int map)
{
    into->kind = map ? ZC_MAP : ZC_SEQ;
    if (depth >= ZC_MAX_DEPTH) return dlk_fail(b->err, "%s: line %d: nested more than %d deep", b->name, into->line, ZC_MAX_DEPTH);
    for (;;) {
        yaml_event_t ev;
        if (next(b, &ev)) return -1;
        if (ev.type == (map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
            yaml_event_delete(&ev);
            return 0;
        }
        char *key = NULL;
        if (map) {
            int line = (int)ev.start_mark.line + 1;
            if (ev.type != YAML_SCALAR_EVENT) {
                yaml_event_delete(&ev);
                return dlk_fail(b->err, "%s: line %d: a mapping key must be a plain value", b->name, line);
            }
            size_t kl = ev.data.scalar.length;
            key = dupn((const char *)ev.data.scalar.value, kl);
            yaml_event_delete(&ev);
            if (!key) return dlk_fail(b->err, "out of memory");
            if (strlen(key) != kl || !key[0] || strchr(key, '.')) {
                dlk_fail(b->err, "%s: line %d: key '%.64s' is empty or has a '.'", b->name, line, key);
                free(key);
                return -1;
            }
            if (find_kid(into, key, strlen(key))) {
                dlk_fail(b->err, "%s: line %d: key '%.64s' given twice", b->name, line, key);
                free(key);
                return -1;
            }
            if (next(b, &ev)) {
                free(key);
                return -1;
            }
        }
        zc_node *k = add_kid(into);
        if (!k) {
            free(key);
            yaml_event_delete(&ev);
            return dlk_fail(b->err, "out of memory");
        }
        k->key = key;
        if (value(b, &ev, k, depth + 1)) return -1;
    }
}

/* ev: the first event of a value (consumed here). */
static int value(builder *b, yaml_event_t *ev, zc_node *into, int depth)
{
    into->line = (int)ev->start_mark.line + 1;
    if (++b->nodes > ZC_MAX_NODES) {
        yaml_event_delete(ev);
        return dlk_fail(b->err, "%s: more than %d values", b->name, ZC_MAX_NODES);
    }
    int r = 0;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.length > ZC_MAX_SCALAR) {
            r = dlk_fail(b->err, "%s: line %d: a value longer than %d bytes", b->name, into->line, ZC_MAX_SCALAR);
            break;
        }
        into->kind = ZC_SCALAR;
        into->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        if (!(into->str = dupn((const char *)ev->data.scalar.value, ev->data.scalar.length))) r = dlk_fail(b->err, "out of memory");
        else if (strlen(into->str) != ev->data.scalar.length)
            r = dlk_fail(b->err, "%s: line %d: a value with a NUL byte", b->name, into->line);
        break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
        int map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_delete(ev);
        return collection(b, into, depth, map);
    }
    case YAML_ALIAS_EVENT: r = dlk_fail(b->err, "%s: line %d: YAML aliases (*name) are not supported", b->name, into->line); break;
    default: r = dlk_fail(b->err, "%s: line %d: unexpected YAML content", b->name, into->line); break;
    }
    yaml_event_delete(ev);
    return r;
}

int zc_parse(const char *text, size_t len, const char *name, zc_node *root, dlk_err *err)
{
    memset(root, 0, sizeof *root);
    root->kind = ZC_MAP;
    if (len > ZC_MAX_BYTES) return dlk_fail(err, "%s: larger than %u bytes", name, ZC_MAX_BYTES);
    builder b = {.name = name, .err = err};
    if (!yaml_parser_initialize(&b.p)) return dlk_fail(err, "out of memory");
    yaml_parser_set_input_string(&b.p, (const unsigned char *)text, len);
    int r = 0, docs = 0;
    for (;;) {
        yaml_event_t ev;
        if ((r = next(&b, &ev))) break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            yaml_event_delete(&ev);
            r = dlk_fail(err, "%s: more than one YAML document", name);
            break;
        }
        if (t == YAML_MAPPING_START_EVENT) {
            yaml_event_delete(&ev);
            if ((r = collection(&b, root, 0, 1))) break;
            continue;
        }
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_ALIAS_EVENT) {
            int line = (int)ev.start_mark.line + 1, empty = t == YAML_SCALAR_EVENT && ev.data.scalar.length == 0;
            yaml_event_delete(&ev);
            if (empty) continue;
            r = dlk_fail(err, "%s: line %d: the top level must be a mapping of sections", name, line);
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&b.p);
    if (r) node_clear(root);
    return r;
}

int zc_load(const char *path, zc_node *root, dlk_err *err)
{
    memset(root, 0, sizeof *root);
    FILE *f = fopen(path, "rb");
    if (!f) return dlk_fail(err, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(ZC_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, ZC_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return dlk_fail(err, "%s: cannot read", path);
    }
    int r = zc_parse(buf, n, path, root, err);
    free(buf);
    return r;
}

/* --- overrides ---------------------------------------------------------------------------------- */

static int key_ok(const char *k, size_t l)
{
    if (!l) return 0;
    for (size_t i = 0; i < l; i++)
        if (!(isalnum((unsigned char)k[i]) || k[i] == '_' || k[i] == '-' || k[i] == '.') || (k[i] == '.' && (i == 0 || i + 1 == l || k[i + 1] == '.')))
            return 0;
    return 1;
}

int zc_override(zc_node *root, const char *arg, dlk_err *err)
{
    int add = 0, del = 0;
    if (!strncmp(arg, "++", 2)) add = 2, arg += 2;
    else if (*arg == '+') add = 1, arg++;
    else if (*arg == '~') del = 1, arg++;
    const char *eq = strchr(arg, '=');
    size_t kl = eq ? (size_t)(eq - arg) : strlen(arg);
    if (!key_ok(arg, kl) || (!eq && !del)) return dlk_fail(err, "override '%.200s': expected key.path=value, +key.path=value or ~key.path", arg);
    zc_node *n = root;
    const char *k = arg, *end = arg + kl;
    while (k < end) {
        const char *dot = memchr(k, '.', (size_t)(end - k));
        size_t l = dot ? (size_t)(dot - k) : (size_t)(end - k);
        int last = !dot;
        zc_node *c = find_kid(n, k, l);
        if (n->kind != ZC_MAP) return dlk_fail(err, "override '%.*s': '%.*s' is not a mapping", (int)kl, arg, (int)(k - arg - 1), arg);
        if (last && del) {
            if (!c) return dlk_fail(err, "override '~%.*s': no such key", (int)kl, arg);
            node_clear(c);
            int i = (int)(c - n->kids);
            memmove(&n->kids[i], &n->kids[i + 1], sizeof(zc_node) * (size_t)(n->n - i - 1));
            n->n--;
            return 0;
        }
        if (!c) {
            if (!add)
                return dlk_fail(err, "override '%.*s': no such key in the config (to add it: +%.*s=...)", (int)kl, arg, (int)kl, arg);
            if (!(c = add_kid(n)) || !(c->key = dupn(k, l))) return dlk_fail(err, "out of memory");
            c->kind = last ? ZC_SCALAR : ZC_MAP;
        } else if (last && add == 1) {
            return dlk_fail(err, "override '+%.*s': the key exists (to change it: %.*s=...)", (int)kl, arg, (int)kl, arg);
        }
        n = c;
        k += l + 1;
    }
    /* the value: a YAML flow value ("[3, 64, 64]", "'text'", 1/255.0), else the text as it is */
    const char *v = eq + 1;
    size_t vl = strlen(v);
    if (vl > ZC_MAX_SCALAR) return dlk_fail(err, "override '%.*s': value longer than %d bytes", (int)kl, arg, ZC_MAX_SCALAR);
    char *doc = malloc(vl + 8);
    if (!doc) return dlk_fail(err, "out of memory");
    snprintf(doc, vl + 8, "v: %s\n", v);
    zc_node tmp;
    dlk_err ignore;
    char *key = n->key;
    n->key = NULL;
    node_clear(n);
    n->key = key;
    int parsed = !zc_parse(doc, strlen(doc), "override", &tmp, &ignore);
    if (parsed && tmp.n == 1) {
        zc_node *src = &tmp.kids[0];
        free(src->key);
        src->key = n->key;
        *n = *src;
        tmp.n = 0;
        zc_free(&tmp);
    } else {
        if (parsed) zc_free(&tmp);
        n->kind = ZC_SCALAR;
        n->quoted = 1;
        if (!(n->str = dupn(v, vl))) {
            free(doc);
            return dlk_fail(err, "out of memory");
        }
    }
    free(doc);
    return 0;
}

/* --- interpolation ------------------------------------------------------------------------------ */

typedef struct {
    char *b;
    size_t n, cap;
} sbuf;

static int sb_add(sbuf *s, const char *p, size_t l)
{
    if (s->n + l + 1 > ZC_MAX_SCALAR + 1) return -1;
    if (s->n + l + 1 > s->cap) {
        size_t cap = (s->n + l + 1) * 2;
        char *nb = realloc(s->b, cap);
        if (!nb) return -1;
        s->b = nb;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, l);
    s->n += l;
    s->b[s->n] = 0;
    return 0;
}

static int expand(const zc_node *root, const char *where, const char *s, sbuf *out, int depth, long *work, dlk_err *err);

static int expand_one(const zc_node *root, const char *where, const char *in, size_t l, sbuf *out, int depth, long *work,
                      dlk_err *err)
{
    if (--*work < 0) return dlk_fail(err, "key '%s': more than %d interpolations in the config", where, ZC_MAX_NODES);
    char inner[512];
    if (l >= sizeof inner) return dlk_fail(err, "key '%s': interpolation too long", where);
    memcpy(inner, in, l);
    inner[l] = 0;
    if (!strncmp(inner, "now:", 4)) {
        char t[256];
        time_t now = time(NULL);
        struct tm tmv;
        size_t tl = localtime_r(&now, &tmv) ? strftime(t, sizeof t, inner + 4, &tmv) : 0;
        if (!tl && inner[4]) return dlk_fail(err, "key '%s': ${%s}: bad time format", where, inner);
        return sb_add(out, t, tl) ? dlk_fail(err, "key '%s': value too long", where) : 0;
    }
    if (!strncmp(inner, "oc.env:", 7)) {
        char *name = inner + 7, *def = strchr(name, ',');
        if (def) *def++ = 0;
        const char *v = getenv(name);
        if (!v && def) {
            while (*def == ' ') def++;
            v = def;
        }
        if (!v) return dlk_fail(err, "key '%s': ${oc.env:%s}: the environment variable is not set", where, name);
        return sb_add(out, v, strlen(v)) ? dlk_fail(err, "key '%s': value too long", where) : 0;
    }
    if (!strcmp(inner, "hydra:runtime.cwd")) {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) return dlk_fail(err, "key '%s': cannot read the current folder", where);
        return sb_add(out, cwd, strlen(cwd)) ? dlk_fail(err, "key '%s': value too long", where) : 0;
    }
    if (strchr(inner, ':') || inner[0] == '.')
        return dlk_fail(err, "key '%s': interpolation ${%s} is not supported (supported: ${key.path}, ${now:FORMAT}, "
                             "${oc.env:NAME}, ${hydra:runtime.cwd})",
                        where, inner);
    const zc_node *t = zc_get(root, inner);
    if (!t) return dlk_fail(err, "key '%s': ${%s}: no such key", where, inner);
    if (t->kind != ZC_SCALAR) return dlk_fail(err, "key '%s': ${%s} is not a single value", where, inner);
    return expand(root, inner, t->str ? t->str : "", out, depth + 1, work, err);
}

static int expand(const zc_node *root, const char *where, const char *s, sbuf *out, int depth, long *work, dlk_err *err)
{
    if (depth > 16) return dlk_fail(err, "key '%s': interpolations nested more than 16 deep (a cycle?)", where);
    while (*s) {
        const char *d = strstr(s, "${");
        if (!d) return sb_add(out, s, strlen(s)) ? dlk_fail(err, "key '%s': value too long", where) : 0;
        if (sb_add(out, s, (size_t)(d - s))) return dlk_fail(err, "key '%s': value too long", where);
        /* the matching '}', with nested ${...} inside expanded first */
        const char *p = d + 2;
        int lvl = 1;
        while (*p && lvl) {
            if (p[0] == '$' && p[1] == '{') lvl++, p++;
            else if (*p == '}') lvl--;
            if (lvl) p++;
        }
        if (lvl) return dlk_fail(err, "key '%s': '${' without its '}'", where);
        sbuf in = {0};
        int r = expand(root, where, "", &in, depth + 1, work, err);
        char *raw = dupn(d + 2, (size_t)(p - d - 2));
        if (!raw) r = dlk_fail(err, "out of memory");
        if (!r) r = expand(root, where, raw, &in, depth + 1, work, err);
        free(raw);
        if (!r) r = expand_one(root, where, in.b ? in.b : "", in.n, out, depth, work, err);
        free(in.b);
        if (r) return r;
        s = p + 1;
    }
    if (!out->b) return sb_add(out, "", 0);
    return 0;
}

static int resolve_node(const zc_node *root, zc_node *n, char *path, size_t plen, long *work, dlk_err *err)
{
    size_t l = strlen(path);
    if (n->kind == ZC_SCALAR) {
        if (!n->str || !strstr(n->str, "${")) return 0;
        sbuf out = {0};
        if (expand(root, path, n->str, &out, 0, work, err)) {
            free(out.b);
            return -1;
        }
        free(n->str);
        n->str = out.b;
        n->quoted = 1;
        return 0;
    }
    for (int i = 0; i < n->n; i++) {
        if (n->kind == ZC_MAP) snprintf(path + l, plen - l, "%s%s", l ? "." : "", n->kids[i].key);
        else snprintf(path + l, plen - l, "[%d]", i);
        if (resolve_node(root, &n->kids[i], path, plen, work, err)) return -1;
        path[l] = 0;
    }
    return 0;
}

int zc_resolve(zc_node *root, dlk_err *err)
{
    /* values are replaced in file order (an expansion is the same whether the values it refers to are
     * resolved already or not); the work is bounded: values referring to each other many times
     * could fan out exponentially */
    char path[1024] = "";
    long work = ZC_MAX_NODES;
    return resolve_node(root, root, path, sizeof path, &work, err);
}

/* --- Python literals ---------------------------------------------------------------------------- */

int zc_is_null(const zc_node *v)
{
    if (!v) return 1;
    if (v->kind != ZC_SCALAR) return 0;
    const char *s = v->str ? v->str : "";
    if (!*s) return 1;
    if (v->quoted) return 0;
    return !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL") || !strcmp(s, "None");
}

typedef struct {
    const char *s;
    int depth;
} expr;

static void skip_ws(expr *e)
{
    while (*e->s == ' ' || *e->s == '\t') e->s++;
}

static int sum(expr *e, double *v);

static int atom(expr *e, double *v)
{
    skip_ws(e);
    if (*e->s == '-' || *e->s == '+') {
        int neg = *e->s == '-';
        e->s++;
        if (++e->depth > 64 || atom(e, v)) return -1;
        e->depth--;
        if (neg) *v = -*v;
        return 0;
    }
    if (*e->s == '(') {
        e->s++;
        if (++e->depth > 64 || sum(e, v)) return -1;
        e->depth--;
        skip_ws(e);
        if (*e->s != ')') return -1;
        e->s++;
        return 0;
    }
    if (!(isdigit((unsigned char)*e->s) || *e->s == '.')) return -1;
    char *end;
    errno = 0;
    *v = strtod(e->s, &end);
    if (end == e->s || errno || !isfinite(*v)) return -1;
    /* strtod also reads hex, inf and nan: only decimal literals are Python's */
    for (const char *p = e->s; p < end; p++)
        if (!(isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '-' || *p == '+')) return -1;
    e->s = end;
    return 0;
}

/* level 0: a sum of products; level 1: a product of atoms. */
static int binary(expr *e, double *v, int level)
{
    const char *ops = level ? "*/" : "+-";
    if (level ? atom(e, v) : binary(e, v, 1)) return -1;
    for (;;) {
        skip_ws(e);
        char op = *e->s;
        if (!op || !strchr(ops, op)) return 0;
        e->s++;
        double r;
        if (level ? atom(e, &r) : binary(e, &r, 1)) return -1;
        if (op == '/' && r == 0) return -1;
        *v = op == '*' ? *v * r : op == '/' ? *v / r : op == '+' ? *v + r : *v - r;
        if (!isfinite(*v)) return -1;
    }
}

static int sum(expr *e, double *v) { return binary(e, v, 0); }

int zc_eval_number(const char *s, double *out)
{
    expr e = {s, 0};
    double v;
    if (!s || sum(&e, &v)) return -1;
    skip_ws(&e);
    if (*e.s) return -1;
    *out = v;
    return 0;
}

/* "(224, 224, 3)", "[3,224,224]" or a YAML sequence -> up to max numbers. */
static int eval_numbers(const zc_node *v, double *out, int max, int *n)
{
    *n = 0;
    if (v->kind == ZC_SEQ) {
        for (int i = 0; i < v->n; i++)
            if (*n >= max || v->kids[i].kind != ZC_SCALAR || zc_eval_number(v->kids[i].str, &out[(*n)++])) return -1;
        return 0;
    }
    if (v->kind != ZC_SCALAR || !v->str) return -1;
    const char *s = v->str;
    while (*s == ' ') s++;
    char close = *s == '(' ? ')' : *s == '[' ? ']' : 0;
    if (!close) return -1;
    s++;
    char item[128];
    for (;;) {
        const char *c = s;
        while (*c && *c != ',' && *c != close) c++;
        if (!*c) return -1;
        size_t l = (size_t)(c - s);
        if (l >= sizeof item) return -1;
        memcpy(item, s, l);
        item[l] = 0;
        int blank = strspn(item, " ") == l;
        if (!blank) {
            if (*n >= max || zc_eval_number(item, &out[(*n)++])) return -1;
        } else if (*c == ',' || *n) {
            if (*c == ',') return -1; /* "(,)" or "(1,,2)" */
        }
        s = c + 1;
        if (*c == close) break;
    }
    while (*s == ' ') s++;
    return *s ? -1 : 0;
}

/* --- the schema ------------------------------------------------------------------------------- */

enum { K_SECTION, K_VALUE, K_IGNORED };

/* Keys the services know. K_IGNORED: a section of theirs that dlakit has no use for (training,
 * data augmentation, ...), not reported. */
static const struct {
    const char *path;
    int kind;
} known[] = {
    {"general", K_SECTION}, {"general.project_name", K_VALUE}, {"general.logs_dir", K_VALUE},
    {"general.saved_models_dir", K_VALUE}, {"general.display_figures", K_VALUE}, {"general.global_seed", K_VALUE},
    {"general.gpu_memory_limit", K_VALUE}, {"general.deterministic_ops", K_VALUE}, {"general.num_threads_tflite", K_VALUE},
    {"general.workers", K_VALUE}, {"general.no_prefetcher", K_VALUE}, {"general.model_path", K_VALUE},
    {"general.model_type", K_VALUE}, {"general.seed", K_VALUE}, {"general.pin_mem", K_VALUE},
    {"general.use_multi_epochs_loader", K_VALUE}, {"general.synchronize_step", K_VALUE}, {"general.log_interval", K_VALUE},
    {"general.log_wandb", K_VALUE}, {"general.log_tb", K_VALUE}, {"general.eval_metric", K_VALUE},
    {"general.recovery_interval", K_VALUE}, {"general.checkpoint_hist", K_VALUE}, {"general.save_images", K_VALUE},
    {"general.amp", K_VALUE}, {"general.amp_dtype", K_VALUE}, {"general.amp_impl", K_VALUE}, {"general.no_ddp_bb", K_VALUE},
    {"general.local_rank", K_VALUE}, {"general.tta", K_VALUE}, {"general.output", K_VALUE},
    {"operation_mode", K_VALUE},
    {"model", K_SECTION}, {"model.framework", K_VALUE}, {"model.model_path", K_VALUE}, {"model.model_name", K_VALUE},
    {"model.model_type", K_VALUE}, {"model.input_shape", K_VALUE}, {"model.pretrained", K_VALUE},
    {"model.pretrained_dataset", K_VALUE}, {"model.pretrained_weights", K_VALUE}, {"model.num_classes", K_VALUE},
    {"model.alpha", K_VALUE}, {"model.dropout", K_VALUE}, {"model.depth", K_VALUE}, {"model.name", K_VALUE},
    {"dataset", K_SECTION}, {"dataset.dataset_name", K_VALUE}, {"dataset.name", K_VALUE}, {"dataset.class_names", K_VALUE},
    {"dataset.classes_file_path", K_VALUE}, {"dataset.training_path", K_VALUE}, {"dataset.validation_path", K_VALUE},
    {"dataset.validation_split", K_VALUE}, {"dataset.test_path", K_VALUE}, {"dataset.quantization_path", K_VALUE},
    {"dataset.quantization_split", K_VALUE}, {"dataset.prediction_path", K_VALUE}, {"dataset.seed", K_VALUE},
    {"dataset.num_classes", K_VALUE}, {"dataset.data_dir", K_VALUE}, {"dataset.train_split", K_VALUE},
    {"dataset.val_split", K_VALUE}, {"dataset.check_image_files", K_VALUE}, {"dataset.data_download", K_VALUE},
    {"preprocessing", K_SECTION}, {"preprocessing.rescaling", K_SECTION}, {"preprocessing.rescaling.scale", K_VALUE},
    {"preprocessing.rescaling.offset", K_VALUE}, {"preprocessing.resizing", K_SECTION},
    {"preprocessing.resizing.interpolation", K_VALUE}, {"preprocessing.resizing.aspect_ratio", K_VALUE},
    {"preprocessing.color_mode", K_VALUE}, {"preprocessing.mean", K_VALUE}, {"preprocessing.std", K_VALUE},
    {"quantization", K_SECTION}, {"quantization.quantizer", K_VALUE}, {"quantization.quantization_type", K_VALUE},
    {"quantization.quantization_input_type", K_VALUE}, {"quantization.quantization_output_type", K_VALUE},
    {"quantization.granularity", K_VALUE}, {"quantization.optimize", K_VALUE}, {"quantization.export_dir", K_VALUE},
    {"quantization.target_opset", K_VALUE}, {"quantization.onnx_quant_parameters", K_SECTION},
    {"quantization.onnx_quant_parameters.calibrate_method", K_VALUE},
    {"quantization.onnx_quant_parameters.quant_format", K_VALUE},
    {"quantization.onnx_quant_parameters.per_channel", K_VALUE},
    {"quantization.onnx_quant_parameters.weight_type", K_VALUE},
    {"quantization.onnx_quant_parameters.activation_type", K_VALUE},
    {"quantization.onnx_quant_parameters.reduce_range", K_VALUE},
    {"quantization.onnx_quant_parameters.op_types_to_quantize", K_VALUE},
    {"quantization.onnx_quant_parameters.nodes_to_exclude", K_VALUE},
    {"quantization.onnx_extra_options", K_SECTION}, {"quantization.onnx_extra_options.ActivationSymmetric", K_VALUE},
    {"quantization.onnx_extra_options.WeightSymmetric", K_VALUE}, {"quantization.onnx_extra_options.QuantizeBias", K_VALUE},
    {"quantization.onnx_extra_options.CalibMovingAverage", K_VALUE}, {"quantization.extra_options", K_IGNORED},
    {"evaluation", K_SECTION}, {"evaluation.target", K_VALUE}, {"evaluation.gen_npy_input", K_VALUE},
    {"evaluation.gen_npy_output", K_VALUE}, {"evaluation.npy_in_name", K_VALUE}, {"evaluation.npy_out_name", K_VALUE},
    {"evaluation.profile", K_VALUE}, {"evaluation.input_chpos", K_VALUE}, {"evaluation.output_chpos", K_VALUE},
    {"prediction", K_SECTION}, {"prediction.test_files_path", K_VALUE}, {"prediction.target", K_VALUE},
    {"prediction.profile", K_VALUE}, {"prediction.input_chpos", K_VALUE}, {"prediction.output_chpos", K_VALUE},
    {"benchmarking", K_SECTION}, {"benchmarking.board", K_VALUE},
    {"deployment", K_SECTION}, {"deployment.c_project_path", K_VALUE}, {"deployment.IDE", K_VALUE},
    {"deployment.verbosity", K_VALUE}, {"deployment.hardware_setup", K_IGNORED}, {"deployment.build_conf", K_VALUE},
    {"deployment.label_file_path", K_VALUE},
    {"tools", K_IGNORED}, {"mlflow", K_IGNORED}, {"hydra", K_SECTION}, {"hydra.run", K_SECTION}, {"hydra.run.dir", K_VALUE},
    {"hydra.sweep", K_IGNORED}, {"hydra.job", K_IGNORED}, {"hydra.output_subdir", K_VALUE},
    {"training", K_IGNORED}, {"data_augmentation", K_IGNORED}, {"custom_data_augmentation", K_IGNORED},
    {"compression", K_IGNORED}, {"hardware_type", K_VALUE}, {"output_dir", K_VALUE},
};

static int known_kind(const char *path)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(known[i].path, path)) return known[i].kind;
    return -1;
}

typedef struct {
    const zc_node *root;
    const char *name;
    void (*warn)(void *, const char *);
    void *user;
    int warnings;
    dlk_err *err;
} reader;

static void check_keys(reader *r, const zc_node *m, char *path, size_t plen)
{
    size_t l = strlen(path);
    for (int i = 0; i < m->n; i++) {
        snprintf(path + l, plen - l, "%s%s", l ? "." : "", m->kids[i].key);
        int k = known_kind(path);
        if (k < 0) {
            char msg[1200], esc[1100];
            snprintf(msg, sizeof msg, "%s: line %d: unknown key '%s' (ignored)", r->name, m->kids[i].line, dlk_esc(path, esc, sizeof esc));
            if (r->warn) r->warn(r->user, msg);
            r->warnings++;
        } else if (k == K_SECTION && m->kids[i].kind == ZC_MAP) {
            check_keys(r, &m->kids[i], path, plen);
        }
        path[l] = 0;
    }
}

static int bad(reader *r, const char *path, const char *what)
{
    const zc_node *v = zc_get(r->root, path);
    char esc[200];
    if (v && v->kind == ZC_SCALAR)
        return dlk_fail(r->err, "%s: line %d: key '%s': '%s' %s", r->name, v->line, path, dlk_esc(v->str, esc, 120), what);
    return dlk_fail(r->err, "%s: line %d: key '%s': %s", r->name, v ? v->line : 0, path, what);
}

static int get_str(reader *r, const char *path, const char **out)
{
    const zc_node *v = zc_get(r->root, path);
    *out = NULL;
    if (zc_is_null(v)) return 0;
    if (v->kind != ZC_SCALAR) return bad(r, path, "must be a single value, not a list or a mapping");
    *out = v->str;
    return 0;
}

/* A string that must be one of "a|b|c" (case-insensitive): its position, or dflt when unset. */
static int get_choice(reader *r, const char *path, const char *choices, int dflt, int *out)
{
    const char *s;
    *out = dflt;
    if (get_str(r, path, &s)) return -1;
    if (!s) return 0;
    int k = 0;
    for (const char *c = choices; *c; k++) {
        const char *e = strchr(c, '|');
        size_t l = e ? (size_t)(e - c) : strlen(c);
        if (strlen(s) == l && !strncasecmp(s, c, l)) {
            *out = k;
            return 0;
        }
        c += l + (e ? 1 : 0);
    }
    char msg[300];
    snprintf(msg, sizeof msg, "is not one of %s", choices);
    return bad(r, path, msg);
}

static int get_num(reader *r, const char *path, double lo, double hi, int *have, double *out)
{
    const char *s;
    if (have) *have = 0;
    if (get_str(r, path, &s)) return -1;
    if (!s) return 0;
    if (zc_eval_number(s, out)) return bad(r, path, "is not a number (Python literal or arithmetic expected)");
    if (*out < lo || *out > hi) {
        char msg[128];
        snprintf(msg, sizeof msg, "is out of range [%g, %g]", lo, hi);
        return bad(r, path, msg);
    }
    if (have) *have = 1;
    return 0;
}

static int get_bool(reader *r, const char *path, int dflt, int *out)
{
    return get_choice(r, path, "false|true", dflt, out) ? -1 : 0;
}

static int get_float3(reader *r, const char *path, float *v, int *have)
{
    const zc_node *n = zc_get(r->root, path);
    *have = 0;
    if (zc_is_null(n)) return 0;
    double d[3];
    int k;
    if (eval_numbers(n, d, 3, &k) || k != 3) return bad(r, path, "must be three numbers, as [a, b, c]");
    for (int i = 0; i < 3; i++) v[i] = (float)d[i];
    *have = 1;
    return 0;
}

static const char *const modes[] = {"training", "evaluation", "quantization", "prediction", "benchmarking", "deployment",
                                    "chain_tqeb", "chain_tqe", "chain_eqe", "chain_qb", "chain_eqeb", "chain_qd", "chain_tbqeb"};

int zoo_cfg_read(const zc_node *root, const char *name, zoo_cfg *c, void (*warn)(void *, const char *), void *user, dlk_err *err)
{
    memset(c, 0, sizeof *c);
    reader r = {root, name, warn, user, 0, err};
    char path[1024] = "";
    check_keys(&r, root, path, sizeof path);
    c->warnings = r.warnings;
    if (get_str(&r, "operation_mode", &c->mode)) return -1;
    if (!c->mode) return dlk_fail(err, "%s: key 'operation_mode' is missing", name);
    size_t m = 0;
    while (m < sizeof modes / sizeof modes[0] && strcmp(modes[m], c->mode)) m++;
    if (m == sizeof modes / sizeof modes[0])
        return bad(&r, "operation_mode", "is not a mode (training, evaluation, quantization, prediction, benchmarking, deployment, "
                                         "chain_tqeb, chain_tqe, chain_eqe, chain_qb, chain_eqeb, chain_qd)");
    /* model: model.model_path (services v3+) or general.model_path (v2) */
    if (get_str(&r, "model.framework", &c->framework) || get_str(&r, "model.model_path", &c->model_path) ||
        get_str(&r, "model.model_name", &c->model_name))
        return -1;
    if (!c->model_path && get_str(&r, "general.model_path", &c->model_path)) return -1;
    const zc_node *shape = zc_get(root, "model.input_shape");
    if (!zc_is_null(shape)) {
        double d[3];
        int k;
        if (eval_numbers(shape, d, 3, &k) || k != 3) return bad(&r, "model.input_shape", "must be three numbers, as (224, 224, 3) or [3, 224, 224]");
        int chw = d[0] == 3 && d[2] != 3; /* torch: [C, H, W]; the others (H, W, C) */
        double h = chw ? d[1] : d[0], w = chw ? d[2] : d[1];
        if (h < 1 || w < 1 || h > 16384 || w > 16384 || h != floor(h) || w != floor(w))
            return bad(&r, "model.input_shape", "has a height or width that is not an integer in 1 .. 16384");
        if ((chw ? d[0] : d[2]) != 3) return bad(&r, "model.input_shape", "must have 3 channels (RGB)");
        c->input_h = (int)h;
        c->input_w = (int)w;
    }
    /* dataset */
    if (get_str(&r, "dataset.dataset_name", &c->dataset_name) || get_str(&r, "dataset.classes_file_path", &c->classes_file) ||
        get_str(&r, "dataset.training_path", &c->training_path) || get_str(&r, "dataset.validation_path", &c->validation_path) ||
        get_str(&r, "dataset.test_path", &c->test_path) || get_str(&r, "dataset.quantization_path", &c->quantization_path) ||
        get_str(&r, "dataset.prediction_path", &c->prediction_path) || get_str(&r, "dataset.data_dir", &c->data_dir) ||
        get_str(&r, "dataset.train_split", &c->train_split) || get_str(&r, "dataset.val_split", &c->val_split))
        return -1;
    if (!c->dataset_name && get_str(&r, "dataset.name", &c->dataset_name)) return -1;
    if (!c->prediction_path && get_str(&r, "prediction.test_files_path", &c->prediction_path)) return -1;
    const zc_node *cn = zc_get(root, "dataset.class_names");
    if (!zc_is_null(cn)) {
        if (cn->kind == ZC_MAP) return bad(&r, "dataset.class_names", "must be a list of names");
        if (cn->kind == ZC_SEQ)
            for (int i = 0; i < cn->n; i++)
                if (cn->kids[i].kind != ZC_SCALAR) return bad(&r, "dataset.class_names", "must be a list of names");
        c->class_names = cn;
    }
    double v;
    int have;
    if (get_num(&r, "dataset.quantization_split", 0, 1, &have, &v)) return -1;
    c->quantization_split = have ? v : 0;
    if (get_num(&r, "dataset.num_classes", 1, 1 << 20, &have, &v)) return -1;
    c->num_classes = have ? (long)v : 0;
    if (have && v != floor(v)) return bad(&r, "dataset.num_classes", "is not an integer");
    if (get_num(&r, "dataset.seed", -1e18, 1e18, &have, &v)) return -1;
    c->seed = have ? (long)v : 0;
    /* preprocessing */
    int hs, ho;
    c->scale = 1, c->offset = 0;
    if (get_num(&r, "preprocessing.rescaling.scale", -1e30, 1e30, &hs, &c->scale) ||
        get_num(&r, "preprocessing.rescaling.offset", -1e30, 1e30, &ho, &c->offset))
        return -1;
    if (!hs) c->scale = 1;
    c->have_rescaling = hs || ho;
    if (get_choice(&r, "preprocessing.resizing.interpolation", "nearest|bilinear|bicubic", -1, &c->interpolation) ||
        get_choice(&r, "preprocessing.resizing.aspect_ratio", "crop|fit|padding", -1, &c->aspect))
        return -1;
    int color;
    if (get_choice(&r, "preprocessing.color_mode", "rgb|bgr|grayscale", 0, &color)) return -1;
    if (color == 2) return bad(&r, "preprocessing.color_mode", "is not supported (dlakit's models take rgb or bgr)");
    c->bgr = color == 1;
    if (get_float3(&r, "preprocessing.mean", c->mean, &c->have_mean) || get_float3(&r, "preprocessing.std", c->std, &c->have_std)) return -1;
    for (int i = 0; c->have_std && i < 3; i++)
        if (!(c->std[i] > 0)) return bad(&r, "preprocessing.std", "must be three positive numbers");
    /* quantization */
    const char *s;
    if (get_str(&r, "quantization.export_dir", &c->export_dir)) return -1;
    if (!c->export_dir) c->export_dir = "quantized_models";
    if (strstr(c->export_dir, "..") || c->export_dir[0] == '/') return bad(&r, "quantization.export_dir", "must be a folder name inside the run folder");
    if (get_str(&r, "quantization.quantizer", &s)) return -1;
    if (s && strcasecmp(s, "onnx_quantizer"))
        return bad(&r, "quantization.quantizer", "is not supported (dlakit quantizes as Onnx_quantizer: ONNX Runtime's quantize_static)");
    if (get_str(&r, "quantization.quantization_type", &s)) return -1;
    if (s && strcasecmp(s, "PTQ")) return bad(&r, "quantization.quantization_type", "is not supported (only PTQ)");
    int t;
    if (get_choice(&r, "quantization.quantization_input_type", "uint8|int8|float", 0, &t) ||
        get_choice(&r, "quantization.quantization_output_type", "float|int8|uint8", 0, &t))
        return -1;
    int gran, pc;
    if (get_choice(&r, "quantization.granularity", "per_channel|per_tensor", 0, &gran) ||
        get_bool(&r, "quantization.onnx_quant_parameters.per_channel", gran == 0, &pc))
        return -1;
    c->per_tensor = !pc;
    if (get_choice(&r, "quantization.onnx_quant_parameters.quant_format", "QDQ|QOperator", 0, &c->qop) ||
        get_choice(&r, "quantization.onnx_quant_parameters.calibrate_method", "MinMax|Percentile|Entropy", 0, &c->method) ||
        get_choice(&r, "quantization.onnx_quant_parameters.weight_type", "QInt8", 0, &t) ||
        get_choice(&r, "quantization.onnx_quant_parameters.activation_type", "QInt8|QUInt8", 0, &c->uint8_act) ||
        get_bool(&r, "quantization.onnx_extra_options.ActivationSymmetric", 0, &c->symmetric_act) ||
        get_bool(&r, "quantization.onnx_quant_parameters.reduce_range", 0, &t))
        return -1;
    if (t) return bad(&r, "quantization.onnx_quant_parameters.reduce_range", "is not supported (dlakit quantizes to full int8)");
    if (get_bool(&r, "quantization.onnx_extra_options.WeightSymmetric", 1, &t)) return -1;
    if (!t) return bad(&r, "quantization.onnx_extra_options.WeightSymmetric", "False is not supported (weights are symmetric)");
    if (get_bool(&r, "quantization.onnx_extra_options.QuantizeBias", 1, &t)) return -1;
    if (!t) return bad(&r, "quantization.onnx_extra_options.QuantizeBias", "False is not supported (biases are int32)");
    /* evaluation, benchmarking, deployment, hydra */
    if (get_choice(&r, "evaluation.target", "host|stedgeai_host|stedgeai_n6", 0, &t)) return -1;
    if (get_str(&r, "evaluation.target", &c->eval_target)) return -1;
    if (get_str(&r, "benchmarking.board", &c->board) || get_str(&r, "deployment.c_project_path", &c->deploy_dir) ||
        get_str(&r, "hydra.run.dir", &c->run_dir))
        return -1;
    return 0;
}
