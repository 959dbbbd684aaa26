/* dlakit preprocess: decode images (PNG, JPEG, MNIST IDX), resize + crop them the way the model
 * zoo's PyTorch evaluation does, and write one .npy batch (uint8 NHWC, or float32 NCHW). */
#include "cli.h"
#include "image/image.h"
#include "util/npy.h"
#include "util/outfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CMD "preprocess"

static void help(FILE *f)
{
    fprintf(f,
            "usage: dlakit preprocess IMAGE... --size N|HxW -o OUT.npy [options]\n"
            "       dlakit preprocess --idx IMAGES.idx3 [--range A:B] --size N|HxW -o OUT.npy [options]\n"
            "\n"
            "Decodes PNG or JPEG images (or the gray digits of an MNIST IDX file), converts them to RGB\n"
            "(gray copied to R, G, B; alpha dropped; 16-bit samples keep their high byte), resizes and\n"
            "crops them exactly as timm's evaluation transform does on a PIL image, and writes them as\n"
            "one uint8 N x H x W x 3 .npy (in the order given). The file is written atomically: on any\n"
            "error (an unreadable image is named) nothing is written and the exit status is 1.\n"
            "\n"
            "Options:\n"
            "  --size N|HxW        output size (N means NxN); required\n"
            "  -o, --out FILE      the .npy to write; required (--output also works)\n"
            "  --resize FILTER     nearest | bilinear | bicubic (default bicubic): Pillow's 8-bit\n"
            "                      antialiased resampling, bit-exact\n"
            "  --crop-pct F        crop fraction for --aspect crop (default 0.875): the shorter side is\n"
            "                      resized to floor(size / F), then the center is cropped\n"
            "  --aspect MODE       crop (default): timm/torchvision resize + center crop;\n"
            "                      fit: resize the whole image to HxW, ignoring its aspect ratio;\n"
            "                      pad: resize to fit inside HxW keeping the aspect ratio, pad with zeros\n"
            "  --idx FILE          read the images of an IDX (idx3, unsigned byte) file instead of IMAGEs\n"
            "  --range A:B         with --idx: the items A (included) to B (excluded); A or B may be\n"
            "                      omitted (default: all)\n"
            "  --float             write float32 N x 3 x H x W (normalized model input) instead of uint8\n"
            "  --mean R,G,B        with --float: x = (u8 / 255 - mean) / std (default ImageNet:\n"
            "  --std R,G,B           0.485,0.456,0.406 and 0.229,0.224,0.225), per output channel\n"
            "  --scale F           with --float: x = u8 * F + offset instead of mean/std\n"
            "  --offset F          with --scale (default 0)\n"
            "  --bgr               with --float: channels in B, G, R order\n"
            "  --json              print a JSON summary (output, shape, per-image sizes) to stdout\n"
            "  -h, --help          this help\n"
            "\n"
            "Examples:\n"
            "  dlakit preprocess cat.jpg dog.png --size 224 -o batch.npy\n"
            "  dlakit preprocess --idx mnist-10k-images-idx3-ubyte --range 7996:10000 --size 64 -o test.npy\n"
            "  dlakit preprocess photo.png --size 128x160 --aspect pad --resize bilinear -o x.npy --json\n");
}

static int parse_range(const char *s, long n, long *a, long *b)
{
    const char *colon = strchr(s, ':');
    if (!colon) return -1;
    char left[32], right[32];
    size_t ll = (size_t)(colon - s);
    if (ll >= sizeof left || strlen(colon + 1) >= sizeof right) return -1;
    memcpy(left, s, ll);
    left[ll] = 0;
    strcpy(right, colon + 1);
    *a = 0;
    *b = n;
    if (*left && cli_parse_int(left, 0, n, a)) return -1;
    if (*right && cli_parse_int(right, 0, n, b)) return -1;
    return *a < *b ? 0 : -1;
}

typedef struct {
    const char *name; /* file name, or NULL for IDX items */
    int w, h, rw, rh;
} item_info;

int cmd_preprocess(int argc, char **argv)
{
    const char *out_path = NULL, *idx_path = NULL, *range = NULL;
    int have_size = 0, json = 0, as_float = 0, have_mean = 0, have_scale = 0, have_offset = 0;
    int h = 0, w = 0;
    dlk_pre_opts o;
    dlk_pre_opts_default(&o, 1, 1);
    float mean[3], stdv[3];
    memcpy(mean, o.mean, sizeof mean);
    memcpy(stdv, o.std, sizeof stdv);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0, rc = 1;
    item_info *info = NULL;
    uint8_t *batch = NULL;
    float *fbatch = NULL;
    dlk_idx idx = {0};
    if (!files) return cli_error(CMD, "out of memory");

#define NEED_ARG()                                                                   \
    do {                                                                             \
        if (i + 1 >= argc) {                                                         \
            rc = cli_usage_error(CMD, "option %s needs a value", a);                 \
            goto done;                                                               \
        }                                                                            \
    } while (0)

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            help(stdout);
            rc = 0;
            goto done;
        } else if (!strcmp(a, "--size")) {
            NEED_ARG();
            if (cli_parse_size(argv[++i], &h, &w)) {
                rc = cli_usage_error(CMD, "invalid --size '%s' (N or HxW, 1..16384)", argv[i]);
                goto done;
            }
            have_size = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out") || !strcmp(a, "--output")) {
            NEED_ARG();
            out_path = argv[++i];
        } else if (!strcmp(a, "--resize")) {
            NEED_ARG();
            const char *v = argv[++i];
            if (!strcmp(v, "nearest")) o.filter = DLK_RESIZE_NEAREST;
            else if (!strcmp(v, "bilinear")) o.filter = DLK_RESIZE_BILINEAR;
            else if (!strcmp(v, "bicubic")) o.filter = DLK_RESIZE_BICUBIC;
            else {
                rc = cli_usage_error(CMD, "invalid --resize '%s' (nearest, bilinear or bicubic)", v);
                goto done;
            }
        } else if (!strcmp(a, "--crop-pct")) {
            NEED_ARG();
            char *e;
            double v = strtod(argv[++i], &e);
            if (e == argv[i] || *e || !(v > 0.0 && v <= 16.0)) {
                rc = cli_usage_error(CMD, "invalid --crop-pct '%s' (a number in (0, 16])", argv[i]);
                goto done;
            }
            o.crop_pct = v;
        } else if (!strcmp(a, "--aspect")) {
            NEED_ARG();
            const char *v = argv[++i];
            if (!strcmp(v, "crop")) o.aspect = DLK_ASPECT_CROP;
            else if (!strcmp(v, "fit")) o.aspect = DLK_ASPECT_FIT;
            else if (!strcmp(v, "pad")) o.aspect = DLK_ASPECT_PAD;
            else {
                rc = cli_usage_error(CMD, "invalid --aspect '%s' (fit, crop or pad)", v);
                goto done;
            }
        } else if (!strcmp(a, "--idx")) {
            NEED_ARG();
            idx_path = argv[++i];
        } else if (!strcmp(a, "--range")) {
            NEED_ARG();
            range = argv[++i];
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--float")) {
            as_float = 1;
        } else if (!strcmp(a, "--bgr")) {
            o.bgr = 1;
        } else if (!strcmp(a, "--mean") || !strcmp(a, "--std")) {
            NEED_ARG();
            if (cli_parse_floats3(argv[i + 1], a[2] == 'm' ? mean : stdv)) {
                rc = cli_usage_error(CMD, "invalid %s '%s' (three finite numbers: a,b,c)", a, argv[i + 1]);
                goto done;
            }
            i++;
            have_mean = 1;
        } else if (!strcmp(a, "--scale") || !strcmp(a, "--offset")) {
            NEED_ARG();
            char *e;
            float v = strtof(argv[++i], &e);
            if (e == argv[i] || *e) {
                rc = cli_usage_error(CMD, "invalid %s '%s'", a, argv[i]);
                goto done;
            }
            if (a[2] == 's') {
                o.scale = v;
                have_scale = 1;
            } else {
                o.offset = v;
                have_offset = 1;
            }
        } else if (a[0] == '-' && a[1]) {
            rc = cli_usage_error(CMD, "unknown option '%s'", a);
            goto done;
        } else {
            files[nfiles++] = a;
        }
    }
    if (!have_size) {
        rc = cli_usage_error(CMD, "--size is required");
        goto done;
    }
    if (!out_path) {
        rc = cli_usage_error(CMD, "-o OUT.npy is required");
        goto done;
    }
    if (idx_path && nfiles) {
        rc = cli_usage_error(CMD, "give either IMAGE files or --idx, not both");
        goto done;
    }
    if (!idx_path && !nfiles) {
        rc = cli_usage_error(CMD, "no images given");
        goto done;
    }
    if (range && !idx_path) {
        rc = cli_usage_error(CMD, "--range needs --idx");
        goto done;
    }
    for (int k = -1; k < nfiles; k++)
        if (dlk_same_file(out_path, k < 0 ? idx_path : files[k])) {
            rc = cli_usage_error(CMD, "-o %s is one of the inputs; it would be overwritten", out_path);
            goto done;
        }
    if (!as_float && (have_mean || have_scale || have_offset || o.bgr)) {
        rc = cli_usage_error(CMD, "--mean, --std, --scale, --offset and --bgr need --float");
        goto done;
    }
    if (have_offset && !have_scale) {
        rc = cli_usage_error(CMD, "--offset needs --scale");
        goto done;
    }
    if (have_mean && have_scale) {
        rc = cli_usage_error(CMD, "give either --mean/--std or --scale/--offset");
        goto done;
    }
    for (int c = 0; c < 3; c++)
        if (stdv[c] == 0.0f) {
            rc = cli_usage_error(CMD, "--std values must be non-zero");
            goto done;
        }
    o.h = h;
    o.w = w;
    o.use_scale = have_scale;
    memcpy(o.mean, mean, sizeof mean);
    memcpy(o.std, stdv, sizeof stdv);

    dlk_err err = {{0}};
    long first = 0, count = nfiles;
    if (idx_path) {
        if (dlk_idx_read(idx_path, &idx, &err)) {
            rc = cli_error(CMD, "%s", err.msg);
            goto done;
        }
        if (idx.ndim != 3) {
            rc = cli_error(CMD, "%s: not an image file (idx%d; images are idx3: N x rows x cols)", idx_path, idx.ndim);
            goto done;
        }
        long a = 0, b = idx.dims[0];
        if (range && parse_range(range, idx.dims[0], &a, &b)) {
            rc = cli_usage_error(CMD, "invalid --range '%s' (A:B with 0 <= A < B <= %d)", range, idx.dims[0]);
            goto done;
        }
        first = a;
        count = b - a;
    }

    size_t per = (size_t)h * (size_t)w * 3;
    if ((double)per * (double)count > (double)(1ULL << 36)) {
        rc = cli_error(CMD, "the output would be too large (%ld images of %dx%d)", count, h, w);
        goto done;
    }
    batch = malloc(per * (size_t)count);
    info = calloc((size_t)count, sizeof *info);
    if (!batch || !info) {
        rc = cli_error(CMD, "out of memory for %ld images of %dx%d", count, h, w);
        goto done;
    }
    for (long n = 0; n < count; n++) {
        dlk_image im = {0};
        int bad;
        if (idx_path) {
            int rows = idx.dims[1], cols = idx.dims[2];
            bad = dlk_image_from_gray(idx.data + (size_t)(first + n) * rows * cols, cols, rows, &im, &err);
        } else {
            bad = dlk_image_load(files[n], &im, &err);
        }
        if (!bad) {
            info[n].name = idx_path ? NULL : files[n];
            info[n].w = im.w;
            info[n].h = im.h;
            bad = dlk_pre_resize_size(im.h, im.w, &o, &info[n].rh, &info[n].rw, &err) ||
                  dlk_preprocess_u8(&im, &o, batch + per * (size_t)n, &err);
        }
        dlk_image_free(&im);
        if (bad) {
            if (idx_path) rc = cli_error(CMD, "%s: item %ld: %s", idx_path, first + n, err.msg);
            else if (strstr(err.msg, files[n]) == err.msg) rc = cli_error(CMD, "%s", err.msg);
            else rc = cli_error(CMD, "%s: %s", files[n], err.msg);
            goto done;
        }
    }

    dlk_shape shape = {.dtype = DLK_UINT8, .ndim = 4, .dims = {count, h, w, 3}};
    const void *data = batch;
    if (as_float) {
        fbatch = malloc(sizeof(float) * per * (size_t)count);
        if (!fbatch) {
            rc = cli_error(CMD, "out of memory");
            goto done;
        }
        for (long n = 0; n < count; n++) dlk_normalize_nchw(batch + per * n, h, w, &o, fbatch + per * n);
        shape.dtype = DLK_FLOAT;
        shape.dims[1] = 3;
        shape.dims[2] = h;
        shape.dims[3] = w;
        data = fbatch;
    }
    if (dlk_npy_write(out_path, &shape, data, &err)) {
        rc = cli_error(CMD, "%s", err.msg);
        goto done;
    }
    if (json) {
        static const char *fnames[] = {"nearest", "?", "bilinear", "bicubic"};
        static const char *anames[] = {"crop", "fit", "pad"};
        printf("{\"output\": ");
        cli_json_str(stdout, out_path);
        printf(", \"dtype\": \"%s\", \"shape\": [%lld, %lld, %lld, %lld], \"resize\": \"%s\", "
               "\"aspect\": \"%s\", \"crop_pct\": %.17g, \"images\": [",
               as_float ? "float32" : "uint8", (long long)shape.dims[0], (long long)shape.dims[1],
               (long long)shape.dims[2], (long long)shape.dims[3], fnames[o.filter], anames[o.aspect], o.crop_pct);
        for (long n = 0; n < count; n++) {
            printf("%s{\"source\": ", n ? ", " : "");
            if (info[n].name) cli_json_str(stdout, info[n].name);
            else {
                cli_json_str(stdout, idx_path);
                printf(", \"index\": %ld", first + n);
            }
            printf(", \"width\": %d, \"height\": %d, \"resized\": [%d, %d]}", info[n].w, info[n].h, info[n].rh,
                   info[n].rw);
        }
        printf("]}\n");
    }
    rc = 0;
done:
    free(files);
    free(info);
    free(batch);
    free(fbatch);
    dlk_idx_free(&idx);
    return rc;
}
