/* Is a JPEG file complete? FFmpeg's MJPEG decoder turns a JPEG cut a little
 * short (an interrupted download, a full disk) into a picture with a grey
 * band and no word of complaint, so the dataset walks the file's markers
 * itself: segments by their lengths,
 * entropy-coded data up to the next real marker, until the end-of-image
 * marker. Anything after that marker is allowed, as decoders allow it. */
#include "dataset_internal.h"
#include "hue_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offset just past the EOI marker, or 0 when the data ends before it. */
static size_t find_end(const uint8_t *d, size_t n)
{
    size_t i = 2; /* after SOI */
    while (i + 1 < n) {
        if (d[i] != 0xFF)
            return 0; /* not at a marker: broken structure */
        while (i + 1 < n && d[i + 1] == 0xFF) /* fill bytes */
            i++;
        if (i + 1 >= n)
            return 0;
        uint8_t m = d[i + 1];
        i += 2;
        if (m == 0xD9)
            return i;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* markers without a length */
        if (i + 2 > n)
            return 0;
        size_t len = (size_t)d[i] << 8 | d[i + 1];
        if (len < 2)
            return 0;
        i += len;
        if (m != 0xDA)
            continue;
        /* After a scan header: entropy-coded data, where 0xFF is followed by
         * a stuffed 0x00 or a restart marker, up to the next other marker. */
        while (i + 1 < n && !(d[i] == 0xFF && d[i + 1] != 0x00 && !(d[i + 1] >= 0xD0 && d[i + 1] <= 0xD7)))
            i++;
    }
    return 0;
}

int hue_data_check_jpeg(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hue_fail(HUE_EIO, "%s: cannot open (%s)", path, strerror(errno));
    uint8_t head[2];
    int r = 0;
    if (fread(head, 1, 2, f) == 2 && head[0] == 0xFF && head[1] == 0xD8) {
        /* Only JPEG data is walked; other formats are left to the decoder. */
        size_t n = 2, cap = 1 << 16;
        uint8_t *d = malloc(cap);
        if (!d)
            r = hue_fail(HUE_ENOMEM, "%s: out of memory", path);
        else
            memcpy(d, head, 2);
        while (r == 0) {
            if (n == cap) {
                uint8_t *p = realloc(d, cap * 2);
                if (!p) {
                    r = hue_fail(HUE_ENOMEM, "%s: out of memory", path);
                    break;
                }
                d = p, cap *= 2;
            }
            size_t got = fread(d + n, 1, cap - n, f);
            if (got == 0)
                break;
            n += got;
        }
        if (r == 0 && ferror(f))
            r = hue_fail(HUE_EIO, "%s: read error (%s)", path, strerror(errno));
        if (r == 0 && !find_end(d, n))
            r = hue_fail(HUE_EFORMAT, "%s: JPEG data ends before its end marker (file cut short)", path);
        free(d);
    }
    fclose(f);
    return r;
}
