/* Where a view's pixels come from: random resized crops and their
 * resampling, flips and quarter-turn rotations. */
#include "augment_internal.h"
#include "hue_augment.h"

#include <stdlib.h>
#include <string.h>

#define CROP_ATTEMPTS 10 /* as torchvision, before the centred fallback */

static int check_range(const char *fn, const char *name, const float v[2], float max)
{
    if (!v)
        return hue_fail(HUE_EINVAL, "%s: %s is NULL", fn, name);
    if (!(v[0] > 0 && v[0] <= v[1] && v[1] <= max))
        return hue_fail(HUE_EINVAL, "%s: %s = [%g, %g]: must satisfy 0 < low <= high <= %g", fn, name, v[0], v[1],
                        max);
    return 0;
}

/* Range limits shared with the config check: ratios beyond 10^6 make no
 * region of a real image. */
int hue_augment_check_crop_ranges(const char *fn, const float scale[2], const float ratio[2])
{
    int r = check_range(fn, "scale", scale, 1.0f);
    return r < 0 ? r : check_range(fn, "ratio", ratio, 1e6f);
}

int hue_augment_crop_draw(hue_rng *r, int width, int height, const float scale[2], const float ratio[2],
                          hue_augment_box *box)
{
    static const char fn[] = "random resized crop";
    int e;
    if ((e = hue_augment_check_rng(fn, r)) < 0 || (e = hue_augment_check_size(fn, "image", width, height)) < 0 ||
        (e = hue_augment_check_crop_ranges(fn, scale, ratio)) < 0)
        return e;
    if (!box)
        return hue_fail(HUE_EINVAL, "%s: the output box is NULL", fn);
    double area = (double)width * height, lr0 = log(ratio[0]), lr1 = log(ratio[1]);
    for (int attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
        double target = area * (scale[0] + (scale[1] - scale[0]) * hue_rng_uniform(r));
        double aspect = exp(lr0 + (lr1 - lr0) * hue_rng_uniform(r));
        double wf = sqrt(target * aspect), hf = sqrt(target / aspect);
        /* Compare before rounding: an extreme ratio can make wf huge. */
        if (!(wf < width + 0.5 && hf < height + 0.5))
            continue;
        int w = (int)lround(wf), h = (int)lround(hf);
        if (w < 1 || h < 1)
            continue;
        box->y = (int)hue_rng_below(r, (uint64_t)(height - h + 1));
        box->x = (int)hue_rng_below(r, (uint64_t)(width - w + 1));
        box->width = w, box->height = h;
        return 0;
    }
    /* The whole image, trimmed to the nearest allowed ratio, centred. */
    double in_ratio = (double)width / height, w = width, h = height;
    if (in_ratio < ratio[0])
        h = fmin(height, w / ratio[0]);
    else if (in_ratio > ratio[1])
        w = fmin(width, h * ratio[1]);
    box->width = (int)fmax(1, lround(w));
    box->height = (int)fmax(1, lround(h));
    box->x = (width - box->width) / 2;
    box->y = (height - box->height) / 2;
    return 1;
}

/* Taps of one axis: output o reads `count` inputs from `first`, weighted. */
typedef struct {
    int first, count;
} span;

/* Triangle filter over input pixel centres k + 0.5, widened to the
 * shrink factor when shrinking; weights sum to 1. */
static void make_taps(int in_len, int out_len, int max_taps, span *spans, float *weights)
{
    double scale = (double)in_len / out_len, width = scale > 1 ? scale : 1;
    for (int o = 0; o < out_len; o++) {
        double centre = (o + 0.5) * scale;
        int lo = (int)floor(centre - width - 0.5) + 1, hi = (int)ceil(centre + width - 0.5) - 1;
        lo = lo < 0 ? 0 : lo;
        hi = hi > in_len - 1 ? in_len - 1 : hi;
        if (hi - lo + 1 > max_taps)
            hi = lo + max_taps - 1; /* not reached: max_taps covers the support */
        float *w = weights + (size_t)o * max_taps;
        double sum = 0;
        for (int k = lo; k <= hi; k++) {
            double t = 1 - fabs(k + 0.5 - centre) / width;
            w[k - lo] = (float)(t > 0 ? t : 0);
            sum += w[k - lo];
        }
        for (int k = lo; k <= hi; k++)
            w[k - lo] = (float)(w[k - lo] / sum);
        spans[o] = (span){lo, hi - lo + 1};
    }
}

int hue_augment_resize(const uint8_t *src, int width, int height, hue_augment_box box, uint8_t *dst,
                       int out_width, int out_height)
{
    static const char fn[] = "resize";
    int e;
    if ((e = hue_augment_check_image(fn, "source", src, width, height)) < 0 ||
        (e = hue_augment_check_image(fn, "output", dst, out_width, out_height)) < 0)
        return e;
    if (box.x < 0 || box.y < 0 || box.width < 1 || box.height < 1 || box.width > width - box.x ||
        box.height > height - box.y)
        return hue_fail(HUE_EINVAL, "%s: region %dx%d at (%d, %d) is not inside the %dx%d image", fn, box.width,
                        box.height, box.x, box.y, width, height);
    int taps_x = (int)ceil(2.0 * fmax(1.0, (double)box.width / out_width)) + 2;
    int taps_y = (int)ceil(2.0 * fmax(1.0, (double)box.height / out_height)) + 2;
    span *sx = malloc(sizeof *sx * (size_t)out_width), *sy = malloc(sizeof *sy * (size_t)out_height);
    float *wx = malloc(sizeof *wx * (size_t)out_width * taps_x);
    float *wy = malloc(sizeof *wy * (size_t)out_height * taps_y);
    float *rows = malloc(sizeof *rows * (size_t)box.height * out_width * 3); /* after the horizontal pass */
    if (!sx || !sy || !wx || !wy || !rows) {
        free(sx), free(sy), free(wx), free(wy), free(rows);
        return hue_fail(HUE_ENOMEM, "%s: out of memory for a %dx%d region", fn, box.width, box.height);
    }
    make_taps(box.width, out_width, taps_x, sx, wx);
    make_taps(box.height, out_height, taps_y, sy, wy);
    for (int y = 0; y < box.height; y++) {
        const uint8_t *in = src + ((size_t)(box.y + y) * width + box.x) * 3;
        float *out = rows + (size_t)y * out_width * 3;
        for (int o = 0; o < out_width; o++) {
            const float *w = wx + (size_t)o * taps_x;
            const uint8_t *p = in + (size_t)sx[o].first * 3;
            float a = 0, b = 0, c = 0;
            for (int k = 0; k < sx[o].count; k++, p += 3)
                a += w[k] * p[0], b += w[k] * p[1], c += w[k] * p[2];
            out[3 * o] = a, out[3 * o + 1] = b, out[3 * o + 2] = c;
        }
    }
    size_t row = (size_t)out_width * 3;
    for (int o = 0; o < out_height; o++) {
        const float *w = wy + (size_t)o * taps_y;
        uint8_t *out = dst + (size_t)o * row;
        for (size_t i = 0; i < row; i++) {
            const float *p = rows + (size_t)sy[o].first * row + i;
            float v = 0;
            for (int k = 0; k < sy[o].count; k++, p += row)
                v += w[k] * *p;
            out[i] = hue_augment_byte(v);
        }
    }
    free(sx), free(sy), free(wx), free(wy), free(rows);
    return 0;
}

int hue_augment_random_resized_crop(hue_rng *r, const uint8_t *src, int width, int height, const float scale[2],
                                    const float ratio[2], uint8_t *dst, int out_width, int out_height)
{
    hue_augment_box box;
    int e = hue_augment_check_image("random resized crop", "source", src, width, height);
    if (e < 0 || (e = hue_augment_crop_draw(r, width, height, scale, ratio, &box)) < 0)
        return e;
    int r2 = hue_augment_resize(src, width, height, box, dst, out_width, out_height);
    return r2 < 0 ? r2 : e;
}

int hue_augment_flip(hue_rng *r, float p, uint8_t *rgb, int width, int height)
{
    static const char fn[] = "flip";
    int e;
    if ((e = hue_augment_check_rng(fn, r)) < 0 || (e = hue_augment_check_p(fn, "p", p)) < 0 ||
        (e = hue_augment_check_image(fn, "image", rgb, width, height)) < 0)
        return e;
    if (!hue_augment_coin(r, p))
        return 0;
    for (int y = 0; y < height; y++) {
        uint8_t *a = rgb + (size_t)y * width * 3, *b = a + (size_t)(width - 1) * 3;
        for (; a < b; a += 3, b -= 3)
            for (int c = 0; c < 3; c++) {
                uint8_t t = a[c];
                a[c] = b[c], b[c] = t;
            }
    }
    return 1;
}

int hue_augment_rotate90(const uint8_t *src, int width, int height, int k, uint8_t *dst)
{
    static const char fn[] = "rotate90";
    int e;
    if ((e = hue_augment_check_image(fn, "source", src, width, height)) < 0 ||
        (e = hue_augment_check_image(fn, "output", dst, width, height)) < 0)
        return e;
    size_t bytes = (size_t)width * height * 3;
    if (src < dst + bytes && dst < src + bytes)
        return hue_fail(HUE_EINVAL, "%s: the output overlaps the source", fn);
    k = ((k % 4) + 4) % 4;
    if (k == 0) {
        memcpy(dst, src, bytes);
        return 0;
    }
    /* Output (x, y) reads source (sx, sy); odd k swaps the sides. */
    int ow = k == 2 ? width : height, oh = k == 2 ? height : width;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            if (k == 1)
                sx = width - 1 - y, sy = x;
            else if (k == 2)
                sx = width - 1 - x, sy = height - 1 - y;
            else
                sx = y, sy = height - 1 - x;
            memcpy(dst + ((size_t)y * ow + x) * 3, src + ((size_t)sy * width + sx) * 3, 3);
        }
    return 0;
}
