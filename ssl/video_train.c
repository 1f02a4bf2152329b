/* hue train-video: colourisation by attention over reference frames. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_clock.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_kmeans.h"
#include "hue_lab.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_rng.h"
#include "hue_track.h"
#include "hue_video.h"
#include "hue_video_train.h"

hue_video_train_options hue_video_train_defaults(void)
{
    hue_video_train_options o = {0};
    o.arch = hue_resnet_defaults();
    o.arch.in_channels = 1;
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
    o.temperature = 0.05f;
    o.save_every = 100;
    return o;
}

/* ---- clips: every frame decoded once, scaled to the crop height ---- */

typedef struct {
    char path[2304];
    int width, height;        /* scaled frame size */
    int64_t frames;
    uint8_t *rgb;             /* frames * height * width * 3 */
} clip;

typedef struct {
    clip *v;
    int n;
} clip_set;

static int has_video_ext(const char *name)
{
    static const char *const ext[] = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

static int by_path(const void *a, const void *b) { return strcmp(((const clip *)a)->path, ((const clip *)b)->path); }

static int list_clips(const char *src, clip_set *s)
{
    struct stat st;
    if (stat(src, &st) != 0)
        return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
    int cap = 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(src);
        if (!d)
            return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.' || !has_video_ext(e->d_name))
                continue;
            if (s->n == cap) {
                cap = cap ? cap * 2 : 64;
                clip *v = realloc(s->v, sizeof *v * (size_t)cap);
                if (!v) {
                    closedir(d);
                    return hue_fail(HUE_ENOMEM, "out of host memory");
                }
                s->v = v;
            }
            memset(&s->v[s->n], 0, sizeof *s->v);
            snprintf(s->v[s->n++].path, sizeof s->v->path, "%s/%s", src, e->d_name);
        }
        closedir(d);
        qsort(s->v, (size_t)s->n, sizeof *s->v, by_path);
    } else {
        FILE *f = fopen(src, "r");
        if (!f)
            return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
        char dir[1024], line[1024];
        snprintf(dir, sizeof dir, "%s", src);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            if (!line[0] || line[0] == '#')
                continue;
            if (s->n == cap) {
                cap = cap ? cap * 2 : 64;
                clip *v = realloc(s->v, sizeof *v * (size_t)cap);
                if (!v) {
                    fclose(f);
                    return hue_fail(HUE_ENOMEM, "out of host memory");
                }
                s->v = v;
            }
            memset(&s->v[s->n], 0, sizeof *s->v);
            if (line[0] == '/')
                snprintf(s->v[s->n++].path, sizeof s->v->path, "%s", line);
            else
                snprintf(s->v[s->n++].path, sizeof s->v->path, "%s/%s", dir, line);
        }
        fclose(f);
    }
    if (s->n == 0)
        return hue_fail(HUE_EINVAL, "%s: no video clips (files ending in .mp4, .mkv, .webm, .avi, .mov)", src);
    return 0;
}

static int load_clip(clip *c, int height, int min_frames)
{
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

static void free_clips(clip_set *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i].rgb);
    free(s->v);
}

/* No output may be an input (a clip, the list, the checkpoint resumed
 * unless the run goes on in it) or the other output. */
static int check_files(const hue_video_train_options *o, int into_out, const clip_set *clips)
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

/* ---- samples ---- */

typedef struct {
    int clip;
    int64_t frame[4];         /* three references, then the target */
    int x0;                   /* crop's left column */
} sample;

static void draw_sample(const clip_set *s, const hue_video_train_options *o, hue_rng *r, sample *out)
{
    out->clip = (int)hue_rng_below(r, (uint64_t)s->n);
    const clip *c = &s->v[out->clip];
    int64_t max_gap = (c->frames - 1) / 3;
    int64_t gap = 1 + (int64_t)hue_rng_below(r, (uint64_t)(max_gap < o->max_gap ? max_gap : o->max_gap));
    int64_t t = 3 * gap + (int64_t)hue_rng_below(r, (uint64_t)(c->frames - 3 * gap));
    for (int k = 0; k < 4; k++)
        out->frame[k] = t - (3 - k) * gap;
    out->x0 = (int)hue_rng_below(r, (uint64_t)(c->width - o->size + 1));
}

/* Lightness in [-1, 1] of a crop, and its cells' mean ab. */
static void crop_lab(const clip *c, int64_t f, int x0, int size, float *L, float *cell_a, float *cell_b, float *a,
                     float *b, uint8_t *rgb)
{
    const uint8_t *src = c->rgb + (size_t)f * c->width * c->height * 3;
    for (int y = 0; y < size; y++)
        memcpy(rgb + (size_t)y * size * 3, src + ((size_t)y * c->width + x0) * 3, (size_t)size * 3);
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
static int colour_clusters(const clip_set *s, const hue_video_train_options *o, float *centres)
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
    int64_t k = 0;
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < per_clip; j++) {
            const clip *c = &s->v[i];
            int64_t f = (int64_t)hue_rng_below(&r, (uint64_t)c->frames);
            int x0 = (int)hue_rng_below(&r, (uint64_t)(c->width - o->size + 1));
            crop_lab(c, f, x0, o->size, L, ca, cb, a, b, rgb);
            for (int q = 0; q < cells * cells; q++, k++)
                pts[2 * k] = ca[q], pts[2 * k + 1] = cb[q];
        }
    int rc = hue_kmeans2(pts, n, o->clusters, o->seed, 100, centres);
    free(pts), free(L), free(rgb), free(ca);
    return rc;
}

/* ---- the graph ---- */

typedef struct {
    hue_graph *g;
    hue_resnet m;
    hue_optim *opt;
    hue_tensor x, onehot, target, loss;
} video_graph;

static int build_graph(hue_ctx *ctx, const hue_video_train_options *o, video_graph *v)
{
    int rc = hue_graph_create(ctx, &v->g);
    if (rc)
        return rc;
    hue_graph *g = v->g;
    int B = o->batch, S = o->size, K = o->clusters;
    int64_t P = (int64_t)(S / 8) * (S / 8);
    int64_t xs[4] = {4 * B, 1, S, S}, os[3] = {B, 3 * P, K}, ts[1] = {B * P};
    v->x = hue_graph_input(g, "lightness", 4, xs);
    v->onehot = hue_graph_input(g, "ref_colours", 3, os);
    v->target = hue_graph_input(g, "target_colours", 1, ts);
    if ((rc = hue_resnet_build(g, &o->arch, v->x, 1, &v->m)))
        return rc;
    int64_t D = v->m.feature_channels;
    if (v->m.feature_stride != 8)
        return hue_fail(HUE_EINVAL, "the encoder has stride %d; colourisation needs stride 8 (--dense)",
                        v->m.feature_stride);
    hue_tensor f = hue_l2_normalize(g, v->m.features, 1, 1e-12f);
    int64_t s4[4] = {B, 4, D, P}, s3r[3] = {B, D, 3 * P}, s3t[3] = {B, D, P};
    f = hue_reshape(g, f, 4, s4);
    int perm[4] = {0, 2, 1, 3};
    hue_tensor refs = hue_reshape(g, hue_permute(g, hue_slice(g, f, 1, 0, 3), perm), 3, s3r);
    hue_tensor tgt = hue_reshape(g, hue_slice(g, f, 1, 3, 1), 3, s3t);
    hue_tensor att = hue_softmax(g, hue_scale(g, hue_matmul(g, tgt, refs, 1, 0), 1.0f / o->temperature, -1), 2);
    hue_tensor pred = hue_matmul(g, att, v->onehot, 0, 0);
    float eps = 1e-6f;
    int64_t one[1] = {1}, flat[2] = {B * P, K};
    hue_tensor logp = hue_log(g, hue_add(g, hue_reshape(g, pred, 2, flat), hue_graph_constant(g, "eps", 1, one, &eps)));
    v->loss = hue_cross_entropy(g, logp, v->target, -1, -100);
    if ((rc = hue_graph_backward(g, v->loss)))
        return rc;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_ADAMW);
    oc.weight_decay = 0;
    if ((rc = hue_optim_create(g, &oc, v->loss, &v->opt)))
        return rc;
    hue_graph_output(g, v->loss);
    return hue_graph_compile(g);
}

/* ---- training ---- */

static int save(video_graph *v, const hue_video_train_options *o, const float *centres, int64_t step)
{
    char clusters[4096], hp[512], s_step[32], s_seed[32];
    int n = snprintf(clusters, sizeof clusters, "[");
    for (int k = 0; k < o->clusters && n < (int)sizeof clusters - 64; k++)
        n += snprintf(clusters + n, sizeof clusters - (size_t)n, "%s[%.6g, %.6g]", k ? ", " : "", centres[2 * k],
                      centres[2 * k + 1]);
    snprintf(clusters + n, sizeof clusters - (size_t)n, "]");
    snprintf(hp, sizeof hp,
             "{\"steps\": %lld, \"batch\": %d, \"size\": %d, \"max_gap\": %d, \"lr\": %.9g, \"temperature\": %.9g, "
             "\"clusters\": %d, \"optimizer\": \"adam\"}",
             (long long)o->steps, o->batch, o->size, o->max_gap, o->lr, o->temperature, o->clusters);
    snprintf(s_step, sizeof s_step, "%lld", (long long)step);
    snprintf(s_seed, sizeof s_seed, "%llu", (unsigned long long)o->seed);
    hue_meta meta[] = {{"format", "hue-checkpoint-1"}, {"method", "colorization"}, {"hyperparameters", hp},
                       {"step", s_step}, {"seed", s_seed}, {"clusters", clusters}, {"clips", o->clips}};
    return hue_model_save(v->g, &v->m, v->opt, step, meta, (int)(sizeof meta / sizeof meta[0]), o->out, 1);
}

static int parse_clusters(const char *json, const char *path, int k, float *centres)
{
    const char *p = json ? strchr(json, '[') : NULL;
    for (int i = 0; p && i < k; i++) {
        float a, b;
        p = strchr(p + 1, '[');
        if (!p || sscanf(p, "[%f, %f]", &a, &b) != 2)
            break;
        centres[2 * i] = a, centres[2 * i + 1] = b;
        if (i == k - 1)
            return 0;
    }
    return hue_fail(HUE_EFORMAT, "%s: no %d colour clusters in its metadata", path, k);
}

int hue_train_video(const hue_video_train_options *o, hue_train_report *r)
{
    memset(r, 0, sizeof *r);
    r->test_accuracy = -1;
    if (o->batch < 1 || o->steps < 1 || o->clusters < 2 || o->clusters > 256 || o->size < 32 || o->size % 8 ||
        o->max_gap < 1)
        return hue_fail(HUE_EINVAL, "bad settings: batch >= 1, steps >= 1, 2 to 256 clusters, crop size a multiple "
                                    "of 8 from 32, gap >= 1");
    if (!o->out)
        return hue_fail(HUE_EINVAL, "no output checkpoint given (--out)");
    int rc = hue_temperature_check(o->temperature, "temperature");
    if (rc)
        return rc;
    int into_out = o->resume && hue_file_same(o->resume, o->out);
    if (!o->force && !into_out && access(o->out, F_OK) == 0)
        return hue_fail(HUE_EEXIST, "%s exists: pass --force to replace it", o->out);
    double t0 = hue_now_s();
    clip_set clips = {0};
    rc = list_clips(o->clips, &clips);
    if (!rc)
        rc = check_files(o, into_out, &clips);
    for (int i = 0; i < clips.n && !rc; i++)
        rc = load_clip(&clips.v[i], o->size, 4);
    float centres[2 * 256];
    hue_ctx *ctx = NULL;
    video_graph v = {0};
    int64_t start = 0;
    if (!rc)
        rc = hue_ctx_create(&ctx, -1);
    if (!rc)
        rc = build_graph(ctx, o, &v);
    if (!rc && o->resume) {
        hue_checkpoint *ck = NULL;
        rc = hue_model_load(v.g, &v.m, v.opt, o->resume, &ck);
        if (!rc) {
            const char *method = hue_checkpoint_meta(ck, "method"), *step = hue_checkpoint_meta(ck, "step");
            if (!method || strcmp(method, "colorization") != 0)
                rc = hue_fail(HUE_EINVAL, "%s is not a checkpoint of hue train-video", o->resume);
            else if (!step || (start = strtoll(step, NULL, 10)) < 0)
                rc = hue_fail(HUE_EFORMAT, "%s: no valid 'step' in its metadata", o->resume);
            else
                rc = parse_clusters(hue_checkpoint_meta(ck, "clusters"), o->resume, o->clusters, centres);
        }
        hue_checkpoint_destroy(ck);
    } else if (!rc) {
        rc = hue_resnet_init(v.g, &v.m, o->seed);
        if (!rc)
            rc = colour_clusters(&clips, o, centres);
    }
    FILE *log = NULL;
    if (!rc)
        rc = hue_train_log_open(o->log, start, o->force, &log);
    int64_t saved = into_out ? start : 0;  /* step of the model o->out holds */

    int B = o->batch, S = o->size, K = o->clusters, cells = S / 8;
    int64_t P = (int64_t)cells * cells;
    float *x = malloc(sizeof *x * (size_t)4 * B * S * S), *onehot = malloc(sizeof *onehot * (size_t)B * 3 * P * K);
    float *target = malloc(sizeof *target * (size_t)B * P), *ab = malloc(sizeof *ab * (size_t)4 * S * S);
    float *ca = malloc(sizeof *ca * (size_t)2 * P), *cb = ca ? ca + P : NULL;
    uint8_t *rgb = malloc((size_t)S * S * 3);
    if (!rc && (!x || !onehot || !target || !ab || !ca || !rgb))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    double window_t = hue_now_s();
    int64_t window_n = 0;
    for (int64_t step = start; !rc && step < o->steps; step++) {
        /* the samples of a step depend only on (seed, step): resumable */
        hue_rng rng;
        hue_rng_seed(&rng, o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)step + 1);
        memset(onehot, 0, sizeof *onehot * (size_t)B * 3 * P * K);
        for (int b = 0; b < B; b++) {
            sample s;
            draw_sample(&clips, o, &rng, &s);
            for (int k = 0; k < 4; k++) {
                crop_lab(&clips.v[s.clip], s.frame[k], s.x0, S, x + ((size_t)b * 4 + k) * S * S, ca, cb, ab,
                         ab + (size_t)S * S, rgb);
                for (int64_t q = 0; q < P; q++) {
                    int c = hue_kmeans_nearest(centres, K, ca[q], cb[q]);
                    if (k < 3)
                        onehot[((size_t)b * 3 * P + (size_t)k * P + q) * K + c] = 1;
                    else
                        target[(size_t)b * P + q] = (float)c;
                }
            }
        }
        float loss = 0;
        if ((rc = hue_graph_set_input(v.g, v.x, x, (size_t)4 * B * S * S)) ||
            (rc = hue_graph_set_input(v.g, v.onehot, onehot, (size_t)B * 3 * P * K)) ||
            (rc = hue_graph_set_input(v.g, v.target, target, (size_t)B * P)) ||
            (rc = hue_optim_set_step(v.opt, step, (float)o->lr)) || (rc = hue_graph_run(v.g)) ||
            (rc = hue_graph_read(v.g, v.loss, &loss, 1)))
            break;
        if ((rc = hue_check_finite(loss, step + 1))) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        window_n += B;
        double now = hue_now_s();
        hue_step_info info = {step + 1, o->steps, 0, 1, step, o->steps, loss, (float)o->lr,
                              window_n / fmax(now - window_t, 1e-9), now - t0};
        if (now - window_t > 10)
            window_t = now, window_n = 0;
        if (o->on_step)
            o->on_step(o->user, &info);
        rc = hue_train_log_printf(log, o->log,
                                  "{\"step\": %lld, \"loss\": %.7g, \"lr\": %.7g, \"samples_per_s\": %.3f, \"elapsed_s\": %.2f}\n",
                                  (long long)(step + 1), loss, o->lr, info.images_per_s, info.elapsed_s);
        if (rc) {
            rc = hue_train_stopped(rc, o->out, saved);
            break;
        }
        r->steps = step + 1;
        r->last_loss = loss;
        if ((step + 1) % o->save_every == 0 || step + 1 == o->steps) {
            if ((rc = save(&v, o, centres, step + 1)))
                rc = hue_train_stopped(rc, o->out, saved);
            else
                saved = step + 1;
        }
    }
    r->seconds = hue_now_s() - t0;
    if (log)
        fclose(log);
    free(x), free(onehot), free(target), free(ab), free(ca), free(rgb);
    hue_optim_destroy(v.opt);
    hue_resnet_free(&v.m);
    hue_graph_destroy(v.g);
    hue_ctx_destroy(ctx);
    free_clips(&clips);
    return rc;
}
