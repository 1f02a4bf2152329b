/* The device colour conversion against video/'s CPU reference over a dense
 * sample of the RGB cube, round trips RGB8 -> LAB -> RGB on the device, and
 * known CIE L*a*b* values of white, black, grey and the primaries. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_lab.h"
#include "hue_ops.h"
#include "test_util.h"

#define STEP 3
#define SIDE (255 / STEP + 1)            /* 86 levels per channel, 0..255 */
#define COUNT (SIDE * SIDE * SIDE)

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    static uint8_t rgb[COUNT * 3];
    static float lab[3 * COUNT], back[3 * COUNT], ref[3][COUNT];
    for (int i = 0; i < COUNT; i++) {
        rgb[3 * i] = (uint8_t)(i / (SIDE * SIDE) * STEP);
        rgb[3 * i + 1] = (uint8_t)(i / SIDE % SIDE * STEP);
        rgb[3 * i + 2] = (uint8_t)(i % SIDE * STEP);
    }
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t shape[4] = {1, SIDE * SIDE, SIDE, 3};
    hue_tensor in = hue_graph_input_u8(g, "rgb", 4, shape);
    hue_tensor l = hue_rgb8_to_lab(g, in, 0, 0);
    hue_tensor r = hue_lab_to_rgb(g, l);
    hue_graph_output(g, l);
    hue_graph_output(g, r);
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    CHECK(hue_graph_set_input_u8(g, in, rgb, sizeof rgb) == 0);
    CHECK(hue_graph_run(g) == 0);
    CHECK(hue_graph_read(g, l, lab, 3 * COUNT) == 0);
    CHECK(hue_graph_read(g, r, back, 3 * COUNT) == 0);

    /* device vs the CPU conversion in video/ (and the exact double one) */
    hue_lab_from_rgb8(rgb, COUNT, ref[0], ref[1], ref[2]);
    double err_cpu = 0, err_exact = 0, err_round = 0;
    for (int i = 0; i < COUNT; i++) {
        double dev[3] = {(lab[i] + 1) * 50, lab[COUNT + i] * 110, lab[2 * COUNT + i] * 110}, exact[3];
        hue_lab_from_srgb(rgb[3 * i] / 255.0, rgb[3 * i + 1] / 255.0, rgb[3 * i + 2] / 255.0, exact);
        for (int c = 0; c < 3; c++) {
            err_cpu = fmax(err_cpu, fabs(dev[c] - ref[c][i]));
            err_exact = fmax(err_exact, fabs(dev[c] - exact[c]));
            err_round = fmax(err_round, fabs(back[c * COUNT + i] * 255.0 - rgb[3 * i + c]));
        }
    }
    printf("%d colours: device vs video/ CPU LAB %.2e, vs exact %.2e; device round trip %.3f/255\n", COUNT,
           err_cpu, err_exact, err_round);
    CHECKF(err_cpu <= 0.01, "device LAB differs from the CPU reference by %g", err_cpu);
    CHECKF(err_exact <= 0.01, "device LAB differs from the exact conversion by %g", err_exact);
    CHECKF(err_round <= 1.0, "device RGB -> LAB -> RGB is off by %g/255", err_round);
    hue_graph_destroy(g);

    /* Known values from the CIE formulas (sRGB, D65), to 0.01-0.05. */
    static const struct {
        uint8_t rgb[3];
        double lab[3];
    } known[] = {
        {{255, 255, 255}, {100.0, 0.0, 0.0}},   {{0, 0, 0}, {0.0, 0.0, 0.0}},
        {{128, 128, 128}, {53.585, 0.0, 0.0}},  {{255, 0, 0}, {53.24, 80.09, 67.20}},
        {{0, 255, 0}, {87.73, -86.18, 83.18}},  {{0, 0, 255}, {32.30, 79.19, -107.86}},
    };
    int n = (int)(sizeof known / sizeof known[0]);
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t s2[4] = {1, 1, n, 3};
    in = hue_graph_input_u8(g, "known", 4, s2);
    l = hue_rgb8_to_lab(g, in, 0, 0);
    hue_graph_output(g, l);
    CHECK(hue_graph_compile(g) == 0);
    uint8_t px[3 * 16];
    for (int i = 0; i < n; i++)
        memcpy(px + 3 * i, known[i].rgb, 3);
    hue_graph_set_input_u8(g, in, px, (size_t)(3 * n));
    hue_graph_run(g);
    float out[3 * 16];
    hue_graph_read(g, l, out, (size_t)(3 * n));
    for (int i = 0; i < n; i++) {
        double got[3] = {(out[i] + 1) * 50, out[n + i] * 110, out[2 * n + i] * 110};
        for (int c = 0; c < 3; c++)
            CHECKF(fabs(got[c] - known[i].lab[c]) < 0.05, "rgb(%d,%d,%d) channel %d: %.3f, expected %.3f",
                   known[i].rgb[0], known[i].rgb[1], known[i].rgb[2], c, got[c], known[i].lab[c]);
    }
    hue_graph_destroy(g);

    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
