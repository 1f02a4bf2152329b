/* A training sample's view of its clip: scale and mirror (video_view.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "video_view.h"

/* A crop pixel covers at most ceil(scale) + 1 frame pixels per axis; --zoom is at most 4. */
#define MAX_TAPS 6

int video_frame_height(const hue_video_train_options *o)
{
    double zoom = o->zoom > 1 ? o->zoom : 1;
    return (int)lround(zoom * (o->size + 2 * o->crop_jitter));
}

void video_view_hyperparameters(hue_json_writer *w, const hue_video_train_options *o)
{
    if (o->zoom > 1)
        hue_jw_key(w, "zoom"), hue_jw_number_digits(w, o->zoom, 7);
    if (o->hflip)
        hue_jw_key(w, "hflip"), hue_jw_bool(w, 1);
}

void video_view_draw(const hue_video_train_options *o, const video_clip *c, hue_rng *r, video_view *v)
{
    int side = o->size + 2 * o->crop_jitter, shorter = c->height < c->width ? c->height : c->width;
    double most = (double)shorter / side;
    v->scale = 1;
    v->mirror = 0;
    if (most > 1 + 1e-9)
        v->scale = exp(hue_rng_uniform(r) * log(most));
    if (o->hflip)
        v->mirror = (int)hue_rng_below(r, 2);
}

int video_view_room(const video_view *v, int extent, int size, int jitter)
{
    double room = floor(extent - (size + 2.0 * jitter) * v->scale + 1e-9);
    return room > 0 ? (int)room : 0;
}

int video_view_work_alloc(const hue_video_train_options *o, video_view_work *w)
{
    size_t S = (size_t)o->size;
    w->rows = malloc(sizeof *w->rows * ((size_t)video_frame_height(o) + 2) * S * 3);
    w->weights = malloc(sizeof *w->weights * S * MAX_TAPS);
    w->first = malloc(sizeof *w->first * S);
    w->count = malloc(sizeof *w->count * S);
    if (w->rows && w->weights && w->first && w->count)
        return 0;
    video_view_work_free(w);
    return hue_fail(HUE_ENOMEM, "out of host memory");
}

void video_view_work_free(video_view_work *w)
{
    free(w->rows), free(w->weights), free(w->first), free(w->count);
    *w = (video_view_work){0};
}

/* The frame pixels [*first, *first + count) that [a, a + s) covers on an
 * axis of n pixels, each weighted by its overlap, the weights summing to 1;
 * returns count. */
static int taps(double a, double s, int n, int *first, float *w)
{
    int lo = (int)floor(a), hi = (int)ceil(a + s) - 1;
    lo = lo < 0 ? 0 : lo;
    hi = hi > n - 1 ? n - 1 : hi;
    hi = hi > lo + MAX_TAPS - 1 ? lo + MAX_TAPS - 1 : hi;
    double sum = 0;
    for (int p = lo; p <= hi; p++) {
        double from = a > p ? a : p, to = a + s < p + 1 ? a + s : p + 1;
        w[p - lo] = (float)(to > from ? to - from : 0);
        sum += w[p - lo];
    }
    for (int p = lo; p <= hi; p++)
        w[p - lo] = sum > 0 ? (float)(w[p - lo] / sum) : 1.0f / (float)(hi - lo + 1);
    *first = lo;
    return hi - lo + 1;
}

void video_view_crop(const video_clip *c, int64_t f, double x0, double y0, const video_view *v, int size,
                     uint8_t *out, video_view_work *work)
{
    const uint8_t *src = c->rgb + (size_t)f * c->width * c->height * 3;
    double s = v->scale;
    if (s == 1 && x0 == floor(x0) && y0 == floor(y0)) {  /* the frame's own pixels */
        for (int y = 0; y < size; y++) {
            const uint8_t *row = src + ((size_t)((int)y0 + y) * c->width + (int)x0) * 3;
            uint8_t *o = out + (size_t)y * size * 3;
            if (!v->mirror)
                memcpy(o, row, (size_t)size * 3);
            else
                for (int x = 0; x < size; x++)
                    memcpy(o + (size_t)x * 3, row + (size_t)(size - 1 - x) * 3, 3);
        }
        return;
    }
    /* across each frame row the window touches, then down */
    for (int x = 0; x < size; x++)
        work->count[x] = taps(x0 + x * s, s, c->width, &work->first[x], work->weights + (size_t)x * MAX_TAPS);
    int r0 = (int)floor(y0), r1 = (int)ceil(y0 + size * s);
    r0 = r0 < 0 ? 0 : r0;
    r1 = r1 > c->height ? c->height : r1;
    for (int r = r0; r < r1; r++) {
        const uint8_t *row = src + (size_t)r * c->width * 3;
        float *dst = work->rows + (size_t)(r - r0) * size * 3;
        for (int x = 0; x < size; x++) {
            const float *w = work->weights + (size_t)x * MAX_TAPS;
            const uint8_t *p = row + (size_t)work->first[x] * 3;
            float acc[3] = {0, 0, 0};
            for (int k = 0; k < work->count[x]; k++)
                for (int ch = 0; ch < 3; ch++)
                    acc[ch] += w[k] * p[(size_t)k * 3 + ch];
            memcpy(dst + (size_t)x * 3, acc, sizeof acc);
        }
    }
    float yw[MAX_TAPS];
    for (int y = 0; y < size; y++) {
        int first, count = taps(y0 + y * s, s, c->height, &first, yw);
        uint8_t *o = out + (size_t)y * size * 3;
        for (int x = 0; x < size; x++) {
            int ox = v->mirror ? size - 1 - x : x;
            for (int ch = 0; ch < 3; ch++) {
                float acc = 0;
                for (int k = 0; k < count; k++)
                    acc += yw[k] * work->rows[((size_t)(first + k - r0) * size + x) * 3 + ch];
                long q = lrintf(acc);
                o[(size_t)ox * 3 + ch] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
            }
        }
    }
}
