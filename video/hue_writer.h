/* Writing video and images. Video is H.264 (libx264) in MP4 where that
 * encoder exists, else FFV1 (lossless) in MKV; frames go in as packed RGB8
 * at a constant frame rate. Files are written under a temporary name and
 * renamed when complete; an existing file is refused unless `force`. */
#ifndef HUE_WRITER_H
#define HUE_WRITER_H
#include <stdint.h>

typedef struct hue_writer hue_writer;

typedef struct hue_writer_options {
    double fps;    /* frames per second; 0 = 24 */
    int crf;       /* H.264 quality (0 = lossless .. 51); 0 here means the default, 18 */
    int force;     /* overwrite an existing file */
    int no_x264;   /* act as if libx264 were missing (FFV1 only) */
} hue_writer_options;

/* The container the writer picks for a new video: "mp4" when libx264 is
 * available (and not disabled in opt, which may be NULL), else "mkv". */
const char *hue_writer_default_extension(const hue_writer_options *opt);

/* Opens path for width x height frames. The extension picks the format:
 * .mp4/.mov/.m4v = H.264 (HUE_ENOTSUP without libx264: use .mkv), .mkv =
 * H.264 where available, else FFV1; .avi = FFV1. */
int hue_writer_open(hue_writer **out, const char *path, int width, int height, const hue_writer_options *opt);
int hue_writer_write_rgb(hue_writer *w, const uint8_t *rgb);
/* Flushes the encoder, finishes the file and moves it into place. */
int hue_writer_close(hue_writer *w);
/* Drops a file being written (error paths); the temporary file is removed. */
void hue_writer_abort(hue_writer *w);
/* Codec in use: "h264" or "ffv1". */
const char *hue_writer_codec(const hue_writer *w);

/* Writes one RGB8 image as PNG (.png) or JPEG (.jpg, .jpeg; quality 1-100,
 * 0 = 90), with the same overwrite rules. */
int hue_image_write_rgb(const char *path, const uint8_t *rgb, int width, int height, int quality, int force);
/* Writes one 8-bit grayscale image as PNG, with the same overwrite rules. */
int hue_image_write_gray(const char *path, const uint8_t *gray, int width, int height, int force);

#endif
