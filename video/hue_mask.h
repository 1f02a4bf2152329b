/* Segmentation masks as PNG files: DAVIS palette PNGs (8-bit indexed,
 * index = object id, 0 = background), read and written with their palette
 * kept; grayscale masks, 0/255 (one object) or the ids themselves (0/1,
 * 0/1/2, ...); and colour masks (RGB or RGBA, alpha ignored) whose flat
 * colours are the objects and black the background. */
#ifndef HUE_MASK_H
#define HUE_MASK_H
#include <stdint.h>

typedef struct hue_mask {
    int width, height;
    uint8_t *ids;             /* width*height object ids, row-major; 0 = background */
    int max_id;               /* largest id present */
    int has_palette;          /* read from an indexed PNG: palette below is the file's */
    int palette_size;         /* entries in palette (256 for the DAVIS palette) */
    uint8_t palette[256][3];  /* colour of each id */
    int from_colours;         /* read from a colour PNG (HUE_MASK_COLOURS_*): palette[id] is the colour
                               * that became id */
} hue_mask;

/* How a colour mask's colours became ids: the DAVIS palette's (the same in
 * every file), or 1, 2, ... in the order of the colours present (which
 * depends on the file: an object missing shifts the others). */
enum { HUE_MASK_COLOURS_DAVIS = 1, HUE_MASK_COLOURS_ORDERED = 2 };

/* Reads path into m (m->ids allocated; release with hue_mask_free). Refuses
 * 16-bit PNGs, grayscale masks holding 255 beside other values, and gray
 * or colour masks of more than 64 objects (a photo, anti-aliased edges),
 * with a message naming the file and the problem. A colour mask's objects
 * take the DAVIS palette's ids when every colour is in it, else ids 1, 2,
 * ... in colour order (m->palette says which). */
int hue_mask_read(hue_mask *m, const char *path);
/* A w x h background mask with the DAVIS palette. */
int hue_mask_create(hue_mask *m, int width, int height);
void hue_mask_free(hue_mask *m);
/* Writes m as an 8-bit indexed PNG with its palette (the DAVIS palette when
 * it has none). An existing file is refused with HUE_EEXIST unless force;
 * the file appears complete or not at all (temporary file, then rename). */
int hue_mask_write(const hue_mask *m, const char *path, int force);
/* The DAVIS / PASCAL VOC palette: the bits of the id spread over r, g, b. */
void hue_mask_davis_palette(uint8_t palette[256][3]);

#endif
