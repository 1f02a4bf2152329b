/* Helpers of the dataset tests: a temporary folder, image files with known
 * pixels, and a warning collector. */
#ifndef DATASET_TEST_UTIL_H
#define DATASET_TEST_UTIL_H
#include "hue_error.h"
#include "hue_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char test_tmp[256];

/* Creates the temporary folder; the path comes back in test_tmp. */
static inline int test_tmp_make(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(test_tmp, sizeof test_tmp, "%s/hue-dataset-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(test_tmp)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

static inline void test_tmp_remove(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_tmp);
}

/* test_tmp/<rel>, for up to 8 paths at a time. */
static inline const char *tp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *tp(const char *fmt, ...)
{
    static char buf[8][1200];
    static int k;
    char rel[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/%s", test_tmp, rel);
    return b;
}

static inline void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        perror(path);
}

static inline void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n)
        perror(path);
    if (f)
        fclose(f);
}

/* The pixel at (x, y) of pattern image `id`: red names the image, green and
 * blue the place, so a crop or flip can be recognised. */
static inline void pattern_pixel(int id, int x, int y, uint8_t *p)
{
    p[0] = (uint8_t)(10 + 20 * id);
    p[1] = (uint8_t)(x * 50);
    p[2] = (uint8_t)(y * 50 + 5);
}

static inline int write_pattern(const char *path, int id, int w, int h)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            pattern_pixel(id, x, y, rgb + ((size_t)y * w + x) * 3);
    int r = hue_image_write_rgb(path, rgb, w, h, 95, 1);
    if (r < 0)
        fprintf(stderr, "%s\n", hue_error_message());
    free(rgb);
    return r;
}

static inline int write_uniform(const char *path, uint8_t r8, uint8_t g8, uint8_t b8, int w, int h)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++)
        rgb[3 * i] = r8, rgb[3 * i + 1] = g8, rgb[3 * i + 2] = b8;
    int r = hue_image_write_rgb(path, rgb, w, h, 95, 1);
    if (r < 0)
        fprintf(stderr, "%s\n", hue_error_message());
    free(rgb);
    return r;
}

/* Warnings collected by a loader or dataset callback. */
typedef struct {
    int n;
    char msg[32][1200];
} warn_log;

static inline void collect_warning(void *user, const char *message)
{
    warn_log *w = user;
    if (w->n < 32)
        snprintf(w->msg[w->n], sizeof w->msg[0], "%s", message);
    w->n++;
}

/* How many collected warnings contain s. */
static inline int warnings_with(const warn_log *w, const char *s)
{
    int k = 0;
    for (int i = 0; i < w->n && i < 32; i++)
        k += strstr(w->msg[i], s) != NULL;
    return k;
}

#endif
