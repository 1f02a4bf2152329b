#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "hue_clock.h"

void hue_progress_start(hue_progress *p, int quiet)
{
    p->enabled = !quiet;
    p->terminal = isatty(2);
    p->started = p->last_plain = hue_now_s();
    p->first = -1;
    p->first_done = 0;
    p->drawn = 0;
}

void hue_progress_update(hue_progress *p, const char *label, int64_t done, int64_t total, const char *fields)
{
    if (!p->enabled)
        return;
    double t = hue_now_s();
    if (p->first < 0)
        p->first = t, p->first_done = done;
    if (!p->terminal && (t - p->last_plain < PROGRESS_PLAIN_SECONDS || t - p->started < PROGRESS_PLAIN_SECONDS))
        return;  /* a plain line every few seconds; a short run prints none (its summary follows) */
    char eta_text[32] = "ETA --:--:--";  /* no rate yet */
    if (done >= total)
        snprintf(eta_text, sizeof eta_text, "ETA 0:00:00");
    else if (done > p->first_done) {
        long eta = (long)((t - p->first) * (double)(total - done) / (double)(done - p->first_done));
        snprintf(eta_text, sizeof eta_text, "ETA %ld:%02ld:%02ld", eta / 3600, eta / 60 % 60, eta % 60);
    }
    if (!p->terminal) {
        fprintf(stderr, "%s %lld/%lld %s %s\n", label, (long long)done, (long long)total, fields, eta_text);
        p->last_plain = t;
        return;
    }
    char bar[21];
    int filled = total > 0 ? (int)(20 * done / total) : 0;
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = 0;
    fprintf(stderr, "\r%s [%s] %lld/%lld %s %s\033[K", label, bar, (long long)done, (long long)total, fields,
            eta_text);
    fflush(stderr);
    p->drawn = 1;
}

void hue_progress_finish(hue_progress *p)
{
    if (p->enabled && p->drawn)
        fputc('\n', stderr);
    p->drawn = 0;
}
