#include "video_out.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hue_error.h"

int video_out_check(const char *cmd, const char *flag, const char *path, const char *format)
{
    int piped = path && !strcmp(path, "-");
    if (format && !piped) {
        fprintf(stderr, "hue %s: --format %s is for a video on standard output (%s -); a file's extension says its "
                "format\n", cmd, format, flag);
        return 2;
    }
    if (!piped)
        return -1;
    if (!format) {
        fprintf(stderr, "hue %s: %s -: a video on standard output needs --format mp4|mkv|webm|gif|y4m\n", cmd, flag);
        return 2;
    }
    if (!hue_writer_format_known(format) || !strcmp(format, "avi")) {
        fprintf(stderr, "hue %s: --format %s: expected mp4, mkv, webm, gif or y4m\n", cmd, format);
        return 2;
    }
    if (isatty(1)) {
        fprintf(stderr, "hue %s: %s -: standard output is a terminal; redirect it to a file or a pipe\n", cmd, flag);
        return 2;
    }
    return -1;
}

const char *video_out_file(const char *path) { return path && strcmp(path, "-") ? path : NULL; }

int video_out_claim_stdout(hue_writer_options *wo)
{
    fflush(stdout);
    int fd = dup(1);
    if (fd < 0 || dup2(2, 1) < 0)
        return hue_fail(HUE_EIO, "-: cannot set standard output aside for the video");
    wo->stdout_fd = fd;
    return 0;
}
