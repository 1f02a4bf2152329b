/* Seconds on a clock as a double, for timing and progress:
 * hue_now_s() is wall time (monotonic), hue_clock_s() any POSIX clock. */
#ifndef HUE_CLOCK_H
#define HUE_CLOCK_H
#include <time.h>

static inline double hue_clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline double hue_now_s(void)
{
    return hue_clock_s(CLOCK_MONOTONIC);
}

#endif
