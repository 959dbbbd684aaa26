/* The kernel table (config.h): CPUID once, DLAKIT_ISA to force an ISA. */
#include "kernels/config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const dlk_kernels k_ref = {DLK_ISA_REF,
                                  "ref",
                                  {&dlk_qconv_ref, NULL},
                                  dlk_quantize_q8_ref_n,
                                  dlk_qadd_q8_ref_n,
                                  dlk_maxpool_ref_ok,
                                  dlk_maxpool_q8_ref_planes,
                                  {&dlk_fconv_ref, NULL},
                                  dlk_maxpool_f32_ref_planes,
                                  dlk_maxpool_f32_16c_ref,
                                  dlk_add_f32_ref_n};
#ifdef DLK_X86_KERNELS
/* AVX2: the int8 conv; the reference for the rest */
static const dlk_kernels k_avx2 = {DLK_ISA_AVX2,
                                   "avx2",
                                   {&dlk_qconv_avx2, &dlk_qconv_ref, NULL},
                                   dlk_quantize_q8_ref_n,
                                   dlk_qadd_q8_ref_n,
                                   dlk_maxpool_ref_ok,
                                   dlk_maxpool_q8_ref_planes,
                                   {&dlk_fconv_ref, NULL},
                                   dlk_maxpool_f32_ref_planes,
                                   dlk_maxpool_f32_16c_ref,
                                   dlk_add_f32_ref_n};
static const dlk_kernels k_avx512 = {DLK_ISA_AVX512,
                                     "avx512",
                                     {&dlk_qconv_vnni512, &dlk_qconv_avx2, &dlk_qconv_ref, NULL},
                                     dlk_quantize_q8_avx512,
                                     dlk_qadd_q8_avx512,
                                     dlk_maxpool_q8_avx512_ok,
                                     dlk_maxpool_q8_avx512,
                                     {&dlk_fconv_wino512, &dlk_fconv_bcast512, &dlk_fconv_group512, &dlk_fconv_avx512,
                                      &dlk_fconv_ref},
                                     dlk_maxpool_f32_avx512,
                                     dlk_maxpool_f32_16c_avx512,
                                     dlk_add_f32_avx512};

static int cpu_has(dlk_isa isa)
{
    __builtin_cpu_init();
    int avx2 = !!__builtin_cpu_supports("avx2") && !!__builtin_cpu_supports("fma");
    if (isa == DLK_ISA_AVX2) return avx2;
    if (isa == DLK_ISA_AVX512)
        return avx2 && !!__builtin_cpu_supports("avx512f") && !!__builtin_cpu_supports("avx512bw") &&
               !!__builtin_cpu_supports("avx512vl") && !!__builtin_cpu_supports("avx512vnni");
    return 1;
}
#endif

const dlk_kernels *dlk_kernels_for(dlk_isa isa)
{
    if (isa == DLK_ISA_REF) return &k_ref;
#ifdef DLK_X86_KERNELS
    if (isa == DLK_ISA_AVX2 && cpu_has(isa)) return &k_avx2;
    if (isa == DLK_ISA_AVX512 && cpu_has(isa)) return &k_avx512;
#endif
    return NULL;
}

static const dlk_kernels *chosen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const char *e = getenv("DLAKIT_ISA");
    dlk_isa want = DLK_ISA_AVX512;
    if (e && !strcmp(e, "ref")) want = DLK_ISA_REF;
    else if (e && !strcmp(e, "avx2")) want = DLK_ISA_AVX2;
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
