/* Training logs for charts: the JSON-lines metrics `hue pretrain` and `hue
 * train-video` write, read into one series per numeric field against the
 * chosen x axis (the step, the epoch with its fraction, or the seconds
 * since the start). Lines that are not a JSON object with a numeric "step"
 * are skipped and counted. */
#ifndef HUE_PLOT_LOG_H
#define HUE_PLOT_LOG_H
#include <stdint.h>

enum { PLOT_X_STEP, PLOT_X_EPOCH, PLOT_X_TIME };

typedef struct {
    char name[64];
    double *x, *y;
    int n, cap;
} plot_quantity;

typedef struct {
    char name[256];           /* the run's name: the file's name without folder and extension */
    plot_quantity *q;
    int n_q;
    int64_t lines;            /* usable lines */
    int64_t skipped;          /* malformed lines */
    int64_t first_bad;        /* line number of the first, 0 when none */
    char problem[160];        /* what was wrong with it */
} plot_run;

/* Reads path; x is PLOT_X_*. Fails (message naming the file) when it cannot
 * be read, has no usable line, no numeric field, or lacks the x axis's
 * field. */
int plot_log_read(const char *path, int x, plot_run *run);
void plot_run_free(plot_run *run);
/* The run's series of the quantity name, or NULL. */
const plot_quantity *plot_run_find(const plot_run *run, const char *name);

#endif
