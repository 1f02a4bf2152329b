/* Standard input as a video ('-'): read whole into memory, once. A pipe
 * cannot seek, and hue reads a video twice (counting its packets, then
 * decoding) and seeks in it; bytes in memory allow both, and an MP4 whose
 * index comes last reads as well as from a file. */
#include "hue_error.h"
#include "video_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint8_t *stdin_data;
static size_t stdin_size;
static int stdin_read;

int hue_stdin_bytes(const uint8_t **data, size_t *size)
{
    if (!stdin_read) {
        if (isatty(0))
            return hue_fail(HUE_EINVAL, "-: standard input is a terminal (pipe a video into it, or give a file)");
        size_t cap = 1 << 20, n = 0;
        uint8_t *buf = malloc(cap);
        ssize_t got = 0;
        while (buf && ((got = read(0, buf + n, cap - n)) > 0 || (got < 0 && errno == EINTR))) {
            if (got < 0)
                continue;
            n += (size_t)got;
            if (n == cap) {
                if ((long long)cap >= HUE_STDIN_MAX) {
                    free(buf);
                    return hue_fail(HUE_ELIMIT, "-: standard input holds more than %lld MiB: give the video as a file",
                                    HUE_STDIN_MAX >> 20);
                }
                uint8_t *grown = realloc(buf, cap * 2);
                if (!grown)
                    free(buf);
                buf = grown, cap *= 2;
            }
        }
        if (!buf)
            return hue_fail(HUE_ENOMEM, "-: out of memory reading standard input (give the video as a file)");
        if (got < 0) {
            free(buf);
            return hue_fail(HUE_EIO, "-: cannot read standard input");
        }
        stdin_data = buf, stdin_size = n, stdin_read = 1;
    }
    if (!stdin_size)
        return hue_fail(HUE_EFORMAT, "-: standard input is empty");
    *data = stdin_data, *size = stdin_size;
    return 0;
}
