/* Progress on stderr: a one-line bar redrawn in place on a terminal; on a
 * pipe or a log file, a plain line every PROGRESS_PLAIN_SECONDS (the first
 * after that long, so a short command prints none). --quiet: nothing. */
#ifndef HUE_PROGRESS_H
#define HUE_PROGRESS_H
#include <stdint.h>

#define PROGRESS_PLAIN_SECONDS 10.0

typedef struct {
    int enabled;          /* --quiet was not given */
    int terminal;         /* stderr is a terminal: redraw in place */
    double started;       /* when the progress started */
    double last_plain;    /* when the last plain line was written */
    double first;         /* time of the first update */
    int64_t first_done;   /* its count: a resumed run starts past 0, so the rate counts from here */
    int drawn;
} hue_progress;

void hue_progress_start(hue_progress *p, int quiet);
/* label, done/total (with a bar on a terminal), the caller's fields and the ETA. */
void hue_progress_update(hue_progress *p, const char *label, int64_t done, int64_t total, const char *fields);
/* Ends the line so later output starts clean. */
void hue_progress_finish(hue_progress *p);

#endif
