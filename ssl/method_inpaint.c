/* Context encoder (Pathak et al. 2016): a region of each image is blanked
 * (the centre quarter, or random blocks), the trunk encodes what is left,
 * a decoder paints the whole image back, and the loss is
 *   0.999 x L2 on the blanked region + 0.001 x adversarial,
 * the adversarial term from a discriminator trained in the same step by its
 * own optimizer to tell real images from ones whose blanked region was
 * painted. One graph holds both games: the discriminator sees the painted
 * images through a stop-gradient (its loss does not reach the painter),
 * and the painter's adversarial loss goes through a frozen copy of the
 * discriminator (it does not reach the discriminator). Both optimizers are
 * Adam (beta1 0.5, as DCGAN and the paper), warm-up then cosine. */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "hue_rng.h"
#include "pretrain_image.h"

#define REC_WEIGHT 0.999f
#define ADV_WEIGHT 0.001f
#define D_PREFIX "heads.discriminator."

typedef struct {
    image_run ir;
    hue_resnet_config arch;
    hue_resnet m;
    hue_head decoder, disc;
    hue_tensor x, real, mask, inv_frac, d_target;
    float *xb, *maskb, *d_targetb;
} inpaint;

static int is_disc(const hue_graph *g, hue_tensor p, void *user)
{
    (void)user;
    return strncmp(hue_tensor_name(g, p), D_PREFIX, strlen(D_PREFIX)) == 0;
}

static int not_disc(const hue_graph *g, hue_tensor p, void *user) { return !is_disc(g, p, user); }

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    inpaint *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t B = o->batch, S = o->size;
    int64_t xs[4] = {B, 3, S, S}, one[1] = {1}, ds[2] = {2 * B, 1}, gs[2] = {B, 1};
    s->x = hue_graph_input(g, "blanked", 4, xs);
    s->real = hue_graph_input(g, "images", 4, xs);
    s->mask = hue_graph_input(g, "mask", 4, xs);
    s->inv_frac = hue_graph_input(g, "inverse_blanked_fraction", 1, one);
    s->d_target = hue_graph_input(g, "real_or_painted", 2, ds);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    hue_head_config dc;
    if ((rc = image_run_decoder(g, &s->m, (int)S, 3, &dc)))
        return rc;
    hue_head_config qc = {.kind = HUE_HEAD_DISCRIMINATOR, .in = 3, .hidden = 32, .out = 1, .layers = 3};
    int training = image_run_head_training(s->ir.o);
    if ((rc = hue_head_build(g, &dc, "heads.decoder.", s->m.features, training, &s->decoder)) ||
        (rc = hue_trainer_add_head(t, &s->decoder)))
        return rc;
    hue_tensor pred = s->decoder.out;
    /* L2 on the blanked region only, as a mean over its values */
    hue_tensor rec = hue_mul(g, hue_mse(g, hue_mul(g, pred, s->mask), hue_mul(g, s->real, s->mask)), s->inv_frac);
    /* the painted image: the real context, the decoder's region */
    hue_tensor painted = hue_add(g, s->real, hue_mul(g, s->mask, hue_sub(g, pred, s->real)));
    hue_tensor both[2] = {s->real, hue_stop_gradient(g, painted)};
    if ((rc = hue_head_build(g, &qc, D_PREFIX, hue_concat(g, 2, both, 0), training, &s->disc)) ||
        (rc = hue_trainer_add_head(t, &s->disc)))
        return rc;
    hue_tensor d_loss = hue_bce_with_logits(g, s->disc.out, s->d_target), fooled;
    if ((rc = hue_head_apply_frozen(g, &s->disc, painted, training, &fooled)))
        return rc;
    float ones[1] = {1};
    hue_tensor adv = hue_bce_with_logits(
        g, fooled, hue_scale(g, hue_graph_constant(g, "one", 1, one, ones), 1.0f, hue_graph_input(g, "shape", 2, gs)));
    hue_tensor loss = hue_add(g, hue_add(g, hue_scale(g, rec, REC_WEIGHT, -1), hue_scale(g, adv, ADV_WEIGHT, -1)), d_loss);
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_adam(t, g, loss, &s->ir, 0.5f, not_disc)) ||
        (rc = image_run_adam(t, g, loss, &s->ir, 0.5f, is_disc)))
        return rc;
    hue_trainer_set_loss(t, loss);
    if ((rc = hue_trainer_add_metric(t, "l2", rec)) || (rc = hue_trainer_add_metric(t, "adversarial", adv)) ||
        (rc = hue_trainer_add_metric(t, "discriminator", d_loss)))
        return rc;
    return 0;
}

/* The blanked region of one image, 1 inside: the centre quarter of the
 * area (a square of half the side), or random squares of a quarter of the
 * side until a quarter of the area is covered. Returns the blanked pixels. */
static int64_t draw_mask(hue_rng *r, int blocks, int S, float *m)
{
    memset(m, 0, sizeof *m * (size_t)S * S);
    int64_t covered = 0;
    if (!blocks) {
        for (int y = S / 4; y < S / 4 + S / 2; y++)
            for (int x = S / 4; x < S / 4 + S / 2; x++)
                m[(size_t)y * S + x] = 1, covered++;
        return covered;
    }
    int side = S / 4 > 1 ? S / 4 : 1;
    while (covered * 4 < (int64_t)S * S) {
        int y0 = (int)hue_rng_below(r, (uint64_t)(S - side + 1)), x0 = (int)hue_rng_below(r, (uint64_t)(S - side + 1));
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++)
                if (m[(size_t)y * S + x] == 0)
                    m[(size_t)y * S + x] = 1, covered++;
    }
    return covered;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    inpaint *s = self;
    const hue_pretrain_options *o = s->ir.o;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    int S = b.size;
    size_t plane = (size_t)S * S, per = 3 * plane;
    /* the masks of a step depend only on (seed, step): resumable */
    hue_rng r;
    hue_rng_seed(&r, o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)step + 0x1a9a1);
    int64_t blanked = 0;
    for (int i = 0; i < b.count; i++) {
        float *m = s->maskb + per * (size_t)i;
        blanked += 3 * draw_mask(&r, o->inpaint_blocks, S, m);
        memcpy(m + plane, m, sizeof *m * plane);
        memcpy(m + 2 * plane, m, sizeof *m * plane);
        for (size_t k = 0; k < per; k++)
            s->xb[per * (size_t)i + k] = m[k] ? 0.0f : b.images[per * (size_t)i + k];
    }
    float inv_frac = (float)((double)per * b.count / (double)blanked);
    hue_graph *g = hue_trainer_graph(t);
    if ((rc = hue_graph_set_input(g, s->x, s->xb, per * (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->real, b.images, per * (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->mask, s->maskb, per * (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->inv_frac, &inv_frac, 1)) ||
        (rc = hue_graph_set_input(g, s->d_target, s->d_targetb, 2 * (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static void hyperparameters(hue_json_writer *w, const void *self)
{
    hue_jw_key(w, "mask"), hue_jw_string(w, ((const inpaint *)self)->ir.o->inpaint_blocks ? "blocks" : "centre");
}

static void destroy(void *self)
{
    inpaint *s = self;
    free(s->xb), free(s->maskb), free(s->d_targetb);
    hue_head_free(&s->decoder);
    hue_head_free(&s->disc);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

int hue_pretrain_inpaint(const hue_pretrain_options *o, hue_train_report *r)
{
    inpaint *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"inpaint", s, build, NULL, image_run_save_data, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    size_t n = (size_t)3 * o->size * o->size * (size_t)o->batch;
    if (!rc && (!(s->xb = malloc(sizeof *s->xb * n)) || !(s->maskb = malloc(sizeof *s->maskb * n)) ||
                !(s->d_targetb = malloc(sizeof *s->d_targetb * 2 * (size_t)o->batch))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    for (int i = 0; !rc && i < o->batch; i++)
        s->d_targetb[i] = 1, s->d_targetb[o->batch + i] = 0;
    s->arch = image_run_trunk(o, 3);
    return image_run_method(&s->ir, &m, rc, "adam", hyperparameters, r);
}
