/* Fuzz target: mask PNGs (video/mask.c), palette and grayscale. A mask
 * that reads must be consistent (ids within max_id, gray masks 0/1) and
 * survive writing and reading back with its ids and palette. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "hue_mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_file(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    hue_mask m, back;
    if (hue_mask_read(&m, path) == 0) {
        size_t n = (size_t)m.width * m.height;
        int top = 0;
        for (size_t i = 0; i < n; i++)
            top = m.ids[i] > top ? m.ids[i] : top;
        if (m.width <= 0 || m.height <= 0 || top != m.max_id || (!m.has_palette && top > 1) || m.palette_size < 1 ||
            m.palette_size > 256)
            abort();
        const char *out = fuzz_scratch_file();
        if (hue_mask_write(&m, out, 1) || hue_mask_read(&back, out))
            abort();
        if (back.width != m.width || back.height != m.height || memcmp(back.ids, m.ids, n) || !back.has_palette ||
            back.max_id != m.max_id || back.palette_size < m.palette_size ||
            (m.has_palette && memcmp(back.palette, m.palette, (size_t)m.palette_size * 3)))
            abort();
        hue_mask_free(&back);
        hue_mask_free(&m);
    }
    close(fd);
    return 0;
}
