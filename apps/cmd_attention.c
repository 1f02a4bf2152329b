/* hue attention: where one point of a frame looks in its context, with the
 * affinity hue track propagates labels with, drawn as a heat map over the
 * context frames and listed as the top attended positions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_heatmap.h"
#include "hue_output.h"
#include "hue_track.h"
#include "hue_video.h"
#include "hue_writer.h"
#include "json_out.h"
#include "progress.h"
#include "track_options.h"

#define TILE_COLUMNS 4
#define TILE_GAP 4

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue attention VIDEO (--model CKPT | --features lab|random) --frame T --at X,Y -o OUT.png\n"
            "                     [options]\n\n"
            "Shows where pixel (X, Y) of frame T looks in its context: the affinity 'hue track' carries\n"
            "masks with (frame 0 and the last N frames, a window of radius R around the point's feature\n"
            "cell in the last N, the top K positions, a softmax at a temperature), at the same settings.\n"
            "The frames from 0 to T run through the tracker as 'hue track' runs them, so the context is\n"
            "the one tracking has at frame T (a clip of N frames or fewer gets N = frames - 1, as in\n"
            "track).\n\n"
            "OUT.png tiles frame 0, the last N frames before T (oldest first) and frame T itself, 4 to a\n"
            "row with 4-pixel gaps, each at the video's size: the context frames turn gray with the\n"
            "weights as a heat map (dark red, faint, to white, the strongest; each feature cell, 8x8\n"
            "pixels, is one position, circled in its colour), and frame T (the last tile) marks the point\n"
            "with a green crosshair. The top positions are printed best first: frame, x, y (the cell's\n"
            "centre in pixels) and weight (they sum to 1; frame 0 padding the ring of a short context\n"
            "counts once, its weights summed).\n\n"
            "  --frame T            the query's frame, 1 or more (frame 0 has no context)\n"
            "  --at X,Y             the query pixel in frame T, 0 <= X < width, 0 <= Y < height\n"
            "  --model CKPT         features from a video encoder trained by 'hue train-video'\n"
            "  --features lab       baseline: raw LAB pixels average-pooled to stride 8\n"
            "  --features random    baseline: the encoder's architecture at its seeded initialisation\n"
            "                       (--model's architecture when given, else train-video's default)\n"
            "  -o, --out FILE       the picture, a .png (refused if it exists, unless --force)\n"
            TRACK_OPTIONS_HELP
            "  --force              replace an existing OUT.png\n"
            "  --json               print a JSON object instead: video, frame, x, y, cell_x, cell_y,\n"
            "                       context (the frames shown before T), image, width, height, top (a list\n"
            "                       of {frame, x, y, cell_x, cell_y, weight}, best first)\n"
            "  -q, --quiet          no progress bar\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
}

typedef struct {
    hue_tracker_options to;
    const char *video, *out;
    long frame;
    long x, y;
    int force, json, quiet;
} attention_args;

/* "X,Y" with two integers >= 0. */
static int parse_point(const char *s, long *x, long *y)
{
    char *end;
    *x = strtol(s, &end, 10);
    if (end == s || *end != ',' || *x < 0)
        return -1;
    const char *t = end + 1;
    *y = strtol(t, &end, 10);
    return end == t || *end || *y < 0 ? -1 : 0;
}

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, attention_args *a)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"features", required_argument, 0, 'F'},
        {"frame", required_argument, 0, 'T'}, {"at", required_argument, 0, 'A'},
        {"out", required_argument, 0, 'o'},   {"force", no_argument, 0, 'f'},
        {"json", no_argument, 0, 'j'},        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},        TRACK_OPTIONS_LONG, {0}};
    *a = (attention_args){.to = hue_tracker_defaults(), .frame = -1, .x = -1, .y = -1};
    const char *features = NULL, *model = NULL;
    char *end;
    int c, rc;
    hue_flags_begin();
    while ((c = hue_flags_next("attention", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'F': features = optarg; break;
        case 'o': a->out = optarg; break;
        case 'f': a->force = 1; break;
        case 'j': a->json = 1; break;
        case 'q': a->quiet = 1; break;
        case 'T':
            a->frame = strtol(optarg, &end, 10);
            if (!*optarg || *end || a->frame < 1 || a->frame > 1000000000) {
                fprintf(stderr, "hue attention: --frame %s: expected a frame index of 1 or more (frame 0 has no "
                        "context to attend to)\n", optarg);
                return 2;
            }
            break;
        case 'A':
            if (parse_point(optarg, &a->x, &a->y) || a->x > 100000 || a->y > 100000) {
                fprintf(stderr, "hue attention: --at %s: expected X,Y, two pixel coordinates of 0 or more\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default:
            if (hue_track_option(c, optarg, "attention", &a->to))
                return 2;
        }
    }
    if (optind + 1 != argc || !a->out || a->frame < 0 || a->x < 0) {
        fprintf(stderr, "hue attention: give one VIDEO, --frame, --at and -o (see --help)\n");
        return 2;
    }
    if ((rc = hue_track_features(features, model, "attention", &a->to)))
        return rc;
    a->video = argv[optind];
    return -1;
}

int cmd_attention_parse(int argc, char **argv)
{
    attention_args args;
    return parse_args(argc, argv, &args);
}

/* Draws the picture: the context frames with their heat maps, then frame T
 * with the point; 0 or an error. frames[i] is the RGB of shown[i]. */
static int draw(const attention_args *a, uint8_t **frames, const int *shown, int n, int W, int H,
                const hue_attention_site *sites, int n_sites, int *out_w, int *out_h)
{
    int gh, gw;
    hue_tracker_grid(W, H, &gh, &gw);
    float *cells = malloc(sizeof *cells * (size_t)gh * gw);
    double top = 0;
    for (int i = 0; i < n_sites; i++)
        top = sites[i].weight > top ? sites[i].weight : top;
    hue_tile_size(n, W, H, TILE_COLUMNS, TILE_GAP, out_w, out_h);
    uint8_t *picture = malloc((size_t)*out_w * *out_h * 3);
    if (!cells || !picture) {
        free(cells), free(picture);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    for (int i = 0; i + 1 < n; i++) {
        memset(cells, 0, sizeof *cells * (size_t)gh * gw);
        for (int s = 0; s < n_sites; s++)
            if (sites[s].frame == shown[i])
                cells[(size_t)sites[s].cy * gw + sites[s].cx] += (float)(sites[s].weight / top);
        hue_heatmap_draw(frames[i], W, H, cells, gh, gw);
        /* a cell is small in a whole frame: a ring in its colour finds it */
        for (int s = 0; s < n_sites; s++)
            if (sites[s].frame == shown[i]) {
                uint8_t colour[3];
                hue_heat_colour(0.25 + 0.75 * sites[s].weight / top, colour);
                hue_mark_circle(frames[i], W, H, (int)((2 * (int64_t)sites[s].cx + 1) * W / (2 * gw)),
                                (int)((2 * (int64_t)sites[s].cy + 1) * H / (2 * gh)), 12, colour);
            }
    }
    static const uint8_t green[3] = {0, 255, 64};
    hue_mark_point(frames[n - 1], W, H, (int)a->x, (int)a->y, green);
    hue_tile_frames((const uint8_t *const *)frames, n, W, H, TILE_COLUMNS, TILE_GAP, picture);
    int rc = hue_image_write_rgb(a->out, picture, *out_w, *out_h, 0, a->force);
    free(cells), free(picture);
    return rc;
}

static void print_result(const attention_args *a, const int *shown, int n, int W, int H, int cx, int cy,
                         const hue_attention_site *sites, int n_sites, int out_w, int out_h)
{
    int gh, gw;
    hue_tracker_grid(W, H, &gh, &gw);
    if (a->json) {
        printf("{\"video\": ");
        hue_json_print_string(a->video);
        printf(", \"frame\": %ld, \"x\": %ld, \"y\": %ld, \"cell_x\": %d, \"cell_y\": %d, \"context\": [", a->frame,
               a->x, a->y, cx, cy);
        for (int i = 0; i + 1 < n; i++)
            printf("%s%d", i ? ", " : "", shown[i]);
        printf("], \"image\": ");
        hue_json_print_string(a->out);
        printf(", \"width\": %d, \"height\": %d, \"top\": [", out_w, out_h);
    } else if (!a->quiet) {
        printf("frame %ld at (%ld, %ld), feature cell (%d, %d), attends over frames 0", a->frame, a->x, a->y, cx,
               cy);
        if (n > 2)
            printf(n > 3 ? " and %d-%d" : " and %d", shown[1], shown[n - 2]);
        printf("; picture (%dx%d) in %s\n  frame      x      y   weight\n", out_w, out_h, a->out);
    }
    for (int i = 0; i < n_sites; i++) {
        const hue_attention_site *s = &sites[i];
        /* the centre of the cell in the frame's pixels */
        int x = (int)((2 * (int64_t)s->cx + 1) * W / (2 * gw)), y = (int)((2 * (int64_t)s->cy + 1) * H / (2 * gh));
        if (a->json)
            printf("%s{\"frame\": %d, \"x\": %d, \"y\": %d, \"cell_x\": %d, \"cell_y\": %d, \"weight\": %.6f}",
                   i ? ", " : "", s->frame, x, y, s->cx, s->cy, s->weight);
        else if (!a->quiet)
            printf("  %5d  %5d  %5d   %.4f\n", s->frame, x, y, s->weight);
    }
    if (a->json)
        printf("]}\n");
}

static int run(const attention_args *a)
{
    hue_tracker_options to = a->to;
    char source[4096];
    hue_file_use uses[] = {{"-o", a->out, 1},
                           {"VIDEO", hue_video_source(a->video, source, sizeof source), 0},
                           {"--model", to.model, 0}};
    if (hue_file_check_uses(uses, (int)(sizeof uses / sizeof uses[0])) || hue_output_check(a->out, a->force))
        return 1;
    const char *dot = strrchr(a->out, '.');
    if (!dot || strcmp(dot, ".png") != 0) {
        hue_fail(HUE_EINVAL, "-o %s: the picture is a PNG, name it .png", a->out);
        return 1;
    }

    hue_video *v = NULL;
    hue_tracker *t = NULL;
    uint8_t **frames = NULL, *rgb = NULL;
    float *ids = NULL, *cells = NULL;
    int *shown = NULL, n = 0, rc;
    hue_attention_site *sites = NULL;
    if ((rc = hue_video_open(&v, a->video, NULL)))
        goto done;
    const hue_video_info *info = hue_video_get_info(v);
    int W = info->out_width, H = info->out_height;
    if (a->frame >= info->frames) {
        rc = hue_fail(HUE_EINVAL, "--frame %ld: %s has %lld frames (1 to %lld can be asked)", a->frame, a->video,
                      (long long)info->frames, (long long)info->frames - 1);
        goto done;
    }
    if (a->x >= W || a->y >= H) {
        rc = hue_fail(HUE_EINVAL, "--at %ld,%ld: outside the %dx%d frames of %s", a->x, a->y, W, H, a->video);
        goto done;
    }
    if (info->frames <= to.context) {
        if (!a->quiet && !a->json)
            fprintf(stderr, "hue attention: %s has %lld frames: context %d instead of %d, as in hue track\n",
                    a->video, (long long)info->frames, (int)info->frames - 1, to.context);
        to.context = (int)info->frames - 1; /* as hue track does */
    }
    to.width = W, to.height = H, to.labels = 1, to.argmax = 1;
    int gh, gw, T = (int)a->frame, first = T - to.context > 1 ? T - to.context : 1;
    hue_tracker_grid(W, H, &gh, &gw);
    /* shown: frame 0, frames first .. T - 1, and T */
    int count = T - first + 2;
    frames = calloc((size_t)count, sizeof *frames);
    shown = malloc(sizeof *shown * (size_t)count);
    rgb = malloc((size_t)W * H * 3);
    ids = malloc(sizeof *ids * (size_t)W * H);
    cells = malloc(sizeof *cells * (size_t)gh * gw);
    sites = malloc(sizeof *sites * (size_t)to.topk);
    if (!frames || !shown || !rgb || !ids || !cells || !sites) {
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto done;
    }
    for (int i = 0; i < gh * gw; i++)
        cells[i] = 1; /* one label everywhere: only the affinity is of use here */
    if ((rc = hue_tracker_create(&t, &to)))
        goto done;
    hue_progress bar;
    hue_progress_start(&bar, a->quiet || a->json);
    int n_sites = 0;
    for (int f = 0; f <= T; f++) {
        if ((rc = hue_video_read_rgb(v, rgb)) != 1) {
            if (rc == 0)
                rc = hue_fail(HUE_EFORMAT, "%s ends at frame %d, before frame %d", a->video, f, T);
            break;
        }
        if (f == 0)
            rc = hue_tracker_start(t, rgb, cells);
        else if (f < T)
            rc = hue_tracker_step(t, rgb, ids);
        else
            rc = hue_tracker_step_attend(t, rgb, ids, (int)((int64_t)a->x * gw / W), (int)((int64_t)a->y * gh / H),
                                         sites, &n_sites);
        if (rc)
            break;
        if (f == 0 || f >= first) {
            if (!(frames[n] = malloc((size_t)W * H * 3))) {
                rc = hue_fail(HUE_ENOMEM, "out of host memory");
                break;
            }
            memcpy(frames[n], rgb, (size_t)W * H * 3);
            shown[n++] = f;
        }
        hue_progress_update(&bar, "attention", f + 1, T + 1, "");
    }
    hue_progress_finish(&bar);
    if (rc)
        goto done;
    int out_w, out_h;
    if ((rc = draw(a, frames, shown, n, W, H, sites, n_sites, &out_w, &out_h)))
        goto done;
    print_result(a, shown, n, W, H, (int)((int64_t)a->x * gw / W), (int)((int64_t)a->y * gh / H), sites, n_sites,
                 out_w, out_h);
done:
    for (int i = 0; frames && i < n; i++)
        free(frames[i]);
    free(frames), free(shown), free(rgb), free(ids), free(cells), free(sites);
    hue_tracker_destroy(t);
    hue_video_close(v);
    return rc ? 1 : 0;
}

int cmd_attention(int argc, char **argv)
{
    attention_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0)
        return rc;
    if (run(&args)) {
        fprintf(stderr, "hue attention: %s\n", hue_error_message());
        return 1;
    }
    return 0;
}
