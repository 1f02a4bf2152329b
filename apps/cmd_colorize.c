/* hue colorize: colours a clip from one coloured reference frame. Every
 * frame keeps its own lightness; its ab comes from the reference through the
 * same propagation hue track uses. The propagation sees only lightness (each
 * frame is turned gray first), so the clip's own colours never leak in; when
 * the clip has colours, --eval compares the result with them. --clips
 * colours every clip of a list (under mpirun, each rank its share) and
 * ends with one table of them all. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "flags.h"
#include "hue_clip_colorize.h"
#include "hue_clip_list.h"
#include "hue_clock.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_output.h"
#include "hue_track.h"
#include "hue_video.h"
#include "hue_writer.h"
#include "json_out.h"
#include "progress.h"
#include "track_options.h"
#include "video_out.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue colorize VIDEO (--ref-frame I | --ref IMAGE) (--model CKPT | --features lab|random)\n"
            "                    -o OUT.mp4 [options]\n"
            "       hue colorize --clips LIST --ref-frame I (--model CKPT | --features lab|random) -o OUTDIR\n"
            "       hue colorize --image IN --model CKPT -o OUT   (a still image: see hue colorize --image --help)\n\n"
            "VIDEO is any file FFmpeg reads, a frame folder, a pattern (dir/%%05d.png, or a quoted glob\n"
            "such as 'dir/*.jpg', in natural order) or - for standard input.\n"
            "Colours VIDEO from a reference: frame I of the video itself (the output then covers frames I\n"
            "to the end) or a colour IMAGE (resized to the video's frames; the output covers every frame).\n"
            "Each output frame keeps its own lightness (L) and gets ab carried from the reference.\n\n"
            "  --ref-frame I        the reference is frame I of VIDEO (0 = the first)\n"
            "  --ref IMAGE          the reference is this colour image\n"
            "  --model CKPT         features from a video encoder trained by 'hue train-video'\n"
            "  --features lab       baseline: pooled LAB of the gray frames (lightness only)\n"
            "  --features random    baseline: the encoder's architecture, untrained\n"
            "  -o, --out FILE       output video, the size of VIDEO's frames: .mp4 (H.264), .mkv (H.264 or\n"
            "                       FFV1), .webm (VP9, else VP8), .gif (8-bit colour), .y4m (raw), .avi\n"
            "                       (FFV1), or - for standard output with --format; with --clips a folder\n"
            VIDEO_OUT_FORMAT_HELP
            "  --clips LIST         every clip of LIST instead of one VIDEO (a folder of videos, a text file\n"
            "                       with one video per line, or one video), each from its frame I, into\n"
            "                       OUTDIR/NAME.mp4 (NAME: the clip's file name without extension); with\n"
            "                       --eval, one table of every clip's figures and their mean at the end.\n"
            "                       Under mpirun -np N, rank r colours clips r, r + N, ..., and rank 0\n"
            "                       prints the table one process prints\n"
            TRACK_OPTIONS_HELP
            "  --eval               compare with the clip's own colours: mean ab error and PSNR, next to\n"
            "                       copying the reference's ab unchanged\n"
            "  --json               print the --eval figures as JSON (--clips: one object for all clips)\n"
            "  --force              replace an existing output\n"
            "  -q, --quiet          no progress bar\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
}

typedef struct {
    hue_tracker_options to;
    const char *ref_image, *out, *video_path, *clips;
    const char *format;  /* --format of an output on standard output */
    int out_fd;          /* where standard output went, for -o - */
    long ref_frame;
    int eval, json, force, quiet;
} colorize_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, colorize_args *a)
{
    static const struct option opts[] = {
        {"ref-frame", required_argument, 0, 'r'}, {"ref", required_argument, 0, 'R'},
        {"model", required_argument, 0, 'm'},     {"features", required_argument, 0, 'F'},
        {"out", required_argument, 0, 'o'},       {"eval", no_argument, 0, 'e'},
        {"json", no_argument, 0, 'j'},            {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {"clips", required_argument, 0, 'C'},     {"format", required_argument, 0, 'T'},
        TRACK_OPTIONS_LONG, {0}};
    *a = (colorize_args){.to = hue_tracker_defaults(), .ref_frame = -1};
    const char *features = NULL, *model = NULL;
    int c, rc;
    hue_flags_begin();
    while ((c = hue_flags_next("colorize", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': {
            char *end;
            a->ref_frame = strtol(optarg, &end, 10);
            if (!*optarg || *end || a->ref_frame < 0) {
                fprintf(stderr, "hue colorize: --ref-frame %s: expected a frame index >= 0\n", optarg);
                return 2;
            }
            break;
        }
        case 'R': a->ref_image = optarg; break;
        case 'C': a->clips = optarg; break;
        case 'm': model = optarg; break;
        case 'F': features = optarg; break;
        case 'o': a->out = optarg; break;
        case 'T': a->format = optarg; break;
        case 'e': a->eval = 1; break;
        case 'j': a->json = 1; break;
        case 'f': a->force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            if (hue_track_option(c, optarg, "colorize", &a->to))
                return 2;
        }
    }
    if (a->clips) {
        if (optind != argc || !a->out || a->ref_frame < 0 || a->ref_image) {
            fprintf(stderr, "hue colorize: --clips takes --ref-frame I and -o OUTDIR, and no VIDEO or --ref "
                    "(see --help)\n");
            return 2;
        }
    } else if (optind + 1 != argc || !a->out || (a->ref_frame < 0) == !a->ref_image) {
        fprintf(stderr, "hue colorize: give one VIDEO, -o, and one of --ref-frame or --ref (see --help)\n");
        return 2;
    }
    if ((rc = hue_track_features(features, model, "colorize", &a->to)))
        return rc;
    if (a->clips && !video_out_file(a->out)) {
        fprintf(stderr, "hue colorize: --clips writes a folder of videos: -o - is for one VIDEO\n");
        return 2;
    }
    if ((rc = video_out_check("colorize", "-o", a->out, a->format)) >= 0)
        return rc;
    a->video_path = a->clips ? NULL : argv[optind];
    return -1;
}

/* --image anywhere on the line: a still image, not a clip. */
static int wants_image(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--image") == 0 || strncmp(argv[i], "--image=", 8) == 0)
            return 1;
    return 0;
}

int cmd_colorize_parse(int argc, char **argv)
{
    if (wants_image(argc, argv))
        return cmd_colorize_image_parse(argc, argv);
    colorize_args args;
    return parse_args(argc, argv, &args);
}

/* What --eval measures of one clip. */
typedef struct {
    int64_t frames;
    double ab_error, psnr, copy_ab_error, copy_psnr;
} clip_figures;

/* One clip into `out`: 0 (figures filled when --eval), or 1 with the
 * message printed. */
static int colorize_one(const colorize_args *args, const char *video_path, const char *out, clip_figures *fig)
{
    hue_tracker_options to = args->to;
    const char *ref_image = args->ref_image;
    long ref_frame = args->ref_frame;
    int eval = args->eval, force = args->force, quiet = args->quiet, rc;
    char source[4096];
    hue_file_use uses[] = {{"-o", video_out_file(out), 1},
                           {"VIDEO", video_out_file(hue_video_source(video_path, source, sizeof source)), 0},
                           {"--ref", ref_image, 0}, {"--model", to.model, 0}};
    if (hue_file_check_uses(uses, (int)(sizeof uses / sizeof uses[0]))) {
        fprintf(stderr, "hue colorize: %s\n", hue_error_message());
        return 1;
    }
    hue_video *v = NULL, *ref = NULL;
    hue_clip_colorizer *c = NULL;
    hue_writer *w = NULL;
    uint8_t *rgb = NULL;
    if ((rc = hue_video_open(&v, video_path, NULL)))
        goto fail;
    const hue_video_info *info = hue_video_get_info(v);
    int W = info->out_width, H = info->out_height;
    size_t n = (size_t)W * H;
    if (ref_frame >= info->frames) {
        rc = hue_fail(HUE_EINVAL, "--ref-frame %ld: %s has %lld frames (0 to %lld)", ref_frame, video_path,
                      (long long)info->frames, (long long)info->frames - 1);
        goto fail;
    }
    int64_t from_ref = info->frames - (ref_frame > 0 ? ref_frame : 0);
    if (from_ref < 2) {
        rc = hue_fail(HUE_EINVAL, "%s has no frame after the reference to colour", video_path);
        goto fail;
    }
    if (from_ref <= to.context) {
        /* a frame never has more earlier frames than this; the output is what --context would give */
        if (!quiet)
            fprintf(stderr, "hue colorize: %s has %lld frames from the reference: context %d instead of %d\n",
                    video_path, (long long)from_ref, (int)from_ref - 1, to.context);
        to.context = (int)from_ref - 1;
    }
    if (video_out_file(out) && (rc = hue_output_check(out, force)))
        goto fail;
    /* packed RGB8: the frame read, its colouring, the reference */
    if (!(rgb = malloc(n * 3 * 3))) {
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto fail;
    }
    uint8_t *frame = rgb, *colour = rgb + 3 * n, *refrgb = rgb + 6 * n;
    if (ref_image) {
        hue_video_options ro = {.width = W, .height = H};
        if ((rc = hue_video_open(&ref, ref_image, &ro)) || (rc = hue_video_read_rgb(ref, refrgb)) != 1) {
            if (rc == 0)
                rc = hue_fail(HUE_EFORMAT, "%s: no image could be read", ref_image);
            goto fail;
        }
    } else {
        for (long i = 0; i <= ref_frame; i++)
            if ((rc = hue_video_read_rgb(v, refrgb)) != 1) {
                if (rc == 0)
                    rc = hue_fail(HUE_EFORMAT, "%s: frame %ld could not be read", video_path, i);
                goto fail;
            }
    }
    if ((rc = hue_clip_colorizer_create(&c, &to, W, H, refrgb)))
        goto fail;
    hue_writer_options wo = {.fps = info->fps, .force = force, .format = args->format, .stdout_fd = args->out_fd};
    if ((rc = hue_writer_open(&w, out, W, H, &wo)))
        goto fail;
    if (hue_writer_note(w) && !quiet)
        fprintf(stderr, "hue colorize: %s\n", hue_writer_note(w));
    if (!ref_image) {
        /* the reference frame is output as it was */
        if ((rc = hue_writer_write_rgb(w, refrgb)))
            goto fail;
    }
    hue_colour_score hue_score = {0}, copy_score = {0};
    hue_progress bar;
    hue_progress_start(&bar, quiet);
    double t0 = hue_now_s();
    int64_t done = 0, total = info->frames - (ref_image ? 0 : ref_frame + 1);
    while ((rc = hue_video_read_rgb(v, frame)) == 1) {
        if ((rc = hue_clip_colorizer_step(c, frame, colour, eval ? &hue_score : NULL, eval ? &copy_score : NULL)) ||
            (rc = hue_writer_write_rgb(w, colour)))
            break;
        done++;
        char fields[64];
        snprintf(fields, sizeof fields, "%.2f frames/s", done / (hue_now_s() - t0));
        hue_progress_update(&bar, "colorize", done, total, fields);
    }
    hue_progress_finish(&bar);
    if (rc < 0)
        goto fail;
    rc = hue_writer_close(w);
    w = NULL;
    if (rc)
        goto fail;
    *fig = (clip_figures){done, -1, -1, -1, -1};
    if (eval && hue_score.pixels)
        *fig = (clip_figures){done, hue_colour_score_ab_error(&hue_score), hue_colour_score_psnr(&hue_score),
                              hue_colour_score_ab_error(&copy_score), hue_colour_score_psnr(&copy_score)};
    else if (!quiet)
        printf("coloured %lld frames of %s into %s\n", (long long)done, video_path, out);
    hue_clip_colorizer_destroy(c);
    hue_video_close(v);
    hue_video_close(ref);
    free(rgb);
    return 0;
fail:
    fprintf(stderr, "hue colorize: %s\n", hue_error_message());
    if (w)
        hue_writer_abort(w);
    hue_clip_colorizer_destroy(c);
    hue_video_close(v);
    hue_video_close(ref);
    free(rgb);
    return 1;
}

static void print_figures(const clip_figures *f, int json)
{
    if (json)
        printf("{\"frames\": %lld, \"ab_error\": %.4f, \"psnr\": %.3f, \"copy_ab_error\": %.4f, "
               "\"copy_psnr\": %.3f}\n",
               (long long)f->frames, f->ab_error, f->psnr, f->copy_ab_error, f->copy_psnr);
    else
        printf("%lld frames: mean ab error %.3f, PSNR %.2f dB (copying the reference's ab: %.3f, %.2f dB)\n",
               (long long)f->frames, f->ab_error, f->psnr, f->copy_ab_error, f->copy_psnr);
}

enum { FIGURES = 5 };

/* The table of every clip (list order) and the mean over clips. */
static void print_table(const hue_clip_list *l, const float *all, int json)
{
    double mean[FIGURES] = {0};
    for (int i = 0; i < l->n; i++)
        for (int k = 0; k < FIGURES; k++)
            mean[k] += all[(size_t)i * FIGURES + k] / l->n;
    char name[256];
    if (json) {
        printf("{\"clips\": [");
        for (int i = 0; i < l->n; i++) {
            const float *f = all + (size_t)i * FIGURES;
            hue_clip_name(l->paths[i], name, sizeof name);
            printf("%s{\"clip\": ", i ? ", " : "");
            hue_json_print_string(name);
            printf(", \"frames\": %.0f, \"ab_error\": %.4f, \"psnr\": %.3f, \"copy_ab_error\": %.4f, "
                   "\"copy_psnr\": %.3f}",
                   f[0], f[1], f[2], f[3], f[4]);
        }
        printf("], \"ab_error\": %.4f, \"psnr\": %.3f, \"copy_ab_error\": %.4f, \"copy_psnr\": %.3f}\n", mean[1],
               mean[2], mean[3], mean[4]);
        return;
    }
    printf("%-24s %7s %9s %9s %10s %10s\n", "clip", "frames", "ab error", "PSNR dB", "copy ab", "copy PSNR");
    for (int i = 0; i < l->n; i++) {
        const float *f = all + (size_t)i * FIGURES;
        hue_clip_name(l->paths[i], name, sizeof name);
        printf("%-24s %7.0f %9.3f %9.2f %10.3f %10.2f\n", name, f[0], f[1], f[2], f[3], f[4]);
    }
    printf("%-24s %7s %9.3f %9.2f %10.3f %10.2f\n", "mean over clips", "", mean[1], mean[2], mean[3], mean[4]);
}

/* --clips: clip i on rank i mod N; with --eval the figures meet on rank 0
 * (a sum over ranks of rows that only their own rank fills). */
static int colorize_clips(const colorize_args *a)
{
    int rank = hue_dist_rank(), ranks = hue_dist_size(), rc;
    hue_clip_list l;
    float *all = NULL;
    if ((rc = hue_clip_list_read(a->clips, &l)) || (rc = hue_clip_list_check_names(&l)) ||
        !(all = calloc((size_t)l.n * FIGURES, sizeof *all))) {
        if (!rc)
            hue_fail(HUE_ENOMEM, "out of host memory");
        fprintf(stderr, "hue colorize: %s\n", hue_error_message());
        hue_clip_list_free(&l);
        return 1;
    }
    for (int i = rank; i < l.n && !rc; i += ranks) {
        char name[256], out[4608];
        hue_clip_name(l.paths[i], name, sizeof name);
        snprintf(out, sizeof out, "%s/%s.mp4", a->out, name);
        if (hue_outdir_make(a->out)) {
            fprintf(stderr, "hue colorize: %s\n", hue_error_message());
            rc = 1;
            break;
        }
        clip_figures f;
        if ((rc = colorize_one(a, l.paths[i], out, &f)))
            break;
        float row[FIGURES] = {(float)f.frames, (float)f.ab_error, (float)f.psnr, (float)f.copy_ab_error,
                              (float)f.copy_psnr};
        memcpy(all + (size_t)i * FIGURES, row, sizeof row);
        if (a->eval && !a->json) {
            printf("%s: ", name);
            print_figures(&f, 0);
        }
    }
    if (!rc && ranks > 1 && hue_dist_sum(all, (size_t)l.n * FIGURES)) {
        fprintf(stderr, "hue colorize: %s\n", hue_error_message());
        rc = 1;
    }
    if (!rc && rank == 0) {
        if (a->eval)
            print_table(&l, all, a->json);
        else if (!a->quiet)
            printf("coloured %d clip%s of %s into %s%s\n", l.n, l.n == 1 ? "" : "s", a->clips, a->out,
                   ranks > 1 ? " (shared among the ranks)" : "");
    }
    free(all);
    hue_clip_list_free(&l);
    return rc ? 1 : 0;
}

int cmd_colorize(int argc, char **argv)
{
    if (wants_image(argc, argv))
        return cmd_colorize_image(argc, argv);
    colorize_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0)
        return rc;
    if (args.clips)
        return colorize_clips(&args);
    if (hue_dist_size() > 1) {
        if (hue_dist_rank() == 0)
            fprintf(stderr, "hue colorize: under mpirun, give --clips (each rank colours its share of the clips); "
                    "every rank would write the same OUT of one VIDEO\n");
        return 2;
    }
    if (!video_out_file(args.out)) {
        hue_writer_options wo = {0};
        if (video_out_claim_stdout(&wo)) {
            fprintf(stderr, "hue colorize: %s\n", hue_error_message());
            return 1;
        }
        args.out_fd = wo.stdout_fd;
    }
    clip_figures f;
    if ((rc = colorize_one(&args, args.video_path, args.out, &f)))
        return rc;
    if (args.eval && f.ab_error >= 0)
        print_figures(&f, args.json);
    return 0;
}
