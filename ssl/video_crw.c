/* hue train-video --method crw: the contrastive random walk (Jabri et al.
 * 2020). A sample is `walk` frames of a clip (a gap of 1 to --max-gap
 * frames between neighbours), each cropped from one window moved by up to
 * --crop-jitter pixels each way: with one window for every frame, a node
 * could find itself again by its distance to the padding rather than by
 * what it shows (CRW jitters each patch's crop for the same reason). Its
 * nodes are the encoder's
 * dense stride-8 feature cells, L2-normalised: the very features hue track
 * and hue colorize propagate labels and colours with, so what the walk
 * trains is what those commands use (a grid of separately encoded patches,
 * CRW's own choice, would train on other features than they see). The
 * transition from frame t to t+1 is the row softmax of the nodes'
 * affinities over the temperature, after edge dropout (each affinity cut,
 * 10^4 taken off its logit, with probability --edge-dropout); the walk back uses the
 * affinities the other way. For every length k from 1 to walk - 1, the
 * palindrome t0 -> t0+1 -> ... -> t0+k -> ... -> t0 must return each node
 * to itself: the loss is the cross-entropy of the return probabilities
 * against the identity, averaged over k. The encoder sees lightness only,
 * as hue track feeds it. Adam at a constant rate.
 *
 * Dense nodes know where they sit in the crop (the padding tells them),
 * and a walk that matches nodes by position alone returns every node home
 * whatever the frames show: the jitter above cannot stop that, since the
 * walk comes back to the very crop it left. --return-shift R makes the
 * walk come home to a second crop of its first frame, moved by 1 to R
 * whole cells each way (never by none); node i must return to the node
 * that shows what i showed, and nodes whose content left the crop count
 * for nothing. The last step of every walk, frame t0+1 to that crop, uses
 * its own affinities.
 *
 * Under mpirun each rank walks its part of the step's samples (every
 * sample is drawn, this rank's kept) and draws its part of the one
 * edge-dropout mask one process would draw (the mask is [sample,
 * transition, N, N], a rank's part one block of it): each sample's loss is
 * its own, so the group's mean is the one-process loss. With
 * --return-shift walks count different numbers of nodes, and each rank's
 * loss is weighted by its part of the counted nodes (video_losses.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_json_writer.h"
#include "hue_lab.h"
#include "hue_ops.h"
#include "hue_ops_nn.h"
#include "hue_rng.h"
#include "hue_track.h"
#include "hue_trainer.h"
#include "hue_video_train.h"
#include "video_clips.h"
#include "video_losses.h"

#define CUT_LOGIT 1e4f

/* Row softmax of logits / tau [B, N, N] with the cut edges (keep = 0) out. */
static hue_tensor transition(hue_graph *g, hue_tensor affinity, hue_tensor keep, float tau, hue_tensor minus_cut)
{
    hue_tensor logits = hue_scale(g, affinity, 1.0f / tau, -1);
    if (keep >= 0)  /* the penalty first: kept edges get exactly 0, cut ones -10^4 */
        logits = hue_add(g, logits, hue_add(g, hue_scale(g, keep, CUT_LOGIT, -1), minus_cut));
    return hue_softmax(g, logits, 2);
}

/* ---- the walk's part (video_losses.h) ---- */

int64_t video_crw_frames(const hue_video_train_options *o) { return o->walk + (o->return_shift > 0); }

void video_crw_home_targets(int cells, int down, int right, float *targets)
{
    for (int r = 0; r < cells; r++)
        for (int c = 0; c < cells; c++) {
            int hr = r - down, hc = c - right;
            int inside = hr >= 0 && hr < cells && hc >= 0 && hc < cells;
            targets[r * cells + c] = inside ? (float)(hr * cells + hc) : -100.0f;
        }
}

int video_crw_part_check(const hue_video_train_options *o, float temperature)
{
    if (o->walk < 2 || o->walk > 32)
        return hue_fail(HUE_EINVAL, "--walk %d: a walk takes 2 to 32 frames", o->walk);
    if (!(o->edge_dropout >= 0 && o->edge_dropout < 1))
        return hue_fail(HUE_EINVAL, "--edge-dropout %g: must be in [0, 1)", o->edge_dropout);
    if (o->crop_jitter < 0 || o->crop_jitter > 64)
        return hue_fail(HUE_EINVAL, "--crop-jitter %d: must be 0 to 64 pixels", o->crop_jitter);
    if (o->return_shift < 0 || o->return_shift > 8 || o->return_shift >= o->size / 8)
        return hue_fail(HUE_EINVAL, "--return-shift %d: must be 0 to 8 cells, and below the crop's %d cells",
                        o->return_shift, o->size / 8);
    return hue_temperature_check(temperature, "temperature");
}

int video_crw_part_alloc(video_crw_part *p, const hue_video_train_options *o, float temperature)
{
    p->o = o;
    p->temperature = temperature;
    p->frames = video_crw_frames(o);
    int B = o->batch, S = o->size;
    int64_t N = (S / 8) * (S / 8);
    p->targetsb = malloc(sizeof *p->targetsb * (size_t)(B * N));
    p->rgb = malloc((size_t)S * S * 3);
    p->a = malloc(sizeof *p->a * (size_t)2 * S * S);
    if (!p->targetsb || !p->rgb || !p->a)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    p->b = p->a + (size_t)S * S;
    return video_view_work_alloc(o, &p->view);
}

void video_crw_part_free(video_crw_part *p)
{
    free(p->targetsb), free(p->rgb), free(p->a);
    video_view_work_free(&p->view);
}

int video_crw_part_loss(video_crw_part *p, hue_trainer *t, hue_graph *g, hue_tensor features, int64_t D, hue_tensor *loss)
{
    const hue_video_train_options *o = p->o;
    int64_t B = o->batch, T = o->walk, S = o->size;
    int64_t N = (S / 8) * (S / 8), one = 1;
    int64_t s4[4] = {B, p->frames, D, N}, s3[3] = {B, D, N}, s3n[3] = {B, N, N}, rows = B * N, flat[2] = {B * N, N};
    hue_tensor f = hue_reshape(g, features, 4, s4);
    p->targets = hue_graph_input(g, "targets", 1, &rows);
    /* edge dropout: one mask for every transition of the step, from a seed the host sets; this rank's
     * samples are the mask's block from sample batch_first */
    hue_tensor keep = -1, minus_cut = -1;
    int64_t transitions = 2 * (T - 1);
    if (o->edge_dropout > 0) {
        int64_t ms[4] = {B, transitions, N, N};
        float *ones = malloc(sizeof *ones * (size_t)(transitions * B * N * N));
        if (!ones)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        for (int64_t i = 0; i < transitions * B * N * N; i++)
            ones[i] = 1.0f - o->edge_dropout;  /* dropout's kept values come back as 1 */
        hue_tensor base = hue_graph_constant(g, "edges", 4, ms, ones);
        free(ones);
        float cut = -CUT_LOGIT;
        p->seed = hue_graph_input(g, "edge_seed", 1, &one);
        keep = hue_dropout_part(g, base, o->edge_dropout, p->seed, (int64_t)o->batch_first * transitions * N * N);
        minus_cut = hue_graph_constant(g, "minus_cut", 1, &one, &cut);
    }
    hue_tensor forward[64], back[64];
    for (int64_t k = 0; k + 1 < T; k++) {
        hue_tensor a = hue_reshape(g, hue_slice(g, f, 1, k, 1), 3, s3);
        hue_tensor b = hue_reshape(g, hue_slice(g, f, 1, k + 1, 1), 3, s3);
        hue_tensor affinity = hue_matmul(g, a, b, 1, 0);  /* [B, N at k, N at k+1] */
        hue_tensor kf = keep >= 0 ? hue_reshape(g, hue_slice(g, keep, 1, 2 * k, 1), 3, s3n) : -1;
        hue_tensor kb = keep >= 0 ? hue_reshape(g, hue_slice(g, keep, 1, 2 * k + 1, 1), 3, s3n) : -1;
        forward[k] = transition(g, affinity, kf, p->temperature, minus_cut);
        hue_tensor way_back = hue_transpose(g, affinity, 1, 2);
        if (k == 0 && p->frames > T) {  /* home is the moved crop, the walk's last frame */
            hue_tensor home_crop = hue_reshape(g, hue_slice(g, f, 1, T, 1), 3, s3);
            way_back = hue_matmul(g, b, home_crop, 1, 0);  /* [B, N at 1, N at home] */
        }
        back[k] = transition(g, way_back, kb, p->temperature, minus_cut);
    }
    /* out(k) = forward[0] ... forward[k-1] maps frame 0 to frame k; home(k) = back[k-1] ... back[0] maps it back */
    if (p->frames > T)
        p->share = hue_graph_input(g, "walk_share", 1, &one);
    float eps = 1e-20f;
    hue_tensor tiny = hue_graph_constant(g, "eps", 1, &one, &eps), out = -1, home = -1, sum = -1;
    for (int64_t k = 1; k < T; k++) {
        out = k == 1 ? forward[0] : hue_matmul(g, out, forward[k - 1], 0, 0);
        home = k == 1 ? back[0] : hue_matmul(g, back[k - 1], home, 0, 0);
        hue_tensor walk = hue_reshape(g, hue_matmul(g, out, home, 0, 0), 2, flat);
        hue_tensor step = hue_cross_entropy(g, hue_log(g, hue_add(g, walk, tiny)), p->targets, -1, -100);
        if (p->frames > T)
            step = hue_mul(g, step, p->share);
        char name[32];
        snprintf(name, sizeof name, "walk_%lld", (long long)k);
        int rc = hue_trainer_add_metric(t, name, step);
        if (rc)
            return rc;
        sum = sum < 0 ? step : hue_add(g, sum, step);
    }
    *loss = hue_scale(g, sum, 1.0f / (float)(T - 1), -1);
    return hue_graph_status(g);
}

/* The home crop's move in whole cells of `cell` frame pixels, (down,
 * right), each within [-most, most], not both 0, keeping the crop's corner
 * (x0 + cell right, y0 + cell down) inside [0, x_room] x [0, y_room]; (0, 0)
 * only when the frame leaves no room to move. */
static void home_shift(hue_rng *r, int most, double cell, double x_room, double y_room, double x0, double y0,
                       int *down, int *right)
{
    int lo_r = -(int)floor(y0 / cell + 1e-9), hi_r = (int)floor((y_room - y0) / cell + 1e-9);
    int lo_c = -(int)floor(x0 / cell + 1e-9), hi_c = (int)floor((x_room - x0) / cell + 1e-9);
    lo_r = lo_r < -most ? -most : lo_r, hi_r = hi_r > most ? most : hi_r;
    lo_c = lo_c < -most ? -most : lo_c, hi_c = hi_c > most ? most : hi_c;
    int cols = hi_c - lo_c + 1, moves = (hi_r - lo_r + 1) * cols - 1;  /* (0, 0) left out */
    *down = *right = 0;
    if (moves < 1)
        return;
    int i = (int)hue_rng_below(r, (uint64_t)moves);
    i += i >= (0 - lo_r) * cols + (0 - lo_c);  /* skip (0, 0) */
    *down = lo_r + i / cols, *right = lo_c + i % cols;
}

void video_crw_part_draw(video_crw_part *p, const video_clip_set *clips, hue_rng *r, float *L)
{
    const hue_video_train_options *o = p->o;
    int B = o->batch, T = o->walk, S = o->size;
    int whole = video_train_group_batch(o), cells = S / 8;
    int64_t counted = 0, mine = 0;  /* nodes with a target: the group's, this rank's */
    for (int place = 0; place < whole; place++) {
        const video_clip *v = &clips->v[hue_rng_below(r, (uint64_t)clips->n)];
        int64_t widest = (v->frames - 1) / (T - 1), gap_max = widest < o->max_gap ? widest : o->max_gap;
        int64_t gap = 1 + (int64_t)hue_rng_below(r, (uint64_t)gap_max);
        int64_t first = (int64_t)hue_rng_below(r, (uint64_t)(v->frames - (T - 1) * gap));
        video_view view;
        video_view_draw(o, v, r, &view);
        /* the window keeps J pixels (at the view's scale) from every edge, so
         * each frame's crop can move J each way */
        int J = o->crop_jitter;
        double sc = view.scale, side = S * sc;
        double x = J * sc + (double)hue_rng_below(r, (uint64_t)video_view_room(&view, v->width, S, J) + 1);
        double y = J * sc + (double)hue_rng_below(r, (uint64_t)video_view_room(&view, v->height, S, J) + 1);
        double x0s[33], y0s[33];
        int down = 0, right = 0;
        for (int k = 0; k < T; k++) {
            x0s[k] = x + ((double)hue_rng_below(r, (uint64_t)(2 * J + 1)) - J) * sc;
            y0s[k] = y + ((double)hue_rng_below(r, (uint64_t)(2 * J + 1)) - J) * sc;
        }
        if (p->frames > T) {
            home_shift(r, o->return_shift, 8 * sc, v->width - side, v->height - side, x0s[0], y0s[0], &down, &right);
            x0s[T] = x0s[0] + 8 * sc * right, y0s[T] = y0s[0] + 8 * sc * down;
        }
        int s = place - o->batch_first, here = (cells - abs(down)) * (cells - abs(right));
        counted += here;
        if (s < 0 || s >= B)
            continue;
        mine += here;
        /* a mirrored crop shows a move to the right as one to the left */
        video_crw_home_targets(cells, down, view.mirror ? -right : right, p->targetsb + (size_t)s * cells * cells);
        for (int k = 0; k < p->frames; k++) {
            int64_t at = first + (k < T ? k : 0) * gap;  /* the home crop is of the first frame */
            video_view_crop(v, at, x0s[k], y0s[k], &view, S, p->rgb, &p->view);
            float *l = L + ((size_t)s * p->frames + k) * S * S;
            hue_lab_from_rgb8(p->rgb, (size_t)S * S, l, p->a, p->b);
            for (int i = 0; i < S * S; i++)
                l[i] = l[i] / 50.0f - 1.0f;
        }
    }
    p->shareb = (float)((double)mine * whole / B / (double)counted);
}

int video_crw_part_set_inputs(video_crw_part *p, hue_graph *g, int64_t step)
{
    const hue_video_train_options *o = p->o;
    int64_t N = (o->size / 8) * (o->size / 8);
    int rc = hue_graph_set_input(g, p->targets, p->targetsb, (size_t)(o->batch * N));
    if (!rc && p->frames > o->walk)
        rc = hue_graph_set_input(g, p->share, &p->shareb, 1);
    if (!rc && o->edge_dropout > 0) {
        float seed = (float)((o->seed * 1000003u + (uint64_t)step) % (1u << 24));
        rc = hue_graph_set_input(g, p->seed, &seed, 1);
    }
    return rc;
}

/* ---- the method ---- */

typedef struct {
    const hue_video_train_options *o;
    video_clip_set clips;
    video_crw_part part;
    hue_resnet m;
    hue_tensor x;
    float *xb;
} crw;

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    crw *c = self;
    const hue_video_train_options *o = c->o;
    int64_t xs[4] = {(int64_t)o->batch * c->part.frames, 1, o->size, o->size};
    c->x = hue_graph_input(g, "lightness", 4, xs);
    int rc = hue_resnet_build(g, &o->arch, c->x, 1, &c->m);
    hue_trunk_ref input = {.input = HUE_INPUT_L};
    if (!rc)
        rc = hue_trainer_add_resnet(t, &c->m, "", 1, &input);
    if (rc)
        return rc;
    if (c->m.feature_stride != 8)
        return hue_fail(HUE_EINVAL, "the encoder has stride %d; the walk's nodes are stride-8 cells (--dense)",
                        c->m.feature_stride);
    hue_tensor f = hue_l2_normalize(g, c->m.features, 1, 1e-12f), loss;
    if ((rc = video_crw_part_loss(&c->part, t, g, f, c->m.feature_channels, &loss)) ||
        (rc = hue_graph_backward(g, loss)) || (rc = video_train_adam(t, g, loss, o->lr)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    crw *c = self;
    const hue_video_train_options *o = c->o;
    hue_rng r;
    video_step_rng(o, step, &r);
    video_crw_part_draw(&c->part, &c->clips, &r, c->xb);
    hue_graph *g = hue_trainer_graph(t);
    int rc = hue_graph_set_input(g, c->x, c->xb, (size_t)o->batch * c->part.frames * o->size * o->size);
    if (!rc)
        rc = video_crw_part_set_inputs(&c->part, g, step);
    *info = (hue_fill_info){o->batch, 0, step};
    return rc;
}

static int save_meta(void *self, hue_trainer *t)
{
    return hue_trainer_set_meta_path(t, "clips", ((crw *)self)->o->clips);
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    const hue_video_train_options *o = ((const crw *)self)->o;
    hue_jw_key(w, "walk"), hue_jw_int(w, o->walk);
    hue_jw_key(w, "edge_dropout"), hue_jw_number_digits(w, o->edge_dropout, 7);
    if (o->crop_jitter)  /* absent in checkpoints from before walks were jittered: they resume as one window */
        hue_jw_key(w, "crop_jitter"), hue_jw_int(w, o->crop_jitter);
    if (o->return_shift)
        hue_jw_key(w, "return_shift"), hue_jw_int(w, o->return_shift);
    video_view_hyperparameters(w, o);
}

static void destroy(void *self)
{
    crw *c = self;
    free(c->xb);
    video_crw_part_free(&c->part);
    hue_resnet_free(&c->m);
    video_clips_free(&c->clips);
    free(c);
}

static int prepare(const hue_video_train_options *o, crw *c)
{
    int rc = video_train_check(o);
    if (!rc)
        rc = video_crw_part_check(o, o->temperature);
    if (!rc)
        rc = video_clips_open(o, video_frame_height(o), o->walk, 1, &c->clips);
    if (!rc)
        rc = video_crw_part_alloc(&c->part, o, o->temperature);
    if (rc)
        return rc;
    c->xb = malloc(sizeof *c->xb * (size_t)o->batch * c->part.frames * o->size * o->size);
    return c->xb ? 0 : hue_fail(HUE_ENOMEM, "out of host memory");
}

int hue_train_video_crw(const hue_video_train_options *o, hue_train_report *r)
{
    crw *c = calloc(1, sizeof *c);
    if (!c)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    c->o = o;
    hue_method m = {"crw", c, build, NULL, save_meta, NULL, fill, NULL, destroy};
    int rc = prepare(o, c), skipped = c->clips.skipped;
    rc = video_train_run(o, &m, rc, hyperparameters, r);
    r->skipped_clips = skipped;
    return rc;
}
