/* The model, the data and the frozen features that 'hue eval knn' and
 * 'hue eval linear' share (see eval_probe.h). */
#include "eval_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flags.h"
#include "hue_clock.h"
#include "hue_error.h"
#include "progress.h"

void hue_probe_args_init(hue_probe_args *a, const char *cmd)
{
    *a = (hue_probe_args){.cmd = cmd, .batch = 256, .threads = 2, .backend = HUE_BACKEND_AUTO, .device = -1};
}

int hue_probe_parse_int(const char *cmd, const char *flag, const char *s, long long lo, long long hi,
                        long long *out)
{
    char name[32];
    int64_t v;
    snprintf(name, sizeof name, "eval %s", cmd);
    if (hue_flag_int64(name, flag, s, lo, hi, &v))
        return 2;
    *out = v;
    return 0;
}

int hue_probe_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi, int open_lo,
                           double *out)
{
    char name[32];
    snprintf(name, sizeof name, "eval %s", cmd);
    return hue_flag_number(name, flag, s, lo, hi, open_lo, out);
}

int hue_probe_take(hue_probe_args *a, int c, const char *value)
{
    long long v;
    switch (c) {
    case HUE_PROBE_OPT_MODEL: a->model = value; return 0;
    case HUE_PROBE_OPT_DATA: a->data = value; return 0;
    case HUE_PROBE_OPT_SIZE:
        if (hue_probe_parse_int(a->cmd, "size", value, 8, 1024, &v))
            return 2;
        a->size = (int)v;
        return 0;
    case HUE_PROBE_OPT_FEATURE_BATCH:
        if (hue_probe_parse_int(a->cmd, strcmp(a->cmd, "knn") ? "feature-batch" : "batch", value, 1, 4096, &v))
            return 2;
        a->batch = (int)v;
        return 0;
    case HUE_PROBE_OPT_THREADS:
        if (hue_probe_parse_int(a->cmd, "threads", value, 1, 64, &v))
            return 2;
        a->threads = (int)v;
        return 0;
    case HUE_PROBE_OPT_JSON: a->json = 1; return 0;
    case HUE_PROBE_OPT_QUIET: a->quiet = 1; return 0;
    case HUE_PROBE_OPT_BACKEND:
        if (hue_backend_parse(value, "--backend", &a->backend)) {
            fprintf(stderr, "hue eval %s: %s\n", a->cmd, hue_error_message());
            return 2;
        }
        return 0;
    case HUE_PROBE_OPT_DEVICE:
        if (hue_probe_parse_int(a->cmd, "device", value, 0, 1000, &v))
            return 2;
        a->device = (int)v;
        return 0;
    default: return -1;
    }
}

int hue_probe_check_required(const hue_probe_args *a)
{
    if (!a->model || !a->data) {
        fprintf(stderr, "hue eval %s: --model CKPT and --data DIR are required (see --help)\n", a->cmd);
        return 2;
    }
    return -1;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* hue_dataset_open's only warning is a class folder without images: a
 * probe refuses it, as training does (the class would lose its label). */
static void note_empty_class(void *user, const char *message)
{
    char *first = user;
    if (!first[0]) {
        snprintf(first, 1024, "%s", message);
        char *cut = strstr(first, "; class skipped");
        if (cut)
            *cut = 0;
    }
}

static int open_split(const char *root, const char *split, hue_dataset **out)
{
    char path[4096], empty[1024] = "";
    int n = snprintf(path, sizeof path, "%s/%s", root, split);
    if (n < 0 || (size_t)n >= sizeof path)
        return hue_fail(HUE_EINVAL, "%s/%s: path too long", root, split);
    if (!is_dir(path))
        return hue_fail(HUE_EIO, "%s: no such folder (--data DIR needs DIR/train/<class>/ and DIR/test/<class>/)",
                        path);
    int rc = hue_dataset_open(out, path, note_empty_class, empty);
    if (!rc && empty[0]) {
        hue_dataset_close(*out);
        *out = NULL;
        rc = hue_fail(HUE_EFORMAT, "%s (every class folder needs images)", empty);
    }
    if (!rc && hue_dataset_num_classes(*out) < 2) {
        rc = hue_fail(HUE_EINVAL, "%s has one class ('%s'): a probe needs at least 2", path,
                      hue_dataset_class_name(*out, 0));
        hue_dataset_close(*out);
        *out = NULL;
    }
    return rc;
}

int hue_probe_open(const hue_probe_args *a, hue_probe_run *r)
{
    memset(r, 0, sizeof *r);
    if (!is_dir(a->data))
        return hue_fail(HUE_EIO, "%s: no such folder (--data)", a->data);
    int rc = hue_checkpoint_open(a->model, &r->ck);
    if (!rc)
        rc = hue_representation_of(r->ck, a->model, &r->rep);
    if (!rc) {
        r->size = a->size ? a->size : hue_checkpoint_train_size(r->ck);
        if (r->size < 8 || r->size > 1024)
            r->size = 32;
    }
    if (!rc)
        rc = open_split(a->data, "train", &r->train);
    if (!rc)
        rc = open_split(a->data, "test", &r->test);
    if (!rc)
        rc = hue_dataset_check_classes(r->train, r->test);
    return rc;
}

typedef struct {
    hue_progress bar;
    const char *label;
} progress_state;

static void on_progress(void *user, int64_t done, int64_t total)
{
    progress_state *p = user;
    hue_progress_update(&p->bar, p->label, done, total, "");
}

int hue_probe_features(const hue_probe_args *a, hue_probe_run *r)
{
    double t0 = hue_now_s();
    hue_features *f = NULL;
    int rc = hue_ctx_create_backend(&r->ctx, a->device, a->backend);
    if (!rc)
        rc = hue_features_create(r->ctx, &r->rep, a->batch, r->size, &f);
    if (!rc)
        rc = hue_features_load(f, r->ck, a->model);
    /* the weights are in the graph: the file's copy goes */
    hue_checkpoint_destroy(r->ck);
    r->ck = NULL;
    progress_state p;
    for (int split = 0; split < 2 && !rc; split++) {
        p.label = split ? "test features" : "train features";
        hue_progress_start(&p.bar, a->quiet);
        rc = hue_features_compute(f, split ? r->test : r->train, a->threads, on_progress, &p,
                                  split ? &r->ftest : &r->ftrain);
        hue_progress_finish(&p.bar);
        hue_feature_set *s = split ? &r->ftest : &r->ftrain;
        if (!rc && s->skipped)
            fprintf(stderr, "hue eval %s: %lld images of %s could not be decoded and were skipped\n", a->cmd,
                    (long long)s->skipped, hue_dataset_root(split ? r->test : r->train));
    }
    if (!rc)
        r->dim = hue_features_dim(f);
    hue_features_destroy(f);
    r->features_s = hue_now_s() - t0;
    return rc;
}

void hue_probe_close(hue_probe_run *r)
{
    hue_checkpoint_destroy(r->ck);
    hue_dataset_close(r->train);
    hue_dataset_close(r->test);
    hue_feature_set_free(&r->ftrain);
    hue_feature_set_free(&r->ftest);
    hue_ctx_destroy(r->ctx);
    memset(r, 0, sizeof *r);
}

void hue_probe_print_inputs(const hue_representation *r)
{
    printf(", \"inputs\": [");
    for (int i = 0; i < r->n_trunks; i++)
        printf("%s\"%s\"", i ? ", " : "", hue_input_kind_name(r->trunks[i].input));
    printf("]");
}
