/* A chart drawing as pixels: rectangles filled, lines stamped as squares
 * of their width every half pixel along their length, text from the
 * built-in bitmap font (8-pixel text at 1x, 16-pixel at 2x). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "hue_error.h"

typedef struct {
    uint8_t *rgb;
    int w, h;
} canvas;

static void fill(canvas *c, float x, float y, float w, float h, uint32_t colour)
{
    int x0 = (int)fmaxf(0, floorf(x)), y0 = (int)fmaxf(0, floorf(y));
    int x1 = (int)fminf((float)c->w, ceilf(x + w)), y1 = (int)fminf((float)c->h, ceilf(y + h));
    for (int py = y0; py < y1; py++)
        for (int px = x0; px < x1; px++) {
            uint8_t *p = c->rgb + ((size_t)py * c->w + px) * 3;
            p[0] = (uint8_t)(colour >> 16), p[1] = (uint8_t)(colour >> 8), p[2] = (uint8_t)colour;
        }
}

static void segment(canvas *c, float x0, float y0, float x1, float y1, float width, uint32_t colour)
{
    float len = hypotf(x1 - x0, y1 - y0), half = fmaxf(width, 1) / 2;
    int steps = (int)ceilf(len * 2) + 1;
    for (int i = 0; i <= steps; i++) {
        float t = (float)i / (float)steps;
        float x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);
        fill(c, roundf(x - half), roundf(y - half), fmaxf(roundf(2 * half), 1), fmaxf(roundf(2 * half), 1), colour);
    }
}

static void glyph_text(canvas *c, const chart_item *it)
{
    int scale = it->size >= 16 ? 2 : 1, advance = 6 * scale, n = (int)strlen(it->text);
    float x = it->xy[0] - (it->anchor == CHART_MIDDLE ? n * advance / 2.0f : it->anchor == CHART_RIGHT ? (float)(n * advance) : 0);
    float top = it->xy[1] - 7 * scale;
    for (int k = 0; k < n; k++) {
        const uint8_t *g = chart_glyph(it->text[k]);
        for (int row = 0; row < 7; row++)
            for (int col = 0; col < 5; col++)
                if (g[row] >> (4 - col) & 1)
                    fill(c, roundf(x) + (float)(k * advance + col * scale), roundf(top) + (float)(row * scale),
                         (float)scale, (float)scale, it->colour);
    }
}

int chart_raster(const chart_drawing *d, uint8_t **rgb)
{
    canvas c = {malloc((size_t)d->width * d->height * 3), d->width, d->height};
    if (!c.rgb)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    memset(c.rgb, 255, (size_t)d->width * d->height * 3);
    for (int i = 0; i < d->n; i++) {
        const chart_item *it = &d->items[i];
        if (it->kind == CHART_RECT)
            fill(&c, it->xy[0], it->xy[1], it->xy[2], it->xy[3], it->colour);
        else if (it->kind == CHART_LINE)
            for (int k = 0; k + 1 < it->n; k++)
                segment(&c, it->xy[2 * k], it->xy[2 * k + 1], it->xy[2 * k + 2], it->xy[2 * k + 3], it->width,
                        it->colour);
        else
            glyph_text(&c, it);
    }
    *rgb = c.rgb;
    return 0;
}
