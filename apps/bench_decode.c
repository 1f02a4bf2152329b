/* hue bench decode: frames per second of decoding a video to LAB planes,
 * the work every training and tracking run starts with. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_clock.h"
#include "hue_error.h"
#include "hue_video.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue bench decode FILE_OR_PATTERN [--json] [--rgb] [--size WxH] [--area] [--threads N]\n"
            "\n"
            "Decodes every frame to CIE LAB float planes (L, a, b) and prints frames/s.\n"
            "The figure to compare with is the ffmpeg command line decoding the same\n"
            "file to RGB: tests/bench/decode_vs_ffmpeg.sh runs both and prints the ratio.\n"
            "\n"
            "  --json       one JSON object (keys: file, frames, seconds, fps, width, height, output)\n"
            "  --rgb        stop at RGB8 frames (no LAB conversion)\n"
            "  --size WxH   resize frames to WxH first (bilinear; --area for area averaging)\n"
            "  --threads N  decoder threads (default: one per core)\n"
            "  -h, --help   this text\n"
            "\n"
            "Exit status: 0 ok, 1 the file could not be decoded completely, 2 usage error.\n");
}

typedef struct {
    hue_video_options vo;
    int json, rgb_only;
    const char *path;
} decode_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, decode_args *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"rgb", no_argument, NULL, 'r'},
        {"size", required_argument, NULL, 's'}, {"area", no_argument, NULL, 'a'},
        {"threads", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (decode_args){.vo = {0}};
    hue_video_options *vo = &a->vo;
    int c;
    hue_flags_begin();
    while ((c = hue_flags_next("bench decode", argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'r': a->rgb_only = 1; break;
        case 'a': vo->filter = HUE_SCALE_AREA; break;
        case 's':
            if (sscanf(optarg, "%dx%d", &vo->width, &vo->height) != 2 || vo->width <= 0 || vo->height <= 0) {
                fprintf(stderr, "hue bench decode: --size wants WxH, such as 256x256, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 't':
            if (hue_flag_int("bench decode", "threads", optarg, 1, 256, &vo->threads))
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "hue bench decode: expected one FILE_OR_PATTERN\n");
        usage(stderr);
        return 2;
    }
    a->path = argv[optind];
    return -1;
}

int hue_bench_decode_parse(int argc, char **argv)
{
    decode_args args;
    return parse_args(argc, argv, &args);
}

int hue_bench_decode(int argc, char **argv)
{
    decode_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;
    hue_video_options vo = args.vo;
    int json = args.json, rgb_only = args.rgb_only;
    const char *path = args.path;
    double t0 = hue_now_s();
    hue_video *v;
    if (hue_video_open(&v, path, &vo) < 0) {
        fprintf(stderr, "hue bench decode: %s\n", hue_error_message());
        return 1;
    }
    hue_video_info info = *hue_video_get_info(v); /* printed after hue_video_close */
    const hue_video_info *in = &info;
    size_t px = (size_t)in->out_width * in->out_height;
    float *planes = malloc(px * 3 * sizeof(float));
    uint8_t *rgb = malloc(px * 3);
    int r = planes && rgb ? 0 : hue_fail(HUE_ENOMEM, "out of memory");
    int64_t frames = 0;
    while (r == 0) {
        r = rgb_only ? hue_video_read_rgb(v, rgb) : hue_video_read_lab(v, planes, planes + px, planes + 2 * px);
        if (r == 1)
            frames++, r = 0;
        else if (r == 0)
            break;
    }
    double secs = hue_now_s() - t0;
    free(planes);
    free(rgb);
    hue_video_close(v);
    if (r < 0) {
        fprintf(stderr, "hue bench decode: %s\n", hue_error_message());
        return 1;
    }
    double fps = secs > 0 ? frames / secs : 0;
    const char *output = rgb_only ? "rgb8" : "lab";
    if (json) {
        printf("{\"file\": ");
        hue_json_print_string(path);
        printf(", \"frames\": %lld, \"seconds\": %.4f, \"fps\": %.2f, \"width\": %d, \"height\": %d, \"output\": \"%s\"}\n",
               (long long)frames, secs, fps, in->out_width, in->out_height, output);
    } else
        printf("%s: %lld frames %dx%d to %s in %.3f s: %.1f frames/s\n", path, (long long)frames, in->out_width,
               in->out_height, rgb_only ? "RGB8" : "LAB", secs, fps);
    return 0;
}
