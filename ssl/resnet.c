/* ResNet-18/34 as torchvision builds them (BasicBlock, expansion 1), with a
 * width multiplier, the CIFAR stem, and the dense stride-8 variant. */
#include "hue_resnet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_collective.h"
#include "hue_error.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_rng.h"

hue_resnet_config hue_resnet_defaults(void)
{
    return (hue_resnet_config){.depth = 18, .width = 1.0f, .in_channels = 3, .num_classes = 1000, .last_layer = 4};
}

int hue_resnet_parse_arch(const char *arch, hue_resnet_config *cfg)
{
    if (strcmp(arch, "resnet18") == 0)
        cfg->depth = 18;
    else if (strcmp(arch, "resnet34") == 0)
        cfg->depth = 34;
    else
        return hue_fail(HUE_EINVAL, "architecture '%s' is not one hue builds (resnet18, resnet34)", arch);
    return 0;
}

static int add_named(hue_resnet *m, const char *name, hue_tensor t, int is_state)
{
    if (t < 0)
        return t;
    if (m->n_tensors == m->cap) {
        int cap = m->cap ? m->cap * 2 : 128;
        hue_named_tensor *v = realloc(m->tensors, sizeof *v * (size_t)cap);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        m->tensors = v;
        m->cap = cap;
    }
    hue_named_tensor *n = &m->tensors[m->n_tensors++];
    snprintf(n->name, sizeof n->name, "%s", name);
    n->tensor = t;
    n->is_state = is_state;
    return 0;
}

static hue_tensor param(hue_graph *g, hue_resnet *m, const char *prefix, const char *leaf, int ndim,
                        const int64_t *shape, int is_state)
{
    char name[96];
    snprintf(name, sizeof name, "%.60s%s%.30s", prefix, *prefix ? "." : "", leaf);
    hue_tensor t = is_state ? hue_graph_state(g, name, ndim, shape) : hue_graph_param(g, name, ndim, shape);
    int rc = add_named(m, name, t, is_state);
    return rc ? rc : t;
}

static hue_tensor conv(hue_graph *g, hue_resnet *m, const char *name, hue_tensor x, int64_t out, int k, int stride,
                       int pad)
{
    int64_t shape[4] = {out, hue_tensor_dim(g, x, 1), k, k};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s", name);
    hue_tensor w = param(g, m, prefix, "weight", 4, shape, 0);
    if (w < 0)
        return w;
    return hue_conv2d(g, x, w, -1, stride, pad, 1);
}

/* Batch norm (momentum 0.1, eps 1e-5 as torchvision), with the ReLU that
 * follows it fused into its passes when relu is set. */
static hue_tensor batch_norm(hue_graph *g, hue_resnet *m, const char *name, hue_tensor x, int training, int relu)
{
    int64_t c[1] = {hue_tensor_dim(g, x, 1)};
    hue_tensor gamma = param(g, m, name, "weight", 1, c, 0), beta = param(g, m, name, "bias", 1, c, 0);
    hue_tensor mean = param(g, m, name, "running_mean", 1, c, 1), var = param(g, m, name, "running_var", 1, c, 1);
    if (gamma < 0 || beta < 0 || mean < 0 || var < 0)
        return hue_graph_status(g);
    if (training && m->cfg.sync_bn)
        return hue_batch_norm_group(g, x, gamma, beta, mean, var, 0.1f, 1e-5f, relu);
    int groups = training && m->cfg.bn_groups > 1 ? m->cfg.bn_groups : 1;
    if (groups == 1)
        return relu ? hue_batch_norm_relu(g, x, gamma, beta, mean, var, training, 0.1f, 1e-5f)
                    : hue_batch_norm(g, x, gamma, beta, mean, var, training, 0.1f, 1e-5f);
    /* each group its own statistics; the parameters' gradients add up over the groups */
    int64_t n = hue_tensor_dim(g, x, 0), size = n / groups;
    hue_tensor parts[HUE_RESNET_MAX_BN_GROUPS];
    for (int k = 0; k < groups; k++) {
        hue_tensor part = hue_slice(g, x, 0, k * size, size);
        float momentum = 0.1f / (float)groups;
        parts[k] = relu ? hue_batch_norm_relu(g, part, gamma, beta, mean, var, 1, momentum, 1e-5f)
                        : hue_batch_norm(g, part, gamma, beta, mean, var, 1, momentum, 1e-5f);
    }
    return hue_concat(g, groups, parts, 0);
}

/* torchvision's BasicBlock: conv-bn-relu-conv-bn, plus the (downsampled)
 * input, then relu. */
static hue_tensor basic_block(hue_graph *g, hue_resnet *m, const char *prefix, hue_tensor x, int64_t planes,
                              int stride, int training)
{
    char name[64];
    snprintf(name, sizeof name, "%s.conv1", prefix);
    hue_tensor y = conv(g, m, name, x, planes, 3, stride, 1);
    snprintf(name, sizeof name, "%s.bn1", prefix);
    y = batch_norm(g, m, name, y, training, 1);
    snprintf(name, sizeof name, "%s.conv2", prefix);
    y = conv(g, m, name, y, planes, 3, 1, 1);
    snprintf(name, sizeof name, "%s.bn2", prefix);
    y = batch_norm(g, m, name, y, training, 0);
    hue_tensor shortcut = x;
    if (stride != 1 || hue_tensor_dim(g, x, 1) != planes) {
        snprintf(name, sizeof name, "%s.downsample.0", prefix);
        shortcut = conv(g, m, name, x, planes, 1, stride, 0);
        snprintf(name, sizeof name, "%s.downsample.1", prefix);
        shortcut = batch_norm(g, m, name, shortcut, training, 0);
    }
    return hue_relu(g, hue_add(g, y, shortcut));
}

int hue_resnet_build(hue_graph *g, const hue_resnet_config *cfg, hue_tensor x, int training, hue_resnet *m)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->logits = -1;
    if (cfg->depth != 18 && cfg->depth != 34)
        return hue_fail(HUE_EINVAL, "ResNet depth %d (hue builds 18 and 34)", cfg->depth);
    if (!(cfg->width > 0) || cfg->width > HUE_RESNET_MAX_WIDTH)
        return hue_fail(HUE_EINVAL, "width multiplier %g (must be in (0, %d])", cfg->width, HUE_RESNET_MAX_WIDTH);
    if (cfg->last_layer < 1 || cfg->last_layer > 4)
        return hue_fail(HUE_EINVAL, "last layer %d (1 to 4)", cfg->last_layer);
    if (cfg->embed < 0 || cfg->embed > 4096)
        return hue_fail(HUE_EINVAL, "embedding size %d (0 to 4096)", cfg->embed);
    if (cfg->embed > 0 && cfg->num_classes > 0)
        return hue_fail(HUE_EINVAL, "a ResNet has either a projection or a classifier head, not both");
    if (hue_tensor_ndim(g, x) != 4 || hue_tensor_dim(g, x, 1) != cfg->in_channels)
        return hue_fail(HUE_EINVAL, "ResNet input must be [N, %d, H, W]", cfg->in_channels);
    if (cfg->bn_groups < 0 || cfg->bn_groups > HUE_RESNET_MAX_BN_GROUPS ||
        (training && cfg->bn_groups > 1 && hue_tensor_dim(g, x, 0) % cfg->bn_groups != 0))
        return hue_fail(HUE_EINVAL, "batch norm in %d groups: the batch of %lld must split into 1 to %d equal groups",
                        cfg->bn_groups, (long long)hue_tensor_dim(g, x, 0), HUE_RESNET_MAX_BN_GROUPS);
    static const int blocks18[4] = {2, 2, 2, 2}, blocks34[4] = {3, 4, 6, 3};
    const int *blocks = cfg->depth == 18 ? blocks18 : blocks34;
    int64_t base = (int64_t)lroundf(64 * cfg->width);
    if (base < 1)
        base = 1;

    hue_tensor y;
    int stride = 1;
    if (cfg->cifar_stem) {
        y = conv(g, m, "conv1", x, base, 3, 1, 1);
        y = batch_norm(g, m, "bn1", y, training, 1);
    } else {
        y = conv(g, m, "conv1", x, base, 7, 2, 3);
        y = batch_norm(g, m, "bn1", y, training, 1);
        y = hue_pool2d(g, HUE_POOL_MAX, y, 3, 2, 1);
        stride = 4;
    }
    int64_t planes = base;
    for (int layer = 0; layer < cfg->last_layer; layer++) {
        int first_stride = layer == 0 ? 1 : 2;
        if (cfg->dense && layer >= 2)
            first_stride = 1;
        stride *= first_stride;
        for (int b = 0; b < blocks[layer]; b++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", layer + 1, b);
            y = basic_block(g, m, prefix, y, planes, b == 0 ? first_stride : 1, training);
        }
        if (layer + 1 < cfg->last_layer)
            planes *= 2;
    }
    if (cfg->embed > 0) {
        int64_t wshape[4] = {cfg->embed, planes, 1, 1}, bshape[1] = {cfg->embed};
        hue_tensor w = param(g, m, "proj", "weight", 4, wshape, 0), bias = param(g, m, "proj", "bias", 1, bshape, 0);
        if (w >= 0 && bias >= 0)
            y = hue_conv2d(g, y, w, bias, 1, 0, 1);
        planes = cfg->embed;
    }
    m->features = y;
    m->feature_channels = (int)planes;
    m->feature_stride = stride;
    if (cfg->num_classes > 0) {
        int64_t wshape[2] = {cfg->num_classes, planes}, bshape[1] = {cfg->num_classes};
        hue_tensor w = param(g, m, "fc", "weight", 2, wshape, 0), bias = param(g, m, "fc", "bias", 1, bshape, 0);
        if (w >= 0 && bias >= 0)
            m->logits = hue_linear(g, hue_global_avg_pool(g, y), w, bias);
    }
    int rc = hue_graph_status(g);
    return rc ? hue_fail(rc, "%s", hue_graph_error_message(g)) : 0;
}

void hue_resnet_free(hue_resnet *m)
{
    free(m->tensors);
    m->tensors = NULL;
    m->n_tensors = m->cap = 0;
}

hue_tensor hue_resnet_find(const hue_resnet *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return m->tensors[i].tensor;
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int hue_resnet_init(hue_graph *g, const hue_resnet *m, uint64_t seed)
{
    hue_rng rng;
    hue_rng_seed(&rng, seed);
    int rc = 0;
    for (int i = 0; i < m->n_tensors && !rc; i++) {
        const hue_named_tensor *t = &m->tensors[i];
        int nd = hue_tensor_ndim(g, t->tensor);
        size_t n = (size_t)hue_tensor_numel(g, t->tensor);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        if (nd == 4) {
            /* kaiming_normal_(mode='fan_out', nonlinearity='relu') */
            double fan_out = (double)hue_tensor_dim(g, t->tensor, 0) * hue_tensor_dim(g, t->tensor, 2) *
                             hue_tensor_dim(g, t->tensor, 3);
            double std = sqrt(2.0 / fan_out);
            for (size_t k = 0; k < n; k++)
                v[k] = (float)(std * hue_rng_normal(&rng));
        } else if (strncmp(t->name, "fc.", 3) == 0) {
            /* nn.Linear's default: uniform in +-1/sqrt(fan_in), weight and bias */
            double bound = 1.0 / sqrt((double)m->feature_channels);
            for (size_t k = 0; k < n; k++)
                v[k] = (float)(bound * (2 * hue_rng_uniform(&rng) - 1));
        } else {
            float fill = ends_with(t->name, ".weight") || ends_with(t->name, "running_var") ? 1.0f : 0.0f;
            for (size_t k = 0; k < n; k++)
                v[k] = fill;
        }
        rc = hue_graph_write(g, t->tensor, v, n);
        free(v);
    }
    return rc;
}
