/* Fuzz target: frame folders and patterns (video/folder.c). The input is
 * a pattern's file name on its first line and the names of files to make
 * on the others; the folder's own name holds a '%', which the image2
 * pattern must escape. Whatever pattern hue_frame_folder_resolve returns
 * must name, through libavformat's formatting (what image2 does) and
 * hue_pattern_format, every frame it counted. */
#include <fcntl.h>
#include <libavformat/avformat.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hue_video.h"

enum { MAX_FILES = 64, MAX_CHECKED = 64 };

static char dir[64];
static char made[MAX_FILES][NAME_MAX + 1];
static int n_made;

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Resolves path; on success every counted frame must be there. */
static void check(const char *path)
{
    char pattern[8192], name[8192 + 64];
    int64_t first, count;
    if (hue_frame_folder_resolve(path, pattern, sizeof pattern, &first, &count))
        return;
    if (count < 1 || first < 0)
        abort();
    for (int64_t i = first; i < first + count && i < first + MAX_CHECKED; i++) {
        if (hue_pattern_format(pattern, i, name, sizeof name) || !exists(name))
            abort();
        if (i <= INT_MAX && (av_get_frame_filename(name, sizeof name, pattern, (int)i) < 0 || !exists(name)))
            abort();
    }
}

/* Removes the files the last input made (and, at exit, the folder). */
static void clear_files(void)
{
    for (int i = 0; i < n_made; i++) {
        char path[sizeof dir + NAME_MAX + 2];
        snprintf(path, sizeof path, "%s/%.*s", dir, NAME_MAX, made[i]);
        unlink(path);
    }
    n_made = 0;
}

static void remove_dir(void)
{
    clear_files();
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/hue-fuzz-%%-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    clear_files();

    /* Lines: the pattern, then file names (no '/', not . or ..). */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *line = text, *next = strchr(line, '\n');
    char *pattern_name = line;
    for (line = next ? next + 1 : NULL; line && n_made < MAX_FILES; line = next ? next + 1 : NULL) {
        next = strchr(line, '\n');
        if (next)
            *next = 0;
        size_t n = strlen(line);
        if (!n || n > NAME_MAX || strchr(line, '/') || !strcmp(line, ".") || !strcmp(line, ".."))
            continue;
        char path[sizeof dir + NAME_MAX + 2];
        snprintf(path, sizeof path, "%s/%s", dir, line);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            memcpy(made[n_made++], line, n + 1);
        }
    }
    char *nl = strchr(pattern_name, '\n');
    if (nl)
        *nl = 0;

    char path[sizeof dir + 4096];
    snprintf(path, sizeof path, "%s/%s", dir, pattern_name);
    check(path);
    check(dir);
    /* The formatter alone, on the raw pattern, at the ends of the range. */
    char name[256];
    const int64_t indices[] = {0, 7, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof indices / sizeof *indices; i++)
        hue_pattern_format(pattern_name, indices[i], name, sizeof name);
    free(text);
    return 0;
}
