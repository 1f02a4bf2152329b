/* Convolutions on weights no node writes (an inference graph, as hue
 * track's encoder): the CPU backend runs the 3x3 stride-1 ones as
 * Winograd's and keeps their weights in its own layout between runs. Each
 * shape is checked against a plain-C convolution, then again after new
 * weights are written (the kept copy must follow them), and a graph whose
 * optimizer writes the weights must see every update. Runs on the backend
 * HUE_BACKEND picks (ctest runs it on both). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_rng.h"
#include "test_util.h"

/* y [N, O, H, W] = conv(x [N, C, H, W], w [O, C, k, k]), stride 1, pad k / 2. */
static void reference(const float *x, const float *w, float *y, int N, int C, int O, int H, int W, int k)
{
    int p = k / 2;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++) {
                    double s = 0;
                    for (int c = 0; c < C; c++)
                        for (int a = 0; a < k; a++)
                            for (int b = 0; b < k; b++) {
                                int yy = i + a - p, xx = j + b - p;
                                if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                                    s += (double)x[((n * C + c) * H + yy) * W + xx] * w[((o * C + c) * k + a) * k + b];
                            }
                    y[((n * O + o) * H + i) * W + j] = (float)s;
                }
}

static void fill(hue_rng *r, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)hue_rng_uniform(r) * 2.0f - 1.0f;
}

/* Largest |a - b| relative to the largest |b|. */
static double relative_error(const float *a, const float *b, size_t n)
{
    double worst = 0, scale = 1e-12;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs((double)a[i] - b[i]));
        scale = fmax(scale, fabs((double)b[i]));
    }
    return worst / scale;
}

static void check_shape(hue_ctx *ctx, int N, int C, int O, int H, int W, int k)
{
    size_t nx = (size_t)N * C * H * W, nw = (size_t)O * C * k * k, ny = (size_t)N * O * H * W;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4), *want = malloc(ny * 4);
    hue_rng r;
    hue_rng_seed(&r, (uint64_t)(C * 1000 + O * 10 + k));
    hue_graph *g;
    CHECK(x && w && y && want && hue_graph_create(ctx, &g) == 0);
    int64_t xs[4] = {N, C, H, W}, ws[4] = {O, C, k, k};
    hue_tensor tx = hue_graph_input(g, "x", 4, xs), tw = hue_graph_param(g, "w", 4, ws);
    hue_tensor ty = hue_conv2d(g, tx, tw, -1, 1, k / 2, 1);
    hue_graph_output(g, ty);
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    for (int round = 0; round < 3; round++) {
        if (round < 2) {  /* new weights in rounds 0 and 1; round 2 runs on round 1's kept copy */
            fill(&r, w, nw);
            CHECK(hue_graph_write(g, tw, w, nw) == 0);
        }
        fill(&r, x, nx);
        CHECK(hue_graph_set_input(g, tx, x, nx) == 0);
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, ty, y, ny) == 0);
        reference(x, w, want, N, C, O, H, W, k);
        double e = relative_error(y, want, ny);
        CHECKF(e < 1e-4, "conv %dx%dx%dx%d -> %d, %dx%d, round %d: relative error %.2e", N, C, H, W, O, k, k, round,
               e);
    }
    hue_graph_destroy(g);
    free(x), free(w), free(y), free(want);
}

/* A graph whose SGD step writes the weights: each run must convolve with
 * the weights the step before left, never a kept copy. */
static void check_trained(hue_ctx *ctx)
{
    enum { N = 2, C = 16, O = 16, H = 10, W = 10, K = 3 };
    size_t nx = N * C * H * W, nw = O * C * K * K, ny = N * O * H * W;
    static float x[N * C * H * W], w[O * C * K * K], y[N * O * H * W], want[N * O * H * W];
    hue_rng r;
    hue_rng_seed(&r, 7);
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t xs[4] = {N, C, H, W}, ws[4] = {O, C, K, K};
    hue_tensor tx = hue_graph_input(g, "x", 4, xs), tw = hue_graph_param(g, "w", 4, ws);
    hue_tensor ty = hue_conv2d(g, tx, tw, -1, 1, 1, 1);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_MEAN, hue_mul(g, ty, ty), 0xfu);
    hue_graph_output(g, ty);
    CHECK(hue_graph_backward(g, loss) == 0);
    hue_optim_config cfg = hue_optim_defaults(HUE_OPTIM_SGD);
    hue_optim *opt = NULL;
    CHECKF(hue_optim_create(g, &cfg, loss, &opt) == 0, "%s", hue_error_message());
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    fill(&r, w, nw);
    CHECK(hue_graph_write(g, tw, w, nw) == 0);
    fill(&r, x, nx);
    CHECK(hue_graph_set_input(g, tx, x, nx) == 0);
    for (int step = 0; step < 3; step++) {
        CHECK(hue_graph_read(g, tw, w, nw) == 0);  /* the weights this run convolves with */
        CHECK(hue_optim_set_step(opt, step, 0.5f) == 0);
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, ty, y, ny) == 0);
        reference(x, w, want, N, C, O, H, W, K);
        double e = relative_error(y, want, ny);
        CHECKF(e < 1e-4, "trained conv, step %d: relative error %.2e", step, e);
    }
    float before[O * C * K * K];
    memcpy(before, w, sizeof before);
    CHECK(hue_graph_read(g, tw, w, nw) == 0);
    CHECK(relative_error(w, before, nw) > 1e-3);  /* the step did move them */
    hue_optim_destroy(opt);
    hue_graph_destroy(g);
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    check_shape(ctx, 1, 32, 32, 24, 40, 3);   /* Winograd on the CPU backend */
    check_shape(ctx, 2, 64, 128, 13, 17, 3);  /* odd sizes: partial Winograd tiles */
    check_shape(ctx, 1, 3, 16, 20, 20, 3);    /* 3 input channels, as a stem's */
    check_shape(ctx, 1, 16, 32, 9, 9, 1);     /* 1x1: direct, weights kept */
    check_trained(ctx);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
