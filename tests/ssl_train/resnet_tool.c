/* Makes ResNet checkpoints of any architecture hue builds and runs a
 * checkpoint's model on a fixed input, for the cross-check with
 * torchvision (torchvision_check.py).
 *
 *   resnet_tool make OUT resnet18|resnet34 WIDTH cifar|imagenet CLASSES SEED [dense]
 *       torchvision's initialisation, then every batch-norm scale, shift
 *       and running statistic moved off its initial value (so a mix-up
 *       of any two of them shows in the logits); saved without optimizer.
 *   resnet_tool logits CKPT SIZE BATCH OUT
 *       the model in CKPT in eval mode on x[i] = 1.5 sin(0.7 i) (NCHW,
 *       [BATCH, in_channels, SIZE, SIZE]); writes the logits, one per line.
 *
 * Exit 0 ok, 1 on any error (with the message). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_checkpoint.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_model_io.h"
#include "hue_resnet.h"
#include "hue_rng.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Batch-norm tensors to values a checkpoint of a trained model could hold. */
static int perturb(hue_graph *g, const hue_resnet *m, uint64_t seed)
{
    hue_rng r;
    hue_rng_seed(&r, seed ^ 0x9e3779b97f4a7c15ull);
    for (int i = 0; i < m->n_tensors; i++) {
        const char *name = m->tensors[i].name;
        hue_tensor t = m->tensors[i].tensor;
        if (hue_tensor_ndim(g, t) != 1 || strncmp(name, "fc.", 3) == 0)
            continue;
        size_t n = (size_t)hue_tensor_numel(g, t);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        for (size_t k = 0; k < n; k++) {
            double u = 2 * hue_rng_uniform(&r) - 1;
            if (ends_with(name, ".running_var"))
                v[k] = (float)(1 + 0.5 * u);
            else if (ends_with(name, ".running_mean"))
                v[k] = (float)(0.2 * u);
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

static int build_eval(hue_ctx *ctx, const hue_resnet_config *cfg, int batch, int size, hue_graph **g,
                      hue_resnet *m, hue_tensor *x)
{
    int rc = hue_graph_create(ctx, g);
    if (rc)
        return rc;
    int64_t xs[4] = {batch, cfg->in_channels, size, size};
    *x = hue_graph_input(*g, "images", 4, xs);
    if ((rc = hue_resnet_build(*g, cfg, *x, 0, m)))
        return rc;
    if ((rc = hue_graph_output(*g, cfg->num_classes > 0 ? m->logits : m->features)))
        return rc;
    return hue_graph_compile(*g);
}

static int make(hue_ctx *ctx, int argc, char **argv)
{
    if (argc < 8)
        return hue_fail(HUE_EINVAL, "make OUT ARCH WIDTH cifar|imagenet CLASSES SEED [dense]");
    hue_resnet_config cfg = hue_resnet_defaults();
    int rc = hue_resnet_parse_arch(argv[3], &cfg);
    if (rc)
        return rc;
    cfg.width = (float)atof(argv[4]);
    cfg.cifar_stem = strcmp(argv[5], "cifar") == 0;
    cfg.num_classes = atoi(argv[6]);
    cfg.dense = argc > 8 && strcmp(argv[8], "dense") == 0;
    uint64_t seed = strtoull(argv[7], NULL, 10);
    hue_graph *g = NULL;
    hue_resnet m = {0};
    hue_tensor x;
    rc = build_eval(ctx, &cfg, 1, 32, &g, &m, &x);
    if (!rc)
        rc = hue_resnet_init(g, &m, seed);
    if (!rc)
        rc = perturb(g, &m, seed);
    hue_meta meta[] = {{"format", "hue-checkpoint-1"}, {"method", "test"}, {"step", "0"}, {"epoch", "0"}};
    if (!rc)
        rc = hue_model_save(g, &m, NULL, 3, meta, 4, argv[2], 1);
    hue_resnet_free(&m);
    hue_graph_destroy(g);
    return rc;
}

static int logits(hue_ctx *ctx, int argc, char **argv)
{
    if (argc < 6)
        return hue_fail(HUE_EINVAL, "logits CKPT SIZE BATCH OUT");
    const char *path = argv[2];
    int size = atoi(argv[3]), batch = atoi(argv[4]);
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    hue_resnet_config cfg;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, &cfg);
    hue_checkpoint_destroy(ck);
    if (rc)
        return rc;
    hue_graph *g = NULL;
    hue_resnet m = {0};
    hue_tensor x;
    float *in = NULL, *out = NULL;
    if ((rc = build_eval(ctx, &cfg, batch, size, &g, &m, &x)) || (rc = hue_model_load(g, &m, NULL, path, NULL)))
        goto done;
    hue_tensor y = cfg.num_classes > 0 ? m.logits : m.features;
    size_t nx = (size_t)hue_tensor_numel(g, x), ny = (size_t)hue_tensor_numel(g, y);
    in = malloc(nx * sizeof *in);
    out = malloc(ny * sizeof *out);
    if (!in || !out) {
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto done;
    }
    for (size_t i = 0; i < nx; i++)
        in[i] = (float)(1.5 * sin(0.7 * (double)i));
    if ((rc = hue_graph_set_input(g, x, in, nx)) || (rc = hue_graph_run(g)) || (rc = hue_graph_read(g, y, out, ny)))
        goto done;
    FILE *f = fopen(argv[5], "w");
    if (!f) {
        rc = hue_fail(HUE_EIO, "%s: cannot write", argv[5]);
        goto done;
    }
    for (size_t i = 0; i < ny; i++)
        fprintf(f, "%.9g\n", out[i]);
    if (fclose(f) != 0)
        rc = hue_fail(HUE_EIO, "%s: write failed", argv[5]);
done:
    free(in);
    free(out);
    hue_resnet_free(&m);
    hue_graph_destroy(g);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: resnet_tool make|logits ...\n");
        return 1;
    }
    hue_ctx *ctx;
    int rc = hue_ctx_create(&ctx, -1);
    if (!rc) {
        if (strcmp(argv[1], "make") == 0)
            rc = make(ctx, argc, argv);
        else if (strcmp(argv[1], "logits") == 0)
            rc = logits(ctx, argc, argv);
        else
            rc = hue_fail(HUE_EINVAL, "unknown command '%s'", argv[1]);
        if (!rc && hue_ctx_validation_errors(ctx))
            rc = hue_fail(HUE_EINVAL, "validation errors");
        hue_ctx_destroy(ctx);
    }
    if (rc) {
        fprintf(stderr, "resnet_tool: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
