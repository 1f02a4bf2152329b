/* What a view's pixels look like: colour jitter, grayscale, Gaussian blur
 * and solarize, each in place on packed RGB8. */
#include "augment_internal.h"
#include "hue_augment.h"

#include <stdlib.h>

/* Plain comparisons rather than fmaxf/fminf, which without -ffast-math
 * are library calls (their NaN rules differ from the instructions). */
static inline float max2(float a, float b) { return a > b ? a : b; }
static inline float min2(float a, float b) { return a < b ? a : b; }

/* ITU-R 601 luma, unrounded. */
static inline float luma(const uint8_t *p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }

int hue_augment_check_jitter(const char *fn, const hue_augment_jitter *j)
{
    if (!j)
        return hue_fail(HUE_EINVAL, "%s: the jitter strengths are NULL", fn);
    const float s[3] = {j->brightness, j->contrast, j->saturation};
    static const char *names[3] = {"brightness", "contrast", "saturation"};
    for (int i = 0; i < 3; i++)
        if (!(s[i] >= 0 && s[i] <= 1000))
            return hue_fail(HUE_EINVAL, "%s: jitter %s = %g: must be 0 to 1000", fn, names[i], s[i]);
    if (!(j->hue >= 0 && j->hue <= 0.5f))
        return hue_fail(HUE_EINVAL, "%s: jitter hue = %g: must be 0 to 0.5 (a full turn is 1)", fn, j->hue);
    return 0;
}

/* Brightness and contrast map each byte value alike: a table of 256. */
static void apply_table(uint8_t *rgb, size_t n, const uint8_t table[256])
{
    for (size_t i = 0; i < 3 * n; i++)
        rgb[i] = table[rgb[i]];
}

static void brightness(uint8_t *rgb, size_t n, float f)
{
    uint8_t table[256];
    for (int v = 0; v < 256; v++)
        table[v] = hue_augment_byte(v * f);
    apply_table(rgb, n, table);
}

/* Blends towards the mean luma of the whole image. */
static void contrast(uint8_t *rgb, size_t n, float f)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += luma(rgb + 3 * i);
    float base = (float)((1 - f) * (sum / n));
    uint8_t table[256];
    for (int v = 0; v < 256; v++)
        table[v] = hue_augment_byte(f * v + base);
    apply_table(rgb, n, table);
}

/* Blends each pixel towards its own luma. */
static void saturation(uint8_t *rgb, size_t n, float f)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = rgb + 3 * i;
        float g = (1 - f) * luma(p);
        uint8_t r = hue_augment_byte(f * p[0] + g), gr = hue_augment_byte(f * p[1] + g),
                b = hue_augment_byte(f * p[2] + g);
        p[0] = r, p[1] = gr, p[2] = b;
    }
}

/* Rotates the HSV hue by `shift` turns (|shift| <= 0.5). Value (the
 * largest channel) and the smallest channel stay as they were; only the
 * middle one and which channel holds what change. Branch-free: channel n
 * (R 5, G 3, B 1) of hue h (in sixths) is hi - c * clamp(min(k, 4 - k), 0, 1)
 * with k = (n + h) mod 6. */
static void hue_shift(uint8_t *rgb, size_t n, float shift)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = rgb + 3 * i;
        float r = p[0], g = p[1], b = p[2];
        float hi = max2(r, max2(g, b)), lo = min2(r, min2(g, b)), c = hi - lo;
        float inv = 1.0f / (c > 0 ? c : 1); /* gray: any hue, c = 0 keeps it gray */
        float h = hi == r ? (g - b) * inv : hi == g ? (b - r) * inv + 2 : (r - g) * inv + 4;
        h += 6 * shift; /* now in [-4, 9) */
        h = h < 0 ? h + 6 : h;
        h = h >= 6 ? h - 6 : h;
        static const float start[3] = {5, 3, 1};
        uint8_t o[3];
        for (int ch = 0; ch < 3; ch++) {
            float k = start[ch] + h;
            k = k >= 6 ? k - 6 : k;
            float t = max2(min2(min2(k, 4 - k), 1), 0);
            o[ch] = hue_augment_byte(hi - c * t);
        }
        p[0] = o[0], p[1] = o[1], p[2] = o[2];
    }
}

static int check_common(const char *fn, hue_rng *r, float p, const uint8_t *rgb, int width, int height)
{
    int e;
    if ((e = hue_augment_check_rng(fn, r)) < 0 || (e = hue_augment_check_p(fn, "p", p)) < 0 ||
        (e = hue_augment_check_image(fn, "image", rgb, width, height)) < 0)
        return e;
    return 0;
}

int hue_augment_colour_jitter(hue_rng *r, float p, const hue_augment_jitter *j, uint8_t *rgb, int width,
                              int height)
{
    static const char fn[] = "colour jitter";
    int e;
    if ((e = check_common(fn, r, p, rgb, width, height)) < 0 || (e = hue_augment_check_jitter(fn, j)) < 0)
        return e;
    if (!hue_augment_coin(r, p))
        return 0;
    /* As torchvision: a random order of the four, then their factors. */
    int order[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) {
        int k = (int)hue_rng_below(r, (uint64_t)i + 1), t = order[i];
        order[i] = order[k], order[k] = t;
    }
    const float s[3] = {j->brightness, j->contrast, j->saturation};
    float f[4] = {1, 1, 1, 0};
    for (int i = 0; i < 3; i++)
        if (s[i] > 0) {
            float lo = s[i] < 1 ? 1 - s[i] : 0;
            f[i] = lo + (float)hue_rng_uniform(r) * (1 + s[i] - lo);
        }
    if (j->hue > 0)
        f[3] = (float)((2 * hue_rng_uniform(r) - 1) * j->hue);
    size_t n = (size_t)width * height;
    for (int i = 0; i < 4; i++) {
        int k = order[i];
        if (k == 0 && s[0] > 0)
            brightness(rgb, n, f[0]);
        else if (k == 1 && s[1] > 0)
            contrast(rgb, n, f[1]);
        else if (k == 2 && s[2] > 0)
            saturation(rgb, n, f[2]);
        else if (k == 3 && j->hue > 0)
            hue_shift(rgb, n, f[3]);
    }
    return 1;
}

int hue_augment_grayscale(hue_rng *r, float p, uint8_t *rgb, int width, int height)
{
    int e = check_common("grayscale", r, p, rgb, width, height);
    if (e < 0)
        return e;
    if (!hue_augment_coin(r, p))
        return 0;
    size_t n = (size_t)width * height;
    for (size_t i = 0; i < n; i++) {
        uint8_t *q = rgb + 3 * i;
        /* In thousandths, so the rounding is exact. */
        q[0] = q[1] = q[2] = (uint8_t)((299u * q[0] + 587u * q[1] + 114u * q[2] + 500u) / 1000u);
    }
    return 1;
}

int hue_augment_check_sigma(const char *fn, const float sigma[2])
{
    if (!sigma)
        return hue_fail(HUE_EINVAL, "%s: blur sigma range is NULL", fn);
    if (!(sigma[0] > 0 && sigma[0] <= sigma[1] && sigma[1] <= 1000))
        return hue_fail(HUE_EINVAL, "%s: blur sigma = [%g, %g]: must satisfy 0 < low <= high <= 1000", fn, sigma[0],
                        sigma[1]);
    return 0;
}

/* Index i of a line of n mirrored at both ends (edge not repeated). */
static inline int mirror(int i, int n)
{
    if (n == 1)
        return 0;
    while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * n - 2 - i;
    return i;
}

int hue_augment_blur(hue_rng *r, float p, const float sigma[2], uint8_t *rgb, int width, int height)
{
    static const char fn[] = "blur";
    int e;
    if ((e = check_common(fn, r, p, rgb, width, height)) < 0 || (e = hue_augment_check_sigma(fn, sigma)) < 0)
        return e;
    if (!hue_augment_coin(r, p))
        return 0;
    double s = sigma[0] + (sigma[1] - sigma[0]) * hue_rng_uniform(r);
    int side = width < height ? width : height, radius = side / 20 > 1 ? side / 20 : 1;
    float *tmp = malloc(sizeof *tmp * (size_t)width * height * 3), *k = malloc(sizeof *k * (2 * (size_t)radius + 1));
    if (!tmp || !k) {
        free(tmp), free(k);
        return hue_fail(HUE_ENOMEM, "%s: out of memory for a %dx%d image", fn, width, height);
    }
    double sum = 0;
    for (int i = -radius; i <= radius; i++)
        sum += exp(-(double)i * i / (2 * s * s));
    for (int i = -radius; i <= radius; i++)
        k[i + radius] = (float)(exp(-(double)i * i / (2 * s * s)) / sum);
    for (int y = 0; y < height; y++) {
        const uint8_t *in = rgb + (size_t)y * width * 3;
        float *out = tmp + (size_t)y * width * 3;
        for (int x = 0; x < width; x++)
            for (int c = 0; c < 3; c++) {
                float v = 0;
                for (int i = -radius; i <= radius; i++)
                    v += k[i + radius] * in[(size_t)mirror(x + i, width) * 3 + c];
                out[3 * x + c] = v;
            }
    }
    size_t row = (size_t)width * 3;
    for (int y = 0; y < height; y++) {
        uint8_t *out = rgb + (size_t)y * row;
        for (size_t x = 0; x < row; x++) {
            float v = 0;
            for (int i = -radius; i <= radius; i++)
                v += k[i + radius] * tmp[(size_t)mirror(y + i, height) * row + x];
            out[x] = hue_augment_byte(v);
        }
    }
    free(tmp), free(k);
    return 1;
}

int hue_augment_solarize(hue_rng *r, float p, uint8_t *rgb, int width, int height)
{
    int e = check_common("solarize", r, p, rgb, width, height);
    if (e < 0)
        return e;
    if (!hue_augment_coin(r, p))
        return 0;
    size_t n = (size_t)width * height * 3;
    for (size_t i = 0; i < n; i++)
        if (rgb[i] >= 128)
            rgb[i] = (uint8_t)(255 - rgb[i]);
    return 1;
}
