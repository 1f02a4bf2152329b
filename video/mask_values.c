/* Object ids from the pixels of masks as users draw them: grayscale PNGs
 * (0/255 for one object, or the ids themselves: 0/1, 0/1/2, ...) and
 * colour PNGs whose colours are the objects (black the background). */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "mask_internal.h"

/* Gray: only 0 and the top value (255 at 8 bits): one object; no top value:
 * the values are the ids; the top value beside others is ambiguous. */
int mask_ids_from_gray(hue_mask *m, const char *path, int depth)
{
    int top = (1 << depth) - 1, seen[256] = {0}, distinct = 0;
    size_t n = (size_t)m->width * m->height, at_other = n;
    for (size_t i = 0; i < n; i++) {
        if (!seen[m->ids[i]]++ && m->ids[i] != 0)
            distinct++;
        if (m->ids[i] != 0 && m->ids[i] != top && at_other == n)
            at_other = i;
    }
    if (at_other == n) {  /* 0 and top only */
        for (size_t i = 0; i < n; i++)
            m->ids[i] = m->ids[i] == top ? 1 : 0;
        return 0;
    }
    if (seen[top])
        return hue_fail(HUE_EFORMAT,
                        "%s: grayscale mask holds %d (at x=%zu y=%zu) beside %d: a grayscale mask holds 0 and %d "
                        "(one object) or object ids below %d (0 the background)",
                        path, m->ids[at_other], at_other % (size_t)m->width, at_other / (size_t)m->width, top, top,
                        top);
    if (distinct > MASK_MAX_GUESSED_OBJECTS)
        return hue_fail(HUE_EFORMAT,
                        "%s: grayscale mask with %d different values: an id mask holds at most %d objects (is this a "
                        "photo?)",
                        path, distinct, MASK_MAX_GUESSED_OBJECTS);
    return 0;  /* the values are the ids */
}

static int colour_index(const uint8_t (*colours)[3], int n, const uint8_t *c)
{
    for (int i = 0; i < n; i++)
        if (!memcmp(colours[i], c, 3))
            return i;
    return -1;
}

static int by_colour(const void *a, const void *b) { return memcmp(a, b, 3); }

/* Colours: black is the background; the other colours are objects, with
 * the DAVIS palette's ids when every colour is one of its entries (an RGB
 * export of a DAVIS mask keeps its ids), else ids 1.. in colour order. */
int mask_ids_from_rgb(hue_mask *m, const char *path, const uint8_t *rgb)
{
    uint8_t colours[MASK_MAX_GUESSED_OBJECTS][3];
    int n = 0;
    size_t pixels = (size_t)m->width * m->height;
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *c = rgb + 3 * i;
        if ((c[0] | c[1] | c[2]) == 0 || colour_index((const uint8_t(*)[3])colours, n, c) >= 0)
            continue;
        if (n == MASK_MAX_GUESSED_OBJECTS)
            return hue_fail(HUE_EFORMAT,
                            "%s: colour mask with more than %d colours besides black (anti-aliased edges, or a "
                            "photo?); each object must be one flat colour",
                            path, MASK_MAX_GUESSED_OBJECTS);
        memcpy(colours[n++], c, 3);
    }
    qsort(colours, (size_t)n, sizeof colours[0], by_colour);
    uint8_t davis[256][3];
    hue_mask_davis_palette(davis);
    int id_of[MASK_MAX_GUESSED_OBJECTS], all_davis = 1;
    for (int k = 0; k < n && all_davis; k++) {
        id_of[k] = colour_index((const uint8_t(*)[3])davis + 1, 255, colours[k]) + 1;
        all_davis = id_of[k] > 0;
    }
    for (int k = 0; k < n && !all_davis; k++)
        id_of[k] = k + 1;
    memcpy(m->palette, davis, sizeof davis);
    for (int k = 0; k < n; k++)
        memcpy(m->palette[id_of[k]], colours[k], 3);
    m->palette_size = 256;
    m->has_palette = 1;
    m->from_colours = all_davis ? HUE_MASK_COLOURS_DAVIS : HUE_MASK_COLOURS_ORDERED;
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *c = rgb + 3 * i;
        int k = (c[0] | c[1] | c[2]) == 0 ? -1 : colour_index((const uint8_t(*)[3])colours, n, c);
        m->ids[i] = (uint8_t)(k < 0 ? 0 : id_of[k]);
    }
    return 0;
}
