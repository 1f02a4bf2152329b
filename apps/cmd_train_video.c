/* hue train-video: learn a video encoder without labels, by colourising
 * frames from reference frames or by a contrastive random walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flags.h"
#include "hue_dist.h"
#include "hue_error.h"
#include "hue_mask.h"
#include "hue_overlay.h"
#include "hue_track.h"
#include "hue_video_train.h"
#include "hue_video_val.h"
#include "hue_writer.h"
#include "progress.h"
#include "resume_flags.h"
#include "train_report.h"
#include "train_summary.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue train-video --clips DIR|LIST --out CKPT [options]\n"
            "       hue train-video --resume CKPT [options that may change]\n\n"
            "Trains a video encoder without labels, on lightness (or LAB: --input), its stride-8 features\n"
            "the nodes hue track and hue colorize propagate labels and colours between.\n\n"
            "  --method colorize    (the default) each sample is 3 reference frames and a later target frame\n"
            "                       of a clip (gaps of 1 to --max-gap frames), cropped --size x --size; the\n"
            "                       target's colours (k-means clusters of ab) are predicted by attention over\n"
            "                       all reference positions, softmax(f_t . f_r / T); cross-entropy\n"
            "  --method crw         contrastive random walk (Jabri et al. 2020): each sample is --walk frames\n"
            "                       (gaps of 1 to --max-gap); transitions between neighbouring frames are the\n"
            "                       row softmax of the nodes' affinities / T after edge dropout; every walk\n"
            "                       out k frames and back (k = 1 .. walk - 1) must return each node to\n"
            "                       itself (cross-entropy against the identity). Clips shorter than a walk\n"
            "                       are skipped and counted\n"
            "  --method both        both on one encoder: each step draws --batch colorize samples and,\n"
            "                       independently, --batch walks; the encoder runs once on all their\n"
            "                       frames; loss = colorize + W * crw (--crw-weight), each as its method\n"
            "                       alone computes it; the log adds loss_colorize and loss_crw. Every\n"
            "                       flag of either method applies; clips are loaded (S + 2J) x Z high;\n"
            "                       clips shorter than a sample of either part are skipped and counted.\n"
            "                       Checkpoint method: colorization+crw\n"
            "  --clips DIR|LIST     a folder of videos, or a text file with one video path per line\n"
            "                       (relative paths are relative to the file's folder)\n"
            "  --out CKPT           checkpoint (refused if it exists, unless --force or resuming into it;\n"
            "                       with --resume, the checkpoint resumed by default)\n"
            "  --resume CKPT        continue a run, with the flags it was started with (see below)\n"
            "  --log FILE           JSON lines of metrics\n"
            "  --arch NAME          resnet18 (default) or resnet34, dense (stride 8) up to layer3\n"
            "  --width W            channel width multiplier (default 0.5)\n"
            "  --embed D            projection size (default 64)\n"
            "  --clusters K         colorize, both: colour clusters (default 16)\n"
            "  --input l|lab        colorize: what the encoder sees. l (default): lightness, as hue colorize\n"
            "                       and hue track feed it. lab: L, a and b, with each sample's colour cut\n"
            "                       at random (its four frames alike: both a and b kept, a only, b only or\n"
            "                       neither, a quarter of the time each; the rest 0), so that it learns to\n"
            "                       match by colour where frames have it and by lightness where they do\n"
            "                       not: hue track feeds it whole frames, hue colorize gray ones (a checkpoint\n"
            "                       that keeps no input resumes with l)\n"
            "  --crop-jitter J      each frame's crop (of a colorize sample, of a walk) moves up to J pixels\n"
            "                       each way from the sample's window (frames are decoded (S + 2J) x Z\n"
            "                       high), so the encoder cannot match positions through the padding; 0:\n"
            "                       one window (default 8; a checkpoint that keeps no crop-jitter resumes\n"
            "                       with 0)\n"
            "  --zoom Z             clips are decoded Z times S + 2J high, and each sample (all its frames\n"
            "                       alike) is cut at its own scale, log-uniform from the decoded pixels (1:1)\n"
            "                       to the whole height, and scaled down to S. hue track and hue colorize see\n"
            "                       frames at their own size (DAVIS: 480 high; Z 1.76 at S 256, J 8), the\n"
            "                       crops without zoom are scaled to S + 2J high. 1 to 4 (default 1: one\n"
            "                       scale; a checkpoint that keeps no zoom resumes with 1)\n"
            "  --hflip              mirror each sample, all its frames alike, half of the time\n"
            "  --walk N             crw, both: frames per walk, 2 to 32 (default 6)\n"
            "  --edge-dropout P     crw, both: share of affinities cut before each softmax, [0, 1)\n"
            "                       (default 0.1)\n"
            "  --return-shift R     crw, both: every walk comes home to a second crop of its first frame,\n"
            "                       moved by 1 to R cells (8 pixels) each way, and each node must return\n"
            "                       to the node showing what it showed (nodes whose content left that\n"
            "                       crop are not counted). Dense nodes can tell their place in the crop\n"
            "                       from the padding, and a walk home to the crop it left could match\n"
            "                       places alone. 0 to 8; 0: home is the first crop itself (default 0;\n"
            "                       a checkpoint that keeps no return-shift resumes with 0)\n"
            "  --crw-weight W       both: the walk's weight in the loss, above 0 to 1000 (default 1)\n"
            "  --crw-temperature T  both: the walk's transition temperature (default 0.07)\n"
            "  --size S             crop side, a multiple of 8 (default 256)\n"
            "  --batch B            samples per step (default 4; both: B colorize samples and B walks)\n"
            "  --max-gap G          largest gap between frames (default 4)\n"
            "  --steps N            training steps (default 1000)\n"
            "  --lr LR              Adam learning rate (default 1e-3)\n"
            "  --temperature T      colorize and both: attention temperature (default 0.05); crw:\n"
            "                       transitions' (default 0.07)\n"
            "  --seed N             initialisation and sampling (default 0)\n"
            "  --save-every N       steps between checkpoints (default 100)\n"
            "  --keep-checkpoints   keep every checkpoint, not only the last: OUT's name + .stepN\n"
            "                       (hue-video.ckpt -> hue-video.step000100.ckpt; the same step is replaced)\n"
            "  --val CLIP           at every checkpoint, track CLIP's first-frame mask (--val-mask) with the\n"
            "                       checkpoint's encoder (hue track's propagation, default settings) and\n"
            "                       log its J&F as a line {\"step\", \"val_jf\", \"val_j\", \"val_f\",\n"
            "                       \"val_frames\"} (needs --log). The cost is bounded: the first\n"
            "                       --val-frames frames only, read once before training\n"
            "  --val-mask PNG       CLIP's first-frame mask, the size of its frames; the truth of frame i is\n"
            "                       the file beside it numbered i later (DAVIS: Annotations/480p/NAME/00000.png)\n"
            "  --val-frames N       frames of CLIP tracked and scored, 3 to 1000 (default 16)\n"
            "  --report DIR         also write DIR/index.html (needs --log), rewritten after every\n"
            "                       checkpoint: the log's curves (inline SVG), the last value of each logged\n"
            "                       quantity, this command line, the checkpoint's metadata and, with --val,\n"
            "                       a tracked frame of CLIP next to its truth (DIR/val_pred.png,\n"
            "                       DIR/val_truth.png); existing files there are refused unless --force or\n"
            "                       --resume\n"
            "  --force              replace an existing --out, --log or --report page\n"
            "  --json               print the summary as one JSON object (steps and seconds of the whole\n"
            "                       run, run_steps and run_seconds of this one, last_loss (null when no\n"
            "                       step ran), checkpoint)\n"
            "  -q, --quiet          no progress (else a bar on a terminal, a line every 10 s elsewhere)\n"
            "  --sync-bn            under mpirun: batch norm over the whole group's batch (default: each\n"
            "                       rank's part)\n"
            "  --backend NAME       auto (default), vulkan or cpu (also HUE_BACKEND)\n"
            "  --device N           the Vulkan device to use (also HUE_DEVICE; 'hue devices' lists them)\n"
            "\n"
            "Under mpirun -np N (hue built with Open MPI), every method trains data-parallel: --batch is\n"
            "split into N equal parts (the samples one process draws, and for crw their part of its edge\n"
            "dropout; both splits its colorize samples and its walks so), gradients are averaged every\n"
            "step, rank 0 alone writes.\n"
            "Ctrl-C or SIGTERM: the step in progress finishes, a checkpoint of it is written (--resume\n"
            "continues it), and hue exits 1; a second one stops at once.\n"
            "\n"
            "--resume CKPT: every checkpoint keeps the run's flags (the method's defaults resolved), so --resume\n"
            "CKPT alone continues the run exactly. A flag given again with the same value is fine; with another\n"
            "value it is refused (exit 2, naming both values), but for these, which may change: --steps (a\n"
            "longer run; fewer steps than done are refused), --clips (moved; hue does not check they are the\n"
            "same clips), --sync-bn (a resumed run may have another number of ranks), --save-every,\n"
            "--keep-checkpoints and --log. The log is restored only when the run goes on in CKPT itself (else give\n"
            "--log). --force, --json, --quiet, --backend, --val and --report are never kept (give them again). Paths are kept relative to the\n"
            "checkpoint's folder, never as absolute paths; a folder or list that shares no parent with it but /\n"
            "is kept by its name only, and --resume then asks for it. The elapsed time in the log and the\n"
            "summary goes on from the checkpoint's. A checkpoint from an older hue keeps no flags: give them\n"
            "all, as then.\n");
}

/* What runs beside the training: progress, and at each checkpoint the
 * validation clip and the report. */
typedef struct {
    hue_progress bar;
    hue_video_val *val;
    const char *report_dir;
    train_report report;
} train_hooks;

static void on_step(void *user, const hue_step_info *s)
{
    train_hooks *h = user;
    char fields[96];
    snprintf(fields, sizeof fields, "loss %.4f %.2f samples/s", s->loss, s->images_per_s);
    hue_progress_update(&h->bar, "train-video", s->step, s->steps_total, fields);
}

/* The report's files besides index.html. */
static const char *const report_files[] = {"val_pred.png", "val_truth.png", NULL};

/* The validation frame with ids drawn over it, as report_dir/name. */
static int write_overlay(const train_hooks *h, const hue_video_val_result *r, const uint8_t *ids, const char *name)
{
    hue_mask m = {0};
    uint8_t *rgb = malloc((size_t)r->width * r->height * 3);
    int rc = rgb ? hue_mask_create(&m, r->width, r->height) : hue_fail(HUE_ENOMEM, "out of host memory");
    if (!rc) {
        memcpy(m.ids, ids, (size_t)r->width * r->height);
        for (size_t i = 0; i < (size_t)r->width * r->height; i++)
            m.max_id = ids[i] > m.max_id ? ids[i] : m.max_id;
        memcpy(rgb, r->rgb, (size_t)r->width * r->height * 3);
        rc = hue_overlay_draw(rgb, r->width, r->height, &m, 0.5f);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", h->report_dir, name);
    if (!rc)
        rc = hue_image_write_rgb(path, rgb, r->width, r->height, 0, 1);
    hue_mask_free(&m);
    free(rgb);
    return rc;
}

static int on_save(void *user, const hue_save_info *s)
{
    train_hooks *h = user;
    train_report_image images[2];
    char captions[2][96];
    int n = 0, rc = 0;
    if (h->val) {
        hue_video_val_result r;
        if ((rc = hue_video_val_run(h->val, s->checkpoint, &r)))
            return rc;
        rc = hue_train_log_printf(s->log, s->log_path,
                                  "{\"step\": %lld, \"val_jf\": %.6g, \"val_j\": %.6g, \"val_f\": %.6g, "
                                  "\"val_frames\": %d}\n",
                                  (long long)s->step, r.jf, r.j, r.f, r.frames);
        if (!rc && h->report_dir) {
            snprintf(captions[0], sizeof captions[0], "frame %d tracked from frame 0 (J&F %.3f over %d frames)",
                     r.sample, r.jf, r.frames);
            snprintf(captions[1], sizeof captions[1], "frame %d, true masks", r.sample);
            images[0] = (train_report_image){report_files[0], captions[0]};
            images[1] = (train_report_image){report_files[1], captions[1]};
            n = 2;
            rc = write_overlay(h, &r, r.pred, report_files[0]);
            if (!rc)
                rc = write_overlay(h, &r, r.truth, report_files[1]);
        }
    }
    if (!rc && h->report_dir)
        rc = train_report_write(&h->report, s->checkpoint, s->step, images, n);
    return rc;
}

typedef struct {
    hue_video_train_options o;
    const char *method;  /* --method as given, or NULL */
    int quiet, json;
    const char *val, *val_mask, *report;
    int val_frames;
} train_video_args;

/* The flags a run needs: from the user, or from the checkpoint resumed. */
static int complete_args(const void *args, const char *ckpt)
{
    const train_video_args *a = args;
    const hue_video_train_options *o = &a->o;
    if (o->clips && o->out) {
        if ((a->val || a->report) && !o->log) {
            fprintf(stderr, "hue train-video: --%s needs --log (%s)\n", a->val ? "val" : "report",
                    a->val ? "its J&F is logged there" : "the report draws its curves");
            return 2;
        }
        return -1;
    }
    static const char *const names[] = {"--clips", "--out"};
    const int given[] = {o->clips != NULL, o->out != NULL};
    return resume_say_missing("train-video", ckpt, names, given, 2);
}

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, train_video_args *a)
{
    static const struct option opts[] = {
        {"clips", required_argument, 0, 'c'},   {"out", required_argument, 0, 'o'},
        {"resume", required_argument, 0, 'r'},  {"log", required_argument, 0, 'L'},
        {"arch", required_argument, 0, 'a'},    {"width", required_argument, 0, 'w'},
        {"embed", required_argument, 0, 'e'},   {"clusters", required_argument, 0, 'k'},
        {"size", required_argument, 0, 's'},    {"batch", required_argument, 0, 'b'},
        {"max-gap", required_argument, 0, 'g'}, {"steps", required_argument, 0, 'n'},
        {"lr", required_argument, 0, 'l'},      {"temperature", required_argument, 0, 'T'},
        {"seed", required_argument, 0, 'S'},    {"save-every", required_argument, 0, 'E'},
        {"keep-checkpoints", no_argument, 0, 'K'}, {"json", no_argument, 0, 'j'},
        {"force", no_argument, 0, 'f'},         {"quiet", no_argument, 0, 'q'},
        {"method", required_argument, 0, 'M'},  {"walk", required_argument, 0, 'W'},
        {"edge-dropout", required_argument, 0, 'D'}, {"crop-jitter", required_argument, 0, 'J'},
        {"sync-bn", no_argument, 0, 'Y'},       {"val", required_argument, 0, 'v'},
        {"val-mask", required_argument, 0, 'V'}, {"val-frames", required_argument, 0, 'F'},
        {"report", required_argument, 0, 'R'},  {"crw-weight", required_argument, 0, 'X'},
        {"crw-temperature", required_argument, 0, 'Z'}, {"return-shift", required_argument, 0, 'U'},
        {"zoom", required_argument, 0, 'z'},    {"hflip", no_argument, 0, 'H'},
        {"input", required_argument, 0, 'I'},
        {"help", no_argument, 0, 'h'},          {0}};
    static const char *const methods[] = {"colorize", "crw", "both", NULL};
    static const char *const archs[] = {"resnet18", "resnet34", NULL};
    static const char *const inputs[] = {"l", "lab", NULL};
    const char *cmd = "train-video";
    hue_video_train_options o = hue_video_train_defaults();
    *a = (train_video_args){.val_frames = 16};
    int c, rc = 0, given_clusters = 0, given_input = 0, i;
    const char *given_both = NULL;  /* a flag of --method both only */
    const char *given_crw = NULL;   /* a flag of the walk's (crw and both) */
    int64_t v;
    double d;
    hue_flags_begin();
    while ((c = hue_flags_next(cmd, argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o.clips = optarg; break;
        case 'o': o.out = optarg; break;
        case 'r': o.resume = optarg; break;
        case 'L': o.log = optarg; break;
        case 'a':
            if (!(rc = hue_flag_choice(cmd, "arch", optarg, archs, &i)) && hue_resnet_parse_arch(optarg, &o.arch)) {
                fprintf(stderr, "hue train-video: --arch: %s\n", hue_error_message());
                return 2;
            }
            break;
        case 'w': if (!(rc = hue_flag_number(cmd, "width", optarg, 0, 16, 1, &d))) o.arch.width = (float)d; break;
        case 'e': rc = hue_flag_int(cmd, "embed", optarg, 1, 4096, &o.arch.embed); break;
        case 'k': rc = hue_flag_int(cmd, "clusters", optarg, 2, 256, &o.clusters), given_clusters = 1; break;
        case 'J': rc = hue_flag_int(cmd, "crop-jitter", optarg, 0, 64, &o.crop_jitter); break;
        case 's':
            if (!(rc = hue_flag_int(cmd, "size", optarg, 32, 1024, &o.size)) && o.size % 8) {
                fprintf(stderr, "hue train-video: --size %s: expected a multiple of 8 (the encoder's stride)\n", optarg);
                return 2;
            }
            break;
        case 'b': rc = hue_flag_int(cmd, "batch", optarg, 1, 1024, &o.batch); break;
        case 'g': rc = hue_flag_int(cmd, "max-gap", optarg, 1, 100, &o.max_gap); break;
        case 'n': if (!(rc = hue_flag_int64(cmd, "steps", optarg, 1, 1000000000, &v))) o.steps = v; break;
        case 'l': rc = hue_flag_number(cmd, "lr", optarg, 0, 10, 1, &o.lr); break;
        case 'T':
            if (!(rc = hue_flag_number(cmd, "temperature", optarg, 0, 100, 1, &d)) &&
                hue_temperature_check(d, "--temperature")) {
                fprintf(stderr, "hue train-video: %s\n", hue_error_message());
                return 2;
            }
            o.temperature = (float)d;
            break;
        /* up to 2^53: integers a double holds exactly */
        case 'S': if (!(rc = hue_flag_int64(cmd, "seed", optarg, 0, (int64_t)1 << 53, &v))) o.seed = (uint64_t)v; break;
        case 'E': rc = hue_flag_int64(cmd, "save-every", optarg, 1, (int64_t)1 << 53, &o.save_every); break;
        case 'M':
            if (!(rc = hue_flag_choice(cmd, "method", optarg, methods, &i))) {
                o.method = i == 2 ? HUE_VIDEO_BOTH : i ? HUE_VIDEO_CRW : HUE_VIDEO_COLORIZATION;
                a->method = optarg;
            }
            break;
        case 'W': rc = hue_flag_int(cmd, "walk", optarg, 2, 32, &o.walk), given_crw = "walk"; break;
        case 'D':
            if (!(rc = hue_flag_number(cmd, "edge-dropout", optarg, 0, 0.99, 0, &d)))
                o.edge_dropout = (float)d;
            given_crw = "edge-dropout";
            break;
        case 'U': rc = hue_flag_int(cmd, "return-shift", optarg, 0, 8, &o.return_shift), given_crw = "return-shift"; break;
        case 'X':
            if (!(rc = hue_flag_number(cmd, "crw-weight", optarg, 0, 1000, 1, &d)))
                o.crw_weight = (float)d;
            given_both = "crw-weight";
            break;
        case 'Z':
            if (!(rc = hue_flag_number(cmd, "crw-temperature", optarg, 0, 100, 1, &d)) &&
                hue_temperature_check(d, "--crw-temperature")) {
                fprintf(stderr, "hue train-video: %s\n", hue_error_message());
                return 2;
            }
            o.crw_temperature = (float)d;
            given_both = "crw-temperature";
            break;
        case 'z': rc = hue_flag_number(cmd, "zoom", optarg, 1, 4, 0, &o.zoom); break;
        case 'H': o.hflip = 1; break;
        case 'I':
            if (!(rc = hue_flag_choice(cmd, "input", optarg, inputs, &i)))
                o.input = i ? HUE_INPUT_LAB : HUE_INPUT_L;
            given_input = 1;
            break;
        case 'K': o.keep_checkpoints = 1; break;
        case 'j': a->json = 1; break;
        case 'f': o.force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'Y': o.sync_bn = 1; break;
        case 'v': a->val = optarg; break;
        case 'V': a->val_mask = optarg; break;
        case 'F': rc = hue_flag_int(cmd, "val-frames", optarg, 3, 1000, &a->val_frames); break;
        case 'R': a->report = optarg; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
        if (rc)
            return rc;
    }
    if (optind < argc) {
        fprintf(stderr, "hue train-video: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!a->val != !a->val_mask) {
        fprintf(stderr, "hue train-video: --val and --val-mask go together (the clip and its first-frame mask)\n");
        return 2;
    }
    a->o = o;
    int status = o.resume ? -1 : complete_args(a, NULL);
    if (status >= 0 || (o.resume && !a->method))  /* resuming: the checkpoint's method, checked with its flags */
        return status;
    int crw = o.method == HUE_VIDEO_CRW, both = o.method == HUE_VIDEO_BOTH;
    if (given_both && !both) {
        fprintf(stderr, "hue train-video: --%s applies to --method both only\n", given_both);
        return 2;
    }
    if (given_crw && !crw && !both) {
        fprintf(stderr, "hue train-video: --%s applies to --method crw and both only\n", given_crw);
        return 2;
    }
    if (given_input && o.input != HUE_INPUT_L && (crw || both)) {
        fprintf(stderr, "hue train-video: --input lab applies to --method colorize only\n");
        return 2;
    }
    if (given_clusters && crw) {
        fprintf(stderr, "hue train-video: --clusters applies to --method colorize and both only\n");
        return 2;
    }
    return -1;
}

/* What --resume restores, and which flags may change: the clips (moved),
 * the run's length, and what only says how it runs or what it writes.
 * Crop jitter came after the first checkpoints: without it they used one
 * window per sample; walks that came home to a moved crop came later still,
 * zoom after them, and LAB input last (a switch, hflip, is off when a
 * checkpoint lacks it). */
static const resume_rules train_video_rules = {
    "train-video",
    " clips steps sync-bn save-every keep-checkpoints log ",
    " clips log ", " clips ", " log ", " crop-jitter=0 crw:return-shift=0 both:return-shift=0 zoom=1 colorize:input=l ",
    " hflip sync-bn keep-checkpoints "};

/* The run's flags, its method's defaults resolved, as its checkpoints keep
 * them (resume_flags.h); only the flags the method takes. */
static char *flags_json(const void *args)
{
    hue_video_train_options o = hue_video_train_resolve(&((const train_video_args *)args)->o);
    int crw = o.method == HUE_VIDEO_CRW, both = o.method == HUE_VIDEO_BOTH;
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    resume_jw_command(&w, &train_video_rules);
    resume_jw_flag(&w, "method", both ? "both" : crw ? "crw" : "colorize");
    int rc = resume_jw_path(&w, "clips", o.clips, o.out);
    resume_jw_flag(&w, "arch", o.arch.depth == 34 ? "resnet34" : "resnet18");
    resume_jw_float(&w, "width", o.arch.width);
    resume_jw_int(&w, "embed", o.arch.embed);
    if (crw || both) {
        resume_jw_int(&w, "walk", o.walk);
        resume_jw_float(&w, "edge-dropout", o.edge_dropout);
        resume_jw_int(&w, "return-shift", o.return_shift);
    }
    if (!crw)
        resume_jw_int(&w, "clusters", o.clusters);
    if (!crw && !both)
        resume_jw_flag(&w, "input", hue_input_kind_name(o.input));
    resume_jw_int(&w, "crop-jitter", o.crop_jitter);
    resume_jw_double(&w, "zoom", o.zoom);
    resume_jw_switch(&w, "hflip", o.hflip);
    if (both) {
        resume_jw_float(&w, "crw-weight", o.crw_weight);
        resume_jw_float(&w, "crw-temperature", o.crw_temperature);
    }
    resume_jw_int(&w, "size", o.size);
    resume_jw_int(&w, "batch", o.batch);
    resume_jw_int(&w, "max-gap", o.max_gap);
    resume_jw_int(&w, "steps", o.steps);
    resume_jw_double(&w, "lr", o.lr);
    resume_jw_float(&w, "temperature", o.temperature);
    resume_jw_switch(&w, "sync-bn", o.sync_bn);
    resume_jw_int(&w, "seed", (long long)o.seed);
    resume_jw_int(&w, "save-every", o.save_every);
    resume_jw_switch(&w, "keep-checkpoints", o.keep_checkpoints);
    if (!rc && o.log)
        rc = resume_jw_path(&w, "log", o.log, o.out);
    hue_jw_end(&w);
    char *text = !rc && hue_json_writer_text(&w) ? strdup(hue_json_writer_text(&w)) : NULL;
    hue_json_writer_free(&w);
    if (!text)
        fprintf(stderr, "hue train-video: %s\n", rc ? hue_error_message() : "out of host memory");
    return text;
}

static int parse_any(int argc, char **argv, void *args) { return parse_args(argc, argv, args); }
static const char *method_of(const void *args) { return ((const train_video_args *)args)->method; }
static const char *resume_of(const void *args) { return ((const train_video_args *)args)->o.resume; }
static const char **out_of(void *args) { return &((train_video_args *)args)->o.out; }


static const resume_command resume_train_video = {&train_video_rules, sizeof(train_video_args), parse_any, flags_json,
    method_of, resume_of, out_of, complete_args};

int cmd_train_video_parse(int argc, char **argv)
{
    train_video_args args;
    return parse_args(argc, argv, &args);
}

int cmd_train_video_resume_parse(int argc, char **argv)
{
    train_video_args args;
    int rc = parse_args(argc, argv, &args);
    return rc >= 0 ? rc : resume_check(&resume_train_video, argc, argv, &args);
}

static int run(const void *parsed, const char *flags, int argc, char **argv)
{
    const train_video_args *args = parsed;
    hue_video_train_options o = args->o;
    o.flags = flags;
    int speaks = hue_dist_rank() == 0;  /* in a group, rank 0 speaks for it */
    int quiet = args->quiet || !speaks;
    train_hooks hooks = {.report_dir = speaks ? args->report : NULL};
    /* the validation clip and the report folder are checked before any training */
    int rc = 0;
    if (speaks && args->val)
        rc = hue_video_val_open(args->val, args->val_mask, args->val_frames, &hooks.val);
    if (!rc && hooks.report_dir)
        rc = train_report_begin(&hooks.report, args->report, "hue train-video", o.log, argc, argv,
                                hooks.val ? report_files : NULL, o.force || o.resume);
    if (rc) {
        fprintf(stderr, "hue train-video: %s\n", hue_error_message());
        hue_video_val_close(hooks.val);
        return 1;
    }
    hue_progress_start(&hooks.bar, quiet);
    o.on_step = on_step;
    o.on_save = hooks.val || hooks.report_dir ? on_save : NULL;
    o.user = &hooks;
    hue_train_report r;
    rc = hue_train_video(&o, &r);
    hue_progress_finish(&hooks.bar);
    hue_video_val_close(hooks.val);
    if (rc) {
        fprintf(stderr, "hue train-video: %s\n", hue_error_message());
        return 1;
    }
    if (!speaks)
        return 0;
    if (r.skipped_clips)
        fprintf(stderr, "hue train-video: %lld clips shorter than a %s of %d frames were skipped\n",
                (long long)r.skipped_clips, o.method == HUE_VIDEO_BOTH && o.walk < 4 ? "sample" : "walk",
                o.walk < 4 && o.method == HUE_VIDEO_BOTH ? 4 : o.walk);
    hue_train_summary_print(&r, o.out, args->json);
    return 0;
}

int cmd_train_video(int argc, char **argv)
{
    train_video_args args;
    int rc = parse_args(argc, argv, &args);
    return rc >= 0 ? rc : resume_run(&resume_train_video, argc, argv, &args, run);
}
