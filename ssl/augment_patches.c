/* Patches for context prediction (relative patch location, jigsaw): tiles
 * on a jittered grid, and the two remedies against chromatic aberration,
 * which otherwise tells a network where a patch sat in the lens. */
#include "augment_internal.h"
#include "hue_augment.h"

#include <stdlib.h>
#include <string.h>

#define MAX_GRID 64

int hue_augment_tiles(hue_rng *r, const uint8_t *src, int width, int height, int grid, int tile, uint8_t *dst,
                      int *origins)
{
    static const char fn[] = "tiles";
    int e = hue_augment_check_image(fn, "source", src, width, height);
    if (e < 0)
        return e;
    if (!dst)
        return hue_fail(HUE_EINVAL, "%s: the output is NULL", fn);
    if (grid < 1 || grid > MAX_GRID)
        return hue_fail(HUE_EINVAL, "%s: a grid of %d: must be 1 to %d cells a side", fn, grid, MAX_GRID);
    int cw = width / grid, ch = height / grid;
    if (tile < 1 || tile > cw || tile > ch)
        return hue_fail(HUE_EINVAL, "%s: a tile of %d pixels does not fit the %dx%d cells of a %dx%d grid on a %dx%d image",
                        fn, tile, cw, ch, grid, grid, width, height);
    /* The grid is centred; what does not divide evenly is left at the edges. */
    int x0 = (width - grid * cw) / 2, y0 = (height - grid * ch) / 2;
    size_t tile_bytes = (size_t)tile * tile * 3;
    for (int gy = 0; gy < grid; gy++)
        for (int gx = 0; gx < grid; gx++) {
            int jx = r ? (int)hue_rng_below(r, (uint64_t)(cw - tile + 1)) : (cw - tile) / 2;
            int jy = r ? (int)hue_rng_below(r, (uint64_t)(ch - tile + 1)) : (ch - tile) / 2;
            int x = x0 + gx * cw + jx, y = y0 + gy * ch + jy, i = gy * grid + gx;
            uint8_t *out = dst + tile_bytes * i;
            for (int row = 0; row < tile; row++)
                memcpy(out + (size_t)row * tile * 3, src + ((size_t)(y + row) * width + x) * 3, (size_t)tile * 3);
            if (origins)
                origins[2 * i] = x, origins[2 * i + 1] = y;
        }
    return 0;
}

int hue_augment_colour_drop(hue_rng *r, float noise_std, uint8_t *rgb, int width, int height)
{
    static const char fn[] = "colour drop";
    int e;
    if ((e = hue_augment_check_rng(fn, r)) < 0 || (e = hue_augment_check_image(fn, "image", rgb, width, height)) < 0)
        return e;
    if (!(noise_std >= 0 && noise_std <= 1000))
        return hue_fail(HUE_EINVAL, "%s: noise standard deviation %g: must be 0 to 1000", fn, noise_std);
    int keep = (int)hue_rng_below(r, 3);
    size_t n = (size_t)width * height;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            if (c != keep)
                rgb[3 * i + c] = hue_augment_byte(128.0f + noise_std * (float)hue_rng_normal(r));
    return keep;
}

static inline int clamp(int v, int n) { return v < 0 ? 0 : v >= n ? n - 1 : v; }

int hue_augment_channel_jitter(hue_rng *r, int max_shift, uint8_t *rgb, int width, int height, int shifts[4])
{
    static const char fn[] = "channel jitter";
    int e;
    if ((e = hue_augment_check_rng(fn, r)) < 0 || (e = hue_augment_check_image(fn, "image", rgb, width, height)) < 0)
        return e;
    if (max_shift < 0 || max_shift > 1000)
        return hue_fail(HUE_EINVAL, "%s: largest shift %d: must be 0 to 1000 pixels", fn, max_shift);
    int d[4];
    for (int i = 0; i < 4; i++)
        d[i] = (int)hue_rng_below(r, 2 * (uint64_t)max_shift + 1) - max_shift;
    if (shifts)
        memcpy(shifts, d, sizeof d);
    if (!d[0] && !d[1] && !d[2] && !d[3])
        return 0;
    size_t n = (size_t)width * height;
    uint8_t *copy = malloc(n * 3);
    if (!copy)
        return hue_fail(HUE_ENOMEM, "%s: out of memory for a %dx%d image", fn, width, height);
    memcpy(copy, rgb, n * 3);
    for (int k = 0; k < 2; k++) {
        int c = k ? 2 : 0, dx = d[2 * k], dy = d[2 * k + 1];
        for (int y = 0; y < height; y++) {
            int sy = clamp(y - dy, height);
            for (int x = 0; x < width; x++)
                rgb[((size_t)y * width + x) * 3 + c] = copy[((size_t)sy * width + clamp(x - dx, width)) * 3 + c];
        }
    }
    free(copy);
    return 1;
}
