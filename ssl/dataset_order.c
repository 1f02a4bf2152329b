/* Seeded randomness of the loader: the epoch order (Fisher-Yates) and the
 * per-image augmentation draws, both from counter-based streams so that
 * the result never depends on which thread asks first. */
#include "dataset_internal.h"
#include "hue_dataset.h"

/* SplitMix64's finaliser: a bijection that spreads every input bit. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

hue_data_rng hue_data_rng_make(uint64_t seed, int64_t epoch, int purpose, int64_t position)
{
    uint64_t k = mix64(seed ^ 0x6875655f64617461ull); /* "hue_data" */
    k = mix64(k ^ (uint64_t)epoch);
    k = mix64(k ^ (uint64_t)purpose);
    k = mix64(k ^ (uint64_t)position);
    return (hue_data_rng){k};
}

uint64_t hue_data_rng_next(hue_data_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ull;
    return mix64(r->state);
}

uint64_t hue_data_rng_below(hue_data_rng *r, uint64_t n)
{
    /* Reject the low values that would make some residues more likely. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = hue_data_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

void hue_dataset_epoch_order(int64_t n, uint64_t seed, int64_t epoch, int64_t *order)
{
    for (int64_t i = 0; i < n; i++)
        order[i] = i;
    hue_data_rng r = hue_data_rng_make(seed, epoch, HUE_RNG_SHUFFLE, 0);
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)hue_data_rng_below(&r, (uint64_t)i + 1);
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

hue_data_view hue_data_view_draw(uint64_t seed, int64_t epoch, int64_t position, int pad, int flip)
{
    hue_data_view v = {pad, 0, 0, 0};
    if (pad <= 0 && !flip)
        return v;
    hue_data_rng r = hue_data_rng_make(seed, epoch, HUE_RNG_AUGMENT, position);
    if (pad > 0) {
        v.dy = (int)hue_data_rng_below(&r, 2 * (uint64_t)pad + 1);
        v.dx = (int)hue_data_rng_below(&r, 2 * (uint64_t)pad + 1);
    } else {
        v.pad = 0;
    }
    if (flip)
        v.flip = (int)(hue_data_rng_next(&r) >> 63);
    return v;
}

uint64_t hue_loader_sample_seed(uint64_t seed, int64_t epoch, int64_t position)
{
    hue_data_rng r = hue_data_rng_make(seed, epoch, HUE_RNG_SAMPLE, position);
    return hue_data_rng_next(&r);
}
