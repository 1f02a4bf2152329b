/* One graph per clip: RGB8 frame -> LAB (resized to 8h x 8w) -> features
 * (LAB pooled, or encoder) -> unit length -> propagation against frame 0 and
 * the ring of the last N frames -> ring updated with this frame's features
 * and labels -> labels upsampled to the frame (and argmax). Frame 0 runs the
 * same graph once; its features are then copied into frame 0's state and
 * every ring slot (CRW pads the context with frame 0). The propagation is
 * one fused device op that never holds an attention matrix, so one query's
 * attention is scored again on the host from the frame's features and the
 * context state the op read, with the op's own top-k softmax. */
#include "hue_track.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_model_io.h"
#include "hue_ops.h"

struct hue_tracker {
    hue_tracker_options o;
    hue_ctx *ctx;
    hue_graph *g;
    hue_resnet m;
    int has_model;
    int h, w, C;
    int64_t ring_w;
    hue_tensor rgb, slot, q, f0, l0, ring, ring_labels, up, out;
    int64_t frame;       /* frames processed, frame 0 included */
};

int hue_temperature_check(double t, const char *flag)
{
    if (!(t > 0 && t <= 100))
        return hue_fail(HUE_EINVAL, "%s %g: expected a number in (0, 100]", flag, t);
    if (!isnormal((float)t))
        return hue_fail(HUE_EINVAL, "%s %g: too small, it underflows in single precision (%g at least)", flag, t,
                        FLT_MIN);
    return 0;
}

hue_tracker_options hue_tracker_defaults(void)
{
    hue_tracker_options o = {0};
    o.features = HUE_FEATURES_LAB;
    o.context = 20;
    o.topk = 10;
    o.radius = 12;
    o.temperature = 0.05f;
    o.argmax = 1;
    return o;
}

void hue_tracker_grid(int width, int height, int *h, int *w)
{
    *h = (height + 7) / 8;
    *w = (width + 7) / 8;
}

void hue_labels_to_cells(const uint8_t *ids, int width, int height, const int *ids_of_label, int L, int h, int w,
                         float *out)
{
    float *count = calloc((size_t)h * w, sizeof *count);
    memset(out, 0, sizeof *out * (size_t)L * h * w);
    if (!count)
        return;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int cell = (int)((int64_t)y * h / height) * w + (int)((int64_t)x * w / width);
            count[cell]++;
            for (int l = 0; l < L; l++)
                if (ids[(size_t)y * width + x] == ids_of_label[l])
                    out[(size_t)l * h * w + cell]++;
        }
    for (int l = 0; l < L; l++)
        for (int c = 0; c < h * w; c++)
            out[(size_t)l * h * w + c] /= count[c] > 0 ? count[c] : 1;
    free(count);
}

/* Features [1, C, h, w] of the frame's LAB planes [1, 3, 8h, 8w]. */
static hue_tensor features(hue_tracker *t, hue_tensor lab)
{
    hue_graph *g = t->g;
    if (t->o.features == HUE_FEATURES_LAB)
        return hue_pool2d(g, HUE_POOL_AVG, lab, 8, 8, 0);
    hue_resnet_config cfg = t->m.cfg;  /* hue_resnet_build resets t->m */
    /* a video encoder sees lightness (1 channel) or all of LAB (3: train-video --input lab) */
    if (cfg.in_channels != 1 && cfg.in_channels != 3)
        return hue_fail(HUE_EINVAL, "the encoder takes %d input channels; a video encoder takes 1 (L) or 3 (LAB)",
                        cfg.in_channels);
    hue_tensor x = cfg.in_channels == 1 ? hue_slice(g, lab, 1, 0, 1) : lab;
    if (hue_resnet_build(g, &cfg, x, 0, &t->m))
        return hue_graph_status(g) ? hue_graph_status(g) : HUE_EINVAL;
    t->has_model = 1;
    return t->m.features;
}

static int build(hue_tracker *t)
{
    hue_graph *g = t->g;
    const hue_tracker_options *o = &t->o;
    int64_t rgb_shape[4] = {1, o->height, o->width, 3}, one[1] = {1};
    t->rgb = hue_graph_input_u8(g, "frame", 4, rgb_shape);
    t->slot = hue_graph_input(g, "slot", 1, one);
    hue_tensor lab = hue_rgb8_to_lab(g, t->rgb, 8 * t->h, 8 * t->w);
    hue_tensor f = features(t, lab);
    if (f < 0)
        return f;
    if (hue_tensor_dim(g, f, 2) != t->h || hue_tensor_dim(g, f, 3) != t->w)
        return hue_fail(HUE_EINVAL, "the encoder's features are %lldx%lld, not the %dx%d grid of stride 8",
                        (long long)hue_tensor_dim(g, f, 2), (long long)hue_tensor_dim(g, f, 3), t->h, t->w);
    t->C = (int)hue_tensor_dim(g, f, 1);
    int64_t qshape[3] = {t->C, t->h, t->w}, lshape[3] = {o->labels, t->h, t->w};
    t->q = hue_reshape(g, hue_l2_normalize(g, f, 1, 1e-12f), 3, qshape);
    t->ring_w = hue_ring_width(t->w, o->radius);
    int64_t rshape[4] = {o->context, t->C, t->h, t->ring_w}, rlshape[4] = {o->context, o->labels, t->h, t->w};
    t->f0 = hue_graph_state(g, "frame0", 3, qshape);
    t->l0 = hue_graph_state(g, "labels0", 3, lshape);
    t->ring = hue_graph_state(g, "ring", 4, rshape);
    t->ring_labels = hue_graph_state(g, "ring_labels", 4, rlshape);
    hue_tensor pred = hue_propagate(g, t->q, t->f0, t->l0, t->ring, t->ring_labels, o->topk, o->radius,
                                    o->temperature);
    hue_ring_write(g, t->ring, t->q, t->slot, hue_ring_pad(o->radius));
    hue_ring_write(g, t->ring_labels, pred, t->slot, 0);
    int64_t p4[4] = {1, o->labels, t->h, t->w};
    t->up = hue_resize_bilinear(g, hue_reshape(g, pred, 4, p4), o->height, o->width);
    t->out = o->argmax ? hue_argmax(g, t->up, 1) : t->up;
    hue_graph_output(g, t->q);
    hue_graph_output(g, t->out);
    if (o->argmax && o->keep_soft)
        hue_graph_output(g, t->up);
    return hue_graph_compile(g);
}

int hue_tracker_create(hue_tracker **out, const hue_tracker_options *o)
{
    *out = NULL;
    if (o->width < 8 || o->height < 8)
        return hue_fail(HUE_EINVAL, "frames of %dx%d are too small to track (8x8 at least)", o->width, o->height);
    if (o->labels < 1 || o->labels > 256)
        return hue_fail(HUE_EINVAL, "%d label channels (1 to 256)", o->labels);
    if (o->context < 1 || o->context > 100)
        return hue_fail(HUE_EINVAL, "context of %d frames (1 to 100)", o->context);
    if (hue_temperature_check(o->temperature, "temperature"))
        return HUE_EINVAL;
    hue_tracker *t = calloc(1, sizeof *t);
    if (!t)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    t->o = *o;
    hue_tracker_grid(o->width, o->height, &t->h, &t->w);
    int rc = 0;
    if (o->features == HUE_FEATURES_MODEL) {
        hue_checkpoint *ck;
        if (!(rc = hue_checkpoint_open(o->model, &ck))) {
            const char *method = hue_checkpoint_meta(ck, "method");
            if (!method || (strcmp(method, "colorization") != 0 && strcmp(method, "crw") != 0 &&
                            strcmp(method, "colorization+crw") != 0))
                rc = hue_fail(HUE_EINVAL, "%s is not a video encoder (a checkpoint of 'hue train-video'; method %s)",
                              o->model, method ? method : "unknown");
            else
                rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), o->model, &t->m.cfg);
            hue_checkpoint_destroy(ck);
        }
    } else if (o->features == HUE_FEATURES_RANDOM) {
        t->m.cfg = o->arch;
    }
    if (!rc)
        rc = hue_ctx_create(&t->ctx, -1);
    if (!rc)
        rc = hue_graph_create(t->ctx, &t->g);
    if (!rc)
        rc = build(t);
    if (!rc && o->features == HUE_FEATURES_MODEL)
        rc = hue_model_load(t->g, &t->m, NULL, o->model, NULL);
    else if (!rc && o->features == HUE_FEATURES_RANDOM)
        rc = hue_resnet_init(t->g, &t->m, o->seed);
    if (rc) {
        hue_tracker_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

void hue_tracker_destroy(hue_tracker *t)
{
    if (!t)
        return;
    hue_resnet_free(&t->m);
    hue_graph_destroy(t->g);
    hue_ctx_destroy(t->ctx);
    free(t);
}

int hue_tracker_channels(const hue_tracker *t) { return t->C; }

static int run(hue_tracker *t, const uint8_t *rgb, int slot)
{
    float s = (float)slot;
    int rc = hue_graph_set_input_u8(t->g, t->rgb, rgb, (size_t)t->o.width * t->o.height * 3);
    if (!rc)
        rc = hue_graph_set_input(t->g, t->slot, &s, 1);
    return rc ? rc : hue_graph_run(t->g);
}

int hue_tracker_start(hue_tracker *t, const uint8_t *rgb, const float *labels)
{
    /* the graph's own propagation result is discarded for frame 0 */
    int rc = run(t, rgb, 0);
    size_t nq = (size_t)t->C * t->h * t->w, nl = (size_t)t->o.labels * t->h * t->w;
    size_t nr = (size_t)t->o.context * t->C * t->h * t->ring_w;
    float *q = malloc(nq * sizeof *q), *ring = calloc(nr, sizeof *ring);
    float *ring_labels = malloc(nl * (size_t)t->o.context * sizeof *ring_labels);
    if (!q || !ring || !ring_labels)
        rc = rc ? rc : hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc)
        rc = hue_graph_read(t->g, t->q, q, nq);
    if (!rc) {
        int64_t pad = hue_ring_pad(t->o.radius);
        for (int s = 0; s < t->o.context; s++) {
            for (int64_t row = 0; row < (int64_t)t->C * t->h; row++)
                memcpy(ring + ((size_t)s * t->C * t->h + row) * t->ring_w + pad, q + row * t->w,
                       sizeof *q * (size_t)t->w);
            memcpy(ring_labels + (size_t)s * nl, labels, nl * sizeof *labels);
        }
        rc = hue_graph_write(t->g, t->f0, q, nq);
    }
    if (!rc)
        rc = hue_graph_write(t->g, t->l0, labels, nl);
    if (!rc)
        rc = hue_graph_write(t->g, t->ring, ring, nr);
    if (!rc)
        rc = hue_graph_write(t->g, t->ring_labels, ring_labels, nl * (size_t)t->o.context);
    free(q), free(ring), free(ring_labels);
    t->frame = rc ? 0 : 1;
    return rc;
}

int hue_tracker_step(hue_tracker *t, const uint8_t *rgb, float *out)
{
    if (t->frame < 1)
        return hue_fail(HUE_EINVAL, "tracker: hue_tracker_start must come first");
    /* frame t writes slot (t - 1) mod N: the ring holds the last N frames */
    int rc = run(t, rgb, (int)((t->frame - 1) % t->o.context));
    if (rc)
        return rc;
    size_t n = (size_t)t->o.width * t->o.height * (t->o.argmax ? 1 : (size_t)t->o.labels);
    rc = hue_graph_read(t->g, t->out, out, n);
    if (!rc)
        t->frame++;
    return rc;
}

int hue_tracker_soft(hue_tracker *t, float *out)
{
    if (!t->o.keep_soft || t->frame < 2)
        return hue_fail(HUE_EINVAL, "tracker: soft labels need keep_soft and a step");
    return hue_graph_read(t->g, t->up, out, (size_t)t->o.labels * t->o.width * t->o.height);
}

/* The frame that ring slot s holds before frame T is written: the latest
 * frame f < T that went there ((f - 1) mod N = s), or frame 0, whose
 * features pad the slots no frame has reached yet. */
static int slot_frame(int s, int64_t T, int N)
{
    int64_t f = T - 1 - ((T - 2 - s) % N + N) % N;
    return f >= 1 ? (int)f : 0;
}

/* Scores the query's candidates as propagate does and keeps its top k. */
static int attend(hue_tracker *t, int64_t T, const float *q, const float *f0, const float *ring, int cx, int cy,
                  hue_attention_site *sites, int *n)
{
    int64_t C = t->C, h = t->h, w = t->w, hw = h * w, S = t->o.context, W = t->ring_w;
    int64_t pad = hue_ring_pad(t->o.radius);
    int K = t->o.topk < hw ? t->o.topk : (int)hw;
    hue_propagate_candidate *cand = malloc(sizeof *cand * (size_t)(hw * (S + 1)));
    double *weight = malloc(sizeof *weight * (size_t)K);
    if (!cand || !weight) {
        free(cand), free(weight);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    int64_t m = 0, query = (int64_t)cy * w + cx;
    for (int64_t j = 0; j < hw; j++) {
        double d = 0;
        for (int64_t c = 0; c < C; c++)
            d += (double)q[c * hw + query] * f0[c * hw + j];
        cand[m++] = (hue_propagate_candidate){d, j};
    }
    for (int64_t s = 0; s < S; s++)
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++) {
                if (!hue_propagate_in_window(cy, cx, y, x, t->o.radius))
                    continue;
                double d = 0;
                for (int64_t c = 0; c < C; c++)
                    d += (double)q[c * hw + query] * ring[((s * C + c) * h + y) * W + pad + x];
                cand[m++] = (hue_propagate_candidate){d, hw + (s * h + y) * w + x};
            }
    hue_propagate_top(cand, m, K, t->o.temperature, weight);
    *n = 0;
    for (int k = 0; k < K; k++) {
        int64_t id = cand[k].id, cell = id % hw;
        int frame = id < hw ? 0 : slot_frame((int)((id - hw) / hw), T, t->o.context);
        hue_attention_site site = {frame, (int)(cell % w), (int)(cell / w), weight[k]};
        int i = 0;
        while (i < *n && (sites[i].frame != site.frame || sites[i].cx != site.cx || sites[i].cy != site.cy))
            i++;
        if (i < *n)
            sites[i].weight += site.weight;
        else
            sites[(*n)++] = site;
    }
    free(cand), free(weight);
    return 0;
}

int hue_tracker_step_attend(hue_tracker *t, const uint8_t *rgb, float *out, int cx, int cy,
                            hue_attention_site *sites, int *n)
{
    if (cx < 0 || cx >= t->w || cy < 0 || cy >= t->h)
        return hue_fail(HUE_EINVAL, "tracker: cell (%d, %d) is outside the %dx%d grid", cx, cy, t->w, t->h);
    /* the context as this frame sees it: the step then writes the frame into the ring */
    size_t nq = (size_t)t->C * t->h * t->w, nr = (size_t)t->o.context * t->C * t->h * t->ring_w;
    float *q = malloc(nq * sizeof *q), *f0 = malloc(nq * sizeof *f0), *ring = malloc(nr * sizeof *ring);
    int64_t T = t->frame;
    int rc = 0;
    if (!q || !f0 || !ring)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc)
        rc = hue_graph_read(t->g, t->f0, f0, nq);
    if (!rc)
        rc = hue_graph_read(t->g, t->ring, ring, nr);
    if (!rc)
        rc = hue_tracker_step(t, rgb, out);
    if (!rc)
        rc = hue_graph_read(t->g, t->q, q, nq);
    if (!rc)
        rc = attend(t, T, q, f0, ring, cx, cy, sites, n);
    free(q), free(f0), free(ring);
    return rc;
}
