/* hue bench: kernel speed as median GFLOP/s over several runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_clock.h"
#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void fill_random(float *v, size_t n)
{
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        v[i] = (float)((s >> 8) / 16777216.0 - 0.5);
    }
}

/* Compiles g, uploads random inputs, then times `runs` runs after one warm-up;
 * returns the median seconds per run, or < 0 on error. */
static double time_graph(hue_graph *g, const hue_tensor *inputs, int n_inputs, int runs)
{
    if (hue_graph_compile(g))
        return -1;
    for (int i = 0; i < n_inputs; i++) {
        size_t n = (size_t)hue_tensor_numel(g, inputs[i]);
        float *v = malloc(n * sizeof *v);
        if (!v)
            return hue_fail(HUE_ENOMEM, "out of host memory"), -1;
        fill_random(v, n);
        hue_graph_set_input(g, inputs[i], v, n);
        free(v);
    }
    if (hue_graph_run(g))
        return -1;
    double *t = malloc(sizeof *t * (size_t)runs);
    if (!t)
        return hue_fail(HUE_ENOMEM, "out of host memory"), -1;
    for (int r = 0; r < runs; r++) {
        double t0 = hue_now_s();
        if (hue_graph_run(g)) {
            free(t);
            return -1;
        }
        t[r] = hue_now_s() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, by_value);
    double median = t[runs / 2];
    free(t);
    return median;
}

static int report(const char *cmd, hue_ctx *ctx, double seconds, double flops, int json, const char *shape_json,
                  const char *shape_text, int runs)
{
    if (seconds < 0) {
        fprintf(stderr, "hue bench %s: %s\n", cmd, hue_error_message());
        return 1;
    }
    double gflops = flops / seconds * 1e-9;
    if (json) {
        printf("{\"bench\": \"%s\", %s, \"runs\": %d, \"median_ms\": %.4g, \"gflops\": %.4g, \"device\": ",
               cmd, shape_json, runs, seconds * 1e3, gflops);
        hue_json_print_string(hue_ctx_device(ctx)->name);
        printf("}\n");
    } else
        printf("%s %s: %.2f GFLOP/s (median of %d runs, %.2f ms each) on %s\n", cmd, shape_text, gflops, runs,
               seconds * 1e3, hue_ctx_device(ctx)->name);
    return 0;
}

typedef struct {
    long m, n, k, runs;
    int ta, tb, json;
} gemm_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_gemm(int argc, char **argv, gemm_args *a)
{
    static const struct option opts[] = {{"m", required_argument, 0, 'm'}, {"n", required_argument, 0, 'n'},
                                         {"k", required_argument, 0, 'k'}, {"runs", required_argument, 0, 'r'},
                                         {"trans-a", no_argument, 0, 'a'}, {"trans-b", no_argument, 0, 'b'},
                                         {"json", no_argument, 0, 'j'},     {"help", no_argument, 0, 'h'},
                                         {0}};
    int64_t m = 1024, n = 1024, k = 1024, runs = 10;
    int ta = 0, tb = 0, json = 0, c, rc;
    hue_flags_begin();
    while ((c = hue_flags_next("bench gemm", argc, argv, "m:n:k:r:abjh", opts, NULL)) != -1) {
        switch (c) {
        case 'm': if ((rc = hue_flag_int64("bench gemm", "m", optarg, 1, 1 << 20, &m))) return rc; break;
        case 'n': if ((rc = hue_flag_int64("bench gemm", "n", optarg, 1, 1 << 20, &n))) return rc; break;
        case 'k': if ((rc = hue_flag_int64("bench gemm", "k", optarg, 1, 1 << 20, &k))) return rc; break;
        case 'r': if ((rc = hue_flag_int64("bench gemm", "runs", optarg, 1, 10000, &runs))) return rc; break;
        case 'a': ta = 1; break;
        case 'b': tb = 1; break;
        case 'j': json = 1; break;
        case 'h':
            printf("usage: hue bench gemm [--m M] [--n N] [--k K] [--trans-a] [--trans-b] [--runs R] [--json]\n\n"
                   "Times C[M,N] = A[M,K] * B[K,N] on the backend and prints the median GFLOP/s (2*M*N*K flops\n"
                   "per run) after one warm-up run.\n\n"
                   "  --m M, --n N, --k K  the matrix sizes, 1 to 1048576 (default 1024 each)\n"
                   "  --trans-a            A is stored transposed, [K, M]\n"
                   "  --trans-b            B is stored transposed, [N, K]\n"
                   "  --runs R             timed runs, 1 to 10000 (default 10)\n"
                   "  --json               print one JSON object\n"
                   "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
                   "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue bench gemm: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    *a = (gemm_args){m, n, k, runs, ta, tb, json};
    return -1;
}

static int bench_gemm(const gemm_args *a, hue_ctx **ctx_out)
{
    long m = a->m, n = a->n, k = a->k, runs = a->runs;
    int ta = a->ta, tb = a->tb, json = a->json, rc;
    if (hue_ctx_create(ctx_out, -1)) {
        fprintf(stderr, "hue bench gemm: %s\n", hue_error_message());
        return 1;
    }
    hue_graph *g;
    if (hue_graph_create(*ctx_out, &g))
        return 1;
    int64_t sa[2] = {ta ? k : m, ta ? m : k}, sb[2] = {tb ? n : k, tb ? k : n};
    hue_tensor in[2] = {hue_graph_input(g, "A", 2, sa), hue_graph_input(g, "B", 2, sb)};
    hue_tensor out = hue_matmul(g, in[0], in[1], ta, tb);
    hue_graph_output(g, out);
    double s = hue_graph_status(g) ? -1 : time_graph(g, in, 2, (int)runs);
    char sj[160], st[96];
    snprintf(sj, sizeof sj, "\"m\": %ld, \"n\": %ld, \"k\": %ld, \"trans_a\": %s, \"trans_b\": %s", m, n, k,
             ta ? "true" : "false", tb ? "true" : "false");
    snprintf(st, sizeof st, "M=%ld N=%ld K=%ld%s%s", m, n, k, ta ? " A^T" : "", tb ? " B^T" : "");
    rc = report("gemm", *ctx_out, s, 2.0 * m * n * k, json, sj, st, (int)runs);
    hue_graph_destroy(g);
    return rc;
}

typedef struct {
    long batch, cin, cout, size, kernel, stride, pad, runs;
    int json;
} conv_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_conv(int argc, char **argv, conv_args *a)
{
    static const struct option opts[] = {
        {"batch", required_argument, 0, 'b'},  {"in", required_argument, 0, 'i'},
        {"out", required_argument, 0, 'o'},    {"size", required_argument, 0, 's'},
        {"kernel", required_argument, 0, 'k'}, {"stride", required_argument, 0, 't'},
        {"pad", required_argument, 0, 'p'},    {"runs", required_argument, 0, 'r'},
        {"json", no_argument, 0, 'j'},         {"help", no_argument, 0, 'h'},
        {0}};
    int64_t batch = 32, cin = 64, cout = 64, size = 56, kernel = 3, stride = 1, pad = -1, runs = 5;
    int json = 0, c, rc;
    hue_flags_begin();
    while ((c = hue_flags_next("bench conv", argc, argv, "b:i:o:s:k:t:p:r:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'b': if ((rc = hue_flag_int64("bench conv", "batch", optarg, 1, 4096, &batch))) return rc; break;
        case 'i': if ((rc = hue_flag_int64("bench conv", "in", optarg, 1, 65536, &cin))) return rc; break;
        case 'o': if ((rc = hue_flag_int64("bench conv", "out", optarg, 1, 65536, &cout))) return rc; break;
        case 's': if ((rc = hue_flag_int64("bench conv", "size", optarg, 1, 16384, &size))) return rc; break;
        case 'k': if ((rc = hue_flag_int64("bench conv", "kernel", optarg, 1, 15, &kernel))) return rc; break;
        case 't': if ((rc = hue_flag_int64("bench conv", "stride", optarg, 1, 16, &stride))) return rc; break;
        case 'p': if ((rc = hue_flag_int64("bench conv", "pad", optarg, 0, 16, &pad))) return rc; break;
        case 'r': if ((rc = hue_flag_int64("bench conv", "runs", optarg, 1, 10000, &runs))) return rc; break;
        case 'j': json = 1; break;
        case 'h':
            printf("usage: hue bench conv [--batch B] [--in C] [--out O] [--size S] [--kernel K] [--stride T]\n"
                   "                      [--pad P] [--runs R] [--json]\n\n"
                   "Times a forward conv2d with bias and prints the median GFLOP/s (2*B*O*C*K*K*outH*outW flops\n"
                   "per run) after one warm-up run.\n\n"
                   "  --batch B            images, 1 to 4096 (default 32)\n"
                   "  --in C               input channels, 1 to 65536 (default 64)\n"
                   "  --out O              output channels (filters), 1 to 65536 (default 64)\n"
                   "  --size S             input height and width, 1 to 16384 (default 56)\n"
                   "  --kernel K           filter height and width, 1 to 15 (default 3)\n"
                   "  --stride T           1 to 16 (default 1)\n"
                   "  --pad P              zero padding on each side, 0 to 16 (default K/2)\n"
                   "  --runs R             timed runs, 1 to 10000 (default 5)\n"
                   "  --json               print one JSON object\n"
                   "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
                   "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue bench conv: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (pad < 0)
        pad = kernel / 2;
    if (size + 2 * pad < kernel) {
        fprintf(stderr, "hue bench conv: a %ldx%ld kernel does not fit a %ldx%ld input with pad %ld\n", kernel,
                kernel, size, size, pad);
        return 2;
    }
    *a = (conv_args){batch, cin, cout, size, kernel, stride, pad, runs, json};
    return -1;
}

static int bench_conv(const conv_args *a, hue_ctx **ctx_out)
{
    long batch = a->batch, cin = a->cin, cout = a->cout, size = a->size, kernel = a->kernel, stride = a->stride,
         pad = a->pad, runs = a->runs;
    int json = a->json, rc;
    if (hue_ctx_create(ctx_out, -1)) {
        fprintf(stderr, "hue bench conv: %s\n", hue_error_message());
        return 1;
    }
    hue_graph *g;
    if (hue_graph_create(*ctx_out, &g))
        return 1;
    int64_t sx[4] = {batch, cin, size, size}, sw[4] = {cout, cin, kernel, kernel}, sbias[1] = {cout};
    hue_tensor in[3] = {hue_graph_input(g, "x", 4, sx), hue_graph_input(g, "w", 4, sw),
                        hue_graph_input(g, "bias", 1, sbias)};
    hue_tensor out = hue_conv2d(g, in[0], in[1], in[2], (int)stride, (int)pad, 1);
    hue_graph_output(g, out);
    long osz = (size + 2 * pad - kernel) / stride + 1;
    double s = hue_graph_status(g) ? -1 : time_graph(g, in, 3, (int)runs);
    char sj[200], st[120];
    snprintf(sj, sizeof sj,
             "\"batch\": %ld, \"in_channels\": %ld, \"out_channels\": %ld, \"size\": %ld, \"kernel\": %ld, "
             "\"stride\": %ld, \"pad\": %ld",
             batch, cin, cout, size, kernel, stride, pad);
    snprintf(st, sizeof st, "%ldx%ldx%ldx%ld -> %ld, %ldx%ld stride %ld pad %ld", batch, cin, size, size, cout,
             kernel, kernel, stride, pad);
    rc = report("conv", *ctx_out, s, 2.0 * batch * cout * cin * kernel * kernel * osz * osz, json, sj, st,
                (int)runs);
    hue_graph_destroy(g);
    return rc;
}

/* `hue bench NAME ...`: the benchmark's flags parsed, then (unless
 * parse_only) the benchmark run. */
static int bench(int argc, char **argv, int parse_only)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: hue bench <gemm|conv|decode|track|train> [options]\n\n"
                   "  gemm    matrix multiplication, M=N=K=1024 by default: median GFLOP/s\n"
                   "  conv    3x3 convolution, 64->64 channels, 56x56, batch 32 by default: median GFLOP/s\n"
                   "  decode  decode every frame of a video to LAB: frames/s\n"
                   "  track   label propagation at 480p: frames/s\n"
                   "  train   ResNet-18 training steps, 64x64, batch 64: images/s and peak memory\n"
                   "Each takes --json for one JSON object, and --backend auto|vulkan|cpu (also HUE_BACKEND) where it\n"
                   "computes; 'hue bench <name> --help' lists its options.\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "decode"))
        return (parse_only ? hue_bench_decode_parse : hue_bench_decode)(argc - 1, argv + 1);
    if (!strcmp(argv[1], "track"))
        return (parse_only ? hue_bench_track_parse : hue_bench_track)(argc - 1, argv + 1);
    if (!strcmp(argv[1], "train"))
        return (parse_only ? hue_bench_train_parse : hue_bench_train)(argc - 1, argv + 1);
    gemm_args gemm = {0};
    conv_args conv = {0};
    int is_gemm = !strcmp(argv[1], "gemm"), status;
    if (is_gemm)
        status = parse_gemm(argc - 1, argv + 1, &gemm);
    else if (!strcmp(argv[1], "conv"))
        status = parse_conv(argc - 1, argv + 1, &conv);
    else {
        fprintf(stderr, "hue bench: unknown benchmark '%s' (gemm, conv, decode, track, train)\n", argv[1]);
        return 2;
    }
    if (status >= 0 || parse_only)
        return status;
    hue_ctx *ctx = NULL;
    int rc = is_gemm ? bench_gemm(&gemm, &ctx) : bench_conv(&conv, &ctx);
    if (ctx && hue_ctx_validation_errors(ctx))
        rc = 1;
    hue_ctx_destroy(ctx);
    return rc;
}

int cmd_bench(int argc, char **argv) { return bench(argc, argv, 0); }

int cmd_bench_parse(int argc, char **argv) { return bench(argc, argv, 1); }
