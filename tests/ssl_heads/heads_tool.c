/* Runs one head on fixed inputs and writes everything PyTorch needs to
 * repeat it (heads_torch.py) into a safetensors file.
 *
 *   heads_tool CONFIG_JSON N H W SEED OUT
 *
 * The head (prefix "heads.test.") gets hue_head_init(SEED); those values are
 * kept as "init.<name>"; then every batch-norm tensor is moved off its
 * initial value (so a mix-up of any two shows) and the result is the
 * head's "<name>". With x_a, x_b [N, in(, H, W)] and r_a, r_b shaped as the
 * output (x[i] = 1.5 sin(0.7 i + phase)):
 *   eval.out           the head in eval mode on x_a
 *   train.out_a/_b     in training mode: built on x_a, applied again on x_b
 *   grad.<name>        d(sum(out_a r_a) + sum(out_b r_b)) / d(parameter)
 *   after.<name>       running statistics after that one training run
 * Metadata: "config" (the head's JSON) and "backend". Exit 0 ok, 1 on error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_checkpoint.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "hue_rng.h"

static float *wave(size_t n, double phase)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)(1.5 * sin(0.7 * (double)i + phase));
    return v;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Adds tensor t of g (read back) to ck as `name`. */
static int save(hue_checkpoint *ck, hue_graph *g, hue_tensor t, const char *name)
{
    int nd = hue_tensor_ndim(g, t);
    int64_t shape[HUE_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        shape[d] = hue_tensor_dim(g, t, d);
    size_t n = (size_t)hue_tensor_numel(g, t);
    float *v = malloc(n * sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = hue_graph_read(g, t, v, n);
    if (!rc)
        rc = hue_checkpoint_add(ck, name, nd, shape, v);
    free(v);
    return rc;
}

static int save_prefixed(hue_checkpoint *ck, hue_graph *g, hue_tensor t, const char *prefix, const char *name)
{
    char full[160];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    return save(ck, g, t, full);
}

/* Batch-norm tensors to values a trained head could hold. */
static int perturb(hue_graph *g, const hue_head *h, uint64_t seed)
{
    hue_rng r;
    hue_rng_seed(&r, seed ^ 0x51ed270b2f6a7c3dull);
    for (int i = 0; i < h->n_tensors; i++) {
        const char *name = h->tensors[i].name;
        hue_tensor t = h->tensors[i].tensor;
        /* a batch norm's four tensors: weight, bias, running_mean, running_var */
        int bn = h->tensors[i].is_state || (i + 1 < h->n_tensors && h->tensors[i + 1].is_state) ||
                 (i + 2 < h->n_tensors && h->tensors[i + 2].is_state);
        if (!bn)
            continue;
        size_t n = (size_t)hue_tensor_numel(g, t);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        for (size_t k = 0; k < n; k++) {
            double u = 2 * hue_rng_uniform(&r) - 1;
            if (ends_with(name, ".running_var"))
                v[k] = (float)(1 + 0.5 * u);
            else if (ends_with(name, ".weight"))
                v[k] = (float)(1 + 0.3 * u);
            else
                v[k] = (float)(0.2 * u);
        }
        int rc = hue_graph_write(g, t, v, n);
        free(v);
        if (rc)
            return rc;
    }
    return 0;
}

/* Copies every tensor of head a in graph ga to head b in graph gb. */
static int copy(hue_graph *ga, const hue_head *a, hue_graph *gb, const hue_head *b)
{
    int rc = 0;
    for (int i = 0; i < a->n_tensors && !rc; i++) {
        size_t n = (size_t)hue_tensor_numel(ga, a->tensors[i].tensor);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        rc = hue_graph_read(ga, a->tensors[i].tensor, v, n);
        if (!rc)
            rc = hue_graph_write(gb, b->tensors[i].tensor, v, n);
        free(v);
    }
    return rc;
}

/* Sets input t to a wave and keeps the same values in ck as `name` (an
 * input's bytes may be reused by the graph once its last reader ran). */
static int set_wave(hue_graph *g, hue_tensor t, double phase, hue_checkpoint *ck, const char *name)
{
    int nd = hue_tensor_ndim(g, t);
    int64_t shape[HUE_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        shape[d] = hue_tensor_dim(g, t, d);
    size_t n = (size_t)hue_tensor_numel(g, t);
    float *v = wave(n, phase);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = hue_graph_set_input(g, t, v, n);
    if (!rc && ck)
        rc = hue_checkpoint_add(ck, name, nd, shape, v);
    free(v);
    return rc;
}

static int run(hue_ctx *ctx, char **argv)
{
    hue_head_config cfg;
    int rc = hue_head_config_parse(argv[1], "the command line", &cfg);
    if (rc)
        return rc;
    int64_t n = atoi(argv[2]), h = atoi(argv[3]), w = atoi(argv[4]);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    int conv = cfg.kind == HUE_HEAD_DECODER || cfg.kind == HUE_HEAD_DISCRIMINATOR;
    int64_t xs[4] = {n, cfg.in, h, w};
    const char *prefix = "heads.test.";

    hue_graph *ge = NULL, *gt = NULL;
    hue_head he = {0}, ht = {0};
    hue_checkpoint *ck = NULL;
    hue_tensor xe, xa, xb, ra, rb, yb, loss;
    if ((rc = hue_graph_create(ctx, &ge)) || (rc = hue_graph_create(ctx, &gt)))
        goto done;
    xe = hue_graph_input(ge, "x_a", conv ? 4 : 2, xs);
    if ((rc = hue_head_build(ge, &cfg, prefix, xe, 0, &he)) || (rc = hue_graph_output(ge, he.out)) ||
        (rc = hue_graph_compile(ge)))
        goto done;

    xa = hue_graph_input(gt, "x_a", conv ? 4 : 2, xs);
    xb = hue_graph_input(gt, "x_b", conv ? 4 : 2, xs);
    if ((rc = hue_head_build(gt, &cfg, prefix, xa, 1, &ht)) || (rc = hue_head_apply(gt, &ht, xb, 1, &yb)))
        goto done;
    int nd = hue_tensor_ndim(gt, yb);
    int64_t ys[4];
    for (int d = 0; d < nd; d++)
        ys[d] = hue_tensor_dim(gt, yb, d);
    ra = hue_graph_input(gt, "r_a", nd, ys);
    rb = hue_graph_input(gt, "r_b", nd, ys);
    unsigned all = (1u << nd) - 1;
    loss = hue_add(gt, hue_reduce(gt, HUE_REDUCE_SUM, hue_mul(gt, ht.out, ra), all),
                   hue_reduce(gt, HUE_REDUCE_SUM, hue_mul(gt, yb, rb), all));
    if ((rc = hue_graph_backward(gt, loss)) || (rc = hue_graph_output(gt, ht.out)) ||
        (rc = hue_graph_output(gt, yb)))
        goto done;
    for (int i = 0; i < ht.n_tensors && !rc; i++)
        if (!ht.tensors[i].is_state)
            rc = hue_graph_output(gt, hue_tensor_grad(gt, ht.tensors[i].tensor));
    if (rc || (rc = hue_graph_compile(gt)))
        goto done;

    if ((rc = hue_checkpoint_create(&ck)) || (rc = hue_head_init(ge, &he, seed)))
        goto done;
    for (int i = 0; i < he.n_tensors && !rc; i++)
        rc = save_prefixed(ck, ge, he.tensors[i].tensor, "init.", he.tensors[i].name);
    if (rc || (rc = perturb(ge, &he, seed)) || (rc = copy(ge, &he, gt, &ht)))
        goto done;
    for (int i = 0; i < he.n_tensors && !rc; i++)
        rc = save(ck, ge, he.tensors[i].tensor, he.tensors[i].name);

    if (rc || (rc = set_wave(ge, xe, 0, NULL, NULL)) || (rc = hue_graph_run(ge)) ||
        (rc = save(ck, ge, he.out, "eval.out")))
        goto done;
    if ((rc = set_wave(gt, xa, 0, ck, "x_a")) || (rc = set_wave(gt, xb, 2.0, ck, "x_b")) ||
        (rc = set_wave(gt, ra, 0.5, ck, "r_a")) || (rc = set_wave(gt, rb, 1.3, ck, "r_b")) ||
        (rc = hue_graph_run(gt)) || (rc = save(ck, gt, ht.out, "train.out_a")) ||
        (rc = save(ck, gt, yb, "train.out_b")))
        goto done;
    for (int i = 0; i < ht.n_tensors && !rc; i++) {
        const hue_named_tensor *t = &ht.tensors[i];
        rc = t->is_state ? save_prefixed(ck, gt, t->tensor, "after.", t->name)
                         : save_prefixed(ck, gt, hue_tensor_grad(gt, t->tensor), "grad.", t->name);
    }
    char json[200];
    hue_head_config_json(&cfg, json, sizeof json);
    if (rc || (rc = hue_checkpoint_set_meta(ck, "config", json)) ||
        (rc = hue_checkpoint_set_meta(ck, "backend", hue_backend_name(hue_ctx_backend(ctx)))))
        goto done;
    rc = hue_checkpoint_save(ck, argv[6], 1);
done:
    if (!rc && (hue_graph_status(ge) || hue_graph_status(gt)))
        rc = hue_fail(HUE_EINVAL, "%s", hue_graph_error_message(hue_graph_status(ge) ? ge : gt));
    hue_checkpoint_destroy(ck);
    hue_head_free(&he);
    hue_head_free(&ht);
    hue_graph_destroy(ge);
    hue_graph_destroy(gt);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: heads_tool CONFIG_JSON N H W SEED OUT\n");
        return 1;
    }
    hue_ctx *ctx;
    int rc = hue_ctx_create(&ctx, -1);
    if (!rc) {
        rc = run(ctx, argv);
        if (!rc && hue_ctx_validation_errors(ctx))
            rc = hue_fail(HUE_EINVAL, "%d validation errors", hue_ctx_validation_errors(ctx));
        hue_ctx_destroy(ctx);
    }
    if (rc) {
        fprintf(stderr, "heads_tool: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
