/* hue bench train: images/s of ResNet-18 training steps (forward, loss,
 * backward and SGD-with-momentum update: one recorded command buffer) on
 * random images, and the memory the step needs. tests/bench/
 * train_vs_pytorch.sh runs the same step in PyTorch for the ratio. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"
#include "flags.h"
#include "hue_clock.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "hue_optim.h"
#include "hue_resnet.h"

/* Peak resident set of this process so far, in bytes (Linux: KiB units). */
static long long max_rss_bytes(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (long long)ru.ru_maxrss * 1024 : -1;
}

/* CPU seconds (user + system) of every thread of this process so far. */
static double cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hue bench train [--batch B] [--size S] [--width W] [--arch resnet18|resnet34]\n"
               "                       [--classes K] [--cifar-stem] [--steps N] [--json]\n\n"
               "Times training steps of torchvision's ResNet (ImageNet stem) on random images: forward,\n"
               "cross-entropy, backward and an SGD update (lr 0.1, momentum 0.9, weight decay 1e-4).\n"
               "Prints images/s (batch / median step time, warm-up steps excluded) and peak memory:\n"
               "peak_bytes = the graph's device memory (activations, gradients, parameters, momentum:\n"
               "everything the step touches, planned at compile; on the CPU backend also the kernels'\n"
               "shared workspace); rss_bytes = the growth of this\n"
               "process's peak resident set from before the device was opened (on a CPU driver it\n"
               "also holds the driver's compiled shaders).\n\n"
               "  --batch B     images per step (default 64)\n"
               "  --size S      image side (default 64)\n"
               "  --width W     width multiplier (default 1)\n"
               "  --arch NAME   resnet18 (default) or resnet34\n"
               "  --classes K   classes of the fc layer (default 10)\n"
               "  --cifar-stem  3x3 stride-1 first conv, no max-pool (as hue pretrain's default)\n"
               "  --steps N     timed steps after 2 warm-up steps (default 5)\n"
               "  --json        one JSON object\n");
}

typedef struct {
    hue_resnet_config arch;
    int batch, size, steps, json;
} bench_options;

static int run_bench(hue_ctx *ctx, const bench_options *o, long long rss0)
{
    hue_graph *g = NULL;
    hue_resnet m = {0};
    hue_optim *opt = NULL;
    float *x = NULL, *y = NULL;
    double *t = NULL;
    int rc = hue_graph_create(ctx, &g);
    if (rc)
        goto done;
    int64_t xs[4] = {o->batch, 3, o->size, o->size}, ys[1] = {o->batch};
    hue_tensor xin = hue_graph_input(g, "images", 4, xs), yin = hue_graph_input(g, "labels", 1, ys);
    if ((rc = hue_resnet_build(g, &o->arch, xin, 1, &m)))
        goto done;
    hue_tensor loss = hue_cross_entropy(g, m.logits, yin, -1, -100);
    if ((rc = hue_graph_backward(g, loss)))
        goto done;
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = 0.9f;
    oc.weight_decay = 1e-4f;
    if ((rc = hue_optim_create(g, &oc, loss, &opt)) || (rc = hue_graph_output(g, loss)))
        goto done;
    double tc = hue_now_s();
    if ((rc = hue_graph_compile(g)) || (rc = hue_resnet_init(g, &m, 1)))
        goto done;
    double compile_s = hue_now_s() - tc;

    size_t nx = (size_t)o->batch * 3 * o->size * o->size;
    x = malloc(nx * sizeof *x);
    y = malloc((size_t)o->batch * sizeof *y);
    int warm = 2, total = warm + o->steps;
    t = malloc(sizeof *t * (size_t)total);
    if (!x || !y || !t) {
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto done;
    }
    uint32_t s = 12345;
    for (size_t i = 0; i < nx; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) / 16777216.0 * 2 - 1);
    }
    for (int i = 0; i < o->batch; i++)
        y[i] = (float)(i % o->arch.num_classes);
    float first_loss = 0, last_loss = 0;
    double cpu0 = 0;
    for (int k = 0; k < total; k++) {
        if (k == warm)
            cpu0 = cpu_s();
        double t0 = hue_now_s();
        if ((rc = hue_graph_set_input(g, xin, x, nx)) || (rc = hue_graph_set_input(g, yin, y, (size_t)o->batch)) ||
            (rc = hue_optim_set_step(opt, k, 0.1f)) || (rc = hue_graph_run(g)) ||
            (rc = hue_graph_read(g, loss, &last_loss, 1)))
            goto done;
        t[k] = hue_now_s() - t0;
        if (k == 0)
            first_loss = last_loss;
    }
    double cpu_per_image = (cpu_s() - cpu0) / ((double)o->steps * o->batch), first_s = t[0];
    qsort(t + warm, (size_t)o->steps, sizeof *t, by_value);
    double median = t[warm + o->steps / 2], ips = o->batch / median;
    long long peak = (long long)(hue_graph_arena_bytes(g) + hue_graph_workspace_bytes(g)), rss = max_rss_bytes() - rss0;
    const hue_device_info *dev = hue_ctx_device(ctx);
    long long param_values = 0;
    for (int i = 0; i < m.n_tensors; i++)
        if (!m.tensors[i].is_state)
            param_values += hue_tensor_numel(g, m.tensors[i].tensor);
    int dispatches = hue_graph_dispatch_count(g);
    if (o->json)
        printf("{\"benchmark\": \"train\", \"device\": \"%s\", \"arch\": \"resnet%d\", \"width\": %g, "
               "\"batch\": %d, \"size\": %d, \"classes\": %d, \"steps\": %d, \"median_step_s\": %.6f, "
               "\"images_per_s\": %.3f, \"cpu_s_per_image\": %.5f, \"first_step_s\": %.3f, \"compile_s\": %.3f, "
               "\"peak_bytes\": %lld, \"rss_bytes\": %lld, \"parameters\": %lld, \"dispatches\": %d, "
               "\"first_loss\": %.6f, \"last_loss\": %.6f}\n",
               dev->name, o->arch.depth, o->arch.width, o->batch, o->size, o->arch.num_classes, o->steps, median,
               ips, cpu_per_image, first_s, compile_s, peak, rss, param_values, dispatches, first_loss, last_loss);
    else
        printf("train: resnet%d width %g, %dx%d, batch %d, %d classes on %s\n"
               "  %.2f images/s (median step %.1f ms over %d steps; first step %.1f s, compile %.1f s)\n"
               "  %.4f CPU s per image (user + system, every thread)\n"
               "  peak memory: %.1f MiB graph (parameters, momentum, activations, gradients), "
               "%.1f MiB resident-set growth\n"
               "  %lld parameters, %d dispatches per step; loss %.4f -> %.4f\n",
               o->arch.depth, o->arch.width, o->size, o->size, o->batch, o->arch.num_classes, dev->name, ips,
               median * 1e3, o->steps, first_s, compile_s, cpu_per_image, peak / 1048576.0, rss / 1048576.0,
               param_values, dispatches, first_loss, last_loss);
done:
    if (rc && g && hue_graph_status(g))
        hue_fail(rc, "%s", hue_graph_error_message(g));
    free(x), free(y), free(t);
    hue_optim_destroy(opt);
    hue_resnet_free(&m);
    hue_graph_destroy(g);
    return rc;
}

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, bench_options *a)
{
    static const struct option opts[] = {
        {"batch", required_argument, 0, 'b'}, {"size", required_argument, 0, 's'},
        {"width", required_argument, 0, 'w'}, {"arch", required_argument, 0, 'a'},
        {"classes", required_argument, 0, 'k'}, {"steps", required_argument, 0, 'n'},
        {"cifar-stem", no_argument, 0, 'c'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0}};
    bench_options o = {.arch = hue_resnet_defaults(), .batch = 64, .size = 64, .steps = 5};
    o.arch.cifar_stem = 0;  /* torchvision's resnet18: 7x7 stride-2 stem and max-pool */
    o.arch.num_classes = 10;
    int c, rc;
    double v;
    hue_flags_begin();
    while ((c = hue_flags_next("bench train", argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': if ((rc = hue_flag_number("bench train", "batch", optarg, 1, 4096, 0, &v))) return rc; o.batch = (int)v; break;
        case 's': if ((rc = hue_flag_number("bench train", "size", optarg, 8, 1024, 0, &v))) return rc; o.size = (int)v; break;
        case 'w': if ((rc = hue_flag_number("bench train", "width", optarg, 0.01, 16, 0, &v))) return rc; o.arch.width = (float)v; break;
        case 'k': if ((rc = hue_flag_number("bench train", "classes", optarg, 1, 100000, 0, &v))) return rc; o.arch.num_classes = (int)v; break;
        case 'n': if ((rc = hue_flag_number("bench train", "steps", optarg, 1, 10000, 0, &v))) return rc; o.steps = (int)v; break;
        case 'a':
            if (hue_resnet_parse_arch(optarg, &o.arch)) {
                fprintf(stderr, "hue bench train: --arch: %s\n", hue_error_message());
                return 2;
            }
            break;
        case 'c': o.arch.cifar_stem = 1; break;
        case 'j': o.json = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue bench train: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    *a = o;
    return -1;
}

int hue_bench_train_parse(int argc, char **argv)
{
    bench_options o;
    return parse_args(argc, argv, &o);
}

int hue_bench_train(int argc, char **argv)
{
    bench_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    long long rss0 = max_rss_bytes();
    hue_ctx *ctx;
    if ((rc = hue_ctx_create(&ctx, -1))) {
        fprintf(stderr, "hue bench train: %s\n", hue_error_message());
        return 1;
    }
    rc = run_bench(ctx, &o, rss0);
    if (rc)
        fprintf(stderr, "hue bench train: %s\n", hue_error_message());
    if (!rc && hue_ctx_validation_errors(ctx))
        rc = 1;
    hue_ctx_destroy(ctx);
    return rc ? 1 : 0;
}
