/* The evaluation graph of a classifier, shared by hue_eval_accuracy and
 * the supervised method's test at the end of a run. */
#ifndef HUE_EVAL_ACCURACY_INTERNAL_H
#define HUE_EVAL_ACCURACY_INTERNAL_H
#include <stdint.h>

#include "hue_dataset.h"
#include "hue_resnet.h"

typedef struct {
    hue_graph *g;
    hue_resnet m;
    hue_tensor x, pred;
    int batch, size;
} eval_graph;

/* The model in eval mode (running statistics) with an argmax on its logits. */
int eval_build(hue_ctx *ctx, const hue_resnet_config *arch, int batch, int size, eval_graph *e);
void eval_free(eval_graph *e);
/* Top-1 accuracy over every image of ds, in dataset order, no augmentation. */
int eval_run(eval_graph *e, const hue_dataset *ds, int threads, double *accuracy, int64_t *images);

#endif
