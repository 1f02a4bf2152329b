/* Writing video and images. The extension (or, on standard output, the
 * format) picks the container and codec:
 *   .mp4/.mov/.m4v  H.264 (libx264; HUE_ENOTSUP without it: use .mkv)
 *   .mkv            H.264 where available, else FFV1 (lossless)
 *   .webm           VP9 (libvpx-vp9), else VP8 (libvpx)
 *   .gif            GIF, 8-bit colour (3-3-2 bits, dithered)
 *   .y4m            raw YUV 4:4:4 (YUV4MPEG)
 *   .avi            FFV1
 * Every frame keeps its size: H.264 at an odd size is written in 4:4:4
 * (4:2:0 needs even sizes), and hue_writer_note says so. Frames go in as
 * packed RGB8 at a constant frame rate. Files are written under a
 * temporary name and renamed when complete; an existing file is refused
 * unless `force`. The path "-" is standard output, in opt->format. */
#ifndef HUE_WRITER_H
#define HUE_WRITER_H
#include <stdint.h>

typedef struct hue_writer hue_writer;

typedef struct hue_writer_options {
    double fps;    /* frames per second; 0 = 24 */
    int crf;       /* quality for H.264 (0 = lossless .. 51) or VP9/VP8 (4 .. 63); 0 = the default, 18 / 32 / 10 */
    int force;     /* overwrite an existing file */
    int no_x264;   /* act as if libx264 were missing (FFV1 only) */
    const char *format; /* path "-" only (required there): mp4, mkv, webm, gif or y4m; MP4 is fragmented */
    int stdout_fd; /* path "-": the descriptor standard output is on; 0 = 1 */
} hue_writer_options;

/* The container the writer picks for a new video: "mp4" when libx264 is
 * available (and not disabled in opt, which may be NULL), else "mkv". */
const char *hue_writer_default_extension(const hue_writer_options *opt);
/* Whether name is an extension or --format the writer knows. */
int hue_writer_format_known(const char *name);

/* Opens path for width x height frames. "-" writes to standard output (in
 * opt->format; refused on a terminal). */
int hue_writer_open(hue_writer **out, const char *path, int width, int height, const hue_writer_options *opt);
int hue_writer_write_rgb(hue_writer *w, const uint8_t *rgb);
/* Flushes the encoder, finishes the file and moves it into place. */
int hue_writer_close(hue_writer *w);
/* Drops a file being written (error paths); the temporary file is removed. */
void hue_writer_abort(hue_writer *w);
/* Codec in use: "h264", "vp9", "vp8", "gif", "rawvideo" or "ffv1". */
const char *hue_writer_codec(const hue_writer *w);
/* A one-line note for the user about the file (an odd size written as
 * H.264 4:4:4), or NULL. */
const char *hue_writer_note(const hue_writer *w);

/* Writes one RGB8 image as PNG (.png) or JPEG (.jpg, .jpeg; quality 1-100,
 * 0 = 90), with the same overwrite rules. */
int hue_image_write_rgb(const char *path, const uint8_t *rgb, int width, int height, int quality, int force);
/* Writes one 8-bit grayscale image as PNG, with the same overwrite rules. */
int hue_image_write_gray(const char *path, const uint8_t *gray, int width, int height, int force);

#endif
