/* SPDX-License-Identifier: Apache-2.0 */
/* PNG (libpng) and JPEG (libjpeg-turbo) decoding to 8-bit RGB. Both libraries report fatal
 * errors through longjmp here, so a corrupt file returns an error instead of ending the process. */
#include "image/image.h"
#include "util/err.h"
#include "util/file.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#define MAX_FILE_BYTES ((size_t)1 << 30)

/* ---- the decode budget (image.h) ------------------------------------------------------------ */
static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_cv = PTHREAD_COND_INITIALIZER;
static long long budget_used;             /* pixels held by every thread's decoded images */
static long long budget_waiting;          /* of which by threads waiting in budget_take */
static _Thread_local long long budget_mine; /* of which this thread's */

static void budget_take(long long px)
{
    dlk_limits lim;
    dlk_limits_get(&lim);
    const long long limit = lim.image_pixels > (unsigned long long)LLONG_MAX ? LLONG_MAX : (long long)lim.image_pixels;
    pthread_mutex_lock(&budget_mu);
    /* Wait only for pixels that a running thread holds (it will free them): a thread that holds an
     * image and waits for more (preprocessing's resized image) does not count, so that two such
     * threads never wait for each other. */
    while (budget_used - budget_mine - budget_waiting > 0 && budget_used + px > limit) {
        budget_waiting += budget_mine;
        pthread_cond_broadcast(&budget_cv); /* the others may now go on */
        pthread_cond_wait(&budget_cv, &budget_mu);
        budget_waiting -= budget_mine;
    }
    budget_used += px;
    budget_mine += px;
    pthread_mutex_unlock(&budget_mu);
}

static void budget_give(long long px)
{
    if (px <= 0) return;
    pthread_mutex_lock(&budget_mu);
    budget_used -= px;
    budget_mine -= px;
    pthread_cond_broadcast(&budget_cv);
    pthread_mutex_unlock(&budget_mu);
}

int dlk_image_budget_take(long long px, const char *what, dlk_err *err)
{
    dlk_limits lim;
    dlk_limits_get(&lim);
    if (px < 0 || (unsigned long long)px > lim.image_pixels)
        return dlk_fail(err, "%s would take %lld pixels, over the limit of %llu pixels (raise it with --max-image-pixels "
                             "or DLAKIT_MAX_IMAGE_PIXELS)", what, px, (unsigned long long)lim.image_pixels);
    budget_take(px);
    return 0;
}

void dlk_image_budget_give(long long px) { budget_give(px); }

long long dlk_image_budget_in_use(void)
{
    pthread_mutex_lock(&budget_mu);
    long long v = budget_used;
    pthread_mutex_unlock(&budget_mu);
    return v;
}

void dlk_image_free(dlk_image *im)
{
    if (!im) return;
    free(im->rgb);
    im->rgb = NULL;
    im->w = im->h = 0;
    budget_give(im->held);
    im->held = 0;
}

static int check_dims(long long w, long long h, const char *name, dlk_err *err)
{
    if (w <= 0 || h <= 0) return dlk_fail(err, "%s: invalid image size %lldx%lld", name, w, h);
    if (w > DLK_IMAGE_MAX_SIDE || h > DLK_IMAGE_MAX_SIDE || w * h > DLK_IMAGE_MAX_PIXELS)
        return dlk_fail(err, "%s: image too large (%lldx%lld; the limit is %d per side and %lld pixels)",
                        name, w, h, DLK_IMAGE_MAX_SIDE, (long long)DLK_IMAGE_MAX_PIXELS);
    return 0;
}

/* Decoded images: the pixel limit (Pillow's MAX_IMAGE_PIXELS by default) before any allocation, as
 * a guard against decompression bombs (a few KB declaring 16384x16384). */
static int check_decoded(long long w, long long h, const char *name, long long *held, dlk_err *err)
{
    if (check_dims(w, h, name, err)) return -1;
    dlk_limits lim;
    dlk_limits_get(&lim);
    if ((unsigned long long)(w * h) > lim.image_pixels)
        return dlk_fail(err, "%s: image of %lldx%lld = %lld pixels exceeds the limit of %llu pixels (a possible "
                             "decompression bomb; raise it with --max-image-pixels or DLAKIT_MAX_IMAGE_PIXELS)",
                        name, w, h, w * h, (unsigned long long)lim.image_pixels);
    budget_take(w * h); /* the decoder's buffers and the image are allocated after this */
    *held = w * h;
    return 0;
}

int dlk_image_alloc(dlk_image *im, int w, int h, dlk_err *err)
{
    im->w = im->h = 0;
    im->rgb = NULL;
    im->held = 0;
    if (check_dims(w, h, "image", err)) return -1;
    im->rgb = malloc((size_t)w * (size_t)h * 3);
    if (!im->rgb) return dlk_fail(err, "out of memory for a %dx%d image", w, h);
    im->w = w;
    im->h = h;
    return 0;
}

int dlk_image_from_gray(const uint8_t *gray, int w, int h, dlk_image *out, dlk_err *err)
{
    if (dlk_image_alloc(out, w, h, err)) return -1;
    size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0; i < n; i++) out->rgb[3 * i] = out->rgb[3 * i + 1] = out->rgb[3 * i + 2] = gray[i];
    return 0;
}

/* ------------------------------------------------------------------------------------------- */
/* PNG                                                                                          */

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    const char *name;
    long long held;      /* decode budget taken (check_decoded) */
    char msg[256];       /* libpng's error message */
    jmp_buf jb;
    /* owned buffers, freed by the caller of png_decode */
    uint8_t *pixels;     /* decoded rows, h * rowbytes */
    png_bytep *rows;
} png_state;

static void png_err_fn(png_structp png, png_const_charp msg)
{
    png_state *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg ? msg : "unknown error");
    longjmp(st->jb, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* warnings (bad ancillary chunks etc.) do not stop decoding */
}

static void png_read_fn(png_structp png, png_bytep buf, png_size_t n)
{
    png_state *st = png_get_io_ptr(png);
    if (n > st->size - st->pos) png_error(png, "unexpected end of file (truncated PNG)");
    memcpy(buf, st->data + st->pos, n);
    st->pos += n;
}

/* Runs with setjmp; every allocation it makes lives in *st or *out so that the caller frees it. */
static int png_decode(png_state *st, png_structp png, png_infop info, dlk_image *out, dlk_err *err)
{
    if (setjmp(st->jb)) return dlk_fail(err, "%s: invalid or truncated PNG: %s", st->name, st->msg);

    png_set_read_fn(png, st, png_read_fn);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (check_decoded(w, h, st->name, &st->held, err)) return -1;
    int depth = png_get_bit_depth(png, info), ctype = png_get_color_type(png, info);

    if (depth == 16) png_set_strip_16(png); /* keeps the high byte */
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if ((ctype & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int ch = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || ch < 1 || ch > 4 || rowbytes < (size_t)w * (size_t)ch)
        return dlk_fail(err, "%s: unsupported PNG layout (bit depth %d, color type %d)", st->name, depth, ctype);

    st->pixels = malloc(rowbytes * h);
    st->rows = malloc(sizeof(png_bytep) * h);
    if (!st->pixels || !st->rows) return dlk_fail(err, "%s: out of memory for a %ux%u image", st->name, w, h);
    for (png_uint_32 y = 0; y < h; y++) st->rows[y] = st->pixels + rowbytes * y;
    png_read_image(png, st->rows);
    png_read_end(png, NULL);

    if (dlk_image_alloc(out, (int)w, (int)h, err)) return -1;
    for (png_uint_32 y = 0; y < h; y++) {
        const uint8_t *s = st->rows[y];
        uint8_t *d = out->rgb + (size_t)y * w * 3;
        for (png_uint_32 x = 0; x < w; x++, s += ch, d += 3) {
            if (ch <= 2) { /* gray, gray + alpha */
                d[0] = d[1] = d[2] = s[0];
            } else {       /* RGB, RGBA */
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    }
    return 0;
}

static int load_png(const uint8_t *data, size_t size, const char *name, dlk_image *out, dlk_err *err)
{
    png_state *st = calloc(1, sizeof *st);
    if (!st) return dlk_fail(err, "%s: out of memory", name);
    st->data = data;
    st->size = size;
    st->name = name;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, png_err_fn, png_warn_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int rc;
    if (!png || !info) rc = dlk_fail(err, "%s: cannot initialize libpng", name);
    else rc = png_decode(st, png, info, out, err);
    if (png) png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(st->rows);
    free(st->pixels);
    if (rc) {
        dlk_image_free(out);
        budget_give(st->held);
    } else {
        out->held = st->held; /* released by dlk_image_free */
    }
    free(st);
    return rc;
}

/* ------------------------------------------------------------------------------------------- */
/* JPEG                                                                                         */

typedef struct {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress; /* the scan limit */
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    uint8_t *row;        /* owned scratch row, freed by the caller of jpeg_decode */
} jpeg_state;

static void jpeg_error_exit_fn(j_common_ptr cinfo)
{
    jpeg_state *st = (jpeg_state *)cinfo->err;
    cinfo->err->format_message(cinfo, st->msg);
    longjmp(st->jb, 1);
}

static void jpeg_emit_fn(j_common_ptr cinfo, int level)
{
    jpeg_state *st = (jpeg_state *)cinfo->err;
    if (level >= 0) return; /* trace messages */
    /* A file that ends early is decoded by libjpeg with gray filler: refuse it (Pillow refuses it
     * too). Other warnings (extraneous bytes, etc.) are tolerated as libjpeg and Pillow do. */
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        cinfo->err->format_message(cinfo, st->msg);
        longjmp(st->jb, 1);
    }
    cinfo->err->num_warnings++;
}

/* libjpeg calls this while it reads scans (a progressive file's are all read in
 * jpeg_start_decompress): a file of 2.5 MB can hold 20,000 scans, each a pass over the whole
 * image (minutes). Past DLK_JPEG_MAX_SCANS the file is refused, as libjpeg-turbo's own fuzzers and
 * djpeg -maxscans do; encoders write about 10. */
static void jpeg_progress_fn(j_common_ptr cinfo)
{
    jpeg_state *st = (jpeg_state *)cinfo->err;
    const struct jpeg_decompress_struct *d = (const struct jpeg_decompress_struct *)cinfo;
    if (d->input_scan_number > DLK_JPEG_MAX_SCANS) {
        snprintf(st->msg, sizeof st->msg, "more than %d scans (the limit: encoders write about 10)", DLK_JPEG_MAX_SCANS);
        longjmp(st->jb, 1);
    }
}

static inline uint8_t muldiv255(int a, int b)
{
    int t = a * b + 128;
    return (uint8_t)(((t >> 8) + t) >> 8);
}

static int jpeg_decode(jpeg_state *st, struct jpeg_decompress_struct *cinfo, const uint8_t *data,
                       size_t size, const char *name, dlk_image *out, long long *held, dlk_err *err)
{
    if (setjmp(st->jb)) return dlk_fail(err, "%s: invalid or truncated JPEG: %s", name, st->msg);

    jpeg_create_decompress(cinfo); /* (which clears every field but err) */
    st->progress.progress_monitor = jpeg_progress_fn;
    cinfo->progress = &st->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    if (check_decoded(cinfo->image_width, cinfo->image_height, name, held, err)) return -1;

    int cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; cmyk = 1; break;
    default: cinfo->out_color_space = JCS_RGB; break;
    }
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(cinfo);
    int w = (int)cinfo->output_width, h = (int)cinfo->output_height, ch = cinfo->output_components;
    if ((ch != 1 && ch != 3 && ch != 4) || (ch == 4) != cmyk)
        return dlk_fail(err, "%s: unsupported JPEG color layout (%d components)", name, ch);
    st->row = malloc((size_t)w * (size_t)ch);
    if (!st->row) return dlk_fail(err, "%s: out of memory", name);
    if (dlk_image_alloc(out, w, h, err)) return -1;
    /* Adobe files store CMYK inverted (0 = full ink); Pillow reads them as "CMYK;I". */
    int inverted = cmyk && cinfo->saw_Adobe_marker;
    while (cinfo->output_scanline < cinfo->output_height) {
        int y = (int)cinfo->output_scanline;
        JSAMPROW rp = st->row;
        if (jpeg_read_scanlines(cinfo, &rp, 1) != 1)
            return dlk_fail(err, "%s: JPEG decoding stopped at row %d", name, y);
        uint8_t *d = out->rgb + (size_t)y * w * 3;
        const uint8_t *s = st->row;
        for (int x = 0; x < w; x++, d += 3, s += ch) {
            if (ch == 1) {
                d[0] = d[1] = d[2] = s[0];
            } else if (ch == 3) {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            } else {
                int c[4];
                for (int i = 0; i < 4; i++) c[i] = inverted ? 255 - s[i] : s[i];
                int nk = 255 - c[3]; /* Pillow's cmyk2rgb */
                for (int i = 0; i < 3; i++) {
                    int v = nk - muldiv255(c[i], nk);
                    d[i] = (uint8_t)(v < 0 ? 0 : v);
                }
            }
        }
    }
    jpeg_finish_decompress(cinfo);
    return 0;
}

static int load_jpeg(const uint8_t *data, size_t size, const char *name, dlk_image *out, dlk_err *err)
{
    jpeg_state *st = calloc(1, sizeof *st);
    struct jpeg_decompress_struct *cinfo = calloc(1, sizeof *cinfo);
    int rc;
    long long held = 0; /* decode budget taken inside jpeg_decode (its setjmp is there, not here) */
    if (!st || !cinfo) {
        rc = dlk_fail(err, "%s: out of memory", name);
    } else {
        cinfo->err = jpeg_std_error(&st->pub);
        st->pub.error_exit = jpeg_error_exit_fn;
        st->pub.emit_message = jpeg_emit_fn;
        rc = jpeg_decode(st, cinfo, data, size, name, out, &held, err);
        jpeg_destroy_decompress(cinfo);
        free(st->row);
    }
    free(cinfo);
    free(st);
    if (rc) {
        dlk_image_free(out);
        budget_give(held);
    } else {
        out->held = held;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------- */

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* 0 for a PNG or JPEG signature; else what the file is (read before the rest of the file). */
static int image_head_check(const unsigned char *p, size_t size, const char *name, dlk_err *err)
{
    if (size >= 8 && !memcmp(p, png_sig, 8)) return 0;
    if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return 0;
    if (size >= 2 && p[0] == 'B' && p[1] == 'M')
        return dlk_fail(err, "%s: BMP images are not supported (only PNG and JPEG)", name);
    if (size >= 4 && (!memcmp(p, "GIF8", 4)))
        return dlk_fail(err, "%s: GIF images are not supported (only PNG and JPEG)", name);
    if (size >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return dlk_fail(err, "%s: WebP images are not supported (only PNG and JPEG)", name);
    return dlk_fail(err, "%s: not a PNG or JPEG file (unrecognized first bytes)", name);
}

int dlk_image_load_buffer(const void *data, size_t size, const char *name, dlk_image *out, dlk_err *err)
{
    out->w = out->h = 0;
    out->rgb = NULL;
    out->held = 0;
    const uint8_t *p = data;
    if (!name) name = "image";
    if (size == 0) return dlk_fail(err, "%s: empty file", name);
    if (image_head_check(p, size, name, err)) return -1;
    return p[0] == 0x89 ? load_png(p, size, name, out, err) : load_jpeg(p, size, name, out, err);
}

int dlk_image_load(const char *path, dlk_image *out, dlk_err *err)
{
    out->w = out->h = 0;
    out->rgb = NULL;
    void *buf;
    size_t size;
    if (dlk_read_file_checked(path, MAX_FILE_BYTES, image_head_check, &buf, &size, err)) return -1;
    int rc = dlk_image_load_buffer(buf, size, path, out, err);
    free(buf);
    return rc;
}
