/* Image augmentations for pretraining, on the host.
 *
 * Every function works on packed RGB8 images (height x width x 3 bytes, rows
 * top to bottom, any width and height from 1 up) and draws its random
 * choices from a hue_rng the caller seeds, so the same seed gives the same
 * view on every machine and in every thread. The random operations return
 * 1 when they changed the image, 0 when their probability said no, and a
 * negative HUE_E* code (with hue_error_message) on bad input; each draws its
 * coin even when p is 0 or 1.
 *
 * The definitions follow torchvision's transforms (RandomResizedCrop,
 * RandomHorizontalFlip, ColorJitter, RandomGrayscale, GaussianBlur,
 * RandomSolarize) as the SimCLR, MoCo v2 and BYOL recipes use them, with
 * results rounded to the nearest byte after each operation (torchvision's
 * uint8 tensors truncate; PIL rounds). Patch tools for relative patch
 * location and jigsaw (tiles on a grid, colour dropping, channel jitter)
 * follow Doersch et al. 2015 and Noroozi & Favaro 2016.
 *
 * A hue_augment_config describes one view; hue_augment_view_* applies it,
 * and hue_augment_views_sample turns a set of views into a loader hook
 * (hue_loader_options.sample) that writes them in the decode threads. */
#ifndef HUE_AUGMENT_H
#define HUE_AUGMENT_H
#include "hue_rng.h"

#include <stdint.h>

/* A rectangle of an image: top-left corner and size, in pixels. */
typedef struct hue_augment_box {
    int x, y, width, height;
} hue_augment_box;

/* ---- geometry (augment_geometry.c) ---- */

/* RandomResizedCrop's choice of a region: up to 10 draws of an area
 * (uniform in scale[0..1] times the image's area) and an aspect ratio
 * width/height (log-uniform in ratio[0..1]); the first whose rounded size
 * fits the image is placed uniformly at random. When none fits, the
 * largest centred region whose ratio is clamped into the range.
 * 0 < scale[0] <= scale[1] <= 1, 0 < ratio[0] <= ratio[1]. Returns 0 for a
 * drawn region, 1 for the fallback, negative on bad input. */
int hue_augment_crop_draw(hue_rng *r, int width, int height, const float scale[2], const float ratio[2],
                          hue_augment_box *box);

/* Resizes region box of src to out_width x out_height into dst (which must
 * not overlap src): bilinear with pixel centres at half-integers, and when
 * shrinking the triangle filter widened by the shrink factor (antialiased,
 * as PIL and torchvision's antialias=True), so each output pixel averages
 * all the source pixels it covers. Pixels outside box are never read. */
int hue_augment_resize(const uint8_t *src, int width, int height, hue_augment_box box, uint8_t *dst,
                       int out_width, int out_height);

/* hue_augment_crop_draw followed by hue_augment_resize. Returns 0 or 1 as
 * the draw does. */
int hue_augment_random_resized_crop(hue_rng *r, const uint8_t *src, int width, int height, const float scale[2],
                                    const float ratio[2], uint8_t *dst, int out_width, int out_height);

/* Mirrors rgb left to right, in place, with probability p. */
int hue_augment_flip(hue_rng *r, float p, uint8_t *rgb, int width, int height);

/* Rotates src by k quarter turns counter-clockwise (k any integer; as
 * numpy.rot90 and torch.rot90 over (height, width)) into dst, which must
 * not overlap src. For odd k dst is height wide and width high. Not
 * random: the rotation pretext task chooses k, which is its label. */
int hue_augment_rotate90(const uint8_t *src, int width, int height, int k, uint8_t *dst);

/* ---- colour (augment_colour.c) ---- */

/* ColorJitter's strengths: brightness, contrast and saturation factors are
 * drawn uniformly in [max(0, 1 - s), 1 + s], the hue shift uniformly in
 * [-hue, hue] of a full turn (0 <= hue <= 0.5). A strength of 0 leaves
 * that adjustment out. */
typedef struct hue_augment_jitter {
    float brightness, contrast, saturation, hue;
} hue_augment_jitter;

/* With probability p, applies the four adjustments in a random order:
 * brightness scales the pixels, contrast blends with the mean luma of the
 * image, saturation blends with each pixel's luma, hue rotates the HSV hue. */
int hue_augment_colour_jitter(hue_rng *r, float p, const hue_augment_jitter *j, uint8_t *rgb, int width,
                              int height);

/* With probability p, sets all three channels of each pixel to its ITU-R
 * 601 luma, round(0.299 R + 0.587 G + 0.114 B). */
int hue_augment_grayscale(hue_rng *r, float p, uint8_t *rgb, int width, int height);

/* With probability p, blurs with a Gaussian whose sigma is drawn uniformly
 * in [sigma[0], sigma[1]] (0 < sigma[0] <= sigma[1]), on a kernel of about
 * 10% of the shorter side as SimCLR does (radius max(1, side / 20), so
 * 2 radius + 1 taps), separable, borders mirrored. */
int hue_augment_blur(hue_rng *r, float p, const float sigma[2], uint8_t *rgb, int width, int height);

/* With probability p, inverts every sample of 128 or more (v -> 255 - v). */
int hue_augment_solarize(hue_rng *r, float p, uint8_t *rgb, int width, int height);

/* ---- patches (augment_patches.c) ---- */

/* Cuts the centred grid x grid cells of side floor(width / grid) by
 * floor(height / grid) out of src and takes from each cell a tile x tile
 * tile at a uniformly random offset inside the cell ("jitter": 0 to
 * cell - tile per axis; neighbouring tiles are cell - tile apart when
 * their offsets agree), or at the centre of the cell when r is NULL. dst
 * gets grid * grid tiles of tile * tile * 3 bytes, cells in row-major
 * order; origins, when not NULL, gets each tile's top-left x and y in src
 * (2 * grid * grid ints). The tile must fit a cell. */
int hue_augment_tiles(hue_rng *r, const uint8_t *src, int width, int height, int grid, int tile, uint8_t *dst,
                      int *origins);

/* Colour dropping against the chromatic-aberration shortcut: keeps one
 * channel chosen at random and replaces the other two with Gaussian noise
 * of standard deviation noise_std (in byte units, >= 0) around 128.
 * Returns the kept channel (0, 1 or 2), negative on bad input. */
int hue_augment_colour_drop(hue_rng *r, float noise_std, uint8_t *rgb, int width, int height);

/* Channel jitter, the other remedy: red and blue are each shifted by a
 * random offset of -max_shift to max_shift pixels per axis relative to
 * green (edge pixels repeat where a shift uncovers the border). shifts,
 * when not NULL, gets red's dx, dy then blue's dx, dy: out(x, y) of red is
 * red at (x - dx, y - dy). Returns 1, or 0 when every offset came out 0. */
int hue_augment_channel_jitter(hue_rng *r, int max_shift, uint8_t *rgb, int width, int height, int shifts[4]);

/* ---- views (augment_view.c) ---- */

/* One view of an image, made in this order: crop (random resized crop, or
 * the whole image) resized to size x size, flip, colour jitter, grayscale,
 * blur, solarize. */
typedef struct hue_augment_config {
    int size;                  /* output side, 1 .. 4096 */
    int crop;                  /* 1: random resized crop; 0: resize the whole image */
    float scale[2];            /* crop: area fraction range, 0 < lo <= hi <= 1 */
    float ratio[2];            /* crop: width/height range, 0 < lo <= hi */
    float flip_p;              /* horizontal flip probability */
    hue_augment_jitter jitter; /* colour jitter strengths */
    float jitter_p;            /* probability of the jitter */
    float gray_p;              /* grayscale probability */
    float blur_p;              /* Gaussian blur probability */
    float blur_sigma[2];       /* its sigma range, 0 < lo <= hi (checked when blur_p > 0) */
    float solarize_p;          /* solarize probability */
} hue_augment_config;

/* No augmentation: the whole image resized to size x size. */
hue_augment_config hue_augment_plain(int size);
/* SimCLR's CIFAR-10 view: crop scale 0.08-1, ratio 3/4-4/3, flip 0.5,
 * jitter 0.4/0.4/0.4/0.1 with p 0.8, grayscale 0.2; above 32 pixels also
 * SimCLR's ImageNet blur (p 0.5, sigma 0.1-2.0). No solarize. */
hue_augment_config hue_augment_simclr(int size);
/* MoCo v2's view: crop scale 0.2-1 (MoCo v2's own, not SimCLR's 0.08),
 * ratio 3/4-4/3, flip 0.5, jitter 0.4/0.4/0.4/0.1 with p 0.8, grayscale
 * 0.2, blur p 0.5 with sigma 0.1-2.0. */
hue_augment_config hue_augment_mocov2(int size);

/* 0 when c is usable; otherwise HUE_EINVAL naming the first bad field. */
int hue_augment_check(const hue_augment_config *c);

/* Writes the view of src as packed RGB8, size x size x 3 bytes. */
int hue_augment_view_u8(const hue_augment_config *c, hue_rng *r, const uint8_t *src, int width, int height,
                        uint8_t *dst);
/* Writes it as planar float, 3 planes of size x size, each value
 * (v / 255 - mean[ch]) / std[ch] (std > 0). */
int hue_augment_view_f32(const hue_augment_config *c, hue_rng *r, const uint8_t *src, int width, int height,
                         const float mean[3], const float std[3], float *dst);

#define HUE_AUGMENT_MAX_VIEWS 8

/* A set of views per image, for the loader's sample hook. */
typedef struct hue_augment_views {
    int count;                                      /* views per image, 1 .. HUE_AUGMENT_MAX_VIEWS */
    hue_augment_config view[HUE_AUGMENT_MAX_VIEWS]; /* view v's recipe */
    float mean[3], std[3];                          /* normalisation of the float output */
} hue_augment_views;

/* Floats per image the hook writes (the sum of 3 * size * size over the
 * views); negative, with a message naming the field, when v is unusable. */
int64_t hue_augment_views_floats(const hue_augment_views *v);

/* A hue_loader_options.sample hook (user = a hue_augment_views that
 * outlives the loader): seeds a hue_rng with seed and writes the views one
 * after another, each as hue_augment_view_f32 does. Only reads *user, so
 * any number of decode threads can share it. */
int hue_augment_views_sample(void *user, const uint8_t *rgb, int width, int height, uint64_t seed, float *out);

#endif
