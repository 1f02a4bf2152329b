/* FFmpeg's log: kept off the terminal (its lines would interleave with
 * hue's one-line errors; HUE_FFMPEG_LOG=1 shows them), and the last error
 * line of each thread kept, since it often says more than the error code
 * does (e.g. "Picture size 100000x100000 is invalid"). */
#include "video_internal.h"

#include <libavutil/log.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local char hue_av_last_log[256];
static int show_av_log;

static void log_callback(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level <= AV_LOG_ERROR) {
        va_list copy;
        va_copy(copy, vl);
        vsnprintf(hue_av_last_log, sizeof hue_av_last_log, fmt, copy);
        va_end(copy);
        size_t n = strlen(hue_av_last_log);
        while (n && (hue_av_last_log[n - 1] == '\n' || hue_av_last_log[n - 1] == '.'))
            hue_av_last_log[--n] = 0;
    }
    if (show_av_log)
        av_log_default_callback(avcl, level, fmt, vl);
}

static void init(void)
{
    const char *e = getenv("HUE_FFMPEG_LOG");
    show_av_log = e && *e && strcmp(e, "0");
    av_log_set_callback(log_callback);
}

void hue_av_log_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init);
}
