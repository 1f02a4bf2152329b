/* A ResNet built with group batch norm (hue_resnet_config.sync_bn,
 * hue_batch_norm_group) in a group of one computes what the fused batch
 * norm computes: the same loss and the same gradient of every parameter
 * (on a synthetic batch of 40; layers 1 to 1..4), on the context's
 * backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_resnet.h"
#include "test_util.h"

enum { S = 32, CLASSES = 10 };

static int batch = 40;

/* every parameter's gradient, in the ResNet's order, into out (returns the count) */
static size_t grads(hue_ctx *ctx, int sync_bn, int last_layer, float *out, size_t cap, float *loss_out)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t xs[4] = {batch, 3, S, S};
    hue_tensor x = hue_graph_input(g, "x", 4, xs);
    hue_resnet_config c = hue_resnet_defaults();
    c.width = 0.125f, c.cifar_stem = 1, c.num_classes = 0, c.last_layer = last_layer, c.sync_bn = sync_bn;
    hue_resnet m;
    CHECKF(hue_resnet_build(g, &c, x, 1, &m) == 0, "build: %s", hue_error_message());
    int64_t n = hue_tensor_numel(g, m.features);
    float *w = malloc(sizeof *w * (size_t)n);
    for (int64_t i = 0; i < n; i++)
        w[i] = sinf(0.013f * (float)i) / (float)batch;
    int64_t fs[1] = {n};
    hue_tensor flat = hue_reshape(g, m.features, 1, fs);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, flat, hue_graph_constant(g, "w", 1, fs, w)), 1);
    free(w);
    CHECKF(hue_graph_backward(g, loss) == 0, "backward: %s", hue_graph_error_message(g));
    hue_graph_output(g, loss);
    int np = 0;
    hue_tensor gt[256];
    for (int i = 0; i < m.n_tensors && np < 256; i++) {
        if (m.tensors[i].is_state)
            continue;
        hue_tensor gr = hue_tensor_grad(g, m.tensors[i].tensor);
        if (gr >= 0)
            hue_graph_output(g, gt[np++] = gr);
    }
    CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
    CHECK(hue_resnet_init(g, &m, 11) == 0);
    static float xv[64 * 3 * S * S];
    for (size_t i = 0; i < (size_t)batch * 3 * S * S; i++)
        xv[i] = sinf(0.31f * (float)i) + 0.2f * cosf(0.017f * (float)i) + 0.1f * (float)(i % 7);
    CHECK(hue_graph_set_input(g, x, xv, (size_t)batch * 3 * S * S) == 0);
    CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
    CHECK(hue_graph_read(g, loss, loss_out, 1) == 0);
    size_t at = 0;
    for (int i = 0; i < np; i++) {
        size_t k = (size_t)hue_tensor_numel(g, gt[i]);
        CHECK(at + k <= cap);
        CHECK(hue_graph_read(g, gt[i], out + at, k) == 0);
        at += k;
    }
    hue_graph_destroy(g);
    hue_resnet_free(&m);
    return at;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        batch = atoi(argv[1]);
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    static float fused[1 << 20], group[1 << 20];
    for (int last = 1; last <= 4; last++) {
        float lf, lg;
        size_t n = grads(ctx, 0, last, fused, 1 << 20, &lf);
        size_t n2 = grads(ctx, 1, last, group, 1 << 20, &lg);
        CHECK(n == n2);
        double worst = 0, scale = 0;
        for (size_t i = 0; i < n; i++)
            worst = fmax(worst, fabs(fused[i] - group[i])), scale = fmax(scale, fabs(fused[i]));
        /* float sums in another order: ~1e-5 of the largest gradient on the CPU, ~2e-3 on lavapipe */
        CHECKF(fabs(lf - lg) <= 1e-4 * fmax(1, fabs(lf)) && worst <= 5e-3 * scale,
               "layers 1..%d: loss %g vs %g, gradients differ by %g (largest %g)", last, lf, lg, worst, scale);
        printf("layers 1..%d: gradient difference %.2e of %.2e\n", last, worst, scale);
    }
    hue_ctx_destroy(ctx);
    return test_finish();
}
