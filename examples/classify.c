/* SPDX-License-Identifier: Apache-2.0 */
/* classify MODEL IMAGE: the 5 best classes of one PNG or JPEG image, printed as `dlakit classify`
 * prints them (rank, probability, class index, name), with the installed library alone:
 *   cc classify.c $(pkg-config --cflags --libs dlakit) -o classify */
#include <dlakit.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL.onnx IMAGE\n", argv[0]);
        return 2;
    }
    dlk_err err;
    dlk_classifier *c = dlk_classifier_open(argv[1], NULL, 0, &err); /* the zoo's preprocessing */
    dlk_image *im = c ? dlk_image_open(argv[2], &err) : NULL;
    const float *scores = im ? dlk_classifier_run(c, im, &err) : NULL;
    if (!scores) {
        fprintf(stderr, "classify: %s\n", err.msg);
        dlk_image_close(im);
        dlk_classifier_close(c);
        return 1;
    }
    int n = dlk_classifier_classes(c), k = n < 5 ? n : 5, top[5];
    float *prob = malloc(sizeof(float) * (size_t)n);
    if (!prob) return 1;
    dlk_classifier_probabilities(c, scores, prob);
    dlk_topk(scores, n, k, top); /* best first, ties by the lower index */
    printf("%s\n", argv[2]);
    for (int j = 0; j < k; j++) {
        const char *name = dlk_class_name(NULL, n, top[j]); /* ImageNet's for 1000 classes */
        printf("  %2d. %5.1f %%  %4d", j + 1, 100.0 * prob[top[j]], top[j]);
        if (name) printf("  %s", name);
        printf("\n");
    }
    free(prob);
    dlk_image_close(im);
    dlk_classifier_close(c);
    return 0;
}
