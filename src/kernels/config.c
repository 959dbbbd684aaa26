/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel table (config.h): CPUID once, DLAKIT_ISA to force an ISA. */
#include "kernels/config.h"

#include <pthread.h>
#ifdef DLK_X86_KERNELS
#include <cpuid.h>
#endif
#include <stdlib.h>
#include <string.h>
#include "util/err.h"

static const dlk_kernels k_ref = {DLK_ISA_REF,
                                  "ref",
                                  {&dlk_q8_conv_ref, NULL},
                                  dlk_quantize_q8_ref_n,
                                  dlk_qadd_q8_ref_n,
                                  dlk_maxpool_ref_ok,
                                  dlk_maxpool_q8_ref_planes,
                                  {&dlk_f32_conv_ref, NULL},
                                  dlk_maxpool_f32_ref_planes,
                                  dlk_maxpool_f32_16c_ref,
                                  dlk_add_f32_ref_n,
                                  dlk_qavgpool_q8_ref};
#ifdef DLK_X86_KERNELS
/* The SIMD tables: the reference's entries, then the ISA's own (tables_init, once). */
static dlk_kernels k_avx2, k_avx2vnni, k_avx512;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* a table's float convolutions and element-wise kernels: those of ISA suffix S (config.h), one
 * driver each built for every ISA */
#define SIMD_ENTRIES(k, S)                                                                                       \
    do {                                                                                                         \
        const dlk_fconv_impl *f_[] = {&dlk_f32_conv3x3_wino_##S, &dlk_f32_conv_bcast_##S, &dlk_f32_gconv_##S,   \
                                      &dlk_f32_conv_##S, &dlk_f32_conv_ref, NULL};                               \
        memcpy((k).fconv, f_, sizeof f_);                                                                        \
        (k).quantize_q8 = dlk_quantize_q8_##S;                                                                   \
        (k).qadd_q8 = dlk_qadd_q8_##S;                                                                           \
        (k).maxpool_q8_ok = dlk_maxpool_2x2_ok_##S;                                                              \
        (k).maxpool_q8 = dlk_maxpool_q8_##S;                                                                     \
        (k).maxpool_f32 = dlk_maxpool_f32_##S;                                                                   \
        (k).maxpool_f32_16c = dlk_maxpool_f32_16c_##S;                                                           \
        (k).add_f32 = dlk_add_f32_##S;                                                                           \
    } while (0)

/* isa, name and the int8 convs (best first, then the reference and NULL) over the reference table */
static void table_base(dlk_kernels *k, dlk_isa isa, const char *name, const dlk_qconv_impl *q0, const dlk_qconv_impl *q1)
{
    *k = k_ref;
    k->isa = isa;
    k->name = name;
    const dlk_qconv_impl *q[] = {q0, q1, &dlk_q8_conv_ref, NULL};
    memcpy(k->qconv, q, sizeof q);
}

static void tables_init(void)
{
    /* AVX2 alone: the VNNI driver with vpdpbusd emulated, then the int16 kernel for uint8 weights */
    table_base(&k_avx2, DLK_ISA_AVX2, "avx2", &dlk_q8_conv_avx2quads, &dlk_q8_conv_avx2);
    SIMD_ENTRIES(k_avx2, avx2);
    table_base(&k_avx2vnni, DLK_ISA_AVX2VNNI, "avx2vnni", &dlk_q8_conv_avxvnni, &dlk_q8_conv_avx2);
    SIMD_ENTRIES(k_avx2vnni, avx2);
    table_base(&k_avx512, DLK_ISA_AVX512, "avx512", &dlk_q8_conv_avx512vnni, &dlk_q8_conv_avx2);
    SIMD_ENTRIES(k_avx512, avx512);
}

static int cpu_has(dlk_isa isa)
{
    __builtin_cpu_init();
    int avx2 = !!__builtin_cpu_supports("avx2") && !!__builtin_cpu_supports("fma");
    if (isa == DLK_ISA_AVX2) return avx2;
    if (isa == DLK_ISA_AVX2VNNI) { /* CPUID.(EAX=7, ECX=1):EAX bit 4 */
        unsigned a, b, c, d;
        return avx2 && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a >> 4 & 1);
    }
    if (isa == DLK_ISA_AVX512)
        return avx2 && !!__builtin_cpu_supports("avx512f") && !!__builtin_cpu_supports("avx512bw") &&
               !!__builtin_cpu_supports("avx512vl") && !!__builtin_cpu_supports("avx512vnni");
    return 1;
}
#endif

#ifdef DLK_ARM64_KERNELS
/* NEON is part of every AArch64 core: no run-time check. */
static dlk_kernels k_neon;
static pthread_once_t neon_once = PTHREAD_ONCE_INIT;

static void neon_init(void)
{
    k_neon = k_ref;
    k_neon.isa = DLK_ISA_NEON;
    k_neon.name = "neon";
    k_neon.qconv[0] = &dlk_q8_conv_neon;
    k_neon.qconv[1] = &dlk_q8_conv_ref;
}
#endif

const dlk_kernels *dlk_kernels_for(dlk_isa isa)
{
    if (isa == DLK_ISA_REF) return &k_ref;
#ifdef DLK_ARM64_KERNELS
    pthread_once(&neon_once, neon_init);
    if (isa == DLK_ISA_NEON) return &k_neon;
#endif
#ifdef DLK_X86_KERNELS
    pthread_once(&tables_once, tables_init);
    if (isa == DLK_ISA_AVX2 && cpu_has(isa)) return &k_avx2;
    if (isa == DLK_ISA_AVX2VNNI && cpu_has(isa)) return &k_avx2vnni;
    if (isa == DLK_ISA_AVX512 && cpu_has(isa)) return &k_avx512;
#endif
    return NULL;
}

static const dlk_kernels *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const char *e = getenv("DLAKIT_ISA");
    dlk_isa want = DLK_ISA_NEON; /* the best this build and CPU have (the loop steps down) */
    if (e && !strcmp(e, "ref")) want = DLK_ISA_REF;
    else if (e && !strcmp(e, "avx2")) want = DLK_ISA_AVX2;
    else if (e && !strcmp(e, "avx2vnni")) want = DLK_ISA_AVX2VNNI;
    else if (e && !strcmp(e, "avx512")) want = DLK_ISA_AVX512;
    else if (e && !strcmp(e, "neon")) want = DLK_ISA_NEON;
    for (int i = (int)want; i >= 0; i--) {
        const dlk_kernels *k = dlk_kernels_for((dlk_isa)i);
        if (k) {
            chosen = k;
            return;
        }
    }
    chosen = &k_ref;
}

const dlk_kernels *dlk_kernels_ref(void) { return &k_ref; }

int dlk_isa_check_env(dlk_err *err)
{
    const char *e = getenv("DLAKIT_ISA");
    if (!e || !strcmp(e, "ref") || !strcmp(e, "avx2") || !strcmp(e, "avx2vnni") || !strcmp(e, "avx512") || !strcmp(e, "neon"))
        return 0;
    char esc[64];
    return dlk_fail(err, "DLAKIT_ISA='%s' is not a kernel set: use ref, avx2, avx2vnni, avx512 or neon (or unset it)",
                    dlk_esc(e, esc, sizeof esc));
}

const dlk_kernels *dlk_kernels_get(void)
{
    pthread_once(&once, choose);
    return chosen;
}

const dlk_qconv_impl *dlk_qconv_pick(const dlk_kernels *k, const dlk_qconv_params *p)
{
    for (size_t i = 0; i < sizeof k->qconv / sizeof k->qconv[0] && k->qconv[i]; i++)
        if (k->qconv[i]->supports(p)) return k->qconv[i];
    return NULL;
}

const dlk_fconv_impl *dlk_fconv_pick(const dlk_kernels *k, const dlk_conv_geom *g)
{
    for (size_t i = 0; i < sizeof k->fconv / sizeof k->fconv[0] && k->fconv[i]; i++)
        if (k->fconv[i]->supports(g)) return k->fconv[i];
    return NULL;
}
