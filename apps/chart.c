/* The chart's layout: a legend of the runs on top, then a grid of panels,
 * each with its title, axes, grid lines at round values and one curve per
 * run (markers too where a run has few points, such as a monitor logged
 * once an epoch). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "hue_error.h"

#define BACKGROUND 0xffffff
#define INK 0x222222
#define GRID 0xe0e0e0
#define FRAME 0x888888
#define SMALL 8     /* tick labels: the font at 1x */
#define LARGE 16    /* titles and the legend: 2x */
#define CHAR_W(size) ((size) / 8 * 6)

/* Tableau's ten colours: distinct on white and for most colour-blind eyes. */
static const uint32_t run_colours[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                       0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

static chart_item *add(chart_drawing *d, int kind, uint32_t colour)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 256;
        chart_item *items = realloc(d->items, sizeof *items * (size_t)cap);
        if (!items)
            return NULL;
        d->items = items, d->cap = cap;
    }
    chart_item *it = &d->items[d->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind, it->colour = colour, it->width = 1;
    return it;
}

static int line(chart_drawing *d, uint32_t colour, float width, float x0, float y0, float x1, float y1)
{
    chart_item *it = add(d, CHART_LINE, colour);
    if (!it || !(it->xy = malloc(sizeof *it->xy * 4)))
        return HUE_ENOMEM;
    it->width = width, it->n = 2;
    it->xy[0] = x0, it->xy[1] = y0, it->xy[2] = x1, it->xy[3] = y1;
    return 0;
}

static int rect(chart_drawing *d, uint32_t colour, float x, float y, float w, float h)
{
    chart_item *it = add(d, CHART_RECT, colour);
    if (!it || !(it->xy = malloc(sizeof *it->xy * 4)))
        return HUE_ENOMEM;
    it->n = 1;
    it->xy[0] = x, it->xy[1] = y, it->xy[2] = w, it->xy[3] = h;
    return 0;
}

static int text(chart_drawing *d, uint32_t colour, int size, int anchor, float x, float y, const char *s)
{
    chart_item *it = add(d, CHART_TEXT, colour);
    if (!it || !(it->xy = malloc(sizeof *it->xy * 2)))
        return HUE_ENOMEM;
    it->n = 1, it->size = size, it->anchor = anchor;
    it->xy[0] = x, it->xy[1] = y;
    snprintf(it->text, sizeof it->text, "%s", s);
    return 0;
}

/* Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `want` of them. */
static int ticks(double lo, double hi, int want, double *out, int max)
{
    double raw = (hi - lo) / want, mag = pow(10, floor(log10(raw))), step = mag;
    if (raw / mag > 5)
        step = 10 * mag;
    else if (raw / mag > 2)
        step = 5 * mag;
    else if (raw / mag > 1)
        step = 2 * mag;
    int n = 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max; v += step)
        out[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

static void tick_label(double v, char *s, size_t n) { snprintf(s, n, "%.4g", v); }

/* The data range of a panel's axis (a = 0: x, 1: y), widened where flat. */
static void range(const chart_panel *p, int a, double *lo, double *hi)
{
    *lo = DBL_MAX, *hi = -DBL_MAX;
    for (int s = 0; s < p->n_series; s++)
        for (int i = 0; i < p->series[s].n; i++) {
            double v = a ? p->series[s].y[i] : p->series[s].x[i];
            *lo = fmin(*lo, v), *hi = fmax(*hi, v);
        }
    if (*lo > *hi)
        *lo = 0, *hi = 1;
    if (*hi - *lo <= fabs(*hi) * 1e-9) {
        double pad = *hi != 0 ? fabs(*hi) * 0.1 : 1;
        *lo -= pad, *hi += pad;
    }
}

static int draw_panel(chart_drawing *d, const chart_spec *spec, const chart_panel *p, float x, float y, float w,
                      float h)
{
    /* margins: tick labels left and below, the title above */
    float left = x + 10 * CHAR_W(SMALL) + 8, right = x + w - 14, top = y + LARGE + 10, bottom = y + h - 2 * SMALL - 22;
    if (right - left < 20 || bottom - top < 20)
        return hue_fail(HUE_EINVAL, "chart of %dx%d pixels: too small for %d panels", spec->width, spec->height,
                        spec->n_panels);
    int rc = text(d, INK, LARGE, CHART_MIDDLE, (left + right) / 2, y + LARGE + 2, p->title);
    double x0, x1, y0, y1, tv[32];
    range(p, 0, &x0, &x1);
    range(p, 1, &y0, &y1);
    double ypad = (y1 - y0) * 0.04;
    y0 -= ypad, y1 += ypad;
#define PX(v) ((float)(left + ((v) - x0) / (x1 - x0) * (right - left)))
#define PY(v) ((float)(bottom - ((v) - y0) / (y1 - y0) * (bottom - top)))
    char label[32];
    int n = ticks(y0, y1, 5, tv, 32);
    for (int i = 0; i < n && !rc; i++) {
        tick_label(tv[i], label, sizeof label);
        rc = line(d, GRID, 1, left, PY(tv[i]), right, PY(tv[i]));
        if (!rc)
            rc = text(d, INK, SMALL, CHART_RIGHT, left - 5, PY(tv[i]) + SMALL / 2, label);
    }
    n = ticks(x0, x1, (int)fmax(2, (right - left) / 90), tv, 32);
    for (int i = 0; i < n && !rc; i++) {
        tick_label(tv[i], label, sizeof label);
        rc = line(d, GRID, 1, PX(tv[i]), top, PX(tv[i]), bottom);
        if (!rc)
            rc = text(d, INK, SMALL, CHART_MIDDLE, PX(tv[i]), bottom + SMALL + 5, label);
    }
    if (!rc)
        rc = text(d, INK, SMALL, CHART_MIDDLE, (left + right) / 2, bottom + 2 * SMALL + 14, spec->x_label);
    float frame[] = {left, top, right, top, right, bottom, left, bottom, left, top};
    for (int i = 0; i < 4 && !rc; i++)
        rc = line(d, FRAME, 1, frame[2 * i], frame[2 * i + 1], frame[2 * i + 2], frame[2 * i + 3]);
    for (int s = 0; s < p->n_series && !rc; s++) {
        const chart_series *cs = &p->series[s];
        if (cs->n == 0)
            continue;
        uint32_t colour = run_colours[cs->run % (int)(sizeof run_colours / sizeof run_colours[0])];
        chart_item *it = add(d, CHART_LINE, colour);
        if (!it || !(it->xy = malloc(sizeof *it->xy * 2 * (size_t)cs->n)))
            return HUE_ENOMEM;
        it->width = 1.5f, it->n = cs->n, it->series = 1;
        for (int i = 0; i < cs->n; i++)
            it->xy[2 * i] = PX(cs->x[i]), it->xy[2 * i + 1] = PY(cs->y[i]);
        /* few points (a monitor): each one marked, a lone point visible at all */
        for (int i = 0; i < cs->n && cs->n <= 60 && !rc; i++)
            rc = rect(d, colour, PX(cs->x[i]) - 2.5f, PY(cs->y[i]) - 2.5f, 5, 5);
    }
#undef PX
#undef PY
    return rc;
}

int chart_layout(const chart_spec *spec, chart_drawing *d)
{
    memset(d, 0, sizeof *d);
    d->width = spec->width, d->height = spec->height;
    if (spec->width < 200 || spec->height < 150)
        return hue_fail(HUE_EINVAL, "chart of %dx%d pixels: needs 200x150 or more", spec->width, spec->height);
    int rc = rect(d, BACKGROUND, 0, 0, (float)spec->width, (float)spec->height);
    /* the legend: a swatch and the name of each run, wrapping into rows */
    float lx = 12, ly = 8, row = LARGE + 8;
    for (int r = 0; r < spec->n_runs && !rc; r++) {
        float wide = 30 + (float)strlen(spec->run_names[r]) * CHAR_W(LARGE) + 20;
        if (lx + wide > spec->width && lx > 12)
            lx = 12, ly += row;
        uint32_t colour = run_colours[r % (int)(sizeof run_colours / sizeof run_colours[0])];
        rc = line(d, colour, 3, lx, ly + LARGE / 2, lx + 24, ly + LARGE / 2);
        if (!rc)
            rc = text(d, INK, LARGE, CHART_LEFT, lx + 30, ly + LARGE, spec->run_names[r]);
        lx += wide;
    }
    float top = ly + row + 4;
    int n = spec->n_panels, cols = n <= 1 ? 1 : n <= 4 ? 2 : 3, rows = (n + cols - 1) / cols;
    float cw = (float)spec->width / cols, ch = (spec->height - top) / (float)(rows > 0 ? rows : 1);
    for (int i = 0; i < n && !rc; i++)
        rc = draw_panel(d, spec, &spec->panels[i], (float)(i % cols) * cw, top + (float)(i / cols) * ch, cw, ch);
    if (rc == HUE_ENOMEM)
        hue_fail(rc, "out of host memory");
    if (rc)
        chart_drawing_free(d);
    return rc;
}

void chart_drawing_free(chart_drawing *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->items[i].xy);
    free(d->items);
    memset(d, 0, sizeof *d);
}
