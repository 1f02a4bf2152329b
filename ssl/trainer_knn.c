/* The trainer's kNN monitor: every knn_every epochs, the representation's
 * trunks are copied from the training graph into an evaluation graph
 * (batch norm on running statistics), the features of the monitor's train
 * and test splits are computed, and the weighted kNN classifier (k = 200,
 * T = 0.1) scores the test split; the result is logged. The extractor and
 * the splits are made once, before the first step, so a bad --data fails
 * the run before anything is written. */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_features.h"
#include "hue_image_splits.h"
#include "hue_json_writer.h"
#include "hue_knn.h"
#include "trainer_internal.h"

#define MONITOR_BATCH 256

int trainer_knn_open(hue_trainer *t)
{
    const hue_trainer_options *o = t->o;
    if (o->knn_every <= 0)
        return 0;
    int rc = hue_image_splits_open(o->knn_data, &t->knn_train, &t->knn_test);
    if (!rc && !t->knn_test)
        rc = hue_fail(HUE_EINVAL, "--knn-every needs a test split: %s/test/<class>/ is missing", o->knn_data);
    if (!rc && hue_dataset_num_classes(t->knn_train) < 2)
        rc = hue_fail(HUE_EINVAL, "%s has one class: the kNN monitor needs two or more", o->knn_data);
    hue_representation rep = {0};
    for (int p = 0; p < t->n_parts && !rc; p++)
        if (t->parts[p].in_representation && rep.n_trunks < HUE_REPRESENTATION_MAX_TRUNKS)
            rep.trunks[rep.n_trunks++] = t->parts[p].ref;
    if (!rc && rep.n_trunks == 0)
        rc = hue_fail(HUE_EINVAL, "method %s has no trunk for the kNN monitor", t->method->name);
    if (!rc)
        rc = hue_features_create(t->ctx, &rep, MONITOR_BATCH, o->knn_size, &t->knn);
    return rc;
}

void trainer_knn_close(hue_trainer *t)
{
    hue_features_destroy(t->knn);
    hue_dataset_close(t->knn_train);
    hue_dataset_close(t->knn_test);
}

int trainer_knn_run(hue_trainer *t, int64_t step, int64_t epoch)
{
    int rc = 0;
    for (int p = 0, k = 0; p < t->n_parts && !rc; p++)
        if (t->parts[p].in_representation && k < HUE_REPRESENTATION_MAX_TRUNKS)
            rc = hue_features_copy_trunk(t->knn, k++, t->g, t->parts[p].resnet);
    hue_feature_set train = {0}, test = {0};
    int threads = t->o->knn_threads > 0 ? t->o->knn_threads : 2;
    if (!rc)
        rc = hue_features_compute(t->knn, t->knn_train, threads, NULL, NULL, &train);
    if (!rc)
        rc = hue_features_compute(t->knn, t->knn_test, threads, NULL, NULL, &test);
    hue_knn_result res = {0};
    if (!rc) {
        hue_features_l2_normalize(train.x, train.n, train.dim);
        hue_features_l2_normalize(test.x, test.n, test.dim);
        hue_knn_options ko = hue_knn_defaults();
        if (ko.k > train.n)
            ko.k = (int)train.n;
        ko.threads = threads;
        rc = hue_knn_classify(train.x, train.labels, train.n, test.x, test.labels, test.n, train.dim,
                              train.num_classes, &ko, NULL, &res);
    }
    hue_feature_set_free(&train);
    hue_feature_set_free(&test);
    if (rc)
        return rc;
    t->knn_top1 = res.top1;
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "step"), hue_jw_int(&w, step);
    hue_jw_key(&w, "epoch"), hue_jw_int(&w, epoch);
    hue_jw_key(&w, "knn_top1"), hue_jw_number_digits(&w, res.top1, 6);
    hue_jw_key(&w, "knn_top5"), hue_jw_number_digits(&w, res.top5, 6);
    hue_jw_key(&w, "knn_images"), hue_jw_int(&w, res.n);
    hue_jw_end(&w);
    rc = hue_json_writer_text(&w) ? hue_trainer_log_line(t, w.text) : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_json_writer_free(&w);
    return rc;
}
