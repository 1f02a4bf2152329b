/* How mask.c turns the pixels of a grayscale or colour PNG into object
 * ids (mask_values.c). */
#ifndef HUE_MASK_INTERNAL_H
#define HUE_MASK_INTERNAL_H
#include <stdint.h>

#include "hue_mask.h"

/* A mask read by guessing (gray values, colours) holds at most this many
 * objects: more is a photo or anti-aliased edges, not a mask. */
#define MASK_MAX_GUESSED_OBJECTS 64

/* m->ids holds gray values of `depth` bits; they become ids in place. */
int mask_ids_from_gray(hue_mask *m, const char *path, int depth);
/* m->ids (allocated, width x height) gets the ids of the packed RGB8
 * pixels; m->palette the colours of the ids. */
int mask_ids_from_rgb(hue_mask *m, const char *path, const uint8_t *rgb);

#endif
