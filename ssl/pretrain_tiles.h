/* Tiles for the patch-based pretext tasks (relative patch location,
 * jigsaw): a loader sample hook that cuts each image into a 3 x 3 grid,
 * takes a jittered tile from each cell, treats each tile's colour, and
 * writes the tiles a method picks, in its order, followed by the label. */
#ifndef HUE_PRETRAIN_TILES_H
#define HUE_PRETRAIN_TILES_H
#include <stdint.h>

#include "hue_rng.h"

#define TILE_GRID 3

/* Picks `count` of the 9 cells (row-major) in the order the network sees
 * them and returns the label the network must predict. */
typedef int (*tile_choose_fn)(const void *user, hue_rng *r, int *order);

typedef struct {
    int size, tile;             /* image side, tile side */
    int colour;                 /* enum hue_tile_colour */
    int count;                  /* tiles written per image */
    tile_choose_fn choose;
    const void *choose_user;
    int norm;                   /* enum hue_tile_norm */
    float crop_min;             /* < 1: first a random region of crop_min to 1 of the image's area, resized back */
    float mean[3], std[3];      /* HUE_TILE_NORM_DATASET: the float tiles' normalisation */
} tile_sampler;

/* Floats per image: count tiles of 3 x tile x tile, then the label. */
int64_t tile_sampler_floats(const tile_sampler *ts);
/* The tile side for an image side when the user gave none: three quarters
 * of a cell, so neighbouring tiles are a quarter cell apart or more. */
int tile_default(int size);
/* One tile of T x T interleaved RGB bytes as planar floats: less the
 * dataset's mean and over its std per channel, or (own != 0) less the
 * tile's mean per channel and over the tile's standard deviation taken over
 * all three channels (one scale keeps the channels' relative contrast, and
 * a dropped channel's faint noise stays faint). */
void tile_to_floats(const uint8_t *tile, int T, int own, const float mean[3], const float std[3], float *dst);
/* The loader hook (user = a tile_sampler that outlives the loader). */
int tile_sampler_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out);

#endif
