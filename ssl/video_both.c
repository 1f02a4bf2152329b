/* hue train-video --method both: colourisation and the contrastive random
 * walk trained together on one encoder. Each step draws --batch
 * colourisation samples (3 references and a target) and then --batch
 * walks of --walk frames, independently, from the step's random numbers;
 * the encoder runs once on all their frames (batch norm sees them all),
 * and the loss is colorize + crw_weight * crw, each part as its method
 * alone computes it (video_losses.h), both logged (loss_colorize,
 * loss_crw). The clips are loaded once, size + 2 * crop_jitter high, as
 * both parts jitter their frames' crops.
 * Clips shorter than a sample of either part are skipped and counted.
 * Under mpirun each part splits the batch as its method does alone. */
#include <stdlib.h>

#include "hue_error.h"
#include "hue_json_writer.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_track.h"
#include "hue_trainer.h"
#include "hue_video_train.h"
#include "video_clips.h"
#include "video_losses.h"

typedef struct {
    const hue_video_train_options *o;
    video_clip_set clips;
    video_colour_part colour;
    video_crw_part walk;
    hue_resnet m;
    hue_tensor x;
    float *xb;        /* the colourisation samples' frames, then the walks' */
} video_both;

/* Frames a step encodes: 4 per colourisation sample, then a walk's frames per walk. */
static int64_t colour_frames(const hue_video_train_options *o) { return 4 * (int64_t)o->batch; }
static int64_t walk_frames(const hue_video_train_options *o) { return o->batch * video_crw_frames(o); }

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    video_both *v = self;
    const hue_video_train_options *o = v->o;
    int64_t nc = colour_frames(o), nw = walk_frames(o), xs[4] = {nc + nw, 1, o->size, o->size};
    v->x = hue_graph_input(g, "lightness", 4, xs);
    int rc = hue_resnet_build(g, &o->arch, v->x, 1, &v->m);
    hue_trunk_ref input = {.input = HUE_INPUT_L};
    if (!rc)
        rc = hue_trainer_add_resnet(t, &v->m, "", 1, &input);
    if (rc)
        return rc;
    if (v->m.feature_stride != 8)
        return hue_fail(HUE_EINVAL, "the encoder has stride %d; both losses need stride-8 features (--dense)",
                        v->m.feature_stride);
    int64_t D = v->m.feature_channels;
    hue_tensor f = hue_l2_normalize(g, v->m.features, 1, 1e-12f), crw_loss;
    hue_tensor colour_loss = video_colour_part_loss(&v->colour, g, hue_slice(g, f, 0, 0, nc), D);
    if ((rc = video_crw_part_loss(&v->walk, t, g, hue_slice(g, f, 0, nc, nw), D, &crw_loss)))
        return rc;
    hue_tensor loss = hue_add(g, colour_loss, hue_scale(g, crw_loss, o->crw_weight, -1));
    if ((rc = hue_graph_status(g)) || (rc = hue_trainer_add_metric(t, "loss_colorize", colour_loss)) ||
        (rc = hue_trainer_add_metric(t, "loss_crw", crw_loss)) || (rc = hue_graph_backward(g, loss)) ||
        (rc = video_train_adam(t, g, loss, o->lr)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int init(void *self, hue_trainer *t)
{
    (void)t;
    video_both *v = self;
    return video_colour_part_clusters(&v->colour, &v->clips);
}

static int save_meta(void *self, hue_trainer *t)
{
    video_both *v = self;
    int rc = video_colour_part_save_meta(&v->colour, t);
    return rc ? rc : hue_trainer_set_meta_path(t, "clips", v->o->clips);
}

static int load_meta(void *self, const hue_checkpoint *ck, const char *path)
{
    return video_colour_part_load_meta(&((video_both *)self)->colour, ck, path);
}

/* The colourisation samples first, then the walks, from one generator. */
static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    video_both *v = self;
    const hue_video_train_options *o = v->o;
    size_t frame = (size_t)o->size * o->size;
    hue_rng r;
    video_step_rng(o, step, &r);
    video_colour_part_draw(&v->colour, &v->clips, &r, v->xb);
    video_crw_part_draw(&v->walk, &v->clips, &r, v->xb + (size_t)colour_frames(o) * frame);
    hue_graph *g = hue_trainer_graph(t);
    int rc = hue_graph_set_input(g, v->x, v->xb, (size_t)(colour_frames(o) + walk_frames(o)) * frame);
    if (!rc)
        rc = video_colour_part_set_inputs(&v->colour, g);
    if (!rc)
        rc = video_crw_part_set_inputs(&v->walk, g, step);
    *info = (hue_fill_info){o->batch, 0, step};
    return rc;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const hue_video_train_options *o = ((const video_both *)self)->o;
    hue_jw_key(w, "clusters"), hue_jw_int(w, o->clusters);
    hue_jw_key(w, "crop_jitter"), hue_jw_int(w, o->crop_jitter);
    hue_jw_key(w, "walk"), hue_jw_int(w, o->walk);
    hue_jw_key(w, "edge_dropout"), hue_jw_number_digits(w, o->edge_dropout, 7);
    hue_jw_key(w, "crw_temperature"), hue_jw_number_digits(w, o->crw_temperature, 7);
    hue_jw_key(w, "crw_weight"), hue_jw_number_digits(w, o->crw_weight, 7);
    if (o->return_shift)
        hue_jw_key(w, "return_shift"), hue_jw_int(w, o->return_shift);
    video_view_hyperparameters(w, o);
}

static void destroy(void *self)
{
    video_both *v = self;
    free(v->xb);
    video_colour_part_free(&v->colour);
    video_crw_part_free(&v->walk);
    hue_resnet_free(&v->m);
    video_clips_free(&v->clips);
    free(v);
}

static int prepare(const hue_video_train_options *o, video_both *v)
{
    int rc = video_train_check(o);
    if (!rc)
        rc = video_colour_part_check(o);
    if (!rc)
        rc = video_crw_part_check(o, o->crw_temperature);
    if (!rc && !(o->crw_weight > 0 && o->crw_weight <= 1000))
        rc = hue_fail(HUE_EINVAL, "--crw-weight %g: must be above 0, at most 1000", o->crw_weight);
    if (!rc)
        rc = video_clips_open(o, video_frame_height(o), o->walk > 4 ? o->walk : 4, 1, &v->clips);
    if (!rc)
        rc = video_colour_part_alloc(&v->colour, o);
    if (!rc)
        rc = video_crw_part_alloc(&v->walk, o, o->crw_temperature);
    if (rc)
        return rc;
    v->xb = malloc(sizeof *v->xb * (size_t)(colour_frames(o) + walk_frames(o)) * o->size * o->size);
    return v->xb ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
}

int hue_train_video_both(const hue_video_train_options *o, hue_train_report *r)
{
    video_both *v = calloc(1, sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    v->o = o;
    hue_method m = {"colorization+crw", v, build, init, save_meta, load_meta, fill, NULL, destroy};
    int rc = prepare(o, v), skipped = v->clips.skipped;
    rc = video_train_run(o, &m, rc, hyperparameters, r);
    r->skipped_clips = skipped;
    return rc;
}
