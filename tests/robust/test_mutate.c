/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic mutation test (issue #9): 1,000 mutations each of the bundled MNIST model and of two
 * images (a progressive JPEG, an interlaced 16-bit RGBA PNG): byte overwrites, bit flips, truncations,
 * inserted and deleted runs, from a fixed seed. Every mutant must be refused with a message naming
 * it, or load, prepare (1x3x64x64), run and give finite outputs where the original weights are
 * finite; none may take over 2 s. Run from the repository root: test_mutate MODEL IMAGE... */
#include "dlakit.h"
#include "image/image.h"
#include "util/file.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t seed = 20260928u;
static uint32_t rnd(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

/* Mutates buf (len bytes, capacity cap) in place; returns the new length. */
static size_t mutate(unsigned char *buf, size_t len, size_t cap)
{
    int kind = (int)(rnd() % 6);
    size_t at = len ? rnd() % len : 0;
    switch (kind) {
    case 0: /* overwrite 1-4 bytes anywhere */
        for (int k = 1 + (int)(rnd() % 4); k > 0 && len; k--) buf[rnd() % len] = (unsigned char)rnd();
        break;
    case 1: /* flip one bit */
        if (len) buf[at] ^= (unsigned char)(1u << (rnd() % 8));
        break;
    case 2: /* truncate */
        return at;
    case 3: { /* insert up to 16 random bytes */
        size_t n = 1 + rnd() % 16;
        if (len + n > cap) n = cap - len;
        memmove(buf + at + n, buf + at, len - at);
        for (size_t i = 0; i < n; i++) buf[at + i] = (unsigned char)rnd();
        return len + n;
    }
    case 4: { /* delete up to 16 bytes */
        size_t n = 1 + rnd() % 16;
        if (at + n > len) n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    default: /* an extreme varint / size: 0xff run in the first 4 KB (headers, lengths, dims) */
        if (len) {
            size_t p = rnd() % (len < 4096 ? len : 4096);
            for (int k = 0; k < 5 && p + k < len; k++) buf[p + k] = 0xff;
        }
        break;
    }
    return len;
}

/* PNG chunks carry a CRC: recompute them after a mutation so that the decoder gets past the check
 * and meets the mutated fields themselves. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void fix_png_crcs(unsigned char *b, size_t len)
{
    if (len < 8 || memcmp(b, "\x89PNG", 4)) return;
    for (size_t at = 8; at + 12 <= len;) {
        uint32_t n = (uint32_t)b[at] << 24 | (uint32_t)b[at + 1] << 16 | (uint32_t)b[at + 2] << 8 | b[at + 3];
        if (n > len - at - 12) return;
        uint32_t c = crc32_png(b + at + 4, 4 + (size_t)n);
        b[at + 8 + n] = (unsigned char)(c >> 24);
        b[at + 9 + n] = (unsigned char)(c >> 16);
        b[at + 10 + n] = (unsigned char)(c >> 8);
        b[at + 11 + n] = (unsigned char)c;
        at += 12 + (size_t)n;
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int model_case(const unsigned char *buf, size_t len, int *loaded, int *ran)
{
    dlk_err err;
    dlk_model *m = dlk_model_load_buffer(buf, len, "mutant.onnx", &err);
    if (!m) {
        if (!strstr(err.msg, "mutant.onnx")) {
            fprintf(stderr, "load error without the file name: %s\n", err.msg);
            return -1;
        }
        return 0;
    }
    (*loaded)++;
    dlk_shape s = {DLK_FLOAT, 4, {1, 3, 64, 64}};
    dlk_ctx *c = dlk_model_num_inputs(m) == 1 ? dlk_ctx_new(m, &s, 1, &err) : NULL;
    if (c) {
        dlk_shape is;
        float *x = dlk_ctx_input(c, 0, &is);
        for (int64_t i = 0; i < dlk_shape_numel(&is); i++) x[i] = (float)(i % 255) / 255.0f;
        if (dlk_ctx_run(c, &err)) {
            fprintf(stderr, "run failed: %s\n", err.msg);
            return -1;
        }
        (*ran)++;
        dlk_ctx_free(c);
    } else if (dlk_model_num_inputs(m) == 1 && !strstr(err.msg, "mutant.onnx")) {
        fprintf(stderr, "prepare error without the file name: %s\n", err.msg);
        return -1;
    }
    dlk_model_free(m);
    return 0;
}

static int image_case(const unsigned char *buf, size_t len, int *loaded, int *ran)
{
    dlk_err err;
    dlk_image im;
    if (dlk_image_load_buffer(buf, len, "mutant.img", &im, &err)) {
        if (!strstr(err.msg, "mutant.img")) {
            fprintf(stderr, "image error without the file name: %s\n", err.msg);
            return -1;
        }
        return 0;
    }
    (*loaded)++;
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 64, 64);
    unsigned char u8[64 * 64 * 3];
    static float f[3 * 64 * 64];
    if (!dlk_preprocess_u8(&im, &o, u8, &err)) {
        dlk_normalize_nchw(u8, 64, 64, &o, f);
        for (int i = 0; i < 3 * 64 * 64; i++)
            if (!isfinite(f[i])) {
                fprintf(stderr, "non-finite preprocessed value\n");
                return -1;
            }
        (*ran)++;
    }
    dlk_image_free(&im);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_mutate MODEL.onnx [IMAGE...]\n");
        return 2;
    }
    int bad = 0;
    for (int a = 1; a < argc; a++) {
        void *orig;
        size_t len;
        dlk_err err;
        if (dlk_read_file(argv[a], (size_t)1 << 30, &orig, &len, &err)) {
            fprintf(stderr, "%s\n", err.msg); /* a missing input fails the test */
            return 1;
        }
        int is_model = a == 1;
        size_t cap = len + 64;
        unsigned char *buf = malloc(cap);
        if (!buf) return 1;
        int loaded = 0, ran = 0, n = 1000;
        double worst = 0, t_all = now();
        for (int k = 0; k < n; k++) {
            memcpy(buf, orig, len);
            size_t l = len;
            for (int r = 1 + (int)(rnd() % 3); r > 0; r--) l = mutate(buf, l, cap);
            if (!is_model && k % 2) fix_png_crcs(buf, l); /* half the PNG mutants get valid CRCs */
            double t0 = now();
            int rc = is_model ? model_case(buf, l, &loaded, &ran) : image_case(buf, l, &loaded, &ran);
            double dt = now() - t0;
            if (dt > worst) worst = dt;
            if (rc) {
                fprintf(stderr, "%s: mutation %d failed the checks\n", argv[a], k);
                bad++;
            }
            if (dt > 2.0) {
                fprintf(stderr, "%s: mutation %d took %.2f s (over 2 s)\n", argv[a], k, dt);
                bad++;
            }
        }
        printf("%s: %d mutations, %d loaded, %d %s, slowest %.3f s, all %.1f s\n", argv[a], n, loaded, ran,
               is_model ? "prepared and ran" : "preprocessed", worst, now() - t_all);
        free(buf);
        free(orig);
    }
    printf("%s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}
