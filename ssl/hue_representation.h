/* A checkpoint's representation: the trunk (or trunks) whose globally
 * pooled features a probe measures, and what each trunk takes as input.
 *
 * Metadata "representation" (written by the trainer) is a JSON array of
 * objects, one per trunk, whose pooled features are concatenated in order:
 *   {"prefix": "", "input": "rgb", "mean": [..3], "std": [..3],
 *    "architecture": {...as hue_resnet_arch_json...}}
 * prefix: the trunk's tensor names are prefix + torchvision's names (the
 * first trunk has prefix ""); input: "rgb" (3 channels, (v/255 - mean)/std),
 * "l" (1 channel, L/50 - 1), "ab" (2 channels, a/110 and b/110) or "lab"
 * (3 channels: L/50 - 1, a/110, b/110; train-video --input lab), LAB as
 * video/ computes it. A checkpoint without "representation" (hue's earlier
 * ones: supervised, train-video) has one trunk: prefix "", its
 * "architecture", input "rgb" with CIFAR-10's mean and std when
 * in_channels is 3, "l" when it is 1, "ab" when it is 2.
 *
 * A probe measures each trunk at its last layer (layer4 for an image
 * trunk, layer3 for the dense video encoder): whatever sits after it (an
 * fc layer, a projection, heads) is not part of the representation. */
#ifndef HUE_REPRESENTATION_H
#define HUE_REPRESENTATION_H
#include <stddef.h>

#include "hue_checkpoint.h"
#include "hue_resnet.h"

#define HUE_REPRESENTATION_MAX_TRUNKS 4

typedef enum { HUE_INPUT_RGB, HUE_INPUT_L, HUE_INPUT_AB, HUE_INPUT_LAB } hue_input_kind;

typedef struct {
    char prefix[48];
    hue_input_kind input;
    float mean[3], std[3];      /* HUE_INPUT_RGB only */
    hue_resnet_config arch;
} hue_trunk_ref;

typedef struct {
    hue_trunk_ref trunks[HUE_REPRESENTATION_MAX_TRUNKS];
    int n_trunks;
} hue_representation;

/* CIFAR-10's per-channel mean and std (of values in [0, 1]). */
extern const float hue_cifar_mean[3], hue_cifar_std[3];

/* The representation as the JSON array above, and back from a checkpoint's
 * metadata (the "representation" entry, or the fallback from
 * "architecture"); HUE_EFORMAT naming path and the field when neither is
 * usable (a file with no trunk). */
void hue_representation_json(const hue_representation *r, char *out, size_t n);
int hue_representation_parse(const char *representation_json, const char *architecture_json, const char *path,
                             hue_representation *out);
/* Opens the checkpoint at path and reads its representation. */
int hue_representation_read(const char *path, hue_representation *out);
/* The same from a checkpoint already open (path names it in messages). */
int hue_representation_of(const hue_checkpoint *ck, const char *path, hue_representation *out);
/* Input channels of a kind: 3, 1, 2 or 3. */
int hue_input_channels(hue_input_kind kind);
/* "rgb", "l", "ab", "lab" (and back: -1 when unknown). */
const char *hue_input_kind_name(hue_input_kind kind);
int hue_input_kind_parse(const char *name);

/* The trunk a probe builds for t: its architecture up to its last layer,
 * without a classifier (num_classes 0) or a projection (embed 0), on the
 * input's channels. Its features are globally average-pooled. */
hue_resnet_config hue_trunk_config(const hue_trunk_ref *t);

/* The image side the checkpoint was trained at (its hyperparameters'
 * "size"), or 0 when it records none. */
int hue_checkpoint_train_size(const hue_checkpoint *ck);

#endif
