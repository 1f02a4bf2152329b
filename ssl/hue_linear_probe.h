/* The linear probe: a linear classifier trained on frozen features (the
 * trunk's pooled features, computed once per split; hue_features.h) and
 * scored by its top-1 accuracy on the test split.
 *
 * The features are standardised first, per dimension, with the training
 * split's mean and standard deviation (a dimension that never varies
 * becomes 0): the pooled features of different trunks differ in scale by
 * orders of magnitude (a random-init ResNet's by its depth, a trained one's
 * by its method), so one learning rate then suits every checkpoint. It is
 * the batch norm without affine parameters that MAE and MoCo v3 put before
 * their probe's linear layer, with the statistics fixed.
 *
 * Training: the classifier y = x W^T + b (W from N(0, 0.01^2) seeded, b
 * 0, as MoCo's linear classification), cross-entropy, SGD with momentum
 * (torch.optim.SGD's update, weight decay on W and b) and a cosine
 * schedule to 0 without warm-up, minibatches of a seeded shuffle each
 * epoch (an epoch's last partial batch is dropped).
 *
 * Plain C on one thread, not a hue graph: the classifier is tiny (512 x 10
 * for a ResNet-18), so a step is ~0.75 ms here, ~15 s for 100 epochs of
 * CIFAR-10; the same steps as a graph on the CPU backend took 0.93 ms on
 * one thread and ~11 ms on two threads of a busy 2-core machine (OpenMP's
 * barriers wait on a descheduled thread at every node). The result is
 * then the same whatever the backend. */
#ifndef HUE_LINEAR_PROBE_H
#define HUE_LINEAR_PROBE_H
#include <stdint.h>

#include "hue_features.h"

typedef struct {
    int64_t epochs;         /* default 100 */
    int batch;              /* default 256 (at most the training images) */
    double lr;              /* peak learning rate, default 0.1 */
    double momentum;        /* default 0.9 */
    double weight_decay;    /* default 0 */
    uint64_t seed;          /* initialisation and order, default 0 */
    int standardize;        /* default 1 (see above) */
    /* after each epoch: its mean training loss */
    void (*on_epoch)(void *user, int64_t epoch, int64_t epochs, double loss);
    void *user;
} hue_linear_probe_options;

hue_linear_probe_options hue_linear_probe_defaults(void);

typedef struct {
    double top1, top5;      /* on the test features */
    double train_top1;      /* on the training features */
    double loss;            /* mean training loss of the last epoch */
    int64_t steps;
} hue_linear_probe_result;

/* Trains on train and scores on test (same dim and classes). Bad options
 * are HUE_EINVAL naming them; a loss that turns NaN or inf stops it with
 * HUE_EINVAL naming the step. */
int hue_linear_probe(const hue_feature_set *train, const hue_feature_set *test, const hue_linear_probe_options *o,
                     hue_linear_probe_result *r);

#endif
