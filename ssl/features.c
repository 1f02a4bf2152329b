/* Frozen, globally pooled features of a representation's trunks on a
 * dataset (see hue_features.h). */
#include "hue_features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_lab.h"
#include "hue_model_io.h"
#include "hue_ops.h"

struct hue_features {
    hue_representation r;
    hue_graph *g;
    hue_resnet m[HUE_REPRESENTATION_MAX_TRUNKS];
    hue_tensor x[HUE_REPRESENTATION_MAX_TRUNKS];
    hue_tensor out;     /* [batch, dim] */
    int batch, size, dim;
};

void hue_features_destroy(hue_features *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->r.n_trunks; i++)
        hue_resnet_free(&f->m[i]);
    hue_graph_destroy(f->g);
    free(f);
}

static int build(hue_features *f)
{
    hue_tensor pooled[HUE_REPRESENTATION_MAX_TRUNKS];
    for (int i = 0; i < f->r.n_trunks; i++) {
        hue_resnet_config cfg = hue_trunk_config(&f->r.trunks[i]);
        char name[32];
        snprintf(name, sizeof name, "images.%d", i);
        int64_t xs[4] = {f->batch, cfg.in_channels, f->size, f->size};
        f->x[i] = hue_graph_input(f->g, name, 4, xs);
        int rc = hue_resnet_build(f->g, &cfg, f->x[i], 0, &f->m[i]);
        if (rc)
            return hue_fail(rc, "trunk %d ('%s'): %s", i, f->r.trunks[i].prefix, hue_error_message());
        pooled[i] = hue_global_avg_pool(f->g, f->m[i].features);
        f->dim += f->m[i].feature_channels;
    }
    f->out = f->r.n_trunks == 1 ? pooled[0] : hue_concat(f->g, f->r.n_trunks, pooled, 1);
    hue_graph_output(f->g, f->out);
    int rc = hue_graph_status(f->g);
    if (rc)
        return hue_fail(rc, "%s", hue_graph_error_message(f->g));
    return hue_graph_compile(f->g);
}

int hue_features_create(hue_ctx *ctx, const hue_representation *r, int batch, int size, hue_features **out)
{
    *out = NULL;
    if (r->n_trunks < 1 || r->n_trunks > HUE_REPRESENTATION_MAX_TRUNKS)
        return hue_fail(HUE_EINVAL, "a representation has 1 to %d trunks, not %d", HUE_REPRESENTATION_MAX_TRUNKS,
                        r->n_trunks);
    if (batch < 1)
        return hue_fail(HUE_EINVAL, "feature batch %d: must be at least 1", batch);
    if (size < 8 || size > 4096)
        return hue_fail(HUE_EINVAL, "image size %d: must be 8 to 4096 pixels", size);
    hue_features *f = calloc(1, sizeof *f);
    if (!f)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    f->r = *r;
    f->batch = batch;
    f->size = size;
    int rc = hue_graph_create(ctx, &f->g);
    if (!rc)
        rc = build(f);
    if (rc) {
        hue_features_destroy(f);
        return rc;
    }
    *out = f;
    return 0;
}

int hue_features_dim(const hue_features *f) { return f->dim; }

const hue_resnet *hue_features_trunk(const hue_features *f, int i)
{
    return i >= 0 && i < f->r.n_trunks ? &f->m[i] : NULL;
}

hue_graph *hue_features_graph(const hue_features *f) { return f->g; }

int hue_features_load(hue_features *f, const hue_checkpoint *ck, const char *path)
{
    int rc = 0;
    for (int i = 0; i < f->r.n_trunks && !rc; i++)
        rc = hue_model_load_prefixed(f->g, &f->m[i], f->r.trunks[i].prefix, ck, path);
    return rc;
}

int hue_features_init(hue_features *f, uint64_t seed)
{
    int rc = 0;
    for (int i = 0; i < f->r.n_trunks && !rc; i++)
        rc = hue_resnet_init(f->g, &f->m[i], seed + (uint64_t)i);
    return rc;
}

int hue_features_copy_trunk(hue_features *f, int trunk, hue_graph *from, const hue_resnet *m)
{
    if (trunk < 0 || trunk >= f->r.n_trunks)
        return hue_fail(HUE_EINVAL, "trunk %d: the representation has %d", trunk, f->r.n_trunks);
    const hue_resnet *to = &f->m[trunk];
    float *v = NULL;
    int rc = 0;
    for (int i = 0; i < to->n_tensors && !rc; i++) {
        hue_tensor src = hue_resnet_find(m, to->tensors[i].name), dst = to->tensors[i].tensor;
        size_t n = (size_t)hue_tensor_numel(f->g, dst);
        if (src < 0)
            rc = hue_fail(HUE_EINVAL, "the trained model has no tensor '%s' (trunk %d)", to->tensors[i].name, trunk);
        else if (hue_tensor_numel(from, src) != (int64_t)n)
            rc = hue_fail(HUE_EINVAL, "the trained model's tensor '%s' has %lld values, the trunk's %zu",
                          to->tensors[i].name, (long long)hue_tensor_numel(from, src), n);
        else if (!(v = realloc(v, n * sizeof *v)))
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
        else if (!(rc = hue_graph_read(from, src, v, n)))
            rc = hue_graph_write(f->g, dst, v, n);
    }
    free(v);
    return rc;
}

void hue_feature_set_free(hue_feature_set *s)
{
    free(s->x);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

void hue_features_l2_normalize(float *x, int64_t n, int dim)
{
    for (int64_t i = 0; i < n; i++) {
        float *row = x + i * dim;
        double s = 0;
        for (int c = 0; c < dim; c++)
            s += (double)row[c] * row[c];
        /* as F.normalize: divided by max(norm, 1e-12) */
        float inv = (float)(1.0 / fmax(sqrt(s), 1e-12));
        for (int c = 0; c < dim; c++)
            row[c] *= inv;
    }
}

/* Host buffers of one batch: each trunk's input, and the LAB planes. */
typedef struct {
    float *in[HUE_REPRESENTATION_MAX_TRUNKS];
    float *lab[3];
    float *out;
} buffers;

static void free_buffers(buffers *b, int n)
{
    for (int i = 0; i < n; i++)
        free(b->in[i]);
    for (int k = 0; k < 3; k++)
        free(b->lab[k]);
    free(b->out);
}

static int alloc_buffers(const hue_features *f, buffers *b)
{
    memset(b, 0, sizeof *b);
    size_t plane = (size_t)f->size * f->size, lab = 0;
    int ok = 1;
    for (int i = 0; i < f->r.n_trunks; i++) {
        int c = hue_input_channels(f->r.trunks[i].input);
        /* zeros past a partial batch's images */
        ok = ok && (b->in[i] = calloc((size_t)f->batch * c * plane, sizeof(float)));
        lab |= f->r.trunks[i].input != HUE_INPUT_RGB;
    }
    for (int k = 0; k < 3 && lab; k++)
        ok = ok && (b->lab[k] = malloc(plane * sizeof(float)));
    ok = ok && (b->out = malloc((size_t)f->batch * f->dim * sizeof(float)));
    if (!ok) {
        free_buffers(b, f->r.n_trunks);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    return 0;
}

/* Image j of a packed RGB8 batch as every trunk's input. */
static void fill_inputs(const hue_features *f, const uint8_t *rgb, int j, buffers *b)
{
    size_t plane = (size_t)f->size * f->size;
    const uint8_t *px = rgb + (size_t)j * plane * 3;
    if (b->lab[0])
        hue_lab_from_rgb8(px, plane, b->lab[0], b->lab[1], b->lab[2]);
    for (int i = 0; i < f->r.n_trunks; i++) {
        const hue_trunk_ref *t = &f->r.trunks[i];
        int C = hue_input_channels(t->input);
        float *dst = b->in[i] + (size_t)j * C * plane;
        if (t->input == HUE_INPUT_RGB) {
            for (int c = 0; c < 3; c++) {
                float scale = 1.0f / (255.0f * t->std[c]), shift = t->mean[c] / t->std[c];
                for (size_t p = 0; p < plane; p++)
                    dst[c * plane + p] = (float)px[3 * p + c] * scale - shift;
            }
        } else if (t->input == HUE_INPUT_L) {
            for (size_t p = 0; p < plane; p++)
                dst[p] = b->lab[0][p] / 50.0f - 1.0f;
        } else {
            /* "lab": L then ab; "ab": ab alone */
            if (t->input == HUE_INPUT_LAB) {
                for (size_t p = 0; p < plane; p++)
                    dst[p] = b->lab[0][p] / 50.0f - 1.0f;
                dst += plane;
            }
            for (int c = 0; c < 2; c++)
                for (size_t p = 0; p < plane; p++)
                    dst[c * plane + p] = b->lab[1 + c][p] / 110.0f;
        }
    }
}

static int run_batch(hue_features *f, const hue_batch *bt, buffers *b, hue_feature_set *s, int64_t at)
{
    size_t plane = (size_t)f->size * f->size;
    for (int j = 0; j < bt->count; j++)
        fill_inputs(f, bt->pixels, j, b);
    int rc = 0;
    for (int i = 0; i < f->r.n_trunks && !rc; i++) {
        size_t per = (size_t)hue_input_channels(f->r.trunks[i].input) * plane;
        /* the images of the previous batch past this one's end are zeroed */
        memset(b->in[i] + per * (size_t)bt->count, 0, sizeof(float) * per * (size_t)(f->batch - bt->count));
        rc = hue_graph_set_input(f->g, f->x[i], b->in[i], per * (size_t)f->batch);
    }
    if (!rc)
        rc = hue_graph_run(f->g);
    if (!rc)
        rc = hue_graph_read(f->g, f->out, b->out, (size_t)f->batch * f->dim);
    if (rc)
        return rc;
    memcpy(s->x + at * f->dim, b->out, sizeof(float) * (size_t)bt->count * f->dim);
    for (int j = 0; j < bt->count; j++)
        s->labels[at + j] = bt->labels[j];
    return 0;
}

int hue_features_compute(hue_features *f, const hue_dataset *ds, int threads, hue_features_progress_fn progress,
                         void *user, hue_feature_set *out)
{
    memset(out, 0, sizeof *out);
    int64_t n = hue_dataset_size(ds);
    hue_loader_options lo = hue_loader_defaults();
    lo.batch = n < f->batch ? (int)n : f->batch;
    lo.size = f->size;
    lo.layout = HUE_BATCH_U8_NHWC;
    lo.shuffle = 0;
    lo.keep_last = 1;
    lo.epochs = 1;
    lo.threads = threads;
    hue_feature_set s = {.n = n, .dim = f->dim, .num_classes = hue_dataset_num_classes(ds)};
    s.x = malloc(sizeof *s.x * (size_t)n * (size_t)f->dim);
    s.labels = malloc(sizeof *s.labels * (size_t)n);
    if (!s.x || !s.labels) {
        hue_feature_set_free(&s);
        return hue_fail(HUE_ENOMEM, "out of host memory for %lld x %d features", (long long)n, f->dim);
    }
    buffers b;
    hue_loader *l = NULL;
    int rc = alloc_buffers(f, &b);
    if (!rc && (rc = hue_loader_create(&l, ds, &lo)))
        free_buffers(&b, f->r.n_trunks);
    if (rc) {
        hue_feature_set_free(&s);
        return rc;
    }
    int64_t done = 0;
    hue_batch bt;
    while ((rc = hue_loader_next(l, &bt)) == 1) {
        if (done + bt.count > n) {
            rc = hue_fail(HUE_EINVAL, "%s: the loader gave more images than the dataset has", hue_dataset_root(ds));
            break;
        }
        if ((rc = run_batch(f, &bt, &b, &s, done)))
            break;
        done += bt.count;
        if (progress)
            progress(user, done, n);
    }
    if (rc == 0 && done != n)
        rc = hue_fail(HUE_EINVAL, "%s: features of %lld of its %lld images", hue_dataset_root(ds), (long long)done,
                      (long long)n);
    s.skipped = hue_loader_skipped(l);
    hue_loader_destroy(l);
    free_buffers(&b, f->r.n_trunks);
    if (rc < 0) {
        hue_feature_set_free(&s);
        return rc;
    }
    *out = s;
    return 0;
}
