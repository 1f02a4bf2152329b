/* Temporary files of dead processes: a write killed (kill -9, a crash, a
 * power cut) before its rename leaves .NAME.hue-PID-N.EXT beside its target,
 * hidden, forever. A later write there removes those whose PID is gone. */
#include "hue_error.h"
#include "hue_output.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PID in a temporary name of hue_output_temp (.STEM.hue-PID-N.EXT), or
 * 0 when name is not one, or not one of target when target is not NULL. */
static long temp_pid(const char *name, const char *target)
{
    const char *h = NULL;
    for (const char *p = name; (p = strstr(p, ".hue-")); p++)
        h = p;
    if (name[0] != '.' || !h || h == name || !isdigit((unsigned char)h[5]))
        return 0;
    char *end;
    long pid = strtol(h + 5, &end, 10);
    if (*end != '-' || !isdigit((unsigned char)end[1]))
        return 0;
    strtol(end + 1, &end, 10);
    const char *ext = end;
    if (pid <= 0 || (*ext && (*ext != '.' || strchr(ext + 1, '.'))))
        return 0;
    if (target) {
        const char *text = strrchr(target, '.') ? strrchr(target, '.') : "";
        size_t stem = strlen(target) - strlen(text);
        if (h != name + 1 + stem || strncmp(name + 1, target, stem) || strcmp(ext, text))
            return 0;
    }
    return pid;
}

/* Alive, or not ours to judge (EPERM: it exists). */
static int alive(long pid)
{
    return pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

int hue_output_remove_stale(const char *dir, const char *target)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* nothing there to clean; writing will say what is wrong */
    int removed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = temp_pid(e->d_name, target);
        char path[4352];
        if (pid && !alive(pid) && snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
            unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
