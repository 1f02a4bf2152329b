/* The tile sampler of the patch-based pretext tasks (pretrain_tiles.h). */
#include <math.h>
#include <stdlib.h>

#include "hue_augment.h"
#include "hue_error.h"
#include "hue_train.h"
#include "pretrain_tiles.h"

int64_t tile_sampler_floats(const tile_sampler *ts) { return (int64_t)ts->count * 3 * ts->tile * ts->tile + 1; }

int tile_default(int size) { return size / TILE_GRID * 3 / 4; }

/* Doersch et al. replace the dropped channels by faint noise: enough to
 * hide the chromatic-aberration cue, too little to carry a signal. */
#define DROP_NOISE_STD 2.0f
#define JITTER_PIXELS 2
/* A flat tile's standard deviation is taken as this (in [0, 1] units, about
 * 5 grey levels), so its noise is not blown up to unit scale. */
#define TILE_STD_FLOOR 0.02

void tile_to_floats(const uint8_t *tile, int T, int own, const float mean[3], const float std[3], float *dst)
{
    size_t n = (size_t)T * T;
    float m[3], s[3];
    if (own) {
        double sum[3] = {0}, sq = 0;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                sum[c] += tile[3 * i + c] / 255.0;
        for (int c = 0; c < 3; c++)
            m[c] = (float)(sum[c] / (double)n);
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) {
                double d = tile[3 * i + c] / 255.0 - m[c];
                sq += d * d;
            }
        double sd = sqrt(sq / (3.0 * (double)n));
        s[0] = s[1] = s[2] = (float)(sd > TILE_STD_FLOOR ? sd : TILE_STD_FLOOR);
    } else
        for (int c = 0; c < 3; c++)
            m[c] = mean[c], s[c] = std[c];
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < n; i++)
            dst[(size_t)c * n + i] = ((float)tile[3 * i + c] / 255.0f - m[c]) / s[c];
}

int tile_sampler_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    const tile_sampler *ts = user;
    int T = ts->tile, cells = TILE_GRID * TILE_GRID;
    size_t tile_bytes = (size_t)T * T * 3;
    uint8_t *tiles = malloc(tile_bytes * (size_t)cells);
    if (!tiles)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_rng r;
    hue_rng_seed(&r, seed);
    uint8_t *cropped = NULL;
    int rc = 0;
    if (ts->crop_min < 1) {
        const float scale[2] = {ts->crop_min, 1.0f}, ratio[2] = {0.75f, 4.0f / 3.0f};
        if (!(cropped = malloc((size_t)width * height * 3)))
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
        else if ((rc = hue_augment_random_resized_crop(&r, rgb, width, height, scale, ratio, cropped, width, height)) >= 0)
            rgb = cropped;
    }
    if (rc >= 0)
        rc = hue_augment_tiles(&r, rgb, width, height, TILE_GRID, T, tiles, NULL);
    free(cropped);
    int order[TILE_GRID * TILE_GRID];
    int label = rc < 0 ? 0 : ts->choose(ts->choose_user, &r, order);
    for (int k = 0; k < ts->count && rc >= 0; k++) {
        uint8_t *tile = tiles + tile_bytes * (size_t)order[k];
        if (ts->colour == HUE_TILE_COLOUR_DROP)
            rc = hue_augment_colour_drop(&r, DROP_NOISE_STD, tile, T, T);
        else if (ts->colour == HUE_TILE_COLOUR_JITTER)
            rc = hue_augment_channel_jitter(&r, JITTER_PIXELS, tile, T, T, NULL);
        tile_to_floats(tile, T, ts->norm == HUE_TILE_NORM_TILE, ts->mean, ts->std, out + (size_t)k * 3 * T * T);
    }
    out[(size_t)ts->count * 3 * T * T] = (float)label;
    free(tiles);
    return rc < 0 ? rc : 0;
}
