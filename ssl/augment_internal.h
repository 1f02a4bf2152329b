/* Checks shared by ssl/augment_*.c; not public. */
#ifndef HUE_AUGMENT_INTERNAL_H
#define HUE_AUGMENT_INTERNAL_H
#include "hue_error.h"
#include "hue_rng.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Sides up to 32768 and at most 2^28 pixels, so every index fits an int
 * multiplied by 3 and sizes never overflow. */
#define HUE_AUGMENT_MAX_SIDE 32768
#define HUE_AUGMENT_MAX_PIXELS (1LL << 28)

/* 0 when width x height is a usable image size, else HUE_EINVAL. */
static inline int hue_augment_check_size(const char *fn, const char *what, int width, int height)
{
    if (width < 1 || height < 1 || width > HUE_AUGMENT_MAX_SIDE || height > HUE_AUGMENT_MAX_SIDE ||
        (long long)width * height > HUE_AUGMENT_MAX_PIXELS)
        return hue_fail(HUE_EINVAL, "%s: %s of %dx%d pixels: sides must be 1 to %d, at most %lld pixels", fn, what,
                        width, height, HUE_AUGMENT_MAX_SIDE, HUE_AUGMENT_MAX_PIXELS);
    return 0;
}

/* 0 when (what) is a usable image of width x height, else HUE_EINVAL. */
static inline int hue_augment_check_image(const char *fn, const char *what, const void *rgb, int width, int height)
{
    if (!rgb)
        return hue_fail(HUE_EINVAL, "%s: %s is NULL", fn, what);
    return hue_augment_check_size(fn, what, width, height);
}

static inline int hue_augment_check_p(const char *fn, const char *name, float p)
{
    if (!(p >= 0 && p <= 1))
        return hue_fail(HUE_EINVAL, "%s: %s = %g: must be a probability from 0 to 1", fn, name, p);
    return 0;
}

static inline int hue_augment_check_rng(const char *fn, const hue_rng *r)
{
    return r ? 0 : hue_fail(HUE_EINVAL, "%s: the random generator is NULL", fn);
}

/* The coin of a random operation: always drawn, so the stream's use does
 * not depend on p. */
static inline int hue_augment_coin(hue_rng *r, float p) { return hue_rng_uniform(r) < (double)p; }

/* 0 when scale and ratio are usable crop ranges (augment_geometry.c). */
int hue_augment_check_crop_ranges(const char *fn, const float scale[2], const float ratio[2]);
/* 0 when j holds usable jitter strengths (augment_colour.c). */
struct hue_augment_jitter;
int hue_augment_check_jitter(const char *fn, const struct hue_augment_jitter *j);
/* 0 when sigma is a usable blur range (augment_colour.c). */
int hue_augment_check_sigma(const char *fn, const float sigma[2]);

/* Nearest byte, saturating (NaN gives 0). Written as two selects so that
 * loops over pixels compile without branches. */
static inline uint8_t hue_augment_byte(float v)
{
    v = v > 0 ? v : 0;
    v = v < 255 ? v : 255;
    return (uint8_t)(v + 0.5f);
}

#endif
