/* A chart drawing as SVG: each item becomes a <polyline>, <rect> or <text>
 * in pixel units; a run's curve carries class="series". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "hue_error.h"

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text_buf;

static void put(text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s, b->cap = cap;
    }
}

/* Text with the characters XML gives a meaning escaped. */
static void put_escaped(text_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': put(b, "&lt;"); break;
        case '>': put(b, "&gt;"); break;
        case '&': put(b, "&amp;"); break;
        case '"': put(b, "&quot;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                put(b, "%c", *s);
        }
    }
}

int chart_svg(const chart_drawing *d, char **out)
{
    static const char *anchors[] = {"start", "middle", "end"};
    text_buf b = {malloc(4096), 0, 4096, 0};
    if (!b.s)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    b.s[0] = 0;
    put(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans Mono, monospace\">\n",
        d->width, d->height, d->width, d->height);
    for (int i = 0; i < d->n; i++) {
        const chart_item *it = &d->items[i];
        if (it->kind == CHART_RECT) {
            put(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#%06x\"/>\n", it->xy[0],
                it->xy[1], it->xy[2], it->xy[3], it->colour);
        } else if (it->kind == CHART_LINE) {
            put(&b, "<polyline%s fill=\"none\" stroke=\"#%06x\" stroke-width=\"%.1f\" stroke-linejoin=\"round\" "
                    "points=\"",
                it->series ? " class=\"series\"" : "", it->colour, it->width);
            for (int k = 0; k < it->n; k++)
                put(&b, "%s%.1f,%.1f", k ? " " : "", it->xy[2 * k], it->xy[2 * k + 1]);
            put(&b, "\"/>\n");
        } else {
            /* the bitmap font's glyphs are 7 of 8 pixels of the size; a
             * monospace face at this size takes about the same room */
            put(&b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"#%06x\" text-anchor=\"%s\">", it->xy[0],
                it->xy[1], it->size * 5 / 4, it->colour, anchors[it->anchor]);
            put_escaped(&b, it->text);
            put(&b, "</text>\n");
        }
    }
    put(&b, "</svg>\n");
    if (b.failed) {
        free(b.s);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    *out = b.s;
    return 0;
}
