#include "classifier.h"
#include "runtime/runtime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_pre_init(cli_pre *p)
{
    memset(p, 0, sizeof *p);
    dlk_pre_opts_default(&p->pre, 0, 0);
}

int cli_pre_parse(const char *cmd, int argc, char **argv, int *i, cli_pre *p)
{
    const char *a = argv[*i];
    static const char *const with_value[] = {"--size", "--resize", "--crop-pct", "--aspect", "--mean", "--std", "--scale", "--offset"};
    if (!strcmp(a, "--bgr")) {
        p->pre.bgr = 1;
        return 1;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) known |= !strcmp(a, with_value[k]);
    if (!known) return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    char *e;
    if (!strcmp(a, "--size")) {
        int h, w;
        if (cli_parse_size(v, &h, &w)) goto bad;
        p->size = v;
    } else if (!strcmp(a, "--resize")) {
        if (!strcmp(v, "nearest")) p->pre.filter = DLK_RESIZE_NEAREST;
        else if (!strcmp(v, "bilinear")) p->pre.filter = DLK_RESIZE_BILINEAR;
        else if (!strcmp(v, "bicubic")) p->pre.filter = DLK_RESIZE_BICUBIC;
        else goto bad;
    } else if (!strcmp(a, "--crop-pct")) {
        double d = strtod(v, &e);
        if (*e || !(d > 0.05 && d <= 1.0)) goto bad;
        p->pre.crop_pct = d;
    } else if (!strcmp(a, "--aspect")) {
        if (!strcmp(v, "crop")) p->pre.aspect = DLK_ASPECT_CROP;
        else if (!strcmp(v, "fit")) p->pre.aspect = DLK_ASPECT_FIT;
        else if (!strcmp(v, "pad")) p->pre.aspect = DLK_ASPECT_PAD;
        else goto bad;
    } else if (!strcmp(a, "--mean")) {
        if (cli_parse_floats3(v, p->pre.mean)) goto bad;
    } else if (!strcmp(a, "--std")) {
        if (cli_parse_floats3(v, p->pre.std) || !(p->pre.std[0] != 0 && p->pre.std[1] != 0 && p->pre.std[2] != 0)) goto bad;
    } else if (!strcmp(a, "--scale") || !strcmp(a, "--offset")) {
        float f = strtof(v, &e);
        if (*e || !*v || !isfinite(f)) goto bad;
        p->pre.use_scale = 1;
        if (!strcmp(a, "--scale")) p->pre.scale = f;
        else p->pre.offset = f;
    }
    return 1;
bad:
    cli_usage_error(cmd, "invalid value '%s' for %s", v, a);
    return -1;
}

static int make_ctx(classifier *c, dlk_err *err)
{
    dlk_shape s = dlk_model_input_shape(c->m, 0);
    s.dtype = DLK_FLOAT;
    s.ndim = 4;
    s.dims[0] = 1;
    s.dims[1] = 3;
    s.dims[2] = c->pre.h;
    s.dims[3] = c->pre.w;
    c->ctx = dlk_ctx_new(c->m, &s, 1, err);
    if (!c->ctx) return -1;
    dlk_shape os;
    dlk_ctx_output(c->ctx, 0, &os);
    c->classes = (int)dlk_shape_numel(&os);
    if (os.dtype != DLK_FLOAT || c->classes < 1) {
        snprintf(err->msg, sizeof err->msg, "the model's output is not float scores");
        return -1;
    }
    c->x = malloc(sizeof(float) * 3 * (size_t)c->pre.h * c->pre.w);
    c->hwc = malloc(3 * (size_t)c->pre.h * c->pre.w);
    if (!c->x || !c->hwc) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    return 0;
}

int classifier_open(classifier *c, const char *model, const cli_pre *p, dlk_err *err)
{
    memset(c, 0, sizeof *c);
    c->pre = p->pre;
    c->m = dlk_model_load_ex(model, p->load_flags, err);
    if (!c->m) return -1;
    if (dlk_model_num_inputs(c->m) != 1 || dlk_model_num_outputs(c->m) != 1) {
        snprintf(err->msg, sizeof err->msg, "%s: a classifier needs one input and one output", model);
        return -1;
    }
    dlk_shape in = dlk_model_input_shape(c->m, 0);
    if (in.dtype != DLK_FLOAT || in.ndim != 4 || (in.dims[1] >= 0 && in.dims[1] != 3)) {
        snprintf(err->msg, sizeof err->msg, "%s: the input is not float32 N x 3 x H x W", model);
        return -1;
    }
    if (p->size) {
        cli_parse_size(p->size, &c->pre.h, &c->pre.w);
        if ((in.dims[2] >= 0 && in.dims[2] != c->pre.h) || (in.dims[3] >= 0 && in.dims[3] != c->pre.w)) {
            snprintf(err->msg, sizeof err->msg, "%s: the model takes %lldx%lld images, --size says %dx%d", model,
                     (long long)in.dims[2], (long long)in.dims[3], c->pre.h, c->pre.w);
            return -1;
        }
    } else {
        if (in.dims[2] < 0 || in.dims[3] < 0) {
            snprintf(err->msg, sizeof err->msg, "%s: the input's height and width are symbolic: give --size HxW", model);
            return -1;
        }
        c->pre.h = (int)in.dims[2];
        c->pre.w = (int)in.dims[3];
    }
    const dlk_graph *g = &c->m->g;
    int prod = g->values[g->outputs[0]].producer;
    for (int i = 0; prod >= 0 && i < 3; i++) { /* Softmax, possibly followed by Flatten/Reshape */
        const dlk_node *n = &g->nodes[prod];
        if (!strcmp(n->op_type, "Softmax")) c->output_is_prob = 1;
        if (strcmp(n->op_type, "Flatten") && strcmp(n->op_type, "Reshape") && strcmp(n->op_type, "Identity")) break;
        prod = n->n_in ? g->values[n->in[0]].producer : -1;
    }
    return make_ctx(c, err);
}

int classifier_clone(classifier *dst, const classifier *src, dlk_err *err)
{
    *dst = *src;
    dst->ctx = NULL;
    dst->x = NULL;
    dst->hwc = NULL;
    return make_ctx(dst, err);
}

void classifier_close(classifier *c, int owns_model)
{
    dlk_ctx_free(c->ctx);
    if (owns_model) dlk_model_free(c->m);
    free(c->x);
    free(c->hwc);
    memset(c, 0, sizeof *c);
}

int classifier_run(classifier *c, const dlk_image *im, const float **scores, dlk_err *err)
{
    if (dlk_preprocess_u8(im, &c->pre, c->hwc, err)) return -1;
    dlk_normalize_nchw(c->hwc, c->pre.h, c->pre.w, &c->pre, dlk_ctx_input(c->ctx, 0, NULL));
    if (dlk_ctx_run(c->ctx, err)) return -1;
    *scores = dlk_ctx_output(c->ctx, 0, NULL);
    return 0;
}

void cli_topk(const float *s, int n, int k, int *idx)
{
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            for (int t = 0; t < j && !taken; t++) taken = idx[t] == i;
            if (taken) continue;
            /* strictly greater: among equal scores the lowest index wins (numpy's argmax) */
            if (best < 0 || s[i] > s[best] || (isnan(s[best]) && !isnan(s[i]))) best = i;
        }
        idx[j] = best;
    }
}

void cli_softmax(const float *s, int n, float *p)
{
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        if (s[i] > mx) mx = s[i];
    for (int i = 0; i < n; i++) sum += exp((double)s[i] - mx);
    for (int i = 0; i < n; i++) p[i] = (float)(exp((double)s[i] - mx) / sum);
}

const char *cli_class_name(const dlk_labels *l, int classes, int k)
{
    if (l && l->n) return k < l->n ? l->names[k] : NULL;
    if (classes == 1000) return dlk_imagenet_labels[k];
    return NULL;
}
