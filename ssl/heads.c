/* The heads as graphs of ops (layouts and names in hue_heads.h), built once
 * with new parameters or again on another input with the same ones, and
 * PyTorch's default initialisation of their layers. */
#include "hue_heads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_collective.h"
#include "hue_error.h"
#include "hue_ops.h"
#include "hue_rng.h"

#define BN_MOMENTUM 0.1f
#define BN_EPS 1e-5f
#define LEAKY_SLOPE 0.2f

/* One pass over a head's layers: either adding its tensors to the graph
 * (build) or taking them back in the same order (apply). */
typedef struct {
    hue_graph *g;
    const hue_head *h;
    hue_head *create;  /* build: the head receiving new tensors (h itself); apply: NULL */
    int next;          /* apply: the next of h->tensors to take */
    int frozen;        /* apply: parameters through stop-gradient, running statistics left alone */
    int training;
    int err;       /* first host-side failure (the graph keeps its own) */
} pass;

static int add_named(hue_head *h, const char *name, hue_tensor t, int is_state)
{
    if (h->n_tensors == h->cap) {
        int cap = h->cap ? h->cap * 2 : 16;
        hue_named_tensor *v = realloc(h->tensors, sizeof *v * (size_t)cap);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        h->tensors = v;
        h->cap = cap;
    }
    hue_named_tensor *n = &h->tensors[h->n_tensors++];
    snprintf(n->name, sizeof n->name, "%s", name);
    n->tensor = t;
    n->is_state = is_state;
    return 0;
}

/* "<prefix>layers.<layer>.<leaf>": a new tensor, or the one the build made. */
static hue_tensor tensor(pass *p, int layer, const char *leaf, int ndim, const int64_t *shape, int is_state)
{
    if (p->err)
        return p->err;
    char name[96];
    snprintf(name, sizeof name, "%slayers.%d.%s", p->h->prefix, layer, leaf);
    if (!p->create) {
        /* the same config walks the same layers, so the order matches */
        if (p->next >= p->h->n_tensors || strcmp(p->h->tensors[p->next].name, name) != 0)
            return p->err = hue_fail(HUE_EINVAL, "head '%s': applied again, it has no tensor '%s' in that place",
                                     p->h->prefix, name);
        hue_tensor t = p->h->tensors[p->next++].tensor;
        if (p->frozen)
            return is_state ? (p->training ? -1 : t) : hue_stop_gradient(p->g, t);
        return t;
    }
    hue_tensor t = is_state ? hue_graph_state(p->g, name, ndim, shape) : hue_graph_param(p->g, name, ndim, shape);
    if (t < 0)
        return p->err = t;
    int rc = add_named(p->create, name, t, is_state);
    return rc ? (p->err = rc) : t;
}

static hue_tensor linear(pass *p, int layer, hue_tensor x, int64_t out, int bias)
{
    if (x < 0)  /* the op before failed: its shape cannot be asked */
        return x;
    int64_t ws[2] = {out, hue_tensor_dim(p->g, x, 1)}, bs[1] = {out};
    hue_tensor w = tensor(p, layer, "weight", 2, ws, 0);
    hue_tensor b = bias ? tensor(p, layer, "bias", 1, bs, 0) : -1;
    return p->err ? p->err : hue_linear(p->g, x, w, b);
}

/* Conv2d(c, out, k, stride, pad): weight [out, c, k, k]. */
static hue_tensor conv(pass *p, int layer, hue_tensor x, int64_t out, int k, int stride, int pad, int bias)
{
    if (x < 0)
        return x;
    int64_t ws[4] = {out, hue_tensor_dim(p->g, x, 1), k, k}, bs[1] = {out};
    hue_tensor w = tensor(p, layer, "weight", 4, ws, 0);
    hue_tensor b = bias ? tensor(p, layer, "bias", 1, bs, 0) : -1;
    return p->err ? p->err : hue_conv2d(p->g, x, w, b, stride, pad, 1);
}

/* ConvTranspose2d(c, out, 4, 2, 1, bias=False): weight [c, out, 4, 4]. */
static hue_tensor up(pass *p, int layer, hue_tensor x, int64_t out)
{
    if (x < 0)
        return x;
    int64_t ws[4] = {hue_tensor_dim(p->g, x, 1), out, 4, 4};
    hue_tensor w = tensor(p, layer, "weight", 4, ws, 0);
    return p->err ? p->err : hue_conv_transpose2d(p->g, x, w, -1, 2, 1, 0, 1);
}

/* BatchNorm1d / 2d with PyTorch's defaults; relu fuses the ReLU after it. */
static hue_tensor norm(pass *p, int layer, hue_tensor x, int relu)
{
    if (x < 0)
        return x;
    int64_t c[1] = {hue_tensor_dim(p->g, x, 1)};
    hue_tensor gamma = tensor(p, layer, "weight", 1, c, 0), beta = tensor(p, layer, "bias", 1, c, 0);
    hue_tensor mean = tensor(p, layer, "running_mean", 1, c, 1), var = tensor(p, layer, "running_var", 1, c, 1);
    if (p->err || gamma < 0 || beta < 0)
        return p->err ? p->err : gamma < 0 ? gamma : beta;
    if (p->training == HUE_HEAD_TRAIN_SYNC_BN)
        return hue_batch_norm_group(p->g, x, gamma, beta, mean, var, BN_MOMENTUM, BN_EPS, relu);
    int training = p->training != HUE_HEAD_EVAL;
    return relu ? hue_batch_norm_relu(p->g, x, gamma, beta, mean, var, training, BN_MOMENTUM, BN_EPS)
                : hue_batch_norm(p->g, x, gamma, beta, mean, var, training, BN_MOMENTUM, BN_EPS);
}

/* The layers of hue_heads.h's table; `layer` counts Sequential places. */
static hue_tensor layers(pass *p, hue_tensor x)
{
    const hue_head_config *c = &p->h->cfg;
    int L = c->layers, layer = 0;
    switch (c->kind) {
    case HUE_HEAD_LINEAR:
        return linear(p, 0, x, c->out, 1);
    case HUE_HEAD_MLP:
        for (int i = 0; i + 1 < L; i++, layer += 3)
            x = norm(p, layer + 1, linear(p, layer, x, c->hidden, 0), 1);
        return linear(p, layer, x, c->out, 1);
    case HUE_HEAD_MLP_PLAIN:
        for (int i = 0; i + 1 < L; i++, layer += 2)
            x = hue_relu(p->g, linear(p, layer, x, c->hidden, 1));
        return linear(p, layer, x, c->out, 1);
    case HUE_HEAD_DECODER:
        for (int i = 0; i < L; i++, layer += 3)
            x = norm(p, layer + 1, up(p, layer, x, c->hidden >> i), 1);
        return conv(p, layer, x, c->out, 3, 1, 1, 1);
    case HUE_HEAD_DISCRIMINATOR:
        x = hue_leaky_relu(p->g, conv(p, 0, x, c->hidden, 4, 2, 1, 1), LEAKY_SLOPE);
        layer = 2;
        for (int i = 1; i < L; i++, layer += 3)
            x = hue_leaky_relu(p->g, norm(p, layer + 1, conv(p, layer, x, (int64_t)c->hidden << i, 4, 2, 1, 0), 0),
                               LEAKY_SLOPE);
        /* AdaptiveAvgPool2d(1) and Flatten take places layer and layer + 1 */
        return linear(p, layer + 2, hue_global_avg_pool(p->g, x), 1, 1);
    }
    return hue_fail(HUE_EINVAL, "head: unknown kind %d", (int)c->kind);
}

/* x fits the head (the graph's own checks would name ops, not the head). */
static int check_input(hue_graph *g, const hue_head *h, hue_tensor x)
{
    const hue_head_config *c = &h->cfg;
    const char *kind = hue_head_kind_name(c->kind);
    if (x < 0)
        return hue_fail(HUE_EINVAL, "%s head '%s': its input is not a tensor (error %d)", kind, h->prefix, x);
    int nd = hue_tensor_ndim(g, x);
    int conv = c->kind == HUE_HEAD_DECODER || c->kind == HUE_HEAD_DISCRIMINATOR;
    if (nd != (conv ? 4 : 2) || hue_tensor_dim(g, x, 1) != c->in) {
        char shape[96] = "[";
        for (int d = 0; d < nd; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d ? ", " : "",
                     (long long)hue_tensor_dim(g, x, d));
        return hue_fail(HUE_EINVAL, "%s head '%s': input %s is %s], not [N, %d%s] ('in' %d)", kind, h->prefix,
                        hue_tensor_name(g, x), shape, c->in, conv ? ", H, W" : "", c->in);
    }
    if (c->kind == HUE_HEAD_DISCRIMINATOR) {
        int64_t need = (int64_t)1 << c->layers;
        if (hue_tensor_dim(g, x, 2) < need || hue_tensor_dim(g, x, 3) < need)
            return hue_fail(HUE_EINVAL,
                            "discriminator head '%s': input %s is %lldx%lld, smaller than the %lldx%lld its %d "
                            "downsamplings ('layers') need",
                            h->prefix, hue_tensor_name(g, x), (long long)hue_tensor_dim(g, x, 2),
                            (long long)hue_tensor_dim(g, x, 3), (long long)need, (long long)need, c->layers);
    }
    return 0;
}

static int run_pass(pass *p, hue_tensor x, hue_tensor *out)
{
    int rc = check_input(p->g, p->h, x);
    if (rc)
        return rc;
    rc = hue_graph_status(p->g);
    if (rc)
        return hue_fail(rc, "%s", hue_graph_error_message(p->g));
    hue_tensor y = layers(p, x);
    if (p->err)
        return p->err;
    if ((rc = hue_graph_status(p->g)))
        return hue_fail(rc, "head '%s': %s", p->h->prefix, hue_graph_error_message(p->g));
    if (y < 0)
        return y;
    *out = y;
    return 0;
}

int hue_head_build(hue_graph *g, const hue_head_config *cfg, const char *prefix, hue_tensor x, int training,
                   hue_head *out)
{
    memset(out, 0, sizeof *out);
    out->out = -1;
    int rc = hue_head_config_check(cfg);
    if (rc)
        return rc;
    size_t n = strlen(prefix);
    if (n >= sizeof out->prefix || (n > 0 && prefix[n - 1] != '.'))
        return hue_fail(HUE_EINVAL, "head prefix '%s': must be empty or end in '.', at most %zu bytes", prefix,
                        sizeof out->prefix - 1);
    out->cfg = *cfg;
    memcpy(out->prefix, prefix, n + 1);
    pass p = {.g = g, .h = out, .create = out, .training = training};
    rc = run_pass(&p, x, &out->out);
    if (rc)
        hue_head_free(out);
    return rc;
}

int hue_head_apply(hue_graph *g, const hue_head *h, hue_tensor x, int training, hue_tensor *out)
{
    pass p = {.g = g, .h = h, .training = training};
    int rc = run_pass(&p, x, out);
    if (!rc && p.next != h->n_tensors)
        rc = hue_fail(HUE_EINVAL, "head '%s': applied again, it used %d of its %d tensors", h->prefix, p.next,
                      h->n_tensors);
    return rc;
}

int hue_head_apply_frozen(hue_graph *g, const hue_head *h, hue_tensor x, int training, hue_tensor *out)
{
    pass p = {.g = g, .h = h, .training = training, .frozen = 1};
    int rc = run_pass(&p, x, out);
    if (!rc && p.next != h->n_tensors)
        rc = hue_fail(HUE_EINVAL, "head '%s': applied again, it used %d of its %d tensors", h->prefix, p.next,
                      h->n_tensors);
    return rc;
}

void hue_head_free(hue_head *h)
{
    free(h->tensors);
    h->tensors = NULL;
    h->n_tensors = h->cap = 0;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The same "<prefix>layers.<i>." of two names. */
static int same_layer(const char *a, const char *b)
{
    const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
    return da && db && da - a == db - b && strncmp(a, b, (size_t)(da - a)) == 0;
}

int hue_head_init(hue_graph *g, const hue_head *h, uint64_t seed)
{
    hue_rng rng;
    hue_rng_seed(&rng, seed);
    double bound = 0;  /* of the last weight: its bias shares the layer's fan-in */
    for (int i = 0; i < h->n_tensors; i++) {
        const hue_named_tensor *t = &h->tensors[i];
        size_t n = (size_t)hue_tensor_numel(g, t->tensor);
        /* a batch norm's tensors are the four of a layer with a running_mean */
        int bn = 0;
        for (int j = i - 3; j <= i + 3; j++)
            bn |= j >= 0 && j < h->n_tensors && has_suffix(h->tensors[j].name, ".running_mean") &&
                  same_layer(h->tensors[j].name, t->name);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        if (bn) {
            float fill = has_suffix(t->name, ".weight") || has_suffix(t->name, ".running_var") ? 1.0f : 0.0f;
            for (size_t k = 0; k < n; k++)
                v[k] = fill;
        } else {
            if (has_suffix(t->name, ".weight")) {
                /* Kaiming-uniform with a = sqrt(5): gain sqrt(1/3), bound
                 * sqrt(3) gain / sqrt(fan_in) = 1 / sqrt(fan_in). PyTorch's
                 * fan-in is dim 1 times the kernel for Linear, Conv2d and
                 * ConvTranspose2d alike (for the last, dim 1 is the outputs). */
                double fan_in = (double)n / (double)hue_tensor_dim(g, t->tensor, 0);
                bound = 1.0 / sqrt(fan_in);
            }
            for (size_t k = 0; k < n; k++)
                v[k] = (float)(bound * (2 * hue_rng_uniform(&rng) - 1));
        }
        int rc = hue_graph_write(g, t->tensor, v, n);
        free(v);
        if (rc)
            return rc;
    }
    return 0;
}
