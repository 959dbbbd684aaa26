// SPDX-License-Identifier: Apache-2.0
/* A program that uses only the installed library (dlakit.h, libdlakit): it loads a model, makes
 * a context for a 1 x 3 x H x W float input, fills it with a fixed pattern, runs it and writes the
 * input and the scores as raw float32 (so that a test can feed the same input to `dlakit run`).
 *   consumer MODEL H W INPUT.f32 SCORES.f32      prints "version V", "classes N", "top1 K" */
#include <dlakit.h>

#include <stdio.h>
#include <stdlib.h>

static int write_all(const char *path, const void *p, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f) return perror(path), 1;
    int bad = fwrite(p, 1, bytes, f) != bytes;
    bad |= fclose(f) != 0;
    if (bad) fprintf(stderr, "%s: write failed\n", path);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 6) return fprintf(stderr, "usage: consumer MODEL H W INPUT.f32 SCORES.f32\n"), 2;
    dlk_err err = {{0}};
    dlk_model *m = dlk_model_load(argv[1], &err);
    if (!m) return fprintf(stderr, "%s\n", err.msg), 1;
    dlk_shape in = {DLK_FLOAT, 4, {1, 3, atoi(argv[2]), atoi(argv[3])}};
    dlk_ctx *c = dlk_ctx_new(m, &in, 1, &err);
    if (!c) return fprintf(stderr, "%s\n", err.msg), 1;
    dlk_shape s, o;
    float *x = dlk_ctx_input(c, 0, &s);
    const int64_t n = dlk_shape_numel(&s);
    for (int64_t i = 0; i < n; i++) x[i] = (float)((i * 37) % 251) / 125.0f - 1.0f;
    if (write_all(argv[4], x, sizeof(float) * (size_t)n)) return 1;
    if (dlk_ctx_run(c, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    const float *y = dlk_ctx_output(c, 0, &o);
    const int64_t k = dlk_shape_numel(&o);
    int best = 0;
    for (int64_t i = 1; i < k; i++)
        if (y[i] > y[best]) best = (int)i; /* ties: the lower index */
    if (write_all(argv[5], y, sizeof(float) * (size_t)k)) return 1;
    printf("version %s\nclasses %lld\ntop1 %d\n", dlk_version(), (long long)k, best);
    dlk_ctx_free(c);
    dlk_model_free(m);
    return 0;
}
