/* A head's configuration: the kinds' names, the checks every field gets
 * before a head is built, and the JSON a checkpoint keeps it in. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hue_error.h"
#include "hue_heads.h"
#include "hue_json.h"
#include "hue_json_writer.h"

static const char *const kind_names[] = {"linear", "mlp", "decoder", "discriminator", "mlp_plain"};
#define N_KINDS ((int)(sizeof kind_names / sizeof kind_names[0]))

const char *hue_head_kind_name(hue_head_kind kind)
{
    return (int)kind >= 0 && (int)kind < N_KINDS ? kind_names[kind] : NULL;
}

int hue_head_kind_parse(const char *name)
{
    for (int k = 0; name && k < N_KINDS; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

/* A field out of [lo, hi], named as the JSON names it. */
static int out_of(const char *kind, const char *field, int v, int lo, int hi, const char *why)
{
    return hue_fail(HUE_EINVAL, "%s head: '%s' is %d (must be %d to %d%s%s)", kind, field, v, lo, hi, *why ? ": " : "",
                    why);
}

int hue_head_config_check(const hue_head_config *c)
{
    const char *kind = hue_head_kind_name(c->kind);
    if (!kind)
        return hue_fail(HUE_EINVAL, "head: 'kind' %d is not one hue builds (linear, mlp, mlp_plain, decoder, discriminator)",
                        (int)c->kind);
    if (c->in < 1 || c->in > HUE_HEAD_MAX_CHANNELS)
        return out_of(kind, "in", c->in, 1, HUE_HEAD_MAX_CHANNELS, "");
    switch (c->kind) {
    case HUE_HEAD_LINEAR:
        /* one layer and nothing hidden: a value here is a mistaken kind, not a default */
        if (c->hidden != 0)
            return out_of(kind, "hidden", c->hidden, 0, 0, "a linear head has no hidden layer");
        if (c->layers < 0 || c->layers > 1)
            return out_of(kind, "layers", c->layers, 0, 1, "a linear head is one layer");
        break;
    case HUE_HEAD_MLP:
    case HUE_HEAD_MLP_PLAIN:
        if (c->layers < 1 || c->layers > HUE_HEAD_MAX_MLP_LAYERS)
            return out_of(kind, "layers", c->layers, 1, HUE_HEAD_MAX_MLP_LAYERS, "linear layers");
        if (c->layers > 1 && (c->hidden < 1 || c->hidden > HUE_HEAD_MAX_CHANNELS))
            return out_of(kind, "hidden", c->hidden, 1, HUE_HEAD_MAX_CHANNELS, "the width between layers");
        if (c->layers == 1 && (c->hidden < 0 || c->hidden > HUE_HEAD_MAX_CHANNELS))
            return out_of(kind, "hidden", c->hidden, 0, HUE_HEAD_MAX_CHANNELS, "unused with one layer");
        break;
    case HUE_HEAD_DECODER:
    case HUE_HEAD_DISCRIMINATOR:
        if (c->layers < 1 || c->layers > HUE_HEAD_MAX_CONV_LAYERS)
            return out_of(kind, "layers", c->layers, 1, HUE_HEAD_MAX_CONV_LAYERS,
                          c->kind == HUE_HEAD_DECODER ? "upsamplings" : "downsamplings");
        if (c->hidden < 1 || c->hidden > HUE_HEAD_MAX_CHANNELS)
            return out_of(kind, "hidden", c->hidden, 1, HUE_HEAD_MAX_CHANNELS, "the first layer's channels");
        if (c->kind == HUE_HEAD_DECODER && c->hidden % (1 << (c->layers - 1)) != 0)
            return hue_fail(HUE_EINVAL, "decoder head: 'hidden' %d does not halve %d times (with 'layers' %d)",
                            c->hidden, c->layers - 1, c->layers);
        if (c->kind == HUE_HEAD_DISCRIMINATOR && ((int64_t)c->hidden << (c->layers - 1)) > HUE_HEAD_MAX_CHANNELS)
            return hue_fail(HUE_EINVAL,
                            "discriminator head: 'hidden' %d doubled %d times (with 'layers' %d) exceeds %d channels",
                            c->hidden, c->layers - 1, c->layers, HUE_HEAD_MAX_CHANNELS);
        break;
    }
    if (c->kind == HUE_HEAD_DISCRIMINATOR) {
        if (c->out != 1)
            return out_of(kind, "out", c->out, 1, 1, "a discriminator gives one logit");
    } else if (c->out < 1 || c->out > HUE_HEAD_MAX_CHANNELS) {
        return out_of(kind, "out", c->out, 1, HUE_HEAD_MAX_CHANNELS, "");
    }
    return 0;
}

static const char *const int_fields[] = {"in", "hidden", "out", "layers"};

void hue_head_config_json(const hue_head_config *c, char *out, size_t n)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "kind");
    const char *kind = hue_head_kind_name(c->kind);
    if (kind)
        hue_jw_string(&w, kind);
    else
        hue_jw_null(&w);  /* parses back as an error naming 'kind' */
    const int v[4] = {c->in, c->hidden, c->out, c->layers};
    for (int f = 0; f < 4; f++) {
        hue_jw_key(&w, int_fields[f]);
        hue_jw_int(&w, v[f]);
    }
    hue_jw_end(&w);
    const char *text = hue_json_writer_text(&w);
    snprintf(out, n, "%s", text ? text : "");
    hue_json_writer_free(&w);
}

/* The integer member `key`, or an error naming path and key. */
static int json_int(const hue_json *root, const char *key, const char *path, int *out)
{
    const hue_json *v = hue_json_get(root, key);
    int64_t x;
    if (!v)
        return hue_fail(HUE_EFORMAT, "%s: the head config has no '%s'", path, key);
    if (hue_json_type_of(v) != HUE_JSON_NUMBER)
        return hue_fail(HUE_EFORMAT, "%s: the head config's '%s' is a %s (expected a number)", path, key,
                        hue_json_type_name(hue_json_type_of(v)));
    if (hue_json_int64(v, &x) || x < INT32_MIN || x > INT32_MAX)
        return hue_fail(HUE_EFORMAT, "%s: the head config's '%s' is not a 32-bit integer", path, key);
    *out = (int)x;
    return 0;
}

static int parse_root(const hue_json *root, const char *path, hue_head_config *cfg)
{
    if (hue_json_type_of(root) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: the head config is a %s, not a JSON object", path,
                        hue_json_type_name(hue_json_type_of(root)));
    /* an unknown field would be silently dropped: a head other than the one written */
    for (size_t i = 0; i < hue_json_count(root); i++) {
        const char *key = hue_json_key(root, i, NULL);
        int known = strcmp(key, "kind") == 0;
        for (int k = 0; k < 4; k++)
            known |= strcmp(key, int_fields[k]) == 0;
        if (!known)
            return hue_fail(HUE_EFORMAT, "%s: the head config has an unknown field '%s'", path, key);
    }
    const hue_json *kind = hue_json_get(root, "kind");
    if (!kind)
        return hue_fail(HUE_EFORMAT, "%s: the head config has no 'kind'", path);
    const char *name = hue_json_string(kind, NULL);
    if (!name)
        return hue_fail(HUE_EFORMAT, "%s: the head config's 'kind' is a %s (expected a string)", path,
                        hue_json_type_name(hue_json_type_of(kind)));
    int k = hue_head_kind_parse(name);
    if (k < 0)
        return hue_fail(HUE_EFORMAT, "%s: the head config's 'kind' \"%s\" is not one hue builds "
                        "(linear, mlp, mlp_plain, decoder, discriminator)", path, name);
    hue_head_config c = {.kind = (hue_head_kind)k};
    int *dst[4] = {&c.in, &c.hidden, &c.out, &c.layers};
    for (int f = 0; f < 4; f++) {
        int rc = json_int(root, int_fields[f], path, dst[f]);
        if (rc)
            return rc;
    }
    if (hue_head_config_check(&c))
        return hue_fail(HUE_EFORMAT, "%s: %s", path, hue_error_message());
    *cfg = c;
    return 0;
}

int hue_head_config_parse(const char *json, const char *path, hue_head_config *cfg)
{
    hue_json *root = NULL;
    if (!json)
        return hue_fail(HUE_EFORMAT, "%s: no head config", path);
    int rc = hue_json_parse(json, strlen(json), &root);
    if (rc)
        return rc == HUE_ENOMEM ? rc
                                : hue_fail(HUE_EFORMAT, "%s: the head config is not JSON: %s", path, hue_error_message());
    rc = parse_root(root, path, cfg);
    hue_json_destroy(root);
    return rc;
}
