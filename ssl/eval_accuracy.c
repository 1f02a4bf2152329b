/* Top-1 accuracy of a classifier (a ResNet with its fc layer) on an image
 * folder: from a checkpoint, or from a graph being trained. */
#include <stdlib.h>
#include <string.h>

#include "eval_accuracy_internal.h"
#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_representation.h"
#include "hue_train.h"


int eval_build(hue_ctx *ctx, const hue_resnet_config *arch, int batch, int size, eval_graph *e)
{
    memset(e, 0, sizeof *e);
    e->batch = batch;
    e->size = size;
    int rc = hue_graph_create(ctx, &e->g);
    if (rc)
        return rc;
    int64_t xs[4] = {batch, 3, size, size};
    e->x = hue_graph_input(e->g, "images", 4, xs);
    if ((rc = hue_resnet_build(e->g, arch, e->x, 0, &e->m)))
        return rc;
    e->pred = hue_argmax(e->g, e->m.logits, 1);
    hue_graph_output(e->g, e->pred);
    return hue_graph_compile(e->g);
}

void eval_free(eval_graph *e)
{
    hue_resnet_free(&e->m);
    hue_graph_destroy(e->g);
}

int eval_run(eval_graph *e, const hue_dataset *ds, int threads, double *accuracy, int64_t *images)
{
    hue_loader_options lo = hue_loader_defaults();
    lo.batch = e->batch < hue_dataset_size(ds) ? e->batch : (int)hue_dataset_size(ds);
    lo.size = e->size;
    lo.shuffle = 0;
    lo.keep_last = 1;
    lo.epochs = 1;
    lo.threads = threads;
    memcpy(lo.mean, hue_cifar_mean, sizeof lo.mean);
    memcpy(lo.std, hue_cifar_std, sizeof lo.std);
    hue_loader *l;
    int rc = hue_loader_create(&l, ds, &lo);
    if (rc)
        return rc;
    size_t per = (size_t)3 * e->size * e->size;
    float *x = calloc((size_t)e->batch * per, sizeof *x), *pred = malloc(sizeof *pred * (size_t)e->batch);
    int64_t right = 0, total = 0;
    hue_batch b;
    while (x && pred && (rc = hue_loader_next(l, &b)) == 1) {
        memcpy(x, b.images, sizeof *x * per * (size_t)b.count);
        memset(x + per * (size_t)b.count, 0, sizeof *x * per * (size_t)(e->batch - b.count));
        if ((rc = hue_graph_set_input(e->g, e->x, x, (size_t)e->batch * per)) || (rc = hue_graph_run(e->g)) ||
            (rc = hue_graph_read(e->g, e->pred, pred, (size_t)e->batch)))
            break;
        for (int i = 0; i < b.count; i++)
            right += (int)pred[i] == b.labels[i];
        total += b.count;
    }
    if (!x || !pred)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    free(x);
    free(pred);
    hue_loader_destroy(l);
    if (rc < 0)
        return rc;
    *accuracy = total ? (double)right / (double)total : 0;
    *images = total;
    return 0;
}

int hue_eval_accuracy(const char *ckpt, const char *data, int batch, int size, int threads, double *accuracy,
                      int64_t *images)
{
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(ckpt, &ck);
    if (rc)
        return rc;
    hue_resnet_config arch;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), ckpt, &arch);
    hue_checkpoint_destroy(ck);
    if (rc)
        return rc;
    hue_dataset *ds;
    if ((rc = hue_dataset_open(&ds, data, NULL, NULL)))
        return rc;
    if (hue_dataset_num_classes(ds) != arch.num_classes) {
        hue_dataset_close(ds);
        return hue_fail(HUE_EINVAL, "%s has %d classes, the model in %s %d", data, hue_dataset_num_classes(ds), ckpt,
                        arch.num_classes);
    }
    hue_ctx *ctx;
    if ((rc = hue_ctx_create(&ctx, -1))) {
        hue_dataset_close(ds);
        return rc;
    }
    eval_graph e;
    rc = eval_build(ctx, &arch, batch, size, &e);
    if (!rc)
        rc = hue_model_load(e.g, &e.m, NULL, ckpt, NULL);
    if (!rc)
        rc = eval_run(&e, ds, threads, accuracy, images);
    eval_free(&e);
    hue_ctx_destroy(ctx);
    hue_dataset_close(ds);
    return rc;
}

