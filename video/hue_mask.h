/* Segmentation masks as PNG files: DAVIS palette PNGs (8-bit indexed,
 * index = object id, 0 = background), read and written with their palette
 * kept, and 0/255 grayscale masks, read as one object. */
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
} hue_mask;

/* Reads path into m (m->ids allocated; release with hue_mask_free). Refuses
 * 16-bit, RGB, RGBA and gray+alpha PNGs, and grayscale values other than 0
 * and 255, with a message naming the file and the problem. */
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
