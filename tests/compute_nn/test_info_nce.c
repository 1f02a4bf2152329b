/* hue_info_nce on both backends, beside the op sweep's reference check:
 * - SimCLR's NT-Xent as one op equals the same loss built from existing
 *   ops (normalise, z z^T / tau, the diagonal pushed to -1e9, cross-entropy
 *   with the other view's index), in value and in the gradient of z;
 * - a positive that is not a key (out of range, or the query itself under
 *   EXCLUDE_SELF) gives NaN, not a plausible number;
 * - every bad operand is refused by the builder with a message. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "test_util.h"

enum { N = 12, D = 20 };
static const float TAU = 0.5f;

static void fill(float *z, float *pos, float *mask)
{
    for (int i = 0; i < N * D; i++)
        z[i] = sinf(0.7f * (float)i) + 0.3f * cosf(1.3f * (float)(i % 7));
    for (int i = 0; i < N; i++)
        pos[i] = (float)((i + N / 2) % N);
    for (int i = 0; i < N * N; i++)
        mask[i] = i / N == i % N ? -1e9f : 0.0f;
}

/* The loss and dL/dz of NT-Xent, fused (op = 1) or from existing ops. */
static void nt_xent(hue_ctx *ctx, int op, const char *name, float *loss, float *grad)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t sz[2] = {N, D}, sp[1] = {N}, sm[2] = {N, N};
    hue_tensor z = hue_graph_param(g, "z", 2, sz), pos = hue_graph_input(g, "pos", 1, sp);
    hue_tensor mask = hue_graph_input(g, "mask", 2, sm), L;
    if (op) {
        L = hue_info_nce(g, z, z, pos, TAU, HUE_INFO_NCE_EXCLUDE_SELF);
    } else {
        hue_tensor u = hue_l2_normalize(g, z, 1, 1e-12f);
        hue_tensor logits = hue_add(g, hue_scale(g, hue_matmul(g, u, u, 0, 1), 1.0f / TAU, -1), mask);
        L = hue_cross_entropy(g, logits, pos, -1, -100);
    }
    CHECKF(hue_graph_backward(g, L) == 0, "%s: backward: %s", name, hue_graph_error_message(g));
    hue_tensor dz = hue_tensor_grad(g, z);
    hue_graph_output(g, L);
    hue_graph_output(g, dz);
    CHECKF(hue_graph_compile(g) == 0, "%s: compile: %s", name, hue_graph_error_message(g));
    float zv[N * D], pv[N], mv[N * N];
    fill(zv, pv, mv);
    CHECK(hue_graph_write(g, z, zv, N * D) == 0);
    CHECK(hue_graph_set_input(g, pos, pv, N) == 0 && hue_graph_set_input(g, mask, mv, N * N) == 0);
    CHECKF(hue_graph_run(g) == 0, "%s: run: %s", name, hue_error_message());
    CHECK(hue_graph_read(g, L, loss, 1) == 0 && hue_graph_read(g, dz, grad, N * D) == 0);
    hue_graph_destroy(g);
}

/* The loss for one bad positive: index K, or the query itself under EXCLUDE_SELF. */
static float bad_positive(hue_ctx *ctx, int self)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t sz[2] = {N, D}, sp[1] = {N};
    hue_tensor q = hue_graph_input(g, "q", 2, sz), pos = hue_graph_input(g, "pos", 1, sp);
    hue_tensor L = hue_info_nce(g, q, q, pos, TAU, self ? HUE_INFO_NCE_EXCLUDE_SELF : 0);
    hue_graph_output(g, L);
    CHECK(hue_graph_compile(g) == 0);
    float zv[N * D], pv[N], mv[N * N], loss = 0;
    fill(zv, pv, mv);
    pv[3] = self ? 3.0f : (float)N;
    CHECK(hue_graph_set_input(g, q, zv, N * D) == 0 && hue_graph_set_input(g, pos, pv, N) == 0);
    CHECK(hue_graph_run(g) == 0 && hue_graph_read(g, L, &loss, 1) == 0);
    hue_graph_destroy(g);
    return loss;
}

static void run(int backend, const char *name)
{
    hue_ctx *ctx;
    if (hue_ctx_create_backend(&ctx, -1, backend)) {
        fprintf(stderr, "%s: no backend: %s\n", name, hue_error_message());
        CHECK(0);
        return;
    }
    float l_op, l_ref, g_op[N * D], g_ref[N * D];
    nt_xent(ctx, 1, name, &l_op, g_op);
    nt_xent(ctx, 0, name, &l_ref, g_ref);
    CHECKF(fabsf(l_op - l_ref) < 1e-5f * fmaxf(1.0f, fabsf(l_ref)), "%s: NT-Xent %g, from ops %g", name, l_op, l_ref);
    CHECKF(isfinite(l_op) && l_op > 0.1f, "%s: NT-Xent %g", name, l_op);
    float gmax = 0, err = 0;
    for (int i = 0; i < N * D; i++) {
        gmax = fmaxf(gmax, fabsf(g_ref[i]));
        err = fmaxf(err, fabsf(g_op[i] - g_ref[i]));
    }
    CHECKF(gmax > 0 && err <= 1e-5f * gmax, "%s: gradient differs from the ops' by %g (largest %g)", name, err, gmax);
    printf("%s: NT-Xent %.6f (from ops %.6f), gradient difference %.2g of %.2g\n", name, l_op, l_ref, err, gmax);
    CHECKF(isnan(bad_positive(ctx, 0)), "%s: a positive out of range gave a number", name);
    CHECKF(isnan(bad_positive(ctx, 1)), "%s: the query as its own positive gave a number", name);
    hue_ctx_destroy(ctx);
}

/* Each bad call fails, naming info_nce. */
static void bad_operands(void)
{
    hue_ctx *ctx;
    CHECK(hue_ctx_create_backend(&ctx, -1, HUE_BACKEND_CPU) == 0);
    for (int c = 0; c < 7; c++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t sq[2] = {4, 8}, sk[2] = {6, 8}, sk2[2] = {6, 5}, s3[3] = {2, 2, 8}, sp[1] = {4}, sp2[1] = {6},
                sbig[2] = {2, 9000};
        hue_tensor q = hue_graph_input(g, "q", 2, sq), k = hue_graph_input(g, "k", 2, sk);
        hue_tensor pos = hue_graph_input(g, "pos", 1, sp), r = -1;
        switch (c) {
        case 0: r = hue_info_nce(g, hue_graph_input(g, "q3", 3, s3), k, pos, TAU, 0); break;
        case 1: r = hue_info_nce(g, q, hue_graph_input(g, "k5", 2, sk2), pos, TAU, 0); break;
        case 2: r = hue_info_nce(g, q, k, hue_graph_input(g, "pos6", 1, sp2), TAU, 0); break;
        case 3: r = hue_info_nce(g, q, k, pos, TAU, HUE_INFO_NCE_EXCLUDE_SELF); break;
        case 4: r = hue_info_nce(g, q, k, pos, 0.0f, 0); break;
        case 5: r = hue_info_nce(g, q, k, pos, TAU, 8); break;
        case 6: r = hue_info_nce(g, hue_graph_input(g, "wide", 2, sbig), hue_graph_input(g, "wk", 2, sbig),
                                 hue_graph_input(g, "p2", 1, (int64_t[]){2}), TAU, 0);
                break;
        }
        CHECKF(r < 0 && strstr(hue_graph_error_message(g), "info_nce"), "bad call %d accepted (%s)", c,
               hue_graph_error_message(g));
        hue_graph_destroy(g);
    }
    hue_ctx_destroy(ctx);
}

int main(void)
{
    run(HUE_BACKEND_CPU, "cpu");
    run(HUE_BACKEND_VULKAN, "vulkan");
    bad_operands();
    return test_finish();
}
