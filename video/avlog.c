/* FFmpeg's log: kept off the terminal (its lines would interleave with
 * hue's one-line errors; HUE_FFMPEG_LOG=1 shows them), and the last error
 * line of each thread kept, since it often says more than the error code
 * does (e.g. "Picture size 100000x100000 is invalid"). */
#include "video_internal.h"

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local char hue_av_last_log[256];
static int show_av_log;

/* Decoders report damage they conceal only through the log, from their own
 * threads: readers register a watch as their decoder's opaque pointer, and
 * messages from a codec context carrying a registered watch count on it. */
struct hue_av_watch {
    atomic_int errors;
    char message[200];
};
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static hue_av_watch **watches;
static size_t watch_count, watch_cap;

static void note_decoder_message(void *avcl, const char *fmt, va_list vl)
{
    const AVClass *cls = avcl ? *(const AVClass **)avcl : NULL;
    if (cls != avcodec_get_class())
        return;
    void *opaque = ((AVCodecContext *)avcl)->opaque;
    pthread_mutex_lock(&watch_lock);
    for (size_t i = 0; i < watch_count; i++) {
        if (watches[i] != opaque)
            continue;
        if (atomic_fetch_add(&watches[i]->errors, 1) == 0) {
            vsnprintf(watches[i]->message, sizeof watches[i]->message, fmt, vl);
            size_t n = strlen(watches[i]->message);
            while (n && (watches[i]->message[n - 1] == '\n' || watches[i]->message[n - 1] == '.'))
                watches[i]->message[--n] = 0;
        }
        break;
    }
    pthread_mutex_unlock(&watch_lock);
}

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
    /* Errors, and the error concealment notes that are logged as info. */
    if (level <= AV_LOG_ERROR || (level <= AV_LOG_INFO && !strncmp(fmt, "concealing", 10))) {
        va_list copy;
        va_copy(copy, vl);
        note_decoder_message(avcl, fmt, copy);
        va_end(copy);
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

hue_av_watch *hue_av_watch_create(void)
{
    hue_av_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    atomic_init(&w->errors, 0);
    pthread_mutex_lock(&watch_lock);
    if (watch_count == watch_cap) {
        size_t cap = watch_cap ? 2 * watch_cap : 16;
        hue_av_watch **grown = realloc(watches, cap * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&watch_lock);
            free(w);
            return NULL;
        }
        watches = grown, watch_cap = cap;
    }
    watches[watch_count++] = w;
    pthread_mutex_unlock(&watch_lock);
    return w;
}

void hue_av_watch_destroy(hue_av_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&watch_lock);
    for (size_t i = 0; i < watch_count; i++)
        if (watches[i] == w) {
            watches[i] = watches[--watch_count];
            break;
        }
    if (watch_count == 0) {
        free(watches);
        watches = NULL, watch_cap = 0;
    }
    pthread_mutex_unlock(&watch_lock);
    free(w);
}

int hue_av_watch_errors(hue_av_watch *w, char *message, size_t size)
{
    int n = atomic_load(&w->errors);
    if (n && message) {
        pthread_mutex_lock(&watch_lock);
        snprintf(message, size, "%s", w->message);
        pthread_mutex_unlock(&watch_lock);
    }
    return n;
}
