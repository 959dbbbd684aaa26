/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's FMA peak, measured: one thread runs chains of independent fused multiply-adds on
 * 256-bit (AVX2 + FMA) and, where the CPU has it, 512-bit (AVX-512 F) vectors, enough of them to fill
 * every FMA pipe, and prints the
 * best of several timed repeats as multiply-adds per second (lanes x FMAs / s):
 *   fma_peak [MS]      ->  "fma256 86.1 GMAC/s fma512 172.0 GMAC/s" (fma512 0 without AVX-512)
 * MS: milliseconds per width (default 30: 20 measurements of about 1.5 ms, the best kept). scripts/bench.sh builds
 * and runs it in the same run as the models, so that speeds can be stated as shares of this peak.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 12 independent chains (latency 4-5 cycles x 2 FMA pipes), all in registers with the two
 * constants: 14 of AVX2's 16 (an array here may live in memory, and 16 chains spill) */
#define NACC 12
#define INNER 1000
#define FMA_LOOP(T, P)                                                                                              \
    const T m = P##_set1_ps(0.999999f), c = P##_set1_ps(1e-7f);                                                    \
    T a0 = P##_set1_ps(0.f), a1 = P##_set1_ps(1.f), a2 = P##_set1_ps(2.f), a3 = P##_set1_ps(3.f);                 \
    T a4 = a0, a5 = a1, a6 = a2, a7 = a3, a8 = a0, a9 = a1, a10 = a2, a11 = a3;                                    \
    for (long it = 0; it < n * INNER; it++) {                                                                      \
        a0 = P##_fmadd_ps(a0, m, c), a1 = P##_fmadd_ps(a1, m, c), a2 = P##_fmadd_ps(a2, m, c);                     \
        a3 = P##_fmadd_ps(a3, m, c), a4 = P##_fmadd_ps(a4, m, c), a5 = P##_fmadd_ps(a5, m, c);                     \
        a6 = P##_fmadd_ps(a6, m, c), a7 = P##_fmadd_ps(a7, m, c), a8 = P##_fmadd_ps(a8, m, c);                     \
        a9 = P##_fmadd_ps(a9, m, c), a10 = P##_fmadd_ps(a10, m, c), a11 = P##_fmadd_ps(a11, m, c);                 \
    }                                                                                                              \
    const T s = P##_add_ps(P##_add_ps(P##_add_ps(a0, a1), P##_add_ps(a2, a3)),                                     \
                           P##_add_ps(P##_add_ps(P##_add_ps(a4, a5), P##_add_ps(a6, a7)),                          \
                                      P##_add_ps(P##_add_ps(a8, a9), P##_add_ps(a10, a11))))

/* FMAs of n * INNER steps of NACC chains; the result keeps the work observable */
__attribute__((target("avx2,fma"), noinline)) static float run256(long n)
{
    FMA_LOOP(__m256, _mm256);
    return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f"), noinline)) static float run512(long n)
{
    FMA_LOOP(__m512, _mm512);
    return _mm512_reduce_add_ps(s);
}

/* best GMAC/s of REPEATS measurements of about ms / REPEATS milliseconds each: short ones, so that
 * on a shared machine some run between two preemptions */
#define REPEATS 20
static double peak(float (*run)(long), int lanes, double ms, float *sink)
{
    const double each = ms / REPEATS / 1000.0;
    long n = 1;
    for (;;) { /* calibrate: n iterations take at least each / 2 */
        const double t0 = now();
        *sink += run(n);
        if (now() - t0 >= each / 2 || n > (1L << 30)) break;
        n *= 2;
    }
    n *= 2;
    double best = 0;
    for (int r = 0; r < REPEATS; r++) {
        const double t0 = now();
        *sink += run(n);
        const double g = (double)n * INNER * NACC * lanes / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    return best;
}

int main(int argc, char **argv)
{
    const double ms = argc > 1 ? atof(argv[1]) : 30.0;
    if (!(ms > 0)) {
        fprintf(stderr, "fma_peak: MS must be a positive number of milliseconds\n");
        return 2;
    }
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "fma_peak: this CPU has no AVX2 + FMA\n");
        return 1;
    }
    float sink = 0;
    const double p256 = peak(run256, 8, ms, &sink);
    const double p512 = __builtin_cpu_supports("avx512f") ? peak(run512, 16, ms, &sink) : 0.0;
    printf("fma256 %.1f GMAC/s fma512 %.1f GMAC/s%s\n", p256, p512, sink == 12345.0f ? " " : "");
    return 0;
}
