/* hue_stop_gradient on both backends: forward it is its input, backward
 * nothing flows through it. With loss = sum(stop(w x) * v) + sum(w x):
 * dL/dv = w x, and dL/dw = x only (the stopped path adds nothing); without
 * the stop, dL/dw would be x (1 + v). */
#include <math.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

enum { N = 6 };

static void run(int backend, const char *name)
{
    hue_ctx *ctx;
    if (hue_ctx_create_backend(&ctx, -1, backend)) {
        fprintf(stderr, "%s: no backend: %s\n", name, hue_error_message());
        CHECK(0);
        return;
    }
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t s[1] = {N};
    hue_tensor x = hue_graph_input(g, "x", 1, s), w = hue_graph_param(g, "w", 1, s), v = hue_graph_param(g, "v", 1, s);
    hue_tensor wx = hue_mul(g, w, x);
    hue_tensor stopped = hue_stop_gradient(g, wx);
    hue_tensor loss = hue_add(g, hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, stopped, v), 1u), hue_reduce(g, HUE_REDUCE_SUM, wx, 1u));
    CHECKF(hue_graph_backward(g, loss) == 0, "%s: backward: %s", name, hue_graph_error_message(g));
    hue_tensor gw = hue_tensor_grad(g, w), gv = hue_tensor_grad(g, v);
    CHECK(gw >= 0 && gv >= 0);
    hue_graph_output(g, loss);
    hue_graph_output(g, stopped);
    hue_graph_output(g, gw);
    hue_graph_output(g, gv);
    CHECKF(hue_graph_compile(g) == 0, "%s: compile: %s", name, hue_graph_error_message(g));
    float xv[N], wv[N], vv[N], out[N], dw[N], dv[N];
    for (int i = 0; i < N; i++)
        xv[i] = 0.5f + (float)i, wv[i] = 1.0f - 0.25f * (float)i, vv[i] = 2.0f + (float)i;
    CHECK(hue_graph_write(g, w, wv, N) == 0 && hue_graph_write(g, v, vv, N) == 0);
    CHECK(hue_graph_set_input(g, x, xv, N) == 0);
    CHECKF(hue_graph_run(g) == 0, "%s: run: %s", name, hue_error_message());
    CHECK(hue_graph_read(g, stopped, out, N) == 0 && hue_graph_read(g, gw, dw, N) == 0 &&
          hue_graph_read(g, gv, dv, N) == 0);
    for (int i = 0; i < N; i++) {
        CHECKF(fabsf(out[i] - wv[i] * xv[i]) < 1e-6f, "%s: forward %d: %g", name, i, out[i]);
        CHECKF(fabsf(dv[i] - wv[i] * xv[i]) < 1e-5f, "%s: dL/dv %d: %g, want %g", name, i, dv[i], wv[i] * xv[i]);
        CHECKF(fabsf(dw[i] - xv[i]) < 1e-5f, "%s: dL/dw %d: %g, want %g (the stopped path leaked)", name, i, dw[i],
               xv[i]);
    }
    hue_graph_destroy(g);
    hue_ctx_destroy(ctx);
}

int main(void)
{
    run(HUE_BACKEND_CPU, "cpu");
    run(HUE_BACKEND_VULKAN, "vulkan");
    return test_finish();
}
