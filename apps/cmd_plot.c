/* hue plot: training curves from JSON-lines logs, as SVG or PNG. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "flags.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_output.h"
#include "hue_writer.h"
#include "json_out.h"
#include "plot_chart.h"

#define MAX_LOGS 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hue plot LOG.jsonl... -o CURVES.svg|CURVES.png [options]\n\n"
            "Draws the JSON-lines logs of 'hue pretrain --log' and 'hue train-video --log' as curves: one\n"
            "panel per quantity (loss, lr, images_per_s or samples_per_s, the kNN monitor's knn_top1 and\n"
            "knn_top5, train-video's val_jf, val_j and val_f, any other logged metric), every run in each,\n"
            "one colour per run, with a legend of the runs (each named by its file name). The format\n"
            "follows -o's extension: SVG, or a PNG drawn by hue itself (its own 5x7 font, capitals only).\n"
            "Lines that are not a JSON object with a numeric \"step\" are skipped, and counted in a note;\n"
            "a log with no usable line is an error.\n\n"
            "  -o, --out FILE       the chart, .svg or .png (refused if it exists, unless --force)\n"
            "  --x step|epoch|time  the x axis: the step (default); the epoch, with the batch's fraction\n"
            "                       (pretrain logs only); or elapsed_s, the seconds since the run began\n"
            "  --metrics A,B,...    the quantities to draw, in this order (default: every numeric field but\n"
            "                       step, epoch, batch, elapsed_s and the counts knn_images, test_images and\n"
            "                       val_frames; the first %d)\n"
            "  --size WxH           the chart's size in pixels (default 1000x700; 200x150 to 8000x8000)\n"
            "  --force              replace an existing output\n"
            "  --json               print what was drawn as one JSON object: out, format, x, panels, runs\n"
            "                       (name, log, lines, skipped)\n"
            "  -q, --quiet          no note about skipped lines\n",
            PLOT_MAX_PANELS);
}

typedef struct {
    const char *logs[MAX_LOGS];
    int n_logs;
    plot_request req;
    const char *out;
    int png, force, json, quiet;
} plot_args;

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n > t && !strcasecmp(s + n - t, tail);
}

/* -1 to go on, else the exit status (see commands.h). */
static int parse_args(int argc, char **argv, plot_args *a)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'}, {"x", required_argument, 0, 'x'},
        {"metrics", required_argument, 0, 'm'}, {"size", required_argument, 0, 's'},
        {"force", no_argument, 0, 'f'},     {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},     {"help", no_argument, 0, 'h'}, {0}};
    memset(a, 0, sizeof *a);
    a->req = (plot_request){.x = PLOT_X_STEP, .width = 1000, .height = 700};
    hue_flags_begin();
    int c;
    while ((c = hue_flags_next("plot", argc, argv, "qo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'x':
            if (!strcmp(optarg, "step"))
                a->req.x = PLOT_X_STEP;
            else if (!strcmp(optarg, "epoch"))
                a->req.x = PLOT_X_EPOCH;
            else if (!strcmp(optarg, "time"))
                a->req.x = PLOT_X_TIME;
            else {
                fprintf(stderr, "hue plot: --x %s: unknown axis (step, epoch or time)\n", optarg);
                return 2;
            }
            break;
        case 'm':
            if (!*optarg || optarg[strlen(optarg) - 1] == ',' || *optarg == ',' || strstr(optarg, ",,")) {
                fprintf(stderr, "hue plot: --metrics '%s': give names separated by commas (loss,lr)\n", optarg);
                return 2;
            }
            a->req.metrics = optarg;
            break;
        case 's': {
            int w, h, used = 0;
            if (sscanf(optarg, "%dx%d%n", &w, &h, &used) != 2 || optarg[used] || w < 200 || h < 150 || w > 8000 ||
                h > 8000) {
                fprintf(stderr, "hue plot: --size %s: give WxH, 200x150 to 8000x8000 pixels\n", optarg);
                return 2;
            }
            a->req.width = w, a->req.height = h;
            break;
        }
        case 'f': a->force = 1; break;
        case 'j': a->json = 1; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a->n_logs == MAX_LOGS) {
            fprintf(stderr, "hue plot: more than %d logs\n", MAX_LOGS);
            return 2;
        }
        a->logs[a->n_logs++] = argv[i];
    }
    if (!a->n_logs || !a->out) {
        fprintf(stderr, "hue plot: give one or more LOG.jsonl files and -o CURVES.svg|png (see --help)\n");
        return 2;
    }
    a->png = ends_with(a->out, ".png");
    if (!a->png && !ends_with(a->out, ".svg")) {
        fprintf(stderr, "hue plot: -o %s: the name must end in .svg or .png\n", a->out);
        return 2;
    }
    a->req.paths = a->logs;
    a->req.n_paths = a->n_logs;
    return -1;
}

int cmd_plot_parse(int argc, char **argv)
{
    plot_args a;
    return parse_args(argc, argv, &a);
}

static int write_svg(const chart_drawing *d, const char *path, int force)
{
    char *svg = NULL, tmp[4096];
    FILE *f = NULL;
    int rc = chart_svg(d, &svg);
    if (!rc)
        rc = hue_output_temp_file(path, tmp, sizeof tmp, &f);
    if (!rc) {
        int bad = fputs(svg, f) < 0;
        bad |= fclose(f) != 0;
        rc = bad ? (remove(tmp), hue_fail(HUE_EIO, "%s: cannot write it", path)) : hue_output_commit(tmp, path, force);
    }
    free(svg);
    return rc;
}

static int write_png(const chart_drawing *d, const char *path, int force)
{
    uint8_t *rgb = NULL;
    int rc = chart_raster(d, &rgb);
    if (!rc)
        rc = hue_image_write_rgb(path, rgb, d->width, d->height, 0, force);
    free(rgb);
    return rc;
}

static void print_json(const plot_args *a, const plot_result *r)
{
    static const char *const axes[] = {"step", "epoch", "time"};
    printf("{\"out\": ");
    hue_json_print_string(a->out);
    printf(", \"format\": \"%s\", \"x\": \"%s\", \"panels\": [", a->png ? "png" : "svg", axes[a->req.x]);
    for (int p = 0; p < r->n_panels; p++) {
        printf(p ? ", " : "");
        hue_json_print_string(r->panels[p]);
    }
    printf("], \"runs\": [");
    for (int i = 0; i < r->n_runs; i++) {
        printf(i ? ", {\"name\": " : "{\"name\": ");
        hue_json_print_string(r->runs[i].name);
        printf(", \"log\": ");
        hue_json_print_string(a->logs[i]);
        printf(", \"lines\": %lld, \"skipped\": %lld}", (long long)r->runs[i].lines, (long long)r->runs[i].skipped);
    }
    printf("]}\n");
}

int cmd_plot(int argc, char **argv)
{
    plot_args a;
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    hue_file_use uses[MAX_LOGS + 1] = {{"-o", a.out, 1}};
    for (int i = 0; i < a.n_logs; i++)
        uses[i + 1] = (hue_file_use){"LOG", a.logs[i], 0};
    plot_result r;
    int rc = hue_file_check_uses(uses, a.n_logs + 1);
    if (!rc)
        rc = hue_output_check(a.out, a.force);
    if (!rc)
        rc = plot_make(&a.req, &r);
    else
        memset(&r, 0, sizeof r);
    if (!rc)
        rc = a.png ? write_png(&r.drawing, a.out, a.force) : write_svg(&r.drawing, a.out, a.force);
    if (rc) {
        fprintf(stderr, "hue plot: %s\n", hue_error_message());
        plot_result_free(&r);
        return 1;
    }
    for (int i = 0; i < r.n_runs && !a.quiet; i++)
        if (r.runs[i].skipped)
            fprintf(stderr, "hue plot: note: %s: %lld malformed line%s skipped (the first, line %lld: %s)\n",
                    a.logs[i], (long long)r.runs[i].skipped, r.runs[i].skipped == 1 ? "" : "s",
                    (long long)r.runs[i].first_bad, r.runs[i].problem);
    if (r.dropped && !a.quiet)
        fprintf(stderr, "hue plot: note: %d more quantit%s not drawn (at most %d panels): choose with --metrics\n",
                r.dropped, r.dropped == 1 ? "y" : "ies", PLOT_MAX_PANELS);
    if (a.json)
        print_json(&a, &r);
    else if (!a.quiet)
        printf("hue plot: %d panel%s of %d run%s written to %s\n", r.n_panels, r.n_panels == 1 ? "" : "s", r.n_runs,
               r.n_runs == 1 ? "" : "s", a.out);
    plot_result_free(&r);
    return 0;
}
