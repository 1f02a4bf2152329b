/* The fused optimizer updates against the double-precision reference over
 * several steps on a least-squares problem, loss = sum((x W + b + f - y)^2)
 * with W [K, O], a 1-D bias b, a frozen f and an unused parameter u:
 * SGD (plain, momentum with weight decay, Nesterov, dampening), AdamW, LARS
 * (1-D parameters excluded by default, or by an explicit filter), gradient
 * clipping active and inactive, a warm-up + cosine schedule, a select
 * filter. Frozen and unused parameters must stay as they were. Also: the
 * guard (a NaN loss leaves parameters and state unchanged), bad
 * configurations, schedules at known steps, hue_check_finite. */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "test_util.h"

#define B 6
#define K 129   /* W has K * O = 4773 values: several workgroups, not a multiple of any tile */
#define O 37

static uint32_t rng_state;
static double rnd(void)  /* uniform in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (double)(rng_state >> 8) / (double)(1u << 23) - 1.0;
}

/* The batch of step s (x and y), the same for the device and the reference. */
static void batch(int s, float *xf, float *yf, double *x, double *y)
{
    rng_state = 1000u + (uint32_t)s * 7919u;
    for (int i = 0; i < B * K; i++)
        x[i] = xf[i] = (float)rnd();
    for (int i = 0; i < B * O; i++)
        y[i] = yf[i] = (float)rnd();
}

/* loss and gradients of the reference parameters, in double */
static double ref_grad(const double *x, const double *y, const double *w, const double *b, const double *f, double *gw,
                       double *gb)
{
    double r[B * O], loss = 0;
    for (int i = 0; i < B; i++)
        for (int o = 0; o < O; o++) {
            double s = b[o] + f[o] - y[i * O + o];
            for (int k = 0; k < K; k++)
                s += x[i * K + k] * w[k * O + o];
            r[i * O + o] = s;
            loss += s * s;
        }
    for (int k = 0; k < K; k++)
        for (int o = 0; o < O; o++) {
            double s = 0;
            for (int i = 0; i < B; i++)
                s += x[i * K + k] * r[i * O + o];
            gw[k * O + o] = 2 * s;
        }
    for (int o = 0; o < O; o++) {
        double s = 0;
        for (int i = 0; i < B; i++)
            s += r[i * O + o];
        gb[o] = 2 * s;
    }
    return loss;
}

static double rel_err(const float *got, const double *want, int n)
{
    double err = 0, scale = 1;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (int i = 0; i < n; i++)
        err = fmax(err, fabs(got[i] - want[i]));
    return err / scale;
}

static int only_w(const hue_graph *g, hue_tensor t, void *user)
{
    (void)user;
    return strcmp(hue_tensor_name(g, t), "W") == 0;
}

static int exclude_none(const hue_graph *g, hue_tensor t, void *user)
{
    (void)g, (void)t, (void)user;
    return 0;
}

typedef struct {
    hue_graph *g;
    hue_tensor x, y, w, b, f, u, loss;
    hue_optim *opt, *opt2;
} problem;

static float w0[K * O], b0[O], f0[O], u0[2];

/* cfg2: a second optimizer (another parameter group), or NULL */
static int build_problem2(hue_ctx *ctx, const hue_optim_config *cfg, const hue_optim_config *cfg2, problem *p)
{
    memset(p, 0, sizeof *p);
    if (hue_graph_create(ctx, &p->g))
        return -1;
    hue_graph *g = p->g;
    int64_t sx[2] = {B, K}, sy[2] = {B, O}, sw[2] = {K, O}, sb[1] = {O}, sf[2] = {1, O}, su[1] = {2};
    p->x = hue_graph_input(g, "x", 2, sx);
    p->y = hue_graph_input(g, "y", 2, sy);
    p->w = hue_graph_param(g, "W", 2, sw);
    p->b = hue_graph_param(g, "b", 1, sb);
    p->f = hue_graph_param(g, "f", 2, sf);
    p->u = hue_graph_param(g, "u", 1, su);
    hue_graph_freeze(g, p->f);
    hue_tensor pred = hue_add(g, hue_add(g, hue_matmul(g, p->x, p->w, 0, 0), p->b), p->f);
    hue_tensor r = hue_sub(g, pred, p->y);
    p->loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, r, r), 0x3);
    hue_graph_backward(g, p->loss);
    hue_optim_create(g, cfg, p->loss, &p->opt);
    if (cfg2)
        hue_optim_create(g, cfg2, p->loss, &p->opt2);
    hue_graph_output(g, p->loss);
    if (hue_graph_compile(g))
        return -1;
    hue_graph_write(g, p->w, w0, K * O);
    hue_graph_write(g, p->b, b0, O);
    hue_graph_write(g, p->f, f0, O);
    hue_graph_write(g, p->u, u0, 2);
    return 0;
}

static int build_problem(hue_ctx *ctx, const hue_optim_config *cfg, problem *p)
{
    return build_problem2(ctx, cfg, NULL, p);
}

static void free_problem(problem *p)
{
    hue_optim_destroy(p->opt2);
    hue_optim_destroy(p->opt);
    hue_graph_destroy(p->g);
}

typedef struct {
    const char *name;
    hue_optim_config cfg;
    double lr;
    int cosine;        /* lr from a warm-up + cosine schedule instead of constant */
    int select_w;      /* only W is optimized */
    int want_dispatches;
} opt_case;

static void run_case(hue_ctx *ctx, const opt_case *c)
{
    enum { STEPS = 6 };
    problem p;
    hue_optim_config cfg = c->cfg;
    if (c->select_w)
        cfg.select = only_w;
    if (build_problem(ctx, &cfg, &p)) {
        CHECKF(0, "%s: %s", c->name, hue_graph_error_message(p.g));
        free_problem(&p);
        return;
    }
    int n_params = c->select_w ? 1 : 2;
    CHECKF(hue_optim_param_count(p.opt) == n_params, "%s: %d parameters", c->name, hue_optim_param_count(p.opt));
    CHECKF(hue_optim_dispatches_per_step(p.opt) == c->want_dispatches, "%s: %d dispatches per step, want %d", c->name,
           hue_optim_dispatches_per_step(p.opt), c->want_dispatches);
    hue_schedule sched = {.kind = HUE_SCHEDULE_COSINE, .base_lr = c->lr, .warmup_steps = 2, .total_steps = STEPS,
                          .final_lr = c->lr * 0.1};

    static double w[K * O], gw[K * O], mw[K * O], vw[K * O], x[B * K], y[B * O];
    double b[O], f[O], gb[O], mb[O], vb[O];
    static float xf[B * K], yf[B * O], wf[K * O];
    float bf[O], ff[O], uf[2];
    for (int i = 0; i < K * O; i++)
        w[i] = w0[i], mw[i] = vw[i] = 0;
    for (int i = 0; i < O; i++)
        b[i] = b0[i], f[i] = f0[i], mb[i] = vb[i] = 0;
    hue_optim_ref_param rp[2] = {{K * O, w, gw, mw, vw, 2, -1}, {O, b, gb, mb, vb, 1, -1}};
    if (cfg.exclude)
        rp[0].excluded = cfg.exclude(p.g, p.w, NULL), rp[1].excluded = cfg.exclude(p.g, p.b, NULL);
    double worst = 0;
    for (int s = 0; s < STEPS; s++) {
        batch(s, xf, yf, x, y);
        double lr = c->cosine ? hue_schedule_lr(&sched, s) : c->lr;
        CHECK(hue_graph_set_input(p.g, p.x, xf, B * K) == 0);
        CHECK(hue_graph_set_input(p.g, p.y, yf, B * O) == 0);
        CHECKF(hue_optim_set_step(p.opt, s, (float)lr) == 0, "%s", hue_error_message());
        CHECK(hue_graph_run(p.g) == 0);
        float loss;
        CHECK(hue_graph_read(p.g, p.loss, &loss, 1) == 0);
        double want_loss = ref_grad(x, y, w, b, f, gw, gb);
        CHECKF(fabs(loss - want_loss) <= 1e-4 * fmax(1, want_loss), "%s step %d: loss %g, reference %g", c->name, s,
               loss, want_loss);
        CHECK(hue_optim_reference_step(&cfg, rp, n_params, s, (float)lr) == 0);
        CHECK(hue_graph_read(p.g, p.w, wf, K * O) == 0);
        CHECK(hue_graph_read(p.g, p.b, bf, O) == 0);
        double ew = rel_err(wf, w, K * O), eb = rel_err(bf, b, O);
        worst = fmax(worst, fmax(ew, eb));
        CHECKF(ew < 2e-6 && eb < 2e-6, "%s step %d: W off by %.3g, b by %.3g (relative)", c->name, s, ew, eb);
    }
    /* the state matches too */
    hue_tensor m = hue_optim_state(p.opt, 0, 0);
    if (m >= 0) {
        CHECK(hue_graph_read(p.g, m, wf, K * O) == 0);
        double e = rel_err(wf, mw, K * O);
        CHECKF(e < 2e-6, "%s: state of W off by %.3g", c->name, e);
    }
    CHECK(hue_graph_read(p.g, p.f, ff, O) == 0 && memcmp(ff, f0, sizeof ff) == 0);
    CHECK(hue_graph_read(p.g, p.u, uf, 2) == 0 && memcmp(uf, u0, sizeof uf) == 0);
    if (c->select_w)
        CHECKF(hue_graph_read(p.g, p.b, bf, O) == 0 && memcmp(bf, b0, sizeof bf) == 0, "%s: b changed", c->name);
    /* the update moved the parameters well beyond the tolerance */
    double moved = 0;
    for (int i = 0; i < K * O; i++)
        moved = fmax(moved, fabs(w[i] - w0[i]));
    CHECKF(moved > 1e-3, "%s: W moved only %g", c->name, moved);
    printf("%-28s max relative error %.2e over %d steps (W moved up to %.3g), %d dispatches per step\n", c->name,
           worst, STEPS, moved, hue_optim_dispatches_per_step(p.opt));
    free_problem(&p);
}

/* A NaN loss at step 2 leaves parameters and state as after step 1. */
static void test_guard(hue_ctx *ctx)
{
    hue_optim_config cfg = hue_optim_defaults(HUE_OPTIM_ADAMW);
    cfg.max_grad_norm = 1;
    problem p;
    if (build_problem(ctx, &cfg, &p)) {
        CHECKF(0, "guard: %s", hue_graph_error_message(p.g));
        free_problem(&p);
        return;
    }
    static float xf[B * K], yf[B * O], before[3][K * O], after[3][K * O];
    static double x[B * K], y[B * O];
    hue_tensor t[3] = {p.w, hue_optim_state(p.opt, 0, 0), hue_optim_state(p.opt, 0, 1)};
    for (int s = 0; s < 3; s++) {
        batch(s, xf, yf, x, y);
        if (s == 2)
            xf[5] = NAN;
        for (int k = 0; k < 3; k++)
            CHECK(hue_graph_read(p.g, t[k], before[k], K * O) == 0);
        CHECK(hue_graph_set_input(p.g, p.x, xf, B * K) == 0);
        CHECK(hue_graph_set_input(p.g, p.y, yf, B * O) == 0);
        CHECK(hue_optim_set_step(p.opt, s, 1e-2f) == 0);
        CHECK(hue_graph_run(p.g) == 0);
        float loss;
        CHECK(hue_graph_read(p.g, p.loss, &loss, 1) == 0);
        int rc = hue_check_finite(loss, s);
        for (int k = 0; k < 3; k++)
            CHECK(hue_graph_read(p.g, t[k], after[k], K * O) == 0);
        int same = memcmp(before, after, sizeof before) == 0;
        if (s < 2) {
            CHECK(rc == 0);
            CHECKF(!same, "step %d changed nothing", s);
        } else {
            CHECK(rc == HUE_EINVAL);
            CHECKF(strcmp(hue_error_message(), "loss is NaN at step 2") == 0, "message: %s", hue_error_message());
            CHECKF(same, "a NaN loss changed the parameters or the state");
        }
    }
    free_problem(&p);
}

static int only_b(const hue_graph *g, hue_tensor t, void *user)
{
    (void)user;
    return strcmp(hue_tensor_name(g, t), "b") == 0;
}

/* Two parameter groups: SGD with momentum on W, AdamW on b; a parameter in
 * two optimizers is an error; a run before hue_optim_set_step changes
 * nothing. */
static void test_groups(hue_ctx *ctx)
{
    hue_optim_config sgd = hue_optim_defaults(HUE_OPTIM_SGD), adamw = hue_optim_defaults(HUE_OPTIM_ADAMW);
    sgd.momentum = 0.9f, sgd.select = only_w;
    adamw.select = only_b;
    problem p;
    if (build_problem2(ctx, &sgd, &adamw, &p)) {
        CHECKF(0, "groups: %s", hue_graph_error_message(p.g));
        free_problem(&p);
        return;
    }
    CHECK(hue_optim_param_count(p.opt) == 1 && hue_optim_param(p.opt, 0) == p.w);
    CHECK(hue_optim_param_count(p.opt2) == 1 && hue_optim_param(p.opt2, 0) == p.b);
    static float xf[B * K], yf[B * O], wf[K * O];
    static double w[K * O], gw[K * O], mw[K * O], x[B * K], y[B * O];
    double b[O], f[O], gb[O], mb[O], vb[O];
    float bf[O];
    for (int i = 0; i < K * O; i++)
        w[i] = w0[i], mw[i] = 0;
    for (int i = 0; i < O; i++)
        b[i] = b0[i], f[i] = f0[i], mb[i] = vb[i] = 0;
    hue_optim_ref_param rw = {K * O, w, gw, mw, NULL, 2, -1}, rb = {O, b, gb, mb, vb, 1, -1};

    /* never set: the update kernels leave everything as it is */
    batch(0, xf, yf, x, y);
    CHECK(hue_graph_set_input(p.g, p.x, xf, B * K) == 0 && hue_graph_set_input(p.g, p.y, yf, B * O) == 0);
    CHECK(hue_graph_run(p.g) == 0 && hue_graph_read(p.g, p.w, wf, K * O) == 0);
    CHECKF(memcmp(wf, w0, sizeof w0) == 0, "a run before hue_optim_set_step changed W");

    for (int s = 0; s < 4; s++) {
        batch(s, xf, yf, x, y);
        CHECK(hue_graph_set_input(p.g, p.x, xf, B * K) == 0 && hue_graph_set_input(p.g, p.y, yf, B * O) == 0);
        CHECK(hue_optim_set_step(p.opt, s, 0.002f) == 0 && hue_optim_set_step(p.opt2, s, 0.01f) == 0);
        CHECK(hue_graph_run(p.g) == 0);
        ref_grad(x, y, w, b, f, gw, gb);
        CHECK(hue_optim_reference_step(&sgd, &rw, 1, s, 0.002f) == 0);
        CHECK(hue_optim_reference_step(&adamw, &rb, 1, s, 0.01f) == 0);
        CHECK(hue_graph_read(p.g, p.w, wf, K * O) == 0 && hue_graph_read(p.g, p.b, bf, O) == 0);
        double ew = rel_err(wf, w, K * O), eb = rel_err(bf, b, O);
        CHECKF(ew < 2e-6 && eb < 2e-6, "groups step %d: W off by %.3g, b by %.3g", s, ew, eb);
    }
    free_problem(&p);

    sgd.select = adamw.select = NULL;
    CHECK(build_problem2(ctx, &sgd, &adamw, &p) != 0 && p.opt != NULL && p.opt2 == NULL);
    CHECKF(strstr(hue_graph_error_message(p.g), "parameter W is already updated by another optimizer") != NULL, "%s",
           hue_graph_error_message(p.g));
    free_problem(&p);
}

static void expect_config_error(hue_ctx *ctx, const hue_optim_config *cfg, const char *what)
{
    problem p;
    int rc = build_problem(ctx, cfg, &p);
    CHECKF(rc != 0 && p.opt == NULL && hue_graph_status(p.g) == HUE_EINVAL &&
               strstr(hue_graph_error_message(p.g), what) != NULL,
           "want an error naming '%s', got: %s", what, hue_graph_error_message(p.g));
    free_problem(&p);
}

static void test_bad_input(hue_ctx *ctx)
{
    hue_optim_config c = hue_optim_defaults(HUE_OPTIM_SGD);
    c.momentum = 1.5f;
    expect_config_error(ctx, &c, "momentum = 1.5");
    c = hue_optim_defaults(HUE_OPTIM_SGD);
    c.nesterov = 1;
    expect_config_error(ctx, &c, "Nesterov momentum needs momentum > 0");
    c.momentum = 0.9f, c.dampening = 0.1f;
    expect_config_error(ctx, &c, "needs dampening 0");
    c = hue_optim_defaults(HUE_OPTIM_ADAMW);
    c.beta2 = 1;
    expect_config_error(ctx, &c, "beta2 = 1");
    c = hue_optim_defaults(HUE_OPTIM_ADAMW);
    c.eps = 0;
    expect_config_error(ctx, &c, "eps = 0");
    c = hue_optim_defaults(HUE_OPTIM_LARS);
    c.weight_decay = -1;
    expect_config_error(ctx, &c, "weight_decay = -1");
    c = hue_optim_defaults(HUE_OPTIM_LARS);
    c.max_grad_norm = NAN;
    expect_config_error(ctx, &c, "max_grad_norm");
    c = hue_optim_defaults(7);
    expect_config_error(ctx, &c, "kind 7 does not exist");
    c = hue_optim_defaults(HUE_OPTIM_SGD);
    c.select = exclude_none;  /* selects nothing */
    expect_config_error(ctx, &c, "no trainable parameter has a gradient");

    /* before backward, after compile, and set_step misuse */
    hue_graph *g;
    hue_optim *o = NULL;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t s1[1] = {4};
    hue_tensor w = hue_graph_param(g, "w", 1, s1);
    hue_tensor loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, w, w), 1);
    c = hue_optim_defaults(HUE_OPTIM_SGD);
    CHECK(hue_optim_create(g, &c, loss, &o) == HUE_EINVAL && o == NULL);
    CHECK(strstr(hue_graph_error_message(g), "call hue_graph_backward first") != NULL);
    hue_graph_destroy(g);

    CHECK(hue_graph_create(ctx, &g) == 0);
    w = hue_graph_param(g, "w", 1, s1);
    loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, w, w), 1);
    CHECK(hue_graph_backward(g, loss) == 0);
    hue_tensor x = hue_graph_input(g, "x", 1, s1);
    CHECK(hue_optim_create(g, &c, x, &o) == HUE_EINVAL);  /* a guard loss of 4 values */
    CHECK(strstr(hue_graph_error_message(g), "has 4 values") != NULL);
    hue_graph_destroy(g);

    CHECK(hue_graph_create(ctx, &g) == 0);
    w = hue_graph_param(g, "w", 1, s1);
    loss = hue_reduce(g, HUE_REDUCE_SUM, hue_mul(g, w, w), 1);
    CHECK(hue_graph_backward(g, loss) == 0);
    CHECK(hue_optim_create(g, &c, -1, &o) == 0 && o != NULL);
    CHECK(hue_optim_set_step(o, 0, 0.1f) == HUE_EINVAL);
    CHECK(strstr(hue_error_message(), "not compiled") != NULL);
    CHECK(hue_graph_compile(g) == 0);
    CHECK(hue_optim_set_step(o, -1, 0.1f) == HUE_EINVAL);
    CHECK(hue_optim_set_step(o, 0, NAN) == HUE_EINVAL);
    CHECK(strstr(hue_error_message(), "learning rate nan at step 0") != NULL);
    CHECK(hue_optim_set_step(o, 0, -1) == HUE_EINVAL);
    /* one step on sum(w^2): w <- w - 0.1 * 2 w */
    float w_in[4] = {1, -2, 3, 0.5f}, w_out[4];
    CHECK(hue_graph_write(g, w, w_in, 4) == 0);
    CHECK(hue_optim_set_step(o, 0, 0.1f) == 0 && hue_graph_run(g) == 0 && hue_graph_read(g, w, w_out, 4) == 0);
    for (int i = 0; i < 4; i++)
        CHECKF(fabsf(w_out[i] - 0.8f * w_in[i]) < 1e-6f, "w[%d] = %g", i, w_out[i]);
    hue_optim *o2 = NULL;
    CHECK(hue_optim_create(g, &c, -1, &o2) == HUE_EINVAL && o2 == NULL);
    CHECK(strstr(hue_graph_error_message(g), "already compiled") != NULL);
    hue_optim_destroy(o);
    hue_graph_destroy(g);
}

static void check_lr(const hue_schedule *s, int64_t step, double want)
{
    float lr = hue_schedule_lr(s, step);
    CHECKF(fabs(lr - want) <= 1e-6 * fmax(1, fabs(want)), "schedule kind %d at step %lld: %.9g, want %.9g", s->kind,
           (long long)step, lr, want);
}

static void test_schedules(void)
{
    hue_schedule cs = {.kind = HUE_SCHEDULE_COSINE, .base_lr = 0.4, .warmup_steps = 10, .total_steps = 110,
                        .final_lr = 0.004};
    CHECK(hue_schedule_check(&cs) == 0);
    check_lr(&cs, -3, 0.04);
    check_lr(&cs, 0, 0.04);
    check_lr(&cs, 4, 0.2);
    check_lr(&cs, 9, 0.4);   /* warm-up end */
    check_lr(&cs, 10, 0.4);
    check_lr(&cs, 35, 0.004 + 0.396 * 0.5 * (1 + cos(M_PI / 4)));
    check_lr(&cs, 60, 0.202);  /* midpoint: halfway between base and floor */
    check_lr(&cs, 110, 0.004);
    check_lr(&cs, 1000000, 0.004);

    hue_schedule st = {.kind = HUE_SCHEDULE_STEP, .base_lr = 0.1, .gamma = 0.1, .step_size = 30};
    CHECK(hue_schedule_check(&st) == 0);
    check_lr(&st, 0, 0.1);
    check_lr(&st, 29, 0.1);
    check_lr(&st, 30, 0.01);
    check_lr(&st, 59, 0.01);
    check_lr(&st, 60, 0.001);
    hue_schedule ms = {.kind = HUE_SCHEDULE_STEP, .base_lr = 1, .gamma = 0.5, .warmup_steps = 4, .n_milestones = 2,
                       .milestones = {5, 8}};
    CHECK(hue_schedule_check(&ms) == 0);
    check_lr(&ms, 0, 0.25);
    check_lr(&ms, 3, 1);
    check_lr(&ms, 4, 1);
    check_lr(&ms, 5, 0.5);
    check_lr(&ms, 7, 0.5);
    check_lr(&ms, 8, 0.25);
    hue_schedule cst = {.kind = HUE_SCHEDULE_CONSTANT, .base_lr = 0.3};
    check_lr(&cst, 0, 0.3);
    check_lr(&cst, 12345, 0.3);

    hue_schedule bad = cs;
    bad.total_steps = 10;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "total_steps = 10") != NULL);
    CHECK(isnan(hue_schedule_lr(&bad, 3)));
    bad = st;
    bad.gamma = 0;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "gamma") != NULL);
    bad = st;
    bad.step_size = 0;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "step_size") != NULL);
    bad = ms;
    bad.milestones[1] = 5;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "milestone 1") != NULL);
    bad = cst;
    bad.base_lr = NAN;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "base_lr") != NULL);
    bad.base_lr = 1;
    bad.warmup_steps = -1;
    CHECK(hue_schedule_check(&bad) == HUE_EINVAL && strstr(hue_error_message(), "warmup_steps") != NULL);
}

static void test_check_finite(void)
{
    CHECK(hue_check_finite(1.5f, 3) == 0);
    CHECK(hue_check_finite(0.0f, 0) == 0);
    CHECK(hue_check_finite(NAN, 7) == HUE_EINVAL && strcmp(hue_error_message(), "loss is NaN at step 7") == 0);
    CHECK(hue_check_finite(INFINITY, 12) == HUE_EINVAL && strcmp(hue_error_message(), "loss is +inf at step 12") == 0);
    CHECK(hue_check_finite(-INFINITY, 1) == HUE_EINVAL && strcmp(hue_error_message(), "loss is -inf at step 1") == 0);
}

int main(void)
{
    test_schedules();
    test_check_finite();

    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    rng_state = 42;
    for (int i = 0; i < K * O; i++)
        w0[i] = (float)(0.1 * rnd());
    for (int i = 0; i < O; i++)
        b0[i] = (float)(0.1 * rnd()), f0[i] = (float)(0.2 * rnd());
    u0[0] = 1, u0[1] = -1;

    hue_optim_config sgd = hue_optim_defaults(HUE_OPTIM_SGD);
    hue_optim_config mom = sgd, nes = sgd, damp = sgd, clip = sgd, noclip = sgd;
    mom.momentum = 0.9f, mom.weight_decay = 1e-3f;
    nes.momentum = 0.9f, nes.nesterov = 1, nes.weight_decay = 1e-2f;
    damp.momentum = 0.8f, damp.dampening = 0.5f;
    clip.momentum = 0.9f, clip.max_grad_norm = 2;
    noclip.momentum = 0.9f, noclip.max_grad_norm = 1e6f;
    hue_optim_config adamw = hue_optim_defaults(HUE_OPTIM_ADAMW), adamw_clip = adamw;
    adamw_clip.max_grad_norm = 1, adamw_clip.weight_decay = 0.1f, adamw_clip.beta1 = 0.8f;
    hue_optim_config lars = hue_optim_defaults(HUE_OPTIM_LARS), lars2 = lars;
    lars.trust_coefficient = 0.02f, lars.weight_decay = 1e-4f;
    lars2.trust_coefficient = 0.02f, lars2.weight_decay = 1e-3f, lars2.nesterov = 1, lars2.max_grad_norm = 3;
    lars2.exclude = exclude_none;
    hue_optim_config sgd_1d = mom;
    sgd_1d.exclude = hue_optim_exclude_1d;

    /* dispatches: 2 updates, plus 2 sums of squares and 1 norms where clipping
     * (LARS: sums for adapted parameters only) */
    const opt_case cases[] = {
        {"sgd", sgd, 0.01, 0, 0, 2},
        {"sgd momentum+decay", mom, 0.002, 0, 0, 2},
        {"sgd nesterov+decay cosine", nes, 0.002, 1, 0, 2},
        {"sgd dampening", damp, 0.003, 0, 0, 2},
        {"sgd clip active", clip, 0.005, 0, 0, 5},
        {"sgd clip inactive", noclip, 0.002, 0, 0, 5},
        {"sgd decay, 1-d excluded", sgd_1d, 0.002, 0, 0, 2},
        {"sgd select W only", mom, 0.002, 0, 1, 1},
        {"adamw", adamw, 0.01, 0, 0, 2},
        {"adamw clip active cosine", adamw_clip, 0.01, 1, 0, 5},
        {"lars (1-d excluded)", lars, 0.05, 0, 0, 4},
        {"lars nesterov clip, none excl.", lars2, 0.05, 1, 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        run_case(ctx, &cases[i]);
    test_guard(ctx);
    test_groups(ctx);
    test_bad_input(ctx);

    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
