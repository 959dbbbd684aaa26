/* SPDX-License-Identifier: Apache-2.0 */
/* Shared unit-test helpers (helpers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "util/file.h"

tst_rng tst_rng_new(uint64_t seed) { return (tst_rng){seed ? seed : 0x9e3779b97f4a7c15ull}; }

uint32_t tst_rnd(tst_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 32);
}

uint64_t tst_rnd64(tst_rng *r)
{
    const uint64_t hi = tst_rnd(r);
    return hi << 32 | tst_rnd(r);
}

int tst_rndi(tst_rng *r, int lo, int hi) { return lo + (int)(tst_rnd(r) % (uint32_t)(hi - lo + 1)); }
float tst_rndu(tst_rng *r) { return (float)tst_rnd(r) / 4294967296.0f; }
float tst_rndf(tst_rng *r) { return tst_rndu(r) * 2.0f - 1.0f; }
int tst_chance(tst_rng *r, int num, int den) { return (int)(tst_rnd(r) % (uint32_t)den) < num; }

void tst_fill_q8(tst_rng *r, void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) ((uint8_t *)p)[i] = (uint8_t)tst_rnd(r);
}

void tst_fill_f32(tst_rng *r, float *p, size_t n, float amp)
{
    for (size_t i = 0; i < n; i++) p[i] = tst_rndf(r) * amp;
}

int tst_rnd_zp(tst_rng *r, dlk_q8type t)
{
    const int lo = dlk_q8_lo(t), hi = dlk_q8_hi(t);
    switch (tst_rndi(r, 0, 3)) {
    case 0: return lo;
    case 1: return hi;
    default: return tst_rndi(r, lo, hi);
    }
}

int tst_requant_naive(int32_t acc, float s, int zp, int lo, int hi)
{
    float v = (float)acc * s;
    const float l = (float)(lo - zp), h = (float)(hi - zp);
    if (v < l) v = l;
    if (v > h) v = h;
    return (int)rintf(v) + zp;
}

void *tst_alloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64 + 64);
    if (!p) fail_msg("out of memory for %zu bytes", n);
    return p;
}

int64_t tst_first_diff_bytes(const void *a, const void *b, size_t n)
{
    if (!memcmp(a, b, n)) return -1;
    const uint8_t *x = a, *y = b;
    size_t i = 0;
    while (x[i] == y[i]) i++;
    return (int64_t)i;
}

int64_t tst_first_diff_f32(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i])) return (int64_t)i;
    return -1;
}

int64_t tst_first_far_f32(const float *a, const float *ref, size_t n, float tol)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - ref[i]) <= tol)) return (int64_t)i;
    return -1;
}

float tst_max_abs_f32(const float *a, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabsf(a[i]) > m) m = fabsf(a[i]);
    return m;
}

void *tst_read_file(const char *path, size_t max, size_t *len)
{
    void *buf;
    dlk_err err;
    if (dlk_read_file(path, max, &buf, len, &err)) return NULL;
    return buf;
}
