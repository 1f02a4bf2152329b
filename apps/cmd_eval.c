/* hue eval: dispatches to davis (here), knn (cmd_eval_knn.c) and linear
 * (cmd_eval_linear.c).
 *
 * hue eval davis: DAVIS J&F of a folder of predicted masks against the
 * ground truth in ROOT/Annotations/480p, as the official evaluation computes
 * it (semi-supervised task; see ssl/hue_davis_eval.h). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "flags.h"
#include "json_out.h"
#include "hue_davis_eval.h"
#include "hue_error.h"
#include "hue_file.h"
#include "hue_mask.h"
#include "hue_output.h"

static void eval_usage(FILE *f)
{
    fprintf(f,
            "usage: hue eval davis --results DIR --davis ROOT [--seqs a,b,...] [--json] [--csv FILE [--force]] [--quiet]\n"
            "\n"
            "DAVIS J&F (semi-supervised) of predicted masks against the ground truth, as the\n"
            "official DAVIS evaluation computes it: J = IoU (1 when both are empty), F = boundary\n"
            "F-measure with a tolerance of ceil(0.008 x image diagonal) pixels; per object, first\n"
            "and last frames excluded; mean, recall (share of frames > 0.5) and decay.\n"
            "J&F-Mean = mean of J-Mean and F-Mean over all objects of all sequences.\n"
            "\n"
            "  --results DIR   predicted masks, DIR/<seq>/<frame>.png (DAVIS palette PNGs, grayscale\n"
            "                  0/255 for one object or object ids, or RGB in the DAVIS palette's colours);\n"
            "                  only the frames that are scored are read.\n"
            "                  A folder that an interrupted 'hue track' left unfinished is refused\n"
            "  --davis ROOT    DAVIS root: ground truth in ROOT/Annotations/480p/<seq>/*.png; the\n"
            "                  number of objects is the largest id in the first frame\n"
            "  --seqs LIST     comma-separated sequences, each counted once (default: every folder in DIR)\n"
            "  --json          print the results as JSON (jf_mean, j_mean, f_mean, ..., sequences),\n"
            "                  as fractions from 0 to 1\n"
            "  --csv FILE      also write the per-sequence results as CSV, as fractions from 0 to 1\n"
            "                  ('-' for stdout, instead of the table); an existing FILE is refused\n"
            "                  unless --force\n"
            "  --force         replace an existing --csv FILE (never one of the masks read)\n"
            "  --partial       results that stop early (a run cut short, a clip tracked in part): each\n"
            "                  sequence is scored on its frames up to the first result missing (said on\n"
            "                  stderr); a result after a missing one is an error\n"
            "  -q, --quiet     no progress line\n"
            "  -h, --help      this text\n"
            "\n"
            "The table has one row per sequence (its objects averaged) and a last row over all\n"
            "objects, in percent (decay in percentage points). Exit status: 0 ok, 1 bad or missing masks, 2 usage error.\n");
}

/* One evaluated sequence. */
typedef struct {
    char *name;
    int n_frames;   /* ground-truth frames; n_frames - 2 are scored (--partial: scored + 2) */
    int to_score;   /* the ground truth's frames to score (n_frames - 2 but under --partial) */
    int n_objects;
    hue_davis_object *objects;
} seq_result;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a/b into buf, or an error when it does not fit. */
static int join_path(char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf(buf, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size)
        return hue_fail(HUE_EINVAL, "%s/%s: path too long", a, b);
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Sorted names in dir that end in suffix (or are folders when suffix is NULL). */
static int list_dir(const char *dir, const char *suffix, char ***out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return hue_fail(HUE_EIO, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    int n = 0, cap = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(e->d_name);
        if (suffix) {
            size_t sl = strlen(suffix);
            if (len <= sl || strcmp(e->d_name + len - sl, suffix))
                continue;
        } else {
            char path[4096];
            if (join_path(path, sizeof path, dir, e->d_name) || !is_dir(path))
                continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, sizeof *names * cap);
            if (!nn) {
                rc = hue_fail(HUE_ENOMEM, "out of memory listing %s", dir);
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = hue_fail(HUE_ENOMEM, "out of memory listing %s", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (rc) {
        for (int i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return rc;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *n_out = n;
    return 0;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Reads a mask (palette PNG ids, gray 0/255 as id 1 or gray ids, DAVIS
 * palette colours) into m, replacing
 * what it held, and checks its size against the sequence's (want_w > 0). */
static int read_labels(const char *path, int want_w, int want_h, hue_mask *m)
{
    hue_mask_free(m);
    int rc = hue_mask_read(m, path);
    if (rc)
        return rc;
    /* ids by colour order would differ between frames as objects come and go */
    if (m->from_colours == HUE_MASK_COLOURS_ORDERED)
        return hue_fail(HUE_EINVAL, "%s: a colour mask whose colours are not the DAVIS palette's: its object ids "
                        "would depend on the colours each frame holds; give palette PNGs or grayscale id masks", path);
    if (want_w && (m->width != want_w || m->height != want_h))
        return hue_fail(HUE_EINVAL, "%s: mask is %dx%d but the sequence's ground truth is %dx%d", path,
                        m->width, m->height, want_w, want_h);
    return 0;
}

/* Refuses a --csv that is one of the sequence's masks, ground truth or
 * result, scored or not: --force would replace it. */
static int csv_not_a_mask(const char *csv, const char *gt_dir, const char *res_dir, char **frames, int n)
{
    char path[4096];
    for (int i = 0; csv && i < n; i++)
        for (int k = 0; k < 2; k++)
            if (join_path(path, sizeof path, k ? res_dir : gt_dir, frames[i]) == 0 && hue_file_same(path, csv))
                return hue_fail(HUE_EINVAL, "%s: --csv names this mask (an output must not also be an input)", path);
    return 0;
}

/* One sequence's J and F. partial: the results may stop early; the frames
 * up to the first missing one are scored (a later one there is a gap). */
static int eval_seq(const char *results, const char *root, const char *seq, const char *csv, int progress,
                    int partial, seq_result *out)
{
    char gt_dir[4096], res_dir[4096], path[4096];
    memset(out, 0, sizeof *out);
    if (join_path(path, sizeof path, root, "Annotations/480p") ||
        join_path(gt_dir, sizeof gt_dir, path, seq) || join_path(res_dir, sizeof res_dir, results, seq))
        return HUE_EINVAL;
    if (!is_dir(gt_dir))
        return hue_fail(HUE_EIO, "%s: no such folder (ground truth of sequence '%s')", gt_dir, seq);
    if (!is_dir(res_dir))
        return hue_fail(HUE_EIO, "%s: no such folder (results of sequence '%s')", res_dir, seq);
    if (hue_outdir_unfinished(res_dir))
        return hue_fail(HUE_EFORMAT, "%s: masks of a 'hue track' that did not finish (%s is there): run it again",
                        res_dir, HUE_OUTDIR_MARKER);
    char **frames;
    int n;
    int rc = list_dir(gt_dir, ".png", &frames, &n);
    if (rc)
        return rc;
    if (n < 3) {
        free_names(frames, n);
        return hue_fail(HUE_EINVAL, "%s: %d ground-truth masks; a sequence needs at least 3 "
                        "(the first and last are not scored)", gt_dir, n);
    }
    hue_mask gt = {0}, pred = {0};
    int w = 0, h = 0;
    hue_davis_seq *s = NULL;
    /* The first frame gives the size and the number of objects. */
    rc = csv_not_a_mask(csv, gt_dir, res_dir, frames, n);
    if (!rc)
        rc = join_path(path, sizeof path, gt_dir, frames[0]);
    if (!rc)
        rc = read_labels(path, 0, 0, &gt);
    if (!rc) {
        w = gt.width, h = gt.height;
        out->n_objects = hue_davis_count_objects(gt.ids, w, h);
        rc = hue_davis_seq_create(w, h, out->n_objects, &s);
    }
    int scored = 0;
    for (int i = 1; i < n - 1 && !rc; i++) {
        if ((rc = join_path(path, sizeof path, res_dir, frames[i])))
            break;
        if (partial && access(path, F_OK) != 0) {
            /* the results end here: nothing may follow */
            for (int k = i + 1; k < n && !rc; k++)
                if (!(rc = join_path(path, sizeof path, res_dir, frames[k])) && access(path, F_OK) == 0)
                    rc = hue_fail(HUE_EIO, "%s: a result after the missing %s/%s (--partial scores results that "
                                  "stop early, not ones with gaps)", path, res_dir, frames[i]);
            if (!rc && scored == 0)
                rc = hue_fail(HUE_EIO, "%s/%s: missing: --partial needs the results of the first scored frame",
                              res_dir, frames[i]);
            break;
        }
        rc = join_path(path, sizeof path, gt_dir, frames[i]);
        if (!rc)
            rc = read_labels(path, w, h, &gt);
        if (rc)
            break;
        if ((rc = join_path(path, sizeof path, res_dir, frames[i])))
            break;
        if (access(path, F_OK) != 0) {
            rc = hue_fail(HUE_EIO, "%s: missing result frame (the ground truth has %s/%s)", path,
                          gt_dir, frames[i]);
            break;
        }
        rc = read_labels(path, w, h, &pred);
        if (rc)
            break;
        rc = hue_davis_seq_add(s, gt.ids, pred.ids);
        scored++;
        if (rc) {
            /* Name the file: the metric only knows the labels. */
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", hue_error_message());
            rc = hue_fail(rc, "%s: %s", path, msg);
            break;
        }
        if (progress)
            fprintf(stderr, "\r%-24s frame %d/%d", seq, i + 1, n);
    }
    if (progress)
        fprintf(stderr, "\r%60s\r", "");
    if (!rc) {
        out->objects = calloc(out->n_objects ? out->n_objects : 1, sizeof *out->objects);
        if (!out->objects)
            rc = hue_fail(HUE_ENOMEM, "out of memory");
        else
            rc = hue_davis_seq_result(s, out->objects);
    }
    out->n_frames = scored + 2;
    out->to_score = n - 2;
    hue_davis_seq_destroy(s);
    hue_mask_free(&gt);
    hue_mask_free(&pred);
    free_names(frames, n);
    if (!rc && !(out->name = strdup(seq)))
        rc = hue_fail(HUE_ENOMEM, "out of memory");
    if (rc) {
        free(out->objects);
        out->objects = NULL;
    }
    return rc;
}

static void json_stats(FILE *f, const hue_davis_summary *s)
{
    fprintf(f,
            "\"jf_mean\": %.6f, \"j_mean\": %.6f, \"j_recall\": %.6f, \"j_decay\": %.6f, "
            "\"f_mean\": %.6f, \"f_recall\": %.6f, \"f_decay\": %.6f, \"n_objects\": %d",
            s->jf_mean, s->j.mean, s->j.recall, s->j.decay, s->f.mean, s->f.recall, s->f.decay,
            s->n_objects);
}

static void print_json(FILE *f, const seq_result *r, int n, const hue_davis_summary *all)
{
    fprintf(f, "{");
    json_stats(f, all);
    fprintf(f, ", \"n_sequences\": %d,\n \"sequences\": {", n);
    for (int i = 0; i < n; i++) {
        hue_davis_summary s = hue_davis_summarize(r[i].objects, r[i].n_objects);
        fprintf(f, "%s\n  ", i ? "," : "");
        hue_json_fprint_string(f, r[i].name);
        fprintf(f, ": {");
        json_stats(f, &s);
        fprintf(f, ", \"frames\": %d, \"objects\": [", r[i].n_frames);
        for (int o = 0; o < r[i].n_objects; o++) {
            const hue_davis_object *ob = &r[i].objects[o];
            fprintf(f,
                    "%s{\"id\": %d, \"j_mean\": %.6f, \"j_recall\": %.6f, \"j_decay\": %.6f, "
                    "\"f_mean\": %.6f, \"f_recall\": %.6f, \"f_decay\": %.6f}",
                    o ? ", " : "", o + 1, ob->j.mean, ob->j.recall, ob->j.decay, ob->f.mean,
                    ob->f.recall, ob->f.decay);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "\n }\n}\n");
}

static void print_table(FILE *f, const seq_result *r, int n, const hue_davis_summary *all)
{
    /* percentages for people (README: one convention); JSON and CSV keep fractions */
    fprintf(f, "%-20s %7s %8s %7s %8s %7s %7s %8s %7s   (in %%)\n", "sequence", "objects", "J&F-Mean",
            "J-Mean", "J-Recall", "J-Decay", "F-Mean", "F-Recall", "F-Decay");
    for (int i = 0; i <= n; i++) {
        hue_davis_summary s = i < n ? hue_davis_summarize(r[i].objects, r[i].n_objects) : *all;
        fprintf(f, "%-20s %7d %8.1f %7.1f %8.1f %7.1f %7.1f %8.1f %7.1f\n", i < n ? r[i].name : "all",
                s.n_objects, 100 * s.jf_mean, 100 * s.j.mean, 100 * s.j.recall, 100 * s.j.decay, 100 * s.f.mean,
                100 * s.f.recall, 100 * s.f.decay);
    }
}

static void print_csv(FILE *f, const seq_result *r, int n, const hue_davis_summary *all)
{
    fprintf(f, "sequence,objects,J&F-Mean,J-Mean,J-Recall,J-Decay,F-Mean,F-Recall,F-Decay\n");
    for (int i = 0; i <= n; i++) {
        hue_davis_summary s = i < n ? hue_davis_summarize(r[i].objects, r[i].n_objects) : *all;
        fprintf(f, "%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", i < n ? r[i].name : "all",
                s.n_objects, s.jf_mean, s.j.mean, s.j.recall, s.j.decay, s.f.mean, s.f.recall,
                s.f.decay);
    }
}

/* The CSV into a temporary file, renamed onto path once complete: a full
 * disk leaves the previous file as it was. */
static int write_csv(const char *path, int force, const seq_result *r, int n, const hue_davis_summary *all)
{
    char tmp[4600];
    FILE *f;
    int rc = hue_output_temp_file(path, tmp, sizeof tmp, &f);
    if (rc)
        return rc;
    print_csv(f, r, n, all);
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int err = errno;
    if (fclose(f) != 0 && !bad)
        bad = 1, err = errno;
    if (bad) {
        unlink(tmp);
        return hue_fail(HUE_EIO, "%s: cannot write: %s", path, strerror(err));
    }
    return hue_output_commit(tmp, path, force);
}

/* Splits a comma-separated list in place. */
static int split_seqs(char *list, char ***out, int *n_out)
{
    int n = 1;
    for (char *p = list; *p; p++)
        n += *p == ',';
    char **names = calloc(n, sizeof *names);
    if (!names)
        return hue_fail(HUE_ENOMEM, "out of memory");
    int k = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        int seen = 0;
        for (int i = 0; i < k && !seen; i++)
            seen = strcmp(names[i], tok) == 0;
        if (*tok && !seen)  /* a sequence named twice counts once */
            names[k++] = tok;
    }
    *out = names;
    *n_out = k;
    return 0;
}

typedef struct {
    const char *results, *root, *csv;
    char *seqs_arg;
    int json, quiet, force, partial;
} davis_args;

/* -1 to go on, else the exit status (see commands.h). */
static int parse_davis(int argc, char **argv, davis_args *a)
{
    static const struct option opts[] = {
        {"results", required_argument, NULL, 'r'}, {"davis", required_argument, NULL, 'd'},
        {"seqs", required_argument, NULL, 's'},    {"json", no_argument, NULL, 'j'},
        {"csv", required_argument, NULL, 'c'},     {"quiet", no_argument, NULL, 'q'},
        {"force", no_argument, NULL, 'f'},         {"help", no_argument, NULL, 'h'},
        {"partial", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    *a = (davis_args){0};
    int c;
    hue_flags_begin();
    while ((c = hue_flags_next("eval davis", argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': a->results = optarg; break;
        case 'd': a->root = optarg; break;
        case 's': a->seqs_arg = optarg; break;
        case 'j': a->json = 1; break;
        case 'c': a->csv = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'f': a->force = 1; break;
        case 'p': a->partial = 1; break;
        case 'h': eval_usage(stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hue eval davis: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!a->results || !a->root) {
        fprintf(stderr, "hue eval davis: --results DIR and --davis ROOT are required\n");
        eval_usage(stderr);
        return 2;
    }
    if (a->json && a->csv && !strcmp(a->csv, "-")) {
        fprintf(stderr, "hue eval davis: --json and --csv - both want stdout\n");
        return 2;
    }
    if (a->seqs_arg && !a->seqs_arg[strspn(a->seqs_arg, ",")]) {
        fprintf(stderr, "hue eval davis: --seqs names no sequence\n");
        return 2;
    }
    return -1;
}

static int eval_davis(int argc, char **argv, int parse_only)
{
    davis_args args;
    int status = parse_davis(argc, argv, &args);
    if (status >= 0 || parse_only)
        return status;
    const char *results = args.results, *root = args.root, *csv = args.csv;
    char *seqs_arg = args.seqs_arg;
    int json = args.json, quiet = args.quiet;
    int force = args.force, csv_stdout = 0;
    if (csv && !strcmp(csv, "-"))
        csv = NULL, csv_stdout = 1;
    /* before the evaluation, which may take long */
    if (csv && hue_output_check(csv, force)) {
        fprintf(stderr, "hue eval davis: %s\n", hue_error_message());
        return 1;
    }

    char **seqs = NULL;
    int n_seqs = 0, listed = 0, rc = 0;
    if (seqs_arg) {
        rc = split_seqs(seqs_arg, &seqs, &n_seqs);
    } else {
        if (!is_dir(results)) {
            fprintf(stderr, "hue eval davis: %s: no such folder (--results)\n", results);
            return 1;
        }
        rc = list_dir(results, NULL, &seqs, &n_seqs);
        listed = 1;
        if (!rc && n_seqs == 0)
            rc = hue_fail(HUE_EIO, "%s: no sequence folders in the results", results);
    }
    char gt_root[4096];
    if (!rc)
        rc = join_path(gt_root, sizeof gt_root, root, "Annotations/480p");
    if (!rc && !is_dir(gt_root))
        rc = hue_fail(HUE_EIO, "%s: no such folder (--davis ROOT needs Annotations/480p)", gt_root);

    seq_result *res = rc ? NULL : calloc(n_seqs, sizeof *res);
    if (!rc && !res)
        rc = hue_fail(HUE_ENOMEM, "out of memory");
    int progress = !quiet && isatty(2);
    int done = 0;
    for (; !rc && done < n_seqs; done++) {
        rc = eval_seq(results, root, seqs[done], csv, progress, args.partial, &res[done]);
        if (!rc && !quiet && res[done].n_frames - 2 < res[done].to_score)
            fprintf(stderr, "hue eval davis: %s: frames 1 to %d of %d scored (--partial)\n", seqs[done],
                    res[done].n_frames - 2, res[done].to_score);
    }
    if (!rc) {
        int total = 0;
        for (int i = 0; i < n_seqs; i++)
            total += res[i].n_objects;
        hue_davis_object *all = calloc(total ? total : 1, sizeof *all);
        if (!all) {
            rc = hue_fail(HUE_ENOMEM, "out of memory");
        } else {
            int k = 0;
            for (int i = 0; i < n_seqs; i++)
                for (int o = 0; o < res[i].n_objects; o++)
                    all[k++] = res[i].objects[o];
            hue_davis_summary sm = hue_davis_summarize(all, total);
            free(all);
            if (json)
                print_json(stdout, res, n_seqs, &sm);
            else if (csv_stdout)
                print_csv(stdout, res, n_seqs, &sm);
            else
                print_table(stdout, res, n_seqs, &sm);
            if (csv)
                rc = write_csv(csv, force, res, n_seqs, &sm);
        }
    }
    if (rc)
        fprintf(stderr, "hue eval davis: %s\n", hue_error_message());
    for (int i = 0; res && i < n_seqs; i++) {
        free(res[i].name);
        free(res[i].objects);
    }
    free(res);
    if (listed)
        free_names(seqs, n_seqs);
    else
        free(seqs);
    return rc ? 1 : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hue eval <what> [options]\n\n"
               "  davis   DAVIS J&F of predicted masks against the ground truth\n"
               "  knn     weighted kNN accuracy of a checkpoint's frozen features (train/ and test/ splits)\n"
               "  linear  linear-probe accuracy of a checkpoint's frozen features (train/ and test/ splits)\n\n"
               "'hue eval <what> --help' describes each.\n");
}

/* `hue eval WHAT ...`, parsed and (unless parse_only) run. */
static int eval(int argc, char **argv, int parse_only)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "davis"))
        return eval_davis(argc - 1, argv + 1, parse_only);
    if (!strcmp(argv[1], "knn"))
        return parse_only ? hue_eval_knn_parse(argc - 1, argv + 1) : hue_eval_knn(argc - 1, argv + 1);
    if (!strcmp(argv[1], "linear"))
        return parse_only ? hue_eval_linear_parse(argc - 1, argv + 1) : hue_eval_linear(argc - 1, argv + 1);
    fprintf(stderr, "hue eval: unknown evaluation '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

int cmd_eval(int argc, char **argv) { return eval(argc, argv, 0); }

int cmd_eval_parse(int argc, char **argv) { return eval(argc, argv, 1); }
