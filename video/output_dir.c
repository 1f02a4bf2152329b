/* Output folders that a run fills file by file (hue track's masks). While a
 * run writes there, a marker file holding its PID sits in the folder; the
 * run removes it when it has written everything. A run killed midway leaves
 * the marker, so its partial set is never taken for a complete one. */
#include "hue_error.h"
#include "hue_output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates dir and its missing parents. */
static int make_dirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int hue_outdir_make(const char *dir)
{
    return make_dirs(dir) ? hue_fail(HUE_EIO, "%s: cannot create the folder: %s", dir, strerror(errno)) : 0;
}

static void marker_path(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, HUE_OUTDIR_MARKER);
}

long hue_outdir_unfinished(const char *dir)
{
    char path[4200], text[32] = "";
    marker_path(dir, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long pid = fgets(text, sizeof text, f) ? strtol(text, NULL, 10) : 0;
    fclose(f);
    return pid > 0 ? pid : -1;
}

static int count_ext(const char *dir, const char *ext, int *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return hue_fail(HUE_EIO, "%s: %s", dir, strerror(errno));
    size_t el = strlen(ext);
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        *n += e->d_name[0] != '.' && len > el && strcmp(e->d_name + len - el, ext) == 0;
    }
    closedir(d);
    return 0;
}

int hue_outdir_begin(const char *dir, const char *ext, int force, int *replacing)
{
    struct stat st;
    *replacing = 0;
    if (stat(dir, &st) != 0) {
        if (make_dirs(dir) != 0)
            return hue_fail(HUE_EIO, "%s: cannot create the output folder: %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return hue_fail(HUE_EIO, "%s exists and is not a folder", dir);
    } else {
        long pid = hue_outdir_unfinished(dir);
        if (pid > 0 && pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            return hue_fail(HUE_EEXIST, "%s: another process (pid %ld) is writing there (if not, remove %s/%s)", dir,
                            pid, dir, HUE_OUTDIR_MARKER);
        int n = 0;
        int rc = count_ext(dir, ext, &n);
        if (rc)
            return rc;
        *replacing = pid != 0;
        if (n && !force && !*replacing)
            return hue_fail(HUE_EEXIST, "%s already holds %d %s file%s: pass --force to replace them", dir, n, ext,
                            n == 1 ? "" : "s");
        hue_output_remove_stale(dir, NULL);
    }
    /* the marker goes in before the first file */
    char path[4200], text[32];
    marker_path(dir, path, sizeof path);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (fd < 0 && errno == EEXIST)  /* another run started there just now */
        return hue_fail(HUE_EEXIST, "%s: another process is writing there", dir);
    if (fd < 0 || write(fd, text, (size_t)len) != len) {
        int e = errno;
        if (fd >= 0)
            close(fd), unlink(path);
        return hue_fail(HUE_EIO, "%s: cannot write %s there: %s", dir, HUE_OUTDIR_MARKER, strerror(e));
    }
    close(fd);
    return 0;
}

int hue_outdir_finish(const char *dir)
{
    char path[4200];
    marker_path(dir, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return hue_fail(HUE_EIO, "%s: cannot remove %s: %s", dir, HUE_OUTDIR_MARKER, strerror(errno));
    return 0;
}
