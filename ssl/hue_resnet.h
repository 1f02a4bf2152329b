/* The ResNet family (BasicBlock: ResNet-18 and -34) built into a graph, with
 * parameters named exactly as torchvision's ResNet so a checkpoint loads into
 * torchvision.models.resnet18() with load_state_dict(strict=True). */
#ifndef HUE_RESNET_H
#define HUE_RESNET_H
#include <stdint.h>

#include "hue_graph.h"

typedef struct {
    int depth;           /* 18 or 34 */
    float width;         /* multiplier of torchvision's widths (64, 128, 256, 512) */
    int cifar_stem;      /* 3x3 stride-1 first conv and no max-pool (small images) */
    int dense;           /* layer3 and layer4 without stride: feature stride 8 */
    int in_channels;     /* 3 for RGB, 1 for a video encoder's L channel */
    int num_classes;     /* > 0: average pool and fc; 0: no head */
    int last_layer;      /* build layer1..last_layer (1 to 4); the features are its output */
    int embed;           /* > 0: a 1x1 conv "proj" (with bias) maps the features to this many channels */
    /* In training, batch norm takes its statistics over this many equal
     * consecutive groups of the batch, each on its own (0 or 1: the whole
     * batch), and moves the running statistics once per group with
     * momentum 0.1 / groups: MoCo's shuffled batch norm on one device. A
     * way of training, not of the architecture (not in its metadata). */
    int bn_groups;
    /* In training, batch norm over the data-parallel group's whole batch
     * (hue_batch_norm_group; --sync-bn). Also a way of training, not in
     * the metadata. */
    int sync_bn;
} hue_resnet_config;

/* The most batch-norm groups (hue_resnet_config.bn_groups). */
#define HUE_RESNET_MAX_BN_GROUPS 64
/* The largest width multiplier hue builds. */
#define HUE_RESNET_MAX_WIDTH 16

/* torchvision's ResNet-18 on RGB with 1000 classes. */
hue_resnet_config hue_resnet_defaults(void);
/* "resnet18" / "resnet34", or an error naming the string. */
int hue_resnet_parse_arch(const char *arch, hue_resnet_config *cfg);

/* One named tensor of the model: a parameter or a running statistic. */
typedef struct {
    char name[96];
    hue_tensor tensor;
    int is_state;        /* running_mean / running_var */
} hue_named_tensor;

typedef struct {
    hue_resnet_config cfg;
    hue_named_tensor *tensors;  /* in torchvision's state_dict order */
    int n_tensors, cap;
    hue_tensor features;        /* [N, C, h, w] output of the last layer built */
    hue_tensor logits;          /* [N, num_classes] or -1 */
    int feature_channels, feature_stride;
} hue_resnet;

/* Adds the model's parameters and state to g and builds its forward pass on
 * x [N, in_channels, H, W]; training: batch norm uses and updates batch
 * statistics. Returns 0 or an error (also kept by the graph). */
int hue_resnet_build(hue_graph *g, const hue_resnet_config *cfg, hue_tensor x, int training, hue_resnet *out);
void hue_resnet_free(hue_resnet *m);

/* After compile: torchvision's initialisation (Kaiming-normal fan-out convs,
 * batch norm 1 and 0, running statistics 0 and 1, the fc layer uniform in
 * +-1/sqrt(fan_in)) from a seeded generator. */
int hue_resnet_init(hue_graph *g, const hue_resnet *m, uint64_t seed);

/* The tensor of that torchvision name, or -1. */
hue_tensor hue_resnet_find(const hue_resnet *m, const char *name);

#endif
