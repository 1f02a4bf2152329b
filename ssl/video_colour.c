/* hue train-video's colourisation as a trainer method: a target frame's
 * features attend over three reference frames', and its colour clusters
 * are predicted from theirs (see hue_video_train.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hue_checkpoint.h"
#include "hue_clock.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_json.h"
#include "hue_json_writer.h"
#include "hue_kmeans.h"
#include "hue_lab.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_rng.h"
#include "hue_track.h"
#include "hue_video.h"
#include "hue_trainer.h"
#include "hue_video_train.h"
#include "video_clips.h"
#include "video_losses.h"

hue_video_train_options hue_video_train_defaults(void)
{
    hue_video_train_options o = {0};
    o.arch = hue_resnet_defaults();
    o.arch.in_channels = 1;
    o.input = HUE_INPUT_L;
    o.arch.num_classes = 0;
    o.arch.dense = 1;
    o.arch.last_layer = 3;
    o.arch.width = 0.5f;
    o.arch.embed = 64;
    o.clusters = 16;
    o.size = 256;
    o.batch = 4;
    o.max_gap = 4;
    o.steps = 1000;
    o.lr = 1e-3;
    o.crop_jitter = 8;
    o.zoom = 1;
    o.walk = 6;
    o.edge_dropout = 0.1f;
    o.crw_weight = 1;
    o.save_every = 100;
    return o;
}

/* ---- samples ---- */

typedef struct {
    int clip;
    int64_t frame[4];         /* three references, then the target */
    video_view view;          /* the sample's scale and mirror */
    double x0[4], y0[4];      /* each frame's window: top-left corner in frame pixels */
    int keep_a, keep_b;       /* LAB input: the colour channels the encoder sees */
} sample;

static void draw_sample(const video_clip_set *clips, const hue_video_train_options *o, hue_rng *r, sample *out)
{
    out->clip = (int)hue_rng_below(r, (uint64_t)clips->n);
    const video_clip *c = &clips->v[out->clip];
    int64_t max_gap = (c->frames - 1) / 3;
    int64_t gap = 1 + (int64_t)hue_rng_below(r, (uint64_t)(max_gap < o->max_gap ? max_gap : o->max_gap));
    int64_t t = 3 * gap + (int64_t)hue_rng_below(r, (uint64_t)(c->frames - 3 * gap));
    for (int k = 0; k < 4; k++)
        out->frame[k] = t - (3 - k) * gap;
    video_view_draw(o, c, r, &out->view);
    /* one window for the sample, each frame's crop moved by up to J pixels: a
     * shared window would let the encoder match positions through the padding */
    int J = o->crop_jitter, x_room = video_view_room(&out->view, c->width, o->size, J);
    int y_room = video_view_room(&out->view, c->height, o->size, J);
    double s = out->view.scale;
    double x = J * s + (double)hue_rng_below(r, (uint64_t)x_room + 1);
    double y = J * s + (y_room > 0 ? (double)hue_rng_below(r, (uint64_t)y_room + 1) : 0);
    for (int k = 0; k < 4; k++) {
        out->x0[k] = x + ((double)hue_rng_below(r, (uint64_t)(2 * J + 1)) - J) * s;
        out->y0[k] = y + ((double)hue_rng_below(r, (uint64_t)(2 * J + 1)) - J) * s;
    }
    /* colour dropout: from all of it (hue track's frames) to none (hue
     * colorize's); a lightness run draws nothing, so its samples stay as they were */
    out->keep_a = out->keep_b = 0;
    if (o->input == HUE_INPUT_LAB) {
        int keep = (int)hue_rng_below(r, 4);
        out->keep_a = keep & 1, out->keep_b = keep >> 1;
    }
}

/* Lightness in [-1, 1] of a crop (rgb: its RGB8), and its cells' mean ab. */
static void crop_lab(const uint8_t *rgb, int size, float *L, float *cell_a, float *cell_b, float *a, float *b)
{
    hue_lab_from_rgb8(rgb, (size_t)size * size, L, a, b);
    for (int i = 0; i < size * size; i++)
        L[i] = L[i] / 50.0f - 1.0f;
    int cells = size / 8;
    for (int cy = 0; cy < cells; cy++)
        for (int cx = 0; cx < cells; cx++) {
            double sa = 0, sb = 0;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    size_t i = (size_t)(cy * 8 + y) * size + cx * 8 + x;
                    sa += a[i], sb += b[i];
                }
            cell_a[cy * cells + cx] = (float)(sa / 64);
            cell_b[cy * cells + cx] = (float)(sb / 64);
        }
}

/* k-means on ab cell means sampled from every clip. */
static int colour_clusters(const video_clip_set *s, const hue_video_train_options *o, float *centres)
{
    int cells = o->size / 8, per_clip = 8;
    int64_t n = (int64_t)s->n * per_clip * cells * cells;
    float *pts = malloc(sizeof *pts * 2 * (size_t)n);
    float *L = malloc(sizeof *L * (size_t)o->size * o->size * 3), *a = L + o->size * o->size, *b = a + o->size * o->size;
    uint8_t *rgb = malloc((size_t)o->size * o->size * 3);
    float *ca = malloc(sizeof *ca * (size_t)cells * cells * 2), *cb = ca + cells * cells;
    if (!pts || !L || !rgb || !ca) {
        free(pts), free(L), free(rgb), free(ca);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    hue_rng r;
    hue_rng_seed(&r, o->seed ^ 0xc0105u);
    const video_view whole = {1, 0};  /* the frames' own pixels */
    int64_t k = 0;
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < per_clip; j++) {
            const video_clip *c = &s->v[i];
            int64_t f = (int64_t)hue_rng_below(&r, (uint64_t)c->frames);
            int x0 = (int)hue_rng_below(&r, (uint64_t)(c->width - o->size + 1));
            video_view_crop(c, f, x0, o->crop_jitter, &whole, o->size, rgb, NULL);
            crop_lab(rgb, o->size, L, ca, cb, a, b);
            for (int q = 0; q < cells * cells; q++, k++)
                pts[2 * k] = ca[q], pts[2 * k + 1] = cb[q];
        }
    int rc = hue_kmeans2(pts, n, o->clusters, o->seed, 100, centres);
    free(pts), free(L), free(rgb), free(ca);
    return rc;
}

/* ---- the colourisation part (video_losses.h) ---- */

int video_colour_part_check(const hue_video_train_options *o)
{
    if (o->clusters < 2 || o->clusters > 256)
        return hue_fail(HUE_EINVAL, "--clusters %d: must be 2 to 256", o->clusters);
    if (o->crop_jitter < 0 || o->crop_jitter > 64)
        return hue_fail(HUE_EINVAL, "--crop-jitter %d: must be 0 to 64 pixels", o->crop_jitter);
    return hue_temperature_check(o->temperature, "temperature");
}

int video_colour_part_alloc(video_colour_part *p, const hue_video_train_options *o)
{
    p->o = o;
    int B = o->batch, S = o->size, K = o->clusters;
    int64_t P = (int64_t)(S / 8) * (S / 8);
    p->onehotb = malloc(sizeof *p->onehotb * (size_t)B * 3 * P * K);
    p->targetb = malloc(sizeof *p->targetb * (size_t)B * P);
    p->ab = malloc(sizeof *p->ab * (size_t)4 * S * S);
    p->ca = malloc(sizeof *p->ca * (size_t)2 * P);
    p->rgb = malloc((size_t)S * S * 3);
    if (!p->onehotb || !p->targetb || !p->ab || !p->ca || !p->rgb)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    return video_view_work_alloc(o, &p->view);
}

void video_colour_part_free(video_colour_part *p)
{
    free(p->onehotb), free(p->targetb), free(p->ab), free(p->ca), free(p->rgb);
    video_view_work_free(&p->view);
}

int video_colour_part_clusters(video_colour_part *p, const video_clip_set *clips)
{
    return colour_clusters(clips, p->o, p->centres);
}

hue_tensor video_colour_part_loss(video_colour_part *p, hue_graph *g, hue_tensor f, int64_t D)
{
    const hue_video_train_options *o = p->o;
    int B = o->batch, S = o->size, K = o->clusters;
    int64_t P = (int64_t)(S / 8) * (S / 8);
    int64_t os[3] = {B, 3 * P, K}, ts[1] = {B * P};
    p->onehot = hue_graph_input(g, "ref_colours", 3, os);
    p->target = hue_graph_input(g, "target_colours", 1, ts);
    int64_t s4[4] = {B, 4, D, P}, s3r[3] = {B, D, 3 * P}, s3t[3] = {B, D, P};
    f = hue_reshape(g, f, 4, s4);
    int perm[4] = {0, 2, 1, 3};
    hue_tensor refs = hue_reshape(g, hue_permute(g, hue_slice(g, f, 1, 0, 3), perm), 3, s3r);
    hue_tensor tgt = hue_reshape(g, hue_slice(g, f, 1, 3, 1), 3, s3t);
    hue_tensor att = hue_softmax(g, hue_scale(g, hue_matmul(g, tgt, refs, 1, 0), 1.0f / o->temperature, -1), 2);
    hue_tensor pred = hue_matmul(g, att, p->onehot, 0, 0);
    float eps = 1e-6f;
    int64_t one[1] = {1}, flat[2] = {B * P, K};
    hue_tensor logp = hue_log(g, hue_add(g, hue_reshape(g, pred, 2, flat), hue_graph_constant(g, "eps", 1, one, &eps)));
    return hue_cross_entropy(g, logp, p->target, -1, -100);
}

int video_colour_part_save_meta(const video_colour_part *p, hue_trainer *t)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_array(&w);
    for (int k = 0; k < p->o->clusters; k++) {
        hue_jw_array(&w);
        hue_jw_number(&w, p->centres[2 * k]);
        hue_jw_number(&w, p->centres[2 * k + 1]);
        hue_jw_end(&w);
    }
    hue_jw_end(&w);
    int rc = hue_json_writer_text(&w) ? hue_trainer_set_meta(t, "clusters", w.text)
                                      : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_json_writer_free(&w);
    return rc;
}

/* The colour clusters the run was trained with: [[a, b], ...], k of them. */
int video_colour_part_load_meta(video_colour_part *p, const hue_checkpoint *ck, const char *path)
{
    const char *text = hue_checkpoint_meta(ck, "clusters");
    hue_json *root = NULL;
    int k = p->o->clusters, ok = text && hue_json_parse(text, strlen(text), &root) == 0 &&
                                 hue_json_type_of(root) == HUE_JSON_ARRAY && (int)hue_json_count(root) == k;
    for (int i = 0; ok && i < k; i++) {
        const hue_json *c = hue_json_at(root, (size_t)i);
        ok = hue_json_type_of(c) == HUE_JSON_ARRAY && hue_json_count(c) == 2 &&
             hue_json_type_of(hue_json_at(c, 0)) == HUE_JSON_NUMBER &&
             hue_json_type_of(hue_json_at(c, 1)) == HUE_JSON_NUMBER;
        if (ok) {
            p->centres[2 * i] = (float)hue_json_number(hue_json_at(c, 0));
            p->centres[2 * i + 1] = (float)hue_json_number(hue_json_at(c, 1));
        }
    }
    hue_json_destroy(root);
    return ok ? 0 : hue_fail(HUE_EFORMAT, "%s: no %d colour clusters in its metadata", path, k);
}

void video_colour_part_draw(video_colour_part *p, const video_clip_set *clips, hue_rng *r, float *x)
{
    const hue_video_train_options *o = p->o;
    int B = o->batch, S = o->size, K = o->clusters, cells = S / 8, C = hue_input_channels(o->input);
    size_t plane = (size_t)S * S;
    int64_t P = (int64_t)cells * cells;
    float *cb = p->ca + P;
    memset(p->onehotb, 0, sizeof *p->onehotb * (size_t)B * 3 * P * K);
    /* every sample of the group's batch is drawn, this rank's part kept */
    int whole = video_train_group_batch(o);
    for (int place = 0; place < whole; place++) {
        sample s;
        draw_sample(clips, o, r, &s);
        int b = place - o->batch_first;
        if (b < 0 || b >= B)
            continue;
        for (int k = 0; k < 4; k++) {
            video_view_crop(&clips->v[s.clip], s.frame[k], s.x0[k], s.y0[k], &s.view, S, p->rgb, &p->view);
            float *in = x + ((size_t)b * 4 + k) * C * plane;
            crop_lab(p->rgb, S, in, p->ca, cb, p->ab, p->ab + plane);
            for (size_t i = 0; C == 3 && i < plane; i++) {
                in[plane + i] = s.keep_a ? p->ab[i] / 110.0f : 0.0f;
                in[2 * plane + i] = s.keep_b ? p->ab[plane + i] / 110.0f : 0.0f;
            }
            for (int64_t q = 0; q < P; q++) {
                int c = hue_kmeans_nearest(p->centres, K, p->ca[q], cb[q]);
                if (k < 3)
                    p->onehotb[((size_t)b * 3 * P + (size_t)k * P + q) * K + c] = 1;
                else
                    p->targetb[(size_t)b * P + q] = (float)c;
            }
        }
    }
}

int video_colour_part_set_inputs(video_colour_part *p, hue_graph *g)
{
    const hue_video_train_options *o = p->o;
    int64_t P = (int64_t)(o->size / 8) * (o->size / 8);
    int rc = hue_graph_set_input(g, p->onehot, p->onehotb, (size_t)o->batch * 3 * P * o->clusters);
    return rc ? rc : hue_graph_set_input(g, p->target, p->targetb, (size_t)o->batch * P);
}

/* ---- the method ---- */

typedef struct {
    const hue_video_train_options *o;
    video_clip_set clips;
    video_colour_part part;
    hue_resnet m;
    hue_tensor x;
    float *xb;
} video_colour;

/* The encoder's input values a step: 4 frames a sample, each its channels of size^2. */
static size_t input_values(const hue_video_train_options *o)
{
    return (size_t)4 * o->batch * hue_input_channels(o->input) * o->size * o->size;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    video_colour *v = self;
    const hue_video_train_options *o = v->o;
    int64_t xs[4] = {4 * o->batch, hue_input_channels(o->input), o->size, o->size};
    v->x = hue_graph_input(g, o->input == HUE_INPUT_LAB ? "lab" : "lightness", 4, xs);
    int rc = hue_resnet_build(g, &o->arch, v->x, 1, &v->m);
    if (rc)
        return rc;
    hue_trunk_ref input = {.input = o->input};
    if ((rc = hue_trainer_add_resnet(t, &v->m, "", 1, &input)))
        return rc;
    if (v->m.feature_stride != 8)
        return hue_fail(HUE_EINVAL, "the encoder has stride %d; colourisation needs stride 8 (--dense)",
                        v->m.feature_stride);
    hue_tensor f = hue_l2_normalize(g, v->m.features, 1, 1e-12f);
    hue_tensor loss = video_colour_part_loss(&v->part, g, f, v->m.feature_channels);
    if ((rc = hue_graph_status(g)) || (rc = hue_graph_backward(g, loss)) || (rc = video_train_adam(t, g, loss, o->lr)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int init(void *self, hue_trainer *t)
{
    (void)t;
    video_colour *v = self;
    return video_colour_part_clusters(&v->part, &v->clips);
}

static int save_meta(void *self, hue_trainer *t)
{
    video_colour *v = self;
    int rc = video_colour_part_save_meta(&v->part, t);
    return rc ? rc : hue_trainer_set_meta_path(t, "clips", v->o->clips);
}

static int load_meta(void *self, const hue_checkpoint *ck, const char *path)
{
    return video_colour_part_load_meta(&((video_colour *)self)->part, ck, path);
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    video_colour *v = self;
    const hue_video_train_options *o = v->o;
    hue_rng rng;
    video_step_rng(o, step, &rng);
    video_colour_part_draw(&v->part, &v->clips, &rng, v->xb);
    hue_graph *g = hue_trainer_graph(t);
    int rc = hue_graph_set_input(g, v->x, v->xb, input_values(o));
    if (!rc)
        rc = video_colour_part_set_inputs(&v->part, g);
    *info = (hue_fill_info){o->batch, 0, step};
    return rc;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const hue_video_train_options *o = ((const video_colour *)self)->o;
    hue_jw_key(w, "clusters"), hue_jw_int(w, o->clusters);
    if (o->crop_jitter)  /* absent in checkpoints from before crop jitter: they resume as one window */
        hue_jw_key(w, "crop_jitter"), hue_jw_int(w, o->crop_jitter);
    if (o->input != HUE_INPUT_L)  /* absent: lightness, as every run before LAB input */
        hue_jw_key(w, "input"), hue_jw_string(w, hue_input_kind_name(o->input));
    video_view_hyperparameters(w, o);
}

static void destroy(void *self)
{
    video_colour *v = self;
    free(v->xb);
    video_colour_part_free(&v->part);
    hue_resnet_free(&v->m);
    video_clips_free(&v->clips);
    free(v);
}

/* Flags first, then the clips (each decoded once): nothing is written
 * before both are known good. */
static int prepare(const hue_video_train_options *o, video_colour *v)
{
    int rc = video_train_check(o);
    if (!rc)
        rc = video_colour_part_check(o);
    if (!rc)
        rc = video_clips_open(o, video_frame_height(o), 4, 0, &v->clips);
    if (!rc)
        rc = video_colour_part_alloc(&v->part, o);
    if (rc)
        return rc;
    v->xb = malloc(sizeof *v->xb * input_values(o));
    return v->xb ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
}

hue_video_train_options hue_video_train_resolve(const hue_video_train_options *o)
{
    hue_video_train_options r = *o;
    if (r.temperature == 0)
        r.temperature = o->method == HUE_VIDEO_CRW ? 0.07f : 0.05f;
    if (r.crw_temperature == 0 && o->method == HUE_VIDEO_BOTH)
        r.crw_temperature = 0.07f;
    return r;
}

int hue_train_video(const hue_video_train_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    hue_video_train_options resolved = hue_video_train_resolve(o);
    if (o->input != HUE_INPUT_L && o->input != HUE_INPUT_LAB)
        return hue_fail(HUE_EINVAL, "a video encoder's input is lightness (l) or LAB (lab), not %s",
                        hue_input_kind_name(o->input) ? hue_input_kind_name(o->input) : "unknown");
    if (o->input == HUE_INPUT_LAB && o->method != HUE_VIDEO_COLORIZATION)
        return hue_fail(HUE_EINVAL, "LAB input (--input lab) is for --method colorize only");
    resolved.arch.in_channels = hue_input_channels(o->input);
    /* under mpirun each rank takes an equal part of every step's samples */
    int ranks = hue_dist_size();
    resolved.global_batch = o->batch;
    resolved.batch_first = 0;
    if (ranks > 1) {
        if (o->batch % ranks != 0)
            return hue_fail(HUE_EINVAL, "--batch %d: does not split into %d equal parts, one per rank", o->batch,
                            ranks);
        resolved.batch = o->batch / ranks;
        resolved.batch_first = hue_dist_rank() * resolved.batch;
        resolved.arch.sync_bn = o->sync_bn;
    }
    if (o->method == HUE_VIDEO_BOTH)
        return hue_train_video_both(&resolved, r);
    return o->method == HUE_VIDEO_CRW ? hue_train_video_crw(&resolved, r) : hue_train_video_colorization(&resolved, r);
}

int hue_train_video_colorization(const hue_video_train_options *o, hue_train_report *r)
{
    video_colour *v = calloc(1, sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    v->o = o;
    hue_method m = {"colorization", v, build, init, save_meta, load_meta, fill, NULL, destroy};
    return video_train_run(o, &m, prepare(o, v), hyperparameters, r);
}
