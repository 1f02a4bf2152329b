/* Batch norm's running statistics, as PyTorch moves them: after each
 * training step running = (1 - momentum) running + momentum batch, with
 * the unbiased variance for running_var; two layers sharing the same
 * statistics (one encoder on two views) move them one after the other;
 * eval normalises with them; training without running statistics works;
 * bad operands are errors naming the tensor. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

#define N 4
#define C 3
#define HW 30
#define COUNT (N * C * HW)
#define MOMENTUM 0.1f
#define EPS 1e-5f

static double rel_err(double got, double want) { return fabs(got - want) / fmax(1.0, fabs(want)); }

static void fill(float *x, int step)
{
    for (int i = 0; i < COUNT; i++)
        x[i] = (float)(sin(i * 0.71 + step) * (1 + (i / HW) % C) + 0.5 * step + (i / HW) % C);
}

/* Batch mean and biased variance of channel c. */
static void batch_stats(const float *x, int c, double *mean, double *var)
{
    double m = 0, v = 0;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < HW; i++)
            m += x[(n * C + c) * HW + i];
    m /= N * HW;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < HW; i++)
            v += (x[(n * C + c) * HW + i] - m) * (x[(n * C + c) * HW + i] - m);
    *mean = m;
    *var = v / (N * HW);
}

static void move(double *rm, double *rv, const float *x)
{
    for (int c = 0; c < C; c++) {
        double m, v;
        batch_stats(x, c, &m, &v);
        rm[c] = (1 - MOMENTUM) * rm[c] + MOMENTUM * m;
        rv[c] = (1 - MOMENTUM) * rv[c] + MOMENTUM * v * (N * HW) / (N * HW - 1.0);
    }
}

static void test_running(hue_ctx *ctx)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t shape[3] = {N, C, HW}, ch[1] = {C};
    hue_tensor x = hue_graph_input(g, "x", 3, shape), x2 = hue_graph_input(g, "x2", 3, shape);
    hue_tensor gamma = hue_graph_param(g, "gamma", 1, ch), beta = hue_graph_param(g, "beta", 1, ch);
    hue_tensor rm = hue_graph_state(g, "bn.running_mean", 1, ch), rv = hue_graph_state(g, "bn.running_var", 1, ch);
    hue_tensor y = hue_batch_norm(g, x, gamma, beta, rm, rv, 1, MOMENTUM, EPS);
    /* the same layer on a second batch: its statistics move again */
    hue_tensor y2 = hue_batch_norm(g, x2, gamma, beta, rm, rv, 1, MOMENTUM, EPS);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, hue_add(g, y, y2), x), 7);
    CHECKF(hue_graph_backward(g, loss) == 0, "%s", hue_error_message());
    hue_graph_output(g, y);
    hue_graph_output(g, hue_tensor_grad(g, gamma));
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());

    float gv[C] = {1.5f, -0.5f, 2.0f}, bv[C] = {0.25f, 0.0f, -1.0f}, ones[C] = {1, 1, 1};
    double rmh[C] = {0}, rvh[C] = {1, 1, 1};  /* PyTorch's initial values */
    CHECK(hue_graph_write(g, gamma, gv, C) == 0);
    CHECK(hue_graph_write(g, beta, bv, C) == 0);
    CHECK(hue_graph_write(g, rv, ones, C) == 0);
    static float in[COUNT], in2[COUNT], out[COUNT];
    double max_err = 0;
    for (int step = 0; step < 3; step++) {
        fill(in, step);
        fill(in2, step + 10);
        CHECK(hue_graph_set_input(g, x, in, COUNT) == 0);
        CHECK(hue_graph_set_input(g, x2, in2, COUNT) == 0);
        CHECK(hue_graph_run(g) == 0);
        move(rmh, rvh, in);
        move(rmh, rvh, in2);
        float rmd[C], rvd[C];
        CHECK(hue_graph_read(g, rm, rmd, C) == 0);
        CHECK(hue_graph_read(g, rv, rvd, C) == 0);
        for (int c = 0; c < C; c++) {
            max_err = fmax(max_err, rel_err(rmd[c], rmh[c]));
            max_err = fmax(max_err, rel_err(rvd[c], rvh[c]));
        }
        CHECK(hue_graph_read(g, y, out, COUNT) == 0);
        for (int c = 0; c < C; c++) {
            double m, v;
            batch_stats(in, c, &m, &v);
            for (int n = 0; n < N; n++)
                for (int i = 0; i < HW; i++) {
                    int e = (n * C + c) * HW + i;
                    max_err = fmax(max_err, rel_err(out[e], (in[e] - m) / sqrt(v + EPS) * gv[c] + bv[c]));
                }
        }
    }
    printf("running statistics and outputs over 3 steps of 2 layers: max error %.2e\n", max_err);
    CHECKF(max_err < 1e-5, "running statistics differ from PyTorch's rule: %.3g", max_err);

    /* eval with what training left: y = (x - running_mean) / sqrt(running_var + eps) gamma + beta */
    float rmd[C], rvd[C];
    hue_graph_read(g, rm, rmd, C);
    hue_graph_read(g, rv, rvd, C);
    hue_graph *e;
    CHECK(hue_graph_create(ctx, &e) == 0);
    hue_tensor ex = hue_graph_input(e, "x", 3, shape);
    hue_tensor erm = hue_graph_constant(e, "running_mean", 1, ch, rmd);
    hue_tensor erv = hue_graph_constant(e, "running_var", 1, ch, rvd);
    hue_tensor eg = hue_graph_constant(e, "gamma", 1, ch, gv), eb = hue_graph_constant(e, "beta", 1, ch, bv);
    hue_tensor ey = hue_batch_norm(e, ex, eg, eb, erm, erv, 0, MOMENTUM, EPS);
    hue_graph_output(e, ey);
    CHECKF(hue_graph_compile(e) == 0, "%s", hue_error_message());
    fill(in, 7);
    CHECK(hue_graph_set_input(e, ex, in, COUNT) == 0);
    CHECK(hue_graph_run(e) == 0);
    CHECK(hue_graph_read(e, ey, out, COUNT) == 0);
    max_err = 0;
    for (int i = 0; i < COUNT; i++) {
        int c = (i / HW) % C;
        max_err = fmax(max_err, rel_err(out[i], (in[i] - rmd[c]) / sqrt(rvd[c] + EPS) * gv[c] + bv[c]));
    }
    printf("eval with the running statistics: max error %.2e\n", max_err);
    CHECK(max_err < 1e-5);
    hue_graph_destroy(e);
    hue_graph_destroy(g);
}

/* Without running statistics (and without gamma, beta), training still
 * normalises by the batch. */
static void test_no_running(hue_ctx *ctx)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t shape[3] = {N, C, HW};
    hue_tensor x = hue_graph_input(g, "x", 3, shape);
    hue_tensor y = hue_batch_norm(g, x, -1, -1, -1, -1, 1, MOMENTUM, EPS);
    hue_graph_output(g, y);
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    static float in[COUNT], out[COUNT];
    fill(in, 3);
    hue_graph_set_input(g, x, in, COUNT);
    CHECK(hue_graph_run(g) == 0);
    hue_graph_read(g, y, out, COUNT);
    double max_err = 0;
    for (int c = 0; c < C; c++) {
        double m, v;
        batch_stats(in, c, &m, &v);
        for (int n = 0; n < N; n++)
            for (int i = 0; i < HW; i++) {
                int e = (n * C + c) * HW + i;
                max_err = fmax(max_err, rel_err(out[e], (in[e] - m) / sqrt(v + EPS)));
            }
    }
    CHECKF(max_err < 1e-5, "no affine, no running statistics: error %.3g", max_err);
    hue_graph_destroy(g);
}

/* Each bad call fails the graph with a message naming the problem. */
static void expect_error(hue_ctx *ctx, int which, const char *needle)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t shape[4] = {N, C, 5, 6}, one[4] = {1, C, 1, 1}, ch[1] = {C}, wrong[1] = {C + 1};
    hue_tensor x = hue_graph_input(g, "x", 4, shape), x1 = hue_graph_input(g, "x1", 4, one);
    hue_tensor gamma = hue_graph_param(g, "gamma", 1, ch), beta = hue_graph_param(g, "beta", 1, ch);
    hue_tensor rm = hue_graph_state(g, "rm", 1, ch), rv = hue_graph_state(g, "rv", 1, ch);
    hue_tensor in_rm = hue_graph_input(g, "input_rm", 1, ch), big = hue_graph_param(g, "gamma5", 1, wrong);
    hue_tensor r = 0;
    switch (which) {
    case 0: r = hue_batch_norm(g, x, gamma, beta, in_rm, rv, 1, MOMENTUM, EPS); break;
    case 1: r = hue_batch_norm(g, x1, gamma, beta, rm, rv, 1, MOMENTUM, EPS); break;
    case 2: r = hue_batch_norm(g, x, gamma, -1, rm, rv, 1, MOMENTUM, EPS); break;
    case 3: r = hue_batch_norm(g, x, gamma, beta, -1, -1, 0, MOMENTUM, EPS); break;
    case 4: r = hue_batch_norm(g, x, big, beta, rm, rv, 1, MOMENTUM, EPS); break;
    case 5: r = hue_batch_norm(g, x, gamma, beta, rm, rv, 1, 1.5f, EPS); break;
    case 6: r = hue_batch_norm(g, x, gamma, beta, rm, rv, 1, MOMENTUM, 0); break;
    default: r = hue_batch_norm(g, x, gamma, beta, rm, -1, 1, MOMENTUM, EPS); break;
    }
    CHECKF(r < 0 && hue_graph_status(g) == r, "bad batch_norm call %d was accepted", which);
    CHECKF(strstr(hue_graph_error_message(g), needle) != NULL, "case %d: message \"%s\" lacks \"%s\"", which,
           hue_graph_error_message(g), needle);
    hue_graph_destroy(g);
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    test_running(ctx);
    test_no_running(ctx);
    static const char *const needles[] = {"input_rm must be a state tensor", "more than one value per channel",
                                          "both gamma and beta", "eval mode needs running_mean",
                                          "gamma5 has 4 values", "momentum 1.5", "eps 0",
                                          "both running_mean and running_var"};
    for (int i = 0; i < 8; i++)
        expect_error(ctx, i, needles[i]);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
