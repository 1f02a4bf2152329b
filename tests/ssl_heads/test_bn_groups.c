/* hue_resnet_config.bn_groups (MoCo's shuffled batch norm on one device):
 * a ResNet in training with its batch in G groups gives, for each group,
 * the features the same ResNet gives that group alone, and moves its
 * running statistics once per group with momentum 0.1 / G. Bad group
 * counts are refused. On the context's backend (run on both). */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_resnet.h"
#include "test_util.h"

enum { G = 2, PER = 3, N = G * PER, S = 8 };

typedef struct {
    hue_graph *g;
    hue_resnet m;
    hue_tensor x;
} net;

static void build(hue_ctx *ctx, int batch, int groups, net *n)
{
    CHECK(hue_graph_create(ctx, &n->g) == 0);
    int64_t xs[4] = {batch, 3, S, S};
    n->x = hue_graph_input(n->g, "x", 4, xs);
    hue_resnet_config c = hue_resnet_defaults();
    c.width = 0.125f, c.cifar_stem = 1, c.num_classes = 0, c.last_layer = 2, c.bn_groups = groups;
    CHECKF(hue_resnet_build(n->g, &c, n->x, 1, &n->m) == 0, "build: %s", hue_error_message());
    hue_graph_output(n->g, n->m.features);
    CHECKF(hue_graph_compile(n->g) == 0, "compile: %s", hue_graph_error_message(n->g));
    CHECK(hue_resnet_init(n->g, &n->m, 7) == 0);
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    static float x[N * 3 * S * S];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = sinf(0.31f * (float)i) + 0.2f * cosf(0.017f * (float)i);
    net all, one[G];
    build(ctx, N, G, &all);
    size_t per_image = 3 * S * S;
    CHECK(hue_graph_set_input(all.g, all.x, x, N * per_image) == 0);
    CHECKF(hue_graph_run(all.g) == 0, "run: %s", hue_error_message());
    int64_t fn = hue_tensor_numel(all.g, all.m.features), per_out = fn / N;
    static float fa[1 << 16], fo[1 << 16];
    CHECK(fn <= (int64_t)(sizeof fa / sizeof *fa));
    CHECK(hue_graph_read(all.g, all.m.features, fa, (size_t)fn) == 0);
    hue_tensor rm = hue_resnet_find(&all.m, "bn1.running_mean");
    int64_t C = hue_tensor_numel(all.g, rm);
    float got[64], stat[G][64];
    CHECK(C <= 64 && hue_graph_read(all.g, rm, got, (size_t)C) == 0);
    double worst = 0, scale = 0;
    for (int k = 0; k < G; k++) {
        build(ctx, PER, 1, &one[k]);
        CHECK(hue_graph_set_input(one[k].g, one[k].x, x + k * PER * per_image, PER * per_image) == 0);
        CHECKF(hue_graph_run(one[k].g) == 0, "run: %s", hue_error_message());
        CHECK(hue_graph_read(one[k].g, one[k].m.features, fo, (size_t)(per_out * PER)) == 0);
        for (int64_t i = 0; i < per_out * PER; i++) {
            worst = fmax(worst, fabs((double)fo[i] - fa[k * PER * per_out + i]));
            scale = fmax(scale, fabs((double)fo[i]));
        }
        /* alone, from 0 with momentum 0.1: running mean = 0.1 x the group's mean */
        CHECK(hue_graph_read(one[k].g, hue_resnet_find(&one[k].m, "bn1.running_mean"), stat[k], (size_t)C) == 0);
        hue_graph_destroy(one[k].g);
        hue_resnet_free(&one[k].m);
    }
    CHECKF(worst <= 1e-5 * fmax(scale, 1), "grouped features differ from each group's alone by %g (of %g)", worst,
           scale);
    double worst_stat = 0, m = 0.1 / G;
    for (int64_t c = 0; c < C; c++) {
        double want = 0;
        for (int k = 0; k < G; k++)
            want = (1 - m) * want + m * (stat[k][c] / 0.1);
        worst_stat = fmax(worst_stat, fabs(want - got[c]));
    }
    CHECKF(worst_stat < 1e-5, "running mean differs from one move per group by %g", worst_stat);
    hue_graph_destroy(all.g);
    hue_resnet_free(&all.m);

    /* a batch that does not split, and too many groups */
    int bad[2][2] = {{4, 3}, {128, 65}};
    for (int i = 0; i < 2; i++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t xs[4] = {bad[i][0], 3, S, S};
        hue_tensor in = hue_graph_input(g, "x", 4, xs);
        hue_resnet_config c = hue_resnet_defaults();
        c.width = 0.125f, c.cifar_stem = 1, c.num_classes = 0, c.bn_groups = bad[i][1];
        hue_resnet m;
        int rc = hue_resnet_build(g, &c, in, 1, &m);
        CHECKF(rc < 0 && strstr(hue_error_message(), "must split into 1 to 64 equal groups"), "groups %d of %d: %s",
               bad[i][1], bad[i][0], hue_error_message());
        hue_resnet_free(&m);
        hue_graph_destroy(g);
    }
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
