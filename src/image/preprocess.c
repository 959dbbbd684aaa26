/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evaluation preprocessing of the model zoo's PyTorch models (timm transforms_imagenet_eval on
 * a PIL image), reproduced bit for bit:
 *
 * Resampling follows the algorithm Pillow documents in libImaging/Resample.c (8-bit images):
 * separable filtering, horizontal pass then vertical pass, each output sample a weighted sum of the
 * inputs under the filter's support (support * scale when downscaling, so the filter is stretched:
 * antialiasing). Per output index i: center = (i + 0.5) * scale, first input
 * (int)(center - support + 0.5) clamped to 0, end (int)(center + support + 0.5) clamped to the
 * input size, weight of input j filter((j - center + 0.5) / filterscale), weights divided by their
 * sum, then turned into fixed point with 22 fractional bits (rounded half away from zero). Sums start
 * at 2^21 (rounding), are shifted right by 22 and clamped to 0..255; the horizontal pass writes an
 * 8-bit intermediate image (only the rows the vertical pass reads). A pass whose size does not
 * change is skipped. Nearest neighbour is Pillow's affine scaling: source position starts at
 * scale / 2 and is advanced by adding scale (in double), truncated.
 *
 * Geometry follows timm/torchvision: shorter side to floor(size / crop_pct), longer side
 * int(new_short * long / short), center crop at round((in - crop) / 2) with ties to even.
 */
#include "image/image.h"
#include "util/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PB 22 /* fixed-point fraction bits: 32 - 8 - 2 */

void dlk_pre_opts_default(dlk_pre_opts *o, int h, int w)
{
    memset(o, 0, sizeof *o);
    o->h = h;
    o->w = w;
    o->filter = DLK_RESIZE_BICUBIC;
    o->crop_pct = 0.875;
    o->aspect = DLK_ASPECT_CROP;
    o->use_scale = 0;
    o->scale = 1.0f / 255.0f;
    o->offset = 0.0f;
    const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    memcpy(o->mean, mean, sizeof mean);
    memcpy(o->std, std, sizeof std);
    o->bgr = 0;
}

/* --- filters ---------------------------------------------------------------------------------- */

static double filt_bilinear(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Keys' cubic convolution with a = -0.5, written term by term in the documented form. */
static double filt_bicubic(double x)
{
    const double a = -0.5;
    x = fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

typedef struct {
    int ksize;      /* coefficients per output sample (stride of k) */
    int *first;     /* per output: first input index */
    int *count;     /* per output: number of inputs */
    int32_t *k;     /* per output: ksize fixed-point weights */
} coeffs;

static void coeffs_free(coeffs *c)
{
    free(c->first);
    free(c->count);
    free(c->k);
    memset(c, 0, sizeof *c);
}

static int coeffs_make(int in_size, int out_size, dlk_resize_filter f, coeffs *c, dlk_err *err)
{
    double (*fn)(double) = f == DLK_RESIZE_BILINEAR ? filt_bilinear : filt_bicubic;
    double fsupport = f == DLK_RESIZE_BILINEAR ? 1.0 : 2.0;
    memset(c, 0, sizeof *c);
    /* the box is the whole image: (float)0 .. (float)in_size */
    double scale = (double)((float)in_size - 0.0f) / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = fsupport * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    c->ksize = ksize;
    c->first = malloc(sizeof(int) * (size_t)out_size);
    c->count = malloc(sizeof(int) * (size_t)out_size);
    c->k = malloc(sizeof(int32_t) * (size_t)out_size * (size_t)ksize);
    double *w = malloc(sizeof(double) * (size_t)ksize);
    if (!c->first || !c->count || !c->k || !w) {
        free(w);
        coeffs_free(c);
        return dlk_fail(err, "out of memory for resampling coefficients");
    }
    double inv = 1.0 / filterscale;
    for (int i = 0; i < out_size; i++) {
        double center = 0.0 + (i + 0.5) * scale;
        int lo = (int)(center - support + 0.5);
        if (lo < 0) lo = 0;
        int hi = (int)(center + support + 0.5);
        if (hi > in_size) hi = in_size;
        int n = hi - lo;
        if (n > ksize) n = ksize; /* cannot happen; guards the buffer */
        if (n < 0) n = 0;
        double sum = 0.0;
        for (int j = 0; j < n; j++) {
            double x = ((double)(j + lo) - center + 0.5) * inv;
            w[j] = fn(x);
            sum += w[j];
        }
        int32_t *k = c->k + (size_t)i * ksize;
        for (int j = 0; j < ksize; j++) {
            double v = j < n ? (sum != 0.0 ? w[j] / sum : w[j]) : 0.0;
            double s = v * (1 << PB);
            k[j] = v < 0 ? (int32_t)(s - 0.5) : (int32_t)(s + 0.5);
        }
        c->first[i] = lo;
        c->count[i] = n;
    }
    free(w);
    return 0;
}

static inline uint8_t clip_fixed(int64_t acc)
{
    if (acc < 0) return 0;
    int64_t v = acc >> PB;
    return v > 255 ? 255 : (uint8_t)v;
}

/* --- nearest (Pillow's affine scale) ---------------------------------------------------------- */

static int nearest_table(int in_size, int out_size, int *tab)
{
    double step = (double)((float)in_size - 0.0f) / out_size;
    double pos = 0.0 + step * 0.5;
    for (int i = 0; i < out_size; i++) {
        int p = pos < 0.0 ? -1 : (int)pos;
        tab[i] = (p >= 0 && p < in_size) ? p : -1;
        pos += step;
    }
    return 0;
}

static int resize_nearest(const uint8_t *in, int iw, int ih, uint8_t *out, int ow, int oh, dlk_err *err)
{
    int *tx = malloc(sizeof(int) * (size_t)ow), *ty = malloc(sizeof(int) * (size_t)oh);
    if (!tx || !ty) {
        free(tx);
        free(ty);
        return dlk_fail(err, "out of memory for resizing");
    }
    nearest_table(iw, ow, tx);
    nearest_table(ih, oh, ty);
    for (int y = 0; y < oh; y++) {
        uint8_t *d = out + (size_t)y * ow * 3;
        if (ty[y] < 0) {
            memset(d, 0, (size_t)ow * 3);
            continue;
        }
        const uint8_t *s = in + (size_t)ty[y] * iw * 3;
        for (int x = 0; x < ow; x++, d += 3) {
            if (tx[x] < 0) {
                d[0] = d[1] = d[2] = 0;
            } else {
                const uint8_t *p = s + (size_t)tx[x] * 3;
                d[0] = p[0];
                d[1] = p[1];
                d[2] = p[2];
            }
        }
    }
    free(tx);
    free(ty);
    return 0;
}

/* --- separable filtering ----------------------------------------------------------------------- */

/* Rows y0 .. y0 + rows - 1 of in (iw wide), filtered horizontally into out (ow wide, rows rows). */
static void pass_h(const uint8_t *in, int iw, int y0, int rows, uint8_t *out, int ow, const coeffs *c)
{
    for (int y = 0; y < rows; y++) {
        const uint8_t *s = in + (size_t)(y0 + y) * iw * 3;
        uint8_t *d = out + (size_t)y * ow * 3;
        for (int x = 0; x < ow; x++, d += 3) {
            const int32_t *k = c->k + (size_t)x * c->ksize;
            const uint8_t *p = s + (size_t)c->first[x] * 3;
            int64_t a0 = 1 << (PB - 1), a1 = a0, a2 = a0;
            for (int j = 0; j < c->count[x]; j++, p += 3) {
                a0 += (int64_t)p[0] * k[j];
                a1 += (int64_t)p[1] * k[j];
                a2 += (int64_t)p[2] * k[j];
            }
            d[0] = clip_fixed(a0);
            d[1] = clip_fixed(a1);
            d[2] = clip_fixed(a2);
        }
    }
}

/* Vertical pass: in has w columns; its row 0 is source row `base`. */
static void pass_v(const uint8_t *in, int w, int base, uint8_t *out, int oh, const coeffs *c)
{
    size_t stride = (size_t)w * 3;
    for (int y = 0; y < oh; y++) {
        const int32_t *k = c->k + (size_t)y * c->ksize;
        const uint8_t *s0 = in + (size_t)(c->first[y] - base) * stride;
        uint8_t *d = out + (size_t)y * stride;
        for (size_t x = 0; x < stride; x++) {
            int64_t a = 1 << (PB - 1);
            const uint8_t *p = s0 + x;
            for (int j = 0; j < c->count[y]; j++, p += stride) a += (int64_t)*p * k[j];
            d[x] = clip_fixed(a);
        }
    }
}

int dlk_resize_rgb(const uint8_t *in, int iw, int ih, uint8_t *out, int ow, int oh, dlk_resize_filter f,
                   dlk_err *err)
{
    if (iw <= 0 || ih <= 0 || ow <= 0 || oh <= 0)
        return dlk_fail(err, "resize: invalid size %dx%d -> %dx%d", iw, ih, ow, oh);
    if (f != DLK_RESIZE_NEAREST && f != DLK_RESIZE_BILINEAR && f != DLK_RESIZE_BICUBIC)
        return dlk_fail(err, "resize: unknown filter %d", (int)f);
    if (iw == ow && ih == oh) {
        memcpy(out, in, (size_t)iw * ih * 3);
        return 0;
    }
    if (f == DLK_RESIZE_NEAREST) return resize_nearest(in, iw, ih, out, ow, oh, err);

    int need_h = ow != iw, need_v = oh != ih;
    coeffs cv = {0}, ch = {0};
    uint8_t *tmp = NULL;
    int rc = -1;
    if (need_v && coeffs_make(ih, oh, f, &cv, err)) goto done;
    if (!need_v) {
        /* horizontal only: straight into out */
        if (coeffs_make(iw, ow, f, &ch, err)) goto done;
        pass_h(in, iw, 0, ih, out, ow, &ch);
        rc = 0;
        goto done;
    }
    /* the rows the vertical pass reads */
    int y_first = cv.first[0], y_last = cv.first[oh - 1] + cv.count[oh - 1];
    if (y_last <= y_first) y_last = y_first + 1;
    const uint8_t *src = in;
    int base = 0, w = iw;
    if (need_h) {
        if (coeffs_make(iw, ow, f, &ch, err)) goto done;
        tmp = malloc((size_t)ow * (size_t)(y_last - y_first) * 3);
        if (!tmp) {
            dlk_fail(err, "out of memory for resizing");
            goto done;
        }
        pass_h(in, iw, y_first, y_last - y_first, tmp, ow, &ch);
        src = tmp;
        base = y_first;
        w = ow;
    }
    pass_v(src, w, base, out, oh, &cv);
    rc = 0;
done:
    coeffs_free(&cv);
    coeffs_free(&ch);
    free(tmp);
    return rc;
}

/* --- geometry ----------------------------------------------------------------------------------- */

int dlk_center_offset(int in, int crop)
{
    if (crop > in) return -((crop - in) / 2);
    int d = in - crop; /* round(d / 2), ties to even */
    int q = d / 2;
    if (d % 2 && q % 2) q++;
    return q;
}

static int fit_size(long long v) { return v < 1 ? 1 : (int)v; }

int dlk_pre_resize_size(int in_h, int in_w, const dlk_pre_opts *o, int *rh, int *rw, dlk_err *err)
{
    if (in_h <= 0 || in_w <= 0) return dlk_fail(err, "invalid image size %dx%d", in_w, in_h);
    if (o->h <= 0 || o->w <= 0) return dlk_fail(err, "invalid output size %dx%d", o->w, o->h);
    double nh, nw;
    switch (o->aspect) {
    case DLK_ASPECT_FIT:
        nh = o->h;
        nw = o->w;
        break;
    case DLK_ASPECT_PAD: {
        /* timm ResizeKeepRatio(longest=1): ratio = the larger of in/target, sizes rounded */
        double rh_ = (double)in_h / o->h, rw_ = (double)in_w / o->w;
        double ratio = rh_ > rw_ ? rh_ : rw_;
        nh = nearbyint(in_h / ratio);
        nw = nearbyint(in_w / ratio);
        if (nh > o->h) nh = o->h;
        if (nw > o->w) nw = o->w;
        break;
    }
    case DLK_ASPECT_CROP: {
        if (!(o->crop_pct > 0.0) || o->crop_pct > 16.0)
            return dlk_fail(err, "invalid crop_pct %g", o->crop_pct);
        double sh = floor(o->h / o->crop_pct), sw = floor(o->w / o->crop_pct);
        if (sh < 1 || sw < 1) return dlk_fail(err, "crop_pct %g makes the resize size zero", o->crop_pct);
        if (o->h == o->w) {
            /* torchvision Resize(int): shorter side to sh, longer int(sh * long / short) */
            int shorter = in_h < in_w ? in_h : in_w, longer = in_h < in_w ? in_w : in_h;
            double nlong = floor(sh * (double)longer / (double)shorter);
            if (in_w <= in_h) {
                nw = sh;
                nh = nlong;
            } else {
                nh = sh;
                nw = nlong;
            }
        } else {
            /* timm ResizeKeepRatio(scale_size, longest=0): ratio = the smaller of in/target */
            double rh_ = (double)in_h / sh, rw_ = (double)in_w / sw;
            double ratio = rh_ < rw_ ? rh_ : rw_;
            nh = nearbyint(in_h / ratio);
            nw = nearbyint(in_w / ratio);
        }
        break;
    }
    default:
        return dlk_fail(err, "unknown aspect mode %d", (int)o->aspect);
    }
    if (nh > DLK_IMAGE_MAX_SIDE || nw > DLK_IMAGE_MAX_SIDE || nh * nw > (double)DLK_IMAGE_MAX_PIXELS)
        return dlk_fail(err, "the resized image would be too large (%.0fx%.0f from %dx%d)", nw, nh, in_w, in_h);
    *rh = fit_size((long long)nh);
    *rw = fit_size((long long)nw);
    return 0;
}

int dlk_preprocess_u8(const dlk_image *in, const dlk_pre_opts *o, uint8_t *out_hwc, dlk_err *err)
{
    int rh, rw;
    if (!in || !in->rgb) return dlk_fail(err, "preprocess: no image");
    if (dlk_pre_resize_size(in->h, in->w, o, &rh, &rw, err)) return -1;
    uint8_t *r = NULL;
    const uint8_t *res = in->rgb;
    long long held = 0;
    if (rh != in->h || rw != in->w) {
        /* the resized image (and the rows of resize's horizontal pass) count against the pixel limit
         * and the decode budget, as decoded images do: --size 2x16384 asks for 18724x18724 */
        held = (long long)rh * rw + (rh != in->h && rw != in->w ? (long long)rw * in->h : 0);
        char what[96];
        snprintf(what, sizeof what, "resizing %dx%d to %dx%d", in->w, in->h, rw, rh);
        if (dlk_image_budget_take(held, what, err)) return -1;
        r = malloc((size_t)rh * (size_t)rw * 3);
        if (!r || dlk_resize_rgb(in->rgb, in->w, in->h, r, rw, rh, o->filter, err)) {
            if (!r) dlk_fail(err, "preprocess: out of memory");
            free(r);
            dlk_image_budget_give(held);
            return -1;
        }
        res = r;
    }
    /* place the rh x rw image in the o->h x o->w output: center crop or zero padding per axis */
    int oy = dlk_center_offset(rh, o->h), ox = dlk_center_offset(rw, o->w);
    int crop_y = rh >= o->h, crop_x = rw >= o->w; /* (a padding offset can be 0 too) */
    int sy = crop_y ? oy : 0, dy = crop_y ? 0 : -oy, ny = crop_y ? o->h : rh;
    int sx = crop_x ? ox : 0, dx = crop_x ? 0 : -ox, nx = crop_x ? o->w : rw;
    if (ny < o->h || nx < o->w) memset(out_hwc, 0, (size_t)o->h * o->w * 3);
    for (int y = 0; y < ny; y++)
        memcpy(out_hwc + ((size_t)(dy + y) * o->w + dx) * 3, res + ((size_t)(sy + y) * rw + sx) * 3,
               (size_t)nx * 3);
    free(r);
    dlk_image_budget_give(held);
    return 0;
}

void dlk_normalize_nchw(const uint8_t *hwc, int h, int w, const dlk_pre_opts *o, float *out_chw)
{
    size_t plane = (size_t)h * w;
    for (int c = 0; c < 3; c++) {
        int src = o->bgr ? 2 - c : c;
        float *d = out_chw + (size_t)c * plane;
        const uint8_t *s = hwc + src;
        if (o->use_scale) {
            for (size_t i = 0; i < plane; i++) d[i] = (float)s[3 * i] * o->scale + o->offset;
        } else {
            float m = o->mean[c], sd = o->std[c];
            for (size_t i = 0; i < plane; i++) {
                float u = (float)((double)s[3 * i] / 255.0);
                d[i] = (u - m) / sd;
            }
        }
    }
}
