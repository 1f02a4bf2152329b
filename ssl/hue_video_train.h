/* hue train-video's methods: colourisation (below) and the contrastive
 * random walk (ssl/video_crw.c: Jabri et al. 2020), on the same encoder.
 *
 * Tracking emerges by colourising (Vondrick et al. 2018): a video encoder
 * learns to colour a grayscale target frame by pointing into three earlier
 * reference frames. Attention = softmax(f_t . f_r / T) over all reference
 * positions; the predicted colour distribution is the attention-weighted sum
 * of the references' colour-cluster one-hots; the loss is the cross-entropy
 * against the target's clusters. Colours are quantised by k-means on ab
 * values sampled from the training clips (stored in the checkpoint). */
#ifndef HUE_VIDEO_TRAIN_H
#define HUE_VIDEO_TRAIN_H
#include <stdint.h>

#include "hue_representation.h"
#include "hue_resnet.h"
#include "hue_train.h"

/* BOTH: colourisation and the walk on one encoder, loss = colorize + crw_weight * crw (ssl/video_both.c). */
enum hue_video_method { HUE_VIDEO_COLORIZATION, HUE_VIDEO_CRW, HUE_VIDEO_BOTH };

typedef struct {
    int method;               /* enum hue_video_method */
    const char *clips;        /* a folder of videos, or a text file listing one video path per line */
    const char *out, *resume, *log;
    int force;
    hue_resnet_config arch;   /* in_channels 1 (3 with LAB input), dense, a projection (embed) */
    int input;                /* colorize: HUE_INPUT_L, the encoder sees lightness (the default), or
                               * HUE_INPUT_LAB: it sees L, a, b, and each sample (its four frames
                               * alike) keeps both a and b, a only, b only or neither, a quarter of
                               * the time each, the rest set to 0. hue track then feeds it whole
                               * frames, hue colorize gray ones (a and b 0) */
    int clusters;             /* k of the colour k-means (16) */
    int size;                 /* crop side: crops are size x size */
    int batch;                /* samples (4 frames each) per step */
    int max_gap;              /* frames between the references and the target: 1..max_gap */
    int64_t steps;
    double lr;                /* Adam */
    float temperature;        /* 0: the method's (colourisation's attention 0.05, crw's transitions 0.07;
                               * both: the attention's) */
    float crw_temperature;    /* both: the walk's transitions (0: 0.07) */
    float crw_weight;         /* both: the walk's loss weight, > 0 (1) */
    int crop_jitter;          /* every method: each frame's crop moves up to this many pixels each way
                               * from the sample's window (0: one window for all its frames) */
    double zoom;              /* every method: clips decoded zoom times (size + 2 crop_jitter) high, each
                               * sample cut at its own scale from 1 to zoom (1: one scale; video_view.h) */
    int hflip;                /* every method: mirror each sample, all its frames alike, half of the time */
    int walk;                 /* crw: frames per sample; walks go 1 .. walk - 1 frames out and back */
    float edge_dropout;       /* crw: share of transitions cut before each softmax, [0, 1) */
    int return_shift;         /* crw: the walk comes home to a second crop of its first frame, moved by
                               * 1 to this many cells (8 pixels) each way, not to the first crop itself
                               * (0: itself) */
    uint64_t seed;
    int64_t save_every;       /* steps between checkpoints */
    int keep_checkpoints;     /* keep every checkpoint as OUT.step<N> (hue_trainer_kept_path) */
    int sync_bn;              /* under mpirun: batch norm over the whole group's batch (--sync-bn) */
    const char *flags;        /* the command's flags as a JSON object: checkpoint metadata "flags" (NULL: none) */
    /* Set by hue_train_video, not by callers: the group's whole batch (the
     * --batch given); `batch` is then this rank's part, at places
     * batch_first .. batch_first + batch - 1. One process: batch, and 0. */
    int global_batch, batch_first;
    hue_step_fn on_step;
    hue_save_fn on_save;
    void *user;
} hue_video_train_options;

hue_video_train_options hue_video_train_defaults(void);
/* o with the method's defaults in place of those left to it (temperature). */
hue_video_train_options hue_video_train_resolve(const hue_video_train_options *o);

int hue_train_video(const hue_video_train_options *o, hue_train_report *report);
/* The methods behind it (o resolved: temperature set). */
int hue_train_video_colorization(const hue_video_train_options *o, hue_train_report *report);
int hue_train_video_crw(const hue_video_train_options *o, hue_train_report *report);
int hue_train_video_both(const hue_video_train_options *o, hue_train_report *report);

#endif
