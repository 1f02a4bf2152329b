/* Frame sequences named by a glob pattern (dir/frame_*.jpg): the matches in
 * natural order (frame_2 before frame_10), one extension, one frame size.
 * The reader opens them as a frame folder: numbered links to the matches in
 * a private temporary folder, so they go through the same image2 path. */
#include "hue_error.h"
#include "hue_video.h"
#include "video_internal.h"

#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int hue_is_glob(const char *path) { return strpbrk(path, "*?[") != NULL; }

/* Natural order: runs of digits compare by value, the rest byte by byte. */
int hue_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea = a, *eb = b;
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            const char *da = a, *db = b;
            while (isdigit((unsigned char)*a))
                a++;
            while (isdigit((unsigned char)*b))
                b++;
            if (a - da != b - db)
                return a - da < b - db ? -1 : 1;
            int c = strncmp(da, db, (size_t)(a - da));
            if (c)
                return c;
            if (a - ea != b - eb) /* 007 and 7: fewer zeros first */
                return a - ea < b - eb ? -1 : 1;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++, b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_paths(const void *x, const void *y)
{
    return hue_natural_cmp(*(char *const *)x, *(char *const *)y);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Frame size from a PNG or JPEG header: 1 when known, 0 for other files
 * (the reader then checks each frame's size as it decodes it). */
static int image_size(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t b[24];
    int known = 0;
    if (fread(b, 1, 24, f) == 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4)) {
        *w = (int)(be32(b + 16) & 0x7fffffff), *h = (int)(be32(b + 20) & 0x7fffffff);
        known = 1;
    } else if (b[0] == 0xff && b[1] == 0xd8 && !fseek(f, 2, SEEK_SET)) {
        /* walk the markers to the first start of frame (SOF0-15 but DHT, JPG, DAC) */
        uint8_t m[9];
        while (fread(m, 1, 4, f) == 4 && m[0] == 0xff) {
            int len = m[2] << 8 | m[3];
            int sof = m[1] >= 0xc0 && m[1] <= 0xcf && m[1] != 0xc4 && m[1] != 0xc8 && m[1] != 0xcc;
            if (sof) {
                if (fread(m + 4, 1, 5, f) == 5)
                    *h = m[5] << 8 | m[6], *w = m[7] << 8 | m[8], known = 1;
                break;
            }
            if (len < 2 || fseek(f, len - 2, SEEK_CUR))
                break;
        }
    }
    fclose(f);
    return known;
}

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

void hue_frame_glob_free(hue_frame_glob *g)
{
    if (g->dir[0]) {
        char link[4200];
        for (size_t i = 0; i < g->n; i++) {
            snprintf(link, sizeof link, "%s/%06zu.%s", g->dir, i, g->ext);
            unlink(link);
        }
        rmdir(g->dir);
    }
    for (size_t i = 0; i < g->n; i++)
        free(g->paths[i]);
    free(g->paths);
    memset(g, 0, sizeof *g);
}

/* The matches: regular files only, naturally sorted. */
static int list_matches(const char *pattern, hue_frame_glob *g)
{
    glob_t gl;
    int r = glob(pattern, GLOB_NOSORT, NULL, &gl);
    if (r == GLOB_NOMATCH)
        return hue_fail(HUE_EIO, "%s: no file matches the pattern", pattern);
    if (r != 0)
        return hue_fail(r == GLOB_NOSPACE ? HUE_ENOMEM : HUE_EIO, "%s: cannot list the files of the pattern", pattern);
    g->paths = calloc(gl.gl_pathc ? gl.gl_pathc : 1, sizeof *g->paths);
    int ok = g->paths != NULL;
    for (size_t i = 0; ok && i < gl.gl_pathc; i++) {
        struct stat st;
        if (stat(gl.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
            continue;
        if (!(g->paths[g->n] = strdup(gl.gl_pathv[i])))
            ok = 0;
        else
            g->n++;
    }
    globfree(&gl);
    if (!ok)
        return hue_fail(HUE_ENOMEM, "%s: out of memory listing the pattern's files", pattern);
    if (!g->n)
        return hue_fail(HUE_EIO, "%s: no regular file matches the pattern", pattern);
    qsort(g->paths, g->n, sizeof *g->paths, cmp_paths);
    return 0;
}

/* One extension and, where the headers tell, one size for every match. */
static int check_matches(const char *pattern, hue_frame_glob *g)
{
    const char *ext = extension(g->paths[0]);
    if (!*ext || strlen(ext) >= sizeof g->ext)
        return hue_fail(HUE_EFORMAT, "%s: %s has no image extension", pattern, g->paths[0]);
    snprintf(g->ext, sizeof g->ext, "%s", ext);
    int w0 = 0, h0 = 0, known0 = image_size(g->paths[0], &w0, &h0);
    for (size_t i = 1; i < g->n; i++) {
        if (strcasecmp(extension(g->paths[i]), g->ext))
            return hue_fail(HUE_EFORMAT, "%s: %s is a .%s file, the first match (%s) a .%s file: one kind of image, please",
                            pattern, g->paths[i], extension(g->paths[i]), g->paths[0], g->ext);
        int w, h;
        if (known0 && image_size(g->paths[i], &w, &h) && (w != w0 || h != h0))
            return hue_fail(HUE_EFORMAT, "%s: %s is %dx%d, the first match (%s) is %dx%d: every frame must have one size",
                            pattern, g->paths[i], w, h, g->paths[0], w0, h0);
    }
    return 0;
}

int hue_frame_glob_open(const char *pattern, hue_frame_glob *g)
{
    memset(g, 0, sizeof *g);
    int r = list_matches(pattern, g);
    if (!r)
        r = check_matches(pattern, g);
    if (r) {
        hue_frame_glob_free(g);
        return r;
    }
    const char *tmp = getenv("TMPDIR");
    if (tmp && strchr(tmp, '%')) /* image2 would read it as a pattern */
        tmp = NULL;
    snprintf(g->dir, sizeof g->dir, "%s/hue-frames-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g->dir)) {
        int e = hue_fail(HUE_EIO, "%s: cannot make a temporary folder in %s for the frame list", pattern,
                         tmp && *tmp ? tmp : "/tmp");
        g->dir[0] = 0;
        hue_frame_glob_free(g);
        return e;
    }
    /* the links reach the matches from another folder: absolute targets */
    char link[4200], cwd[4096], target[8200];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = 0;
    for (size_t i = 0; i < g->n; i++) {
        const char *p = g->paths[i];
        snprintf(link, sizeof link, "%s/%06zu.%s", g->dir, i, g->ext);
        snprintf(target, sizeof target, "%s%s%s", p[0] == '/' ? "" : cwd, p[0] == '/' ? "" : "/", p);
        if (symlink(target, link)) {
            hue_frame_glob_free(g);
            return hue_fail(HUE_EIO, "%s: cannot link %s into the temporary folder", pattern, g->paths[i]);
        }
    }
    snprintf(g->pattern, sizeof g->pattern, "%s/%%06d.%s", g->dir, g->ext);
    return 0;
}
