/* Dropout's mask parameters, shared by its reference (dropout.c) and every
 * backend's kernel: element i is dropped when its hash is below the
 * threshold, and kept ones are scaled. */
#ifndef HUE_DROPOUT_INTERNAL_H
#define HUE_DROPOUT_INTERNAL_H
#include <stdint.h>

/* threshold = p * 2^32, saturated. */
static inline uint32_t hue_dropout_threshold(float p)
{
    double t = (double)p * 4294967296.0;
    return t >= 4294967295.0 ? 0xffffffffu : (uint32_t)t;
}

static inline float hue_dropout_scale(float p) { return p >= 1 ? 0.0f : (float)(1.0 / (1.0 - (double)p)); }

#endif
