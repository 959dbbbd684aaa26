/* Class names: the built-in ImageNet list, or a text file with one name per line. */
#ifndef DLK_LABELS_H
#define DLK_LABELS_H

#include "dlakit.h"

extern const char *const dlk_imagenet_labels[1000];

/* opaque in the public interface (include/dlakit/classify.h), held by value here */
struct dlk_labels {
    int n;
    char **names;   /* malloc'd */
};

/* Reads one name per line (trailing CR/LF stripped, empty lines kept as ""; a final empty line
 * ignored). */
int dlk_labels_read(const char *path, dlk_labels *out, dlk_err *err);
void dlk_labels_free(dlk_labels *l);

#endif
