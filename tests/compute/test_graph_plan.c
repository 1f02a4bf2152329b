/* The memory plan: a chain of 20 ops needs far less than the sum of its
 * intermediates, a tensor used again later is not overwritten, and results
 * match a plain-C evaluation. The staging path (HUE_FORCE_STAGING) and a
 * second run of the same recorded graph give the same numbers. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

#define N 4
#define C 16
#define H 32
#define W 33
#define COUNT (N * C * H * W)

static float host_op(int i, float x)
{
    switch (i % 4) {
    case 0: return x > 0 ? x : 0;
    case 1: return (float)tanh(x);
    case 2: return (float)(1.0 / (1.0 + exp(-x)));
    default: return x >= 0 ? x : 0.2f * x;
    }
}

static hue_tensor graph_op(hue_graph *g, int i, hue_tensor x)
{
    switch (i % 4) {
    case 0: return hue_relu(g, x);
    case 1: return hue_tanh(g, x);
    case 2: return hue_sigmoid(g, x);
    default: return hue_leaky_relu(g, x, 0.2f);
    }
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    static float in[COUNT], want[COUNT], early[COUNT], got[COUNT];
    for (int i = 0; i < COUNT; i++)
        in[i] = (float)sin(i * 0.37) * 3.0f;

    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t shape[4] = {N, C, H, W};
    hue_tensor x = hue_graph_input(g, "x", 4, shape), t = x, kept = -1;
    for (int i = 0; i < 20; i++) {
        t = graph_op(g, i, t);
        if (i == 2)
            kept = t;  /* used again at the very end */
    }
    hue_tensor out = hue_add(g, t, kept);
    CHECK(hue_graph_output(g, out) == 0);
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());

    /* 22 tensors of COUNT floats: input, 20 intermediates, output */
    size_t one = COUNT * sizeof(float);
    printf("arena %zu bytes, unshared %zu bytes (%.1f tensors vs %.1f)\n", hue_graph_arena_bytes(g),
           hue_graph_unshared_bytes(g), (double)hue_graph_arena_bytes(g) / one,
           (double)hue_graph_unshared_bytes(g) / one);
    CHECK(hue_graph_unshared_bytes(g) >= 22 * one);
    CHECKF(hue_graph_arena_bytes(g) <= 4 * one + 4096, "arena holds %.1f tensors",
           (double)hue_graph_arena_bytes(g) / one);

    for (int i = 0; i < COUNT; i++) {
        float v = in[i];
        for (int k = 0; k < 20; k++) {
            v = host_op(k, v);
            if (k == 2)
                early[i] = v;
        }
        want[i] = v + early[i];
    }
    for (int run = 0; run < 2; run++) {
        CHECK(hue_graph_set_input(g, x, in, COUNT) == 0);
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, out, got, COUNT) == 0);
        double err = 0;
        for (int i = 0; i < COUNT; i++)
            err = fmax(err, fabs(got[i] - want[i]));
        CHECKF(err < 1e-5, "run %d: max error %g", run, err);
    }
    hue_graph_destroy(g);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
