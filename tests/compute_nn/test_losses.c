/* Losses on small inputs worked out by hand with PyTorch's definitions
 * (class weights divide by the summed weights of counted targets; ignored
 * targets count for nothing; BCE stays finite at |x| = 100), the edge
 * cases hue defines (a target that is no class gives NaN, all targets
 * ignored give 0), concat of more tensors than one node takes (forward and
 * backward), and bad shapes as errors naming the tensors. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

enum { CE, CE_WEIGHTED, CE_4D, BCE, MSE, SOFT };

/* Runs one loss on the given values; returns it, and d(loss)/d(first operand) in grad. */
static double run_loss(hue_ctx *ctx, int kind, int ndim, const int64_t *shape_a, const float *a, int ndim_b,
                       const int64_t *shape_b, const float *b, const float *w, int ignore_index, float *grad)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_tensor x = hue_graph_param(g, "logits", ndim, shape_a), t = hue_graph_input(g, "target", ndim_b, shape_b);
    hue_tensor weight = -1;
    if (w) {
        int64_t c[1] = {shape_a[1]};
        weight = hue_graph_constant(g, "weight", 1, c, w);
    }
    hue_tensor loss;
    switch (kind) {
    case BCE: loss = hue_bce_with_logits(g, x, t); break;
    case MSE: loss = hue_mse(g, x, t); break;
    case SOFT: loss = hue_cross_entropy_soft(g, x, t); break;
    default: loss = hue_cross_entropy(g, x, t, weight, ignore_index);
    }
    CHECKF(hue_graph_backward(g, loss) == 0, "%s", hue_error_message());
    hue_graph_output(g, loss);
    hue_graph_output(g, hue_tensor_grad(g, x));
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    size_t na = (size_t)hue_tensor_numel(g, x), nb = (size_t)hue_tensor_numel(g, t);
    CHECK(hue_graph_write(g, x, a, na) == 0);
    CHECK(hue_graph_set_input(g, t, b, nb) == 0);
    CHECK(hue_graph_run(g) == 0);
    float v = 0;
    CHECK(hue_graph_read(g, loss, &v, 1) == 0);
    if (grad)
        CHECK(hue_graph_read(g, hue_tensor_grad(g, x), grad, na) == 0);
    hue_graph_destroy(g);
    return v;
}

static void check_near(const char *what, double got, double want)
{
    printf("%-44s %.7f (expect %.7f)\n", what, got, want);
    CHECKF(fabs(got - want) <= 1e-5 * fmax(1, fabs(want)), "%s: %.8g, expected %.8g", what, got, want);
}

static void test_values(hue_ctx *ctx)
{
    /* three rows of three classes; targets 2, 0 and ignored (-100) */
    int64_t s2[2] = {3, 3}, s1[1] = {3};
    float logits[9] = {1, 2, 3, 1, 1, 1, 0.5f, -1, 2}, target[3] = {2, 0, -100}, weight[3] = {1, 2, 3}, grad[9];
    double lse0 = log(exp(1.0) + exp(2.0) + exp(3.0)), lse1 = 1 + log(3.0);
    check_near("cross_entropy, one row ignored", run_loss(ctx, CE, 2, s2, logits, 1, s1, target, NULL, -100, grad),
               ((lse0 - 3) + (lse1 - 1)) / 2);
    check_near("cross_entropy, class weights",
               run_loss(ctx, CE, 2, s2, logits, 1, s1, target, weight, -100, grad),
               (3 * (lse0 - 3) + 1 * (lse1 - 1)) / (3 + 1));
    /* its gradient: w[t] / sum(w) (softmax - onehot), 0 on the ignored row */
    double want0 = 3.0 / 4 * (exp(3 - lse0) - 1), want1 = 1.0 / 4 * (exp(1 - lse1) - 1);
    check_near("  d/d logit[0][2]", grad[2], want0);
    check_near("  d/d logit[1][0]", grad[3], want1);
    CHECK(grad[6] == 0 && grad[7] == 0 && grad[8] == 0);
    /* ignore_index inside the classes: class 0 does not count */
    float target0[3] = {2, 0, 0};
    check_near("cross_entropy, ignore_index = 0", run_loss(ctx, CE, 2, s2, logits, 1, s1, target0, weight, 0, NULL),
               (3 * (lse0 - 3)) / 3);

    /* [N=1, C=2, H=1, W=2]: targets per pixel */
    int64_t s4[4] = {1, 2, 1, 2}, st[3] = {1, 1, 2};
    float l4[4] = {0, 1, 1, 0}, t4[2] = {1, 0};
    check_near("cross_entropy, 4-D", run_loss(ctx, CE, 4, s4, l4, 3, st, t4, NULL, -100, NULL), log(1 + exp(1.0)) - 1);

    /* a target that is no class poisons the loss; all ignored gives 0 */
    float bad[3] = {2, 3, 0}, none[3] = {-1, -1, -1};
    double v = run_loss(ctx, CE, 2, s2, logits, 1, s1, bad, NULL, -100, NULL);
    printf("%-44s %g\n", "cross_entropy, class 3 of 3", v);
    CHECKF(isnan(v), "a target outside the classes gave %g, not NaN", v);
    v = run_loss(ctx, CE, 2, s2, logits, 1, s1, none, NULL, -1, grad);
    CHECKF(v == 0, "all targets ignored gave %g, not 0", v);
    for (int i = 0; i < 9; i++)
        CHECK(grad[i] == 0);

    /* BCE with logits: stable at +-100 */
    int64_t s4b[1] = {4};
    float x[4] = {0, 100, -100, 2}, t[4] = {1, 0, 1, 0.5f};
    check_near("bce_with_logits", run_loss(ctx, BCE, 1, s4b, x, 1, s4b, t, NULL, 0, NULL),
               (log(2.0) + 100 + 100 + (1 + log1p(exp(-2.0)))) / 4);
    float a[3] = {1, 2, 3}, b[3] = {1, 0, -1};
    check_near("mse", run_loss(ctx, MSE, 1, s1, a, 1, s1, b, NULL, 0, grad), (0 + 4 + 16) / 3.0);
    check_near("  d/d a[2]", grad[2], 2 * 4 / 3.0);
    int64_t ss[2] = {1, 2};
    float z[2] = {0, 0}, p[2] = {0.25f, 0.75f};
    check_near("cross_entropy_soft", run_loss(ctx, SOFT, 2, ss, z, 2, ss, p, NULL, 0, grad), log(2.0));
    check_near("  d/d logit[0]", grad[0], 0.5 - 0.25);
}

/* Eight tensors along axis 1: more than one node holds, so joined in groups. */
static void test_concat_many(hue_ctx *ctx)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_tensor xs[8];
    int64_t total = 0;
    for (int k = 0; k < 8; k++) {
        int64_t shape[3] = {2, k + 1, 3};
        char name[8];
        snprintf(name, sizeof name, "x%d", k);
        xs[k] = hue_graph_param(g, name, 3, shape);
        total += k + 1;
    }
    hue_tensor y = hue_concat(g, 8, xs, 1);
    int64_t rshape[3] = {2, total, 3};
    hue_tensor R = hue_graph_input(g, "R", 3, rshape);
    CHECK(hue_tensor_dim(g, y, 1) == total);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, y, R), 7);
    CHECKF(hue_graph_backward(g, loss) == 0, "%s", hue_error_message());
    hue_graph_output(g, y);
    for (int k = 0; k < 8; k++)
        hue_graph_output(g, hue_tensor_grad(g, xs[k]));
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    float r[2 * 36 * 3], out[2 * 36 * 3], v[2 * 8 * 3];
    for (int i = 0; i < 2 * 36 * 3; i++)
        r[i] = (float)i;
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < 2 * (k + 1) * 3; i++)
            v[i] = (float)(1000 * k + i);
        hue_graph_write(g, xs[k], v, (size_t)(2 * (k + 1) * 3));
    }
    hue_graph_set_input(g, R, r, 2 * 36 * 3);
    CHECK(hue_graph_run(g) == 0);
    hue_graph_read(g, y, out, 2 * 36 * 3);
    int wrong = 0, start = 0;
    for (int k = 0; k < 8; k++) {
        float d[2 * 8 * 3];
        hue_graph_read(g, hue_tensor_grad(g, xs[k]), d, (size_t)(2 * (k + 1) * 3));
        for (int n = 0; n < 2; n++)
            for (int j = 0; j < k + 1; j++)
                for (int i = 0; i < 3; i++) {
                    int src = (n * (k + 1) + j) * 3 + i, dst = (n * 36 + start + j) * 3 + i;
                    wrong += out[dst] != (float)(1000 * k + src);
                    wrong += d[src] != r[dst];
                }
        start += k + 1;
    }
    CHECKF(wrong == 0, "concat of 8: %d values or gradients wrong", wrong);
    hue_graph_destroy(g);
}

static void expect_error(hue_ctx *ctx, int which, const char *needle)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t s[2] = {4, 5}, s3[3] = {4, 6, 7}, t[1] = {4}, t2[1] = {5}, w[2] = {3, 6};
    hue_tensor x = hue_graph_input(g, "x", 2, s), y = hue_graph_input(g, "y", 3, s3);
    hue_tensor tgt = hue_graph_input(g, "tgt", 1, t), tgt5 = hue_graph_input(g, "tgt5", 1, t2);
    hue_tensor wt = hue_graph_param(g, "w", 2, w);
    hue_tensor xs[2] = {x, y}, r = 0;
    switch (which) {
    case 0: r = hue_slice(g, x, 1, 3, 3); break;
    case 1: r = hue_concat(g, 2, xs, 1); break;
    case 2: r = hue_linear(g, x, wt, -1); break;
    case 3: r = hue_cross_entropy(g, x, tgt5, -1, -100); break;
    case 4: r = hue_cross_entropy(g, x, tgt, tgt, -100); break;
    case 5: r = hue_mse(g, x, tgt); break;
    case 6: r = hue_l2_normalize(g, x, 2, 1e-12f); break;
    default: r = hue_cross_entropy_soft(g, tgt, tgt); break;
    }
    CHECKF(r < 0 && hue_graph_status(g) == r, "bad call %d was accepted", which);
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
    test_values(ctx);
    test_concat_many(ctx);
    static const char *const needles[] = {
        "is not inside axis 1 of x", "y has 3 dimensions, x has 2", "weight w takes 6",
        "target tgt5 must have the shape of logits x", "weight tgt has 4 values for 5 classes",
        "x and tgt differ in shape", "axis 2 out of range for x", "logits tgt need a class axis"};
    for (int i = 0; i < 8; i++)
        expect_error(ctx, i, needles[i]);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
