/* Each head learns: a few dozen SGD steps (momentum 0.9) on one fixed batch
 * of real images (the first 20 training images of each CIFAR-10 class,
 * 16x16) lower its loss clearly.
 *   - linear and MLP: the class from the image averaged down to 8x8 (192
 *     features), cross-entropy;
 *   - decoder: the 16x16 image from its 4x4 average (two upsamplings), MSE;
 *   - discriminator: the images (label 1) against the same images with
 *     their pixels shuffled by one fixed permutation (label 0), binary
 *     cross-entropy, in two batches through one graph (the head built on
 *     one, applied again on the other): batch A holds images 0-99 as they
 *     are and 100-199 shuffled, batch B the other way round. Each batch
 *     mixes both labels because batch norm in training normalises each
 *     batch by itself: an all-real and an all-shuffled batch would reach
 *     the logits with the same per-channel mean and variance (a GAN's
 *     discriminator meets this too), which makes the task slow to learn.
 * The loss of the last steps must fall below a fraction of the first
 * step's (a head that does not learn, or learns the wrong way, fails). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ssl_data/dataset_test_util.h"
#include "hue_ctx.h"
#include "hue_dataset.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_rng.h"
#include "test_util.h"

#define N 200   /* 20 images of each of 10 classes */
#define S 16
#define STEPS 40

typedef struct {
    float img[N * 3 * S * S];      /* normalised RGB */
    float mix[2][N * 3 * S * S];   /* batches A and B: half of the images shuffled */
    float mix_labels[2][N];        /* 1: as it is, 0: shuffled */
    float feat[N * 3 * 8 * 8];     /* 2x2 averages, flattened */
    float small[N * 3 * 4 * 4];    /* 4x4 averages */
    float labels[N];
} data;

/* side x side averages of the S x S planes. */
static void pool(const float *img, int side, float *out)
{
    int k = S / side;
    for (int p = 0; p < N * 3; p++)
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++) {
                double sum = 0;
                for (int dy = 0; dy < k; dy++)
                    for (int dx = 0; dx < k; dx++)
                        sum += img[(size_t)p * S * S + (y * k + dy) * S + x * k + dx];
                out[(size_t)p * side * side + y * side + x] = (float)(sum / (k * k));
            }
}

static int load(data *d)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' --wildcards 'train/*/000[0-9].jpg' 'train/*/001[0-9].jpg'",
             test_data("cifar10/cifar10_jpg.tar.gz"), test_tmp);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not extract CIFAR-10 images: %s\n", cmd);
        return -1;
    }
    hue_dataset *ds;
    if (hue_dataset_open(&ds, tp("train"), NULL, NULL)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return -1;
    }
    hue_loader_options o = hue_loader_defaults();
    o.batch = N, o.size = S, o.shuffle = 0, o.epochs = 1;
    for (int c = 0; c < 3; c++)
        o.mean[c] = 0.5f, o.std[c] = 0.25f;
    hue_loader *l;
    hue_batch b;
    int rc = hue_loader_create(&l, ds, &o);
    if (!rc) {
        rc = hue_loader_next(l, &b) == 1 && b.count == N ? 0 : -1;
        if (!rc) {
            memcpy(d->img, b.images, sizeof d->img);
            for (int i = 0; i < N; i++)
                d->labels[i] = (float)b.labels[i];
        }
        hue_loader_destroy(l);
    }
    hue_dataset_close(ds);
    if (rc) {
        fprintf(stderr, "loading the images failed: %s\n", hue_error_message());
        return -1;
    }
    int perm[S * S];
    hue_rng r;
    hue_rng_seed(&r, 99);
    for (int i = 0; i < S * S; i++)
        perm[i] = i;
    for (int i = S * S - 1; i > 0; i--) {
        int j = (int)hue_rng_below(&r, (uint64_t)i + 1), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    size_t plane = S * S, image = 3 * plane;
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < N; k++) {
            int shuffled = (k < N / 2) == (m == 1);
            const float *src = d->img + k * image;
            float *dst = d->mix[m] + k * image;
            d->mix_labels[m][k] = shuffled ? 0.0f : 1.0f;
            for (int c = 0; c < 3; c++)
                for (size_t i = 0; i < plane; i++)
                    dst[c * plane + i] = src[c * plane + (shuffled ? (size_t)perm[i] : i)];
        }
    pool(d->img, 8, d->feat);
    pool(d->img, 4, d->small);
    return 0;
}

/* An input holding values, set again before each run. */
typedef struct {
    hue_tensor t;
    const float *v;
    size_t n;
} feed;

static void train(hue_ctx *ctx, const data *d, hue_head_config cfg, float lr, double ratio)
{
    const char *kind = hue_head_kind_name(cfg.kind);
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    feed in[4];
    int n_in = 0;
    hue_head h;
    hue_tensor loss = -1;
    int rc;
    if (cfg.kind == HUE_HEAD_LINEAR || cfg.kind == HUE_HEAD_MLP) {
        int64_t fs[2] = {N, 3 * 8 * 8}, ls[1] = {N};
        hue_tensor x = hue_graph_input(g, "features", 2, fs), y = hue_graph_input(g, "labels", 1, ls);
        in[n_in++] = (feed){x, d->feat, sizeof d->feat / sizeof(float)};
        in[n_in++] = (feed){y, d->labels, N};
        rc = hue_head_build(g, &cfg, "heads.cls.", x, 1, &h);
        if (!rc)
            loss = hue_cross_entropy(g, h.out, y, -1, -100);
    } else if (cfg.kind == HUE_HEAD_DECODER) {
        int64_t xs[4] = {N, 3, 4, 4}, ts[4] = {N, 3, S, S};
        hue_tensor x = hue_graph_input(g, "small", 4, xs), t = hue_graph_input(g, "images", 4, ts);
        in[n_in++] = (feed){x, d->small, sizeof d->small / sizeof(float)};
        in[n_in++] = (feed){t, d->img, sizeof d->img / sizeof(float)};
        rc = hue_head_build(g, &cfg, "heads.decoder.", x, 1, &h);
        if (!rc)
            loss = hue_mse(g, h.out, t);
    } else {
        int64_t xs[4] = {N, 3, S, S}, ys[2] = {N, 1};
        hue_tensor a = hue_graph_input(g, "batch_a", 4, xs), b = hue_graph_input(g, "batch_b", 4, xs);
        hue_tensor la = hue_graph_input(g, "labels_a", 2, ys), lb = hue_graph_input(g, "labels_b", 2, ys);
        in[n_in++] = (feed){a, d->mix[0], sizeof d->mix[0] / sizeof(float)};
        in[n_in++] = (feed){b, d->mix[1], sizeof d->mix[1] / sizeof(float)};
        in[n_in++] = (feed){la, d->mix_labels[0], N};
        in[n_in++] = (feed){lb, d->mix_labels[1], N};
        hue_tensor yb = -1;
        rc = hue_head_build(g, &cfg, "heads.disc.", a, 1, &h);
        if (!rc)
            rc = hue_head_apply(g, &h, b, 1, &yb);
        if (!rc)
            loss = hue_scale(g, hue_add(g, hue_bce_with_logits(g, h.out, la), hue_bce_with_logits(g, yb, lb)),
                             0.5f, -1);
    }
    CHECKF(rc == 0 && loss >= 0, "%s: %s", kind, rc ? hue_error_message() : hue_graph_error_message(g));
    hue_optim *opt = NULL;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = 0.9f;
    if (rc || loss < 0 || hue_graph_backward(g, loss) || hue_optim_create(g, &oc, loss, &opt) ||
        hue_graph_output(g, loss) || hue_graph_compile(g) || hue_head_init(g, &h, 1)) {
        CHECKF(0, "%s: %s", kind, hue_error_message());
        goto done;
    }
    double losses[STEPS];
    int finite = 1;
    for (int step = 0; step < STEPS; step++) {
        float v = NAN;
        for (int i = 0; i < n_in; i++)
            hue_graph_set_input(g, in[i].t, in[i].v, in[i].n);
        hue_optim_set_step(opt, step, lr);
        rc = hue_graph_run(g);
        if (!rc)
            rc = hue_graph_read(g, loss, &v, 1);
        CHECKF(rc == 0, "%s step %d: %s", kind, step, hue_error_message());
        losses[step] = v;
        finite &= isfinite(v) != 0;
    }
    double last = (losses[STEPS - 1] + losses[STEPS - 2] + losses[STEPS - 3]) / 3;
    printf("%-14s loss %.4f at step 0, %.4f over the last 3 of %d steps (%.2f of the first; must be < %.2f)\n",
           kind, losses[0], last, STEPS, last / losses[0], ratio);
    CHECKF(finite && last < ratio * losses[0], "%s: loss %g -> %g", kind, losses[0], last);
done:
    hue_optim_destroy(opt);
    hue_head_free(&h);
    hue_graph_destroy(g);
}

int main(void)
{
    static data d;
    if (test_tmp_make())
        return 1;
    int rc = load(&d);
    test_tmp_remove();
    if (rc)
        return 1;
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    printf("backend: %s\n", hue_backend_name(hue_ctx_backend(ctx)));
    train(ctx, &d, (hue_head_config){HUE_HEAD_LINEAR, 192, 0, 10, 1}, 0.05f, 0.6);
    train(ctx, &d, (hue_head_config){HUE_HEAD_MLP, 192, 128, 10, 2}, 0.05f, 0.6);
    train(ctx, &d, (hue_head_config){HUE_HEAD_DECODER, 3, 32, 3, 2}, 0.05f, 0.5);
    train(ctx, &d, (hue_head_config){HUE_HEAD_DISCRIMINATOR, 3, 16, 1, 3}, 0.05f, 0.5);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
