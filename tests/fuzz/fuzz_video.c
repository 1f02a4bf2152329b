/* Fuzz target: opening and decoding a video from memory (video/reader.c
 * through hue_video_open_memory, any container and codec FFmpeg probes).
 * Reads the first frames, seeks back into the clip and reads again, as
 * tracking and training do; any answer is fine but a crash. */
#include <stdint.h>
#include <stdlib.h>

#include "hue_video.h"

enum { MAX_FRAMES = 12 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One decoder thread (no thread start-up per input) and a small
     * output, so the time goes to demuxing and decoding. */
    hue_video_options opt = {.width = 48, .height = 32, .threads = 1};
    hue_video *v;
    if (hue_video_open_memory(&v, data, size, "fuzz-input", &opt))
        return 0;
    const hue_video_info *in = hue_video_get_info(v);
    size_t px = (size_t)in->out_width * in->out_height;
    uint8_t *rgb = malloc(px * 3);
    float *lab = malloc(px * 3 * sizeof *lab);
    if (rgb && lab) {
        int64_t n = 0;
        while (n < MAX_FRAMES && hue_video_read_rgb(v, rgb) == 1)
            n++;
        hue_video_problem(v);
        if (in->frames > 0 && hue_video_seek(v, in->frames / 2) == 0)
            hue_video_read_lab(v, lab, lab + px, lab + 2 * px);
    }
    free(rgb);
    free(lab);
    hue_video_close(v);
    return 0;
}
