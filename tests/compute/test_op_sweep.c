/* The op sweep: every op in the table, on every one of its cases, runs on the
 * device and in its plain-C reference on the same random inputs, and the
 * results must agree within the op's stated bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_op_table.h"
#include "test_util.h"

static uint64_t rng;

/* Each case draws from its own stream, seeded by the op's name and the case
 * number, so adding an op or a case leaves every other case's inputs as
 * they were. run_case seeds it; grad_case, run right after for the same
 * case, goes on drawing from it. */
static void seed_case(const char *name, int ci)
{
    const char *base = getenv("HUE_SWEEP_SEED");  /* another draw, to look for inputs a bound misses */
    rng = (base ? strtoull(base, NULL, 0) : 0x9e3779b97f4a7c15ull) ^ (uint64_t)(ci + 1) * 0xbf58476d1ce4e5b9ull;
    for (const char *s = name; *s; s++)
        rng = (rng ^ (unsigned char)*s) * 0x100000001b3ull;
    if (!rng)
        rng = 1;
}

static float uniform(float lo, float hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) / (double)(1ull << 24));
}

static int run_case(hue_ctx *ctx, const hue_op_entry *op, int ci, const char *only)
{
    if (only && strcmp(only, op->name) != 0)
        return 0;
    hue_op_case c;
    memset(&c, 0, sizeof c);
    op->make_case(ci, &c);
    seed_case(op->name, ci);
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_tensor in[HUE_OP_MAX_IN];
    hue_host_tensor host[HUE_OP_MAX_IN];
    memset(host, 0, sizeof host);
    for (int k = 0; k < op->n_in; k++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", k);
        in[k] = op->input_u8 ? hue_graph_input_u8(g, name, c.ndim[k], c.shape[k])
                             : hue_graph_input(g, name, c.ndim[k], c.shape[k]);
        hue_host_alloc(&host[k], c.ndim[k], c.shape[k]);
        for (int64_t i = 0; i < hue_host_numel(&host[k]); i++)
            host[k].data[i] = uniform(op->input_lo, op->input_hi);
        if (op->input_u8)
            for (int64_t i = 0; i < hue_host_numel(&host[k]); i++)
                host[k].data[i] = floor(host[k].data[i]);
        if (op->fill_input)
            op->fill_input(k, host, &c.p);
    }
    hue_tensor out = op->build(g, in, &c.p);
    hue_graph_output(g, out);
    int rc = hue_graph_compile(g);
    CHECKF(rc == 0, "%s case %d: %s", op->name, ci, hue_error_message());
    hue_host_tensor ref = {0};
    if (rc == 0) {
        for (int k = 0; k < op->n_in; k++) {
            size_t count = (size_t)hue_host_numel(&host[k]);
            if (op->input_u8) {
                uint8_t *bytes = malloc(count);
                for (size_t i = 0; i < count; i++)
                    bytes[i] = (uint8_t)host[k].data[i];
                CHECK(hue_graph_set_input_u8(g, in[k], bytes, count) == 0);
                free(bytes);
            } else {
                float *v = malloc(sizeof *v * count);
                for (size_t i = 0; i < count; i++)
                    v[i] = (float)host[k].data[i];
                CHECK(hue_graph_set_input(g, in[k], v, count) == 0);
                free(v);
            }
        }
        CHECK(hue_graph_run(g) == 0);
        CHECK(op->reference(host, &c.p, &ref) == 0);
        int64_t n = hue_tensor_numel(g, out);
        CHECKF(n == hue_host_numel(&ref), "%s case %d: %lld values, reference has %lld", op->name, ci,
               (long long)n, (long long)hue_host_numel(&ref));
        if (n == hue_host_numel(&ref)) {
            float *got = malloc(sizeof *got * (size_t)n);
            CHECK(hue_graph_read(g, out, got, (size_t)n) == 0);
            double max_ref = 1, max_err = 0;
            int64_t worst = 0;
            for (int64_t i = 0; i < n; i++)
                if (fabs(ref.data[i]) > max_ref)
                    max_ref = fabs(ref.data[i]);
            for (int64_t i = 0; i < n; i++) {
                double e = fabs((double)got[i] - ref.data[i]);
                if (!(e <= max_err)) /* NaN counts as the worst */
                    max_err = isnan(e) ? INFINITY : e, worst = i;
            }
            double rel = max_err / max_ref;
            CHECKF(rel <= op->tolerance, "%s case %d: error %.3g > %.3g (index %lld: %g vs %g)", op->name, ci, rel,
                   op->tolerance, (long long)worst, got[worst], ref.data[worst]);
            printf("  %-16s case %d: %8lld values, error %.2e (bound %.0e)\n", op->name, ci, (long long)n, rel,
                   op->tolerance);
            free(got);
        }
    }
    free(ref.data);
    for (int k = 0; k < op->n_in; k++)
        free(host[k].data);
    hue_graph_destroy(g);
    return 0;
}

static float *to_float(const hue_host_tensor *t)
{
    size_t n = (size_t)hue_host_numel(t);
    float *v = malloc(sizeof *v * n);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)t->data[i];
    return v;
}

/* L(x) = sum(reference(x) * R): the scalar whose gradient is checked. */
static double loss_of(const hue_op_entry *op, const hue_host_tensor *in, const hue_op_params *p,
                      const hue_host_tensor *R)
{
    hue_host_tensor out = {0};
    op->reference(in, p, &out);
    double s = 0;
    for (int64_t i = 0; i < hue_host_numel(&out); i++)
        s += out.data[i] * R->data[i];
    free(out.data);
    return s;
}

/* The gradient check: the reference backward against central differences
 * of the reference forward (in double), and the device backward (through
 * hue_graph_backward) against the reference backward. */
/* Gradient errors are measured relative to the largest reference gradient
 * (at least 1). */
static double error_scale(const hue_host_tensor *grad)
{
    double scale = 1;
    for (int64_t i = 0; i < hue_host_numel(grad); i++)
        scale = fmax(scale, fabs(grad->data[i]));
    return scale;
}

static void grad_case(hue_ctx *ctx, const hue_op_entry *op, int ci, const char *only)
{
    if (!op->reference_backward || (only && strcmp(only, op->name) != 0))
        return;
    hue_op_case c;
    memset(&c, 0, sizeof c);
    op->make_case(ci, &c);
    hue_host_tensor host[HUE_OP_MAX_IN], ref_out = {0}, R = {0}, ref_grad[HUE_OP_MAX_IN];
    memset(host, 0, sizeof host);
    memset(ref_grad, 0, sizeof ref_grad);
    for (int k = 0; k < op->n_in; k++) {
        hue_host_alloc(&host[k], c.ndim[k], c.shape[k]);
        for (int64_t i = 0; i < hue_host_numel(&host[k]); i++)
            host[k].data[i] = uniform(op->input_lo, op->input_hi);
        if (op->fill_input)
            op->fill_input(k, host, &c.p);
    }
    CHECK(op->reference(host, &c.p, &ref_out) == 0);
    hue_host_alloc(&R, ref_out.ndim, ref_out.shape);
    for (int64_t i = 0; i < hue_host_numel(&R); i++)
        R.data[i] = uniform(-1, 1);
    CHECK(op->reference_backward(host, &R, &c.p, ref_grad) == 0);

    /* central differences on a few elements of each input (two where the
     * output is large: each one costs two reference forwards) */
    double fd_err = 0;
    int samples = hue_host_numel(&ref_out) <= 200000 ? 6 : 2;
    for (int k = 0; k < op->n_in; k++) {
        if (!(op->grad_mask >> k & 1))
            continue;
        int64_t n = hue_host_numel(&host[k]);
        double scale = error_scale(&ref_grad[k]);
        for (int s = 0; s < samples; s++) {
            int64_t i = (int64_t)((n - 1) * ((double)s / (samples - 1)));
            double x = host[k].data[i], h = 1e-6 * fmax(1, fabs(x));
            host[k].data[i] = x + h;
            double up = loss_of(op, host, &c.p, &R);
            host[k].data[i] = x - h;
            double down = loss_of(op, host, &c.p, &R);
            host[k].data[i] = x;
            fd_err = fmax(fd_err, fabs((up - down) / (2 * h) - ref_grad[k].data[i]) / scale);
        }
    }
    CHECKF(fd_err <= 1e-5, "%s case %d: reference backward differs from central differences by %.3g", op->name,
           ci, fd_err);

    /* the device backward */
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_tensor in[HUE_OP_MAX_IN];
    for (int k = 0; k < op->n_in; k++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", k);
        in[k] = (op->grad_mask >> k & 1) ? hue_graph_param(g, name, c.ndim[k], c.shape[k])
                                         : hue_graph_input(g, name, c.ndim[k], c.shape[k]);
    }
    hue_tensor out = op->build(g, in, &c.p);
    hue_tensor r = hue_graph_input(g, "R", ref_out.ndim, ref_out.shape);
    hue_tensor prod = hue_mul(g, out, r);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, prod, (1u << ref_out.ndim) - 1);
    CHECKF(hue_graph_backward(g, loss) == 0, "%s case %d: %s", op->name, ci, hue_error_message());
    for (int k = 0; k < op->n_in; k++)
        if ((op->grad_mask >> k & 1) && hue_tensor_grad(g, in[k]) >= 0)
            hue_graph_output(g, hue_tensor_grad(g, in[k]));
    int rc = hue_graph_compile(g);
    CHECKF(rc == 0, "%s case %d backward: %s", op->name, ci, hue_error_message());
    double dev_err = 0;
    if (rc == 0) {
        for (int k = 0; k < op->n_in; k++) {
            float *v = to_float(&host[k]);
            size_t count = (size_t)hue_host_numel(&host[k]);
            if (op->grad_mask >> k & 1)
                CHECK(hue_graph_write(g, in[k], v, count) == 0);
            else
                CHECK(hue_graph_set_input(g, in[k], v, count) == 0);
            free(v);
        }
        float *rv = to_float(&R);
        CHECK(hue_graph_set_input(g, r, rv, (size_t)hue_host_numel(&R)) == 0);
        free(rv);
        CHECK(hue_graph_run(g) == 0);
        for (int k = 0; k < op->n_in; k++) {
            if (!(op->grad_mask >> k & 1))
                continue;
            int64_t n = hue_host_numel(&host[k]);
            double scale = error_scale(&ref_grad[k]);
            hue_tensor gt = hue_tensor_grad(g, in[k]);
            float *got = calloc((size_t)(n > 0 ? n : 1), sizeof *got);
            if (gt >= 0)
                CHECK(hue_graph_read(g, gt, got, (size_t)n) == 0);  /* else unused: zero */
            for (int64_t i = 0; i < n; i++) {
                double e = fabs(got[i] - ref_grad[k].data[i]) / scale;
                if (!(e <= dev_err))
                    dev_err = isnan(e) ? INFINITY : e;
            }
            free(got);
        }
        CHECKF(dev_err <= op->grad_tolerance, "%s case %d: device gradient error %.3g > %.0e", op->name, ci, dev_err,
               op->grad_tolerance);
    }
    printf("  %-16s case %d: gradient vs differences %.1e, device vs reference %.1e (bound %.0e)\n", op->name, ci,
           fd_err, dev_err, op->grad_tolerance);
    hue_graph_destroy(g);
    for (int k = 0; k < op->n_in; k++)
        free(host[k].data), free(ref_grad[k].data);
    free(ref_out.data);
    free(R.data);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;  /* run one op by name */
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    /* HUE_BACKEND picks the backend under test; ctest runs the sweep on each */
    printf("%s on %s\n", hue_ctx_backend_reason(ctx), hue_ctx_device(ctx)->name);
    for (int i = 0; i < hue_op_count(); i++)
        for (int ci = 0; ci < hue_op_at(i)->n_cases; ci++) {
            run_case(ctx, hue_op_at(i), ci, only);
            grad_case(ctx, hue_op_at(i), ci, only);
        }
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
