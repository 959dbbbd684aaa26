/* SPDX-License-Identifier: Apache-2.0 */
/* The image functions of include/dlakit/image.h: heap images over the decoder, and preprocessing
 * into a context's input. */
#include "image/image.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static dlk_image *boxed(int rc, dlk_image *im)
{
    if (!rc) return im;
    dlk_image_free(im);
    free(im);
    return NULL;
}

dlk_image *dlk_image_open(const char *path, dlk_err *err)
{
    dlk_image *im = calloc(1, sizeof *im);
    if (!im) return dlk_fail(err, "%s: out of memory", path), NULL;
    return boxed(dlk_image_load(path, im, err), im);
}

dlk_image *dlk_image_open_buffer(const void *data, size_t size, const char *name, dlk_err *err)
{
    dlk_image *im = calloc(1, sizeof *im);
    if (!im) return dlk_fail(err, "%s: out of memory", name), NULL;
    return boxed(dlk_image_load_buffer(data, size, name, im, err), im);
}

dlk_image *dlk_image_open_gray(const uint8_t *gray, int w, int h, dlk_err *err)
{
    dlk_image *im = calloc(1, sizeof *im);
    if (!im) return dlk_fail(err, "out of memory"), NULL;
    return boxed(dlk_image_from_gray(gray, w, h, im, err), im);
}

int dlk_image_width(const dlk_image *im) { return im->w; }
int dlk_image_height(const dlk_image *im) { return im->h; }
const uint8_t *dlk_image_pixels(const dlk_image *im) { return im->rgb; }

void dlk_image_close(dlk_image *im)
{
    if (!im) return;
    dlk_image_free(im);
    free(im);
}

/* Input 0 of c as float32 N x 3 x H x W: its shape, or -1 with a message. */
static int image_input(dlk_ctx *c, dlk_shape *s, float **x, dlk_err *err)
{
    *x = dlk_ctx_input(c, 0, s);
    if (!*x || s->dtype != DLK_FLOAT || s->ndim != 4 || s->dims[1] != 3)
        return dlk_fail(err, "the context's input is not float32 N x 3 x H x W");
    return 0;
}

int dlk_ctx_set_image(dlk_ctx *c, int64_t item, const dlk_image *im, const dlk_pre_opts *o, dlk_err *err)
{
    dlk_shape s;
    float *x;
    if (image_input(c, &s, &x, err)) return -1;
    if (item < 0 || item >= s.dims[0]) return dlk_fail(err, "item %lld: the context holds %lld images", (long long)item, (long long)s.dims[0]);
    dlk_pre_opts p;
    if (o) p = *o;
    else dlk_pre_opts_default(&p, 0, 0);
    if (p.h <= 0 || p.w <= 0) p.h = (int)s.dims[2], p.w = (int)s.dims[3];
    if (p.h != s.dims[2] || p.w != s.dims[3])
        return dlk_fail(err, "preprocessing to %dx%d, the context takes %lldx%lld", p.h, p.w, (long long)s.dims[2], (long long)s.dims[3]);
    uint8_t *hwc = malloc((size_t)3 * p.h * p.w);
    if (!hwc) return dlk_fail(err, "out of memory");
    int rc = dlk_preprocess_u8(im, &p, hwc, err);
    if (!rc) dlk_normalize_nchw(hwc, p.h, p.w, &p, x + item * 3 * s.dims[2] * s.dims[3]);
    free(hwc);
    return rc ? -1 : 0;
}

int dlk_ctx_set_images_u8(dlk_ctx *c, const uint8_t *nhwc, int64_t n, const dlk_pre_opts *o, dlk_err *err)
{
    dlk_shape s;
    float *x;
    if (image_input(c, &s, &x, err)) return -1;
    if (n != s.dims[0]) return dlk_fail(err, "%lld images given, the context takes %lld", (long long)n, (long long)s.dims[0]);
    dlk_pre_opts p;
    if (o) p = *o;
    else dlk_pre_opts_default(&p, 0, 0);
    int h = (int)s.dims[2], w = (int)s.dims[3];
    p.h = h, p.w = w;
    size_t plane = (size_t)h * w;
    for (int64_t k = 0; k < n; k++) dlk_normalize_nchw(nhwc + k * plane * 3, h, w, &p, x + k * plane * 3);
    return 0;
}
