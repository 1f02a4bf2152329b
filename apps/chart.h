/* Line charts of training curves: one panel per quantity, several runs in
 * each (one colour per run, a legend naming them). The layout becomes a
 * list of drawing items (lines, rectangles, text) in pixels; the same list
 * is written as SVG text or rasterised to RGB pixels (PNG), so both show
 * the same drawing. */
#ifndef HUE_CHART_H
#define HUE_CHART_H
#include <stddef.h>
#include <stdint.h>

/* One run's points of one quantity (x ascending is not required). */
typedef struct {
    int run;                  /* index into the chart's run names: its colour and legend entry */
    const double *x, *y;
    int n;
} chart_series;

typedef struct {
    const char *title;        /* the quantity ("loss", "lr", ...) */
    const chart_series *series;
    int n_series;
} chart_panel;

typedef struct {
    int width, height;        /* pixels */
    const char *x_label;      /* "step", "epoch", "time (s)" */
    const char *const *run_names;
    int n_runs;
    const chart_panel *panels;
    int n_panels;
} chart_spec;

enum { CHART_LINE, CHART_RECT, CHART_TEXT };
enum { CHART_LEFT, CHART_MIDDLE, CHART_RIGHT };

/* A polyline (xy: n points), a filled rectangle (xy: x, y, w, h), or a
 * text line whose baseline starts, centres or ends at xy. */
typedef struct {
    int kind;
    uint32_t colour;          /* 0xRRGGBB */
    float width;              /* line width in pixels */
    float *xy;
    int n;
    char text[64];
    int size;                 /* text height in pixels: 8 or 16 */
    int anchor;
    int series;               /* 1 for a run's curve (SVG marks it with class "series") */
} chart_item;

typedef struct {
    int width, height;
    chart_item *items;
    int n, cap;
} chart_drawing;

/* Lays the chart out into d (freed with chart_drawing_free). 0, or
 * HUE_ENOMEM / HUE_EINVAL (a size below 200 x 150 pixels). */
int chart_layout(const chart_spec *spec, chart_drawing *d);
void chart_drawing_free(chart_drawing *d);

/* The drawing as a standalone SVG document (malloc'd, NUL-terminated). */
int chart_svg(const chart_drawing *d, char **out);
/* The drawing as packed RGB8 pixels, width x height (malloc'd). */
int chart_raster(const chart_drawing *d, uint8_t **rgb);

/* The built-in 5 x 7 bitmap font (apps/chart_font.c): the rows of the glyph
 * for c, top first, bit 4 the leftmost column. Lower case letters are drawn
 * as capitals; characters without a glyph as a hollow box. */
const uint8_t *chart_glyph(char c);

#endif
