/* The patch-based pretext tasks: tiles of each image go through one shared
 * trunk, their pooled features are concatenated in the order the tiles
 * were given, and an MLP head classifies that order.
 * - patch (Doersch et al. 2015): the centre tile and one of its 8
 *   neighbours; the label is which neighbour.
 * - jigsaw (Noroozi and Favaro 2016): all 9 tiles shuffled by one
 *   permutation of a fixed set; the label is which permutation. The set is
 *   stored in the checkpoint. */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_heads.h"
#include "hue_json.h"
#include "hue_ops.h"
#include "jigsaw_permutations.h"
#include "pretrain_image.h"
#include "pretrain_tiles.h"

typedef struct {
    image_run ir;
    const char *name;           /* "patch" or "jigsaw" */
    int classes;
    tile_sampler sampler;
    uint8_t *perms;             /* jigsaw: classes x 9 */
    hue_resnet_config arch;
    hue_resnet m;
    hue_head head;
    hue_tensor x, y;
    float *xb, *labels;
} tiles_method;

/* patch: the centre cell, then neighbour k of 8 (row-major, centre skipped). */
static int choose_patch(const void *user, hue_rng *r, int *order)
{
    (void)user;
    int k = (int)hue_rng_below(r, 8);
    order[0] = TILE_GRID * TILE_GRID / 2;
    order[1] = k < 4 ? k : k + 1;
    return k;
}

/* jigsaw: position j shows the tile of cell perms[p][j]. */
static int choose_jigsaw(const void *user, hue_rng *r, int *order)
{
    const tiles_method *s = user;
    int p = (int)hue_rng_below(r, (uint64_t)s->classes);
    for (int j = 0; j < JIGSAW_TILES; j++)
        order[j] = s->perms[(size_t)p * JIGSAW_TILES + j];
    return p;
}

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    tiles_method *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t B = o->batch, n = s->sampler.count, T = s->sampler.tile;
    int64_t xs[4] = {B * n, 3, T, T}, ys[1] = {B};
    s->x = hue_graph_input(g, "tiles", 4, xs);
    s->y = hue_graph_input(g, "labels", 1, ys);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    int C = s->m.feature_channels;
    int64_t joined[2] = {B, n * C};
    hue_tensor features = hue_reshape(g, hue_global_avg_pool(g, s->m.features), 2, joined);
    hue_head_config hc = {.kind = HUE_HEAD_MLP, .in = (int)(n * C), .hidden = 2 * C, .out = s->classes, .layers = 2};
    char prefix[48];
    snprintf(prefix, sizeof prefix, "heads.%s.", s->name);
    if ((rc = hue_head_build(g, &hc, prefix, features, image_run_head_training(o), &s->head)) || (rc = hue_trainer_add_head(t, &s->head)))
        return rc;
    hue_tensor loss = hue_cross_entropy(g, s->head.out, s->y, -1, -100);
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_sgd(t, g, loss, &s->ir)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    tiles_method *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    size_t tiles = (size_t)s->sampler.count * 3 * s->sampler.tile * s->sampler.tile;
    for (int i = 0; i < b.count; i++) {
        const float *sample = b.images + (size_t)b.sample_floats * i;
        memcpy(s->xb + tiles * (size_t)i, sample, sizeof *s->xb * tiles);
        s->labels[i] = sample[tiles];
    }
    hue_graph *g = hue_trainer_graph(t);
    if ((rc = hue_graph_set_input(g, s->x, s->xb, tiles * (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->y, s->labels, (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

/* The permutation set as [[9 indices], ...]. */
static char *perms_json(const tiles_method *s)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_array(&w);
    for (int p = 0; p < s->classes; p++) {
        hue_jw_array(&w);
        for (int j = 0; j < JIGSAW_TILES; j++)
            hue_jw_int(&w, s->perms[(size_t)p * JIGSAW_TILES + j]);
        hue_jw_end(&w);
    }
    hue_jw_end(&w);
    char *text = hue_json_writer_text(&w) ? strdup(w.text) : NULL;
    hue_json_writer_free(&w);
    return text;
}

static int save_meta(void *self, hue_trainer *t)
{
    tiles_method *s = self;
    int rc = image_run_save_data(self, t);
    if (rc || !s->perms)
        return rc;
    char *text = perms_json(s);
    rc = text ? hue_trainer_set_meta(t, "permutations", text) : hue_fail(HUE_ENOMEM, "out of host memory");
    free(text);
    return rc;
}

/* The set is a function of the seed and its size, which a resumed run
 * shares; a checkpoint holding another set was made by another hue. */
static int load_meta(void *self, const hue_checkpoint *ck, const char *path)
{
    tiles_method *s = self;
    if (!s->perms)
        return 0;
    const char *have = hue_checkpoint_meta(ck, "permutations");
    char *want = perms_json(s);
    hue_json *a = NULL, *b = NULL;
    int same = have && want && hue_json_parse(have, strlen(have), &a) == 0 &&
               hue_json_parse(want, strlen(want), &b) == 0 && hue_json_equal(a, b);
    hue_json_destroy(a), hue_json_destroy(b);
    free(want);
    return same ? 0 : hue_fail(HUE_EFORMAT, "%s: its 'permutations' are not the set this run uses", path);
}

static void destroy(void *self)
{
    tiles_method *s = self;
    free(s->xb), free(s->labels), free(s->perms);
    hue_head_free(&s->head);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    static const char *const colours[] = {"drop", "jitter", "none"};
    const tiles_method *s = self;
    hue_jw_key(w, "tile"), hue_jw_int(w, s->sampler.tile);
    hue_jw_key(w, "tile_colour"), hue_jw_string(w, colours[s->sampler.colour]);
    if (s->sampler.crop_min < 1)  /* absent: no crop, as every run before the choice */
        hue_jw_key(w, "tile_crop"), hue_jw_number_digits(w, s->sampler.crop_min, 7);
    if (s->sampler.norm == HUE_TILE_NORM_TILE)  /* absent: dataset, as every run before the choice */
        hue_jw_key(w, "tile_norm"), hue_jw_string(w, "tile");
    if (s->perms)
        hue_jw_key(w, "permutations"), hue_jw_int(w, s->classes);
}

static int run_tiles(const hue_pretrain_options *o, hue_train_report *r, int jigsaw)
{
    tiles_method *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    s->name = jigsaw ? "jigsaw" : "patch";
    hue_method m = {s->name, s, build, NULL, save_meta, load_meta, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    int tile = o->tile > 0 ? o->tile : tile_default(o->size);
    if (!rc && !(o->tile_crop >= 0.1 && o->tile_crop <= 1))
        rc = hue_fail(HUE_EINVAL, "--tile-crop %g: must be 0.1 to 1 (the smallest share of the image's area)", o->tile_crop);
    if (!rc && (tile < 4 || tile > o->size / TILE_GRID))
        rc = hue_fail(HUE_EINVAL, "--tile %d: tiles of a 3 x 3 grid on %d-pixel images must be 4 to %d pixels%s", tile,
                      o->size, o->size / TILE_GRID, o->size / TILE_GRID < 4 ? " (the images are too small: raise --size)" : "");
    s->classes = jigsaw ? o->permutations : 8;
    if (!rc && jigsaw) {
        if (!(s->perms = malloc((size_t)s->classes * JIGSAW_TILES)))
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
        else
            rc = jigsaw_permutations(s->classes, o->seed, s->perms, NULL);
    }
    s->sampler = (tile_sampler){.size = o->size, .tile = tile, .colour = o->tile_colour, .count = jigsaw ? 9 : 2,
                                .norm = o->tile_norm,
                                .crop_min = (float)o->tile_crop,
                                .choose = jigsaw ? choose_jigsaw : choose_patch, .choose_user = s};
    memcpy(s->sampler.mean, hue_cifar_mean, sizeof s->sampler.mean);
    memcpy(s->sampler.std, hue_cifar_std, sizeof s->sampler.std);
    s->ir.sample = tile_sampler_sample;
    s->ir.sample_user = &s->sampler;
    s->ir.sample_floats = tile_sampler_floats(&s->sampler);
    size_t tiles = (size_t)s->sampler.count * 3 * tile * tile;
    if (!rc && (!(s->xb = malloc(sizeof *s->xb * tiles * (size_t)o->batch)) ||
                !(s->labels = malloc(sizeof *s->labels * (size_t)o->batch))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    s->arch = image_run_trunk(o, 3);
    return image_run_method(&s->ir, &m, rc, "sgd", hyperparameters, r);
}

int hue_pretrain_patch(const hue_pretrain_options *o, hue_train_report *r) { return run_tiles(o, r, 0); }
int hue_pretrain_jigsaw(const hue_pretrain_options *o, hue_train_report *r) { return run_tiles(o, r, 1); }
