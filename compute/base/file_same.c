/* Whether two names are the same file, and the check that no output of a
 * command is one of its inputs or another output. */
#include "hue_error.h"
#include "hue_file.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder of path resolved (symbolic links, '.', '..'), then its last
 * name; the path as given when its folder cannot be resolved. */
static void resolved(const char *path, char *out, size_t size)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    if (*name && strcmp(name, ".") && strcmp(name, "..") && !hue_file_folder(path, dir, sizeof dir) &&
        realpath(dir, real))
        snprintf(out, size, "%s/%s", strcmp(real, "/") ? real : "", name);
    else if (!realpath(path, out))
        snprintf(out, size, "%s", path);
}

int hue_file_same(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    char ra[PATH_MAX + 256], rb[PATH_MAX + 256];
    resolved(a, ra, sizeof ra);
    resolved(b, rb, sizeof rb);
    return strcmp(ra, rb) == 0;
}

int hue_file_check_uses(const hue_file_use *u, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (i == j || !u[i].output || !u[i].path || !u[j].path || (u[j].output && j < i))
                continue;
            if (!hue_file_same(u[i].path, u[j].path))
                continue;
            const char *what = u[j].output ? "another output" : "an input";
            if (strcmp(u[i].path, u[j].path) == 0)
                return hue_fail(HUE_EINVAL, "%s: %s and %s name the same file (an output must not also be %s)",
                                u[i].path, u[i].flag, u[j].flag, what);
            return hue_fail(HUE_EINVAL, "%s (%s) and %s (%s) are the same file (an output must not also be %s)",
                            u[i].path, u[i].flag, u[j].path, u[j].flag, what);
        }
    return 0;
}
