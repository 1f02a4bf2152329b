/* A training sample's view of its clip (video_view.h), on a frame whose
 * pixels say where they are (red: column, green: row):
 * - scale 1 at whole-pixel corners copies the frame's pixels, mirrored or not;
 * - at other scales each crop pixel is the area average of the frame pixels
 *   it covers, checked against a supersampled integral;
 * - a walk's home crop moved by whole cells at a scale, mirrored, shows at
 *   video_crw_home_targets(down, -right) what the start crop showed;
 * - video_view_draw draws nothing without zoom and flip (runs from before
 *   these options sample as they did), scales within [1, most] otherwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "video_losses.h"
#include "video_view.h"

#define W 230
#define H 150

static void fill(video_clip *c)
{
    c->width = W, c->height = H, c->frames = 1;
    c->rgb = malloc((size_t)W * H * 3);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = c->rgb + ((size_t)y * W + x) * 3;
            p[0] = (uint8_t)x, p[1] = (uint8_t)y, p[2] = (uint8_t)((x * 7 + y * 3) % 256);
        }
}

/* The mean of channel ch over [x0 + i s, + s) x [y0 + j s, + s), by 48 x 48 point samples. */
static double area_mean(const video_clip *c, double x0, double y0, double s, int i, int j, int ch)
{
    double sum = 0;
    for (int v = 0; v < 48; v++)
        for (int u = 0; u < 48; u++) {
            int x = (int)floor(x0 + (i + (u + 0.5) / 48) * s), y = (int)floor(y0 + (j + (v + 0.5) / 48) * s);
            sum += c->rgb[((size_t)y * W + x) * 3 + ch];
        }
    return sum / (48 * 48);
}

int main(void)
{
    video_clip c = {0};
    fill(&c);
    hue_video_train_options o = hue_video_train_defaults();
    o.size = 32, o.crop_jitter = 4, o.zoom = 4;
    video_view_work work;
    CHECK(video_view_work_alloc(&o, &work) == 0);
    int S = o.size;
    uint8_t *crop = malloc((size_t)S * S * 3), *home = malloc((size_t)S * S * 3);

    for (int mirror = 0; mirror < 2; mirror++) {
        video_view v = {1, mirror};
        video_view_crop(&c, 0, 17, 9, &v, S, crop, &work);
        int bad = 0;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                int fx = 17 + (mirror ? S - 1 - x : x);
                bad += memcmp(crop + ((size_t)y * S + x) * 3, c.rgb + ((size_t)(9 + y) * W + fx) * 3, 3) != 0;
            }
        CHECKF(bad == 0, "scale 1, mirror %d: %d pixels differ from the frame's", mirror, bad);
    }

    static const double scales[] = {1.0, 1.5, 2.0, 2.75, 3.9};
    static const double corners[][2] = {{0, 0}, {3.25, 7.5}, {10.6, 0.4}};
    for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
        for (size_t ci = 0; ci < sizeof corners / sizeof corners[0]; ci++)
            for (int mirror = 0; mirror < 2; mirror++) {
                double s = scales[si], x0 = corners[ci][0], y0 = corners[ci][1];
                video_view v = {s, mirror};
                video_view_crop(&c, 0, x0, y0, &v, S, crop, &work);
                double worst = 0;
                for (int j = 0; j < S; j += 3)
                    for (int i = 0; i < S; i += 3)
                        for (int ch = 0; ch < 3; ch++) {
                            int ox = mirror ? S - 1 - i : i;
                            double d = fabs(crop[((size_t)j * S + ox) * 3 + ch] - area_mean(&c, x0, y0, s, i, j, ch));
                            worst = d > worst ? d : worst;
                        }
                /* rounding to a byte (0.5), the supersampling's error (255 / 48 at an edge of the blue pattern) */
                CHECKF(worst < (s == 1 && x0 == floor(x0) ? 0.01 : 6.0), "scale %g at (%g, %g), mirror %d: off by %g",
                       s, x0, y0, mirror, worst);
                /* red and green are smooth: their averages are tight */
                double red = fabs(crop[((size_t)5 * S + (mirror ? S - 1 - 7 : 7)) * 3] - area_mean(&c, x0, y0, s, 7, 5, 0));
                CHECKF(red < 0.51, "scale %g at (%g, %g): red off by %g", s, x0, y0, red);
            }

    /* a walk's home crop, moved by whole cells at scale 1.5, seen mirrored */
    int cells = S / 8;
    float *t = malloc(sizeof *t * (size_t)cells * cells);
    static const int moves[][2] = {{1, 2}, {-2, 1}, {0, -3}};
    for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++)
        for (int mirror = 0; mirror < 2; mirror++) {
            int down = moves[m][0], right = moves[m][1];
            video_view v = {1.5, mirror};
            double x0 = 60.5, y0 = 40.25;
            video_view_crop(&c, 0, x0, y0, &v, S, crop, &work);
            video_view_crop(&c, 0, x0 + 12 * right, y0 + 12 * down, &v, S, home, &work);
            video_crw_home_targets(cells, down, mirror ? -right : right, t);
            int wrong = 0, counted = 0;
            for (int n = 0; n < cells * cells; n++) {
                if (t[n] < 0)
                    continue;
                counted++;
                int a = n, b = (int)t[n];
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++) {
                        size_t pa = ((size_t)(a / cells * 8 + y) * S + a % cells * 8 + x) * 3;
                        size_t pb = ((size_t)(b / cells * 8 + y) * S + b % cells * 8 + x) * 3;
                        wrong += memcmp(crop + pa, home + pb, 3) != 0;
                    }
            }
            CHECKF(wrong == 0 && counted == (cells - abs(down)) * (cells - abs(right)),
                   "move (%d, %d), mirror %d: %d pixels differ at the targets, %d nodes counted", down, right,
                   mirror, wrong, counted);
        }

    /* draws: none without zoom or flip; with them, scales in [1, most], both mirrors */
    hue_rng r, before;
    hue_rng_seed(&r, 7);
    before = r;
    video_clip flat = c;
    flat.height = o.size + 2 * o.crop_jitter;
    o.hflip = 0;
    video_view v;
    video_view_draw(&o, &flat, &r, &v);
    CHECK(memcmp(&r, &before, sizeof r) == 0 && v.scale == 1 && v.mirror == 0);
    o.hflip = 1;
    double most = (double)H / (o.size + 2 * o.crop_jitter), lo = most, hi = 1, logs = 0;
    int mirrored = 0, n = 2000;
    for (int i = 0; i < n; i++) {
        video_view_draw(&o, &c, &r, &v);
        lo = v.scale < lo ? v.scale : lo, hi = v.scale > hi ? v.scale : hi;
        logs += log(v.scale), mirrored += v.mirror;
    }
    CHECKF(lo >= 1 && hi <= most && lo < 1.05 && hi > most * 0.95, "scales from %g to %g, not 1 to %g", lo, hi, most);
    CHECKF(fabs(logs / n - log(most) / 2) < 0.05, "mean log scale %g, log-uniform gives %g", logs / n, log(most) / 2);
    CHECKF(mirrored > n * 0.45 && mirrored < n * 0.55, "%d of %d mirrored", mirrored, n);

    free(t), free(crop), free(home), free(c.rgb);
    video_view_work_free(&work);
    return test_finish();
}
