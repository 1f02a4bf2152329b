/* Runs every network of a hue checkpoint on fixed inputs, in eval mode (batch
 * norm on its running statistics), as hue computes it, and writes inputs and
 * outputs for hue_torch_check.py to repeat with python/hue_torch.py.
 *
 *   ckpt_forward CKPT N SIZE OUT
 *
 * OUT (safetensors) holds, with <key> a network's prefix without its last
 * '.' ("trunk" for the prefix ""):
 *   <key>.input, <key>.output   each trunk (its features: the last layer,
 *                               through proj when it has one) and each head
 *   <key>.logits                a trunk with a classifier
 *   images, features            RGB bytes [N, 3, SIZE, SIZE] (as floats) and
 *                               the representation as hue's probes compute
 *                               it from them (each trunk's input from
 *                               video/'s LAB conversion or the rgb mean and
 *                               std, last layer pooled, trunks concatenated)
 * Trunks take [N, in_channels, SIZE, SIZE]; linear and MLP heads [N, in];
 * decoders [N, in, 2, 2]; discriminators [N, in, SIZE, SIZE]; CPC's context
 * network ("heads.context.", not in 'networks') [N, C, 3, 3], and its
 * predictions ("heads.predict.<k>") the context's output. Inputs are waves
 * x[i] = 1.5 sin(0.7 i + phase), a new phase per network. Exit 0 ok, 1 on
 * error (the message on stderr). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_checkpoint.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_heads.h"
#include "hue_json.h"
#include "hue_lab.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_ops_spatial.h"
#include "hue_representation.h"
#include "hue_resnet.h"
#include "hue_rng.h"

typedef struct {
    hue_ctx *ctx;
    const hue_checkpoint *ck;
    const char *path;
    hue_checkpoint *out;
    int64_t n, size;
    double phase;
} tool;

/* Adds graph tensor t (read back) to the output as `name`. */
static int save(tool *s, hue_graph *g, hue_tensor t, const char *name)
{
    int nd = hue_tensor_ndim(g, t);
    int64_t shape[HUE_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        shape[d] = hue_tensor_dim(g, t, d);
    size_t n = (size_t)hue_tensor_numel(g, t);
    float *v = malloc(n * sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = hue_graph_read(g, t, v, n);
    if (!rc)
        rc = hue_checkpoint_add(s->out, name, nd, shape, v);
    free(v);
    return rc;
}

/* Sets input x to the next wave and keeps it in the output as "<key>.input". */
static int set_wave(tool *s, hue_graph *g, hue_tensor x, const char *key)
{
    int nd = hue_tensor_ndim(g, x);
    int64_t shape[HUE_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        shape[d] = hue_tensor_dim(g, x, d);
    size_t n = (size_t)hue_tensor_numel(g, x);
    float *v = malloc(n * sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(1.5 * sin(0.7 * (double)i + s->phase));
    s->phase += 1.1;
    char name[160];
    snprintf(name, sizeof name, "%s.input", key);
    int rc = hue_graph_set_input(g, x, v, n);
    if (!rc)
        rc = hue_checkpoint_add(s->out, name, nd, shape, v);
    free(v);
    return rc;
}

static void key_of(const char *prefix, char *key, size_t n)
{
    size_t len = strlen(prefix);
    if (len == 0)
        snprintf(key, n, "trunk");
    else
        snprintf(key, n, "%.*s", (int)(len - 1), prefix);
}

static int run_trunk(tool *s, const hue_resnet_config *cfg, const char *prefix)
{
    char key[96], name[160];
    key_of(prefix, key, sizeof key);
    hue_graph *g = NULL;
    hue_resnet m = {0};
    int64_t xs[4] = {s->n, cfg->in_channels, s->size, s->size};
    int rc = hue_graph_create(s->ctx, &g);
    hue_tensor x = rc ? -1 : hue_graph_input(g, "x", 4, xs);
    if (!rc)
        rc = hue_resnet_build(g, cfg, x, 0, &m);
    if (!rc)
        rc = hue_graph_output(g, m.features);
    if (!rc && m.logits >= 0)
        rc = hue_graph_output(g, m.logits);
    if (!rc)
        rc = hue_graph_compile(g);
    if (!rc)
        rc = hue_model_load_prefixed(g, &m, prefix, s->ck, s->path);
    if (!rc)
        rc = set_wave(s, g, x, key);
    if (!rc)
        rc = hue_graph_run(g);
    snprintf(name, sizeof name, "%s.output", key);
    if (!rc)
        rc = save(s, g, m.features, name);
    snprintf(name, sizeof name, "%s.logits", key);
    if (!rc && m.logits >= 0)
        rc = save(s, g, m.logits, name);
    hue_resnet_free(&m);
    hue_graph_destroy(g);
    return rc;
}

static int run_head(tool *s, const hue_head_config *cfg, const char *prefix)
{
    char key[96], name[160];
    key_of(prefix, key, sizeof key);
    int conv = cfg->kind == HUE_HEAD_DECODER || cfg->kind == HUE_HEAD_DISCRIMINATOR;
    int64_t side = cfg->kind == HUE_HEAD_DISCRIMINATOR ? s->size : 2;
    int64_t xs[4] = {s->n, cfg->in, side, side};
    hue_graph *g = NULL;
    hue_head h = {0};
    int rc = hue_graph_create(s->ctx, &g);
    hue_tensor x = rc ? -1 : hue_graph_input(g, "x", conv ? 4 : 2, xs);
    if (!rc)
        rc = hue_head_build(g, cfg, prefix, x, HUE_HEAD_EVAL, &h);
    if (!rc)
        rc = hue_graph_output(g, h.out);
    if (!rc)
        rc = hue_graph_compile(g);
    for (int i = 0; i < h.n_tensors && !rc; i++)
        rc = hue_model_load_tensor(s->ck, g, h.tensors[i].name, h.tensors[i].tensor, s->path);
    if (!rc)
        rc = set_wave(s, g, x, key);
    if (!rc)
        rc = hue_graph_run(g);
    snprintf(name, sizeof name, "%s.output", key);
    if (!rc)
        rc = save(s, g, h.out, name);
    hue_head_free(&h);
    hue_graph_destroy(g);
    return rc;
}

/* CPC's context network as ssl/method_cpc.c builds it (two zero rows above,
 * a 3x3 convolution without vertical padding, ReLU; twice), then each step's
 * 1x1 prediction of its output. */
static int run_cpc(tool *s)
{
    int ci = hue_checkpoint_find(s->ck, "heads.context.layers.0.weight");
    int64_t ws[4];
    if (ci < 0 || hue_checkpoint_shape(s->ck, ci, ws) != 4)
        return hue_fail(HUE_EFORMAT, "%s: no 4-d heads.context.layers.0.weight", s->path);
    int64_t C = ws[0], G = 3, bs[1] = {C}, ps[4] = {C, C, 1, 1};
    int64_t xs[4] = {s->n, C, G, G}, pad_shape[4] = {s->n, C, 2, G};
    hue_graph *g = NULL;
    int rc = hue_graph_create(s->ctx, &g);
    if (rc)
        return rc;
    float *zeros = calloc((size_t)(s->n * C * 2 * G), sizeof *zeros);
    if (!zeros) {
        hue_graph_destroy(g);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_tensor x = hue_graph_input(g, "x", 4, xs), h = x;
    hue_tensor top = hue_graph_constant(g, "context_padding", 4, pad_shape, zeros);
    free(zeros);
    hue_tensor w[2], b[2], predict[16], pred[16];
    int steps = 0;
    int stride[2] = {1, 1}, pad[2] = {0, 1}, dilation[2] = {1, 1};
    char name[96];
    for (int l = 0; l < 2; l++) {
        snprintf(name, sizeof name, "heads.context.layers.%d.weight", 2 * l);
        w[l] = hue_graph_param(g, name, 4, ws);
        snprintf(name, sizeof name, "heads.context.layers.%d.bias", 2 * l);
        b[l] = hue_graph_param(g, name, 1, bs);
        hue_tensor parts[2] = {top, h};
        h = hue_relu(g, hue_conv2d_ex(g, hue_concat(g, 2, parts, 2), w[l], b[l], stride, pad, dilation));
    }
    for (; steps < 16; steps++) {
        snprintf(name, sizeof name, "heads.predict.%d.weight", steps);
        if (hue_checkpoint_find(s->ck, name) < 0)
            break;
        predict[steps] = hue_graph_param(g, name, 4, ps);
        pred[steps] = hue_conv2d(g, h, predict[steps], -1, 1, 0, 1);
        hue_graph_output(g, pred[steps]);
    }
    rc = hue_graph_status(g);
    if (!rc)
        rc = hue_graph_output(g, h);
    if (!rc)
        rc = hue_graph_compile(g);
    for (int l = 0; l < 2 && !rc; l++) {
        snprintf(name, sizeof name, "heads.context.layers.%d.weight", 2 * l);
        rc = hue_model_load_tensor(s->ck, g, name, w[l], s->path);
        snprintf(name, sizeof name, "heads.context.layers.%d.bias", 2 * l);
        if (!rc)
            rc = hue_model_load_tensor(s->ck, g, name, b[l], s->path);
    }
    for (int k = 0; k < steps && !rc; k++) {
        snprintf(name, sizeof name, "heads.predict.%d.weight", k);
        rc = hue_model_load_tensor(s->ck, g, name, predict[k], s->path);
    }
    if (!rc)
        rc = set_wave(s, g, x, "heads.context");
    if (!rc)
        rc = hue_graph_run(g);
    if (!rc)
        rc = save(s, g, h, "heads.context.output");
    for (int k = 0; k < steps && !rc; k++) {
        snprintf(name, sizeof name, "heads.predict.%d.output", k);
        rc = save(s, g, pred[k], name);
    }
    if (!rc && hue_graph_status(g))
        rc = hue_fail(HUE_EINVAL, "%s", hue_graph_error_message(g));
    hue_graph_destroy(g);
    return rc;
}

/* Random RGB bytes, and each representation trunk's input from them as
 * ssl/features.c fills it. */
static int run_representation(tool *s)
{
    hue_representation r;
    int rc = hue_representation_of(s->ck, s->path, &r);
    if (rc)
        return rc;
    size_t plane = (size_t)(s->size * s->size), n = (size_t)s->n;
    uint8_t *rgb = malloc(n * plane * 3);
    float *images = malloc(n * plane * 3 * sizeof *images), *lab = malloc(plane * 3 * sizeof *lab);
    float *in[HUE_REPRESENTATION_MAX_TRUNKS] = {0};
    hue_graph *g = NULL;
    hue_resnet m[HUE_REPRESENTATION_MAX_TRUNKS];
    memset(m, 0, sizeof m);
    hue_tensor x[HUE_REPRESENTATION_MAX_TRUNKS], pooled[HUE_REPRESENTATION_MAX_TRUNKS];
    int ok = rgb && images && lab;
    for (int i = 0; i < r.n_trunks && ok; i++)
        ok = (in[i] = malloc(n * plane * 3 * sizeof(float))) != NULL;
    if (!ok) {
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto done;
    }
    hue_rng rng;
    hue_rng_seed(&rng, 7);
    for (size_t i = 0; i < n * plane * 3; i++)
        rgb[i] = (uint8_t)hue_rng_below(&rng, 256);
    for (size_t j = 0; j < n; j++) {
        const uint8_t *px = rgb + j * plane * 3;
        hue_lab_from_rgb8(px, plane, lab, lab + plane, lab + 2 * plane);
        for (int c = 0; c < 3; c++)
            for (size_t p = 0; p < plane; p++)
                images[(j * 3 + c) * plane + p] = px[3 * p + c];
        for (int i = 0; i < r.n_trunks; i++) {
            const hue_trunk_ref *t = &r.trunks[i];
            int C = hue_input_channels(t->input);
            float *dst = in[i] + j * (size_t)C * plane;
            for (int c = 0; c < C; c++)
                for (size_t p = 0; p < plane; p++) {
                    if (t->input == HUE_INPUT_RGB)
                        dst[c * plane + p] =
                            (float)px[3 * p + c] * (1.0f / (255.0f * t->std[c])) - t->mean[c] / t->std[c];
                    else if (t->input == HUE_INPUT_L)
                        dst[p] = lab[p] / 50.0f - 1.0f;
                    else if (t->input == HUE_INPUT_LAB)
                        dst[c * plane + p] = c ? lab[c * plane + p] / 110.0f : lab[p] / 50.0f - 1.0f;
                    else
                        dst[c * plane + p] = lab[(1 + c) * plane + p] / 110.0f;
                }
        }
    }
    if ((rc = hue_graph_create(s->ctx, &g)))
        goto done;
    for (int i = 0; i < r.n_trunks && !rc; i++) {
        hue_resnet_config cfg = hue_trunk_config(&r.trunks[i]);
        int64_t xs[4] = {s->n, cfg.in_channels, s->size, s->size};
        char name[32];
        snprintf(name, sizeof name, "x%d", i);
        x[i] = hue_graph_input(g, name, 4, xs);
        rc = hue_resnet_build(g, &cfg, x[i], 0, &m[i]);
        pooled[i] = rc ? -1 : hue_global_avg_pool(g, m[i].features);
    }
    hue_tensor features = rc ? -1 : r.n_trunks == 1 ? pooled[0] : hue_concat(g, r.n_trunks, pooled, 1);
    if (!rc)
        rc = hue_graph_output(g, features);
    if (!rc)
        rc = hue_graph_compile(g);
    for (int i = 0; i < r.n_trunks && !rc; i++) {
        rc = hue_model_load_prefixed(g, &m[i], r.trunks[i].prefix, s->ck, s->path);
        if (!rc)
            rc = hue_graph_set_input(g, x[i], in[i], n * plane * (size_t)hue_input_channels(r.trunks[i].input));
    }
    if (!rc)
        rc = hue_graph_run(g);
    if (!rc)
        rc = save(s, g, features, "features");
    int64_t is[4] = {s->n, 3, s->size, s->size};
    if (!rc)
        rc = hue_checkpoint_add(s->out, "images", 4, is, images);
done:
    for (int i = 0; i < r.n_trunks; i++) {
        hue_resnet_free(&m[i]);
        free(in[i]);
    }
    hue_graph_destroy(g);
    free(rgb);
    free(images);
    free(lab);
    return rc;
}

static int json_int(const hue_json *o, const char *key, int *out)
{
    int64_t v;
    if (hue_json_int64(hue_json_get(o, key), &v) || v < 0 || v > 1 << 24)
        return hue_fail(HUE_EFORMAT, "a head's '%s' is not a count", key);
    *out = (int)v;
    return 0;
}

/* Each entry of the metadata's 'networks' (or the one trunk of a file
 * from before it). */
static int run_networks(tool *s)
{
    const char *text = hue_checkpoint_meta(s->ck, "networks");
    if (!text) {
        hue_resnet_config cfg;
        int rc = hue_resnet_arch_parse(hue_checkpoint_meta(s->ck, "architecture"), s->path, &cfg);
        return rc ? rc : run_trunk(s, &cfg, "");
    }
    hue_json *root = NULL;
    int rc = hue_json_parse(text, strlen(text), &root);
    if (rc)
        return hue_fail(HUE_EFORMAT, "%s: its 'networks' is not JSON", s->path);
    for (size_t i = 0; i < hue_json_count(root) && !rc; i++) {
        const hue_json *net = hue_json_at(root, i), *resnet = hue_json_get(net, "resnet"),
                       *head = hue_json_get(net, "head");
        const char *prefix = hue_json_string(hue_json_get(net, "prefix"), NULL);
        if (!prefix) {
            rc = hue_fail(HUE_EFORMAT, "%s: network %zu has no prefix", s->path, i);
        } else if (resnet) {
            hue_resnet_config cfg;
            rc = hue_resnet_arch_from_json(resnet, s->path, "'networks' resnet", &cfg);
            if (!rc)
                rc = run_trunk(s, &cfg, prefix);
        } else {
            hue_head_config cfg = {0};
            int kind = hue_head_kind_parse(hue_json_string(hue_json_get(head, "kind"), NULL));
            if (kind < 0)
                rc = hue_fail(HUE_EFORMAT, "%s: head '%s' has no kind hue builds", s->path, prefix);
            cfg.kind = (hue_head_kind)kind;
            if (!rc && !(rc = json_int(head, "in", &cfg.in)) && !(rc = json_int(head, "hidden", &cfg.hidden)) &&
                !(rc = json_int(head, "out", &cfg.out)) && !(rc = json_int(head, "layers", &cfg.layers)))
                rc = run_head(s, &cfg, prefix);
        }
    }
    hue_json_destroy(root);
    if (!rc && hue_checkpoint_find(s->ck, "heads.context.layers.0.weight") >= 0)
        rc = run_cpc(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: ckpt_forward CKPT N SIZE OUT\n");
        return 1;
    }
    tool s = {.path = argv[1], .n = atoi(argv[2]), .size = atoi(argv[3])};
    hue_checkpoint *ck = NULL;
    int rc = s.n < 1 || s.size < 8 ? hue_fail(HUE_EINVAL, "N must be >= 1 and SIZE >= 8") : 0;
    if (!rc)
        rc = hue_checkpoint_open(argv[1], &ck);
    s.ck = ck;
    if (!rc)
        rc = hue_checkpoint_create(&s.out);
    if (!rc)
        rc = hue_ctx_create(&s.ctx, -1);
    if (!rc)
        rc = run_networks(&s);
    if (!rc)
        rc = run_representation(&s);
    if (!rc && hue_ctx_validation_errors(s.ctx))
        rc = hue_fail(HUE_EINVAL, "%d validation errors", hue_ctx_validation_errors(s.ctx));
    if (!rc)
        rc = hue_checkpoint_set_meta(s.out, "backend", hue_backend_name(hue_ctx_backend(s.ctx)));
    if (!rc)
        rc = hue_checkpoint_save(s.out, argv[4], 1);
    if (s.ctx)
        hue_ctx_destroy(s.ctx);
    hue_checkpoint_destroy(s.out);
    hue_checkpoint_destroy(ck);
    if (rc) {
        fprintf(stderr, "ckpt_forward: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
