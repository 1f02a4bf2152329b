/* Listing and loading the training clips (video_clips.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_clip_list.h"
#include "hue_error.h"
#include "hue_optim.h"
#include "hue_file.h"
#include "hue_video.h"
#include "video_clips.h"

/* The clips of --clips, each a video_clip to load. */
static int list_clips(const char *src, video_clip_set *s)
{
    hue_clip_list l;
    int rc = hue_clip_list_read(src, &l);
    if (!rc && !(s->v = calloc((size_t)l.n, sizeof *s->v)))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (int i = 0; !rc && i < l.n; i++) {
        if (strlen(l.paths[i]) >= sizeof s->v->path)
            rc = hue_fail(HUE_EINVAL, "%s: a clip path longer than %zu bytes", l.paths[i], sizeof s->v->path - 1);
        else
            snprintf(s->v[s->n++].path, sizeof s->v->path, "%s", l.paths[i]);
    }
    hue_clip_list_free(&l);
    return rc;
}

/* *too_short is set when the clip has fewer than min_frames frames (a
 * short clip, not a bad file). */
static int load_clip(video_clip *c, int height, int min_frames, int *too_short)
{
    *too_short = 0;
    hue_video *v;
    int rc = hue_video_open(&v, c->path, NULL);
    if (rc)
        return rc;
    const hue_video_info *info = hue_video_get_info(v);
    int w = (int)lround((double)info->width * height / info->height);
    hue_video_close(v);
    hue_video_options vo = {.width = w, .height = height, .filter = HUE_SCALE_AREA};
    if ((rc = hue_video_open(&v, c->path, &vo)))
        return rc;
    info = hue_video_get_info(v);
    c->width = info->out_width;
    c->height = info->out_height;
    c->frames = info->frames;
    if (c->frames < min_frames || c->width < height) {
        *too_short = c->frames < min_frames && c->width >= height;
        hue_video_close(v);
        return hue_fail(HUE_EINVAL, "%s: %lld frames of %dx%d; training needs %d frames at least %d wide", c->path,
                        (long long)c->frames, c->width, c->height, min_frames, height);
    }
    size_t frame = (size_t)c->width * c->height * 3;
    c->rgb = malloc(frame * (size_t)c->frames);
    if (!c->rgb) {
        hue_video_close(v);
        return hue_fail(HUE_ENOMEM, "out of host memory for %s", c->path);
    }
    int64_t got = 0;
    while (got < c->frames && (rc = hue_video_read_rgb(v, c->rgb + frame * (size_t)got)) == 1)
        got++;
    hue_video_close(v);
    if (rc < 0)
        return rc;
    c->frames = got;
    return got >= min_frames ? 0 : hue_fail(HUE_EFORMAT, "%s: only %lld frames decoded", c->path, (long long)got);
}

void video_clips_free(video_clip_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i].rgb);
    free(s->v);
}

/* No output may be an input (a clip, the list, the checkpoint resumed
 * unless the run goes on in it) or the other output. */
static int check_files(const hue_video_train_options *o, int into_out, const video_clip_set *clips)
{
    hue_file_use uses[] = {{"--out", o->out, 1}, {"--log", o->log, 1}, {"--clips", o->clips, 0},
                           {"--resume", into_out ? NULL : o->resume, 0}};
    int rc = hue_file_check_uses(uses, 4);
    for (int i = 0; i < clips->n && !rc; i++)
        for (int k = 0; k < 2 && !rc; k++)
            if (uses[k].path && hue_file_same(uses[k].path, clips->v[i].path))
                rc = hue_fail(HUE_EINVAL, "%s: %s names a clip of --clips (an output must not also be an input)",
                              uses[k].path, uses[k].flag);
    return rc;
}


int video_clips_open(const hue_video_train_options *o, int height, int min_frames, int skip_short, video_clip_set *s)
{
    memset(s, 0, sizeof *s);
    int rc = list_clips(o->clips, s);
    int into_out = o->resume && hue_file_same(o->resume, o->out);
    if (!rc)
        rc = check_files(o, into_out, s);
    if (!rc && !o->force && !into_out && access(o->out, F_OK) == 0)
        rc = hue_fail(HUE_EEXIST, "%s exists: pass --force to replace it", o->out);
    int kept = 0;
    for (int i = 0; i < s->n && !rc; i++) {
        int too_short;
        rc = load_clip(&s->v[i], height, min_frames, &too_short);
        if (rc && too_short && skip_short) {
            free(s->v[i].rgb);
            s->v[i].rgb = NULL;
            s->skipped++;
            rc = 0;
            continue;
        }
        if (kept != i) {  /* each frame buffer has one owner */
            s->v[kept] = s->v[i];
            s->v[i].rgb = NULL;
        }
        kept++;
    }
    if (!rc) {
        s->n = kept;
        if (kept == 0)
            rc = hue_fail(HUE_EINVAL, "%s: every clip has fewer than the %d frames a sample needs (%d skipped)",
                          o->clips, min_frames, s->skipped);
    }
    return rc;
}

int video_train_group_batch(const hue_video_train_options *o)
{
    return o->global_batch > 0 ? o->global_batch : o->batch;
}

int video_train_adam(hue_trainer *t, hue_graph *g, hue_tensor loss, double lr)
{
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_ADAMW);
    oc.weight_decay = 0;
    hue_optim *opt;
    int rc = hue_optim_create(g, &oc, loss, &opt);
    if (rc)
        return rc;
    hue_schedule sched = {.kind = HUE_SCHEDULE_CONSTANT, .base_lr = lr};
    if ((rc = hue_trainer_add_optimizer(t, opt, &sched)))
        hue_optim_destroy(opt);
    return rc;
}

int video_train_run(const hue_video_train_options *o, hue_method *m, int prepared, video_train_hp_fn extra,
                    hue_train_report *r)
{
    if (prepared) {
        m->destroy(m->self);
        return prepared;
    }
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "steps"), hue_jw_int(&w, o->steps);
    hue_jw_key(&w, "batch"), hue_jw_int(&w, video_train_group_batch(o));
    hue_jw_key(&w, "size"), hue_jw_int(&w, o->size);
    hue_jw_key(&w, "max_gap"), hue_jw_int(&w, o->max_gap);
    hue_jw_key(&w, "lr"), hue_jw_number(&w, o->lr);
    hue_jw_key(&w, "temperature"), hue_jw_number(&w, o->temperature);
    if (extra)
        extra(&w, m->self);
    hue_jw_key(&w, "optimizer"), hue_jw_string(&w, "adam");
    hue_jw_end(&w);
    const char *hp = hue_json_writer_text(&w);
    int rc;
    if (hp) {
        hue_trainer_options to = {.out = o->out, .resume = o->resume, .log = o->log, .force = o->force,
                                  .seed = o->seed, .steps = o->steps, .save_every = o->save_every,
                                  .keep_checkpoints = o->keep_checkpoints, .hyperparameters = hp,
                                  .flags = o->flags, .rate_name = "samples_per_s", .on_step = o->on_step,
                                  .on_save = o->on_save, .user = o->user};
        rc = hue_trainer_run(&to, m, r);
    } else {
        m->destroy(m->self);
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_json_writer_free(&w);
    return rc;
}

int video_train_check(const hue_video_train_options *o)
{
    if (o->batch < 1 || o->steps < 1 || o->size < 32 || o->size % 8 || o->max_gap < 1)
        return hue_fail(HUE_EINVAL, "bad settings: batch >= 1, steps >= 1, crop size a multiple of 8 from 32, gap >= 1");
    if (!o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    return 0;
}

void video_step_rng(const hue_video_train_options *o, int64_t step, hue_rng *r)
{
    hue_rng_seed(r, o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)step + 1);
}
