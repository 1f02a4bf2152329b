/* Training logs to a chart drawing: what `hue plot` draws and what a
 * training report shows (apps/plot_log.h reads, apps/chart.h draws). */
#ifndef HUE_PLOT_CHART_H
#define HUE_PLOT_CHART_H

#include "chart.h"
#include "plot_log.h"

#define PLOT_MAX_PANELS 12

typedef struct {
    const char *const *paths;  /* the logs, one run each */
    int n_paths;
    int x;                     /* PLOT_X_* */
    const char *metrics;       /* comma-separated quantities, or NULL: every one logged */
    int width, height;
} plot_request;

typedef struct {
    plot_run *runs;            /* n_paths of them (plot_result_free) */
    int n_runs;
    char panels[PLOT_MAX_PANELS][64];
    int n_panels;
    int dropped;               /* quantities beyond PLOT_MAX_PANELS, not drawn */
    chart_drawing drawing;
} plot_result;

/* Reads every log and lays the chart out. Fails with a message naming the
 * log (unreadable, nothing usable) or the --metrics entry no log holds. */
int plot_make(const plot_request *req, plot_result *out);
void plot_result_free(plot_result *r);
/* The x axis's label for x (PLOT_X_*). */
const char *plot_x_label(int x);

#endif
