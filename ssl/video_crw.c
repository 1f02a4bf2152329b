/* hue train-video --method crw: the contrastive random walk (Jabri et al.
 * 2020). A sample is `walk` frames of a clip (a gap of 1 to --max-gap
 * frames between neighbours, one crop window). Its nodes are the encoder's
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
 * Under mpirun each rank walks its part of the step's samples (every
 * sample is drawn, this rank's kept) and draws its part of the one
 * edge-dropout mask one process would draw (the mask is [sample,
 * transition, N, N], a rank's part one block of it): each sample's loss is
 * its own, so the group's mean is the one-process loss. */
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

#define CUT_LOGIT 1e4f

typedef struct {
    const hue_video_train_options *o;
    video_clip_set clips;
    hue_resnet m;
    hue_tensor x, targets, seed;
    float *xb, *targetsb;
    uint8_t *rgb;
    float *a, *b;
} crw;

/* Row softmax of logits / tau [B, N, N] with the cut edges (keep = 0) out. */
static hue_tensor transition(hue_graph *g, hue_tensor affinity, hue_tensor keep, float tau, hue_tensor minus_cut)
{
    hue_tensor logits = hue_scale(g, affinity, 1.0f / tau, -1);
    if (keep >= 0)  /* the penalty first: kept edges get exactly 0, cut ones -10^4 */
        logits = hue_add(g, logits, hue_add(g, hue_scale(g, keep, CUT_LOGIT, -1), minus_cut));
    return hue_softmax(g, logits, 2);
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    crw *c = self;
    const hue_video_train_options *o = c->o;
    int64_t B = o->batch, T = o->walk, S = o->size, xs[4] = {B * T, 1, S, S};
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
    int64_t D = c->m.feature_channels, N = (S / 8) * (S / 8), one = 1;
    int64_t s4[4] = {B, T, D, N}, s3[3] = {B, D, N}, s3n[3] = {B, N, N}, rows = B * N, flat[2] = {B * N, N};
    hue_tensor f = hue_reshape(g, hue_l2_normalize(g, c->m.features, 1, 1e-12f), 4, s4);
    c->targets = hue_graph_input(g, "targets", 1, &rows);
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
        c->seed = hue_graph_input(g, "edge_seed", 1, &one);
        keep = hue_dropout_part(g, base, o->edge_dropout, c->seed, (int64_t)o->batch_first * transitions * N * N);
        minus_cut = hue_graph_constant(g, "minus_cut", 1, &one, &cut);
    }
    hue_tensor forward[64], back[64];
    for (int64_t k = 0; k + 1 < T; k++) {
        hue_tensor a = hue_reshape(g, hue_slice(g, f, 1, k, 1), 3, s3);
        hue_tensor b = hue_reshape(g, hue_slice(g, f, 1, k + 1, 1), 3, s3);
        hue_tensor affinity = hue_matmul(g, a, b, 1, 0);  /* [B, N at k, N at k+1] */
        hue_tensor kf = keep >= 0 ? hue_reshape(g, hue_slice(g, keep, 1, 2 * k, 1), 3, s3n) : -1;
        hue_tensor kb = keep >= 0 ? hue_reshape(g, hue_slice(g, keep, 1, 2 * k + 1, 1), 3, s3n) : -1;
        forward[k] = transition(g, affinity, kf, o->temperature, minus_cut);
        back[k] = transition(g, hue_transpose(g, affinity, 1, 2), kb, o->temperature, minus_cut);
    }
    /* out(k) = forward[0] ... forward[k-1] maps frame 0 to frame k; home(k) = back[k-1] ... back[0] maps it back */
    float eps = 1e-20f;
    hue_tensor tiny = hue_graph_constant(g, "eps", 1, &one, &eps), out = -1, home = -1, loss = -1;
    for (int64_t k = 1; k < T; k++) {
        out = k == 1 ? forward[0] : hue_matmul(g, out, forward[k - 1], 0, 0);
        home = k == 1 ? back[0] : hue_matmul(g, back[k - 1], home, 0, 0);
        hue_tensor walk = hue_reshape(g, hue_matmul(g, out, home, 0, 0), 2, flat);
        hue_tensor step = hue_cross_entropy(g, hue_log(g, hue_add(g, walk, tiny)), c->targets, -1, -100);
        char name[32];
        snprintf(name, sizeof name, "walk_%lld", (long long)k);
        if ((rc = hue_trainer_add_metric(t, name, step)))
            return rc;
        loss = loss < 0 ? step : hue_add(g, loss, step);
    }
    loss = hue_scale(g, loss, 1.0f / (float)(T - 1), -1);
    if ((rc = hue_graph_status(g)) || (rc = hue_graph_backward(g, loss)) || (rc = video_train_adam(t, g, loss, o->lr)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

/* The samples of a step depend only on (seed, step): every sample of the
 * group's batch is drawn, this rank's part kept. */
static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    crw *c = self;
    const hue_video_train_options *o = c->o;
    int B = o->batch, T = o->walk, S = o->size;
    hue_rng r;
    hue_rng_seed(&r, o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)step + 1);
    int whole = video_train_group_batch(o);
    for (int place = 0; place < whole; place++) {
        const video_clip *v = &c->clips.v[hue_rng_below(&r, (uint64_t)c->clips.n)];
        int64_t widest = (v->frames - 1) / (T - 1), gap_max = widest < o->max_gap ? widest : o->max_gap;
        int64_t gap = 1 + (int64_t)hue_rng_below(&r, (uint64_t)gap_max);
        int64_t first = (int64_t)hue_rng_below(&r, (uint64_t)(v->frames - (T - 1) * gap));
        int x0 = (int)hue_rng_below(&r, (uint64_t)(v->width - S + 1));
        int s = place - o->batch_first;
        if (s < 0 || s >= B)
            continue;
        for (int k = 0; k < T; k++) {
            const uint8_t *src = v->rgb + (size_t)(first + k * gap) * v->width * v->height * 3;
            for (int y = 0; y < S; y++)
                memcpy(c->rgb + (size_t)y * S * 3, src + ((size_t)y * v->width + x0) * 3, (size_t)S * 3);
            float *L = c->xb + ((size_t)s * T + k) * S * S;
            hue_lab_from_rgb8(c->rgb, (size_t)S * S, L, c->a, c->b);
            for (int i = 0; i < S * S; i++)
                L[i] = L[i] / 50.0f - 1.0f;
        }
    }
    hue_graph *g = hue_trainer_graph(t);
    int64_t N = (S / 8) * (S / 8);
    int rc = hue_graph_set_input(g, c->x, c->xb, (size_t)B * T * S * S);
    if (!rc)
        rc = hue_graph_set_input(g, c->targets, c->targetsb, (size_t)(B * N));
    if (!rc && o->edge_dropout > 0) {
        float seed = (float)((o->seed * 1000003u + (uint64_t)step) % (1u << 24));
        rc = hue_graph_set_input(g, c->seed, &seed, 1);
    }
    *info = (hue_fill_info){B, 0, step};
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
}

static void destroy(void *self)
{
    crw *c = self;
    free(c->xb), free(c->targetsb), free(c->rgb), free(c->a);
    hue_resnet_free(&c->m);
    video_clips_free(&c->clips);
    free(c);
}

static int prepare(const hue_video_train_options *o, crw *c)
{
    if (o->batch < 1 || o->steps < 1 || o->size < 32 || o->size % 8 || o->max_gap < 1)
        return hue_fail(HUE_EINVAL, "bad settings: batch >= 1, steps >= 1, crop size a multiple of 8 from 32, gap >= 1");
    if (o->walk < 2 || o->walk > 32)
        return hue_fail(HUE_EINVAL, "--walk %d: a walk takes 2 to 32 frames", o->walk);
    if (!(o->edge_dropout >= 0 && o->edge_dropout < 1))
        return hue_fail(HUE_EINVAL, "--edge-dropout %g: must be in [0, 1)", o->edge_dropout);
    if (!o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    int rc = hue_temperature_check(o->temperature, "temperature");
    if (!rc)
        rc = video_clips_open(o, o->size, o->walk, 1, &c->clips);
    if (rc)
        return rc;
    int B = o->batch, T = o->walk, S = o->size;
    int64_t N = (S / 8) * (S / 8);
    c->xb = malloc(sizeof *c->xb * (size_t)B * T * S * S);
    c->targetsb = malloc(sizeof *c->targetsb * (size_t)(B * N));
    c->rgb = malloc((size_t)S * S * 3);
    c->a = malloc(sizeof *c->a * (size_t)2 * S * S);
    if (!c->xb || !c->targetsb || !c->rgb || !c->a)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    c->b = c->a + (size_t)S * S;
    for (int64_t i = 0; i < B * N; i++)
        c->targetsb[i] = (float)(i % N);
    return 0;
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
