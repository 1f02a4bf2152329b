/* The augmentations (ssl/hue_augment.h) on real photos: a few CIFAR-10
 * JPEGs (32x32) extracted from HUE_DATA's tarball, and a DAVIS frame
 * (blackswan 00000, resized to 160x90) as a non-square image, or a
 * 32x19 piece of a CIFAR image when DAVIS is absent. Exact results where
 * the operation is exact (rotation, flip, grayscale, solarize, tiles,
 * colour dropping, channel jitter, the identity cases), statistics where
 * it is random (crop areas and ratios, blur, jitter factors), and each
 * bad argument an error that names it. Skipped (77) without CIFAR-10. */
#include "dataset_test_util.h"
#include "hue_augment.h"
#include "hue_video.h"
#include "test_util.h"

#include <math.h>
#include <unistd.h>

#define SKIP 77
#define NCIFAR 6

typedef struct {
    int w, h;
    uint8_t *rgb;
    char name[64];
} image;

static image cifar[NCIFAR], wide; /* wide: the non-square one */

static int load(image *im, const char *path, int w, int h, const char *name)
{
    hue_video_options o = {.width = w, .height = h, .filter = HUE_SCALE_AREA, .threads = 1};
    hue_video *v;
    if (hue_video_open(&v, path, &o) < 0) {
        fprintf(stderr, "%s\n", hue_error_message());
        return -1;
    }
    const hue_video_info *info = hue_video_get_info(v);
    im->w = info->out_width, im->h = info->out_height;
    im->rgb = malloc((size_t)im->w * im->h * 3);
    int r = hue_video_read_rgb(v, im->rgb);
    hue_video_close(v);
    snprintf(im->name, sizeof im->name, "%s", name);
    return r == 1 ? 0 : -1;
}

static uint8_t *dup_image(const image *im)
{
    uint8_t *p = malloc((size_t)im->w * im->h * 3);
    memcpy(p, im->rgb, (size_t)im->w * im->h * 3);
    return p;
}

static const uint8_t *px(const uint8_t *rgb, int w, int x, int y) { return rgb + ((size_t)y * w + x) * 3; }

static int same(const uint8_t *a, const uint8_t *b, const image *im)
{
    return memcmp(a, b, (size_t)im->w * im->h * 3) == 0;
}

/* Every bad argument is an error whose message contains `what`. */
#define EXPECT_ERR(call, what)                                                                          \
    do {                                                                                                \
        hue_error_clear();                                                                              \
        int rc_ = (call);                                                                               \
        CHECKF(rc_ == HUE_EINVAL && strstr(hue_error_message(), what), "%s gave %d: %s", #call, rc_,    \
               hue_error_message());                                                                    \
    } while (0)

static void test_rotate(void)
{
    const image *im = &wide;
    size_t n = (size_t)im->w * im->h * 3;
    uint8_t *a = malloc(n), *b = malloc(n), *c = dup_image(im);
    /* One quarter turn against a loop written from its definition: the
     * top row of the output is the source's right column, read downwards. */
    CHECK(hue_augment_rotate90(im->rgb, im->w, im->h, 1, a) == 0);
    int bad = 0;
    for (int y = 0; y < im->w; y++)     /* output is h wide, w high */
        for (int x = 0; x < im->h; x++)
            bad += memcmp(px(a, im->h, x, y), px(im->rgb, im->w, im->w - 1 - y, x), 3) != 0;
    CHECKF(bad == 0, "%d pixels of a quarter turn differ from the hand loop", bad);
    /* k = 2 is both flips; k = -1 is k = 3. */
    CHECK(hue_augment_rotate90(im->rgb, im->w, im->h, 2, b) == 0);
    bad = 0;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            bad += memcmp(px(b, im->w, x, y), px(im->rgb, im->w, im->w - 1 - x, im->h - 1 - y), 3) != 0;
    CHECK(bad == 0);
    CHECK(hue_augment_rotate90(im->rgb, im->w, im->h, 3, a) == 0);
    CHECK(hue_augment_rotate90(im->rgb, im->w, im->h, -1, b) == 0);
    CHECK(memcmp(a, b, n) == 0);
    /* Four quarter turns, alternating buffers (sides swap each time). */
    int w = im->w, h = im->h;
    for (int k = 0; k < 4; k++) {
        CHECK(hue_augment_rotate90(c, w, h, 1, a) == 0);
        memcpy(c, a, n);
        int t = w;
        w = h, h = t;
    }
    CHECK(w == im->w && h == im->h && same(c, im->rgb, im));
    CHECK(hue_augment_rotate90(im->rgb, im->w, im->h, 5, a) == 0 && hue_augment_rotate90(im->rgb, im->w, im->h, 1, b) == 0 &&
          memcmp(a, b, n) == 0);
    EXPECT_ERR(hue_augment_rotate90(c, im->w, im->h, 1, c), "overlaps");
    EXPECT_ERR(hue_augment_rotate90(NULL, im->w, im->h, 1, a), "source is NULL");
    EXPECT_ERR(hue_augment_rotate90(c, 0, im->h, 1, a), "0x");
    printf("ok   rotate90 on %s: hand loop, 4 turns = identity\n", im->name);
    free(a), free(b), free(c);
}

static void test_flip(void)
{
    hue_rng r;
    hue_rng_seed(&r, 1);
    for (int k = 0; k < 2; k++) {
        const image *im = k ? &wide : &cifar[0];
        uint8_t *a = dup_image(im);
        CHECK(hue_augment_flip(&r, 1.0f, a, im->w, im->h) == 1);
        int bad = 0;
        for (int y = 0; y < im->h; y++)
            for (int x = 0; x < im->w; x++)
                bad += memcmp(px(a, im->w, x, y), px(im->rgb, im->w, im->w - 1 - x, y), 3) != 0;
        CHECKF(bad == 0, "%s: %d pixels wrong after a flip", im->name, bad);
        CHECK(!same(a, im->rgb, im));
        CHECK(hue_augment_flip(&r, 0.0f, a, im->w, im->h) == 0);
        CHECK(hue_augment_flip(&r, 1.0f, a, im->w, im->h) == 1 && same(a, im->rgb, im));
        free(a);
    }
    /* p = 0.3: about 300 of 1000 (binomial sd 14.5). */
    uint8_t one[3] = {1, 2, 3};
    int flips = 0;
    for (int i = 0; i < 1000; i++)
        flips += hue_augment_flip(&r, 0.3f, one, 1, 1);
    CHECKF(flips > 240 && flips < 360, "%d flips of 1000 at p 0.3", flips);
    EXPECT_ERR(hue_augment_flip(&r, 1.5f, one, 1, 1), "p = 1.5");
    EXPECT_ERR(hue_augment_flip(NULL, 0.5f, one, 1, 1), "random generator is NULL");
    printf("ok   flip exact on %s and %s; %d of 1000 at p 0.3\n", cifar[0].name, wide.name, flips);
}

static void test_grayscale(void)
{
    hue_rng r;
    hue_rng_seed(&r, 2);
    const image *im = &wide;
    uint8_t *a = dup_image(im);
    CHECK(hue_augment_grayscale(&r, 0.0f, a, im->w, im->h) == 0 && same(a, im->rgb, im));
    CHECK(hue_augment_grayscale(&r, 1.0f, a, im->w, im->h) == 1);
    int unequal = 0, wrong = 0;
    for (size_t i = 0; i < (size_t)im->w * im->h; i++) {
        const uint8_t *s = im->rgb + 3 * i, *d = a + 3 * i;
        unequal += d[0] != d[1] || d[0] != d[2];
        long want = lround((299.0 * s[0] + 587.0 * s[1] + 114.0 * s[2]) / 1000.0);
        wrong += d[0] != want;
    }
    CHECKF(unequal == 0 && wrong == 0, "%d pixels with unequal channels, %d with the wrong luma", unequal, wrong);
    /* Pure colours: 0.299, 0.587, 0.114 of 255. */
    uint8_t rgb[9] = {255, 0, 0, 0, 255, 0, 0, 0, 255};
    hue_augment_grayscale(&r, 1.0f, rgb, 3, 1);
    CHECKF(rgb[0] == 76 && rgb[3] == 150 && rgb[6] == 29, "%d %d %d", rgb[0], rgb[3], rgb[6]);
    printf("ok   grayscale: equal channels, ITU-R 601 luma\n");
    free(a);
}

static void test_solarize(void)
{
    hue_rng r;
    hue_rng_seed(&r, 3);
    uint8_t all[256 * 3];
    for (int v = 0; v < 256; v++)
        all[3 * v] = all[3 * v + 1] = all[3 * v + 2] = (uint8_t)v;
    CHECK(hue_augment_solarize(&r, 1.0f, all, 256, 1) == 1);
    int wrong = 0;
    for (int v = 0; v < 256; v++)
        wrong += all[3 * v] != (v < 128 ? v : 255 - v) || all[3 * v + 1] != all[3 * v];
    CHECKF(wrong == 0, "%d of 256 values solarized wrongly", wrong);
    CHECK(all[3 * 127] == 127 && all[3 * 128] == 127 && all[3 * 255] == 0 && all[3 * 200] == 55);
    const image *im = &cifar[1];
    uint8_t *a = dup_image(im);
    CHECK(hue_augment_solarize(&r, 1.0f, a, im->w, im->h) == 1);
    wrong = 0;
    for (size_t i = 0; i < (size_t)im->w * im->h * 3; i++)
        wrong += a[i] != (im->rgb[i] < 128 ? im->rgb[i] : 255 - im->rgb[i]);
    CHECK(wrong == 0 && !same(a, im->rgb, im));
    printf("ok   solarize: all 256 values and %s exact\n", im->name);
    free(a);
}

static void test_jitter(void)
{
    hue_rng r;
    hue_rng_seed(&r, 4);
    const image *im = &wide;
    size_t n = (size_t)im->w * im->h;
    uint8_t *a = dup_image(im);
    hue_augment_jitter zero = {0, 0, 0, 0};
    CHECK(hue_augment_colour_jitter(&r, 1.0f, &zero, a, im->w, im->h) == 1 && same(a, im->rgb, im));

    /* Brightness alone: every pixel scaled by one factor in [0.6, 1.4]. */
    hue_augment_jitter bright = {0.4f, 0, 0, 0};
    double fmin_ = 9, fmax_ = 0;
    for (int t = 0; t < 60; t++) {
        memcpy(a, im->rgb, n * 3);
        CHECK(hue_augment_colour_jitter(&r, 1.0f, &bright, a, im->w, im->h) == 1);
        /* The factor from the brightest unsaturated samples, then every
         * sample checked against it within rounding. */
        double num = 0, den = 0;
        for (size_t i = 0; i < n * 3; i++)
            if (a[i] < 255 && im->rgb[i] > 100)
                num += a[i], den += im->rgb[i];
        double f = num / den;
        int off = 0;
        for (size_t i = 0; i < n * 3; i++) {
            double want = fmin(255, im->rgb[i] * f);
            off += fabs(a[i] - want) > 1.01;
        }
        CHECKF(off == 0, "brightness: %d samples not scaled by %.4f", off, f);
        fmin_ = fmin(fmin_, f), fmax_ = fmax(fmax_, f);
    }
    /* 60 uniform draws reach within 0.1 of both ends but for a chance of 3e-4. */
    CHECKF(fmin_ >= 0.59 && fmin_ < 0.7 && fmax_ <= 1.41 && fmax_ > 1.3, "brightness factors %.3f to %.3f", fmin_,
           fmax_);

    /* Contrast alone blends every sample towards the mean luma of the
     * image, saturation each pixel towards its own luma: one factor per
     * call (least squares), then every sample within rounding of it. */
    double mean_luma = 0;
    for (size_t i = 0; i < n; i++)
        mean_luma += 0.299 * im->rgb[3 * i] + 0.587 * im->rgb[3 * i + 1] + 0.114 * im->rgb[3 * i + 2];
    mean_luma /= n;
    for (int kind = 0; kind < 2; kind++) {
        hue_augment_jitter one = {0, kind == 0 ? 0.4f : 0, kind == 1 ? 0.4f : 0, 0};
        int off = 0;
        double lo = 9, hi = 0;
        for (int t = 0; t < 10; t++) {
            memcpy(a, im->rgb, n * 3);
            CHECK(hue_augment_colour_jitter(&r, 1.0f, &one, a, im->w, im->h) == 1);
            double num = 0, den = 0;
            for (size_t i = 0; i < n * 3; i++) {
                const uint8_t *s = im->rgb + i / 3 * 3;
                double base = kind == 0 ? mean_luma : 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
                if (a[i] > 0 && a[i] < 255)
                    num += (a[i] - base) * (im->rgb[i] - base), den += (im->rgb[i] - base) * (im->rgb[i] - base);
            }
            double f = num / den;
            for (size_t i = 0; i < n * 3; i++) {
                const uint8_t *s = im->rgb + i / 3 * 3;
                double base = kind == 0 ? mean_luma : 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
                off += fabs(a[i] - fmin(255, fmax(0, f * im->rgb[i] + (1 - f) * base))) > 1.01;
            }
            lo = fmin(lo, f), hi = fmax(hi, f);
        }
        CHECKF(off == 0 && lo >= 0.59 && hi <= 1.41 && hi - lo > 0.2, "%s: %d samples off; factors %.3f to %.3f",
               kind ? "saturation" : "contrast", off, lo, hi);
    }

    /* Hue alone keeps each pixel's largest and smallest channel. */
    hue_augment_jitter hue = {0, 0, 0, 0.5f};
    memcpy(a, im->rgb, n * 3);
    CHECK(hue_augment_colour_jitter(&r, 1.0f, &hue, a, im->w, im->h) == 1);
    int kept = 1, changed = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = im->rgb + 3 * i, *d = a + 3 * i;
        int smax = s[0] > s[1] ? (s[0] > s[2] ? s[0] : s[2]) : (s[1] > s[2] ? s[1] : s[2]);
        int smin = s[0] < s[1] ? (s[0] < s[2] ? s[0] : s[2]) : (s[1] < s[2] ? s[1] : s[2]);
        int dmax = d[0] > d[1] ? (d[0] > d[2] ? d[0] : d[2]) : (d[1] > d[2] ? d[1] : d[2]);
        int dmin = d[0] < d[1] ? (d[0] < d[2] ? d[0] : d[2]) : (d[1] < d[2] ? d[1] : d[2]);
        kept &= smax == dmax && smin == dmin;
        changed += memcmp(s, d, 3) != 0;
    }
    CHECK(kept && changed > (int)n / 4);

    /* Pure red (hue 0) shifted by at most 0.1 turn: towards yellow it
     * gains green, towards magenta blue, up to 0.6 x 255 = 153. */
    hue_augment_jitter tenth = {0, 0, 0, 0.1f};
    int off_circle = 0, most_g = 0, most_b = 0;
    for (int t = 0; t < 500; t++) {
        uint8_t red[3] = {255, 0, 0};
        hue_augment_colour_jitter(&r, 1.0f, &tenth, red, 1, 1);
        off_circle += red[0] != 255 || (red[1] && red[2]) || red[1] > 154 || red[2] > 154;
        most_g = red[1] > most_g ? red[1] : most_g, most_b = red[2] > most_b ? red[2] : most_b;
    }
    CHECKF(off_circle == 0 && most_g > 140 && most_b > 140, "%d reds off the range; most green %d, blue %d",
           off_circle, most_g, most_b);

    /* p: about 80% of the calls jitter. */
    int applied = 0;
    hue_augment_jitter simclr = {0.4f, 0.4f, 0.4f, 0.1f};
    for (int t = 0; t < 500; t++) {
        uint8_t one[3] = {100, 150, 200};
        applied += hue_augment_colour_jitter(&r, 0.8f, &simclr, one, 1, 1);
    }
    CHECKF(applied > 360 && applied < 440, "%d of 500 jittered at p 0.8", applied);
    hue_augment_jitter bad = {0, 0, 0, 0.6f};
    EXPECT_ERR(hue_augment_colour_jitter(&r, 1.0f, &bad, a, im->w, im->h), "jitter hue = 0.6");
    bad = (hue_augment_jitter){0, -1, 0, 0};
    EXPECT_ERR(hue_augment_colour_jitter(&r, 1.0f, &bad, a, im->w, im->h), "jitter contrast = -1");
    bad = (hue_augment_jitter){0, 0, NAN, 0};
    EXPECT_ERR(hue_augment_colour_jitter(&r, 1.0f, &bad, a, im->w, im->h), "jitter saturation");
    printf("ok   jitter: zero is the identity; brightness factors %.3f-%.3f; hue keeps max and min; %d/500 at p 0.8\n",
           fmin_, fmax_, applied);
    free(a);
}

static void stats(const uint8_t *rgb, size_t n, double *mean, double *var)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += rgb[i], s2 += (double)rgb[i] * rgb[i];
    *mean = s / n, *var = s2 / n - *mean * *mean;
}

static void test_blur(void)
{
    hue_rng r;
    hue_rng_seed(&r, 5);
    const float sigma[2] = {1.5f, 1.5f};
    for (int k = 0; k < 2; k++) {
        const image *im = k ? &wide : &cifar[2];
        size_t n = (size_t)im->w * im->h * 3;
        uint8_t *a = dup_image(im);
        CHECK(hue_augment_blur(&r, 1.0f, sigma, a, im->w, im->h) == 1);
        double m0, v0, m1, v1;
        stats(im->rgb, n, &m0, &v0);
        stats(a, n, &m1, &v1);
        CHECKF(fabs(m1 - m0) < 1.0 && v1 < 0.97 * v0, "%s: mean %.2f -> %.2f, variance %.1f -> %.1f", im->name, m0,
               m1, v0, v1);
        printf("ok   blur sigma 1.5 on %s: mean %.2f -> %.2f, variance %.1f -> %.1f\n", im->name, m0, m1, v0, v1);
        /* Interior pixel against the 3-tap (32 px) or 9-tap (90 px) kernel by hand. */
        int radius = (im->w < im->h ? im->w : im->h) / 20;
        radius = radius > 1 ? radius : 1;
        double kw[64], ks = 0;
        for (int i = -radius; i <= radius; i++)
            ks += kw[i + radius] = exp(-i * i / (2 * 1.5 * 1.5));
        int x0 = im->w / 2, y0 = im->h / 2, worst = 0;
        for (int c = 0; c < 3; c++) {
            double v = 0;
            for (int dy = -radius; dy <= radius; dy++)
                for (int dx = -radius; dx <= radius; dx++)
                    v += kw[dy + radius] * kw[dx + radius] * px(im->rgb, im->w, x0 + dx, y0 + dy)[c];
            int d = abs(px(a, im->w, x0, y0)[c] - (int)lround(v / (ks * ks)));
            worst = d > worst ? d : worst;
        }
        CHECKF(worst <= 1, "%s: centre pixel off by %d from the hand-computed blur", im->name, worst);
        free(a);
    }
    /* A constant image stays constant. */
    uint8_t flat[20 * 7 * 3];
    memset(flat, 77, sizeof flat);
    hue_augment_blur(&r, 1.0f, sigma, flat, 20, 7);
    int off = 0;
    for (size_t i = 0; i < sizeof flat; i++)
        off += flat[i] != 77;
    CHECK(off == 0);
    const float bad[2] = {0, 1};
    EXPECT_ERR(hue_augment_blur(&r, 1.0f, bad, flat, 20, 7), "blur sigma = [0, 1]");
}

/* Crop draws: inside the image, area and ratio inside the ranges (within
 * the rounding of the sides), and the ranges covered. */
static void crop_draws(const image *im, const float scale[2], const float ratio[2], double largest)
{
    hue_rng r;
    hue_rng_seed(&r, 6);
    double A = (double)im->w * im->h, amin = 9, amax = 0, rmin = 1e9, rmax = 0;
    int outside = 0, bad_area = 0, bad_ratio = 0, fallbacks = 0, draws = 20000;
    for (int i = 0; i < draws; i++) {
        hue_augment_box b;
        int fb = hue_augment_crop_draw(&r, im->w, im->h, scale, ratio, &b);
        CHECK(fb == 0 || fb == 1);
        outside += b.x < 0 || b.y < 0 || b.width < 1 || b.height < 1 || b.x + b.width > im->w ||
                   b.y + b.height > im->h;
        if (fb) {
            fallbacks++;
            continue;
        }
        double w = b.width, h = b.height;
        bad_area += (w - 0.5) * (h - 0.5) > scale[1] * A + 1e-9 || (w + 0.5) * (h + 0.5) < scale[0] * A - 1e-9;
        bad_ratio += (w - 0.5) / (h + 0.5) > ratio[1] || (w + 0.5) / (h - 0.5) < ratio[0];
        amin = fmin(amin, w * h / A), amax = fmax(amax, w * h / A);
        rmin = fmin(rmin, w / h), rmax = fmax(rmax, w / h);
    }
    CHECKF(outside == 0 && bad_area == 0 && bad_ratio == 0, "%s: %d outside, %d areas and %d ratios off the ranges",
           im->name, outside, bad_area, bad_ratio);
    /* The ranges are used to their ends (allowing for small images' rounding). */
    CHECKF(amin < scale[0] + 0.03 && amax > largest - 0.05, "%s: areas %.3f to %.3f", im->name, amin, amax);
    CHECKF(rmin < ratio[0] * 1.1 && rmax > ratio[1] / 1.1, "%s: ratios %.3f to %.3f", im->name, rmin, rmax);
    CHECKF(fallbacks < draws / 100, "%s: %d fallbacks", im->name, fallbacks);
    printf("ok   crops of %s: %d draws, areas %.3f-%.3f, ratios %.3f-%.3f, %d fallbacks\n", im->name, draws, amin,
           amax, rmin, rmax, fallbacks);
}

static void test_crop(void)
{
    const float scale[2] = {0.08f, 1.0f}, ratio[2] = {3.0f / 4, 4.0f / 3};
    /* The largest region a ratio range allows: the whole square, or on
     * the wide image its height times 4/3 of it. */
    double aspect = (double)wide.w / wide.h, fit = aspect > 4.0 / 3 ? 4.0 / 3 / aspect : 1;
    crop_draws(&cifar[0], scale, ratio, 1.0);
    crop_draws(&wide, scale, ratio, fit);
    const float scale2[2] = {0.2f, 0.6f}, ratio2[2] = {0.5f, 2.0f};
    crop_draws(&wide, scale2, ratio2, 0.6);

    /* Ratios no region can have: the centred fallback, every time. */
    hue_rng r;
    hue_rng_seed(&r, 7);
    const float big[2] = {0.9f, 1.0f}, wide_r[2] = {4.0f, 5.0f}, tall_r[2] = {0.1f, 0.2f};
    hue_augment_box b;
    int ok = 1;
    for (int i = 0; i < 50; i++) {
        ok &= hue_augment_crop_draw(&r, 32, 32, big, wide_r, &b) == 1 && b.x == 0 && b.y == 12 && b.width == 32 &&
              b.height == 8;
        ok &= hue_augment_crop_draw(&r, 160, 90, big, tall_r, &b) == 1 && b.x == 71 && b.y == 0 && b.width == 18 &&
              b.height == 90;
    }
    CHECKF(ok, "fallback gave %dx%d at (%d, %d)", b.width, b.height, b.x, b.y);
    /* Ratio range around the image's own: the whole image. */
    const float none[2] = {0.9f, 1.0f}, r1[2] = {1.0f, 1.0f};
    const float huge[2] = {1e5f, 1e6f};
    CHECK(hue_augment_crop_draw(&r, 32, 32, none, huge, &b) == 1 && b.width == 32 && b.height == 1);
    int whole = 0;
    for (int i = 0; i < 100; i++)
        whole += hue_augment_crop_draw(&r, 32, 32, (const float[2]){1, 1}, r1, &b) == 0 && b.width == 32 &&
                 b.height == 32 && b.x == 0 && b.y == 0;
    CHECK(whole == 100);

    /* Resampling: the whole image at its own size is itself; halving is
     * the [1 3 3 1]/8 triangle filter in both directions. */
    const image *im = &wide;
    uint8_t *a = malloc((size_t)im->w * im->h * 3);
    CHECK(hue_augment_resize(im->rgb, im->w, im->h, (hue_augment_box){0, 0, im->w, im->h}, a, im->w, im->h) == 0);
    CHECK(same(a, im->rgb, im));
    int hw = im->w / 2, hh = im->h / 2, worst = 0;
    CHECK(hue_augment_resize(im->rgb, im->w, im->h, (hue_augment_box){0, 0, 2 * hw, 2 * hh}, a, hw, hh) == 0);
    const double t[4] = {1 / 8.0, 3 / 8.0, 3 / 8.0, 1 / 8.0};
    for (int y = 1; y < hh - 1; y++)
        for (int x = 1; x < hw - 1; x++)
            for (int c = 0; c < 3; c++) {
                double v = 0;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        v += t[i] * t[j] * px(im->rgb, im->w, 2 * x - 1 + j, 2 * y - 1 + i)[c];
                int d = abs(px(a, hw, x, y)[c] - (int)lround(v));
                worst = d > worst ? d : worst;
            }
    CHECKF(worst <= 1, "halving differs from the triangle filter by %d", worst);
    /* A crop reads only its box: the crop of a region equals resizing a copy of it. */
    hue_augment_box box = {im->w / 4, im->h / 5, im->w / 2, im->h / 2};
    uint8_t *piece = malloc((size_t)box.width * box.height * 3), *v1 = malloc(24 * 24 * 3), *v2 = malloc(24 * 24 * 3);
    for (int y = 0; y < box.height; y++)
        memcpy(piece + (size_t)y * box.width * 3, px(im->rgb, im->w, box.x, box.y + y), (size_t)box.width * 3);
    CHECK(hue_augment_resize(im->rgb, im->w, im->h, box, v1, 24, 24) == 0);
    CHECK(hue_augment_resize(piece, box.width, box.height, (hue_augment_box){0, 0, box.width, box.height}, v2, 24,
                             24) == 0);
    CHECK(memcmp(v1, v2, 24 * 24 * 3) == 0);
    EXPECT_ERR(hue_augment_resize(im->rgb, im->w, im->h, (hue_augment_box){im->w - 5, 0, 6, 2}, v1, 24, 24),
               "not inside");
    const float s_bad[2] = {0.0f, 1.0f}, r_bad[2] = {2.0f, 1.0f};
    EXPECT_ERR(hue_augment_crop_draw(&r, 32, 32, s_bad, ratio, &b), "scale = [0, 1]");
    EXPECT_ERR(hue_augment_crop_draw(&r, 32, 32, scale, r_bad, &b), "ratio = [2, 1]");
    EXPECT_ERR(hue_augment_crop_draw(&r, 32, -3, scale, ratio, &b), "32x-3");
    printf("ok   fallback on extreme ratios; resize: identity, halving within %d of the triangle filter\n", worst);
    free(a), free(piece), free(v1), free(v2);
}

static void test_tiles(void)
{
    const image *im = &wide;
    const int grid = 3, cw = im->w / grid, ch = im->h / grid, tile = (cw < ch ? cw : ch) * 4 / 5;
    int x0 = (im->w - grid * cw) / 2, y0 = (im->h - grid * ch) / 2;
    uint8_t *t = malloc((size_t)grid * grid * tile * tile * 3);
    int org[18], bad_cell = 0, bad_pix = 0, bad_gap = 0, seen_lo = 0, seen_hi = 0;
    hue_rng r;
    hue_rng_seed(&r, 8);
    for (int draw = 0; draw < 200; draw++) {
        CHECK(hue_augment_tiles(draw ? &r : NULL, im->rgb, im->w, im->h, grid, tile, t, org) == 0);
        for (int i = 0; i < grid * grid; i++) {
            int gx = i % grid, gy = i / grid, x = org[2 * i], y = org[2 * i + 1];
            int jx = x - (x0 + gx * cw), jy = y - (y0 + gy * ch);
            bad_cell += jx < 0 || jy < 0 || jx > cw - tile || jy > ch - tile;
            seen_lo |= jx == 0, seen_hi |= jx == cw - tile;
            if (!draw) /* no generator: centred, so the gap is exactly cell - tile */
                bad_cell += jx != (cw - tile) / 2 || jy != (ch - tile) / 2;
            for (int row = 0; row < tile; row++)
                bad_pix += memcmp(t + ((size_t)i * tile * tile + (size_t)row * tile) * 3,
                                  px(im->rgb, im->w, x, y + row), (size_t)tile * 3) != 0;
            if (gx > 0) {
                int gap = x - (org[2 * (i - 1)] + tile), want = cw - tile + jx - (org[2 * (i - 1)] - (x0 + (gx - 1) * cw));
                bad_gap += gap != want || gap < 0 || gap > 2 * (cw - tile) || (!draw && gap != cw - tile);
            }
        }
    }
    CHECKF(bad_cell == 0 && bad_pix == 0 && bad_gap == 0, "%d tiles outside their cells, %d with wrong pixels, %d gaps",
           bad_cell, bad_pix, bad_gap);
    CHECK(seen_lo && seen_hi);
    EXPECT_ERR(hue_augment_tiles(&r, im->rgb, im->w, im->h, 3, ch + 1, t, org), "does not fit");
    EXPECT_ERR(hue_augment_tiles(&r, im->rgb, im->w, im->h, 0, 5, t, org), "grid of 0");
    printf("ok   tiles: 3x3 cells of %dx%d, tiles of %d inside their cells, jitter 0-%d used to both ends\n", cw, ch,
           tile, cw - tile);
    free(t);
}

static void test_colour_drop(void)
{
    hue_rng r;
    hue_rng_seed(&r, 9);
    int kept_count[3] = {0}, bad = 0;
    for (int t = 0; t < 30; t++) {
        const image *im = &cifar[t % NCIFAR];
        uint8_t *a = dup_image(im);
        int keep = hue_augment_colour_drop(&r, 4.0f, a, im->w, im->h);
        CHECK(keep >= 0 && keep <= 2);
        if (keep < 0 || keep > 2) {
            free(a);
            continue;
        }
        kept_count[keep]++;
        size_t n = (size_t)im->w * im->h;
        int equal[3] = {1, 1, 1};
        double sum[3] = {0}, sum2[3] = {0};
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) {
                equal[c] &= a[3 * i + c] == im->rgb[3 * i + c];
                sum[c] += a[3 * i + c], sum2[c] += (double)a[3 * i + c] * a[3 * i + c];
            }
        bad += !equal[keep] || equal[0] + equal[1] + equal[2] != 1;
        for (int c = 0; c < 3; c++)
            if (c != keep) {
                double m = sum[c] / n, sd = sqrt(sum2[c] / n - m * m);
                bad += fabs(m - 128) > 1.0 || fabs(sd - 4.0) > 0.5;
            }
        free(a);
    }
    CHECKF(bad == 0, "%d drops kept the wrong channels or noise", bad);
    CHECK(kept_count[0] > 0 && kept_count[1] > 0 && kept_count[2] > 0);
    uint8_t one[6] = {10, 20, 30, 40, 50, 60};
    int keep = hue_augment_colour_drop(&r, 0.0f, one, 2, 1);
    CHECK(keep >= 0 && one[3 * 0 + keep] == 10 + 10 * keep && one[3 + keep] == 40 + 10 * keep &&
          one[(keep + 1) % 3] == 128 && one[(keep + 2) % 3] == 128);
    EXPECT_ERR(hue_augment_colour_drop(&r, -1.0f, one, 2, 1), "noise standard deviation -1");
    printf("ok   colour drop: one channel kept exactly (%d/%d/%d times R/G/B), noise 128 +- 4\n", kept_count[0],
           kept_count[1], kept_count[2]);
}

static void test_channel_jitter(void)
{
    hue_rng r;
    hue_rng_seed(&r, 10);
    const image *im = &wide;
    uint8_t *a = malloc((size_t)im->w * im->h * 3);
    int bad = 0, moved = 0, seen_max = 0;
    for (int t = 0; t < 30; t++) {
        memcpy(a, im->rgb, (size_t)im->w * im->h * 3);
        int s[4];
        int rc = hue_augment_channel_jitter(&r, 3, a, im->w, im->h, s);
        moved += rc == 1;
        bad += rc != (s[0] || s[1] || s[2] || s[3]);
        for (int k = 0; k < 4; k++) {
            bad += abs(s[k]) > 3;
            seen_max |= abs(s[k]) == 3;
        }
        for (int y = 0; y < im->h; y++)
            for (int x = 0; x < im->w; x++) {
                int rx = x - s[0], ry = y - s[1], bx = x - s[2], by = y - s[3];
                rx = rx < 0 ? 0 : rx >= im->w ? im->w - 1 : rx;
                ry = ry < 0 ? 0 : ry >= im->h ? im->h - 1 : ry;
                bx = bx < 0 ? 0 : bx >= im->w ? im->w - 1 : bx;
                by = by < 0 ? 0 : by >= im->h ? im->h - 1 : by;
                const uint8_t *d = px(a, im->w, x, y);
                bad += d[1] != px(im->rgb, im->w, x, y)[1] || d[0] != px(im->rgb, im->w, rx, ry)[0] ||
                       d[2] != px(im->rgb, im->w, bx, by)[2];
            }
    }
    CHECKF(bad == 0 && moved > 25 && seen_max, "%d wrong, %d of 30 moved", bad, moved);
    printf("ok   channel jitter: green kept, red and blue shifted exactly (%d of 30 moved)\n", moved);
    free(a);
}

static void test_views(void)
{
    hue_augment_config c[3] = {hue_augment_simclr(32), hue_augment_mocov2(48), hue_augment_plain(24)};
    CHECK(c[0].scale[0] == 0.08f && c[0].ratio[0] == 0.75f && c[0].jitter.hue == 0.1f && c[0].jitter_p == 0.8f &&
          c[0].gray_p == 0.2f && c[0].blur_p == 0 && c[0].flip_p == 0.5f && c[0].crop == 1);
    CHECK(c[1].scale[0] == 0.2f && c[1].blur_p == 0.5f && c[1].blur_sigma[1] == 2.0f);
    CHECK(hue_augment_simclr(224).blur_p == 0.5f);
    for (int k = 0; k < 3; k++)
        CHECKF(hue_augment_check(&c[k]) == 0, "%s", hue_error_message());
    /* Same seed, same view; another seed, another view. */
    int differ = 0, repeat_bad = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < NCIFAR + 1; i++) {
            const image *im = i < NCIFAR ? &cifar[i] : &wide;
            int s = c[k].size;
            uint8_t *v1 = malloc((size_t)s * s * 3), *v2 = malloc((size_t)s * s * 3), *v3 = malloc((size_t)s * s * 3);
            hue_rng r;
            hue_rng_seed(&r, 100 + i);
            CHECK(hue_augment_view_u8(&c[k], &r, im->rgb, im->w, im->h, v1) == 0);
            hue_rng_seed(&r, 100 + i);
            CHECK(hue_augment_view_u8(&c[k], &r, im->rgb, im->w, im->h, v2) == 0);
            hue_rng_seed(&r, 200 + i);
            CHECK(hue_augment_view_u8(&c[k], &r, im->rgb, im->w, im->h, v3) == 0);
            repeat_bad += memcmp(v1, v2, (size_t)s * s * 3) != 0;
            differ += memcmp(v1, v3, (size_t)s * s * 3) != 0;
            free(v1), free(v2), free(v3);
        }
    CHECKF(repeat_bad == 0 && differ == 2 * (NCIFAR + 1), "%d repeats differ, %d of %d other seeds differ",
           repeat_bad, differ, 2 * (NCIFAR + 1));
    /* Plain: the resize alone, with no draw. */
    uint8_t *p1 = malloc(24 * 24 * 3), *p2 = malloc(24 * 24 * 3);
    hue_rng r;
    hue_rng_seed(&r, 1);
    CHECK(hue_augment_view_u8(&c[2], &r, wide.rgb, wide.w, wide.h, p1) == 0);
    CHECK(hue_augment_resize(wide.rgb, wide.w, wide.h, (hue_augment_box){0, 0, wide.w, wide.h}, p2, 24, 24) == 0);
    CHECK(memcmp(p1, p2, 24 * 24 * 3) == 0);
    /* Float output is the byte output normalised. */
    const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
    uint8_t *u = malloc(32 * 32 * 3);
    float *f = malloc(sizeof(float) * 3 * 32 * 32);
    hue_rng_seed(&r, 42);
    CHECK(hue_augment_view_u8(&c[0], &r, cifar[3].rgb, 32, 32, u) == 0);
    hue_rng_seed(&r, 42);
    CHECK(hue_augment_view_f32(&c[0], &r, cifar[3].rgb, 32, 32, mean, std, f) == 0);
    double worst = 0;
    for (int i = 0; i < 32 * 32; i++)
        for (int ch = 0; ch < 3; ch++)
            worst = fmax(worst, fabs(f[ch * 1024 + i] - (u[3 * i + ch] / 255.0 - mean[ch]) / std[ch]));
    CHECKF(worst < 1e-5, "float view off by %g", worst);
    /* The loader hook: views one after another from one generator. */
    hue_augment_views vs = {.count = 2, .view = {c[0], c[0]}, .mean = {0.5f, 0.5f, 0.5f}, .std = {0.25f, 0.25f, 0.25f}};
    CHECK(hue_augment_views_floats(&vs) == 2 * 3 * 32 * 32);
    float *hook = malloc(sizeof(float) * 2 * 3 * 32 * 32), *direct = malloc(sizeof(float) * 2 * 3 * 32 * 32);
    CHECK(hue_augment_views_sample(&vs, cifar[4].rgb, 32, 32, 777, hook) == 0);
    hue_rng_seed(&r, 777);
    CHECK(hue_augment_view_f32(&c[0], &r, cifar[4].rgb, 32, 32, vs.mean, vs.std, direct) == 0);
    CHECK(hue_augment_view_f32(&c[0], &r, cifar[4].rgb, 32, 32, vs.mean, vs.std, direct + 3 * 1024) == 0);
    CHECK(memcmp(hook, direct, sizeof(float) * 2 * 3 * 1024) == 0);
    CHECK(memcmp(hook, hook + 3 * 1024, sizeof(float) * 3 * 1024) != 0); /* two different views */
    printf("ok   views: same seed same view, %d of %d other seeds differ; float = normalised bytes; hook = direct\n",
           differ, 2 * (NCIFAR + 1));

    /* Each bad field named. */
    struct {
        const char *field;
        hue_augment_config c;
    } bad[12];
    for (int i = 0; i < 12; i++)
        bad[i].c = hue_augment_mocov2(32);
    bad[0].field = "size = 0", bad[0].c.size = 0;
    bad[1].field = "crop = 2", bad[1].c.crop = 2;
    bad[2].field = "scale = [0.2, 1.5]", bad[2].c.scale[1] = 1.5f;
    bad[3].field = "ratio = [0, 1.33", bad[3].c.ratio[0] = 0;
    bad[4].field = "flip_p = 1.5", bad[4].c.flip_p = 1.5f;
    bad[5].field = "jitter_p = -0.1", bad[5].c.jitter_p = -0.1f;
    bad[6].field = "jitter brightness = -1", bad[6].c.jitter.brightness = -1;
    bad[7].field = "jitter hue = 0.7", bad[7].c.jitter.hue = 0.7f;
    bad[8].field = "gray_p = nan", bad[8].c.gray_p = NAN;
    bad[9].field = "blur_p = 2", bad[9].c.blur_p = 2;
    bad[10].field = "blur sigma = [3, 2]", bad[10].c.blur_sigma[0] = 3;
    bad[11].field = "solarize_p = -1", bad[11].c.solarize_p = -1;
    for (int i = 0; i < 12; i++) {
        EXPECT_ERR(hue_augment_check(&bad[i].c), bad[i].field);
        EXPECT_ERR(hue_augment_view_u8(&bad[i].c, &r, wide.rgb, wide.w, wide.h, p1), bad[i].field);
    }
    /* Sigma is only checked where blur is on; a crop's ranges only with crop. */
    hue_augment_config ok = hue_augment_plain(8);
    ok.blur_sigma[0] = 0, ok.scale[0] = 0;
    CHECK(hue_augment_check(&ok) == 0);
    EXPECT_ERR(hue_augment_check(NULL), "NULL");
    EXPECT_ERR(hue_augment_view_u8(&c[0], &r, NULL, 32, 32, u), "source is NULL");
    EXPECT_ERR(hue_augment_view_f32(&c[0], &r, cifar[0].rgb, 32, 32, mean, (const float[3]){1, 0, 1}, f),
               "std[1] = 0");
    vs.count = 9;
    EXPECT_ERR((int)hue_augment_views_floats(&vs), "count = 9");
    vs.count = 2, vs.view[1].flip_p = 3;
    EXPECT_ERR((int)hue_augment_views_floats(&vs), "view 1: augment config: flip_p = 3");
    EXPECT_ERR(hue_augment_views_sample(&vs, cifar[0].rgb, 32, 32, 1, hook), "flip_p = 3");
    printf("ok   config: 12 bad fields each named\n");
    free(p1), free(p2), free(u), free(f), free(hook), free(direct);
}

int main(void)
{
    const char *tarball = test_data("cifar10/cifar10_jpg.tar.gz");
    if (access(tarball, R_OK) != 0) {
        printf("skipped: %s is absent\n", tarball);
        return SKIP;
    }
    if (test_tmp_make() < 0)
        return 1;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' --wildcards 'test/cat/000[0-2].jpg' 'test/ship/000[0-2].jpg'",
             tarball, test_tmp);
    CHECKF(system(cmd) == 0, "%s failed", cmd);
    int loaded = 0;
    for (int i = 0; i < NCIFAR; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s/%04d.jpg", i < 3 ? "cat" : "ship", i % 3);
        loaded += load(&cifar[i], tp("test/%s", name), 0, 0, name) == 0 && cifar[i].w == 32 && cifar[i].h == 32;
    }
    CHECK(loaded == NCIFAR);
    const char *frame = test_data("davis2016/JPEGImages/480p/blackswan/00000.jpg");
    if (access(frame, R_OK) == 0) {
        CHECK(load(&wide, frame, 160, 90, "blackswan/00000.jpg at 160x90") == 0 && wide.w == 160 && wide.h == 90);
    } else if (loaded) {
        /* A piece of a CIFAR image, still real pixels. */
        wide.w = 32, wide.h = 19;
        wide.rgb = malloc(32 * 19 * 3);
        memcpy(wide.rgb, cifar[0].rgb + 32 * 3 * 6, 32 * 19 * 3);
        snprintf(wide.name, sizeof wide.name, "32x19 of cat/0000.jpg");
    }
    if (loaded == NCIFAR && wide.rgb) {
        test_rotate();
        test_flip();
        test_grayscale();
        test_solarize();
        test_jitter();
        test_blur();
        test_crop();
        test_tiles();
        test_colour_drop();
        test_channel_jitter();
        test_views();
    }
    for (int i = 0; i < NCIFAR; i++)
        free(cifar[i].rgb);
    free(wide.rgb);
    test_tmp_remove();
    return test_finish();
}
