/* SPDX-License-Identifier: Apache-2.0 */
/* dlakit preprocess: decode images (PNG, JPEG, MNIST IDX), resize + crop them the way the model
 * zoo's PyTorch evaluation does, and write one .npy batch (uint8 NHWC, or float32 NCHW). */
#include "cli.h"
#include "image/image.h"
#include "lib/npy.h"
#include "util/outfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CMD "preprocess"

static const char HEAD[] =
    "usage: dlakit preprocess IMAGE... --size N|HxW -o OUT.npy [options]\n"
    "       dlakit preprocess --idx IMAGES.idx3 [--range A:B] --size N|HxW -o OUT.npy [options]\n"
    "\n"
    "Decodes PNG or JPEG images (or the gray digits of an MNIST IDX file), converts them to RGB\n"
    "(gray copied to R, G, B; alpha dropped; 16-bit samples keep their high byte), resizes and\n"
    "crops them exactly as timm's evaluation transform does on a PIL image, and writes them as\n"
    "one uint8 N x H x W x 3 .npy (in the order given). The file is written atomically: on any\n"
    "error (an unreadable image is named) nothing is written and the exit status is 1.\n"
    "\n"
    "Options:\n";
static const char TAIL[] =
    "\n"
    "Examples:\n"
    "  dlakit preprocess data/digits/*/*.png --size 64 -o digits.npy\n"
    "  dlakit preprocess --idx ../shared/data/mnist/mnist-10k-images-idx3-ubyte --range 7996:10000 --size 64 -o test.npy\n"
    "  dlakit preprocess data/digits/3/mnist_07999.png --size 128x160 --aspect pad --resize bilinear -o x.npy --json\n";

typedef struct {
    const char *name; /* file name, or NULL for IDX items */
    int w, h, rw, rh;
} item_info;

int cmd_preprocess(int argc, char **argv)
{
    const char *out_path = NULL, *idx_path = NULL, *range = NULL;
    int json = 0, quiet = 0, as_float = 0, nfiles, rc = 1;
    cli_pre p;
    cli_pre_init(&p);
    const cli_opt opts[] = {
        CLI_PRE_SIZE(&p, "N|HxW", "output size (N means NxN); required"),
        CLI_OPT_OUT(&out_path, "FILE", "the .npy to write; required (--output also works)"),
        CLI_PRE_RESIZE(&p, "FILTER", "nearest | bilinear | bicubic (default bicubic): Pillow's 8-bit\n"
                                     "antialiased resampling, bit-exact"),
        CLI_PRE_CROP_PCT(&p, "F", "crop fraction for --aspect crop (default 0.875): the shorter side is\n"
                                  "resized to floor(size / F), then the center is cropped"),
        CLI_PRE_ASPECT(&p, "MODE", "crop (default): timm/torchvision resize + center crop;\n"
                                   "fit: resize the whole image to HxW, ignoring its aspect ratio;\n"
                                   "pad: resize to fit inside HxW keeping the aspect ratio, pad with zeros"),
        CLI_STR_OPT("--idx", &idx_path, "FILE", "read the images of an IDX (idx3, unsigned byte) file instead of IMAGEs"),
        CLI_STR_OPT("--range", &range, "A:B", "with --idx: the items A (included) to B (excluded); A or B may be\n"
                                                                             "omitted (default: all)"),
        CLI_FLAG_OPT("--float", &as_float, "write float32 N x 3 x H x W (normalized model input) instead of uint8"),
        CLI_PRE_MEAN(&p, "R,G,B", "with --float: x = (u8 / 255 - mean) / std (default ImageNet:", NULL),
        CLI_PRE_STD(&p, "R,G,B", "  0.485,0.456,0.406 and 0.229,0.224,0.225), per output channel"),
        CLI_PRE_SCALE(&p, "F", "with --float: x = u8 * F + offset instead of mean/std", NULL),
        CLI_PRE_OFFSET(&p, "F", "with --scale (default 0)"),
        CLI_PRE_BGR(&p, "with --float: channels in B, G, R order"),
        CLI_OPT_JSON(&json, "print a JSON summary (output, shape, per-image sizes) to stdout"),
        CLI_OPT_QUIET(&quiet),
        CLI_OPT_DOC("-h, --help", "this help"),
    };
    const cli_cmd cmd = {.name = CMD, .head = HEAD, .tail = TAIL, .width = 20, .min_args = 0,
                         .max_args = -1, .missing = NULL, .pre = &p, .opts = opts, .n_opts = CLI_NOPTS(opts)};
    item_info *info = NULL;
    uint8_t *batch = NULL;
    float *fbatch = NULL;
    dlk_idx idx = {0};
    int r = cli_parse(&cmd, argc, argv, &nfiles);
    if (r != CLI_GO) return r;
    const char *const *files = (const char *const *)argv + 1;
    if (!p.have_size) return cli_usage_error(CMD, "--size is required");
    if (!out_path) return cli_usage_error(CMD, "-o OUT.npy is required");
    if (idx_path && nfiles) return cli_usage_error(CMD, "give either IMAGE files or --idx, not both");
    if (!idx_path && !nfiles) return cli_usage_error(CMD, "no images given");
    if (range && !idx_path) return cli_usage_error(CMD, "--range needs --idx");
    if (cli_refuse_input(CMD, "-o", out_path, &idx_path, 1) || cli_refuse_input(CMD, "-o", out_path, files, nfiles)) return 2;
    int have_mean = p.have_mean || p.have_std;
    if (!as_float && (have_mean || p.have_scale || p.have_offset || p.pre.bgr))
        return cli_usage_error(CMD, "--mean, --std, --scale, --offset and --bgr need --float");
    if (p.have_offset && !p.have_scale) return cli_usage_error(CMD, "--offset needs --scale");
    if (have_mean && p.have_scale) return cli_usage_error(CMD, "give either --mean/--std or --scale/--offset");
    dlk_pre_opts o = p.pre;
    const int h = p.hw[0], w = p.hw[1];
    o.h = h;
    o.w = w;

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
        if (range && cli_parse_range(range, idx.dims[0], &a, &b)) {
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
    } else if (!quiet) {
        printf("%s: %lld x %lld x %lld x %lld %s (%ld image%s)\n", out_path, (long long)shape.dims[0], (long long)shape.dims[1],
               (long long)shape.dims[2], (long long)shape.dims[3], as_float ? "float32" : "uint8", count, count == 1 ? "" : "s");
    }
    rc = 0;
done:
    free(info);
    free(batch);
    free(fbatch);
    dlk_idx_free(&idx);
    return rc;
}
