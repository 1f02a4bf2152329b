/* hue_ema_update on the context's backend (run on Vulkan and on the CPU):
 * - over several runs, a frozen parameter and a state tensor follow a
 *   source the host changes every run, as the double reference computes;
 * - a node that reads the target before the update sees the old values,
 *   and one after it the new ones (the update runs where it sits);
 * - momentum 0 copies, momentum 1 keeps;
 * - bad operands are refused with a message. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "test_util.h"

enum { N = 4773, RUNS = 5 };   /* several workgroups, not a multiple of any vector width */

static float value(int run, int i, int which) { return sinf(0.37f * (float)i + 1.7f * (float)run + (float)which); }

static double max_diff(const float *a, const double *b, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

/* target (a frozen parameter, or state) moved towards src every run with momentum m */
static void follow(hue_ctx *ctx, int state, float m)
{
    const char *kind = state ? "state" : "frozen parameter";
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t n = N;
    hue_tensor src = hue_graph_input(g, "source", 1, &n);
    hue_tensor t = state ? hue_graph_state(g, "target", 1, &n) : hue_graph_param(g, "target", 1, &n);
    if (!state)
        CHECK(hue_graph_freeze(g, t) == 0);
    hue_tensor before = hue_scale(g, t, 2.0f, -1);
    CHECKF(hue_ema_update(g, t, src, m) == 0, "%s: %s", kind, hue_graph_error_message(g));
    hue_tensor after = hue_scale(g, t, 3.0f, -1);
    hue_graph_output(g, before);
    hue_graph_output(g, after);
    CHECKF(hue_graph_compile(g) == 0, "%s: compile: %s", kind, hue_graph_error_message(g));
    static float buf[N], b[N], a[N];
    static double ref[N], srcd[N];
    for (int i = 0; i < N; i++)
        ref[i] = buf[i] = state ? 0.0f : value(-1, i, 2);
    if (!state)
        CHECK(hue_graph_write(g, t, buf, N) == 0);
    double worst_before = 0, worst_after = 0, worst = 0;
    for (int r = 0; r < RUNS; r++) {
        for (int i = 0; i < N; i++)
            srcd[i] = buf[i] = value(r, i, 0);
        CHECK(hue_graph_set_input(g, src, buf, N) == 0);
        CHECKF(hue_graph_run(g) == 0, "%s: run: %s", kind, hue_error_message());
        CHECK(hue_graph_read(g, before, b, N) == 0 && hue_graph_read(g, after, a, N) == 0);
        for (int i = 0; i < N; i++)
            b[i] /= 2;
        worst_before = fmax(worst_before, max_diff(b, ref, N));
        hue_ema_reference(ref, srcd, N, m);
        for (int i = 0; i < N; i++)
            a[i] /= 3;
        worst_after = fmax(worst_after, max_diff(a, ref, N));
        CHECK(hue_graph_read(g, t, buf, N) == 0);
        worst = fmax(worst, max_diff(buf, ref, N));
    }
    CHECKF(worst_before < 1e-6, "%s m=%g: the node before the update saw %g from the old target", kind, m,
           worst_before);
    CHECKF(worst_after < 1e-6, "%s m=%g: the node after the update saw %g from the new target", kind, m, worst_after);
    CHECKF(worst < 1e-6, "%s m=%g: target differs from the reference by %g after %d runs", kind, m, worst, RUNS);
    hue_graph_destroy(g);
}

/* build fails with a message containing want */
static void refused(hue_ctx *ctx, int which, const char *want)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t n = 8, n2 = 9;
    hue_tensor src = hue_graph_param(g, "source", 1, &n), frozen = hue_graph_param(g, "frozen", 1, &n);
    hue_graph_freeze(g, frozen);
    hue_tensor target = frozen;
    float m = 0.99f;
    float c[9] = {0};
    switch (which) {
    case 0: target = hue_graph_param(g, "trained", 1, &n); break;
    case 1: target = hue_graph_input(g, "input", 1, &n); break;
    case 2: target = hue_graph_constant(g, "constant", 1, &n, c); break;
    case 3: target = hue_graph_state(g, "longer", 1, &n2); break;
    case 4: m = 1.5f; break;
    case 5: m = NAN; break;
    case 6: target = 999; break;
    }
    int rc = hue_ema_update(g, target, src, m);
    CHECKF(rc < 0 && strstr(hue_graph_error_message(g), want), "case %d: rc %d, message '%s' (want '%s')", which, rc,
           hue_graph_error_message(g), want);
    hue_graph_destroy(g);
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    follow(ctx, 0, 0.999f);
    follow(ctx, 1, 0.9f);
    follow(ctx, 0, 0.0f);
    follow(ctx, 1, 1.0f);
    refused(ctx, 0, "must be a frozen parameter or a state tensor");
    refused(ctx, 1, "must be a frozen parameter or a state tensor");
    refused(ctx, 2, "must be a frozen parameter or a state tensor");
    refused(ctx, 3, "differ");
    refused(ctx, 4, "momentum 1.5 is not in [0, 1]");
    refused(ctx, 5, "is not in [0, 1]");
    refused(ctx, 6, "ema_update");
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
