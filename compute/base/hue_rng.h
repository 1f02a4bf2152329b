/* hue's seeded random numbers (xoshiro256**, seeded through splitmix64):
 * the same seed gives the same stream on every machine, so initialisation,
 * shuffles and augmentations are reproducible, and the state is small
 * enough to store in a checkpoint. */
#ifndef HUE_RNG_H
#define HUE_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} hue_rng;

void hue_rng_seed(hue_rng *r, uint64_t seed);
uint64_t hue_rng_next(hue_rng *r);
/* Uniform in [0, 1). */
double hue_rng_uniform(hue_rng *r);
/* Standard normal (Box-Muller). */
double hue_rng_normal(hue_rng *r);
/* Uniform integer in [0, n). */
uint64_t hue_rng_below(hue_rng *r, uint64_t n);

#endif
