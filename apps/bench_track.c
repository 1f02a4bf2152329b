/* hue bench track: label propagation frames/s at 480p (feature grid 60x107
 * at stride 8), context of frame 0 + N ring frames, on random unit-length
 * features: the same graph hue track runs per frame, without the encoder.
 * The ring starts full (slot s: seed 100 + s), as in the middle of a clip;
 * tests/bench/track_vs_pytorch.py makes the same features. */
#include <getopt.h>
#include <math.h>
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
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_resnet.h"
#include "hue_video_train.h"

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)  /* insertion sort */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double x = v[j];
            v[j] = v[j - 1], v[j - 1] = x;
        }
    return v[n / 2];
}

static void random_unit(float *v, int64_t C, int64_t hw, uint32_t seed)
{
    for (int64_t i = 0; i < C * hw; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
    }
    for (int64_t p = 0; p < hw; p++) {
        double n = 0;
        for (int64_t c = 0; c < C; c++)
            n += (double)v[c * hw + p] * v[c * hw + p];
        for (int64_t c = 0; c < C; c++)
            v[c * hw + p] = (float)(v[c * hw + p] / sqrt(n));
    }
}

/* Every ring slot filled with random unit features, rows padded as the
 * ring layout wants (frame columns from hue_ring_pad(R), zeros around). */
static int fill_ring(hue_graph *g, hue_tensor ring, float *feat, int64_t C, int64_t h, int64_t w, int S, int R)
{
    int64_t W = hue_ring_width(w, R), P = hue_ring_pad(R), n = (int64_t)S * C * h * W;
    float *buf = calloc((size_t)n, sizeof *buf);
    if (!buf)
        return hue_fail(HUE_ENOMEM, "bench track: out of host memory for the ring");
    for (int s = 0; s < S; s++) {
        random_unit(feat, C, h * w, 100 + (uint32_t)s);
        for (int64_t row = 0; row < C * h; row++)
            memcpy(buf + ((int64_t)s * C * h + row) * W + P, feat + row * w, sizeof(float) * (size_t)w);
    }
    int rc = hue_graph_write(g, ring, buf, (size_t)n);
    free(buf);
    return rc;
}

/* Median wall seconds per propagated frame, or < 0 on error; *cpu: median
 * CPU seconds of the process (every driver thread) per frame, which other
 * work on a shared machine disturbs less. */
static double time_propagation(hue_ctx *ctx, int64_t C, int64_t h, int64_t w, int S, int K, int R, int frames,
                               double *cpu)
{
    hue_graph *g;
    if (hue_graph_create(ctx, &g))
        return -1;
    int64_t fshape[3] = {C, h, w}, lshape[3] = {2, h, w}, one[1] = {1};
    int64_t rshape[4] = {S, C, h, hue_ring_width(w, R)}, rlshape[4] = {S, 2, h, w};
    hue_tensor q = hue_graph_input(g, "query", 3, fshape), slot = hue_graph_input(g, "slot", 1, one);
    hue_tensor f0 = hue_graph_state(g, "frame0", 3, fshape), l0 = hue_graph_state(g, "labels0", 3, lshape);
    hue_tensor ring = hue_graph_state(g, "ring", 4, rshape), rl = hue_graph_state(g, "ring_labels", 4, rlshape);
    hue_tensor pred = hue_propagate(g, q, f0, l0, ring, rl, K, R, 0.05f);
    hue_ring_write(g, ring, q, slot, hue_ring_pad(R));
    hue_ring_write(g, rl, pred, slot, 0);
    hue_graph_output(g, pred);
    double result = -1;
    float *feat = malloc(sizeof(float) * (size_t)(C * h * w));
    double *t = calloc((size_t)frames, sizeof *t), *tc = calloc((size_t)frames, sizeof *tc);
    if (feat && t && tc && hue_graph_compile(g) == 0) {
        random_unit(feat, C, h * w, 1);
        int ok = hue_graph_write(g, f0, feat, (size_t)(C * h * w)) == 0 && fill_ring(g, ring, feat, C, h, w, S, R) == 0;
        for (int f = 0; f <= frames && ok; f++) {
            random_unit(feat, C, h * w, 7 + (uint32_t)f);
            float s = (float)(f % S);
            hue_graph_set_input(g, q, feat, (size_t)(C * h * w));
            hue_graph_set_input(g, slot, &s, 1);
            double t0 = hue_clock_s(CLOCK_MONOTONIC), c0 = hue_clock_s(CLOCK_PROCESS_CPUTIME_ID);
            ok = hue_graph_run(g) == 0;
            if (f > 0) {  /* the first run compiles the shaders */
                t[f - 1] = hue_clock_s(CLOCK_MONOTONIC) - t0;
                tc[f - 1] = hue_clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
            }
        }
        if (ok) {
            result = median(t, frames);
            *cpu = median(tc, frames);
        }
    }
    free(feat);
    free(t);
    free(tc);
    hue_graph_destroy(g);
    return result;
}

/* Median seconds per frame of a video encoder of architecture cfg as hue
 * track runs it (seeded initialisation: the weights do not change the time)
 * on a 480p frame: RGB8 upload, LAB at 480x856, lightness (or all of LAB
 * for a 3-channel encoder), ResNet, unit-length features; *cpu the median
 * CPU seconds (every thread). */
static double time_encoder(hue_ctx *ctx, const hue_resnet_config *arch, int frames, int *channels, double *cpu)
{
    hue_graph *g;
    if (hue_graph_create(ctx, &g))
        return -1;
    int64_t shape[4] = {1, 480, 854, 3};
    hue_tensor rgb = hue_graph_input_u8(g, "frame", 4, shape);
    hue_tensor lab = hue_rgb8_to_lab(g, rgb, 480, 856);
    hue_tensor x = arch->in_channels == 3 ? lab : hue_slice(g, lab, 1, 0, 1);
    hue_resnet m;
    hue_resnet_config cfg = *arch;
    double result = -1;
    uint8_t *frame = malloc((size_t)480 * 854 * 3);
    double *t = calloc((size_t)frames, sizeof *t), *tc = calloc((size_t)frames, sizeof *tc);
    if (frame && t && tc && hue_resnet_build(g, &cfg, x, 0, &m) == 0) {
        hue_tensor f = hue_l2_normalize(g, m.features, 1, 1e-12f);
        hue_graph_output(g, f);
        *channels = m.feature_channels;
        if (hue_graph_compile(g) == 0 && hue_resnet_init(g, &m, 1) == 0) {
            uint32_t seed = 5;
            for (size_t i = 0; i < (size_t)480 * 854 * 3; i++)
                frame[i] = (uint8_t)((seed = seed * 1664525u + 1013904223u) >> 24);
            int ok = 1;
            for (int r = 0; r <= frames && ok; r++) {
                double t0 = hue_clock_s(CLOCK_MONOTONIC), c0 = hue_clock_s(CLOCK_PROCESS_CPUTIME_ID);
                ok = hue_graph_set_input_u8(g, rgb, frame, (size_t)480 * 854 * 3) == 0 && hue_graph_run(g) == 0;
                if (r > 0) {  /* the first run compiles the shaders */
                    t[r - 1] = hue_clock_s(CLOCK_MONOTONIC) - t0;
                    tc[r - 1] = hue_clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
                }
            }
            if (ok) {
                result = median(t, frames);
                *cpu = median(tc, frames);
            }
        }
        hue_resnet_free(&m);
    }
    free(frame);
    free(t);
    free(tc);
    hue_graph_destroy(g);
    return result;
}

typedef struct {
    int json, frames, S, K, R, n_channels;
    long channels[8];
    const char *model;
} track_bench_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, track_bench_args *a)
{
    static const struct option opts[] = {{"channels", required_argument, 0, 'c'}, {"frames", required_argument, 0, 'f'},
                                         {"context", required_argument, 0, 'n'},  {"topk", required_argument, 0, 'k'},
                                         {"radius", required_argument, 0, 'r'},   {"model", required_argument, 0, 'm'},
                                         {"json", no_argument, 0, 'j'},           {"help", no_argument, 0, 'h'},
                                         {0}};
    *a = (track_bench_args){.frames = 5, .S = 20, .K = 10, .R = 12};
    int c;
    hue_flags_begin();
    while ((c = hue_flags_next("bench track", argc, argv, "c:f:n:k:r:m:jh", opts, NULL)) != -1) {
        int v = 0;
        /* every valued flag but --model is a whole number from 1 to 4096 */
        if (optarg && c != 'm' && hue_flag_int("bench track", hue_flags_name(opts, c), optarg, 1, 4096, &v))
            return 2;
        switch (c) {
        case 'm': a->model = optarg; break;
        case 'c':
            if (a->n_channels == 8) {
                fprintf(stderr, "hue bench track: at most 8 --channels\n");
                return 2;
            }
            a->channels[a->n_channels++] = v;
            break;
        case 'f': a->frames = v; break;
        case 'n': a->S = v; break;
        case 'k': a->K = v; break;
        case 'r': a->R = v; break;
        case 'j': a->json = 1; break;
        case 'h':
            printf("usage: hue bench track [--channels C]... [--frames F] [--context N] [--topk K] [--radius R]\n"
                   "                       [--model CKPT] [--json]\n\n"
                   "Times label propagation at 480p (features 60x107 at stride 8) with frame 0 and N ring\n"
                   "frames as context (default N=20, K=10, R=12), for 64 and 256 feature channels unless\n"
                   "--channels is given, and prints the median frames/s over F frames (default 5) and the\n"
                   "median CPU time per frame (every thread of the process). The ring starts full.\n"
                   "Then times the video encoder hue track uses on an 854x480 frame, from RGB8 upload to\n"
                   "unit-length features: encoder frames/s and CPU time per frame. The encoder has\n"
                   "train-video's default architecture, or CKPT's (a checkpoint of hue train-video, such as\n"
                   "samples/model/hue-video.ckpt) with --model; its weights do not change the time.\n\n"
                   "  --channels C         feature channels to time, 1 to 4096 (give it again for more)\n"
                   "  --frames F           timed frames (default 5)\n"
                   "  --context N, --topk K, --radius R   the propagation's settings, as hue track's\n"
                   "  --model CKPT         time this checkpoint's encoder architecture\n"
                   "  --json               print one JSON object\n"
                   "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
                   "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue bench track: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return -1;
}

int hue_bench_track_parse(int argc, char **argv)
{
    track_bench_args args;
    return parse_args(argc, argv, &args);
}

int hue_bench_track(int argc, char **argv)
{
    track_bench_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;
    int json = args.json, frames = args.frames, S = args.S, K = args.K, R = args.R, n_channels = args.n_channels;
    long channels[8];
    memcpy(channels, args.channels, sizeof channels);
    const char *model = args.model;
    if (n_channels == 0)
        channels[n_channels++] = 64, channels[n_channels++] = 256;
    hue_resnet_config arch = hue_video_train_defaults().arch;
    if (model && hue_resnet_arch_read(model, &arch)) {
        fprintf(stderr, "hue bench track: %s\n", hue_error_message());
        return 1;
    }
    char arch_name[96];
    snprintf(arch_name, sizeof arch_name, "resnet%d x%g%s to layer%d%s%s", arch.depth, (double)arch.width,
             arch.dense ? " dense" : "", arch.last_layer, arch.embed > 0 ? " + projection" : "",
             arch.in_channels == 3 ? ", LAB input" : "");
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "hue bench track: %s\n", hue_error_message());
        return 1;
    }
    int rc = 0;
    if (json) {
        printf("{\"bench\": \"track\", \"height\": 60, \"width\": 107, \"context\": %d, \"topk\": %d, \"radius\": %d, "
               "\"device\": ",
               S, K, R);
        hue_json_print_string(hue_ctx_device(ctx)->name);
        printf(", \"propagation\": [");
    }
    for (int i = 0; i < n_channels && !rc; i++) {
        double cpu = 0, s = time_propagation(ctx, channels[i], 60, 107, S, K, R, frames, &cpu);
        if (s < 0) {
            fprintf(stderr, "hue bench track: %s\n", hue_error_message());
            rc = 1;
        } else if (json) {
            printf("%s{\"channels\": %ld, \"fps\": %.3f, \"ms_per_frame\": %.1f, \"cpu_ms_per_frame\": %.1f}",
                   i ? ", " : "", channels[i], 1 / s, s * 1e3, cpu * 1e3);
        } else {
            printf("propagation, %ld channels, 60x107, N=%d K=%d R=%d: %.3f frames/s (%.0f ms per frame, %.0f ms of CPU)\n",
                   channels[i], S, K, R, 1 / s, s * 1e3, cpu * 1e3);
        }
    }
    int enc_channels = 0;
    double enc_cpu = 0, enc = rc ? -1 : time_encoder(ctx, &arch, frames, &enc_channels, &enc_cpu);
    if (!rc && enc < 0) {
        fprintf(stderr, "hue bench track: encoder: %s\n", hue_error_message());
        rc = 1;
    }
    if (json && !rc)
    {
        printf("], \"encoder\": {\"arch\": \"%s\", \"model\": ", arch_name);
        if (model)
            hue_json_print_string(model);
        else
            printf("null");
        printf(", \"channels\": %d, \"size\": \"854x480\", \"fps\": %.3f, \"ms_per_frame\": %.1f, "
               "\"cpu_ms_per_frame\": %.1f}}\n", enc_channels, 1 / enc, enc * 1e3, enc_cpu * 1e3);
    } else if (!rc)
        printf("encoder (%s, %s, %d channels), 854x480: %.3f frames/s (%.0f ms per frame, %.0f ms of CPU)\n",
               model ? model : "train-video's default", arch_name, enc_channels, 1 / enc, enc * 1e3, enc_cpu * 1e3);
    if (hue_ctx_validation_errors(ctx))
        rc = 1;
    hue_ctx_destroy(ctx);
    return rc;
}
