/* What hue train-video's methods share: the clips they train on (listed
 * from a folder or a list file, every frame decoded once and scaled to the
 * crop height, held in memory as RGB8), their optimizer and their run. */
#ifndef HUE_VIDEO_CLIPS_H
#define HUE_VIDEO_CLIPS_H
#include <stdint.h>

#include "hue_json_writer.h"
#include "hue_rng.h"
#include "hue_trainer.h"
#include "hue_video_train.h"

typedef struct {
    char path[2304];
    int width, height;        /* scaled frame size */
    int64_t frames;
    uint8_t *rgb;             /* frames * height * width * 3 */
} video_clip;

typedef struct {
    video_clip *v;
    int n;
    int skipped;              /* clips left out for having fewer than the frames a sample needs */
} video_clip_set;

/* Lists o->clips, checks that no output is an input and that o->out may
 * be written, then loads every clip scaled to height pixels high. A clip with fewer
 * than min_frames frames is an error, or when skip_short is set, left out
 * and counted (an error when none is left). Nothing is written. */
int video_clips_open(const hue_video_train_options *o, int height, int min_frames, int skip_short, video_clip_set *s);
void video_clips_free(video_clip_set *s);

/* The settings every method reads (batch, steps, size, gap, --out). */
int video_train_check(const hue_video_train_options *o);

/* The random numbers of a step: they depend only on (seed, step), so a
 * resumed run draws what the uninterrupted one would have. */
void video_step_rng(const hue_video_train_options *o, int64_t step, hue_rng *r);

/* The whole group's batch under mpirun (o->batch is this rank's part of
 * it); o->batch in one process. */
int video_train_group_batch(const hue_video_train_options *o);

/* AdamW without weight decay at a constant rate lr, registered with t. */
int video_train_adam(hue_trainer *t, hue_graph *g, hue_tensor loss, double lr);
/* The hyper-parameters a method adds to the common ones (members of the
 * object being written). */
typedef void (*video_train_hp_fn)(hue_json_writer *w, const void *self);
/* The end of every video method's entry. prepared: the result of its own
 * checks, clips and allocations; an error there destroys the method and is
 * returned. Otherwise the hyper-parameters (steps, batch, size, max_gap,
 * lr, temperature, then extra's, then the optimizer) are written and the
 * method runs to its end (see hue_trainer_run); it is destroyed before
 * this returns. */
int video_train_run(const hue_video_train_options *o, hue_method *m, int prepared, video_train_hp_fn extra,
                    hue_train_report *r);

#endif
