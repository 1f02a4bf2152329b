/* Colour as classes, for the colourisation pretext tasks (Zhang et al.
 * 2016 and 2017): ab quantised on a grid of 10 x 10 cells over
 * [-110, 110]^2, of which only the cells the training images use become
 * classes (Q of them; about 300 on natural images), with their prior and
 * the class-rebalancing weights w = 1 / ((1 - lambda) p + lambda / Q),
 * scaled so the prior's expectation of w is 1. Lightness is quantised into
 * 50 classes of 2 units for split-brain's ab-to-L half. */
#ifndef HUE_COLOUR_BINS_H
#define HUE_COLOUR_BINS_H
#include <stddef.h>
#include <stdint.h>

#define AB_STEP 10.0f
#define AB_SIDE 22                     /* cells per axis: [-110, 110) in steps of 10 */
#define AB_CELLS (AB_SIDE * AB_SIDE)
#define L_CLASSES 50

typedef struct {
    int count;                         /* Q */
    float a[AB_CELLS], b[AB_CELLS];    /* each class's centre */
    float prior[AB_CELLS];             /* share of training pixels */
    int16_t cell_class[AB_CELLS];      /* grid cell -> class (unused cells: the nearest class) */
} colour_bins;

/* The grid cell of an ab value (clamped into the grid). */
int colour_cell(float a, float b);
/* The L class of a lightness in [0, 100]. */
int colour_l_class(float L);
/* Classes from a histogram of pixels per cell: every cell with pixels. */
int colour_bins_from_histogram(const double *cells, colour_bins *out);
/* The rebalancing weights (Q of them) for lambda in [0, 1]. */
void colour_bins_weights(const colour_bins *bins, double lambda, float *w);
/* As JSON {"step": 10, "centres": [[a, b], ...], "prior": [...]} and back
 * (HUE_EFORMAT naming path when it is not one hue wrote). */
char *colour_bins_json(const colour_bins *bins);
int colour_bins_parse(const char *json, const char *path, colour_bins *out);

#endif
