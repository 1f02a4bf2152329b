/* The op sweep: every op in the table, on every one of its cases, runs on the
 * device and in its plain-C reference on the same random inputs, and the
 * results must agree within the op's stated bound. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_op_table.h"
#include "test_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

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
                host[k].data[i] = floorf(host[k].data[i]);
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
                CHECK(hue_graph_set_input(g, in[k], host[k].data, count) == 0);
            }
        }
        CHECK(hue_graph_run(g) == 0);
        CHECK(op->reference(host, &c.p, &ref) == 0);
        int64_t n = hue_tensor_numel(g, out);
        CHECKF(n == hue_host_numel(&ref), "%s case %d: %lld values, reference has %lld", op->name, ci,
               (long long)n, (long long)hue_host_numel(&ref));
        if (n == hue_host_numel(&ref)) {
            float *got = malloc(sizeof *got * (size_t)n);
            hue_graph_read(g, out, got, (size_t)n);
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

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;  /* run one op by name */
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    for (int i = 0; i < hue_op_table_size; i++)
        for (int ci = 0; ci < hue_op_table[i]->n_cases; ci++)
            run_case(ctx, hue_op_table[i], ci, only);
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
