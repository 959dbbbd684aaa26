/* float same-shape Add with AVX-512 F. */
#include "kernels/config.h"

#include <immintrin.h>

/* float same-shape Add (one IEEE addition per element, as the reference), fused Relu optional */
void dlk_add_f32_avx512(int64_t n, const float *a, const float *b, int relu, float *y)
{
    const __m512 lo = _mm512_set1_ps(relu ? 0.0f : -__builtin_inff());
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_max_ps(lo, v)); /* NaN stays NaN */
    }
}
