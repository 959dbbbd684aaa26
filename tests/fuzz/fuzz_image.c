/* SPDX-License-Identifier: Apache-2.0 */
/* PNG / JPEG decoding and the zoo's preprocessing (resize + center crop, normalization). The first
 * byte of the input picks the preprocessing options; the rest is the image file. */
#include "fuzz_common.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_limits();
    if (size < 1) return 0;
    uint8_t sel = data[0];
    dlk_image im;
    dlk_err err;
    if (dlk_image_load_buffer(data + 1, size - 1, "fuzz.img", &im, &err)) {
        if (!err.msg[0]) abort();
        return 0;
    }
    if ((int64_t)im.w * im.h <= (1 << 20)) {
        int h = 8 + (sel & 7) * 8, w = sel & 0x40 ? h : 32;
        dlk_pre_opts o;
        dlk_pre_opts_default(&o, h, w);
        o.aspect = (dlk_aspect)((sel >> 3) % 3);
        o.filter = (sel & 0x80) ? DLK_RESIZE_BILINEAR : DLK_RESIZE_BICUBIC;
        uint8_t *u8 = malloc((size_t)h * w * 3);
        float *f = malloc(sizeof(float) * (size_t)h * w * 3);
        if (u8 && f && !dlk_preprocess_u8(&im, &o, u8, &err)) dlk_normalize_nchw(u8, h, w, &o, f);
        free(u8);
        free(f);
    }
    dlk_image_free(&im);
    return 0;
}
