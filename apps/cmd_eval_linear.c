/* hue eval linear: the linear probe, a linear classifier trained on a
 * checkpoint's frozen features of a dataset's train split and scored on
 * its test split. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "eval_probe.h"
#include "hue_clock.h"
#include "hue_error.h"
#include "hue_linear_probe.h"
#include "json_out.h"
#include "progress.h"

static void usage(FILE *f)
{
    hue_linear_probe_options d = hue_linear_probe_defaults();
    fprintf(f,
            "usage: hue eval linear --model CKPT --data DIR [options]\n"
            "\n"
            "Top-1 (and top-5) test accuracy of a linear classifier trained on the frozen features of the\n"
            "model in CKPT: every image of DIR/train/<class>/ and DIR/test/<class>/ (the same classes, at\n"
            "least 2) is resized to S x S and run once through the checkpoint's trunk(s) in eval mode,\n"
            "globally average-pooled (concatenated over trunks). The features are standardised with the\n"
            "training split's per-dimension mean and std (so one learning rate suits any checkpoint),\n"
            "then y = x W^T + b is trained with cross-entropy, SGD with momentum %g and a cosine schedule\n"
            "to 0, on minibatches of a seeded shuffle (each epoch's last partial batch dropped).\n"
            "\n"
            "  --model CKPT         a hue checkpoint (its trunk: heads, an fc layer and optimizer state\n"
            "                       are ignored)\n"
            "  --data DIR           DIR/train/<class>/*.jpg|png and DIR/test/<class>/*.jpg|png\n"
            "  --epochs E           (default %lld)\n"
            "  --lr LR              peak learning rate (default %g)\n"
            "  --batch B            features per training step (default %d; at most the training images)\n"
            "  --weight-decay WD    (default %g)\n"
            "  --no-standardize     train on the features as the trunk gives them\n"
            "  --seed N             initialisation and order (default %llu)\n"
            "  --size S             image side (default: the checkpoint's training size, else 32)\n"
            "  --feature-batch B    images per feature batch (default 256)\n"
            "  --threads N          decoding threads (default 2)\n"
            "  --json               print one JSON object (top1, top5, train_top1, epochs, lr, batch,\n"
            "                       train_images, test_images, classes, feature_dim, size, seconds, ...)\n"
            "  -q, --quiet          no progress bar\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 ok, 1 runtime error (model, data, --batch larger than the training set),\n"
            "2 usage error (flags and their values).\n",
            d.momentum, (long long)d.epochs, d.lr, d.batch, d.weight_decay, (unsigned long long)d.seed);
}

typedef struct {
    hue_probe_args p;
    hue_linear_probe_options lp;
} linear_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse(int argc, char **argv, linear_args *a)
{
    enum { OPT_EPOCHS = 1, OPT_LR, OPT_BATCH, OPT_WD, OPT_NO_STD, OPT_SEED, OPT_HELP };
    static const struct option opts[] = {
        {"model", required_argument, NULL, HUE_PROBE_OPT_MODEL},
        {"data", required_argument, NULL, HUE_PROBE_OPT_DATA},
        {"size", required_argument, NULL, HUE_PROBE_OPT_SIZE},
        {"feature-batch", required_argument, NULL, HUE_PROBE_OPT_FEATURE_BATCH},
        {"threads", required_argument, NULL, HUE_PROBE_OPT_THREADS},
        {"json", no_argument, NULL, HUE_PROBE_OPT_JSON},
        {"quiet", no_argument, NULL, HUE_PROBE_OPT_QUIET},
        {"backend", required_argument, NULL, HUE_PROBE_OPT_BACKEND},
        {"device", required_argument, NULL, HUE_PROBE_OPT_DEVICE},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"lr", required_argument, NULL, OPT_LR},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"weight-decay", required_argument, NULL, OPT_WD},
        {"no-standardize", no_argument, NULL, OPT_NO_STD},
        {"seed", required_argument, NULL, OPT_SEED},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    hue_probe_args_init(&a->p, "linear");
    a->lp = hue_linear_probe_defaults();
    int c;
    long long v;
    hue_flags_begin();
    while ((c = hue_flags_next("eval linear", argc, argv, "qh", opts, NULL)) != -1) {
        int taken = hue_probe_take(&a->p, c == 'q' ? HUE_PROBE_OPT_QUIET : c, optarg);
        if (taken == 2)
            return 2;
        if (taken == 0)
            continue;
        switch (c) {
        case OPT_EPOCHS:
            if (hue_probe_parse_int("linear", "epochs", optarg, 1, 100000, &v))
                return 2;
            a->lp.epochs = v;
            break;
        case OPT_LR:
            if (hue_probe_parse_double("linear", "lr", optarg, 0, 1e6, 0, &a->lp.lr))
                return 2;
            break;
        case OPT_BATCH:
            if (hue_probe_parse_int("linear", "batch", optarg, 1, 65536, &v))
                return 2;
            a->lp.batch = (int)v;
            break;
        case OPT_WD:
            if (hue_probe_parse_double("linear", "weight-decay", optarg, 0, 1, 0, &a->lp.weight_decay))
                return 2;
            break;
        case OPT_NO_STD: a->lp.standardize = 0; break;
        case OPT_SEED:
            /* 2^53: the integers a double (and the JSON output) hold exactly */
            if (hue_probe_parse_int("linear", "seed", optarg, 0, (long long)1 << 53, &v))
                return 2;
            a->lp.seed = (uint64_t)v;
            break;
        case 'h':
        case OPT_HELP: usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue eval linear: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return hue_probe_check_required(&a->p);
}

int hue_eval_linear_parse(int argc, char **argv)
{
    linear_args a;
    return parse(argc, argv, &a);
}

typedef struct {
    hue_progress bar;
} progress_state;

static void on_epoch(void *user, int64_t epoch, int64_t epochs, double loss)
{
    progress_state *p = user;
    char fields[48];
    snprintf(fields, sizeof fields, "loss %.4f", loss);
    hue_progress_update(&p->bar, "linear probe", epoch + 1, epochs, fields);
}

static void print_result(const linear_args *a, const hue_probe_run *r, const hue_linear_probe_result *res,
                         double probe_s, double total_s)
{
    const hue_linear_probe_options *o = &a->lp;
    if (!a->p.json) {
        printf("linear probe (%lld epochs, lr %g, batch %d%s) on %lld test images, %lld training images, %d "
               "classes, %d features at %dx%d:\n"
               "top-1 %.2f%%  top-5 %.2f%%  (train top-1 %.2f%%, last epoch's loss %.4f; features %.1f s, "
               "probe %.1f s)\n",
               (long long)o->epochs, o->lr, o->batch, o->standardize ? ", standardised" : "", (long long)r->ftest.n,
               (long long)r->ftrain.n, r->ftrain.num_classes, r->dim, r->size, r->size, 100 * res->top1,
               100 * res->top5, 100 * res->train_top1, res->loss, r->features_s, probe_s);
        return;
    }
    printf("{\"top1\": %.6f, \"top5\": %.6f, \"train_top1\": %.6f, \"loss\": %.6g, \"epochs\": %lld, "
           "\"lr\": %.9g, \"batch\": %d, \"weight_decay\": %.9g, \"momentum\": %.9g, \"standardize\": %s, "
           "\"seed\": %llu, \"steps\": %lld, \"train_images\": %lld, \"test_images\": %lld, \"classes\": %d, "
           "\"feature_dim\": %d, \"size\": %d, \"trunks\": %d, \"backend\": \"%s\", \"model\": ",
           res->top1, res->top5, res->train_top1, res->loss, (long long)o->epochs, o->lr, o->batch,
           o->weight_decay, o->momentum, o->standardize ? "true" : "false", (unsigned long long)o->seed,
           (long long)res->steps, (long long)r->ftrain.n, (long long)r->ftest.n, r->ftrain.num_classes, r->dim,
           r->size, r->rep.n_trunks, hue_backend_name(hue_ctx_backend(r->ctx)));
    hue_json_print_string(a->p.model);
    hue_probe_print_inputs(&r->rep);
    printf(", \"features_seconds\": %.3f, \"probe_seconds\": %.3f, \"seconds\": %.3f}\n", r->features_s, probe_s,
           total_s);
}

int hue_eval_linear(int argc, char **argv)
{
    linear_args a;
    int status = parse(argc, argv, &a);
    if (status >= 0)
        return status;
    double t0 = hue_now_s();
    hue_probe_run r = {0};
    int rc = hue_probe_open(&a.p, &r);
    if (!rc && a.lp.batch > hue_dataset_size(r.train))
        rc = hue_fail(HUE_EINVAL, "--batch %d is larger than the %lld training images of %s", a.lp.batch,
                      (long long)hue_dataset_size(r.train), hue_dataset_root(r.train));
    if (!rc)
        rc = hue_probe_features(&a.p, &r);
    hue_linear_probe_result res;
    double t1 = hue_now_s();
    if (!rc) {
        progress_state p;
        hue_progress_start(&p.bar, a.p.quiet);
        a.lp.on_epoch = on_epoch;
        a.lp.user = &p;
        rc = hue_linear_probe(&r.ftrain, &r.ftest, &a.lp, &res);
        hue_progress_finish(&p.bar);
    }
    double probe_s = hue_now_s() - t1;
    if (!rc)
        print_result(&a, &r, &res, probe_s, hue_now_s() - t0);
    else
        fprintf(stderr, "hue eval linear: %s\n", hue_error_message());
    hue_probe_close(&r);
    return rc ? 1 : 0;
}
