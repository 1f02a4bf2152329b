/* The tile sampler of the patch-based pretext tasks (pretrain_tiles.h). */
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
    int rc = hue_augment_tiles(&r, rgb, width, height, TILE_GRID, T, tiles, NULL);
    int order[TILE_GRID * TILE_GRID];
    int label = rc < 0 ? 0 : ts->choose(ts->choose_user, &r, order);
    for (int k = 0; k < ts->count && rc >= 0; k++) {
        uint8_t *tile = tiles + tile_bytes * (size_t)order[k];
        if (ts->colour == HUE_TILE_COLOUR_DROP)
            rc = hue_augment_colour_drop(&r, DROP_NOISE_STD, tile, T, T);
        else if (ts->colour == HUE_TILE_COLOUR_JITTER)
            rc = hue_augment_channel_jitter(&r, JITTER_PIXELS, tile, T, T, NULL);
        float *dst = out + (size_t)k * 3 * T * T;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < T * T; i++)
                dst[(size_t)c * T * T + i] = ((float)tile[3 * i + c] / 255.0f - ts->mean[c]) / ts->std[c];
    }
    out[(size_t)ts->count * 3 * T * T] = (float)label;
    free(tiles);
    return rc < 0 ? rc : 0;
}
