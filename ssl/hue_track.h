/* The tracker: carries labels (segmentation masks, or colours) from the
 * first frame of a clip through the following frames with the propagation
 * ops, one static graph run per frame. Features come from raw LAB pixels
 * average-pooled to stride 8, or from a video encoder (trained, or at its
 * seeded initialisation). */
#ifndef HUE_TRACK_H
#define HUE_TRACK_H
#include <stdint.h>

#include "hue_resnet.h"

enum hue_features { HUE_FEATURES_LAB, HUE_FEATURES_MODEL, HUE_FEATURES_RANDOM };

typedef struct {
    int features;             /* enum hue_features */
    const char *model;        /* HUE_FEATURES_MODEL: a checkpoint of hue train-video */
    hue_resnet_config arch;   /* HUE_FEATURES_RANDOM: the encoder to initialise */
    uint64_t seed;            /* HUE_FEATURES_RANDOM */
    int width, height;        /* frame size */
    int labels;               /* label channels L (objects + background, or 2 for ab) */
    int context, topk, radius;
    float temperature;
    int argmax;               /* 1: each step yields label ids; 0: upsampled soft labels */
    int keep_soft;            /* with argmax: hue_tracker_soft reads the soft labels too */
} hue_tracker_options;

/* 0 when t is a usable softmax temperature: in (0, 100] and large enough
 * that it stays a normal float (one that underflows to 0, or whose 1/T
 * overflows, turns every affinity into inf or NaN). Else HUE_EINVAL, its
 * message naming flag and t. */
int hue_temperature_check(double t, const char *flag);

/* CRW's settings: N = 20, k = 10, R = 12, T = 0.05. */
hue_tracker_options hue_tracker_defaults(void);

typedef struct hue_tracker hue_tracker;

/* Feature grid of a frame: ceil(height / 8) x ceil(width / 8). */
void hue_tracker_grid(int width, int height, int *h, int *w);

int hue_tracker_create(hue_tracker **out, const hue_tracker_options *o);
void hue_tracker_destroy(hue_tracker *t);
/* Frame 0 (packed RGB8) and its labels at the feature grid [L, h, w]. */
int hue_tracker_start(hue_tracker *t, const uint8_t *rgb, const float *labels);
/* The next frame: argmax: ids[height * width] (label indices as floats);
 * else soft labels [L, height, width]. */
int hue_tracker_step(hue_tracker *t, const uint8_t *rgb, float *out);
/* After a step with keep_soft: the upsampled soft labels [L, height, width]
 * whose argmax the step gave. */
int hue_tracker_soft(hue_tracker *t, float *out);

/* A context position the query attends to: frame, feature cell, weight. */
typedef struct {
    int frame, cx, cy;
    double weight;
} hue_attention_site;

/* hue_tracker_step, and besides the attention that the new frame's feature
 * cell (cx, cy) pays to its context (frame 0 and the ring of the last N
 * frames, as the step propagates labels with): its topk best positions,
 * best first, with their softmax weights (summing to 1), in sites[topk]
 * and their number in *n (fewer than topk when a frame 0 cell repeated by
 * the ring's padding was chosen twice: one site, its weights summed). */
int hue_tracker_step_attend(hue_tracker *t, const uint8_t *rgb, float *out, int cx, int cy,
                            hue_attention_site *sites, int *n);
/* Feature channels in use. */
int hue_tracker_channels(const hue_tracker *t);

/* Area fractions of each label over the feature grid's cells: labels[l]
 * for pixels whose id is ids_of_label[l]; out [L, h, w]. */
void hue_labels_to_cells(const uint8_t *ids, int width, int height, const int *ids_of_label, int L, int h, int w,
                         float *out);

#endif
