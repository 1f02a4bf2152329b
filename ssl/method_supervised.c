/* The supervised baseline: cross-entropy on the image folder's classes
 * (the trunk's fc layer), and the test split's top-1 at the end. */
#include <stdlib.h>
#include <string.h>

#include "eval_accuracy_internal.h"
#include "hue_error.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "pretrain_image.h"

typedef struct {
    image_run ir;
    hue_resnet_config arch;
    hue_resnet m;
    hue_tensor x, y;
    float *labels;
} supervised;

static int build(void *self, hue_trainer *t, hue_graph *g)
{
    supervised *s = self;
    const hue_pretrain_options *o = s->ir.o;
    int64_t xs[4] = {o->batch, 3, o->size, o->size}, ys[1] = {o->batch};
    s->x = hue_graph_input(g, "images", 4, xs);
    s->y = hue_graph_input(g, "labels", 1, ys);
    int rc = hue_resnet_build(g, &s->arch, s->x, 1, &s->m);
    hue_trunk_ref input = image_run_input();
    if (!rc)
        rc = hue_trainer_add_resnet(t, &s->m, "", 1, &input);
    if (rc)
        return rc;
    hue_tensor loss = hue_cross_entropy(g, s->m.logits, s->y, -1, -100);
    if ((rc = hue_graph_backward(g, loss)) || (rc = image_run_sgd(t, g, loss, &s->ir)))
        return rc;
    hue_trainer_set_loss(t, loss);
    return 0;
}

static int fill(void *self, hue_trainer *t, int64_t step, hue_fill_info *info)
{
    supervised *s = self;
    hue_batch b;
    int rc = image_run_next(&s->ir, step, &b);
    if (rc)
        return rc;
    for (int i = 0; i < b.count; i++)
        s->labels[i] = (float)b.labels[i];
    hue_graph *g = hue_trainer_graph(t);
    size_t per = (size_t)3 * b.size * b.size;
    if ((rc = hue_graph_set_input(g, s->x, b.images, (size_t)b.count * per)) ||
        (rc = hue_graph_set_input(g, s->y, s->labels, (size_t)b.count)))
        return rc;
    *info = (hue_fill_info){b.count, b.epoch, b.index};
    return 0;
}

/* The test split's top-1, with the trained weights copied into an
 * evaluation graph (batch norm on running statistics). */
static int finish(void *self, hue_trainer *t, hue_train_report *r)
{
    supervised *s = self;
    if (!s->ir.test)
        return 0;
    const hue_pretrain_options *o = s->ir.o;
    eval_graph e;
    int rc = eval_build(hue_trainer_ctx(t), &s->arch, o->batch < 256 ? 256 : o->batch, o->size, &e);
    if (!rc)
        rc = hue_model_copy(hue_trainer_graph(t), &s->m, e.g, &e.m);
    if (!rc)
        rc = eval_run(&e, s->ir.test, o->threads, &r->test_accuracy, &r->test_images);
    eval_free(&e);
    if (rc)
        return rc;
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "step"), hue_jw_int(&w, r->steps);
    hue_jw_key(&w, "test_accuracy"), hue_jw_number_digits(&w, r->test_accuracy, 6);
    hue_jw_key(&w, "test_images"), hue_jw_int(&w, r->test_images);
    hue_jw_end(&w);
    rc = hue_json_writer_text(&w) ? hue_trainer_log_line(t, w.text) : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_json_writer_free(&w);
    return rc;
}

static void destroy(void *self)
{
    supervised *s = self;
    free(s->labels);
    hue_resnet_free(&s->m);
    image_run_close(&s->ir);
    free(s);
}

int hue_pretrain_supervised(const hue_pretrain_options *o, hue_train_report *r)
{
    supervised *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    hue_method m = {"supervised", s, build, NULL, image_run_save_data, NULL, fill, finish, destroy};
    int rc = image_run_open(&s->ir, o, r);
    if (!rc && hue_dataset_num_classes(s->ir.train) < 2)
        rc = hue_fail(HUE_EINVAL, "%s has one class (%s): supervised training needs two or more",
                      hue_dataset_root(s->ir.train), hue_dataset_class_name(s->ir.train, 0));
    if (!rc && !(s->labels = malloc(sizeof *s->labels * (size_t)o->batch)))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    s->arch = image_run_trunk(o, 3);
    if (!rc)
        s->arch.num_classes = hue_dataset_num_classes(s->ir.train);
    return image_run_method(&s->ir, &m, rc, "sgd", NULL, r);
}
