/* Reading JSON-lines training logs into series (see plot_log.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_file.h"
#include "hue_json.h"
#include "plot_log.h"

/* Fields that place a line rather than measure something, and counts
 * that sit beside a monitor's figure. */
static int is_axis_or_count(const char *key)
{
    static const char *const skip[] = {"step", "epoch", "batch", "elapsed_s", "knn_images", "test_images", "val_frames"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(key, skip[i]))
            return 1;
    return 0;
}

const plot_quantity *plot_run_find(const plot_run *run, const char *name)
{
    for (int i = 0; i < run->n_q; i++)
        if (!strcmp(run->q[i].name, name))
            return &run->q[i];
    return NULL;
}

static int append(plot_run *run, const char *name, double x, double y)
{
    plot_quantity *q = (plot_quantity *)plot_run_find(run, name);
    if (!q) {
        plot_quantity *grown = realloc(run->q, sizeof *grown * (size_t)(run->n_q + 1));
        if (!grown)
            return HUE_ENOMEM;
        run->q = grown;
        q = &run->q[run->n_q++];
        memset(q, 0, sizeof *q);
        snprintf(q->name, sizeof q->name, "%s", name);
    }
    if (q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 64;
        double *gx = realloc(q->x, sizeof *gx * (size_t)cap);
        if (gx)
            q->x = gx;
        double *gy = gx ? realloc(q->y, sizeof *gy * (size_t)cap) : NULL;
        if (!gy)
            return HUE_ENOMEM;
        q->y = gy, q->cap = cap;
    }
    q->x[q->n] = x, q->y[q->n++] = y;
    return 0;
}

static double number_or_nan(const hue_json *o, const char *key)
{
    const hue_json *v = hue_json_get(o, key);
    return hue_json_type_of(v) == HUE_JSON_NUMBER ? hue_json_number(v) : NAN;
}

static void note_bad(plot_run *run, int64_t line, const char *problem)
{
    if (!run->skipped++) {
        run->first_bad = line;
        snprintf(run->problem, sizeof run->problem, "%s", problem);
    }
}

/* The largest batch index of the file plus one: batches per epoch, for the
 * epoch axis's fraction. */
static double batches_per_epoch(FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    double most = 0;
    while (getline(&line, &cap, f) > 0) {
        hue_json *o = NULL;
        if (hue_json_parse_limited(line, strlen(line), 4096, &o) == 0) {
            double b = number_or_nan(o, "batch");
            if (b + 1 > most)
                most = b + 1;
        }
        hue_json_destroy(o);
    }
    free(line);
    rewind(f);
    return most;
}

int plot_log_read(const char *path, int x_axis, plot_run *run)
{
    memset(run, 0, sizeof *run);
    const char *base = strrchr(path, '/');
    snprintf(run->name, sizeof run->name, "%s", base ? base + 1 : path);
    char *dot = strrchr(run->name, '.');
    if (dot && dot != run->name)
        *dot = 0;
    FILE *f = NULL;
    int orc = hue_file_open_regular(path, &f);
    if (orc)
        return orc;
    double batches = x_axis == PLOT_X_EPOCH ? batches_per_epoch(f) : 0;
    char *line = NULL, problem[160];
    size_t cap = 0;
    ssize_t len;
    int64_t number = 0, missing_x = 0;
    double last_elapsed = NAN;
    int rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        number++;
        size_t n = (size_t)len;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        hue_json *o = NULL;
        int prc = hue_json_parse_limited(line, n, 4096, &o);
        if (prc) {
            snprintf(problem, sizeof problem, "not JSON: %s", hue_error_message());
            note_bad(run, number, problem);
            continue;
        }
        double step = number_or_nan(o, "step");
        if (hue_json_type_of(o) != HUE_JSON_OBJECT || isnan(step)) {
            note_bad(run, number, hue_json_type_of(o) != HUE_JSON_OBJECT ? "not a JSON object" : "no numeric \"step\"");
            hue_json_destroy(o);
            continue;
        }
        double elapsed = number_or_nan(o, "elapsed_s"), epoch = number_or_nan(o, "epoch"), batch = number_or_nan(o, "batch");
        /* a monitor's line has no clock of its own: it comes right after its step's */
        if (!isnan(elapsed))
            last_elapsed = elapsed;
        double x = step;
        if (x_axis == PLOT_X_TIME)
            x = last_elapsed;
        else if (x_axis == PLOT_X_EPOCH)  /* a step's line: the epoch done so far; a monitor's: epochs done */
            x = isnan(batch) ? epoch : epoch + (batch + 1) / batches;
        if (isnan(x)) {
            missing_x++;
            hue_json_destroy(o);
            continue;
        }
        run->lines++;
        for (size_t i = 0; i < hue_json_count(o) && !rc; i++) {
            const char *key = hue_json_key(o, i, NULL);
            const hue_json *v = hue_json_at(o, i);
            if (hue_json_type_of(v) == HUE_JSON_NUMBER && !is_axis_or_count(key))
                rc = append(run, key, x, hue_json_number(v));
        }
        hue_json_destroy(o);
    }
    int read_error = ferror(f);
    free(line);
    fclose(f);
    if (rc)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    if (read_error)
        return hue_fail(HUE_EIO, "%s: cannot read it", path);
    static const char *const x_field[] = {"step", "epoch", "elapsed_s"};
    if (run->lines == 0 && missing_x > 0)
        return hue_fail(HUE_EFORMAT, "%s: no line has \"%s\" to place it on the x axis%s", path, x_field[x_axis],
                        x_axis == PLOT_X_EPOCH ? " (train-video counts steps, not epochs: use --x step)" : "");
    if (run->lines == 0 && run->skipped > 0)
        return hue_fail(HUE_EFORMAT, "%s: no usable line (line %lld: %s)", path, (long long)run->first_bad,
                        run->problem);
    if (run->lines == 0)
        return hue_fail(HUE_EFORMAT, "%s: holds no metrics lines", path);
    if (run->n_q == 0)
        return hue_fail(HUE_EFORMAT, "%s: no numeric field to plot besides step, epoch and time", path);
    return 0;
}

void plot_run_free(plot_run *run)
{
    for (int i = 0; i < run->n_q; i++)
        free(run->q[i].x), free(run->q[i].y);
    free(run->q);
    memset(run, 0, sizeof *run);
}
