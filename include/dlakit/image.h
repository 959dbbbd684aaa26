/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dlakit images: decode PNG/JPEG to 8-bit RGB and preprocess as the model zoo's evaluation does
 * (Pillow-exact resampling, timm/torchvision resize + center crop, normalization), into a
 * context's input. Nothing here aborts or exits: failures return NULL or non-zero with a message
 * naming the file and the problem.
 */
#ifndef DLAKIT_IMAGE_H
#define DLAKIT_IMAGE_H

#include "../dlakit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded 8-bit RGB image (rows top to bottom, pixels R, G, B). */
typedef struct dlk_image dlk_image;

/* Decodes a PNG or JPEG file (format from its first bytes); any PNG bit depth and colour type,
 * baseline or progressive JPEG (gray, YCbCr, RGB, CMYK, YCCK). Alpha is dropped, EXIF orientation
 * ignored (as torchvision's evaluation transforms do). */
DLK_API dlk_image *dlk_image_open(const char *path, dlk_err *err);
/* The same from memory; name is used in messages. */
DLK_API dlk_image *dlk_image_open_buffer(const void *data, size_t size, const char *name, dlk_err *err);
/* An image from w x h gray bytes (copied to R, G and B), e.g. an MNIST item. */
DLK_API dlk_image *dlk_image_open_gray(const uint8_t *gray, int w, int h, dlk_err *err);
DLK_API int dlk_image_width(const dlk_image *im);
DLK_API int dlk_image_height(const dlk_image *im);
/* width x height x 3 bytes */
DLK_API const uint8_t *dlk_image_pixels(const dlk_image *im);
DLK_API void dlk_image_close(dlk_image *im);

/* --- preprocessing ----------------------------------------------------------------------------- */
typedef enum { DLK_RESIZE_NEAREST = 0, DLK_RESIZE_BILINEAR = 2, DLK_RESIZE_BICUBIC = 3 } dlk_resize_filter;
typedef enum {
    DLK_ASPECT_CROP = 0, /* timm eval: resize (shorter side to size / crop_pct), then center crop */
    DLK_ASPECT_FIT = 1,  /* resize the whole image to h x w, ignoring its aspect ratio */
    DLK_ASPECT_PAD = 2,  /* letterbox: resize to fit inside h x w keeping the aspect, pad with zeros */
} dlk_aspect;

typedef struct {
    int h, w;                 /* output size (0: the model's, where a model is involved) */
    dlk_resize_filter filter; /* default bicubic */
    double crop_pct;          /* default 0.875 (DLK_ASPECT_CROP only) */
    dlk_aspect aspect;        /* default DLK_ASPECT_CROP */
    /* normalization (dlk_normalize_nchw): when use_scale, x = u8 * scale + offset; otherwise
     * x = (u8 / 255 - mean) / std, computed in float32 as f32(f32(u8 / 255) - mean) / std.
     * mean[c] and std[c] apply to output channel c (after the bgr swap). Defaults: ImageNet
     * mean/std, RGB order. */
    int use_scale;
    float scale, offset;
    float mean[3], std[3];
    int bgr;                  /* swap R and B in the normalized output */
} dlk_pre_opts;

/* The zoo's defaults (bicubic, crop_pct 0.875, center crop, ImageNet mean/std) for an h x w output. */
DLK_API void dlk_pre_opts_default(dlk_pre_opts *o, int h, int w);
/* Resize (+ crop or pad) in to o->h x o->w x 3 uint8 (HWC). */
DLK_API int dlk_preprocess_u8(const dlk_image *in, const dlk_pre_opts *o, uint8_t *out_hwc, dlk_err *err);
/* HWC uint8 -> CHW float32 with the options' normalization and channel order. */
DLK_API void dlk_normalize_nchw(const uint8_t *hwc, int h, int w, const dlk_pre_opts *o, float *out_chw);

/* Preprocesses im with o (o->h, o->w: 0 takes the context's) and normalizes it into item `item`
 * of input 0 of c, which must be float32 N x 3 x H x W. */
DLK_API int dlk_ctx_set_image(dlk_ctx *c, int64_t item, const dlk_image *im, const dlk_pre_opts *o, dlk_err *err);
/* Normalizes n images already resized and cropped (uint8 n x H x W x 3, what `dlakit preprocess`
 * writes) into input 0 of c (float32 n x 3 x H x W), as `dlakit run --images-npy` does. o: the
 * normalization (NULL: ImageNet's). */
DLK_API int dlk_ctx_set_images_u8(dlk_ctx *c, const uint8_t *nhwc, int64_t n, const dlk_pre_opts *o, dlk_err *err);

#ifdef __cplusplus
}
#endif
#endif
