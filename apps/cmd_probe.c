/* hue probe: what hue sees in a video file, image or frame folder. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_error.h"
#include "hue_video.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue probe FILE_OR_PATTERN [--json] [--decode]\n"
            "\n"
            "Prints what hue sees in a video file, an image, a folder of numbered\n"
            "images (such as DAVIS JPEGImages/480p/<seq>/), a pattern (dir/%%05d.jpg),\n"
            "a quoted glob ('dir/*.jpg', 'dir/frame_??.png': the matches in natural\n"
            "order, frame_2 before frame_10, all of one extension and size) or - for\n"
            "standard input (read whole into memory, so any container works):\n"
            "size, frame rate, exact frame count, duration, codec, pixel format,\n"
            "colour matrix and range, rotation. The frame count comes from reading\n"
            "every packet of the file, not from its header.\n"
            "\n"
            "  --json     one JSON object (keys: file, width, height, frames, fps,\n"
            "             duration, codec, pix_fmt, bit_depth, color_matrix,\n"
            "             color_range, rotation, variable_fps, container, header_frames)\n"
            "  --decode   also decode every frame, checking the count and the data\n"
            "  -h, --help this text\n"
            "\n"
            "Exit status: 0 ok, 1 the input is missing, unreadable, damaged or cut\n"
            "short (the message says which), 2 usage error.\n");
}

static void print_json(const char *path, const hue_video_info *in)
{
    printf("{\"file\": ");
    hue_json_print_string(path);
    printf(", \"width\": %d, \"height\": %d, \"frames\": %lld, \"fps\": %.6g, \"duration\": %.6g, ", in->width,
           in->height, (long long)in->frames, in->fps, in->duration);
    printf("\"codec\": ");
    hue_json_print_string(in->codec);
    printf(", \"pix_fmt\": ");
    hue_json_print_string(in->pix_fmt);
    printf(", \"bit_depth\": %d, \"color_matrix\": ", in->bit_depth);
    hue_json_print_string(in->color_matrix);
    printf(", \"color_range\": ");
    hue_json_print_string(in->color_range);
    printf(", \"rotation\": %d, \"variable_fps\": %s, \"container\": ", in->rotation,
           in->variable_fps ? "true" : "false");
    hue_json_print_string(in->is_folder ? "frames" : in->container);
    printf(", \"header_frames\": %lld}\n", (long long)in->header_frames);
}

static void print_text(const char *path, const hue_video_info *in)
{
    printf("file:         %s\n", path);
    printf("container:    %s\n", in->is_folder ? "image files" : in->container);
    printf("codec:        %s\n", in->codec);
    printf("pixel format: %s (%d-bit)\n", in->pix_fmt, in->bit_depth);
    printf("colour:       matrix %s, %s range\n", in->color_matrix,
           in->color_range[0] == 'p' ? "full" : "limited");
    printf("size:         %dx%d%s\n", in->width, in->height, in->rotation ? " (after rotation)" : "");
    if (in->rotation)
        printf("rotation:     %d degrees clockwise\n", in->rotation);
    printf("frame rate:   %.6g fps%s\n", in->fps, in->variable_fps ? " (variable)" : "");
    printf("frames:       %lld\n", (long long)in->frames);
    printf("duration:     %.3f s\n", in->duration);
}

/* Decodes every frame; returns 0 or the error of the first problem. */
static int decode_all(hue_video *v, int64_t *decoded)
{
    const hue_video_info *in = hue_video_get_info(v);
    uint8_t *rgb = malloc((size_t)in->out_width * in->out_height * 3);
    if (!rgb)
        return hue_fail(HUE_ENOMEM, "out of memory");
    int r;
    *decoded = 0;
    while ((r = hue_video_read_rgb(v, rgb)) == 1)
        ++*decoded;
    free(rgb);
    return r;
}

typedef struct {
    int json, decode;
    const char *path;
} probe_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, probe_args *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"decode", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *a = (probe_args){0};
    hue_flags_begin();
    while ((c = hue_flags_next("probe", argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'd': a->decode = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "hue probe: expected one FILE_OR_PATTERN\n");
        usage(stderr);
        return 2;
    }
    a->path = argv[optind];
    return -1;
}

int cmd_probe_parse(int argc, char **argv)
{
    probe_args args;
    return parse_args(argc, argv, &args);
}

int cmd_probe(int argc, char **argv)
{
    probe_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;
    const char *path = args.path;
    int json = args.json, decode = args.decode;
    hue_video *v;
    if (hue_video_open(&v, path, NULL) < 0) {
        fprintf(stderr, "hue probe: %s\n", hue_error_message());
        return 1;
    }
    const hue_video_info *in = hue_video_get_info(v);
    int64_t decoded = 0;
    int r = decode ? decode_all(v, &decoded) : hue_video_problem(v);
    if (json)
        print_json(path, in);
    else {
        print_text(path, in);
        if (decode)
            printf("decoded:      %lld frames\n", (long long)decoded);
    }
    hue_video_close(v);
    if (r < 0) {
        fprintf(stderr, "hue probe: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
