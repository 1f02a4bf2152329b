/* The JSON-lines metrics log of a training run. A resumed run continues the
 * log of the run it resumes, from the step its checkpoint holds: lines of
 * later steps were logged by the run that died after that checkpoint, and
 * the resumed run logs those steps again. */
#include "hue_error.h"
#include "hue_train.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Cuts the log after the last line of a step up to `step`: at the first
 * line of a later step, or a line cut short (a kill while writing). */
static int cut_after_step(FILE *f, const char *path, int64_t step)
{
    char line[4096];
    long keep = 0;
    for (int n = 1; fgets(line, sizeof line, f); n++) {
        long long s;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n')
            return hue_fail(HUE_EFORMAT, "%s: line %d is longer than a metrics line: give --log the run's own log", path,
                            n);
        if (len == 0 || line[len - 1] != '\n')
            break;
        if (sscanf(line, "{\"step\": %lld", &s) != 1)
            return hue_fail(HUE_EFORMAT, "%s: line %d is not a metrics line: give --log the run's own log", path, n);
        if (s > step)
            break;
        keep = ftell(f);
    }
    if (ferror(f) || fflush(f) != 0 || ftruncate(fileno(f), keep) != 0 || fseek(f, 0, SEEK_END) != 0)
        return hue_fail(HUE_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

int hue_train_log_open(const char *path, int64_t resume_step, int force, FILE **out)
{
    *out = NULL;
    if (!path)
        return 0;
    FILE *f;
    if (resume_step > 0) {
        f = fopen(path, "r+");
        if (!f && errno == ENOENT)
            f = fopen(path, "w+");
    } else {
        f = fopen(path, force ? "w" : "wx");
    }
    if (!f)
        return hue_fail(HUE_EIO, "%s: %s", path, errno == EEXIST ? "exists: pass --force to replace it" : strerror(errno));
    int rc = resume_step > 0 ? cut_after_step(f, path, resume_step) : 0;
    if (rc) {
        fclose(f);
        return rc;
    }
    *out = f;
    return 0;
}

int hue_train_log_printf(FILE *f, const char *path, const char *fmt, ...)
{
    if (!f)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int bad = vfprintf(f, fmt, ap) < 0;
    va_end(ap);
    /* each line reaches the file at once: a kill loses no logged step */
    if (bad || fflush(f) != 0)
        return hue_fail(HUE_EIO, "%s: cannot write the log: %s", path, strerror(errno));
    return 0;
}
