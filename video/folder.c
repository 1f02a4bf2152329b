/* Frame folders: a folder of numbered images or a printf pattern becomes an
 * image2 pattern for libavformat, after checking that the numbers run
 * without a gap (a missing frame would silently shift every later index). */
#include "hue_video.h"
#include "hue_error.h"
#include "video_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const image_exts[] = {"jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp", "ppm", "pgm", NULL};

static int is_image_ext(const char *ext)
{
    for (int i = 0; image_exts[i]; i++)
        if (!strcasecmp(ext, image_exts[i]))
            return 1;
    return 0;
}

/* A file name pattern: prefix, one %d / %0Nd, suffix. */
typedef struct {
    char prefix[256], suffix[256];
    int width;  /* digits of %0Nd; 0 for %d */
} name_pattern;

static int parse_pattern(const char *name, name_pattern *p)
{
    const char *pc = strchr(name, '%');
    if (!pc || (size_t)(pc - name) >= sizeof p->prefix)
        return -1;
    memcpy(p->prefix, name, (size_t)(pc - name));
    p->prefix[pc - name] = 0;
    const char *s = pc + 1;
    int zero = *s == '0';
    p->width = (int)strtol(s, (char **)&s, 10);
    if (*s != 'd' || (p->width && !zero) || p->width > 12 || strchr(s + 1, '%') || strlen(s + 1) >= sizeof p->suffix)
        return -1;
    strcpy(p->suffix, s + 1);
    return 0;
}

/* Number of the file `name` under pattern p, or -1 if it does not match. */
static long long match_pattern(const name_pattern *p, const char *name)
{
    size_t n = strlen(name), lp = strlen(p->prefix), ls = strlen(p->suffix);
    if (n <= lp + ls || strncmp(name, p->prefix, lp) || strcmp(name + n - ls, p->suffix))
        return -1;
    size_t digits = n - lp - ls;
    if (digits > 12 || (p->width && digits < (size_t)p->width) || (!p->width && digits > 1 && name[lp] == '0'))
        return -1;
    if (p->width && digits > (size_t)p->width && name[lp] == '0')
        return -1;
    long long v = 0;
    for (size_t i = lp; i < lp + digits; i++) {
        if (!isdigit((unsigned char)name[i]))
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Guesses the pattern of a folder from its numbered images: all must share
 * one extension and one digit count (or have no leading zeros). */
static int guess_pattern(const char *dir, DIR *d, name_pattern *p)
{
    char ext[16] = "";
    int width = -1, mixed_width = 0, leading_zero = 0, found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || dot == e->d_name || !is_image_ext(dot + 1) || strlen(dot + 1) >= sizeof ext)
            continue;
        int digits = 1;
        for (const char *c = e->d_name; c < dot; c++)
            digits &= isdigit((unsigned char)*c) != 0;
        if (!digits)
            continue;
        if (!found)
            strcpy(ext, dot + 1);
        else if (strcmp(ext, dot + 1))
            return hue_fail(HUE_EFORMAT, "%s: numbered images with different extensions (.%s and .%s)", dir, ext,
                            dot + 1);
        int w = (int)(dot - e->d_name);
        if (width >= 0 && w != width)
            mixed_width = 1;
        width = w;
        leading_zero |= e->d_name[0] == '0' && w > 1;
        found++;
    }
    if (!found)
        return hue_fail(HUE_EFORMAT, "%s: folder has no numbered images (such as 00000.jpg)", dir);
    if (mixed_width && leading_zero)
        return hue_fail(HUE_EFORMAT, "%s: numbered images mix digit counts and leading zeros", dir);
    p->prefix[0] = 0;
    p->width = mixed_width ? 0 : width;
    snprintf(p->suffix, sizeof p->suffix, ".%s", ext);
    return 0;
}

static void format_name(char *out, size_t size, const name_pattern *p, long long v)
{
    snprintf(out, size, "%s%0*lld%s", p->prefix, p->width, v, p->suffix);
}

int hue_frame_folder_resolve(const char *path, char *pattern, int pattern_size, int64_t *first, int64_t *count)
{
    char dir[4096];
    name_pattern p;
    struct stat st;
    int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
        snprintf(dir, sizeof dir, "%s", path);
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
            dir[--n] = 0;
    } else {
        const char *slash = strrchr(path, '/');
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        else
            strcpy(dir, ".");
        if (!slash)
            slash = path - 1;
        if (parse_pattern(slash + 1, &p))
            return hue_fail(HUE_EINVAL, "%s: not a frame pattern (expected one %%d or %%0Nd in the file name)", path);
        if (stat(dir, &st) || !S_ISDIR(st.st_mode))
            return hue_fail(HUE_EIO, "%s: folder %s does not exist", path, dir);
    }
    DIR *d = opendir(dir);
    if (!d)
        return hue_fail(HUE_EIO, "%s: cannot open folder", dir);
    int r = 0;
    if (is_dir && (r = guess_pattern(dir, d, &p)) < 0) {
        closedir(d);
        return r;
    }
    rewinddir(d);
    size_t n = 0, cap = 256;
    long long *nums = malloc(cap * sizeof *nums);
    struct dirent *e;
    while (nums && (e = readdir(d))) {
        long long v = match_pattern(&p, e->d_name);
        if (v < 0)
            continue;
        if (n == cap) {
            long long *grown = realloc(nums, 2 * cap * sizeof *nums);
            if (!grown) {
                free(nums);
                nums = NULL;
                break;
            }
            nums = grown;
            cap *= 2;
        }
        nums[n++] = v;
    }
    closedir(d);
    if (!nums)
        return hue_fail(HUE_ENOMEM, "%s: out of memory listing the folder", dir);
    char name[600];
    if (n == 0) {
        free(nums);
        format_name(name, sizeof name, &p, 0);
        return hue_fail(HUE_EIO, "%s: no frames match %s/%s", path, dir, name);
    }
    qsort(nums, n, sizeof *nums, cmp_ll);
    for (size_t i = 1; i < n; i++) {
        if (nums[i] == nums[i - 1] + 1)
            continue;
        long long missing = nums[i - 1] + 1;
        int twice = nums[i] == nums[i - 1];
        free(nums);
        format_name(name, sizeof name, &p, missing);
        if (twice)
            return hue_fail(HUE_EFORMAT, "%s: frame number %lld appears twice", dir, missing - 1);
        return hue_fail(HUE_EFORMAT, "%s: gap in the frame numbering: %s is missing", dir, name);
    }
    *first = nums[0];
    *count = (int64_t)n;
    free(nums);
    /* image2 reads '%' in the folder name as a pattern too: escape it. */
    char esc[8192];
    size_t k = 0;
    for (const char *c = dir; *c && k + 3 < sizeof esc; c++) {
        if (*c == '%')
            esc[k++] = '%';
        esc[k++] = *c;
    }
    esc[k] = 0;
    char conv[16] = "%d";
    if (p.width)
        snprintf(conv, sizeof conv, "%%0%dd", p.width);
    int w = snprintf(pattern, (size_t)pattern_size, "%s/%s%s%s", esc, p.prefix, conv, p.suffix);
    if (w < 0 || w >= pattern_size)
        return hue_fail(HUE_EINVAL, "%s: path too long", path);
    return 0;
}

int hue_pattern_format(const char *pattern, int64_t index, char *out, size_t size)
{
    size_t k = 0;
    int conversions = 0;
    for (const char *p = pattern; *p; p++) {
        char piece[48];
        size_t len;
        if (*p != '%') {
            piece[0] = *p, len = 1;
        } else if (p[1] == '%') {
            piece[0] = '%', len = 1, p++;
        } else {
            const char *s = p + 1;
            int zero = *s == '0';
            char *e;
            long width = strtol(s, &e, 10);
            if (*e != 'd' || width < 0 || width > 20 || (width && !zero) || conversions++)
                return hue_fail(HUE_EINVAL, "%s: not a frame pattern (expected one %%d or %%0Nd, such as %%05d.png)",
                                pattern);
            len = (size_t)snprintf(piece, sizeof piece, "%0*lld", (int)width, (long long)index);
            p = e;
        }
        if (k + len >= size)
            return hue_fail(HUE_EINVAL, "%s: path too long", pattern);
        memcpy(out + k, piece, len);
        k += len;
    }
    out[k] = 0;
    if (!conversions)
        return hue_fail(HUE_EINVAL, "%s: not a frame pattern (expected one %%d or %%0Nd, such as %%05d.png)", pattern);
    return 0;
}

const char *hue_video_source(const char *path, char *buf, size_t size)
{
    struct stat st;
    const char *slash = strrchr(path, '/');
    if ((!strchr(path, '%') && !hue_is_glob(path)) || stat(path, &st) == 0)
        return path;
    snprintf(buf, size, "%.*s", slash ? (slash == path ? 1 : (int)(slash - path)) : 1, slash ? path : ".");
    return buf;
}
