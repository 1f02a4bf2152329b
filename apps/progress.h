/* A one-line progress bar on a terminal (stderr), silent otherwise. */
#ifndef HUE_PROGRESS_H
#define HUE_PROGRESS_H
#include <stdint.h>

typedef struct {
    int enabled;   /* stderr is a terminal and --quiet was not given */
    double first;         /* time of the first update */
    int64_t first_done;   /* its count: a resumed run starts past 0, so the rate counts from here */
    int drawn;
} hue_progress;

void hue_progress_start(hue_progress *p, int quiet);
/* Redraws: label, done/total with a bar, the caller's fields, and the ETA. */
void hue_progress_update(hue_progress *p, const char *label, int64_t done, int64_t total, const char *fields);
/* Ends the line so later output starts clean. */
void hue_progress_finish(hue_progress *p);

#endif
