/* The inputs and targets of the colourisation pretext tasks, made in the
 * loader's decode threads: each image (flipped at random) as LAB planes
 * scaled as hue's networks take them (L/50 - 1, a/110, b/110), its ab
 * class and its L class per pixel; and the ab histogram of a dataset, from
 * which the classes are chosen. */
#ifndef HUE_COLOUR_DATA_H
#define HUE_COLOUR_DATA_H
#include <stdint.h>

#include "colour_bins.h"
#include "hue_dataset.h"

/* Planes per image the sampler writes: L, a, b, ab class, L class. */
enum { COLOUR_L, COLOUR_A, COLOUR_B, COLOUR_AB_CLASS, COLOUR_L_CLASS, COLOUR_PLANES };

typedef struct {
    int size;
    int flip;                   /* horizontal flip with probability 1/2 */
    const colour_bins *bins;    /* must be set before the loader starts */
} colour_sampler;

int64_t colour_sampler_floats(const colour_sampler *cs);
/* The loader hook (user = a colour_sampler that outlives the loader). */
int colour_sampler_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out);
/* The share of coloured pixels (chroma above 2) in up to max_images
 * images of ds (a seeded shuffle) at size x size: 0 for grayscale images. */
int colour_share_coloured(const hue_dataset *ds, int size, int threads, int64_t max_images, double *share);
/* Pixels per ab cell over every image of ds at size x size. */
int colour_histogram(const hue_dataset *ds, int size, int threads, double *cells);

#endif
