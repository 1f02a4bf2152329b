/* From logs to a drawing: the panels are the quantities asked for, or
 * every one the logs hold in the order they first appear; each panel has
 * a series per run that logged its quantity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "plot_chart.h"

const char *plot_x_label(int x)
{
    return x == PLOT_X_EPOCH ? "epoch" : x == PLOT_X_TIME ? "time (s)" : "step";
}

static int has_panel(const plot_result *r, const char *name)
{
    for (int i = 0; i < r->n_panels; i++)
        if (!strcmp(r->panels[i], name))
            return 1;
    return 0;
}

static int add_panel(plot_result *r, const char *name)
{
    if (has_panel(r, name))
        return 0;
    if (r->n_panels == PLOT_MAX_PANELS) {
        r->dropped++;
        return 0;
    }
    snprintf(r->panels[r->n_panels++], sizeof r->panels[0], "%s", name);
    return 0;
}

/* The panels --metrics names: each must be logged by some run. */
static int chosen_panels(const char *metrics, plot_result *r)
{
    const char *p = metrics;
    while (*p) {
        size_t n = strcspn(p, ",");
        char name[64];
        if (n == 0 || n >= sizeof name)
            return hue_fail(HUE_EINVAL, "--metrics %s: empty or too long a name", metrics);
        memcpy(name, p, n);
        name[n] = 0;
        int found = 0;
        for (int i = 0; i < r->n_runs && !found; i++)
            found = plot_run_find(&r->runs[i], name) != NULL;
        if (!found) {
            char known[512] = "";
            for (int i = 0; i < r->n_runs; i++)
                for (int q = 0; q < r->runs[i].n_q; q++) {
                    const char *name_q = r->runs[i].q[q].name;
                    int seen = 0;  /* named by an earlier run */
                    for (int j = 0; j < i && !seen; j++)
                        seen = plot_run_find(&r->runs[j], name_q) != NULL;
                    if (!seen && strlen(known) + 70 < sizeof known)
                        strcat(strcat(known, *known ? ", " : ""), name_q);
                }
            return hue_fail(HUE_EINVAL, "--metrics: no log has \"%s\" (they have: %s)", name, known);
        }
        add_panel(r, name);
        p += n + (p[n] == ',');
    }
    return 0;
}

int plot_make(const plot_request *req, plot_result *r)
{
    memset(r, 0, sizeof *r);
    r->runs = calloc((size_t)req->n_paths, sizeof *r->runs);
    if (!r->runs)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    r->n_runs = req->n_paths;
    int rc = 0;
    for (int i = 0; i < req->n_paths && !rc; i++)
        rc = plot_log_read(req->paths[i], req->x, &r->runs[i]);
    /* runs of the same file name in other folders keep their paths apart */
    for (int i = 0; i < r->n_runs && !rc; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(r->runs[i].name, r->runs[j].name))
                snprintf(r->runs[i].name, sizeof r->runs[i].name, "%s", req->paths[i]);
    if (!rc && req->metrics)
        rc = chosen_panels(req->metrics, r);
    for (int i = 0; i < r->n_runs && !rc && !req->metrics; i++)
        for (int q = 0; q < r->runs[i].n_q; q++)
            add_panel(r, r->runs[i].q[q].name);
    if (rc)
        return rc;
    const char *names[64];
    chart_panel panels[PLOT_MAX_PANELS];
    chart_series *series = calloc((size_t)PLOT_MAX_PANELS * r->n_runs, sizeof *series);
    if (!series)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    for (int i = 0; i < r->n_runs && i < 64; i++)
        names[i] = r->runs[i].name;
    for (int p = 0; p < r->n_panels; p++) {
        chart_series *s = series + (size_t)p * r->n_runs;
        int n = 0;
        for (int i = 0; i < r->n_runs; i++) {
            const plot_quantity *q = plot_run_find(&r->runs[i], r->panels[p]);
            if (q)
                s[n++] = (chart_series){i, q->x, q->y, q->n};
        }
        panels[p] = (chart_panel){r->panels[p], s, n};
    }
    chart_spec spec = {req->width, req->height, plot_x_label(req->x), names, r->n_runs < 64 ? r->n_runs : 64,
                       panels, r->n_panels};
    rc = chart_layout(&spec, &r->drawing);
    free(series);
    return rc;
}

void plot_result_free(plot_result *r)
{
    for (int i = 0; i < r->n_runs; i++)
        plot_run_free(&r->runs[i]);
    free(r->runs);
    chart_drawing_free(&r->drawing);
    memset(r, 0, sizeof *r);
}
