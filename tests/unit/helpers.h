/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the unit tests (compiled once into the dlk_test_helpers library): a seeded
 * xorshift RNG, 64-byte aligned buffers, int8/float buffer comparisons that find the first
 * difference, int8 element access, and file loading. Include after <cmocka.h>: allocation and
 * file failures fail the running test.
 */
#ifndef DLK_TEST_HELPERS_H
#define DLK_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

/* ---- random numbers: xorshift64, one state per stream ----------------------------------------- */
typedef struct {
    uint64_t s;
} tst_rng;

tst_rng tst_rng_new(uint64_t seed);            /* any seed (0 is mapped to a fixed non-zero one) */
uint32_t tst_rnd(tst_rng *r);                  /* 32 random bits */
uint64_t tst_rnd64(tst_rng *r);
int tst_rndi(tst_rng *r, int lo, int hi);      /* uniform in [lo, hi] */
float tst_rndu(tst_rng *r);                    /* [0, 1) */
float tst_rndf(tst_rng *r);                    /* [-1, 1) */
int tst_chance(tst_rng *r, int num, int den);  /* 1 with probability num/den */
void tst_fill_q8(tst_rng *r, void *p, size_t n);               /* random bytes */
void tst_fill_f32(tst_rng *r, float *p, size_t n, float amp);  /* uniform in [-amp, amp) */
/* a zero point of type t: half the time at one of the type's ends */
int tst_rnd_zp(tst_rng *r, dlk_q8type t);

/* ---- memory ------------------------------------------------------------------------------------- */
/* n bytes (0 allowed), 64-byte aligned, rounded up and with 64 bytes of slack; fails the test when
 * out of memory. Free with free(). */
void *tst_alloc(size_t n);

/* ---- comparisons: index of the first difference, or -1 when equal ------------------------------ */
int64_t tst_first_diff_bytes(const void *a, const void *b, size_t n);
/* float values that compare equal (0 and -0 alike; NaN differs from everything) */
int64_t tst_first_diff_f32(const float *a, const float *b, size_t n);
/* |a - b| <= tol, NaN nowhere */
int64_t tst_first_far_f32(const float *a, const float *ref, size_t n, float tol);
float tst_max_abs_f32(const float *a, size_t n);

/* ---- int8 elements ------------------------------------------------------------------------------ */
static inline int tst_qload(const void *p, dlk_q8type t, size_t i)
{
    return t == DLK_Q_U8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}
static inline void tst_qstore(void *p, dlk_q8type t, size_t i, int v)
{
    if (t == DLK_Q_U8)
        ((uint8_t *)p)[i] = (uint8_t)v;
    else
        ((int8_t *)p)[i] = (int8_t)v;
}
static inline const char *tst_q8name(dlk_q8type t) { return t == DLK_Q_U8 ? "u8" : "i8"; }

/* Requantization written independently of the library's (for naive references): f32(acc * s),
 * clamped to [lo - zp, hi - zp], rounded half to even, + zp. */
int tst_requant_naive(int32_t acc, float s, int zp, int lo, int hi);

/* output size of a convolution / pool along one axis */
static inline int tst_out_size(int in, int pad_a, int pad_b, int k, int s, int d)
{
    return (in + pad_a + pad_b - d * (k - 1) - 1) / s + 1;
}

/* ---- files -------------------------------------------------------------------------------------- */
/* The whole file (at most max bytes) in a malloc'd buffer, or NULL. */
void *tst_read_file(const char *path, size_t max, size_t *len);

#endif
