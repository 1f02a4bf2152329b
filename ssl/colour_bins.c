/* ab classes and their prior (colour_bins.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colour_bins.h"
#include "hue_error.h"
#include "hue_json.h"
#include "hue_json_writer.h"

static int axis_cell(float v)
{
    int i = (int)floorf((v + AB_SIDE * AB_STEP / 2) / AB_STEP);
    return i < 0 ? 0 : i >= AB_SIDE ? AB_SIDE - 1 : i;
}

int colour_cell(float a, float b) { return axis_cell(a) * AB_SIDE + axis_cell(b); }

int colour_l_class(float L)
{
    int c = (int)floorf(L * L_CLASSES / 100.0f);
    return c < 0 ? 0 : c >= L_CLASSES ? L_CLASSES - 1 : c;
}

static float cell_centre(int i) { return ((float)i + 0.5f) * AB_STEP - AB_SIDE * AB_STEP / 2; }

/* Every cell to its class, or to the nearest class when it has none. */
static void map_cells(colour_bins *out)
{
    for (int c = 0; c < AB_CELLS; c++) {
        float a = cell_centre(c / AB_SIDE), b = cell_centre(c % AB_SIDE);
        int best = 0;
        float best_d = INFINITY;
        for (int q = 0; q < out->count; q++) {
            float d = (out->a[q] - a) * (out->a[q] - a) + (out->b[q] - b) * (out->b[q] - b);
            if (d < best_d)
                best_d = d, best = q;
        }
        out->cell_class[c] = (int16_t)best;
    }
}

int colour_bins_from_histogram(const double *cells, colour_bins *out)
{
    memset(out, 0, sizeof *out);
    double total = 0;
    for (int c = 0; c < AB_CELLS; c++)
        total += cells[c];
    if (!(total > 0))
        return hue_fail(HUE_EINVAL, "no pixels to learn the colour classes from");
    for (int c = 0; c < AB_CELLS; c++)
        if (cells[c] > 0) {
            out->a[out->count] = cell_centre(c / AB_SIDE);
            out->b[out->count] = cell_centre(c % AB_SIDE);
            out->prior[out->count++] = (float)(cells[c] / total);
        }
    if (out->count < 2)
        return hue_fail(HUE_EINVAL, "the images hold a single colour: colourisation needs two classes or more");
    map_cells(out);
    return 0;
}

void colour_bins_weights(const colour_bins *bins, double lambda, float *w)
{
    double expect = 0;
    for (int q = 0; q < bins->count; q++) {
        w[q] = (float)(1.0 / ((1 - lambda) * bins->prior[q] + lambda / bins->count));
        expect += bins->prior[q] * w[q];
    }
    for (int q = 0; q < bins->count; q++)
        w[q] = (float)(w[q] / expect);
}

char *colour_bins_json(const colour_bins *bins)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "step"), hue_jw_number(&w, AB_STEP);
    hue_jw_key(&w, "centres");
    hue_jw_array(&w);
    for (int q = 0; q < bins->count; q++) {
        hue_jw_array(&w);
        hue_jw_number(&w, bins->a[q]);
        hue_jw_number(&w, bins->b[q]);
        hue_jw_end(&w);
    }
    hue_jw_end(&w);
    hue_jw_key(&w, "prior");
    hue_jw_array(&w);
    for (int q = 0; q < bins->count; q++)
        hue_jw_number(&w, bins->prior[q]);
    hue_jw_end(&w);
    hue_jw_end(&w);
    char *text = hue_json_writer_text(&w) ? strdup(w.text) : NULL;
    hue_json_writer_free(&w);
    return text;
}

int colour_bins_parse(const char *json, const char *path, colour_bins *out)
{
    memset(out, 0, sizeof *out);
    hue_json *root = NULL;
    if (!json || hue_json_parse(json, strlen(json), &root))
        return hue_fail(HUE_EFORMAT, "%s: no readable 'colour_classes' in its metadata", path);
    const hue_json *centres = hue_json_get(root, "centres"), *prior = hue_json_get(root, "prior");
    size_t n = hue_json_count(centres);
    int ok = hue_json_number(hue_json_get(root, "step")) == AB_STEP && n >= 2 && n <= AB_CELLS &&
             hue_json_type_of(centres) == HUE_JSON_ARRAY && hue_json_count(prior) == n;
    for (size_t q = 0; ok && q < n; q++) {
        const hue_json *c = hue_json_at(centres, q), *p = hue_json_at(prior, q);
        ok = hue_json_count(c) == 2 && hue_json_type_of(hue_json_at(c, 0)) == HUE_JSON_NUMBER &&
             hue_json_type_of(hue_json_at(c, 1)) == HUE_JSON_NUMBER && hue_json_type_of(p) == HUE_JSON_NUMBER &&
             hue_json_number(p) >= 0 && hue_json_number(p) <= 1;
        if (ok) {
            out->a[q] = (float)hue_json_number(hue_json_at(c, 0));
            out->b[q] = (float)hue_json_number(hue_json_at(c, 1));
            out->prior[q] = (float)hue_json_number(p);
        }
    }
    hue_json_destroy(root);
    if (!ok)
        return hue_fail(HUE_EFORMAT, "%s: its 'colour_classes' are not classes hue wrote", path);
    out->count = (int)n;
    map_cells(out);
    return 0;
}
