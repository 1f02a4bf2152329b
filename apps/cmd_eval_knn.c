/* hue eval knn: the weighted kNN classifier (InstDisc, MoCo's monitor) on a
 * checkpoint's frozen features of a dataset's train and test splits. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "eval_probe.h"
#include "hue_checkpoint.h"
#include "hue_clock.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_knn.h"
#include "hue_output.h"
#include "json_out.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue eval knn --model CKPT --data DIR [options]\n"
            "\n"
            "Top-1 and top-5 accuracy of a weighted kNN classifier on the frozen features of the model in\n"
            "CKPT (as InstDisc and MoCo's CIFAR monitor): every image of DIR/train/<class>/ and\n"
            "DIR/test/<class>/ (the same classes, at least 2) is resized to S x S, run through the\n"
            "checkpoint's trunk(s) in eval mode, globally average-pooled (concatenated over trunks) and\n"
            "L2-normalised; each test image's k most similar training images (cosine similarity) vote for\n"
            "their class with weight exp(similarity / T).\n"
            "\n"
            "  --model CKPT         a hue checkpoint (its trunk: 'hue pretrain', 'hue train-video', ...;\n"
            "                       heads, an fc layer and optimizer state are ignored)\n"
            "  --data DIR           DIR/train/<class>/*.jpg|png and DIR/test/<class>/*.jpg|png\n"
            "  --k K                neighbours (default 200; at most the training images)\n"
            "  --temperature T      weight exp(similarity / T), T > 0 (default 0.1)\n"
            "  --size S             image side (default: the checkpoint's training size, else 32)\n"
            "  --batch B            images per feature batch (default 256)\n"
            "  --threads N          decoding and kNN threads (default 2)\n"
            "  --save-features FILE also write the features (safetensors: train.features and\n"
            "                       test.features, pooled and not normalised, train.labels,\n"
            "                       test.labels, test.knn_prediction); refused if FILE exists\n"
            "  --force              replace an existing --save-features FILE\n"
            "  --json               print one JSON object (top1, top5, k, temperature, train_images,\n"
            "                       test_images, classes, feature_dim, size, seconds, ...)\n"
            "  -q, --quiet          no progress bar\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 ok, 1 runtime error (model, data, k larger than the training set),\n"
            "2 usage error (flags and their values).\n");
}

typedef struct {
    hue_probe_args p;
    hue_knn_options knn;
    const char *save;
    int force;
} knn_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse(int argc, char **argv, knn_args *a)
{
    enum { OPT_K = 1, OPT_T, OPT_SAVE, OPT_FORCE, OPT_HELP };
    static const struct option opts[] = {
        {"model", required_argument, NULL, HUE_PROBE_OPT_MODEL},
        {"data", required_argument, NULL, HUE_PROBE_OPT_DATA},
        {"size", required_argument, NULL, HUE_PROBE_OPT_SIZE},
        {"batch", required_argument, NULL, HUE_PROBE_OPT_FEATURE_BATCH},
        {"threads", required_argument, NULL, HUE_PROBE_OPT_THREADS},
        {"json", no_argument, NULL, HUE_PROBE_OPT_JSON},
        {"quiet", no_argument, NULL, HUE_PROBE_OPT_QUIET},
        {"backend", required_argument, NULL, HUE_PROBE_OPT_BACKEND},
        {"device", required_argument, NULL, HUE_PROBE_OPT_DEVICE},
        {"k", required_argument, NULL, OPT_K},
        {"temperature", required_argument, NULL, OPT_T},
        {"save-features", required_argument, NULL, OPT_SAVE},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    hue_probe_args_init(&a->p, "knn");
    a->knn = hue_knn_defaults();
    int c;
    long long v;
    double d;
    hue_flags_begin();
    while ((c = hue_flags_next("eval knn", argc, argv, "qh", opts, NULL)) != -1) {
        int taken = hue_probe_take(&a->p, c == 'q' ? HUE_PROBE_OPT_QUIET : c, optarg);
        if (taken == 2)
            return 2;
        if (taken == 0)
            continue;
        switch (c) {
        case OPT_K:
            if (hue_probe_parse_int("knn", "k", optarg, 1, 1 << 30, &v))
                return 2;
            a->knn.k = (int)v;
            break;
        case OPT_T:
            if (hue_probe_parse_double("knn", "temperature", optarg, 0, 1e6, 1, &d))
                return 2;
            a->knn.temperature = (float)d;
            if (!(a->knn.temperature > 0)) {
                fprintf(stderr, "hue eval knn: --temperature %s: too small for a float\n", optarg);
                return 2;
            }
            break;
        case OPT_SAVE: a->save = optarg; break;
        case OPT_FORCE: a->force = 1; break;
        case 'h':
        case OPT_HELP: usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue eval knn: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    a->knn.threads = a->p.threads;
    return hue_probe_check_required(&a->p);
}

int hue_eval_knn_parse(int argc, char **argv)
{
    knn_args a;
    return parse(argc, argv, &a);
}

static int64_t *labels_i64(const int32_t *labels, int64_t n)
{
    int64_t *v = malloc(sizeof *v * (size_t)(n ? n : 1));
    for (int64_t i = 0; v && i < n; i++)
        v[i] = labels[i];
    return v;
}

/* The features, labels and predictions as safetensors (PyTorch and NumPy read them). */
static int save_features(const knn_args *a, const hue_probe_run *r, const int32_t *pred)
{
    hue_checkpoint *ck;
    int rc = hue_checkpoint_create(&ck);
    if (rc)
        return rc;
    int64_t ntr[2] = {r->ftrain.n, r->dim}, nte[2] = {r->ftest.n, r->dim};
    int64_t *ltr = labels_i64(r->ftrain.labels, r->ftrain.n), *lte = labels_i64(r->ftest.labels, r->ftest.n),
            *p = labels_i64(pred, r->ftest.n);
    char rep[2048], meta[64];
    hue_representation_json(&r->rep, rep, sizeof rep);
    if (!ltr || !lte || !p)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc)
        rc = hue_checkpoint_add(ck, "train.features", 2, ntr, r->ftrain.x);
    if (!rc)
        rc = hue_checkpoint_add_i64(ck, "train.labels", 1, ntr, ltr);
    if (!rc)
        rc = hue_checkpoint_add(ck, "test.features", 2, nte, r->ftest.x);
    if (!rc)
        rc = hue_checkpoint_add_i64(ck, "test.labels", 1, nte, lte);
    if (!rc)
        rc = hue_checkpoint_add_i64(ck, "test.knn_prediction", 1, nte, p);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "model", a->p.model);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "representation", rep);
    snprintf(meta, sizeof meta, "%d", r->size);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "size", meta);
    snprintf(meta, sizeof meta, "{\"k\": %d, \"temperature\": %.7g}", a->knn.k, a->knn.temperature);
    if (!rc)
        rc = hue_checkpoint_set_meta(ck, "knn", meta);
    if (!rc)
        rc = hue_checkpoint_save(ck, a->save, a->force);
    free(ltr);
    free(lte);
    free(p);
    hue_checkpoint_destroy(ck);
    return rc;
}

static void print_result(const knn_args *a, const hue_probe_run *r, const hue_knn_result *k, double knn_s,
                         double total_s)
{
    if (!a->p.json) {
        printf("kNN (k %d, T %g) on %lld test images, %lld training images, %d classes, %d features at %dx%d:\n"
               "top-1 %.2f%%  top-5 %.2f%%  (features %.1f s, kNN %.1f s)\n",
               a->knn.k, a->knn.temperature, (long long)r->ftest.n, (long long)r->ftrain.n, r->ftrain.num_classes,
               r->dim, r->size, r->size, 100 * k->top1, 100 * k->top5, r->features_s, knn_s);
        return;
    }
    printf("{\"top1\": %.6f, \"top5\": %.6f, \"k\": %d, \"temperature\": %.7g, \"train_images\": %lld, "
           "\"test_images\": %lld, \"classes\": %d, \"feature_dim\": %d, \"size\": %d, \"trunks\": %d, "
           "\"backend\": \"%s\", \"model\": ",
           k->top1, k->top5, a->knn.k, a->knn.temperature, (long long)r->ftrain.n, (long long)r->ftest.n,
           r->ftrain.num_classes, r->dim, r->size, r->rep.n_trunks, hue_backend_name(hue_ctx_backend(r->ctx)));
    hue_json_print_string(a->p.model);
    hue_probe_print_inputs(&r->rep);
    printf(", \"features_seconds\": %.3f, \"knn_seconds\": %.3f, \"seconds\": %.3f}\n", r->features_s, knn_s,
           total_s);
}

int hue_eval_knn(int argc, char **argv)
{
    knn_args a;
    int status = parse(argc, argv, &a);
    if (status >= 0)
        return status;
    double t0 = hue_now_s();
    int rc = 0;
    /* before the features, which may take long */
    if (a.save) {
        hue_file_use uses[] = {{"--model", a.p.model, 0}, {"--save-features", a.save, 1}};
        rc = hue_file_check_uses(uses, 2);
        if (!rc)
            rc = hue_output_check(a.save, a.force);
    }
    hue_probe_run r = {0};
    if (!rc)
        rc = hue_probe_open(&a.p, &r);
    if (!rc && a.knn.k > hue_dataset_size(r.train))
        rc = hue_fail(HUE_EINVAL, "--k %d is larger than the %lld training images of %s", a.knn.k,
                      (long long)hue_dataset_size(r.train), hue_dataset_root(r.train));
    if (!rc)
        rc = hue_probe_features(&a.p, &r);
    int32_t *pred = rc ? NULL : malloc(sizeof *pred * (size_t)r.ftest.n);
    hue_knn_result k;
    double t1 = hue_now_s();
    if (!rc && !pred)
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc) {
        /* kNN compares directions; the saved features stay as the trunks gave them */
        float *tr = malloc(sizeof *tr * (size_t)r.ftrain.n * r.dim), *te = malloc(sizeof *te * (size_t)r.ftest.n * r.dim);
        if (!tr || !te) {
            rc = hue_fail(HUE_ENOMEM, "out of host memory");
        } else {
            memcpy(tr, r.ftrain.x, sizeof *tr * (size_t)r.ftrain.n * r.dim);
            memcpy(te, r.ftest.x, sizeof *te * (size_t)r.ftest.n * r.dim);
            hue_features_l2_normalize(tr, r.ftrain.n, r.dim);
            hue_features_l2_normalize(te, r.ftest.n, r.dim);
            rc = hue_knn_classify(tr, r.ftrain.labels, r.ftrain.n, te, r.ftest.labels, r.ftest.n, r.dim,
                                  r.ftrain.num_classes, &a.knn, pred, &k);
        }
        free(tr);
        free(te);
    }
    double knn_s = hue_now_s() - t1;
    if (!rc && a.save)
        rc = save_features(&a, &r, pred);
    if (!rc)
        print_result(&a, &r, &k, knn_s, hue_now_s() - t0);
    else
        fprintf(stderr, "hue eval knn: %s\n", hue_error_message());
    free(pred);
    hue_probe_close(&r);
    return rc ? 1 : 0;
}
