/* The two losses of hue train-video as parts a method puts together: each
 * part has its own graph inputs, draws its samples' lightness into the
 * encoder's input, and adds its loss to a graph for given features. The
 * colorize and crw methods use one part each (ssl/video_colour.c,
 * ssl/video_crw.c); --method both uses both on one encoder
 * (ssl/video_both.c). */
#ifndef HUE_VIDEO_LOSSES_H
#define HUE_VIDEO_LOSSES_H
#include <stdint.h>

#include "hue_checkpoint.h"
#include "hue_graph.h"
#include "hue_rng.h"
#include "hue_trainer.h"
#include "video_clips.h"
#include "video_view.h"

/* ---- colourisation: 4 frames a sample, 3 references then the target ---- */

typedef struct {
    const hue_video_train_options *o;
    float centres[2 * 256];   /* the colour clusters' ab */
    hue_tensor onehot, target;
    float *onehotb, *targetb, *ab, *ca;
    uint8_t *rgb;
    video_view_work view;
} video_colour_part;

/* Host buffers for o->batch samples (o checked). */
int video_colour_part_alloc(video_colour_part *p, const hue_video_train_options *o);
void video_colour_part_free(video_colour_part *p);
/* The flags colourisation reads: clusters, crop jitter, temperature. */
int video_colour_part_check(const hue_video_train_options *o);
/* k-means of the clips' colours (clips loaded video_frame_height(o) high). */
int video_colour_part_clusters(video_colour_part *p, const video_clip_set *clips);
int video_colour_part_save_meta(const video_colour_part *p, hue_trainer *t);
int video_colour_part_load_meta(video_colour_part *p, const hue_checkpoint *ck, const char *path);
/* The cross-entropy of the targets' colours; f: the L2-normalised stride-8
 * features of the part's 4 * batch frames, [4B, D, S/8, S/8]. */
hue_tensor video_colour_part_loss(video_colour_part *p, hue_graph *g, hue_tensor f, int64_t D);
/* Draws the group's batch of samples from r, this rank's into its inputs
 * and the encoder's input into x: 4 * batch frames of size^2, each its
 * lightness, or with LAB input (o->input) its L, a, b planes. */
void video_colour_part_draw(video_colour_part *p, const video_clip_set *clips, hue_rng *r, float *x);
int video_colour_part_set_inputs(video_colour_part *p, hue_graph *g);

/* ---- the contrastive random walk: --walk frames a sample ---- */

typedef struct {
    const hue_video_train_options *o;
    float temperature;        /* of the transitions */
    int64_t frames;           /* encoded per walk: its frames, then the home crop when o->return_shift */
    /* With o->return_shift, this rank's share of the group's counted nodes
     * over its equal share (1 in one process): the losses are scaled by it,
     * so that the ranks' mean is the one-process mean over every counted node. */
    float shareb;
    hue_tensor targets, seed, share;
    float *targetsb, *a, *b;
    uint8_t *rgb;
    video_view_work view;
} video_crw_part;

/* Frames a walk encodes (video_crw_part.frames). */
int64_t video_crw_frames(const hue_video_train_options *o);
/* Where each node of a cells x cells start crop lands in a home crop moved
 * by (down, right) cells: targets[i] is that node's index there, or -100
 * (ignored) where it falls outside. */
void video_crw_home_targets(int cells, int down, int right, float *targets);

int video_crw_part_alloc(video_crw_part *p, const hue_video_train_options *o, float temperature);
void video_crw_part_free(video_crw_part *p);
/* The flags the walk reads: walk, edge dropout, its temperature. */
int video_crw_part_check(const hue_video_train_options *o, float temperature);
/* The walks' mean loss (each length also logged as walk_<k>); f: the
 * L2-normalised stride-8 features of the part's batch * frames frames. */
int video_crw_part_loss(video_crw_part *p, hue_trainer *t, hue_graph *g, hue_tensor f, int64_t D, hue_tensor *loss);
/* As video_colour_part_draw, frames * batch frames; a clip taller than
 * size is cropped at a random height too. */
void video_crw_part_draw(video_crw_part *p, const video_clip_set *clips, hue_rng *r, float *L);
int video_crw_part_set_inputs(video_crw_part *p, hue_graph *g, int64_t step);

#endif
