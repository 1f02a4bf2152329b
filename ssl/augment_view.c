/* One view of an image from a recipe (hue_augment_config), the recipes of
 * SimCLR and MoCo v2, and the loader hook that writes several views of
 * each image in the decode threads. */
#include "augment_internal.h"
#include "hue_augment.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SIZE 4096

hue_augment_config hue_augment_plain(int size)
{
    hue_augment_config c = {0};
    c.size = size;
    c.crop = 0;
    c.scale[0] = 1, c.scale[1] = 1;
    c.ratio[0] = 3.0f / 4, c.ratio[1] = 4.0f / 3;
    c.blur_sigma[0] = 0.1f, c.blur_sigma[1] = 2.0f;
    return c;
}

hue_augment_config hue_augment_simclr(int size)
{
    hue_augment_config c = hue_augment_plain(size);
    c.crop = 1;
    c.scale[0] = 0.08f;
    c.flip_p = 0.5f;
    c.jitter = (hue_augment_jitter){0.4f, 0.4f, 0.4f, 0.1f};
    c.jitter_p = 0.8f;
    c.gray_p = 0.2f;
    /* SimCLR blurs ImageNet views, not CIFAR's 32x32 ones. */
    c.blur_p = size > 32 ? 0.5f : 0.0f;
    return c;
}

hue_augment_config hue_augment_mocov2(int size)
{
    hue_augment_config c = hue_augment_simclr(size);
    c.scale[0] = 0.2f;
    c.blur_p = 0.5f;
    return c;
}

int hue_augment_check(const hue_augment_config *c)
{
    static const char fn[] = "augment config";
    int e;
    if (!c)
        return hue_fail(HUE_EINVAL, "%s: NULL", fn);
    if (c->size < 1 || c->size > MAX_SIZE)
        return hue_fail(HUE_EINVAL, "%s: size = %d: must be 1 to %d", fn, c->size, MAX_SIZE);
    if (c->crop != 0 && c->crop != 1)
        return hue_fail(HUE_EINVAL, "%s: crop = %d: must be 0 or 1", fn, c->crop);
    if (c->crop && (e = hue_augment_check_crop_ranges(fn, c->scale, c->ratio)) < 0)
        return e;
    if ((e = hue_augment_check_p(fn, "flip_p", c->flip_p)) < 0 ||
        (e = hue_augment_check_p(fn, "jitter_p", c->jitter_p)) < 0 ||
        (e = hue_augment_check_jitter(fn, &c->jitter)) < 0 || (e = hue_augment_check_p(fn, "gray_p", c->gray_p)) < 0 ||
        (e = hue_augment_check_p(fn, "blur_p", c->blur_p)) < 0 ||
        (e = hue_augment_check_p(fn, "solarize_p", c->solarize_p)) < 0)
        return e;
    if (c->blur_p > 0 && (e = hue_augment_check_sigma(fn, c->blur_sigma)) < 0)
        return e;
    return 0;
}

int hue_augment_view_u8(const hue_augment_config *c, hue_rng *r, const uint8_t *src, int width, int height,
                        uint8_t *dst)
{
    static const char fn[] = "augment view";
    int e;
    if ((e = hue_augment_check(c)) < 0 || (e = hue_augment_check_rng(fn, r)) < 0 ||
        (e = hue_augment_check_image(fn, "source", src, width, height)) < 0)
        return e;
    if (!dst)
        return hue_fail(HUE_EINVAL, "%s: the output is NULL", fn);
    hue_augment_box box = {0, 0, width, height};
    int s = c->size;
    if ((c->crop && (e = hue_augment_crop_draw(r, width, height, c->scale, c->ratio, &box)) < 0) ||
        (e = hue_augment_resize(src, width, height, box, dst, s, s)) < 0 ||
        (e = hue_augment_flip(r, c->flip_p, dst, s, s)) < 0 ||
        (e = hue_augment_colour_jitter(r, c->jitter_p, &c->jitter, dst, s, s)) < 0 ||
        (e = hue_augment_grayscale(r, c->gray_p, dst, s, s)) < 0 ||
        (c->blur_p > 0 && (e = hue_augment_blur(r, c->blur_p, c->blur_sigma, dst, s, s)) < 0) ||
        (e = hue_augment_solarize(r, c->solarize_p, dst, s, s)) < 0)
        return e;
    return 0;
}

static int check_norm(const char *fn, const float mean[3], const float std[3])
{
    if (!mean || !std)
        return hue_fail(HUE_EINVAL, "%s: mean or std is NULL", fn);
    for (int ch = 0; ch < 3; ch++) {
        if (!isfinite(mean[ch]))
            return hue_fail(HUE_EINVAL, "%s: mean[%d] is not a finite number", fn, ch);
        if (!(std[ch] > 0) || !isfinite(std[ch]))
            return hue_fail(HUE_EINVAL, "%s: std[%d] = %g: must be a positive number", fn, ch, std[ch]);
    }
    return 0;
}

int hue_augment_view_f32(const hue_augment_config *c, hue_rng *r, const uint8_t *src, int width, int height,
                         const float mean[3], const float std[3], float *dst)
{
    static const char fn[] = "augment view";
    int e;
    if ((e = check_norm(fn, mean, std)) < 0 || (e = hue_augment_check(c)) < 0)
        return e;
    if (!dst)
        return hue_fail(HUE_EINVAL, "%s: the output is NULL", fn);
    size_t plane = (size_t)c->size * c->size;
    uint8_t *rgb = malloc(plane * 3);
    if (!rgb)
        return hue_fail(HUE_ENOMEM, "%s: out of memory for a %dx%d view", fn, c->size, c->size);
    if ((e = hue_augment_view_u8(c, r, src, width, height, rgb)) == 0) {
        float lut[3][256];
        for (int ch = 0; ch < 3; ch++)
            for (int v = 0; v < 256; v++)
                lut[ch][v] = (float)((v / 255.0 - mean[ch]) / std[ch]);
        for (size_t i = 0; i < plane; i++)
            for (int ch = 0; ch < 3; ch++)
                dst[ch * plane + i] = lut[ch][rgb[3 * i + ch]];
    }
    free(rgb);
    return e;
}

int64_t hue_augment_views_floats(const hue_augment_views *v)
{
    static const char fn[] = "augment views";
    int e;
    if (!v)
        return hue_fail(HUE_EINVAL, "%s: NULL", fn);
    if (v->count < 1 || v->count > HUE_AUGMENT_MAX_VIEWS)
        return hue_fail(HUE_EINVAL, "%s: count = %d: must be 1 to %d", fn, v->count, HUE_AUGMENT_MAX_VIEWS);
    if ((e = check_norm(fn, v->mean, v->std)) < 0)
        return e;
    int64_t n = 0;
    for (int i = 0; i < v->count; i++) {
        if ((e = hue_augment_check(&v->view[i])) < 0)
            return hue_fail(e, "view %d: %s", i, hue_error_message());
        n += 3 * (int64_t)v->view[i].size * v->view[i].size;
    }
    return n;
}

int hue_augment_views_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out)
{
    const hue_augment_views *v = user;
    int64_t n = hue_augment_views_floats(v);
    if (n < 0)
        return (int)n;
    hue_rng r;
    hue_rng_seed(&r, seed);
    for (int i = 0; i < v->count; i++) {
        int e = hue_augment_view_f32(&v->view[i], &r, rgb, width, height, v->mean, v->std, out);
        if (e < 0)
            return e;
        out += 3 * (size_t)v->view[i].size * v->view[i].size;
    }
    return 0;
}
