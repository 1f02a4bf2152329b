/* Video outputs named on a command line (colorize -o, track --overlay,
 * overlay -o): "-" is standard output in a --format, and a standard input
 * or output "-" is no file to compare with the others. */
#ifndef HUE_APPS_VIDEO_OUT_H
#define HUE_APPS_VIDEO_OUT_H
#include "hue_writer.h"

#define VIDEO_OUT_FORMAT_HELP                                                                   \
    "  --format F           the format of a video written to standard output ('-'): mp4\n"     \
    "                       (fragmented), mkv, webm, gif or y4m; required there, refused with\n" \
    "                       a file name (its extension says the format); never to a terminal.\n" \
    "                       What the command prints then goes to standard error\n"

/* Usage checks of a video output and its --format (format may be NULL):
 * -1 to go on, else 2 with a message "hue CMD: ..." printed. */
int video_out_check(const char *cmd, const char *flag, const char *path, const char *format);
/* NULL for "-" (standard input or output), else path: for hue_file_use. */
const char *video_out_file(const char *path);
/* For a video on standard output: keeps the real standard output for it in
 * wo->stdout_fd and points file descriptor 1 at standard error, so that
 * what the command prints never mixes with the video. */
int video_out_claim_stdout(hue_writer_options *wo);

#endif
