/* Dropout's mask parameters, shared by its reference (dropout.c) and every
 * backend's kernel: element i is dropped when its hash is below the
 * threshold, and kept ones are scaled. */
#ifndef HUE_DROPOUT_INTERNAL_H
#define HUE_DROPOUT_INTERNAL_H
#include <stdint.h>
#include <string.h>

/* threshold = p * 2^32, saturated. */
static inline uint32_t hue_dropout_threshold(float p)
{
    double t = (double)p * 4294967296.0;
    return t >= 4294967295.0 ? 0xffffffffu : (uint32_t)t;
}

static inline float hue_dropout_scale(float p) { return p >= 1 ? 0.0f : (float)(1.0 / (1.0 - (double)p)); }

/* The hash of shaders/dropout.comp, bit for bit. */
static inline uint32_t hue_dropout_mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    return h;
}

/* The run's key, from the seed input's float bits. */
static inline uint32_t hue_dropout_key(float seed)
{
    uint32_t bits;
    memcpy(&bits, &seed, sizeof bits);
    return hue_dropout_mix(bits);
}

/* Element i's hash: kept where it is >= the threshold. */
static inline uint32_t hue_dropout_hash(int64_t i, uint32_t key) { return hue_dropout_mix((uint32_t)i * 0x9e3779b9u + key); }

#endif
