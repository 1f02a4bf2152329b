/* A clip coloured from one reference: the reference's ab at the tracker's
 * cells, carried to each gray frame, put back under the frame's lightness. */
#include "hue_clip_colorize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_lab.h"

struct hue_clip_colorizer {
    hue_tracker *tracker;
    int width, height;
    float *L, *a, *b, *zero;   /* this frame's LAB, and zeros for gray */
    float *ref_a, *ref_b;      /* the reference's ab */
    float *soft;               /* the carried ab [2, height, width] */
    uint8_t *gray, *copy;      /* this frame gray; the copying baseline */
};

double hue_colour_score_ab_error(const hue_colour_score *s)
{
    return s->pixels ? s->ab_abs / (double)s->pixels : 0;
}

double hue_colour_score_psnr(const hue_colour_score *s)
{
    return 10 * log10(255.0 * 255.0 / fmax(s->rgb_sq / (double)(s->pixels ? s->pixels : 1), 1e-12));
}

static void score_add(hue_colour_score *s, const uint8_t *truth, const uint8_t *out, const float *ta,
                      const float *tb, const float *oa, const float *ob, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->ab_abs += (fabs(ta[i] - oa[i]) + fabs(tb[i] - ob[i])) / 2;
        for (int c = 0; c < 3; c++) {
            double d = (double)truth[3 * i + c] - out[3 * i + c];
            s->rgb_sq += d * d / 3;
        }
    }
    s->pixels += (int64_t)n;
}

/* ab averaged over each cell of the tracker's h x w grid: [2, h, w]. */
static void ab_at_cells(const float *a, const float *b, int width, int height, int gh, int gw, float *cells)
{
    for (int ch = 0; ch < 2; ch++)
        for (int cy = 0; cy < gh; cy++)
            for (int cx = 0; cx < gw; cx++) {
                double s = 0;
                int count = 0;
                for (int y = cy * height / gh; y < (cy + 1) * height / gh; y++)
                    for (int x = cx * width / gw; x < (cx + 1) * width / gw; x++, count++)
                        s += (ch ? b : a)[(size_t)y * width + x];
                cells[((size_t)ch * gh + cy) * gw + cx] = (float)(count ? s / count : 0);
            }
}

void hue_clip_colorizer_destroy(hue_clip_colorizer *c)
{
    if (!c)
        return;
    hue_tracker_destroy(c->tracker);
    free(c->L);
    free(c->gray);
    free(c);
}

int hue_clip_colorizer_create(hue_clip_colorizer **out, const hue_tracker_options *o, int width, int height,
                              const uint8_t *reference_rgb)
{
    *out = NULL;
    size_t n = (size_t)width * height;
    int gh, gw, rc;
    hue_tracker_grid(width, height, &gh, &gw);
    hue_clip_colorizer *c = calloc(1, sizeof *c);
    float *cells = malloc(sizeof *cells * 2 * (size_t)gh * gw);
    if (c) {
        c->width = width, c->height = height;
        c->L = malloc(sizeof *c->L * n * 8);
        c->gray = malloc(n * 3 * 2);
    }
    if (!c || !cells || !c->L || !c->gray) {
        free(cells);
        hue_clip_colorizer_destroy(c);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    c->a = c->L + n, c->b = c->L + 2 * n, c->zero = c->L + 3 * n;
    c->ref_a = c->L + 4 * n, c->ref_b = c->L + 5 * n, c->soft = c->L + 6 * n;
    c->copy = c->gray + 3 * n;
    memset(c->zero, 0, sizeof *c->zero * n);

    hue_lab_from_rgb8(reference_rgb, n, c->L, c->ref_a, c->ref_b);
    hue_lab_to_rgb8(c->L, c->zero, c->zero, n, c->gray);
    ab_at_cells(c->ref_a, c->ref_b, width, height, gh, gw, cells);
    hue_tracker_options to = *o;
    to.width = width, to.height = height, to.labels = 2, to.argmax = 0;
    if ((rc = hue_tracker_create(&c->tracker, &to)) || (rc = hue_tracker_start(c->tracker, c->gray, cells))) {
        free(cells);
        hue_clip_colorizer_destroy(c);
        return rc;
    }
    free(cells);
    *out = c;
    return 0;
}

int hue_clip_colorizer_step(hue_clip_colorizer *c, const uint8_t *frame_rgb, uint8_t *out_rgb,
                            hue_colour_score *score, hue_colour_score *copy_score)
{
    size_t n = (size_t)c->width * c->height;
    hue_lab_from_rgb8(frame_rgb, n, c->L, c->a, c->b);
    hue_lab_to_rgb8(c->L, c->zero, c->zero, n, c->gray);
    int rc = hue_tracker_step(c->tracker, c->gray, c->soft);
    if (rc)
        return rc;
    hue_lab_to_rgb8(c->L, c->soft, c->soft + n, n, out_rgb);
    if (score)
        score_add(score, frame_rgb, out_rgb, c->a, c->b, c->soft, c->soft + n, n);
    if (copy_score) {
        hue_lab_to_rgb8(c->L, c->ref_a, c->ref_b, n, c->copy);
        score_add(copy_score, frame_rgb, c->copy, c->a, c->b, c->ref_a, c->ref_b, n);
    }
    return 0;
}
