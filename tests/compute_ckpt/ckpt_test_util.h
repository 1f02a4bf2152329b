/* File helpers shared by the checkpoint tests: a scratch folder removed at
 * exit, whole-file read and write, and a folder listing check. */
#ifndef HUE_CKPT_TEST_UTIL_H
#define HUE_CKPT_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_dir[512];

static void scratch_remove(void)
{
    char cmd[1200];
    if (!scratch_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", scratch_dir, scratch_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch_dir);
}

/* Creates a fresh folder under $TMPDIR (or /tmp) and returns its path. */
static inline const char *scratch_make(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(scratch_dir, sizeof scratch_dir, "%s/hue-ckpt-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(scratch_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(scratch_remove);
    return scratch_dir;
}

/* Path of a file in the scratch folder (4 rotating buffers). */
static inline const char *scratch_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, 1024, "%s/%s", scratch_dir, name);
    return b;
}

static inline int file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) || n != len ? -1 : 0;
}

/* Whole file into a malloc'd buffer (NULL when unreadable). */
static inline unsigned char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    for (size_t k; b && (k = fread(b + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

/* Number of entries in a folder other than . and .. (-1 when unreadable). */
static inline int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

#endif
