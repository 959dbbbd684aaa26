/* What classify and eval share: preprocessing options, a model prepared for one image at a time,
 * top-K ranking and class names. */
#ifndef DLK_CLASSIFIER_H
#define DLK_CLASSIFIER_H

#include "cli.h"
#include "image/image.h"
#include "util/labels.h"

/* Preprocessing options as flags. */
#define CLI_PRE_HELP                                                                                       \
    "  --size N|HxW          input size (default: the model's; required when its H/W are symbolic)\n"    \
    "  --resize F            nearest|bilinear|bicubic (default bicubic, Pillow's antialiased filter)\n" \
    "  --crop-pct P          resize the short side to size/P before the center crop (default 0.875)\n"  \
    "  --aspect A            crop (default: resize + center crop), fit (stretch) or pad (letterbox)\n"  \
    "  --mean a,b,c --std a,b,c   normalization (default ImageNet's)\n"                                  \
    "  --scale S --offset O  normalize as x = u8 * S + O instead\n"                                       \
    "  --bgr                 feed channels in B, G, R order\n"

typedef struct {
    dlk_pre_opts pre;
    const char *size;   /* --size as given */
    unsigned load_flags; /* DLK_LOAD_* for dlk_model_load_ex (quantize: DLK_LOAD_NO_FUSION) */
} cli_pre;

void cli_pre_init(cli_pre *p);
/* Parses argv[*i] (and its value) if it is a preprocessing option: 1 consumed, 0 not one, -1 error
 * (message printed). */
int cli_pre_parse(const char *cmd, int argc, char **argv, int *i, cli_pre *p);

typedef struct {
    dlk_model *m;
    dlk_ctx *ctx;
    dlk_pre_opts pre;   /* with h, w resolved */
    int classes;
    int output_is_prob; /* the model ends in Softmax */
    float *x;           /* scratch CHW */
    uint8_t *hwc;
} classifier;

/* Loads the model and prepares it for batch 1 at the resolved size. */
int classifier_open(classifier *c, const char *model, const cli_pre *p, dlk_err *err);
/* Shares c's model (read-only) in a second context for another thread. */
int classifier_clone(classifier *dst, const classifier *src, dlk_err *err);
void classifier_close(classifier *c, int owns_model);
/* Preprocesses and runs one image; scores points into the context (valid until the next call). */
int classifier_run(classifier *c, const dlk_image *im, const float **scores, dlk_err *err);

/* Indices of the k best scores, best first, ties by lower index (k <= n). */
void cli_topk(const float *s, int n, int k, int *idx);
/* Softmax probabilities of scores (in double, written as float). */
void cli_softmax(const float *s, int n, float *p);
/* A class's name: from labels if given, else ImageNet's for 1000 classes, else NULL. */
const char *cli_class_name(const dlk_labels *l, int classes, int k);

#endif
