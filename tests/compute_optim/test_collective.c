/* Collectives inside a graph (hue_collective.h) on the context's backend,
 * with a stand-in group: its "sum" adds what RANKS - 1 other ranks would
 * hold (the same values `other` on each), so every result has a reference
 * without starting processes (tests/dist runs real ones under mpirun):
 * - hue_all_reduce_sum forward, and a node after it reading its result
 *   (the host step sits between two recorded segments on Vulkan);
 * - its backward: the gradient of x is the group's sum of the gradient;
 * - hue_all_gather: this rank's rows at its place, and its rows' gradient
 *   summed over the group;
 * - an optimizer in a group averages its gradients before the update;
 * - a group of one: the sum is a copy, and optimizers add no host step. */
#include <math.h>
#include <string.h>

#include "hue_collective.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_optim.h"
#include "test_util.h"

enum { N = 1531, RANKS = 3 };

static float value(int i) { return sinf(0.37f * (float)i + 0.5f); }
static float other(int i) { return cosf(0.11f * (float)i) - 0.25f; }
static float weight(int i) { return 0.5f + 0.001f * (float)(i % 97); }

static int calls;

static int stand_in_sum(void *user, float *v, size_t n)
{
    (void)user;
    calls++;
    for (size_t i = 0; i < n; i++)
        v[i] += (float)(RANKS - 1) * other((int)i);
    return 0;
}

static hue_collective group(int ranks) { return (hue_collective){ranks, stand_in_sum, NULL, ranks > 1 ? 1 : 0}; }

/* forward, a node after the host step, and the gradient through it */
static void sum_and_gradient(hue_ctx *ctx, int ranks)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_collective c = group(ranks);
    hue_graph_set_collective(g, &c);
    int64_t n = N;
    static float w[N], x[N], y[N], after[N], dx[N];
    for (int i = 0; i < N; i++)
        w[i] = weight(i), x[i] = value(i);
    hue_tensor xt = hue_graph_param(g, "x", 1, &n);
    hue_tensor yt = hue_all_reduce_sum(g, hue_scale(g, xt, 1.0f, -1));
    hue_tensor twice = hue_scale(g, yt, 2.0f, -1);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, yt, hue_graph_constant(g, "w", 1, &n, w)), 1);
    CHECKF(hue_graph_backward(g, loss) == 0, "backward: %s", hue_graph_error_message(g));
    hue_tensor gx = hue_tensor_grad(g, xt);
    hue_graph_output(g, yt), hue_graph_output(g, twice), hue_graph_output(g, gx), hue_graph_output(g, loss);
    CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
    CHECK(hue_graph_write(g, xt, x, N) == 0);
    calls = 0;
    CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
    CHECK(hue_graph_read(g, yt, y, N) == 0 && hue_graph_read(g, twice, after, N) == 0 &&
          hue_graph_read(g, gx, dx, N) == 0);
    int extra = ranks > 1 ? ranks - 1 : 0;
    double worst_y = 0, worst_after = 0, worst_dx = 0;
    for (int i = 0; i < N; i++) {
        double want_y = (double)value(i) + extra * (double)other(i);
        double want_dx = (double)weight(i) + extra * (double)other(i);
        worst_y = fmax(worst_y, fabs(y[i] - want_y));
        worst_after = fmax(worst_after, fabs(after[i] - 2 * want_y));
        worst_dx = fmax(worst_dx, fabs(dx[i] - want_dx));
    }
    CHECKF(worst_y < 1e-5, "%d ranks: the sum differs from its reference by %g", ranks, worst_y);
    CHECKF(worst_after < 1e-5, "%d ranks: the node after the host step read %g off", ranks, worst_after);
    CHECKF(worst_dx < 1e-5, "%d ranks: the gradient through the sum is %g off", ranks, worst_dx);
    CHECKF(calls == (ranks > 1 ? 2 : 0), "%d ranks: %d group sums in a run (want %d)", ranks, calls,
           ranks > 1 ? 2 : 0);
    hue_graph_destroy(g);
}

/* gather rows of x [ROWS, COLS] as rank 1 of RANKS (or alone); the stand-in
 * sum fills every other place with its `other` values (and adds them to
 * this rank's too, as a sum where the others hold them would) */
static void gather_and_gradient(hue_ctx *ctx, int ranks)
{
    enum { ROWS = 7, COLS = 5, PART = ROWS * COLS, ALL = RANKS * PART };
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_collective c = group(ranks);
    hue_graph_set_collective(g, &c);
    int R = ranks > 1 ? ranks : 1, rank = c.rank;
    int64_t xs[2] = {ROWS, COLS}, ys[2] = {(int64_t)R * ROWS, COLS};
    static float w[ALL], x[PART], y[ALL], dx[PART];
    for (int i = 0; i < ALL; i++)
        w[i] = weight(i);
    for (int i = 0; i < PART; i++)
        x[i] = value(i);
    hue_tensor xt = hue_graph_param(g, "x", 2, xs);
    hue_tensor yt = hue_all_gather(g, xt);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, yt, hue_graph_constant(g, "w", 2, ys, w)), 3);
    CHECKF(hue_graph_backward(g, loss) == 0, "backward: %s", hue_graph_error_message(g));
    hue_tensor gx = hue_tensor_grad(g, xt);
    hue_graph_output(g, yt), hue_graph_output(g, gx);
    CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
    CHECK(hue_tensor_dim(g, yt, 0) == (int64_t)R * ROWS && hue_tensor_dim(g, yt, 1) == COLS);
    CHECK(hue_graph_write(g, xt, x, PART) == 0);
    CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
    CHECK(hue_graph_read(g, yt, y, (size_t)R * PART) == 0 && hue_graph_read(g, gx, dx, PART) == 0);
    int extra = R - 1, own = rank * PART;
    double worst_y = 0, worst_dx = 0;
    for (int i = 0; i < R * PART; i++) {
        int mine = i >= own && i < own + PART;
        worst_y = fmax(worst_y, fabs(y[i] - ((mine ? (double)value(i - own) : 0) + extra * (double)other(i))));
    }
    for (int i = 0; i < PART; i++)
        worst_dx = fmax(worst_dx, fabs(dx[i] - ((double)weight(own + i) + extra * (double)other(own + i))));
    CHECKF(worst_y < 1e-5, "%d ranks: the gathered rows differ from their reference by %g", ranks, worst_y);
    CHECKF(worst_dx < 1e-5, "%d ranks: the gradient through the gather is %g off", ranks, worst_dx);
    hue_graph_destroy(g);
}

/* SGD (lr 0.5, no momentum) in a group: the update uses the mean gradient */
static void averaged_update(hue_ctx *ctx, int ranks)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_collective c = group(ranks);
    hue_graph_set_collective(g, &c);
    int64_t n = N;
    static float w[N], p[N], after[N];
    for (int i = 0; i < N; i++)
        w[i] = weight(i), p[i] = value(i);
    hue_tensor pt = hue_graph_param(g, "p", 1, &n);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, pt, hue_graph_constant(g, "w", 1, &n, w)), 1);
    CHECK(hue_graph_backward(g, loss) == 0);
    hue_optim *opt;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    CHECKF(hue_optim_create(g, &oc, loss, &opt) == 0, "optimizer: %s", hue_graph_error_message(g));
    hue_graph_output(g, loss);
    CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
    CHECK(hue_graph_write(g, pt, p, N) == 0);
    CHECK(hue_optim_set_step(opt, 0, 0.5f) == 0);
    calls = 0;
    CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
    CHECK(hue_graph_read(g, pt, after, N) == 0);
    int R = ranks > 1 ? ranks : 1;
    double worst = 0;
    for (int i = 0; i < N; i++) {
        double mean_grad = ((double)weight(i) + (R - 1) * (double)other(i)) / R;
        worst = fmax(worst, fabs(after[i] - ((double)value(i) - 0.5 * mean_grad)));
    }
    CHECKF(worst < 1e-5, "%d ranks: the update differs from one with the mean gradient by %g", ranks, worst);
    CHECKF(calls == (R > 1 ? 1 : 0), "%d ranks: %d group sums per step (want %d: one buffer)", ranks, calls,
           R > 1 ? 1 : 0);
    hue_optim_destroy(opt);
    hue_graph_destroy(g);
}

/* hue_batch_norm_group in a group of one against the fused batch norm:
 * output, the gradients of x, gamma and beta, and the running statistics */
static void group_batch_norm(hue_ctx *ctx, int relu)
{
    enum { B = 40, C = 16, S = 16, X = B * C * S * S };
    static float x[X], w[X], out[2][X], dx[2][X];
    float gamma[C], beta[C], dg[2][C], db[2][C], rm[2][C], rv[2][C];
    for (int i = 0; i < X; i++)
        x[i] = 1.5f * value(i) + 0.3f * (float)(i % 5), w[i] = other(i);
    for (int c = 0; c < C; c++)
        gamma[c] = 0.8f + 0.1f * (float)c, beta[c] = 0.05f * (float)c - 0.1f;
    for (int grouped = 0; grouped < 2; grouped++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t xs[4] = {B, C, S, S}, cs[1] = {C};
        hue_tensor xt = hue_graph_param(g, "x", 4, xs);
        hue_tensor gt = hue_graph_param(g, "gamma", 1, cs), bt = hue_graph_param(g, "beta", 1, cs);
        hue_tensor mt = hue_graph_state(g, "mean", 1, cs), vt = hue_graph_state(g, "var", 1, cs);
        hue_tensor y = grouped ? hue_batch_norm_group(g, xt, gt, bt, mt, vt, 0.1f, 1e-5f, relu)
                     : relu   ? hue_batch_norm_relu(g, xt, gt, bt, mt, vt, 1, 0.1f, 1e-5f)
                              : hue_batch_norm(g, xt, gt, bt, mt, vt, 1, 0.1f, 1e-5f);
        hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, y, hue_graph_constant(g, "w", 4, xs, w)), 15);
        CHECKF(hue_graph_backward(g, loss) == 0, "backward: %s", hue_graph_error_message(g));
        hue_tensor gx = hue_tensor_grad(g, xt), gg = hue_tensor_grad(g, gt), gb = hue_tensor_grad(g, bt);
        hue_graph_output(g, y), hue_graph_output(g, gx), hue_graph_output(g, gg), hue_graph_output(g, gb);
        CHECKF(hue_graph_compile(g) == 0, "compile: %s", hue_graph_error_message(g));
        float ones[C];
        for (int c = 0; c < C; c++)
            ones[c] = 1;
        CHECK(hue_graph_write(g, xt, x, X) == 0 && hue_graph_write(g, gt, gamma, C) == 0 &&
              hue_graph_write(g, bt, beta, C) == 0 && hue_graph_write(g, vt, ones, C) == 0);
        CHECKF(hue_graph_run(g) == 0, "run: %s", hue_error_message());
        CHECK(hue_graph_read(g, y, out[grouped], X) == 0 && hue_graph_read(g, gx, dx[grouped], X) == 0 &&
              hue_graph_read(g, gg, dg[grouped], C) == 0 && hue_graph_read(g, gb, db[grouped], C) == 0 &&
              hue_graph_read(g, mt, rm[grouped], C) == 0 && hue_graph_read(g, vt, rv[grouped], C) == 0);
        hue_graph_destroy(g);
    }
    double wy = 0, wdx = 0, wp = 0, ws = 0, pscale = 0;
    for (int i = 0; i < X; i++)
        wy = fmax(wy, fabs(out[0][i] - out[1][i])), wdx = fmax(wdx, fabs(dx[0][i] - dx[1][i]));
    for (int c = 0; c < C; c++) {
        wp = fmax(wp, fmax(fabs(dg[0][c] - dg[1][c]), fabs(db[0][c] - db[1][c])));
        pscale = fmax(pscale, fmax(fabs(dg[0][c]), fabs(db[0][c])));
        ws = fmax(ws, fmax(fabs(rm[0][c] - rm[1][c]), fabs(rv[0][c] - rv[1][c])));
    }
    /* dgamma and dbeta sum B*S*S products: float sums in another order differ by ~1e-4 of them on Vulkan */
    CHECKF(wy < 1e-4 && wdx < 1e-4 && wp < 1e-3 * pscale && ws < 1e-5,
           "relu %d: group batch norm vs fused: output %g, dx %g, dgamma/dbeta %g (of %g), running statistics %g", relu,
           wy, wdx, wp, pscale, ws);
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    for (int ranks = 0; ranks <= RANKS; ranks += RANKS) {
        sum_and_gradient(ctx, ranks);
        gather_and_gradient(ctx, ranks);
        averaged_update(ctx, ranks);
    }
    group_batch_norm(ctx, 0);
    group_batch_norm(ctx, 1);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
