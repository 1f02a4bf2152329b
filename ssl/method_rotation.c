/* Rotation prediction (Gidaris et al. 2018): every image of the batch goes
 * through the trunk four times, rotated by 0, 90, 180 and 270 degrees, and
 * a linear head on the pooled features classifies the rotation. Seeing all
 * four rotations of each image in the same batch is what the paper found
 * to work best: the batch's statistics stay rotation-balanced. */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "pretrain_image.h"

typedef struct {
    image_run ir;
    hue_resnet_config arch;
    hue_resnet m;
    hue_head head;
    hue_tensor x, y;
    float *xb, *labels;
} rotation;

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    rotation *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t xs[4] = {4 * (int64_t)o->batch, 3, o->size, o->size}, ys[1] = {4 * (int64_t)o->batch};
    s->x = hue_graph_input(g, "images", 4, xs);
    s->y = hue_graph_input(g, "rotations", 1, ys);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    hue_head_config hc = {.kind = HUE_HEAD_LINEAR, .in = s->m.feature_channels, .out = 4, .layers = 1};
    hue_tensor pooled = hue_global_avg_pool(g, s->m.features);
    if ((rc = hue_head_build(g, &hc, "heads.rotation.", pooled, 1, &s->head)) ||
        (rc = hue_trainer_add_head(t, &s->head)))
        return rc;
    hue_tensor loss = hue_cross_entropy(g, s->head.out, s->y, -1, -100);
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_sgd(t, g, loss, &s->ir)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

/* out = x turned k quarter-turns counter-clockwise (torch.rot90 on the
 * last two dimensions), for one C x S x S image. */
static void rotate_chw(const float *x, int channels, int size, int k, float *out)
{
    for (int c = 0; c < channels; c++) {
        const float *src = x + (size_t)c * size * size;
        float *dst = out + (size_t)c * size * size;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++) {
                int si = i, sj = j;
                switch (k & 3) {
                case 1: si = j, sj = size - 1 - i; break;
                case 2: si = size - 1 - i, sj = size - 1 - j; break;
                case 3: si = size - 1 - j, sj = i; break;
                }
                dst[(size_t)i * size + j] = src[(size_t)si * size + sj];
            }
    }
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    rotation *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    size_t per = (size_t)3 * b.size * b.size;
    for (int i = 0; i < b.count; i++)
        for (int k = 0; k < 4; k++) {
            rotate_chw(b.images + per * (size_t)i, 3, b.size, k, s->xb + per * (size_t)(4 * i + k));
            s->labels[4 * i + k] = (float)k;
        }
    hue_graph *g = hue_trainer_graph(t);
    if ((rc = hue_graph_set_input(g, s->x, s->xb, per * 4 * (size_t)b.count)) ||
        (rc = hue_graph_set_input(g, s->y, s->labels, 4 * (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

static void destroy(void *self)
{
    rotation *s = self;
    free(s->xb);
    free(s->labels);
    hue_head_free(&s->head);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

int hue_pretrain_rotation(const hue_pretrain_options *o, hue_train_report *r)
{
    rotation *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"rotation", s, build, NULL, image_run_save_data, NULL, fill, NULL, destroy};
    int rc = image_run_open(&s->ir, o, r);
    size_t per = (size_t)3 * o->size * o->size;
    if (!rc && (!(s->xb = malloc(sizeof *s->xb * per * 4 * (size_t)o->batch)) ||
                !(s->labels = malloc(sizeof *s->labels * 4 * (size_t)o->batch))))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    s->arch = image_run_trunk(o, 3);
    return image_run_method(&s->ir, &m, rc, "sgd", NULL, r);
}
