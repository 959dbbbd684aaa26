/* The kernel table (config.h): CPUID once, DLAKIT_ISA to force an ISA. */
#include "kernels/config.h"

#include <pthread.h>
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
                                  dlk_add_f32_ref_n};
#ifdef DLK_X86_KERNELS
/* The SIMD tables: the reference's entries, then the ISA's own (tables_init, once). */
static dlk_kernels k_avx2, k_avx512;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
    k_avx2 = k_ref;
    k_avx2.isa = DLK_ISA_AVX2;
    k_avx2.name = "avx2";
    k_avx2.qconv[0] = &dlk_q8_conv_avx2;
    k_avx2.qconv[1] = &dlk_q8_conv_ref;

    k_avx512 = k_avx2;
    k_avx512.isa = DLK_ISA_AVX512;
    k_avx512.name = "avx512";
    const dlk_qconv_impl *q[] = {&dlk_q8_conv_avx512vnni, &dlk_q8_conv_avx2, &dlk_q8_conv_ref, NULL};
    memcpy(k_avx512.qconv, q, sizeof q);
    const dlk_fconv_impl *f[] = {&dlk_f32_conv3x3_wino_avx512, &dlk_f32_conv_bcast_avx512, &dlk_f32_gconv_avx512, &dlk_f32_conv_avx512,
                                 &dlk_f32_conv_ref, NULL};
    memcpy(k_avx512.fconv, f, sizeof f);
    k_avx512.quantize_q8 = dlk_quantize_q8_avx512;
    k_avx512.qadd_q8 = dlk_qadd_q8_avx512;
    k_avx512.maxpool_q8_ok = dlk_maxpool_q8_avx512_ok;
    k_avx512.maxpool_q8 = dlk_maxpool_q8_avx512;
    k_avx512.maxpool_f32 = dlk_maxpool_f32_avx512;
    k_avx512.maxpool_f32_16c = dlk_maxpool_f32_16c_avx512;
    k_avx512.add_f32 = dlk_add_f32_avx512;
}

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
    pthread_once(&tables_once, tables_init);
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

int dlk_isa_check_env(dlk_err *err)
{
    const char *e = getenv("DLAKIT_ISA");
    if (!e || !strcmp(e, "avx512") || !strcmp(e, "avx2") || !strcmp(e, "ref")) return 0;
    char esc[64];
    return dlk_fail(err, "DLAKIT_ISA='%s' is not a kernel set: use avx512, avx2 or ref (or unset it)", dlk_esc(e, esc, sizeof esc));
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
