/* Pieces of the dataset loader shared by ssl/dataset_*.c; not public. */
#ifndef HUE_DATASET_INTERNAL_H
#define HUE_DATASET_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

/* A counter-based random stream: a key made from (seed, epoch, purpose,
 * position) so that any image's random choices can be drawn by any thread
 * in any order and still come out the same. */
typedef struct {
    uint64_t state;
} hue_data_rng;

enum { HUE_RNG_SHUFFLE = 1, HUE_RNG_AUGMENT = 2, HUE_RNG_SAMPLE = 3 };

hue_data_rng hue_data_rng_make(uint64_t seed, int64_t epoch, int purpose, int64_t position);
uint64_t hue_data_rng_next(hue_data_rng *r);
/* Uniform in [0, n), n >= 1, without modulo bias. */
uint64_t hue_data_rng_below(hue_data_rng *r, uint64_t n);

/* Decodes one image file to packed RGB8 at size x size (area filter).
 * Errors name the file (HUE_ENOMEM only for memory). */
int hue_data_decode(const char *path, int size, uint8_t *rgb);
/* The same into *rgb (of *capacity bytes, grown with realloc when too
 * small), at size x size when size > 0, else at the file's own size; the
 * size comes back in *width and *height. */
int hue_data_decode_any(const char *path, int size, uint8_t **rgb, size_t *capacity, int *width, int *height);

/* 0 unless path holds JPEG data cut short (HUE_EFORMAT) or cannot be read;
 * files that are not JPEG data pass. */
int hue_data_check_jpeg(const char *path);

/* Where one image's augmentation takes it: crop offsets (0 .. 2*pad) into
 * the image padded by pad zero pixels on each side, and a flip. */
typedef struct {
    int pad, dx, dy, flip;
} hue_data_view;

/* Draws the view for the image at `position` of `epoch`. */
hue_data_view hue_data_view_draw(uint64_t seed, int64_t epoch, int64_t position, int pad, int flip);
/* Writes the view of src (packed RGB8, size x size) as packed RGB8. */
void hue_data_view_u8(const uint8_t *src, int size, hue_data_view v, uint8_t *dst);
/* Writes it as planar float (3 planes of size x size) through lut[c][value]. */
void hue_data_view_f32(const uint8_t *src, int size, hue_data_view v, const float lut[3][256], float *dst);

#endif
