/* A run's checkpoint: every network under its prefix (the first trunk
 * under torchvision's own names), each batch norm's num_batches_tracked,
 * each optimizer's state as "optimizer.<parameter>.<buffer>", and metadata
 * written as JSON: format, method, architecture (the first trunk's),
 * representation (what probes measure), networks, hyperparameters, step,
 * epoch, seed, elapsed_s (the run's seconds up to this step), flags (the
 * command's, for --resume to restore), and the method's own entries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_clock.h"
#include "hue_error.h"
#include "hue_version.h"
#include "hue_json.h"
#include "hue_json_writer.h"
#include "hue_model_io.h"
#include "trainer_internal.h"

static void part_tensor_name(const trainer_part *p, const hue_named_tensor *nt, char *out, size_t n)
{
    snprintf(out, n, "%s%s", p->resnet ? p->prefix : "", nt->name);
}

static int part_count(const trainer_part *p) { return p->resnet ? p->resnet->n_tensors : p->head->n_tensors; }

static const hue_named_tensor *part_tensor(const trainer_part *p, int i)
{
    return p->resnet ? &p->resnet->tensors[i] : &p->head->tensors[i];
}

/* The checkpoint name of a graph tensor that belongs to the model, or -1. */
static int tensor_name(const hue_trainer *t, hue_tensor x, char *out, size_t n)
{
    for (int p = 0; p < t->n_parts; p++)
        for (int i = 0; i < part_count(&t->parts[p]); i++)
            if (part_tensor(&t->parts[p], i)->tensor == x) {
                part_tensor_name(&t->parts[p], part_tensor(&t->parts[p], i), out, n);
                return 0;
            }
    for (int i = 0; i < t->n_states; i++)
        if (t->state[i] == x) {
            snprintf(out, n, "%s", t->state_name[i]);
            return 0;
        }
    return -1;
}

/* "optimizer.<param>.<buffer>" for state k of parameter i, or -1 when it has none. */
static int optim_state_name(const hue_trainer *t, const hue_optim *opt, int i, int k, char *out, size_t n)
{
    static const char *const names[2][2] = {{"momentum_buffer", NULL}, {"exp_avg", "exp_avg_sq"}};
    int adam = hue_optim_state(opt, i, 1) >= 0;
    char param[160];
    if (hue_optim_state(opt, i, k) < 0 || !names[adam][k] || tensor_name(t, hue_optim_param(opt, i), param, sizeof param))
        return -1;
    snprintf(out, n, "optimizer.%s.%s", param, names[adam][k]);
    return 0;
}

int trainer_networks_json(const hue_trainer *t, hue_json_writer *w)
{
    hue_jw_array(w);
    for (int p = 0; p < t->n_parts; p++) {
        char cfg[512];
        hue_jw_object(w);
        hue_jw_key(w, "prefix");
        hue_jw_string(w, t->parts[p].prefix);
        if (t->parts[p].resnet) {
            hue_resnet_arch_json(&t->parts[p].resnet->cfg, cfg, sizeof cfg);
            hue_jw_key(w, "resnet");
        } else {
            hue_head_config_json(&t->parts[p].head->cfg, cfg, sizeof cfg);
            hue_jw_key(w, "head");
        }
        hue_jw_raw(w, cfg);
        hue_jw_end(w);
    }
    hue_jw_end(w);
    return 0;
}

static int representation_json(const hue_trainer *t, char *out, size_t n)
{
    hue_representation rep = {0};
    for (int p = 0; p < t->n_parts; p++)
        if (t->parts[p].in_representation && rep.n_trunks < HUE_REPRESENTATION_MAX_TRUNKS)
            rep.trunks[rep.n_trunks++] = t->parts[p].ref;
    if (!rep.n_trunks)
        return 0;
    hue_representation_json(&rep, out, n);
    return 1;
}

/* The run's metadata entries, each a JSON text (strings quoted). */
static int add_run_meta(hue_trainer *t, hue_checkpoint *ck, int64_t step, int64_t epoch)
{
    const hue_trainer_options *o = t->o;
    char num[32], text[8192];
    int rc = hue_checkpoint_set_meta(ck, "format", "hue-checkpoint-1");
    if (!rc) {  /* what wrote the file: "hue 0.1.0 (a1b2c3d4e5f6)" */
        snprintf(text, sizeof text, "hue %s (%s)", hue_version(), hue_commit());
        rc = hue_checkpoint_set_meta(ck, "hue_version", text);
    }
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "method", t->method->name);
    for (int p = 0; p < t->n_parts && !rc; p++)
        if (t->parts[p].resnet) {
            hue_resnet_arch_json(&t->parts[p].resnet->cfg, text, sizeof text);
            rc = hue_checkpoint_set_meta(ck, "architecture", text);
            break;
        }
    if (!rc && representation_json(t, text, sizeof text))
        rc = hue_checkpoint_set_meta(ck, "representation", text);
    hue_json_writer w;
    hue_json_writer_init(&w);
    trainer_networks_json(t, &w);
    if (!rc)
        rc = hue_json_writer_text(&w) ? hue_checkpoint_set_meta(ck, "networks", hue_json_writer_text(&w))
                                      : hue_fail(HUE_ENOMEM, "out of host memory");
    hue_json_writer_free(&w);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "hyperparameters", o->hyperparameters ? o->hyperparameters : "{}");
    snprintf(num, sizeof num, "%lld", (long long)step);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "step", num);
    snprintf(num, sizeof num, "%lld", (long long)epoch);
    if (!rc && o->steps_per_epoch > 0)
        rc = hue_checkpoint_set_meta(ck, "epoch", num);
    snprintf(num, sizeof num, "%llu", (unsigned long long)o->seed);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "seed", num);
    snprintf(num, sizeof num, "%.3f", t->elapsed0 + hue_now_s() - t->t0);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "elapsed_s", num);
    if (!rc && o->flags)
        rc = hue_checkpoint_set_meta(ck, "flags", o->flags);
    return rc;
}

int trainer_save(hue_trainer *t, int64_t step, int64_t epoch)
{
    const char *path = t->o->out;
    hue_checkpoint *ck;
    int rc = hue_checkpoint_create(&ck);
    if (rc)
        return rc;
    char name[256];
    for (int p = 0; p < t->n_parts && !rc; p++)
        for (int i = 0; i < part_count(&t->parts[p]) && !rc; i++) {
            const hue_named_tensor *nt = part_tensor(&t->parts[p], i);
            part_tensor_name(&t->parts[p], nt, name, sizeof name);
            rc = hue_model_add_tensor(ck, t->g, name, nt->tensor, path);
            /* PyTorch's batch norms count their training batches */
            size_t len = strlen(name), tail = strlen("running_var");
            if (!rc && len > tail && strcmp(name + len - tail, "running_var") == 0) {
                snprintf(name + len - tail, sizeof name - (len - tail), "num_batches_tracked");
                rc = hue_checkpoint_add_i64(ck, name, 0, NULL, &step);
            }
        }
    for (int k = 0; k < t->n_opt && !rc; k++)
        for (int i = 0; i < hue_optim_param_count(t->opt[k]) && !rc; i++)
            for (int s = 0; s < 2 && !rc; s++)
                if (optim_state_name(t, t->opt[k], i, s, name, sizeof name) == 0)
                    rc = hue_model_add_tensor(ck, t->g, name, hue_optim_state(t->opt[k], i, s), path);
    for (int i = 0; i < t->n_states && !rc; i++)
        rc = hue_model_add_tensor(ck, t->g, t->state_name[i], t->state[i], path);
    if (!rc)
        rc = add_run_meta(t, ck, step, epoch);
    if (!rc && t->method->save_meta) {
        t->saving = ck;
        rc = t->method->save_meta(t->method->self, t);
        t->saving = NULL;
    }
    if (!rc)
        rc = hue_checkpoint_save(ck, path, 1);
    if (!rc && t->o->keep_checkpoints) {
        /* a second name for the file just written: --out is replaced by a rename, never in place */
        char kept[4096];
        hue_trainer_kept_path(path, step, kept, sizeof kept);
        if (unlink(kept) != 0 && errno != ENOENT)
            rc = hue_fail(HUE_EIO, "%s: %s", kept, strerror(errno));
        else if (link(path, kept) != 0)
            rc = hue_checkpoint_save(ck, kept, 1);  /* no hard links there: a copy */
    }
    hue_checkpoint_destroy(ck);
    return rc;
}

void hue_trainer_kept_path(const char *out, int64_t step, char *path, size_t size)
{
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : out))
        dot = out + strlen(out);  /* no extension */
    snprintf(path, size, "%.*s.step%06lld%s", (int)(dot - out), out, (long long)step, dot);
}

/* ---- resuming ---- */

/* The metadata entry `key` parsed as JSON, or NULL. */
static hue_json *meta_json(const hue_checkpoint *ck, const char *key)
{
    const char *text = hue_checkpoint_meta(ck, key);
    hue_json *v = NULL;
    if (text && hue_json_parse(text, strlen(text), &v))
        v = NULL;
    return v;
}

/* The same model: the checkpoint's first trunk (file) has this run's
 * architecture, and its networks (absent in files from before the trainer)
 * are this run's. */
static int check_networks(const hue_trainer *t, const hue_checkpoint *ck, const char *path,
                          const hue_resnet_config *file)
{
    int rc = 0;
    for (int p = 0; p < t->n_parts; p++)
        if (t->parts[p].resnet) {
            char a[512], b[512];
            hue_resnet_arch_json(file, a, sizeof a);
            hue_resnet_arch_json(&t->parts[p].resnet->cfg, b, sizeof b);
            if (strcmp(a, b) != 0)
                return hue_fail(HUE_EINVAL, "%s holds another architecture: %s, not %s", path, a, b);
            break;
        }
    hue_json_writer w;
    hue_json_writer_init(&w);
    trainer_networks_json(t, &w);
    const char *want_text = hue_json_writer_text(&w);
    hue_json *want = NULL, *have = meta_json(ck, "networks");
    if (!want_text || hue_json_parse(want_text, strlen(want_text), &want))
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    else if (have && !hue_json_equal(have, want))
        rc = hue_fail(HUE_EINVAL, "%s holds other networks: %s, not %s", path, hue_checkpoint_meta(ck, "networks"),
                      want_text);
    hue_json_destroy(want);
    hue_json_destroy(have);
    hue_json_writer_free(&w);
    return rc;
}

/* A resumed run continues the run the checkpoint holds: another method,
 * other hyper-parameters or another seed would silently change its data
 * order and schedule, so each is an error naming both. */
static int check_method(const hue_trainer *t, const hue_checkpoint *ck, const char *path)
{
    const char *method = hue_checkpoint_meta(ck, "method");
    if (!method || strcmp(method, t->method->name) != 0)
        return hue_fail(HUE_EINVAL, "%s is a checkpoint of method %s, not %s: resume a run of the same method", path,
                        method ? method : "unknown", t->method->name);
    return 0;
}

/* The run's length (epochs or steps) may grow on resume: a longer run. */
static int is_length(const char *key) { return !strcmp(key, "epochs") || !strcmp(key, "steps"); }

static size_t count_but_length(const hue_json *v)
{
    size_t n = 0;
    for (size_t i = 0; i < hue_json_count(v); i++)
        n += !is_length(hue_json_key(v, i, NULL));
    return n;
}

/* Equal objects, but for their length members. */
static int same_hyperparameters(const hue_json *have, const hue_json *want)
{
    if (hue_json_type_of(have) != HUE_JSON_OBJECT || hue_json_type_of(want) != HUE_JSON_OBJECT)
        return 0;
    if (count_but_length(have) != count_but_length(want))
        return 0;
    for (size_t i = 0; i < hue_json_count(want); i++) {
        const char *key = hue_json_key(want, i, NULL);
        const hue_json *h = hue_json_get(have, key);
        if (!is_length(key) && (!h || !hue_json_equal(h, hue_json_at(want, i))))
            return 0;
    }
    return 1;
}

static int check_same_run(const hue_trainer *t, const hue_checkpoint *ck, const char *path)
{
    const hue_trainer_options *o = t->o;
    const char *want_text = o->hyperparameters ? o->hyperparameters : "{}";
    const char *have_text = hue_checkpoint_meta(ck, "hyperparameters");
    hue_json *want = NULL, *have = meta_json(ck, "hyperparameters");
    int same = have && hue_json_parse(want_text, strlen(want_text), &want) == 0 && same_hyperparameters(have, want);
    hue_json_destroy(want);
    hue_json_destroy(have);
    if (!same)
        return hue_fail(HUE_EINVAL, "%s was trained with %s; these flags give %s: resume with the run's flags", path,
                        have_text ? have_text : "unknown hyper-parameters", want_text);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    const char *have_seed = hue_checkpoint_meta(ck, "seed");
    if (!have_seed || strcmp(have_seed, seed) != 0)
        return hue_fail(HUE_EINVAL, "%s was trained with --seed %s, not %s: resume with the run's flags", path,
                        have_seed ? have_seed : "unknown", seed);
    return 0;
}

int trainer_resume(hue_trainer *t)
{
    const char *path = t->o->resume;
    hue_checkpoint *ck;
    int rc = hue_checkpoint_open(path, &ck);
    if (rc)
        return rc;
    /* a file that is not whole names its problem first; then the run's identity */
    hue_resnet_config file;
    rc = hue_resnet_arch_parse(hue_checkpoint_meta(ck, "architecture"), path, &file);
    if (!rc)
        rc = check_method(t, ck, path);
    if (!rc)
        rc = check_networks(t, ck, path, &file);
    if (!rc)
        rc = check_same_run(t, ck, path);
    char name[256];
    for (int p = 0; p < t->n_parts && !rc; p++)
        for (int i = 0; i < part_count(&t->parts[p]) && !rc; i++) {
            const hue_named_tensor *nt = part_tensor(&t->parts[p], i);
            part_tensor_name(&t->parts[p], nt, name, sizeof name);
            rc = hue_model_load_tensor(ck, t->g, name, nt->tensor, path);
        }
    for (int k = 0; k < t->n_opt && !rc; k++)
        for (int i = 0; i < hue_optim_param_count(t->opt[k]) && !rc; i++)
            for (int s = 0; s < 2 && !rc; s++)
                if (optim_state_name(t, t->opt[k], i, s, name, sizeof name) == 0)
                    rc = hue_model_load_tensor(ck, t->g, name, hue_optim_state(t->opt[k], i, s), path);
    for (int i = 0; i < t->n_states && !rc; i++)
        rc = hue_model_load_tensor(ck, t->g, t->state_name[i], t->state[i], path);
    if (!rc) {
        const char *step = hue_checkpoint_meta(ck, "step");
        char *end = NULL;
        long long s = step ? strtoll(step, &end, 10) : -1;
        if (!step || !*step || *end || s < 0)
            rc = hue_fail(HUE_EFORMAT, "%s: no valid 'step' in its metadata", path);
        else if (s > t->o->steps)
            rc = hue_fail(HUE_EINVAL, "%s has trained %lld steps already, more than the %lld of this run: a resumed "
                          "run may grow (--epochs, --steps), not shrink", path, s, (long long)t->o->steps);
        else
            t->first_step = s;
    }
    if (!rc) {  /* absent in checkpoints from before it was kept: the clock starts again */
        const char *elapsed = hue_checkpoint_meta(ck, "elapsed_s");
        char *end = NULL;
        double e = elapsed ? strtod(elapsed, &end) : 0;
        if (elapsed && (!*elapsed || *end || !(e >= 0 && e < 1e12)))
            rc = hue_fail(HUE_EFORMAT, "%s: 'elapsed_s' in its metadata is not a number of seconds", path);
        t->elapsed0 = elapsed ? e : 0;
    }
    if (!rc && t->method->load_meta)
        rc = t->method->load_meta(t->method->self, ck, path);
    hue_checkpoint_destroy(ck);
    return rc;
}
