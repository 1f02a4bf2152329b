/* One dataset image: decoded through video/'s reader (a single JPEG or PNG
 * is a one-frame video there), resized by libswscale, then cropped and
 * flipped as its view says and written in the batch layout. */
#include "dataset_internal.h"
#include "hue_error.h"
#include "hue_video.h"

#include <stdlib.h>
#include <string.h>

/* Opens path at size x size (0: its own size), then reads its frame into
 * *rgb, growing it when grow is set. */
static int decode(const char *path, int size, uint8_t **rgb, size_t *capacity, int grow, int *width, int *height)
{
    /* One decoder thread: the loader runs one image per thread. */
    hue_video_options o = {.width = size, .height = size, .filter = HUE_SCALE_AREA, .threads = 1};
    hue_video *v;
    int r = hue_video_open(&v, path, &o);
    if (r < 0)
        return r;
    const hue_video_info *info = hue_video_get_info(v);
    size_t need = (size_t)info->out_width * info->out_height * 3;
    if (need > *capacity) {
        uint8_t *p = grow ? realloc(*rgb, need) : NULL;
        if (!p) {
            hue_video_close(v);
            return hue_fail(HUE_ENOMEM, "%s: out of memory for a %dx%d image", path, info->out_width,
                            info->out_height);
        }
        *rgb = p, *capacity = need;
    }
    *width = info->out_width, *height = info->out_height;
    r = hue_video_read_rgb(v, *rgb);
    if (r == 0)
        r = hue_fail(HUE_EFORMAT, "%s: no image could be decoded", path);
    else if (r == 1)
        r = hue_video_problem(v); /* data the decoder had to conceal */
    hue_video_close(v);
    if (r == 0)
        r = hue_data_check_jpeg(path);
    return r;
}

int hue_data_decode(const char *path, int size, uint8_t *rgb)
{
    size_t capacity = (size_t)size * size * 3;
    int w, h;
    return decode(path, size, &rgb, &capacity, 0, &w, &h);
}

int hue_data_decode_any(const char *path, int size, uint8_t **rgb, size_t *capacity, int *width, int *height)
{
    return decode(path, size, rgb, capacity, 1, width, height);
}

/* Source pixel of output (x, y), or -1 where the view shows padding. */
static inline long source_index(int size, hue_data_view v, int x, int y)
{
    int sx = (v.flip ? size - 1 - x : x) + v.dx - v.pad;
    int sy = y + v.dy - v.pad;
    if (sx < 0 || sy < 0 || sx >= size || sy >= size)
        return -1;
    return (long)sy * size + sx;
}

void hue_data_view_u8(const uint8_t *src, int size, hue_data_view v, uint8_t *dst)
{
    if (!v.pad && !v.flip) {
        memcpy(dst, src, (size_t)size * size * 3);
        return;
    }
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            long s = source_index(size, v, x, y);
            uint8_t *d = dst + ((size_t)y * size + x) * 3;
            if (s < 0)
                d[0] = d[1] = d[2] = 0;
            else
                memcpy(d, src + s * 3, 3);
        }
}

void hue_data_view_f32(const uint8_t *src, int size, hue_data_view v, const float lut[3][256], float *dst)
{
    size_t plane = (size_t)size * size;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            long s = source_index(size, v, x, y);
            size_t o = (size_t)y * size + x;
            for (int c = 0; c < 3; c++)
                dst[c * plane + o] = lut[c][s < 0 ? 0 : src[s * 3 + c]];
        }
}
