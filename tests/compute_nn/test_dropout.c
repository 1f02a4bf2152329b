/* Dropout: about 1 - p of the elements are kept, each scaled by 1/(1 - p);
 * the mask depends on the seed alone (same seed, same mask; another seed,
 * another mask); the gradient goes through the very same mask; p = 0 is
 * the identity and p = 1 drops everything; bad p or seed is an error. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

#define COUNT (1 << 20)

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    static const float ps[] = {0.3f, 0.5f, 0.9f};
    static float in[COUNT], out[COUNT], first[COUNT], grad[COUNT], r[COUNT];
    for (int i = 0; i < COUNT; i++)
        in[i] = 1.0f + (float)(i % 7), r[i] = (float)((i % 5) - 2);
    for (int k = 0; k < 3; k++) {
        float p = ps[k];
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t shape[2] = {1024, COUNT / 1024}, one[1] = {1};
        hue_tensor x = hue_graph_param(g, "x", 2, shape), seed = hue_graph_input(g, "seed", 1, one);
        hue_tensor R = hue_graph_input(g, "R", 2, shape);
        hue_tensor y = hue_dropout(g, x, p, seed);
        hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, y, R), 3);
        CHECKF(hue_graph_backward(g, loss) == 0, "%s", hue_error_message());
        hue_graph_output(g, y);
        hue_graph_output(g, hue_tensor_grad(g, x));
        CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
        CHECK(hue_graph_write(g, x, in, COUNT) == 0);
        CHECK(hue_graph_set_input(g, R, r, COUNT) == 0);
        float s = 17;
        CHECK(hue_graph_set_input(g, seed, &s, 1) == 0);
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, y, first, COUNT) == 0);
        CHECK(hue_graph_read(g, hue_tensor_grad(g, x), grad, COUNT) == 0);
        long kept = 0, bad_scale = 0, bad_grad = 0;
        double scale = 1.0 / (1.0 - p);
        for (int i = 0; i < COUNT; i++) {
            int keep = first[i] != 0;
            kept += keep;
            if (keep && fabs(first[i] - in[i] * scale) > 1e-5 * in[i] * scale)
                bad_scale++;
            if (fabs(grad[i] - (keep ? r[i] * scale : 0)) > 1e-5 * fabs(r[i] * scale))
                bad_grad++;
        }
        double frac = (double)kept / COUNT;
        printf("p = %.1f: kept %.4f (expect %.4f)\n", p, frac, 1 - p);
        /* a binomial's standard deviation here is below 0.0005 */
        CHECKF(fabs(frac - (1 - p)) < 0.003, "p = %g: kept fraction %.4f", p, frac);
        CHECKF(bad_scale == 0, "p = %g: %ld kept values not scaled by 1/(1-p)", p, bad_scale);
        CHECKF(bad_grad == 0, "p = %g: %ld gradients not through the forward's mask", p, bad_grad);

        /* the same seed gives the same mask; another seed another one */
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, y, out, COUNT) == 0);
        CHECK(memcmp(out, first, sizeof out) == 0);
        s = 18;
        CHECK(hue_graph_set_input(g, seed, &s, 1) == 0);
        CHECK(hue_graph_run(g) == 0);
        CHECK(hue_graph_read(g, y, out, COUNT) == 0);
        long differ = 0, both = 0;
        for (int i = 0; i < COUNT; i++) {
            differ += (out[i] != 0) != (first[i] != 0);
            both += out[i] != 0 && first[i] != 0;
        }
        /* independent masks agree on (1-p)^2 of the elements */
        CHECKF(fabs((double)both / COUNT - (1 - p) * (1 - p)) < 0.003, "p = %g: masks of seeds 17 and 18 overlap %.4f",
               p, (double)both / COUNT);
        CHECK(differ > 0);
        hue_graph_destroy(g);
    }

    /* p = 0: the identity; p = 1: zeros */
    for (int k = 0; k < 2; k++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t shape[1] = {1000}, one[1] = {1};
        hue_tensor x = hue_graph_input(g, "x", 1, shape), seed = hue_graph_input(g, "seed", 1, one);
        hue_tensor y = hue_relu(g, hue_dropout(g, x, (float)k, seed));
        hue_graph_output(g, y);
        CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
        float s = 3;
        hue_graph_set_input(g, x, in, 1000);
        hue_graph_set_input(g, seed, &s, 1);
        CHECK(hue_graph_run(g) == 0);
        hue_graph_read(g, y, out, 1000);
        int wrong = 0;
        for (int i = 0; i < 1000; i++)
            wrong += out[i] != (k == 0 ? in[i] : 0.0f);
        CHECKF(wrong == 0, "p = %d: %d values changed", k, wrong);
        hue_graph_destroy(g);
    }

    /* bad p, bad seed */
    for (int k = 0; k < 3; k++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t shape[1] = {10}, two[1] = {2};
        hue_tensor x = hue_graph_input(g, "x", 1, shape);
        hue_tensor seed = hue_graph_input(g, "seed", 1, k == 2 ? two : shape);
        float p = k == 0 ? -0.1f : k == 1 ? NAN : 0.5f;
        CHECK(hue_dropout(g, x, p, k == 2 ? seed : x) < 0);
        const char *m = hue_graph_error_message(g);
        CHECKF(strstr(m, k == 2 ? "seed has 2 values" : "probability") != NULL, "message: %s", m);
        hue_graph_destroy(g);
    }
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
