/* A checkpoint's representation: which trunks a probe measures, and their
 * inputs (see hue_representation.h). */
#include "hue_representation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_json.h"
#include "hue_model_io.h"

/* As ssl/train_supervised.c normalises CIFAR-10 (values in [0, 1]). */
const float hue_cifar_mean[3] = {0.4914f, 0.4822f, 0.4465f};
const float hue_cifar_std[3] = {0.2470f, 0.2435f, 0.2616f};

static const char *const kind_names[4] = {"rgb", "l", "ab", "lab"};

int hue_input_channels(hue_input_kind kind)
{
    return kind == HUE_INPUT_L ? 1 : kind == HUE_INPUT_AB ? 2 : 3;
}

const char *hue_input_kind_name(hue_input_kind kind)
{
    return (unsigned)kind < 4 ? kind_names[kind] : NULL;
}

int hue_input_kind_parse(const char *name)
{
    for (int k = 0; name && k < 4; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

hue_resnet_config hue_trunk_config(const hue_trunk_ref *t)
{
    hue_resnet_config c = t->arch;
    c.num_classes = 0;
    c.embed = 0;
    c.in_channels = hue_input_channels(t->input);
    return c;
}

void hue_representation_json(const hue_representation *r, char *out, size_t n)
{
    size_t at = 0;
    /* appends while it fits; a short buffer gets a cut (invalid) text */
#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        int k_ = snprintf(out + at, at < n ? n - at : 0, __VA_ARGS__);                                                 \
        if (k_ > 0)                                                                                                    \
            at += (size_t)k_;                                                                                          \
    } while (0)
    if (n)
        out[0] = 0;
    PUT("[");
    for (int i = 0; i < r->n_trunks; i++) {
        const hue_trunk_ref *t = &r->trunks[i];
        char *prefix = hue_json_quote(t->prefix, strlen(t->prefix)), arch[256];
        hue_resnet_arch_json(&t->arch, arch, sizeof arch);
        PUT("%s{\"prefix\": %s, \"input\": \"%s\"", i ? ", " : "", prefix ? prefix : "\"\"",
            hue_input_kind_name(t->input));
        free(prefix);
        if (t->input == HUE_INPUT_RGB)
            PUT(", \"mean\": [%.9g, %.9g, %.9g], \"std\": [%.9g, %.9g, %.9g]", t->mean[0], t->mean[1], t->mean[2],
                t->std[0], t->std[1], t->std[2]);
        PUT(", \"architecture\": %s}", arch);
    }
    PUT("]");
#undef PUT
}

/* Three finite numbers (std: each > 0) in member `key` of entry e. */
static int read_triple(const hue_json *e, const char *key, int positive, const char *path, int i, float out[3])
{
    const hue_json *v = hue_json_get(e, key);
    if (!v)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] has no '%s' (input rgb needs it)",
                        path, i, key);
    int ok = hue_json_type_of(v) == HUE_JSON_ARRAY && hue_json_count(v) == 3;
    for (int c = 0; ok && c < 3; c++) {
        const hue_json *x = hue_json_at(v, (size_t)c);
        double d = hue_json_number(x);
        ok = hue_json_type_of(x) == HUE_JSON_NUMBER && isfinite((float)d) && (!positive || (float)d > 0);
        out[c] = (float)d;
    }
    if (!ok)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] field '%s' is not an array of 3 %s",
                        path, i, key, positive ? "positive numbers" : "finite numbers");
    return 0;
}

static int parse_trunk(const hue_json *e, const char *path, int i, hue_trunk_ref *t)
{
    memset(t, 0, sizeof *t);
    if (hue_json_type_of(e) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] is not a JSON object", path, i);
    size_t len = 0;
    const char *prefix = hue_json_string(hue_json_get(e, "prefix"), &len);
    if (!prefix || len != strlen(prefix) || len >= sizeof t->prefix)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] field 'prefix' is not a string of "
                        "at most %zu bytes", path, i, sizeof t->prefix - 1);
    memcpy(t->prefix, prefix, len + 1);
    int kind = hue_input_kind_parse(hue_json_string(hue_json_get(e, "input"), NULL));
    if (kind < 0)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] field 'input' is not \"rgb\", \"l\", "
                        "\"ab\" or \"lab\"", path, i);
    t->input = (hue_input_kind)kind;
    const hue_json *arch = hue_json_get(e, "architecture");
    if (!arch)
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%d] has no 'architecture'", path, i);
    char what[64];
    snprintf(what, sizeof what, "'representation'[%d] 'architecture'", i);
    int rc = hue_resnet_arch_from_json(arch, path, what, &t->arch);
    if (rc)
        return rc;
    if (t->arch.in_channels != hue_input_channels(t->input))
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's %s field 'in_channels' is %d, but input \"%s\" has %d",
                        path, what, t->arch.in_channels, kind_names[kind], hue_input_channels(t->input));
    if (t->input == HUE_INPUT_RGB &&
        ((rc = read_triple(e, "mean", 0, path, i, t->mean)) || (rc = read_triple(e, "std", 1, path, i, t->std))))
        return rc;
    return 0;
}

/* The one trunk of a checkpoint that names no representation. */
static int from_architecture(const char *architecture_json, const char *path, hue_representation *out)
{
    hue_trunk_ref *t = &out->trunks[0];
    int rc = hue_resnet_arch_parse(architecture_json, path, &t->arch);
    if (rc)
        return rc;
    switch (t->arch.in_channels) {
    case 3:
        t->input = HUE_INPUT_RGB;
        memcpy(t->mean, hue_cifar_mean, sizeof t->mean);
        memcpy(t->std, hue_cifar_std, sizeof t->std);
        break;
    case 1: t->input = HUE_INPUT_L; break;
    case 2: t->input = HUE_INPUT_AB; break;
    default:
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'architecture' field 'in_channels' is %d: no input hue "
                        "knows (3 rgb, 1 l, 2 ab)", path, t->arch.in_channels);
    }
    out->n_trunks = 1;
    return 0;
}

int hue_representation_parse(const char *representation_json, const char *architecture_json, const char *path,
                             hue_representation *out)
{
    memset(out, 0, sizeof *out);
    if (!representation_json) {
        if (!architecture_json)
            return hue_fail(HUE_EFORMAT, "%s: no trunk to measure: its metadata has neither 'representation' nor "
                            "'architecture' (not a model hue wrote)", path);
        return from_architecture(architecture_json, path, out);
    }
    hue_json *root = NULL;
    if (hue_json_parse(representation_json, strlen(representation_json), &root))
        return hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation' is not valid JSON (%s)", path,
                        hue_error_message());
    int rc = 0;
    size_t n = hue_json_count(root);
    if (hue_json_type_of(root) != HUE_JSON_ARRAY || n == 0 || n > HUE_REPRESENTATION_MAX_TRUNKS)
        rc = hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation' is not an array of 1 to %d trunks", path,
                      HUE_REPRESENTATION_MAX_TRUNKS);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = parse_trunk(hue_json_at(root, i), path, (int)i, &out->trunks[i]);
        /* two trunks of one prefix would be the same tensors */
        for (size_t j = 0; j < i && !rc; j++)
            if (strcmp(out->trunks[i].prefix, out->trunks[j].prefix) == 0)
                rc = hue_fail(HUE_EFORMAT, "%s: the checkpoint's 'representation'[%zu] has the prefix of [%zu] "
                              "('%s')", path, i, j, out->trunks[i].prefix);
    }
    hue_json_destroy(root);
    if (rc)
        memset(out, 0, sizeof *out);
    else
        out->n_trunks = (int)n;
    return rc;
}

int hue_representation_of(const hue_checkpoint *ck, const char *path, hue_representation *out)
{
    return hue_representation_parse(hue_checkpoint_meta(ck, "representation"), hue_checkpoint_meta(ck, "architecture"),
                                     path, out);
}

int hue_representation_read(const char *path, hue_representation *out)
{
    hue_checkpoint *ck;
    memset(out, 0, sizeof *out);
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    rc = hue_representation_of(ck, path, out);
    hue_checkpoint_destroy(ck);
    return rc;
}

int hue_checkpoint_train_size(const hue_checkpoint *ck)
{
    const char *hp = hue_checkpoint_meta(ck, "hyperparameters");
    hue_json *root = NULL;
    int64_t size = 0;
    if (!hp || hue_json_parse(hp, strlen(hp), &root))
        return 0;
    if (hue_json_int64(hue_json_get(root, "size"), &size) || size < 1 || size > 4096)
        size = 0;
    hue_json_destroy(root);
    return (int)size;
}
