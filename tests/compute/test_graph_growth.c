/* A graph built well past the points where its tensor and node arrays grow
 * (64, 128, 256, ... entries), with builders that pass a tensor's own shape
 * or name back to the graph. ctest runs it with glibc's malloc perturbation,
 * which fills freed memory: a builder that read a pointer into the old array
 * would see garbage shapes. The network is built after 1 to 63 unused
 * tensors, so that each builder meets each growth point. Every op's output shape is checked, then the
 * backward is built, compiled and run, and the loss must be finite. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "test_util.h"

static int same_shape(hue_graph *g, hue_tensor a, hue_tensor b)
{
    if (a < 0 || b < 0 || hue_tensor_ndim(g, a) != hue_tensor_ndim(g, b))
        return 0;
    for (int i = 0; i < hue_tensor_ndim(g, a); i++)
        if (hue_tensor_dim(g, a, i) != hue_tensor_dim(g, b, i))
            return 0;
    return 1;
}

enum { LAYERS = 40 };

/* Builds the network after `pad` unused inputs, so that each offset puts a
 * different builder at the array's growth points; returns the loss. */
static hue_tensor build(hue_graph *g, int pad, hue_tensor *x, hue_tensor *target, hue_tensor *seed,
                        hue_tensor *weights)
{
    const int64_t C = 4;
    int64_t xs[4] = {2, C, 6, 6}, ws[4] = {C, C, 3, 3}, cs[1] = {C}, one[1] = {1};
    for (int i = 0; i < pad; i++)
        hue_graph_input(g, "pad", 1, one);
    *x = hue_graph_input(g, "x", 4, xs), *target = hue_graph_input(g, "target", 4, xs);
    *seed = hue_graph_input(g, "seed", 1, one);
    hue_tensor h = *x;
    for (int i = 0; i < LAYERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%d", i);
        weights[i] = hue_graph_param(g, name, 4, ws);
        hue_tensor gamma = hue_graph_param(g, "gamma", 1, cs), beta = hue_graph_param(g, "beta", 1, cs);
        hue_tensor rm = hue_graph_state(g, "running_mean", 1, cs), rv = hue_graph_state(g, "running_var", 1, cs);
        hue_tensor y = hue_conv2d(g, h, weights[i], -1, 1, 1, 1);
        CHECKF(same_shape(g, y, *x), "pad %d, layer %d: conv2d", pad, i);
        /* each builder below hands its operand's own shape back to the graph */
        switch (i % 6) {
        case 0: y = hue_batch_norm_relu(g, y, gamma, beta, rm, rv, 1, 0.1f, 1e-5f); break;
        case 1: y = hue_softmax(g, hue_batch_norm(g, y, gamma, beta, rm, rv, 1, 0.1f, 1e-5f), 1); break;
        case 2: y = hue_l2_normalize(g, hue_batch_norm(g, y, gamma, beta, rm, rv, 1, 0.1f, 1e-5f), 1, 1e-6f); break;
        case 3: y = hue_dropout(g, hue_batch_norm_relu(g, y, gamma, beta, rm, rv, 1, 0.1f, 1e-5f), 0.25f, *seed); break;
        case 4: {
            hue_tensor a = hue_slice(g, y, 1, 0, 2), b = hue_slice(g, y, 1, 2, C - 2);
            hue_tensor parts[2] = {hue_tanh(g, a), hue_sigmoid(g, b)};
            y = hue_concat(g, 2, parts, 1);
            break;
        }
        default: y = hue_reshape_like(g, hue_scale(g, hue_relu(g, y), 0.5f, -1), *x); break;
        }
        CHECKF(same_shape(g, y, *x), "pad %d, layer %d (kind %d): output shape changed (%s)", pad, i, i % 6,
               hue_graph_error_message(g));
        h = hue_add(g, h, y);
    }
    hue_tensor loss = hue_mse(g, h, *target);
    CHECKF(hue_graph_backward(g, loss) == 0, "pad %d: backward: %s", pad, hue_graph_error_message(g));
    for (int i = 0; i < LAYERS; i++)
        CHECKF(same_shape(g, hue_tensor_grad(g, weights[i]), weights[i]), "pad %d: gradient of w%d", pad, i);
    return loss;
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "no device: %s\n", hue_error_message());
        return 1;
    }
    void *pins[64];  /* heap blocks between builds, so that growing moves the arrays */
    hue_tensor x, target, seed, weights[LAYERS], loss;
    for (int pad = 1; pad < 64; pad++) {
        pins[pad] = malloc(4096);
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        build(g, pad, &x, &target, &seed, weights);
        hue_graph_destroy(g);
    }
    for (int pad = 1; pad < 64; pad++)
        free(pins[pad]);

    /* and the graph runs: one build compiled, run, a finite loss */
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    loss = build(g, 0, &x, &target, &seed, weights);
    hue_graph_output(g, loss);
    CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
    float xv[2 * 4 * 36], tv[2 * 4 * 36], sv = 7, wv[4 * 4 * 9];
    for (size_t i = 0; i < sizeof xv / sizeof *xv; i++)
        xv[i] = sinf((float)i * 0.37f), tv[i] = cosf((float)i * 0.11f);
    for (size_t i = 0; i < sizeof wv / sizeof *wv; i++)
        wv[i] = 0.05f * sinf((float)i);
    hue_graph_set_input(g, x, xv, sizeof xv / sizeof *xv);
    hue_graph_set_input(g, target, tv, sizeof tv / sizeof *tv);
    hue_graph_set_input(g, seed, &sv, 1);
    for (int i = 0; i < LAYERS; i++)
        hue_graph_write(g, weights[i], wv, sizeof wv / sizeof *wv);
    float lv = NAN;
    CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
    CHECK(hue_graph_read(g, loss, &lv, 1) == 0);
    CHECKF(isfinite(lv) && lv > 0, "loss %g", lv);
    hue_graph_destroy(g);
    hue_ctx_destroy(ctx);
    return test_finish();
}
