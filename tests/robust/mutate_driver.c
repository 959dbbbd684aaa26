/* SPDX-License-Identifier: Apache-2.0 */
/* dlk_mutate: scripts/mutate.sh's engine. N seeded mutations of each file given, each taken through
 * what `info`, `run` and `classify` do, in process (thousands a minute under ASan + UBSan):
 *   - a model (.onnx): load (info); prepare for its declared input (unknown dims: batch 1, H and W
 *     64) and run (run, classify). Mutations fall 80 % outside the large weight payloads (the
 *     structure: nodes, attributes, shapes, types, small constants). A mutant whose graph, shapes,
 *     attributes and integer constants (zero points, biases, shapes) equal one already run (only
 *     float values or large int8 weights differ) is not run again: the same code paths on other
 *     numbers;
 *   - an image: decode, preprocess to the classifier's 64x64 and run the classifier (--classifier).
 * Each mutant must be refused with a message naming it, or go through; none may take over 2 s.
 * Every 100th mutant is also written to DIR (--cli-dir) for the script to feed the real CLI.
 * (--max-seconds: 2 by default; sanitizer builds are slower).
 * --keep DIR saves every failing mutant; --only K takes mutant K alone (with --keep: saves it).
 * Usage: dlk_mutate [-n N] [--seed S] [--classifier MODEL] [--cli-dir DIR] [--max-seconds S]
 *                   [--keep DIR] [--only K] FILE... */
#include "dlakit.h"
#include "image/image.h"
#include "runtime/runtime.h"
#include "util/file.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rs = 88172645463325252ULL;
static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)(rs >> 11);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- structure signatures --------------------------------------------------------------------- */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t signature(const dlk_model *m)
{
    const dlk_graph *g = &m->g;
    uint64_t h = 1469598103934665603ULL;
    for (int v = 0; v < g->n_values; v++) {
        const dlk_value *val = &g->values[v];
        h = fnv(h, &val->shape, sizeof val->shape);
        h = fnv(h, &val->is_const, sizeof val->is_const);
        h = fnv(h, &val->is_input, sizeof val->is_input);
        h = fnv(h, &val->is_output, sizeof val->is_output);
        int64_t n = dlk_shape_numel(&val->shape);
        if (val->is_const && val->data && n >= 0 && val->shape.dtype != DLK_FLOAT &&
            (n <= 64 || val->shape.dtype == DLK_INT32 || val->shape.dtype == DLK_INT64))
            h = fnv(h, val->data, (size_t)n * dlk_dtype_size(val->shape.dtype));
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const dlk_node *n = &g->nodes[i];
        h = fnv(h, n->op_type, strlen(n->op_type));
        h = fnv(h, n->in, sizeof(int) * (size_t)n->n_in);
        h = fnv(h, n->out, sizeof(int) * (size_t)n->n_out);
        for (int a = 0; a < n->n_attrs; a++) {
            const dlk_attr *at = &n->attrs[a];
            h = fnv(h, at->name, strlen(at->name));
            h = fnv(h, &at->type, sizeof at->type);
            h = fnv(h, &at->i, sizeof at->i);
            h = fnv(h, &at->f, sizeof at->f);
            if (at->s) h = fnv(h, at->s, strlen(at->s));
            if (at->ints) h = fnv(h, at->ints, sizeof(int64_t) * (size_t)at->n);
            if (at->floats) h = fnv(h, at->floats, sizeof(float) * (size_t)at->n);
        }
    }
    return h;
}

#define SEEN_CAP 65536
static uint64_t seen[SEEN_CAP];
static int n_seen;
static int seen_before(uint64_t h)
{
    for (int i = 0; i < n_seen; i++)
        if (seen[i] == h) return 1;
    if (n_seen < SEEN_CAP) seen[n_seen++] = h;
    return 0;
}

/* ---- weight payloads: large runs of the file that are tensor data ------------------------------ */
typedef struct {
    size_t at, len;
} span;

static const unsigned char *find(const unsigned char *h, size_t hl, const unsigned char *nd, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++)
        if (h[i] == nd[0] && !memcmp(h + i, nd, nl)) return h + i;
    return NULL;
}

static int find_payloads(const unsigned char *buf, size_t len, const dlk_model *m, span *sp, int max)
{
    int n = 0;
    for (int v = 0; v < m->g.n_values && n < max; v++) {
        const dlk_value *val = &m->g.values[v];
        int64_t ne = dlk_shape_numel(&val->shape);
        if (!val->is_const || !val->data || ne < 256) continue;
        size_t b = (size_t)ne * dlk_dtype_size(val->shape.dtype);
        const unsigned char *p = find(buf, len, val->data, 64);
        if (p) sp[n++] = (span){(size_t)(p - buf), b};
    }
    return n;
}

static int in_payload(size_t at, const span *sp, int n)
{
    for (int i = 0; i < n; i++)
        if (at >= sp[i].at && at < sp[i].at + sp[i].len) return 1;
    return 0;
}

static int image_mode; /* images: half the positions in the first 1 KB (headers, tables) */

static size_t pick(size_t len, const span *sp, int nsp)
{
    size_t at = rnd() % len;
    if (image_mode == 2 && len > 33) return 8 + at % 25; /* a PNG's IHDR (sizes, depth, colour type) */
    if (image_mode && rnd() % 2) return at % (len < 1024 ? len : 1024);
    if (nsp && rnd() % 10 < 8)
        for (int tries = 0; tries < 64 && in_payload(at, sp, nsp); tries++) at = rnd() % len;
    return at;
}

static size_t mutate(unsigned char *b, size_t len, size_t cap, const span *sp, int nsp)
{
    if (!len) return len;
    size_t at = pick(len, sp, nsp);
    switch (rnd() % 7) {
    case 0: b[at] = (unsigned char)rnd(); break;
    case 1: b[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
    case 2: return at; /* truncation */
    case 3: { /* insert */
        size_t n = 1 + rnd() % 8;
        if (len + n > cap) n = cap - len;
        memmove(b + at + n, b + at, len - at);
        for (size_t i = 0; i < n; i++) b[at + i] = (unsigned char)rnd();
        return len + n;
    }
    case 4: { /* delete */
        size_t n = 1 + rnd() % 8;
        if (at + n > len) n = len - at;
        memmove(b + at, b + at + n, len - at - n);
        return len - n;
    }
    case 5: /* extreme values: varints, lengths, dims */
        for (int k = 0; k < 1 + (int)(rnd() % 9) && at + k < len; k++) b[at + k] = k == 8 ? 0x7f : 0xff;
        break;
    default: { /* small integers (dims, attribute values, enum types) */
        static const unsigned char v[] = {0, 1, 2, 3, 7, 8, 9, 13, 0x10, 0x40, 0x7f, 0x80};
        b[at] = v[rnd() % sizeof v];
        break;
    }
    }
    return len;
}

/* PNG chunks carry CRCs: half the PNG mutants get them recomputed, so that libpng gets past the
 * check and meets the mutated fields themselves. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    static uint32_t tab[256];
    if (!tab[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            tab[i] = c;
        }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = tab[(c ^ p[i]) & 255] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void fix_png_crcs(unsigned char *b, size_t len)
{
    if (len < 8 || memcmp(b, "\x89PNG", 4)) return;
    for (size_t at = 8; at + 12 <= len;) {
        uint32_t n = (uint32_t)b[at] << 24 | (uint32_t)b[at + 1] << 16 | (uint32_t)b[at + 2] << 8 | b[at + 3];
        if (n > len - at - 12) return;
        uint32_t c = crc32_png(b + at + 4, 4 + (size_t)n);
        for (int k = 0; k < 4; k++) b[at + 8 + n + k] = (unsigned char)(c >> (24 - 8 * k));
        at += 12 + (size_t)n;
    }
}

/* ---- the three paths ------------------------------------------------------------------------- */
typedef struct {
    int loaded, ran, skipped, bad;
    double worst;
} stats;

static int run_model(const dlk_model *m, dlk_err *err)
{
    int n = dlk_model_num_inputs(m);
    if (n < 1 || n > 8) return 0;
    dlk_shape s[8];
    for (int i = 0; i < n; i++) {
        s[i] = dlk_model_input_shape(m, i);
        if (s[i].ndim < 0) s[i].ndim = 4;
        for (int d = 0; d < s[i].ndim; d++)
            if (s[i].dims[d] < 0) s[i].dims[d] = d == 0 ? 1 : d >= 2 ? 64 : 3;
    }
    dlk_ctx *c = dlk_ctx_new(m, s, n, err);
    if (!c) return err->msg[0] ? 0 : -1;
    for (int i = 0; i < n; i++) {
        dlk_shape is;
        unsigned char *p = dlk_ctx_input(c, i, &is);
        size_t b = 0;
        if (dlk_shape_bytes(&is, &b)) return -1;
        for (size_t k = 0; k < b; k++) p[k] = (unsigned char)(k * 7);
    }
    int rc = dlk_ctx_run(c, err);
    dlk_ctx_free(c);
    return rc ? -1 : 1;
}

static int retiming; /* a re-run for timing: the structure was just seen, run it anyway */

static void model_case(const unsigned char *b, size_t len, stats *st)
{
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(b, len, "mutant.onnx", &err);
    if (!m) {
        if (!strstr(err.msg, "mutant.onnx")) {
            fprintf(stderr, "load error without the file name: %s\n", err.msg);
            st->bad++;
        }
        return;
    }
    st->loaded++;
    if (!retiming && seen_before(signature(m))) {
        st->skipped++;
    } else {
        int r = run_model(m, &err);
        if (r < 0) {
            fprintf(stderr, "prepare/run failed without a message\n");
            st->bad++;
        }
        if (r > 0) st->ran++;
    }
    dlk_model_free(m);
}

static void image_case(const unsigned char *b, size_t len, const dlk_model *cls, stats *st)
{
    dlk_err err;
    dlk_image im;
    if (dlk_image_load_buffer(b, len, "mutant.img", &im, &err)) {
        if (!strstr(err.msg, "mutant.img")) {
            fprintf(stderr, "image error without the file name: %s\n", err.msg);
            st->bad++;
        }
        return;
    }
    st->loaded++;
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 64, 64);
    static unsigned char u8[64 * 64 * 3];
    if (!dlk_preprocess_u8(&im, &o, u8, &err) && cls) {
        dlk_shape s = {DLK_FLOAT, 4, {1, 3, 64, 64}};
        dlk_ctx *c = dlk_ctx_new(cls, &s, 1, &err);
        if (c) {
            dlk_normalize_nchw(u8, 64, 64, &o, dlk_ctx_input(c, 0, NULL));
            dlk_ctx_run(c, &err);
            const float *y = dlk_ctx_output(c, 0, NULL);
            if (!isfinite(y[0])) {
                fprintf(stderr, "classifier output not finite\n");
                st->bad++;
            }
            dlk_ctx_free(c);
            st->ran++;
        }
    }
    dlk_image_free(&im);
}

int main(int argc, char **argv)
{
    long n = 10000;
    double max_s = 2.0;
    long only = -1;           /* --only K: generate the mutants up to K, take K alone and save it */
    const char *keep = NULL;  /* --keep DIR: save each failing mutant there */
    const char *cls_path = NULL, *cli_dir = NULL;
    int a = 1, total_bad = 0;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "-n") && a + 1 < argc) n = atol(argv[++a]);
        else if (!strcmp(argv[a], "--seed") && a + 1 < argc) rs = strtoull(argv[++a], NULL, 10) | 1;
        else if (!strcmp(argv[a], "--classifier") && a + 1 < argc) cls_path = argv[++a];
        else if (!strcmp(argv[a], "--cli-dir") && a + 1 < argc) cli_dir = argv[++a];
        else if (!strcmp(argv[a], "--max-seconds") && a + 1 < argc) max_s = atof(argv[++a]);
        else if (!strcmp(argv[a], "--only") && a + 1 < argc) only = atol(argv[++a]);
        else if (!strcmp(argv[a], "--keep") && a + 1 < argc) keep = argv[++a];
        else {
            fprintf(stderr, "usage: dlk_mutate [-n N] [--seed S] [--classifier MODEL] [--cli-dir DIR] [--max-seconds S] [--keep DIR] [--only K] FILE...\n");
            return 2;
        }
    }
    dlk_err err;
    dlk_model *cls = cls_path ? dlk_model_load(cls_path, &err) : NULL;
    if (cls_path && !cls) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (; a < argc; a++) {
        void *orig;
        size_t len;
        if (dlk_read_file(argv[a], (size_t)1 << 30, &orig, &len, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        const char *ext = strrchr(argv[a], '.');
        int is_model = ext && !strcmp(ext, ".onnx");
        image_mode = !is_model;
        span sp[4096];
        int nsp = 0;
        n_seen = 0;
        if (is_model) {
            dlk_model *m = dlk_model_load_buffer(orig, len, argv[a], &err);
            if (m) {
                nsp = find_payloads(orig, len, m, sp, 4096);
                seen_before(signature(m)); /* the original runs once, below */
                if (run_model(m, &err) < 0) fprintf(stderr, "%s: the original fails: %s\n", argv[a], err.msg);
                dlk_model_free(m);
            }
        }
        size_t cap = len + 64;
        unsigned char *buf = malloc(cap);
        if (!buf) return 1;
        stats st = {0, 0, 0, 0, 0};
        double t_all = now();
        for (long k = 0; k < n; k++) {
            memcpy(buf, orig, len);
            size_t l = len;
            image_mode = is_model ? 0 : len > 8 && !memcmp(orig, "\x89PNG", 4) && k % 4 == 0 ? 2 : 1;
            for (int r = 1 + (int)(rnd() % 3); r > 0; r--) l = mutate(buf, l, cap, sp, nsp);
            if (!is_model && (k % 2 || image_mode == 2)) fix_png_crcs(buf, l);
            if (cli_dir && k % 100 == 0) {
                char p[4096];
                snprintf(p, sizeof p, "%s/%s.%ld%s", cli_dir, strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a], k,
                         ext ? ext : "");
                FILE *f = fopen(p, "wb");
                if (f) {
                    fwrite(buf, 1, l, f);
                    fclose(f);
                }
            }
            if (only >= 0 && k != only) continue;
            int before = st.bad;
            double t0 = now();
            if (is_model) model_case(buf, l, &st);
            else image_case(buf, l, cls, &st);
            double dt = now() - t0;
            /* on a loaded machine one slow run proves little: the best of three counts */
            for (int again = 0; again < 2 && dt > max_s; again++) {
                stats tmp = st;
                retiming = 1;
                double t1 = now();
                if (is_model) model_case(buf, l, &tmp);
                else image_case(buf, l, cls, &tmp);
                if (now() - t1 < dt) dt = now() - t1;
                retiming = 0;
            }
            if (dt > st.worst) st.worst = dt;
            if (dt > max_s) {
                fprintf(stderr, "%s: mutation %ld took %.2f s\n", argv[a], k, dt);
                st.bad++;
            }
            if (st.bad != before || only >= 0) {
                if (st.bad != before) fprintf(stderr, "%s: mutation %ld failed\n", argv[a], k);
                if (keep) {
                    char p[4096];
                    const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
                    snprintf(p, sizeof p, "%s/%s.mutant%ld%s", keep, base, k, ext ? ext : "");
                    FILE *f = fopen(p, "wb");
                    if (f) {
                        fwrite(buf, 1, l, f);
                        fclose(f);
                    }
                }
            }
        }
        printf("%s: %ld mutations, %d loaded, %d %s, %d same-structure skipped, slowest %.3f s, %.0f s, %d failures\n",
               argv[a], n, st.loaded, st.ran, is_model ? "prepared+ran" : "classified", st.skipped, st.worst,
               now() - t_all, st.bad);
        fflush(stdout);
        total_bad += st.bad;
        free(buf);
        free(orig);
    }
    dlk_model_free(cls);
    return total_bad ? 1 : 0;
}
