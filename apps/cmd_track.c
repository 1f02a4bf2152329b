/* hue track: carries a first-frame segmentation mask through a clip, or
 * through every clip of a list (under mpirun, each rank its share). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "flags.h"
#include "hue_clip_list.h"
#include "hue_clock.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_mask.h"
#include "hue_output.h"
#include "hue_overlay.h"
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
            "usage: hue track VIDEO --mask FIRST.png (--model CKPT | --features lab|random) -o OUTDIR [options]\n"
            "       hue track --clips LIST --masks DIR (--model CKPT | --features lab|random) -o OUTDIR [options]\n\n"
            "Propagates the objects of FIRST.png through VIDEO (any file FFmpeg reads, a frame folder, a\n"
            "pattern: dir/%%05d.png or a quoted glob such as 'dir/*.jpg', in natural order; or - for\n"
            "standard input) and writes OUTDIR/%%05d.png for every frame (frame 0 is the given mask),\n"
            "the size of the frames, as indexed PNGs with the mask's palette. FIRST.png is a DAVIS\n"
            "palette PNG (index = object), a grayscale PNG (0/255: one object; else the values are the\n"
            "objects' ids, 0/1, 0/1/2, ...), or a colour PNG whose flat colours are the objects on black\n"
            "(their ids are printed; the masks written keep the colours).\n\n"
            "  --mask FILE          first-frame mask, the size of the video's frames\n"
            "  --clips LIST         every clip of LIST instead of one VIDEO: a folder of videos, a text file\n"
            "                       with one video per line, or one video; clip NAME (its file name without\n"
            "                       the extension) gets its masks in OUTDIR/NAME/, the layout 'hue eval\n"
            "                       davis --results OUTDIR' reads. Under mpirun -np N, rank r tracks clips\n"
            "                       r, r + N, ...: the masks are those one process writes\n"
            "  --masks DIR          with --clips: clip NAME's first-frame mask is DIR/NAME/00000.png (DAVIS's\n"
            "                       Annotations/480p layout) or DIR/NAME.png\n"
            "  --model CKPT         features from a video encoder trained by 'hue train-video'\n"
            "  --features lab       baseline: raw LAB pixels average-pooled to stride 8\n"
            "  --features random    baseline: the encoder's architecture at its seeded initialisation\n"
            "                       (--model's architecture when given, else train-video's default)\n"
            "  -o, --out DIR        output folder (created; refused if it holds PNGs, unless --force or\n"
            "                       they are the masks of a run that did not finish: a marker file,\n"
            "                       " HUE_OUTDIR_MARKER ", stays in DIR until every mask is written)\n"
            "  --overlay FILE       also write the masks drawn over the frames as a video (one VIDEO only):\n"
            "                       .mp4 (H.264), .mkv, .webm (VP9), .gif (8-bit colour), .y4m, .avi, or\n"
            "                       - for standard output with --format\n"
            VIDEO_OUT_FORMAT_HELP
            "  --probabilities DIR  also write the soft maps the masks are the argmax of: DIR/ID/%%05d.png\n"
            "                       for every object id of the mask and the background (ID 0), 8-bit\n"
            "                       grayscale PNGs of probability x 255 (rounded; a pixel's maps sum to\n"
            "                       about 255); frame 0's are the given mask's (255 or 0). With --clips,\n"
            "                       DIR/NAME/ID/. DIR is created; refused if it holds anything, unless\n"
            "                       --force or a run that did not finish left it\n"
            TRACK_OPTIONS_HELP
            "  --resize-mask        resize a mask of another size to the video's (nearest neighbour)\n"
            "  --force              replace masks already in OUTDIR and an existing --overlay, and write\n"
            "                       into a --probabilities DIR that holds files\n"
            "  --json               print what was tracked as a JSON object (with --clips, one line per\n"
            "                       clip): video, masks, objects, frames, frames_per_s, channels\n"
            "  -q, --quiet          no progress bar\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n");
}

/* Refuses a --mask that the run would overwrite: one of the masks it
 * writes, OUTDIR/%05d.png for a frame of the video. */
static int check_mask_not_output(const char *mask_path, const char *outdir, int64_t frames)
{
    const char *base = strrchr(mask_path, '/') ? strrchr(mask_path, '/') + 1 : mask_path;
    char *end, path[4200];
    long long i = strtoll(base, &end, 10);
    if (end == base || strcmp(end, ".png") != 0 || i < 0 || i >= frames)
        return 0;
    snprintf(path, sizeof path, "%s/%05lld.png", outdir, i);
    if (hue_file_same(mask_path, path))
        return hue_fail(HUE_EINVAL, "%s: --mask is %s, a mask this run writes (an output must not also be an input)",
                        mask_path, path);
    return 0;
}

/* Nearest-neighbour resize of a mask's ids. */
static int resize_mask(hue_mask *m, int width, int height)
{
    uint8_t *ids = malloc((size_t)width * height);
    if (!ids)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            ids[(size_t)y * width + x] =
                m->ids[(size_t)((int64_t)y * m->height / height) * m->width + (int64_t)x * m->width / width];
    free(m->ids);
    m->ids = ids;
    m->width = width;
    m->height = height;
    return 0;
}

typedef struct {
    hue_tracker_options to;
    const char *mask_path, *outdir, *overlay, *video_path, *probabilities;
    const char *clips, *masks;  /* --clips LIST --masks DIR instead of VIDEO --mask FILE */
    const char *format;         /* --format of an --overlay on standard output */
    int overlay_fd;             /* where standard output went, for --overlay - */
    int resize, force, quiet, json;
} track_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, track_args *a)
{
    static const struct option opts[] = {
        {"mask", required_argument, 0, 'M'},   {"model", required_argument, 0, 'm'},
        {"features", required_argument, 0, 'F'}, {"out", required_argument, 0, 'o'},
        {"overlay", required_argument, 0, 'O'}, {"resize-mask", no_argument, 0, 'R'},
        {"force", no_argument, 0, 'f'},         {"quiet", no_argument, 0, 'q'},
        {"clips", required_argument, 0, 'C'},   {"masks", required_argument, 0, 'D'},
        {"json", no_argument, 0, 'j'},          {"format", required_argument, 0, 'T'},
        {"probabilities", required_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},          TRACK_OPTIONS_LONG, {0}};
    *a = (track_args){.to = hue_tracker_defaults()};
    const char *features = NULL, *model = NULL;
    int c, rc;
    hue_flags_begin();
    while ((c = hue_flags_next("track", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'M': a->mask_path = optarg; break;
        case 'C': a->clips = optarg; break;
        case 'j': a->json = 1; break;
        case 'D': a->masks = optarg; break;
        case 'm': model = optarg; break;
        case 'F': features = optarg; break;
        case 'o': a->outdir = optarg; break;
        case 'O': a->overlay = optarg; break;
        case 'T': a->format = optarg; break;
        case 'P': a->probabilities = optarg; break;
        case 'R': a->resize = 1; break;
        case 'f': a->force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            if (hue_track_option(c, optarg, "track", &a->to))
                return 2;
        }
    }
    if (a->clips) {
        if (optind != argc || !a->masks || a->mask_path || a->overlay || !a->outdir) {
            fprintf(stderr, "hue track: --clips takes --masks DIR and -o, and no VIDEO, --mask or --overlay "
                    "(see --help)\n");
            return 2;
        }
    } else if (optind + 1 != argc || !a->mask_path || !a->outdir || a->masks) {
        fprintf(stderr, "hue track: give one VIDEO, --mask and -o, or --clips and --masks (see --help)\n");
        return 2;
    }
    if ((rc = hue_track_features(features, model, "track", &a->to)))
        return rc;
    if ((rc = video_out_check("track", "--overlay", a->overlay, a->format)) >= 0)
        return rc;
    a->video_path = a->clips ? NULL : argv[optind];
    return -1;
}

int cmd_track_parse(int argc, char **argv)
{
    track_args args;
    return parse_args(argc, argv, &args);
}

/* Refuses a --probabilities DIR that holds anything, unless force or a
 * run that did not finish left it. */
static int probabilities_check(const char *dir, int force)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return hue_fail(HUE_EINVAL, "--probabilities %s exists and is not a folder", dir);
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.';
    if (d)
        closedir(d);
    if (entries && !force && hue_outdir_unfinished(dir) == 0)
        return hue_fail(HUE_EEXIST, "--probabilities %s is not empty: pass --force to write there", dir);
    return 0;
}

/* Marks --probabilities DIR as being written, with a folder per label. */
static int probabilities_begin(const char *dir, const int *ids_of_label, int L)
{
    int replacing, rc = hue_outdir_begin(dir, ".png", 1, &replacing);
    for (int l = 0; l < L && !rc; l++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%d", dir, ids_of_label[l]);
        rc = hue_outdir_make(path);
    }
    return rc;
}

/* Each label's map of one frame, probability x 255: DIR/ID/%05d.png. */
static int probabilities_write(const char *dir, const int *ids_of_label, int L, int64_t frame, const float *soft,
                               int W, int H, uint8_t *gray)
{
    for (int l = 0; l < L; l++) {
        for (size_t i = 0; i < (size_t)W * H; i++) {
            float p = soft[(size_t)l * W * H + i];
            gray[i] = (uint8_t)(p <= 0 ? 0 : p >= 1 ? 255 : p * 255 + 0.5f);
        }
        char path[4300];
        snprintf(path, sizeof path, "%s/%d/%05lld.png", dir, ids_of_label[l], (long long)frame);
        int rc = hue_image_write_gray(path, gray, W, H, 1);
        if (rc)
            return rc;
    }
    return 0;
}

/* One clip: 0, or 1 with the message printed. */
static int track_one(const track_args *args, const char *video_path, const char *mask_path, const char *outdir,
                     const char *overlay, const char *probdir)
{
    hue_tracker_options to = args->to;
    int resize = args->resize, force = args->force, quiet = args->quiet, rc;
    char source[4096];
    hue_file_use uses[] = {{"-o", outdir, 1}, {"--overlay", video_out_file(overlay), 1},
                           {"--probabilities", probdir, 1},
                           {"VIDEO", video_out_file(hue_video_source(video_path, source, sizeof source)), 0},
                           {"--mask", mask_path, 0}, {"--model", to.model, 0}};
    if (hue_file_check_uses(uses, (int)(sizeof uses / sizeof uses[0]))) {
        fprintf(stderr, "hue track: %s\n", hue_error_message());
        return 1;
    }

    hue_video *v = NULL;
    hue_mask mask = {0};
    hue_tracker *t = NULL;
    hue_writer *w = NULL;
    uint8_t *rgb = NULL, *gray = NULL;
    float *ids = NULL, *soft = NULL;
    if ((rc = hue_video_open(&v, video_path, NULL)))
        goto fail;
    const hue_video_info *info = hue_video_get_info(v);
    int W = info->out_width, H = info->out_height;
    if (info->frames < 2) {
        rc = hue_fail(HUE_EINVAL, "%s has %lld frame%s: tracking needs 2 or more", video_path,
                      (long long)info->frames, info->frames == 1 ? "" : "s");
        goto fail;
    }
    if (info->frames <= to.context) {
        /* a frame never has more earlier frames than this; the masks are what --context would give */
        if (!quiet)
            fprintf(stderr, "hue track: %s has %lld frames: context %d instead of %d\n", video_path,
                    (long long)info->frames, (int)info->frames - 1, to.context);
        to.context = (int)info->frames - 1;
    }
    if ((rc = hue_mask_read(&mask, mask_path)))
        goto fail;
    for (int id = 1; mask.from_colours && !quiet && id <= mask.max_id; id++)
        fprintf(stderr, "%s object %d: colour #%02x%02x%02x in %s\n", id == 1 ? "hue track:" : "          ", id,
                mask.palette[id][0], mask.palette[id][1], mask.palette[id][2], mask_path);
    if (mask.width != W || mask.height != H) {
        if (!resize) {
            rc = hue_fail(HUE_EINVAL, "%s is %dx%d but the frames of %s are %dx%d (pass --resize-mask to resize it)",
                          mask_path, mask.width, mask.height, video_path, W, H);
            goto fail;
        }
        if ((rc = resize_mask(&mask, W, H)))
            goto fail;
    }
    int ids_of_label[256], L = 0, present[256] = {0};
    for (size_t i = 0; i < (size_t)W * H; i++)
        present[mask.ids[i]] = 1;
    for (int id = 0; id < 256; id++)
        if (present[id] || id == 0)
            ids_of_label[L++] = id;
    if (L < 2) {
        rc = hue_fail(HUE_EINVAL, "%s has no object (every pixel is background)", mask_path);
        goto fail;
    }
    if ((rc = check_mask_not_output(mask_path, outdir, info->frames)))
        goto fail;
    if (video_out_file(overlay) && (rc = hue_output_check(overlay, force)))
        goto fail;
    if (probdir && (rc = probabilities_check(probdir, force)))
        goto fail;

    to.width = W, to.height = H, to.labels = L, to.argmax = 1, to.keep_soft = probdir != NULL;
    int gh, gw;
    hue_tracker_grid(W, H, &gh, &gw);
    rgb = malloc((size_t)W * H * 3);
    ids = malloc(sizeof *ids * (size_t)W * H);
    float *cells = malloc(sizeof *cells * (size_t)L * gh * gw);
    if (probdir) {
        soft = malloc(sizeof *soft * (size_t)L * W * H);
        gray = malloc((size_t)W * H);
    }
    if (!rgb || !ids || !cells || (probdir && (!soft || !gray))) {
        free(cells);
        rc = hue_fail(HUE_ENOMEM, "out of host memory");
        goto fail;
    }
    hue_labels_to_cells(mask.ids, W, H, ids_of_label, L, gh, gw, cells);
    /* everything is checked (the model loaded) before the folder is made */
    int replacing = 0;
    if ((rc = hue_tracker_create(&t, &to)) || (rc = hue_video_read_rgb(v, rgb)) != 1 ||
        (rc = hue_outdir_begin(outdir, ".png", force, &replacing)) ||
        (probdir && (rc = probabilities_begin(probdir, ids_of_label, L))) ||
        (rc = hue_tracker_start(t, rgb, cells))) {
        free(cells);
        if (rc == 0)
            rc = hue_fail(HUE_EFORMAT, "%s: no frame could be read", video_path);
        goto fail;
    }
    free(cells);
    if (replacing && !quiet)
        fprintf(stderr, "hue track: %s holds the masks of a run that did not finish: replacing them\n", outdir);
    int replace = force || replacing;
    char path[4096];
    snprintf(path, sizeof path, "%s/%05d.png", outdir, 0);
    if ((rc = hue_mask_write(&mask, path, replace)))
        goto fail;
    if (probdir) {
        /* frame 0: the given mask, one label per pixel */
        for (int l = 0; l < L; l++)
            for (size_t i = 0; i < (size_t)W * H; i++)
                soft[(size_t)l * W * H + i] = mask.ids[i] == ids_of_label[l];
        if ((rc = probabilities_write(probdir, ids_of_label, L, 0, soft, W, H, gray)))
            goto fail;
    }
    if (overlay) {
        hue_writer_options wo = {.fps = info->fps, .force = force, .format = args->format,
                                 .stdout_fd = args->overlay_fd};
        if ((rc = hue_writer_open(&w, overlay, W, H, &wo)) || (rc = hue_overlay_draw(rgb, W, H, &mask, 0.5f)) ||
            (rc = hue_writer_write_rgb(w, rgb)))
            goto fail;
        if (hue_writer_note(w) && !quiet)
            fprintf(stderr, "hue track: %s\n", hue_writer_note(w));
    }
    hue_progress bar;
    hue_progress_start(&bar, quiet);
    double t0 = hue_now_s();
    int64_t frames = 1;
    while ((rc = hue_video_read_rgb(v, rgb)) == 1) {
        if ((rc = hue_tracker_step(t, rgb, ids)))
            break;
        for (size_t i = 0; i < (size_t)W * H; i++)
            mask.ids[i] = (uint8_t)ids_of_label[(int)ids[i]];
        snprintf(path, sizeof path, "%s/%05lld.png", outdir, (long long)frames);
        if ((rc = hue_mask_write(&mask, path, replace)))
            break;
        if (probdir && ((rc = hue_tracker_soft(t, soft)) ||
                        (rc = probabilities_write(probdir, ids_of_label, L, frames, soft, W, H, gray))))
            break;
        if (w && ((rc = hue_overlay_draw(rgb, W, H, &mask, 0.5f)) || (rc = hue_writer_write_rgb(w, rgb))))
            break;
        frames++;
        char fields[64];
        snprintf(fields, sizeof fields, "%.2f frames/s", (frames - 1) / (hue_now_s() - t0));
        hue_progress_update(&bar, "track", frames, info->frames, fields);
    }
    hue_progress_finish(&bar);
    if (rc < 0)
        goto fail;
    if (w) {
        rc = hue_writer_close(w);
        w = NULL;
        if (rc)
            goto fail;
    }
    if ((rc = hue_outdir_finish(outdir)) || (probdir && (rc = hue_outdir_finish(probdir))))
        goto fail;
    double rate = (frames - 1) / (hue_now_s() - t0);
    if (args->json) {
        printf("{\"video\": ");
        hue_json_print_string(video_path);
        printf(", \"masks\": ");
        hue_json_print_string(outdir);
        printf(", \"objects\": %d, \"frames\": %lld, \"frames_per_s\": %.3f, \"channels\": %d}\n", L - 1,
               (long long)frames, rate, hue_tracker_channels(t));
    } else if (!quiet) {
        printf("tracked %d object%s through %lld frames of %s (%.2f frames/s, %d-channel features); masks in %s\n",
               L - 1, L == 2 ? "" : "s", (long long)frames, video_path, rate, hue_tracker_channels(t), outdir);
    }
    hue_tracker_destroy(t);
    hue_mask_free(&mask);
    hue_video_close(v);
    free(rgb), free(ids), free(soft), free(gray);
    return 0;
fail:
    fprintf(stderr, "hue track: %s\n", hue_error_message());
    if (w)
        hue_writer_abort(w);
    hue_tracker_destroy(t);
    hue_mask_free(&mask);
    hue_video_close(v);
    free(rgb), free(ids), free(soft), free(gray);
    return 1;
}

/* Clip NAME's first-frame mask: DIR/NAME/00000.png, else DIR/NAME.png. */
static int find_mask(const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s/00000.png", dir, name);
    if (access(path, F_OK) == 0)
        return 0;
    snprintf(path, size, "%s/%s.png", dir, name);
    if (access(path, F_OK) == 0)
        return 0;
    return hue_fail(HUE_EIO, "clip %s: no first-frame mask in --masks %s (%s/%s/00000.png or %s/%s.png)", name, dir,
                    dir, name, dir, name);
}

/* --clips: this rank's share of the list, clip i on rank i mod N. */
static int track_clips(const track_args *a)
{
    int rank = hue_dist_rank(), ranks = hue_dist_size(), rc;
    hue_clip_list l;
    if ((rc = hue_clip_list_read(a->clips, &l)) || (rc = hue_clip_list_check_names(&l))) {
        fprintf(stderr, "hue track: %s\n", hue_error_message());
        hue_clip_list_free(&l);
        return 1;
    }
    for (int i = rank; i < l.n && !rc; i += ranks) {
        char name[256], mask[4608], outdir[4608], probdir[4608];
        hue_clip_name(l.paths[i], name, sizeof name);
        snprintf(outdir, sizeof outdir, "%s/%s", a->outdir, name);
        snprintf(probdir, sizeof probdir, "%s/%s", a->probabilities ? a->probabilities : "", name);
        if (find_mask(a->masks, name, mask, sizeof mask)) {
            fprintf(stderr, "hue track: %s\n", hue_error_message());
            rc = 1;
        } else {
            rc = track_one(a, l.paths[i], mask, outdir, NULL, a->probabilities ? probdir : NULL);
        }
    }
    /* every rank done (a failed one has stopped the group from main) */
    int worst = rc;
    if (!rc && ranks > 1 && hue_dist_max_int(rc, &worst)) {
        fprintf(stderr, "hue track: %s\n", hue_error_message());
        worst = 1;
    }
    if (!worst && rank == 0 && !a->quiet && !a->json)
        printf("tracked %d clip%s of %s into %s%s\n", l.n, l.n == 1 ? "" : "s", a->clips, a->outdir,
               ranks > 1 ? " (shared among the ranks)" : "");
    hue_clip_list_free(&l);
    return worst ? 1 : 0;
}

int cmd_track(int argc, char **argv)
{
    track_args args;
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0)
        return rc;
    if (args.clips)
        return track_clips(&args);
    if (hue_dist_size() > 1) {
        if (hue_dist_rank() == 0)
            fprintf(stderr, "hue track: under mpirun, give --clips (each rank tracks its share of the clips); "
                    "every rank would write the same masks of one VIDEO\n");
        return 2;
    }
    if (video_out_file(args.overlay) != args.overlay) {
        hue_writer_options wo = {0};
        if (video_out_claim_stdout(&wo)) {
            fprintf(stderr, "hue track: %s\n", hue_error_message());
            return 1;
        }
        args.overlay_fd = wo.stdout_fd;
    }
    return track_one(&args, args.video_path, args.mask_path, args.outdir, args.overlay, args.probabilities);
}
