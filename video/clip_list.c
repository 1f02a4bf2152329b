/* Reading --clips: a folder, a list file or one video (hue_clip_list.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hue_clip_list.h"
#include "hue_error.h"

/* The video extensions hue lists: .mp4, .mkv, .webm, .avi, .mov, .m4v. */
static int is_video_name(const char *name)
{
    static const char *const ext[] = {".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof ext[0]; i++)
        if (strcasecmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

static int add(hue_clip_list *l, int *cap, const char *dir, const char *name)
{
    if (l->n == *cap) {
        int grown = *cap ? *cap * 2 : 64;
        char **p = realloc(l->paths, sizeof *p * (size_t)grown);
        if (!p)
            return hue_fail(HUE_ENOMEM, "out of host memory");
        l->paths = p, *cap = grown;
    }
    size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    char *path = malloc(len);
    if (!path)
        return hue_fail(HUE_ENOMEM, "out of host memory");
    if (dir)
        snprintf(path, len, "%s/%s", dir, name);
    else
        snprintf(path, len, "%s", name);
    l->paths[l->n++] = path;
    return 0;
}

static int by_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int read_folder(const char *src, hue_clip_list *l, int *cap)
{
    DIR *d = opendir(src);
    if (!d)
        return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));)
        if (e->d_name[0] != '.' && is_video_name(e->d_name))
            rc = add(l, cap, src, e->d_name);
    closedir(d);
    if (!rc)
        qsort(l->paths, (size_t)l->n, sizeof *l->paths, by_path);
    return rc;
}

static int read_list(const char *src, hue_clip_list *l, int *cap)
{
    FILE *f = fopen(src, "r");
    if (!f)
        return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
    char dir[4096], line[4096];
    snprintf(dir, sizeof dir, "%s", src);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int rc = 0;
    for (int number = 1; !rc && fgets(line, sizeof line, f); number++) {
        size_t len = strcspn(line, "\r\n");
        if (line[len] == 0 && !feof(f))
            rc = hue_fail(HUE_EINVAL, "%s:%d: a line longer than %zu bytes", src, number, sizeof line - 2);
        line[len] = 0;
        if (!rc && line[0] && line[0] != '#')
            rc = add(l, cap, line[0] == '/' ? NULL : dir, line);
    }
    fclose(f);
    return rc;
}

int hue_clip_list_read(const char *src, hue_clip_list *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(src, &st) != 0)
        return hue_fail(HUE_EIO, "%s: %s", src, strerror(errno));
    int cap = 0, rc;
    if (S_ISDIR(st.st_mode))
        rc = read_folder(src, out, &cap);
    else if (is_video_name(src))
        rc = add(out, &cap, NULL, src);
    else
        rc = read_list(src, out, &cap);
    if (!rc && out->n == 0)
        rc = hue_fail(HUE_EINVAL, "%s: no video clips (a folder of .mp4, .mkv, .webm, .avi, .mov or .m4v files, a "
                      "list of videos, one per line, or one video)", src);
    if (rc)
        hue_clip_list_free(out);
    return rc;
}

void hue_clip_list_free(hue_clip_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

void hue_clip_name(const char *path, char *name, size_t size)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(name, size, "%.*s", (int)len, base);
}

int hue_clip_list_check_names(const hue_clip_list *l)
{
    char a[256], b[256];
    for (int i = 0; i < l->n; i++) {
        hue_clip_name(l->paths[i], a, sizeof a);
        for (int j = i + 1; j < l->n; j++) {
            hue_clip_name(l->paths[j], b, sizeof b);
            if (strcmp(a, b) == 0)
                return hue_fail(HUE_EINVAL, "%s and %s are both clip '%s': their outputs would collide", l->paths[i],
                                l->paths[j], a);
        }
    }
    return 0;
}
