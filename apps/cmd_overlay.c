/* hue overlay: draws segmentation masks over a video's frames and writes
 * the result as a video or as numbered images, to look at results. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "flags.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_mask.h"
#include "hue_overlay.h"
#include "hue_output.h"
#include "hue_video.h"
#include "hue_writer.h"
#include "video_out.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue overlay VIDEO MASKS -o OUTPUT [--format F] [--alpha A] [--fps F] [--force] [--quiet]\n"
            "\n"
            "Draws mask i over frame i of VIDEO (a file, a frame folder, a pattern such\n"
            "as dir/%%05d.jpg or a quoted glob such as 'dir/*.jpg' in natural order, or -\n"
            "for standard input): each object's palette colour blended in, its outline in\n"
            "full colour. MASKS is a folder of numbered PNG masks (DAVIS palette PNGs,\n"
            "grayscale 0/255 or object ids, or colour PNGs whose colours are the objects,\n"
            "e.g. Annotations/480p/<seq>/) or a pattern, with exactly\n"
            "one mask per frame, each the size of the frames.\n"
            "\n"
            "  -o, --out OUTPUT     a video (.mp4: H.264; .mkv: H.264, or FFV1 without\n"
            "                       libx264; .webm: VP9, else VP8; .gif: 8-bit colour; .y4m:\n"
            "                       raw; .avi: FFV1; - for standard output with --format) or\n"
            "                       numbered images (dir/%%05d.png or dir/%%05d.jpg)\n"
            VIDEO_OUT_FORMAT_HELP
            "  --alpha A            weight of the mask colour inside objects (default 0.5)\n"
            "  --fps F              frame rate of an output video (default: the input's)\n"
            "  --force              overwrite existing output files\n"
            "  -q, --quiet          no progress line\n"
            "  -h, --help           this text\n"
            "\n"
            "Nothing is overwritten without --force, and an output video appears only\n"
            "once complete. Exit status: 0 ok, 1 bad or missing input or output, 2 usage error.\n");
}

typedef struct {
    hue_video *video;
    hue_writer *writer;
    hue_mask mask;
    uint8_t *rgb;
} overlay_state;

static int fail(overlay_state *s)
{
    fprintf(stderr, "hue overlay: %s\n", hue_error_message());
    hue_writer_abort(s->writer);
    hue_video_close(s->video);
    hue_mask_free(&s->mask);
    free(s->rgb);
    return 1;
}

typedef struct {
    const char *output, *video_path, *masks;
    const char *format;  /* --format of an output on standard output */
    double alpha, fps;
    int force, quiet;
} overlay_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, overlay_args *a)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},    {"alpha", required_argument, NULL, 'a'},
        {"fps", required_argument, NULL, 'f'},    {"force", no_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"format", required_argument, NULL, 'T'}, {NULL, 0, NULL, 0},
    };
    *a = (overlay_args){.alpha = 0.5};
    int c;
    hue_flags_begin();
    while ((c = hue_flags_next("overlay", argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'T': a->format = optarg; break;
        case 'a':
            if (hue_flag_number("overlay", "alpha", optarg, 0, 1, 0, &a->alpha))
                return 2;
            break;
        case 'f':
            if (hue_flag_number("overlay", "fps", optarg, 0, 1000, 1, &a->fps))
                return 2;
            break;
        case 'F': a->force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 2 || !a->output) {
        fprintf(stderr, "hue overlay: expected VIDEO MASKS -o OUTPUT\n");
        usage(stderr);
        return 2;
    }
    a->video_path = argv[optind], a->masks = argv[optind + 1];
    return video_out_check("overlay", "-o", a->output, a->format);
}

int cmd_overlay_parse(int argc, char **argv)
{
    overlay_args args;
    return parse_args(argc, argv, &args);
}

int cmd_overlay(int argc, char **argv)
{
    overlay_args args;
    int status = parse_args(argc, argv, &args);
    if (status >= 0)
        return status;
    const char *output = args.output, *video_path = args.video_path, *masks = args.masks;
    double alpha = args.alpha, fps = args.fps;
    int force = args.force, quiet = args.quiet;
    char source[4096];
    hue_file_use uses[] = {{"-o", video_out_file(output), 1},
                           {"VIDEO", video_out_file(hue_video_source(video_path, source, sizeof source)), 0},
                           {"MASKS", masks, 0}};
    if (hue_file_check_uses(uses, 3)) {
        fprintf(stderr, "hue overlay: %s\n", hue_error_message());
        return 1;
    }
    hue_writer_options wo = {.force = force, .format = args.format};
    if (!video_out_file(output) && video_out_claim_stdout(&wo)) {
        fprintf(stderr, "hue overlay: %s\n", hue_error_message());
        return 1;
    }
    overlay_state s = {0};
    if (hue_video_open(&s.video, video_path, NULL) < 0)
        return fail(&s);
    hue_video_info info = *hue_video_get_info(s.video); /* printed after hue_video_close */
    const hue_video_info *in = &info;
    char mask_pattern[8192];
    int64_t first, count;
    if (hue_frame_folder_resolve(masks, mask_pattern, sizeof mask_pattern, &first, &count) < 0)
        return fail(&s);
    if (count != in->frames) {
        hue_fail(HUE_EINVAL, "%s: %lld masks, but %s has %lld frames (one mask per frame is needed)", masks,
                 (long long)count, video_path, (long long)in->frames);
        return fail(&s);
    }
    /* Check every output name before any work: nothing half-done on refusal. */
    int images = strchr(output, '%') != NULL;
    char name[8192];
    if (images) {
        for (int64_t i = 0; i < in->frames; i++) {
            if (hue_pattern_format(output, i, name, sizeof name) < 0 || hue_output_check(name, force) < 0)
                return fail(&s);
            char mask[8192];
            if (hue_pattern_format(mask_pattern, first + i, mask, sizeof mask) == 0 && hue_file_same(name, mask)) {
                hue_fail(HUE_EINVAL, "%s: -o names mask %s (an output must not also be an input)", name, mask);
                return fail(&s);
            }
        }
    } else {
        wo.fps = fps > 0 ? fps : in->fps;
        if (hue_writer_open(&s.writer, output, in->out_width, in->out_height, &wo) < 0)
            return fail(&s);
        if (hue_writer_note(s.writer) && !quiet)
            fprintf(stderr, "hue overlay: %s\n", hue_writer_note(s.writer));
    }
    s.rgb = malloc((size_t)in->out_width * in->out_height * 3);
    if (!s.rgb) {
        hue_fail(HUE_ENOMEM, "out of memory");
        return fail(&s);
    }
    int progress = !quiet && isatty(2);
    for (int64_t i = 0;; i++) {
        int r = hue_video_read_rgb(s.video, s.rgb);
        if (r < 0)
            return fail(&s);
        if (r == 0)
            break;
        hue_mask_free(&s.mask);
        if (hue_pattern_format(mask_pattern, first + i, name, sizeof name) < 0 || hue_mask_read(&s.mask, name) < 0)
            return fail(&s);
        if (s.mask.width != in->out_width || s.mask.height != in->out_height) {
            hue_fail(HUE_EINVAL, "%s: mask is %dx%d but the frames of %s are %dx%d", name, s.mask.width,
                     s.mask.height, video_path, in->out_width, in->out_height);
            return fail(&s);
        }
        if (hue_overlay_draw(s.rgb, in->out_width, in->out_height, &s.mask, (float)alpha) < 0)
            return fail(&s);
        if (images) {
            hue_pattern_format(output, i, name, sizeof name);
            r = hue_image_write_rgb(name, s.rgb, in->out_width, in->out_height, 0, force);
        } else {
            r = hue_writer_write_rgb(s.writer, s.rgb);
        }
        if (r < 0)
            return fail(&s);
        if (progress)
            fprintf(stderr, "\roverlay: frame %lld/%lld", (long long)i + 1, (long long)in->frames);
    }
    if (progress)
        fputc('\n', stderr);
    int r = hue_writer_close(s.writer);
    s.writer = NULL;
    if (r < 0)
        return fail(&s);
    hue_video_close(s.video);
    hue_mask_free(&s.mask);
    free(s.rgb);
    if (!quiet)
        printf("%s: %lld frames with masks from %s\n", output, (long long)in->frames, masks);
    return 0;
}
