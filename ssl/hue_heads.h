/* Heads: the small networks a method puts on the trunk's features. Each head
 * names its parameters "<prefix><layer>.<weight|bias|...>" (the prefix ends
 * in '.', e.g. "heads.projection.", or is empty), so a checkpoint holds the
 * trunk under torchvision's names and every head under its own prefix.
 *
 * - LINEAR: y = x W^T + b on [N, in] -> [N, out] (a classifier).
 * - MLP: `layers` linear layers, each but the last followed by batch norm
 *   and ReLU ("layers.<i>"), [N, in] -> [N, out] (SimCLR's projection).
 * - MLP_PLAIN: the same without batch norm (MoCo v2's projection: batch
 *   norm in a head would share statistics between a query and its key).
 * - DECODER: [N, in, h, w] -> [N, out, h * 2^layers, w * 2^layers]:
 *   `layers` stride-2 4x4 transposed convolutions (padding 1) halving the
 *   channels from `hidden`, each followed by batch norm and ReLU, then a
 *   3x3 convolution to `out` channels (no activation: L2 regression or
 *   per-pixel class logits).
 * - DISCRIMINATOR: [N, in, H, W] -> [N, 1] logits: `layers` stride-2 4x4
 *   convolutions doubling the channels from `hidden`, batch norm (not on
 *   the first) and leaky ReLU 0.2, global average pool, a linear layer.
 *
 * In PyTorch terms a head is a module whose only child is
 * `layers = torch.nn.Sequential(...)`; <layer> is "layers.<i>", i the
 * module's place in that Sequential (activations, pooling and flatten take
 * places too), and a state dict of that module matches the head's tensors
 * once the prefix is stripped (plus batch norm's num_batches_tracked,
 * which hue does not keep). A layer followed by batch norm has no bias
 * (the norm's shift takes its place); every other layer has one. With
 * L = layers, B = BatchNorm (momentum 0.1, eps 1e-5):
 *
 *   LINEAR         Linear(in, out)
 *   MLP            [Linear(w_i, hidden, bias=False), B1d(hidden), ReLU] x (L-1),
 *                  Linear(w, out)                  (w_0 = in, then hidden)
 *   MLP_PLAIN      [Linear(w_i, hidden), ReLU] x (L-1), Linear(w, out)
 *   DECODER        [ConvTranspose2d(c_i, hidden/2^i, 4, 2, 1, bias=False),
 *                   B2d, ReLU] x L, Conv2d(hidden/2^(L-1), out, 3, 1, 1)
 *   DISCRIMINATOR  Conv2d(in, hidden, 4, 2, 1), LeakyReLU(0.2),
 *                  [Conv2d(c_i, hidden*2^i, 4, 2, 1, bias=False), B2d,
 *                   LeakyReLU(0.2)] for i = 1 .. L-1,
 *                  AdaptiveAvgPool2d(1), Flatten(), Linear(hidden*2^(L-1), 1)
 * (c_i: the channels coming in, `in` for the first layer.)
 */
#ifndef HUE_HEADS_H
#define HUE_HEADS_H
#include <stddef.h>

#include "hue_graph.h"
#include "hue_resnet.h"

typedef enum { HUE_HEAD_LINEAR, HUE_HEAD_MLP, HUE_HEAD_DECODER, HUE_HEAD_DISCRIMINATOR, HUE_HEAD_MLP_PLAIN } hue_head_kind;

/* Limits of a config's fields (hue_head_config_check). */
#define HUE_HEAD_MAX_CHANNELS 65536
#define HUE_HEAD_MAX_MLP_LAYERS 16
#define HUE_HEAD_MAX_CONV_LAYERS 8

typedef struct {
    hue_head_kind kind;
    int in;       /* input channels (features) */
    int hidden;   /* MLP hidden width; decoder / discriminator first-layer channels
                   * (linear: 0; MLP of one layer: unused; decoder: must halve layers-1 times) */
    int out;      /* output channels or classes (discriminator: 1) */
    int layers;   /* MLP linear layers (>= 1); decoder upsamplings; discriminator downsamplings
                   * (>= 1; linear: 0 or 1) */
} hue_head_config;

typedef struct {
    hue_head_config cfg;
    char prefix[48];
    hue_named_tensor *tensors;  /* parameters and batch-norm state, in build order */
    int n_tensors, cap;
    hue_tensor out;
} hue_head;

/* "linear", "mlp", "decoder", "discriminator", "mlp_plain" (and back); -1 / NULL when unknown. */
const char *hue_head_kind_name(hue_head_kind kind);
int hue_head_kind_parse(const char *name);

/* 0 when cfg is a head hue builds; else HUE_EINVAL naming the first bad
 * field as the JSON names it ('in', 'hidden', 'out', 'layers', 'kind'). */
int hue_head_config_check(const hue_head_config *cfg);

/* The `training` argument of the builders below: running statistics
 * (eval), batch statistics, or under mpirun --sync-bn the statistics of
 * the group's whole batch (hue_batch_norm_group). */
enum { HUE_HEAD_EVAL = 0, HUE_HEAD_TRAIN = 1, HUE_HEAD_TRAIN_SYNC_BN = 2 };

/* Checks cfg (each bad field an error naming it), the prefix (at most 47
 * bytes, empty or ending in '.') and x's shape ([N, in] for linear and
 * MLP, [N, in, H, W] for the convolutional kinds; the discriminator needs
 * H and W >= 2^layers), adds the head's
 * parameters to g under prefix and builds it on x; training: batch norms
 * use and update batch statistics. The head is freed with hue_head_free. */
int hue_head_build(hue_graph *g, const hue_head_config *cfg, const char *prefix, hue_tensor x, int training,
                   hue_head *out);
/* Builds the same head again on another input, sharing its parameters
 * (the discriminator on real and on generated images); the gradients of
 * both uses add up. In training, each use normalises by its own batch and
 * moves the running statistics once, in build order, as calling a torch
 * module twice does. */
int hue_head_apply(hue_graph *g, const hue_head *h, hue_tensor x, int training, hue_tensor *out);
/* The same, with the head frozen: no gradient reaches its parameters (they
 * are seen through hue_stop_gradient), and in training its batch norms use
 * the batch's statistics without moving the running ones. A generator's
 * adversarial loss goes through the discriminator this way, so that only
 * the discriminator's own loss trains it. */
int hue_head_apply_frozen(hue_graph *g, const hue_head *h, hue_tensor x, int training, hue_tensor *out);
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
