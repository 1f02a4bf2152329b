/* Frozen features of a representation (hue_representation.h) on an image
 * dataset, for the kNN classifier and the linear probe.
 *
 * An extractor is one compiled evaluation graph holding every trunk of the
 * representation in eval mode (batch norm on its running statistics): each
 * trunk takes its input (rgb normalised with the trunk's mean and std, or
 * L/50 - 1, or a/110 and b/110 from video/'s LAB conversion) and its
 * features are globally average-pooled, then concatenated over trunks in
 * order. Images are resized to size x size and never augmented; batches of
 * `batch` images, the last partial one kept (padded: eval-mode batch norm
 * treats each image alone).
 *
 * The weights come from a checkpoint (hue_features_load), from a seed
 * (torchvision's initialisation), or from a graph being trained
 * (hue_features_copy_trunk): a trainer keeps one extractor and refreshes
 * its weights before each kNN monitor. */
#ifndef HUE_FEATURES_H
#define HUE_FEATURES_H
#include <stdint.h>

#include "hue_checkpoint.h"
#include "hue_dataset.h"
#include "hue_graph.h"
#include "hue_representation.h"
#include "hue_resnet.h"

typedef struct hue_features hue_features;

typedef struct {
    int64_t n;          /* images */
    int dim;            /* features per image, summed over trunks */
    int num_classes;    /* of the dataset */
    float *x;           /* [n, dim] pooled features, not normalised */
    int32_t *labels;    /* [n] */
    int64_t skipped;    /* undecodable images (their places went to the next images) */
} hue_feature_set;

/* Progress: images done of total. */
typedef void (*hue_features_progress_fn)(void *user, int64_t done, int64_t total);

/* Builds and compiles the graph (batch >= 1, size 8 .. 4096); the weights
 * are zero until loaded, initialised or copied. */
int hue_features_create(hue_ctx *ctx, const hue_representation *r, int batch, int size, hue_features **out);
void hue_features_destroy(hue_features *f);
int hue_features_dim(const hue_features *f);
/* Trunk i's model (its tensors under torchvision's names, without
 * prefix), and the graph that holds them (to read them back). */
const hue_resnet *hue_features_trunk(const hue_features *f, int i);
hue_graph *hue_features_graph(const hue_features *f);

/* Every trunk's tensors from the open checkpoint (path names it in
 * messages): prefix + torchvision name, other tensors ignored; see
 * hue_model_load_prefixed. */
int hue_features_load(hue_features *f, const hue_checkpoint *ck, const char *path);
/* torchvision's initialisation of every trunk (trunk i from seed + i). */
int hue_features_init(hue_features *f, uint64_t seed);
/* Trunk i's tensors from a compiled graph holding model m (a training
 * graph: its other tensors, such as an fc layer, are ignored); each
 * tensor is found in m by name and must have the same size. */
int hue_features_copy_trunk(hue_features *f, int trunk, hue_graph *from, const hue_resnet *m);

/* The features of every image of ds in dataset order, with `threads`
 * decoding threads; progress may be NULL. out is freed with
 * hue_feature_set_free. */
int hue_features_compute(hue_features *f, const hue_dataset *ds, int threads, hue_features_progress_fn progress,
                         void *user, hue_feature_set *out);
void hue_feature_set_free(hue_feature_set *s);

/* Divides each of n rows of dim values by its L2 norm (a zero row stays 0). */
void hue_features_l2_normalize(float *x, int64_t n, int dim);

#endif
