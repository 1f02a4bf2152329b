/* Colouring a clip from one coloured reference: every frame keeps its own
 * lightness and gets ab carried from the reference by the tracker (the
 * propagation hue track uses). The tracker sees only lightness (each frame
 * is turned gray first), so a clip's own colours never leak in; where the
 * clip has colours, a score compares the result with them. */
#ifndef HUE_CLIP_COLORIZE_H
#define HUE_CLIP_COLORIZE_H
#include <stdint.h>

#include "hue_track.h"

/* Sums over the pixels of the frames scored. */
typedef struct {
    double ab_abs;   /* |a - a'| + |b - b'|, halved */
    double rgb_sq;   /* squared RGB8 difference, averaged over the channels */
    int64_t pixels;
} hue_colour_score;

/* Mean ab error per pixel (LAB units) and PSNR of the RGB8 frames (dB). */
double hue_colour_score_ab_error(const hue_colour_score *s);
double hue_colour_score_psnr(const hue_colour_score *s);

typedef struct hue_clip_colorizer hue_clip_colorizer;

/* Starts from the reference (packed RGB8, width x height): its ab averaged
 * over the tracker's cells become the labels to carry. `o` gives the
 * features and the propagation settings; its size and label fields are set
 * here. */
int hue_clip_colorizer_create(hue_clip_colorizer **out, const hue_tracker_options *o, int width, int height,
                              const uint8_t *reference_rgb);
void hue_clip_colorizer_destroy(hue_clip_colorizer *c);

/* The next frame (packed RGB8) coloured into `out_rgb`. With `score`, the
 * result is scored against the frame's own colours, and `copy_score` scores
 * the baseline: the reference's ab unchanged over this frame's lightness. */
int hue_clip_colorizer_step(hue_clip_colorizer *c, const uint8_t *frame_rgb, uint8_t *out_rgb,
                            hue_colour_score *score, hue_colour_score *copy_score);

#endif
