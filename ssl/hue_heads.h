/* Heads: the small networks a method puts on the trunk's features. Each head
 * names its parameters "<prefix><layer>.<weight|bias|...>" (the prefix ends
 * in '.', e.g. "heads.projection."), so a checkpoint holds the trunk under
 * torchvision's names and every head under its own prefix.
 *
 * - LINEAR: y = x W^T + b on [N, in] -> [N, out] (a classifier).
 * - MLP: `layers` linear layers, each but the last followed by batch norm
 *   and ReLU ("layers.<i>"), [N, in] -> [N, out] (SimCLR's projection).
 * - DECODER: [N, in, h, w] -> [N, out, h * 2^layers, w * 2^layers]:
 *   `layers` stride-2 4x4 transposed convolutions (padding 1) halving the
 *   channels from `hidden`, each followed by batch norm and ReLU, then a
 *   3x3 convolution to `out` channels (no activation: L2 regression or
 *   per-pixel class logits).
 * - DISCRIMINATOR: [N, in, H, W] -> [N, 1] logits: `layers` stride-2 4x4
 *   convolutions doubling the channels from `hidden`, batch norm (not on
 *   the first) and leaky ReLU 0.2, global average pool, a linear layer.
 */
#ifndef HUE_HEADS_H
#define HUE_HEADS_H
#include <stddef.h>

#include "hue_graph.h"
#include "hue_resnet.h"

typedef enum { HUE_HEAD_LINEAR, HUE_HEAD_MLP, HUE_HEAD_DECODER, HUE_HEAD_DISCRIMINATOR } hue_head_kind;

typedef struct {
    hue_head_kind kind;
    int in;       /* input channels (features) */
    int hidden;   /* MLP hidden width; decoder / discriminator first-layer channels */
    int out;      /* output channels or classes (discriminator: 1) */
    int layers;   /* MLP linear layers (>= 1); decoder upsamplings; discriminator downsamplings */
} hue_head_config;

typedef struct {
    hue_head_config cfg;
    char prefix[48];
    hue_named_tensor *tensors;  /* parameters and batch-norm state, in build order */
    int n_tensors, cap;
    hue_tensor out;
} hue_head;

/* "linear", "mlp", "decoder", "discriminator" (and back); -1 / NULL when unknown. */
const char *hue_head_kind_name(hue_head_kind kind);
int hue_head_kind_parse(const char *name);

/* Checks cfg (each bad field an error naming it), adds the head's
 * parameters to g under prefix and builds it on x; training: batch norms
 * use and update batch statistics. The head is freed with hue_head_free. */
int hue_head_build(hue_graph *g, const hue_head_config *cfg, const char *prefix, hue_tensor x, int training,
                   hue_head *out);
/* Builds the same head again on another input, sharing its parameters
 * (the discriminator on real and on generated images). */
int hue_head_apply(hue_graph *g, const hue_head *h, hue_tensor x, int training, hue_tensor *out);
void hue_head_free(hue_head *h);

/* After compile: PyTorch's default initialisation of each layer (linear and
 * conv: Kaiming-uniform a=sqrt(5), bias uniform +-1/sqrt(fan_in); batch
 * norm 1 and 0, running statistics 0 and 1) from a seeded generator. */
int hue_head_init(hue_graph *g, const hue_head *h, uint64_t seed);

/* The config as a JSON object ({"kind": "mlp", "in": 512, ...}) and back;
 * parse errors are HUE_EFORMAT naming path and the field. */
void hue_head_config_json(const hue_head_config *cfg, char *out, size_t n);
int hue_head_config_parse(const char *json, const char *path, hue_head_config *cfg);

#endif
