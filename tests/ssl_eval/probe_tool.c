/* Checkpoints for the probe tests (hue eval knn / linear):
 *
 *   probe_tool random OUT WIDTH SEED
 *       a ResNet-18 trunk (CIFAR stem, no fc) with torchvision's
 *       initialisation, batch-norm statistics 0 and 1: a random-init model.
 *   probe_tool broken OUT missing|nan
 *       the same (width 0.125) without its tensor layer4.1.bn2.running_var,
 *       or with a NaN in layer2.0.conv1.weight.
 *   probe_tool notrunk OUT
 *       a valid safetensors file whose metadata names no architecture and
 *       no representation.
 *   probe_tool multi OUT
 *       two trunks in one file, as a split-brain model keeps them: an rgb
 *       trunk under "" (width 0.125) and an ab trunk under "ab_to_l."
 *       (width 0.25), plus a head tensor and optimizer state the probes
 *       must ignore, with the "representation" metadata naming both.
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
#include "hue_representation.h"
#include "hue_resnet.h"

typedef struct {
    hue_graph *g;
    hue_resnet m;
} trunk;

static int make_trunk(hue_ctx *ctx, float width, int in_channels, uint64_t seed, trunk *t)
{
    hue_resnet_config cfg = hue_resnet_defaults();
    cfg.width = width;
    cfg.cifar_stem = 1;
    cfg.num_classes = 0;
    cfg.in_channels = in_channels;
    int rc = hue_graph_create(ctx, &t->g);
    if (rc)
        return rc;
    int64_t xs[4] = {1, in_channels, 32, 32};
    hue_tensor x = hue_graph_input(t->g, "x", 4, xs);
    if ((rc = hue_resnet_build(t->g, &cfg, x, 0, &t->m)))
        return rc;
    hue_graph_output(t->g, t->m.features);
    if ((rc = hue_graph_compile(t->g)))
        return rc;
    return hue_resnet_init(t->g, &t->m, seed);
}

static void free_trunk(trunk *t)
{
    hue_resnet_free(&t->m);
    hue_graph_destroy(t->g);
}

/* Adds every tensor of t to ck as prefix + name, but `skip`; a NaN goes
 * into the first value of `poison`. */
static int add_trunk(hue_checkpoint *ck, const trunk *t, const char *prefix, const char *skip, const char *poison)
{
    int rc = 0;
    for (int i = 0; i < t->m.n_tensors && !rc; i++) {
        const hue_named_tensor *nt = &t->m.tensors[i];
        if (skip && !strcmp(nt->name, skip))
            continue;
        int nd = hue_tensor_ndim(t->g, nt->tensor);
        int64_t shape[HUE_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            shape[d] = hue_tensor_dim(t->g, nt->tensor, d);
        size_t n = (size_t)hue_tensor_numel(t->g, nt->tensor);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of memory");
        rc = hue_graph_read(t->g, nt->tensor, v, n);
        if (poison && !strcmp(nt->name, poison))
            v[0] = NAN;
        char name[160];
        snprintf(name, sizeof name, "%s%s", prefix, nt->name);
        if (!rc)
            rc = hue_checkpoint_add(ck, name, nd, shape, v);
        free(v);
    }
    return rc;
}

static int save_trunk(hue_ctx *ctx, const char *out, float width, uint64_t seed, const char *skip, const char *poison)
{
    trunk t = {0};
    hue_checkpoint *ck = NULL;
    char arch[256];
    int rc = make_trunk(ctx, width, 3, seed, &t);
    if (!rc)
        rc = hue_checkpoint_create(&ck);
    if (!rc)
        rc = add_trunk(ck, &t, "", skip, poison);
    hue_resnet_arch_json(&t.m.cfg, arch, sizeof arch);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "architecture", arch);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "method", "random-init");
    if (!rc)
        rc = hue_checkpoint_save(ck, out, 1);
    hue_checkpoint_destroy(ck);
    free_trunk(&t);
    return rc;
}

static int save_multi(hue_ctx *ctx, const char *out)
{
    trunk rgb = {0}, ab = {0};
    hue_checkpoint *ck = NULL;
    int rc = make_trunk(ctx, 0.125f, 3, 1, &rgb);
    if (!rc)
        rc = make_trunk(ctx, 0.25f, 2, 2, &ab);
    if (!rc)
        rc = hue_checkpoint_create(&ck);
    if (!rc)
        rc = add_trunk(ck, &rgb, "", NULL, NULL);
    if (!rc)
        rc = add_trunk(ck, &ab, "ab_to_l.", NULL, NULL);
    int64_t shape[2] = {3, 4};
    float v[12] = {0};
    if (!rc)
        rc = hue_checkpoint_add(ck, "heads.decoder.weight", 2, shape, v);
    if (!rc)
        rc = hue_checkpoint_add(ck, "optimizer.conv1.weight.momentum_buffer", 2, shape, v);
    hue_representation r = {.n_trunks = 2};
    r.trunks[0] = (hue_trunk_ref){.prefix = "", .input = HUE_INPUT_RGB, .arch = rgb.m.cfg};
    memcpy(r.trunks[0].mean, hue_cifar_mean, sizeof r.trunks[0].mean);
    memcpy(r.trunks[0].std, hue_cifar_std, sizeof r.trunks[0].std);
    r.trunks[1] = (hue_trunk_ref){.prefix = "ab_to_l.", .input = HUE_INPUT_AB, .arch = ab.m.cfg};
    char json[2048];
    hue_representation_json(&r, json, sizeof json);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "representation", json);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "method", "split-brain (test)");
    if (!rc)
        rc = hue_checkpoint_save(ck, out, 1);
    hue_checkpoint_destroy(ck);
    free_trunk(&rgb);
    free_trunk(&ab);
    return rc;
}

static int save_notrunk(const char *out)
{
    hue_checkpoint *ck;
    int64_t shape[1] = {2};
    float v[2] = {1, 2};
    int rc = hue_checkpoint_create(&ck);
    if (!rc)
        rc = hue_checkpoint_add(ck, "weights", 1, shape, v);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "method", "something else");
    if (!rc)
        rc = hue_checkpoint_save(ck, out, 1);
    hue_checkpoint_destroy(ck);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: probe_tool random OUT WIDTH SEED | broken OUT missing|nan | notrunk OUT | multi OUT\n");
        return 1;
    }
    const char *what = argv[1], *out = argv[2];
    if (!strcmp(what, "notrunk")) {
        if (save_notrunk(out)) {
            fprintf(stderr, "probe_tool: %s\n", hue_error_message());
            return 1;
        }
        return 0;
    }
    hue_ctx *ctx;
    int rc = hue_ctx_create(&ctx, -1);
    if (rc) {
        fprintf(stderr, "probe_tool: %s\n", hue_error_message());
        return 1;
    }
    if (!strcmp(what, "random") && argc == 5)
        rc = save_trunk(ctx, out, (float)atof(argv[3]), strtoull(argv[4], NULL, 10), NULL, NULL);
    else if (!strcmp(what, "broken") && argc == 4 && !strcmp(argv[3], "missing"))
        rc = save_trunk(ctx, out, 0.125f, 0, "layer4.1.bn2.running_var", NULL);
    else if (!strcmp(what, "broken") && argc == 4 && !strcmp(argv[3], "nan"))
        rc = save_trunk(ctx, out, 0.125f, 0, NULL, "layer2.0.conv1.weight");
    else if (!strcmp(what, "multi"))
        rc = save_multi(ctx, out);
    else
        rc = hue_fail(HUE_EINVAL, "unknown command or arguments (see the source)");
    if (rc)
        fprintf(stderr, "probe_tool: %s\n", hue_error_message());
    hue_ctx_destroy(ctx);
    return rc ? 1 : 0;
}
