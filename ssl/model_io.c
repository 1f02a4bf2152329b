#include "hue_model_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_json.h"
#include "hue_json_writer.h"

void hue_resnet_arch_json(const hue_resnet_config *c, char *out, size_t n)
{
    char arch[16];
    snprintf(arch, sizeof arch, "resnet%d", c->depth);
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "arch"), hue_jw_string(&w, arch);
    hue_jw_key(&w, "width"), hue_jw_number(&w, c->width);
    hue_jw_key(&w, "cifar_stem"), hue_jw_bool(&w, c->cifar_stem);
    hue_jw_key(&w, "dense"), hue_jw_bool(&w, c->dense);
    hue_jw_key(&w, "in_channels"), hue_jw_int(&w, c->in_channels);
    hue_jw_key(&w, "num_classes"), hue_jw_int(&w, c->num_classes);
    hue_jw_key(&w, "last_layer"), hue_jw_int(&w, c->last_layer);
    hue_jw_key(&w, "embed"), hue_jw_int(&w, c->embed);
    hue_jw_end(&w);
    /* a failed allocation leaves an empty object, which no architecture parses as */
    snprintf(out, n, "%s", hue_json_writer_text(&w) ? hue_json_writer_text(&w) : "{}");
    hue_json_writer_free(&w);
}

/* The integer member `key` of the architecture object, or an error naming it. */
static int arch_int(const hue_json *root, const char *key, const char *path, const char *what, int64_t lo, int64_t hi,
                    int *out)
{
    const hue_json *v = hue_json_get(root, key);
    int64_t x;
    if (!v)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s has no '%s'", path, what, key);
    if (hue_json_int64(v, &x) || x < lo || x > hi)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s field '%s' is not an integer in [%lld, %lld]", path,
                        what, key, (long long)lo, (long long)hi);
    *out = (int)x;
    return 0;
}

/* The member `key` of the architecture object, of type `type`, or an error naming it. */
static const hue_json *arch_field(const hue_json *root, const char *key, hue_json_type type, const char *path,
                                  const char *what)
{
    const hue_json *v = hue_json_get(root, key);
    if (!v)
        hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s has no '%s'", path, what, key);
    else if (hue_json_type_of(v) != type)
        hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s field '%s' is a %s (expected a %s)", path, what, key,
                 hue_json_type_name(hue_json_type_of(v)), hue_json_type_name(type));
    else
        return v;
    return NULL;
}

int hue_resnet_arch_from_json(const hue_json *root, const char *path, const char *what, hue_resnet_config *c)
{
    hue_resnet_config cfg = {0};
    const hue_json *arch, *width, *stem, *dense;
    if (hue_json_type_of(root) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s is not a JSON object", path, what);
    if (!(arch = arch_field(root, "arch", HUE_JSON_STRING, path, what)) ||
        !(width = arch_field(root, "width", HUE_JSON_NUMBER, path, what)) ||
        !(stem = arch_field(root, "cifar_stem", HUE_JSON_BOOL, path, what)) ||
        !(dense = arch_field(root, "dense", HUE_JSON_BOOL, path, what)) ||
        arch_int(root, "in_channels", path, what, 1, 1 << 16, &cfg.in_channels) ||
        arch_int(root, "num_classes", path, what, 0, 1 << 24, &cfg.num_classes) ||
        arch_int(root, "last_layer", path, what, 1, 4, &cfg.last_layer))
        return HUE_EFORMAT;
    cfg.embed = 0;
    if (hue_json_get(root, "embed") && arch_int(root, "embed", path, what, 0, 1 << 16, &cfg.embed))
        return HUE_EFORMAT;
    /* A width hue cannot build (or that is 0 or infinite as a float, as
     * 1e-50 and 1e39 are) is not one hue wrote. */
    double w = hue_json_number(width);
    if (!(w > 0 && w <= HUE_RESNET_MAX_WIDTH && (float)w > 0))
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s field 'width' is not a number in (0, %d]", path, what,
                        HUE_RESNET_MAX_WIDTH);
    if (hue_resnet_parse_arch(hue_json_string(arch, NULL), c))
        return hue_fail(HUE_EFORMAT, "%s: %s", path, hue_error_message());
    c->width = (float)w;
    c->cifar_stem = hue_json_bool(stem);
    c->dense = hue_json_bool(dense);
    c->in_channels = cfg.in_channels;
    c->num_classes = cfg.num_classes;
    c->last_layer = cfg.last_layer;
    c->embed = cfg.embed;
    c->bn_groups = 0;  /* ways of training, not of the architecture: whole-batch statistics */
    c->sync_bn = 0;
    return 0;
}

int hue_resnet_arch_parse(const char *json, const char *path, hue_resnet_config *c)
{
    hue_json *root = NULL;
    if (!json || hue_json_parse(json, strlen(json), &root))
        return hue_fail(HUE_EFORMAT, "%s: no readable 'architecture' in the checkpoint's metadata", path);
    int rc = hue_resnet_arch_from_json(root, path, "'architecture'", c);
    hue_json_destroy(root);
    return rc;
}

int hue_resnet_arch_read(const char *path, hue_resnet_config *cfg)
{
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, cfg);
    hue_checkpoint_destroy(ck);
    return rc;
}

static const char *const state_names[2][3] = {
    {"momentum_buffer", NULL, NULL},            /* SGD, LARS */
    {"exp_avg", "exp_avg_sq", NULL},            /* AdamW */
};

static const char *model_name(const hue_resnet *m, hue_tensor t)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].tensor == t)
            return m->tensors[i].name;
    return NULL;
}

static int optim_buffer_name(const hue_resnet *m, const hue_optim *opt, int i, int k, char *out, size_t n)
{
    const char *param = model_name(m, hue_optim_param(opt, i));
    int adam = hue_optim_state(opt, i, 1) >= 0;
    const char *buf = state_names[adam][k];
    if (!param || !buf)
        return -1;
    snprintf(out, n, "optimizer.%s.%s", param, buf);
    return 0;
}

/* Index of the first NaN or inf in v, or -1. */
static int64_t first_non_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (int64_t)i;
    return -1;
}

static const char *kind(float x) { return isnan(x) ? "NaN" : "inf"; }

/* A model with a NaN or inf is never saved: it would replace the last good
 * checkpoint of a run that diverged. */
int hue_model_add_tensor(hue_checkpoint *ck, hue_graph *g, const char *name, hue_tensor t, const char *path)
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
    int64_t bad = rc ? -1 : first_non_finite(v, n);
    if (bad >= 0)
        rc = hue_fail(HUE_EINVAL, "%s not written: tensor '%s' holds %s at index %lld", path, name, kind(v[bad]),
                      (long long)bad);
    if (!rc)
        rc = hue_checkpoint_add(ck, name, nd, shape, v);
    free(v);
    return rc;
}

int hue_model_save(hue_graph *g, const hue_resnet *m, const hue_optim *opt, int64_t batches_tracked,
                   const hue_meta *meta, int n_meta, const char *path, int force)
{
    hue_checkpoint *ck;
    int rc = hue_checkpoint_create(&ck);
    if (rc)
        return rc;
    for (int i = 0; i < m->n_tensors && !rc; i++) {
        rc = hue_model_add_tensor(ck, g, m->tensors[i].name, m->tensors[i].tensor, path);
        /* torchvision's batch norms count their training batches */
        const char *dot = strrchr(m->tensors[i].name, '.');
        if (!rc && dot && strcmp(dot, ".running_var") == 0) {
            char name[160];
            snprintf(name, sizeof name, "%.*snum_batches_tracked", (int)(dot - m->tensors[i].name + 1),
                     m->tensors[i].name);
            rc = hue_checkpoint_add_i64(ck, name, 0, NULL, &batches_tracked);
        }
    }
    for (int i = 0; opt && !rc && i < hue_optim_param_count(opt); i++)
        for (int k = 0; k < 2 && !rc; k++) {
            char name[160];
            hue_tensor s = hue_optim_state(opt, i, k);
            if (s >= 0 && optim_buffer_name(m, opt, i, k, name, sizeof name) == 0)
                rc = hue_model_add_tensor(ck, g, name, s, path);
        }
    char arch[256];
    hue_resnet_arch_json(&m->cfg, arch, sizeof arch);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "architecture", arch);
    for (int i = 0; i < n_meta && !rc; i++)
        rc = hue_checkpoint_set_meta(ck, meta[i].key, meta[i].value);
    if (!rc)
        rc = hue_checkpoint_save(ck, path, force);
    hue_checkpoint_destroy(ck);
    return rc;
}

int hue_model_load_tensor(const hue_checkpoint *ck, hue_graph *g, const char *name, hue_tensor t, const char *path)
{
    int nd = hue_tensor_ndim(g, t);
    int64_t shape[HUE_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        shape[d] = hue_tensor_dim(g, t, d);
    if (hue_checkpoint_find(ck, name) < 0)
        return hue_fail(HUE_EFORMAT, "%s: no tensor '%s' in the checkpoint", path, name);
    size_t n = (size_t)hue_tensor_numel(g, t);
    float *v = malloc(n * sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    int rc = hue_checkpoint_read(ck, name, nd, shape, v);
    int64_t bad = rc ? -1 : first_non_finite(v, n);
    if (bad >= 0)
        rc = hue_fail(HUE_EFORMAT, "%s: tensor '%s' holds %s at index %lld (a run that diverged?): not loaded", path,
                      name, kind(v[bad]), (long long)bad);
    if (!rc)
        rc = hue_graph_write(g, t, v, n);
    free(v);
    return rc;
}

int hue_model_load(hue_graph *g, const hue_resnet *m, hue_optim *opt, const char *path, hue_checkpoint **ck_out)
{
    if (ck_out)
        *ck_out = NULL;
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    hue_resnet_config file;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, &file);
    char want[256], have[256];
    hue_resnet_arch_json(&m->cfg, want, sizeof want);
    if (!rc) {
        hue_resnet_arch_json(&file, have, sizeof have);
        if (strcmp(want, have) != 0)
            rc = hue_fail(HUE_EINVAL, "%s holds another architecture: %s, not %s", path, have, want);
    }
    for (int i = 0; i < m->n_tensors && !rc; i++)
        rc = hue_model_load_tensor(ck, g, m->tensors[i].name, m->tensors[i].tensor, path);
    for (int i = 0; opt && !rc && i < hue_optim_param_count(opt); i++)
        for (int k = 0; k < 2 && !rc; k++) {
            char name[160];
            hue_tensor s = hue_optim_state(opt, i, k);
            if (s >= 0 && optim_buffer_name(m, opt, i, k, name, sizeof name) == 0)
                rc = hue_model_load_tensor(ck, g, name, s, path);
        }
    if (rc || !ck_out)
        hue_checkpoint_destroy(ck);
    else
        *ck_out = ck;
    return rc;
}

int hue_model_copy(hue_graph *from, const hue_resnet *mf, hue_graph *to, const hue_resnet *mt)
{
    if (mf->n_tensors != mt->n_tensors)
        return hue_fail(HUE_EINVAL, "models differ: %d and %d tensors", mf->n_tensors, mt->n_tensors);
    int rc = 0;
    for (int i = 0; i < mf->n_tensors && !rc; i++) {
        size_t n = (size_t)hue_tensor_numel(from, mf->tensors[i].tensor);
        if ((int64_t)n != hue_tensor_numel(to, mt->tensors[i].tensor))
            return hue_fail(HUE_EINVAL, "models differ at %s", mf->tensors[i].name);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        rc = hue_graph_read(from, mf->tensors[i].tensor, v, n);
        if (!rc)
            rc = hue_graph_write(to, mt->tensors[i].tensor, v, n);
        free(v);
    }
    return rc;
}

int hue_model_load_prefixed(hue_graph *g, const hue_resnet *m, const char *prefix, const hue_checkpoint *ck,
                            const char *path)
{
    int rc = 0;
    for (int i = 0; i < m->n_tensors && !rc; i++) {
        char name[160];
        int n = snprintf(name, sizeof name, "%s%s", prefix, m->tensors[i].name);
        if (n < 0 || (size_t)n >= sizeof name)
            return hue_fail(HUE_EINVAL, "%s: tensor name '%s%s' too long", path, prefix, m->tensors[i].name);
        rc = hue_model_load_tensor(ck, g, name, m->tensors[i].tensor, path);
    }
    return rc;
}
