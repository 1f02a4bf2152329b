/* Contrastive predictive coding, CPC v2-style (Henaff et al. 2019): each
 * image (a random crop of 0.35 to 1 of its area, flipped at random) is cut
 * into a grid x grid grid of patches that overlap by half; the trunk
 * encodes every patch into a vector z (global average pool); a causal
 * context network runs down the grid's rows (two 3x3 convolutions whose
 * input is padded with zero rows above only, each followed by ReLU, so the
 * context at row i sees rows i-4 .. i and never below); for each step k in
 * 1 .. --cpc-steps, a linear map W_k of the context at (i, j) predicts
 * z at (i + k, j), and InfoNCE scores the prediction against every patch
 * of the batch (the other positions of the same image and every position
 * of the other images are the negatives), on L2-normalised vectors at
 * temperature tau. The loss is the mean over the steps. Adam, warm-up then
 * cosine.
 *
 * The context network and the predictions are the method's own tensors,
 * saved under "heads.context." and "heads.predict." (a 3x3 convolution
 * with bias, Conv2d's layout, per context layer; a 1x1 convolution without
 * bias per step). Probes measure the trunk on whole images.
 *
 * Batch norm: the trunk's statistics are over all the batch's patches, so
 * the patches below row i have some influence on z at row i. CPC v2 moved
 * to layer norm for that reason; hue's ResNet has batch norm only, and hue
 * keeps it (a per-patch normalisation would be the fix).
 *
 * Under mpirun the patch vectors z are gathered from every rank, so the
 * negatives are every patch of the whole batch, as in one process (image b
 * of this rank is image batch_first + b of the batch). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_rng.h"
#include "pretrain_image.h"

enum { CONTEXT_LAYERS = 2, MAX_STEPS = 15 };

typedef struct {
    hue_augment_config view;
    int grid, patch;
    float mean[3], std[3];
} cpc_sampler;

/* The patch at grid cell (gi, gj) starts at (gi, gj) x patch / 2. */
static int cpc_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    const cpc_sampler *cs = user;
    int S = cs->view.size, P = cs->patch, G = cs->grid;
    uint8_t *img = malloc((size_t)S * S * 3);
    if (!img)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_rng r;
    hue_rng_seed(&r, seed);
    int rc = hue_augment_view_u8(&cs->view, &r, rgb, width, height, img);
    for (int gi = 0; gi < G && rc >= 0; gi++)
        for (int gj = 0; gj < G; gj++) {
            float *dst = out + ((size_t)gi * G + gj) * 3 * P * P;
            int y0 = gi * P / 2, x0 = gj * P / 2;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < P; y++)
                    for (int x = 0; x < P; x++)
                        dst[((size_t)c * P + y) * P + x] =
                            ((float)img[((size_t)(y0 + y) * S + x0 + x) * 3 + c] / 255.0f - cs->mean[c]) / cs->std[c];
        }
    free(img);
    return rc < 0 ? rc : 0;
}

typedef struct {
    image_run ir;
    cpc_sampler sampler;
    hue_resnet_config arch;
    hue_resnet m;
    hue_tensor x, positive[MAX_STEPS];
    hue_tensor context_w[CONTEXT_LAYERS], context_b[CONTEXT_LAYERS], predict[MAX_STEPS];
    float *positives[MAX_STEPS];
} cpc;

/* A parameter of the method's own, saved with the checkpoints; its id, or
 * a negative error. */
static hue_tensor method_param(hue_trainer *t, hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    hue_tensor p = hue_graph_param(g, name, ndim, shape);
    int rc = p >= 0 ? hue_trainer_add_state(t, name, p) : p;
    return rc < 0 ? rc : p;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    cpc *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t G = s->sampler.grid, P = s->sampler.patch, B = o->batch, cells = B * G * G;
    int64_t xs[4] = {cells, 3, P, P};
    s->x = hue_graph_input(g, "patches", 4, xs);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    int64_t C = s->m.feature_channels;
    hue_tensor z = hue_global_avg_pool(g, s->m.features);  /* [B G G, C], patches in row-major grid order */
    int64_t grid_shape[4] = {B, G, G, C};
    int to_nchw[4] = {0, 3, 1, 2}, to_rows[4] = {0, 2, 3, 1};
    hue_tensor h = hue_permute(g, hue_reshape(g, z, 4, grid_shape), to_nchw);
    /* causal context: two zero rows above, a 3x3 convolution without vertical padding */
    int64_t pad_shape[4] = {B, C, 2, G}, ws[4] = {C, C, 3, 3}, bs[1] = {C};
    float *zeros = calloc((size_t)(B * C * 2 * G), sizeof *zeros);
    if (!zeros)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_tensor top = hue_graph_constant(g, "context_padding", 4, pad_shape, zeros);
    free(zeros);
    int stride[2] = {1, 1}, pad[2] = {0, 1}, dilation[2] = {1, 1};
    char name[64];
    for (int l = 0; l < CONTEXT_LAYERS; l++) {
        snprintf(name, sizeof name, "heads.context.layers.%d.weight", 2 * l);
        if ((s->context_w[l] = method_param(t, g, name, 4, ws)) < 0)
            return s->context_w[l];
        snprintf(name, sizeof name, "heads.context.layers.%d.bias", 2 * l);
        if ((s->context_b[l] = method_param(t, g, name, 1, bs)) < 0)
            return s->context_b[l];
        hue_tensor parts[2] = {top, h};
        h = hue_relu(g, hue_conv2d_ex(g, hue_concat(g, 2, parts, 2), s->context_w[l], s->context_b[l], stride, pad,
                                      dilation));
    }
    int64_t ps[4] = {C, C, 1, 1};
    hue_tensor loss = -1, keys = image_run_gather(g, z);
    for (int k = 1; k <= o->cpc_steps; k++) {
        snprintf(name, sizeof name, "heads.predict.%d.weight", k - 1);
        if ((s->predict[k - 1] = method_param(t, g, name, 4, ps)) < 0)
            return s->predict[k - 1];
        int64_t rows = B * (G - k) * G, qs[2] = {rows, C};
        snprintf(name, sizeof name, "positives_%d", k);
        s->positive[k - 1] = hue_graph_input(g, name, 1, &rows);
        hue_tensor pred = hue_conv2d(g, h, s->predict[k - 1], -1, 1, 0, 1);
        hue_tensor q = hue_reshape(g, hue_permute(g, hue_slice(g, pred, 2, 0, G - k), to_rows), 2, qs);
        hue_tensor step = hue_info_nce(g, q, keys, s->positive[k - 1], (float)o->tau, 0);
        char metric[32];
        snprintf(metric, sizeof metric, "step_%d", k);
        if ((rc = hue_trainer_add_metric(t, metric, step)))
            return rc;
        loss = loss < 0 ? step : hue_add(g, loss, step);
    }
    loss = hue_scale(g, loss, 1.0f / (float)o->cpc_steps, -1);
    if ((rc = hue_graph_status(g)) || (rc = hue_graph_backward(g, loss)) ||
        (rc = image_run_adam(t, g, loss, &s->ir, 0.9f, NULL)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

/* PyTorch's default for Conv2d: weight and bias uniform in +-1/sqrt(fan_in). */
static int init_conv(hue_graph *g, hue_rng *r, hue_tensor w, hue_tensor b)
{
    int64_t n = hue_tensor_numel(g, w), out = hue_tensor_dim(g, w, 0), fan_in = n / out;
    float bound = 1.0f / sqrtf((float)fan_in), *v = malloc(sizeof *v * (size_t)n);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    for (int64_t i = 0; i < n; i++)
        v[i] = bound * (float)(2 * hue_rng_uniform(r) - 1);
    int rc = hue_graph_write(g, w, v, (size_t)n);
    for (int64_t i = 0; i < out && !rc && b >= 0; i++)
        v[i] = bound * (float)(2 * hue_rng_uniform(r) - 1);
    if (!rc && b >= 0)
        rc = hue_graph_write(g, b, v, (size_t)out);
    free(v);
    return rc;
}

static int init(void *self, hue_trainer *t)
{
    cpc *s = self;
    hue_graph *g = hue_trainer_graph(t);
    hue_rng r;
    hue_rng_seed(&r, s->ir.o->seed ^ 0x637063636f6e7478ull);
    int rc = 0;
    for (int l = 0; l < CONTEXT_LAYERS && !rc; l++)
        rc = init_conv(g, &r, s->context_w[l], s->context_b[l]);
    for (int k = 0; k < s->ir.o->cpc_steps && !rc; k++)
        rc = init_conv(g, &r, s->predict[k], -1);
    return rc;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    cpc *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    hue_graph *g = hue_trainer_graph(t);
    int64_t G = s->sampler.grid, B = b.count;
    rc = hue_graph_set_input(g, s->x, b.images, (size_t)b.sample_floats * b.count);
    for (int k = 1; k <= s->ir.o->cpc_steps && !rc; k++)
        rc = hue_graph_set_input(g, s->positive[k - 1], s->positives[k - 1], (size_t)(B * (G - k) * G));
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return rc;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const cpc *s = self;
    hue_jw_key(w, "tau"), hue_jw_number(w, s->ir.o->tau);
    hue_jw_key(w, "grid"), hue_jw_int(w, s->sampler.grid);
    hue_jw_key(w, "patch"), hue_jw_int(w, s->sampler.patch);
    hue_jw_key(w, "cpc_steps"), hue_jw_int(w, s->ir.o->cpc_steps);
}

static void destroy(void *self)
{
    cpc *s = self;
    for (int k = 0; k < MAX_STEPS; k++)
        free(s->positives[k]);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

static int check_flags(const hue_pretrain_options *o)
{
    if (!(o->tau > 0 && o->tau <= 100))
        return hue_fail(HUE_EINVAL, "--tau %g: must be above 0 and at most 100", o->tau);
    if (o->cpc_grid < 2 || o->cpc_grid > 16)
        return hue_fail(HUE_EINVAL, "--grid %d: must be 2 to 16 patches per side", o->cpc_grid);
    int G = o->cpc_grid;
    if ((2 * o->size) % (G + 1) != 0 || 2 * o->size / (G + 1) < 8 || (2 * o->size / (G + 1)) % 2 != 0)
        return hue_fail(HUE_EINVAL, "--grid %d does not fit --size %d: %d patches overlapping by half need an even "
                        "patch side of 8 or more that 2 x size / (grid + 1) gives exactly (e.g. --size 64 with "
                        "--grid 7 or 3)", G, o->size, G);
    if (o->cpc_steps < 1 || o->cpc_steps >= G || o->cpc_steps > MAX_STEPS)
        return hue_fail(HUE_EINVAL, "--cpc-steps %d: must be 1 to %d (rows of the grid below the first, at most %d)",
                        o->cpc_steps, G - 1 < MAX_STEPS ? G - 1 : MAX_STEPS, MAX_STEPS);
    return 0;
}

int hue_pretrain_cpc(const hue_pretrain_options *o, hue_train_report *r)
{
    cpc *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"cpc", s, build, init, image_run_save_data, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    if (!rc)
        rc = check_flags(o);
    int G = o->cpc_grid;
    if (!rc) {
        s->sampler.view = hue_augment_plain(o->size);
        s->sampler.view.crop = 1;
        s->sampler.view.scale[0] = 0.35f;
        s->sampler.view.flip_p = 0.5f;
        s->sampler.grid = G;
        s->sampler.patch = 2 * o->size / (G + 1);
        memcpy(s->sampler.mean, hue_cifar_mean, sizeof s->sampler.mean);
        memcpy(s->sampler.std, hue_cifar_std, sizeof s->sampler.std);
        s->ir.sample = cpc_sample;
        s->ir.sample_user = &s->sampler;
        s->ir.sample_floats = (int64_t)G * G * 3 * s->sampler.patch * s->sampler.patch;
        s->ir.sample_native = 1;
    }
    /* the positive of the prediction at (b, i, j) k rows down is the patch (b, i + k, j) */
    for (int k = 1; k <= o->cpc_steps && !rc; k++) {
        size_t rows = (size_t)o->batch * (size_t)(G - k) * (size_t)G, q = 0;
        if (!(s->positives[k - 1] = malloc(sizeof *s->positives[k - 1] * rows))) {
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
            break;
        }
        for (int b = 0; b < o->batch; b++)
            for (int i = 0; i < G - k; i++)
                for (int j = 0; j < G; j++)
                    s->positives[k - 1][q++] = (float)(((int64_t)(o->batch_first + b) * G + i + k) * G + j);
    }
    s->arch = image_run_trunk(o, 3);
    return image_run_method(&s->ir, &m, rc, "adam", hyperparameters, r);
}
