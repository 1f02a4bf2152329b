/* Runs a few optimizer steps on the device for optim_torch.py to repeat
 * with torch.optim: prints one JSON object per configuration (the
 * hyper-parameters, the data, the learning rate of each step, and the
 * parameters after each step), then one with schedule values. The problem:
 * loss = sum((x W + b - y)^2), W [K, O], b [O]. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_optim.h"

#define B 8
#define K 20
#define O 6
#define STEPS 5

static uint32_t rng_state = 7;
static float rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((double)(rng_state >> 8) / (double)(1u << 23) - 1.0);
}

static void print_array(const char *key, const float *v, int n)
{
    printf("\"%s\": [", key);
    for (int i = 0; i < n; i++)
        printf("%s%.9g", i ? ", " : "", v[i]);
    printf("]");
}

typedef struct {
    const char *name;
    hue_optim_config cfg;
    hue_schedule sched;
} tool_case;

static int run(hue_ctx *ctx, const tool_case *c)
{
    static float x[STEPS][B * K], y[STEPS][B * O], w[STEPS][K * O], bias[STEPS][O], loss[STEPS], lr[STEPS];
    float w0[K * O], b0[O];
    for (int i = 0; i < K * O; i++)
        w0[i] = 0.3f * rnd();
    for (int i = 0; i < O; i++)
        b0[i] = 0.3f * rnd();
    for (int s = 0; s < STEPS; s++) {
        for (int i = 0; i < B * K; i++)
            x[s][i] = rnd();
        for (int i = 0; i < B * O; i++)
            y[s][i] = rnd();
    }
    hue_graph *g;
    if (hue_graph_create(ctx, &g))
        return 1;
    int64_t sx[2] = {B, K}, sy[2] = {B, O}, sw[2] = {K, O}, sb[1] = {O};
    hue_tensor tx = hue_graph_input(g, "x", 2, sx), ty = hue_graph_input(g, "y", 2, sy);
    hue_tensor tw = hue_graph_param(g, "W", 2, sw), tb = hue_graph_param(g, "b", 1, sb);
    hue_tensor r = hue_sub(g, hue_add(g, hue_matmul(g, tx, tw, 0, 0), tb), ty);
    hue_tensor tl = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, r, r), 0x3);
    hue_optim *opt = NULL;
    hue_graph_backward(g, tl);
    hue_optim_create(g, &c->cfg, tl, &opt);
    hue_graph_output(g, tl);
    int rc = hue_graph_compile(g);
    rc = rc ? rc : hue_graph_write(g, tw, w0, K * O);
    rc = rc ? rc : hue_graph_write(g, tb, b0, O);
    for (int s = 0; s < STEPS && !rc; s++) {
        lr[s] = hue_schedule_lr(&c->sched, s);
        rc = hue_graph_set_input(g, tx, x[s], B * K);
        rc = rc ? rc : hue_graph_set_input(g, ty, y[s], B * O);
        rc = rc ? rc : hue_optim_set_step(opt, s, lr[s]);
        rc = rc ? rc : hue_graph_run(g);
        rc = rc ? rc : hue_graph_read(g, tl, &loss[s], 1);
        rc = rc ? rc : hue_graph_read(g, tw, w[s], K * O);
        rc = rc ? rc : hue_graph_read(g, tb, bias[s], O);
    }
    if (rc) {
        fprintf(stderr, "%s: %s\n", c->name, hue_graph_status(g) ? hue_graph_error_message(g) : hue_error_message());
        hue_optim_destroy(opt);
        hue_graph_destroy(g);
        return 1;
    }
    const hue_optim_config *f = &c->cfg;
    static const char *const kinds[] = {"sgd", "adamw", "lars"};
    printf("{\"name\": \"%s\", \"kind\": \"%s\", \"momentum\": %.9g, \"dampening\": %.9g, \"nesterov\": %d, "
           "\"weight_decay\": %.9g, \"beta1\": %.9g, \"beta2\": %.9g, \"eps\": %.9g, \"eta\": %.9g, "
           "\"max_grad_norm\": %.9g, \"shape_x\": [%d, %d], \"shape_w\": [%d, %d], ",
           c->name, kinds[f->kind], f->momentum, f->dampening, f->nesterov, f->weight_decay, f->beta1, f->beta2, f->eps,
           f->trust_coefficient, f->max_grad_norm, B, K, K, O);
    print_array("lr", lr, STEPS), printf(", ");
    print_array("loss", loss, STEPS), printf(", ");
    print_array("w0", w0, K * O), printf(", ");
    print_array("b0", b0, O), printf(", ");
    print_array("x", &x[0][0], STEPS * B * K), printf(", ");
    print_array("y", &y[0][0], STEPS * B * O), printf(", ");
    print_array("w", &w[0][0], STEPS * K * O), printf(", ");
    print_array("b", &bias[0][0], STEPS * O), printf("}\n");
    hue_optim_destroy(opt);
    hue_graph_destroy(g);
    return 0;
}

static void print_schedule(const char *name, const hue_schedule *s, int steps, int last)
{
    printf("{\"name\": \"%s\", \"base_lr\": %.17g, \"warmup\": %lld, \"total\": %lld, \"final_lr\": %.17g, "
           "\"gamma\": %.17g, \"step_size\": %lld, \"milestones\": [",
           name, s->base_lr, (long long)s->warmup_steps, (long long)s->total_steps, s->final_lr, s->gamma,
           (long long)s->step_size);
    for (int i = 0; i < s->n_milestones; i++)
        printf("%s%lld", i ? ", " : "", (long long)s->milestones[i]);
    printf("], \"lr\": [");
    for (int i = 0; i < steps; i++)
        printf("%s%.9g", i ? ", " : "", hue_schedule_lr(s, i));
    printf("]}%s\n", last ? "" : ",");
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    hue_schedule cst = {.kind = HUE_SCHEDULE_CONSTANT, .base_lr = 0.01};
    hue_schedule warm = {.kind = HUE_SCHEDULE_COSINE, .base_lr = 0.02, .warmup_steps = 2, .total_steps = STEPS + 1,
                         .final_lr = 0.001};
    hue_optim_config sgd = hue_optim_defaults(HUE_OPTIM_SGD), mom = sgd, nes = sgd, damp = sgd;
    mom.momentum = 0.9f, mom.weight_decay = 1e-2f, mom.max_grad_norm = 5;
    nes.momentum = 0.8f, nes.nesterov = 1, nes.weight_decay = 1e-3f;
    damp.momentum = 0.9f, damp.dampening = 0.3f, damp.max_grad_norm = 1e4f;
    hue_optim_config adamw = hue_optim_defaults(HUE_OPTIM_ADAMW), adamw2 = adamw;
    adamw2.beta1 = 0.5f, adamw2.beta2 = 0.9f, adamw2.eps = 1e-3f, adamw2.weight_decay = 0.2f, adamw2.max_grad_norm = 2;
    hue_optim_config lars = hue_optim_defaults(HUE_OPTIM_LARS), lars2 = lars;
    lars.trust_coefficient = 0.05f, lars.weight_decay = 1e-3f;
    lars2.trust_coefficient = 0.05f, lars2.nesterov = 1, lars2.max_grad_norm = 3;
    hue_schedule lars_s = cst;
    lars_s.base_lr = 0.5;
    const tool_case cases[] = {
        {"sgd", sgd, cst},          {"sgd_momentum_clip", mom, warm}, {"sgd_nesterov", nes, warm},
        {"sgd_dampening", damp, cst}, {"adamw", adamw, cst},        {"adamw_clip", adamw2, warm},
        {"lars", lars, lars_s},     {"lars_nesterov_clip", lars2, lars_s},
    };
    printf("{\"cases\": [\n");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (run(ctx, &cases[i]))
            return 1;
        if (i + 1 < sizeof cases / sizeof *cases)
            printf(",");
    }
    printf("], \"schedules\": [\n");
    hue_schedule cosine = {.kind = HUE_SCHEDULE_COSINE, .base_lr = 0.3, .warmup_steps = 5, .total_steps = 40,
                           .final_lr = 0.003};
    hue_schedule cos0 = {.kind = HUE_SCHEDULE_COSINE, .base_lr = 0.1, .total_steps = 17};
    hue_schedule step = {.kind = HUE_SCHEDULE_STEP, .base_lr = 0.1, .gamma = 0.5, .step_size = 7};
    hue_schedule multi = {.kind = HUE_SCHEDULE_STEP, .base_lr = 0.2, .gamma = 0.1, .n_milestones = 3,
                          .milestones = {10, 20, 25}};
    print_schedule("cosine_warmup", &cosine, 50, 0);
    print_schedule("cosine", &cos0, 25, 0);
    print_schedule("step", &step, 30, 0);
    print_schedule("multistep", &multi, 30, 1);
    printf("]}\n");
    int errors = hue_ctx_validation_errors(ctx);
    hue_ctx_destroy(ctx);
    if (errors) {
        fprintf(stderr, "%d validation errors\n", errors);
        return 1;
    }
    return 0;
}
