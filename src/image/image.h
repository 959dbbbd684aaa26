/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images: decoding (PNG, JPEG, MNIST IDX) to 8-bit RGB, and the model zoo's evaluation
 * preprocessing (Pillow-exact resampling, timm/torchvision resize + center crop, normalization).
 * Nothing here aborts or exits; every failure returns non-zero with a message naming the file.
 */
#ifndef DLK_IMAGE_H
#define DLK_IMAGE_H

#include "dlakit.h"

#include <stddef.h>
#include <stdint.h>

/* Largest accepted image: per side and in total pixels (checked before anything is allocated). */
#define DLK_IMAGE_MAX_SIDE 32768
#define DLK_IMAGE_MAX_PIXELS (1LL << 28)
/* JPEG files with more scans are refused (a progressive file normally has about 10) */
#define DLK_JPEG_MAX_SCANS 500

/* An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B (w * h * 3 bytes); opaque in
 * the public interface (include/dlakit/image.h), held by value here. */
struct dlk_image {
    int w, h;
    uint8_t *rgb; /* malloc'd */
    long long held; /* decoded pixels this image holds of the process's decode budget (below) */
};

/* Decodes a PNG or JPEG file (format detected from its first bytes) to RGB:
 * - PNG: any bit depth and colour type; 16-bit samples keep their high byte, gray is copied to
 *   R, G, B, palettes are expanded, alpha (and tRNS) is dropped, interlacing is handled;
 * - JPEG: baseline or progressive; gray, YCbCr, RGB, CMYK or YCCK (Adobe-inverted CMYK as
 *   Photoshop writes it), CMYK converted to RGB the way Pillow's convert("RGB") does.
 * EXIF orientation is ignored (as torchvision's evaluation transforms do). */
int dlk_image_load(const char *path, dlk_image *out, dlk_err *err);
/* The same from memory; name is used in messages. */
int dlk_image_load_buffer(const void *data, size_t size, const char *name, dlk_image *out, dlk_err *err);
/* Allocates an RGB image with the gray values copied to R, G and B (stride = w bytes). */
int dlk_image_from_gray(const uint8_t *gray, int w, int h, dlk_image *out, dlk_err *err);
/* Allocates a w x h image (contents undefined). */
int dlk_image_alloc(dlk_image *im, int w, int h, dlk_err *err);
void dlk_image_free(dlk_image *im);

/* The decode budget: decoded images (from dlk_image_load*) hold their pixels until dlk_image_free,
 * and a decode waits while other threads' images hold more than the pixel limit
 * (dlk_limits.image_pixels) would allow together with it, so that N threads decoding large images
 * (eval --threads N) need about the memory of one maximal image, not N. A thread's own images never
 * make it wait (no deadlock for one thread holding several), an image alone always proceeds, and
 * a thread waits only for pixels that running threads hold (not for those of threads that wait
 * themselves while holding an image: no deadlock between them).
 * Free an image in the thread that decoded it. Pixels held now, for tests: */
long long dlk_image_budget_in_use(void);
/* The same budget for other pixel buffers an input's size controls (the resized image of
 * preprocessing): fails, naming `what`, when px alone exceeds the pixel limit; else holds px until
 * dlk_image_budget_give(px) (in the same thread). */
int dlk_image_budget_take(long long px, const char *what, dlk_err *err);
void dlk_image_budget_give(long long px);

/* --- MNIST IDX files (unsigned byte data only: idx1 labels, idx3 images) -------------------- */
typedef struct {
    int ndim;        /* 1 (labels) or 3 (images: N x rows x cols) */
    int dims[3];     /* dims[0] = number of items */
    uint8_t *data;   /* malloc'd, the product of dims bytes, C order */
} dlk_idx;

/* Reads and validates an IDX file: magic 0x0000 08 NN (unsigned byte, NN = 1..3 dimensions),
 * every dimension > 0 and the file size exactly header + data. */
int dlk_idx_read(const char *path, dlk_idx *out, dlk_err *err);
void dlk_idx_free(dlk_idx *x);

/* --- preprocessing (dlk_pre_opts and the functions of include/dlakit/image.h) -------------- */
/* The size of the resized image before cropping/padding. DLK_ASPECT_CROP, square output: the
 * shorter side becomes floor(size / crop_pct), the longer int(new_short * long / short)
 * (torchvision Resize(int)); non-square output h x w: timm's ResizeKeepRatio to
 * (floor(h / crop_pct), floor(w / crop_pct)) with longest = 0: ratio = min(in_h / th, in_w / tw),
 * sizes round(in / ratio) (ties to even). (timm itself resizes that non-square case with its
 * ResizeKeepRatio default filter, bilinear; here o->filter is always used.) DLK_ASPECT_PAD:
 * ratio = max(in_h / h, in_w / w), sizes round(in / ratio). */
int dlk_pre_resize_size(int in_h, int in_w, const dlk_pre_opts *o, int *rh, int *rw, dlk_err *err);

/* Pillow-exact 8-bit resample of an RGB image (Image.resize with NEAREST, BILINEAR or BICUBIC
 * on an "RGB" image, whole image as box). out must hold ow * oh * 3 bytes. */
int dlk_resize_rgb(const uint8_t *in, int iw, int ih, uint8_t *out, int ow, int oh,
                   dlk_resize_filter f, dlk_err *err);
/* torchvision's CenterCrop placement along one axis. crop <= in: the first source index kept,
 * round((in - crop) / 2) with ties to even (Python 3's round). crop > in (torchvision pads with
 * zeros first): minus the index where the image starts in the output, -((crop - in) / 2). */
int dlk_center_offset(int in, int crop);

#endif
