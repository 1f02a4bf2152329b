/* Paths stored relative to the checkpoint's folder (hue_run_path.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_run_path.h"

/* The absolute, resolved form of path: realpath of the file, or of its
 * folder joined with its name when the file does not exist yet (a log).
 * 0 when it cannot be resolved. */
static int resolve_real(const char *path, char *out)
{
    char buf[PATH_MAX];
    if (realpath(path, out))
        return 1;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    if (slash == path)
        snprintf(buf, sizeof buf, "/");
    else
        snprintf(buf, sizeof buf, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    char dir[PATH_MAX];
    size_t d = realpath(buf, dir) ? strlen(dir) : 0, n = strlen(name);
    if (!d || d + n + 2 > PATH_MAX)
        return 0;
    memcpy(out, dir, d);
    if (strcmp(dir, "/") != 0)
        out[d++] = '/';
    memcpy(out + d, name, n + 1);
    return 1;
}

/* The folder that holds file (resolved), or 0. */
static int folder_of(const char *file, char *out)
{
    char real[PATH_MAX];
    if (!resolve_real(file, real))
        return 0;
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = 0;
    else
        *slash = 0;
    snprintf(out, PATH_MAX, "%s", real);
    return 1;
}

static int put(char *out, size_t size, const char *text)
{
    if (strlen(text) >= size)
        return hue_fail(HUE_ELIMIT, "path '%s' is too long to store", text);
    memcpy(out, text, strlen(text) + 1);
    return 0;
}

/* The last component of path: "/data/cifar/" -> "cifar". */
static int last_component(const char *path, char *out, size_t size)
{
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(end - start), path + start);
    return put(out, size, *name && strcmp(name, "/") ? name : ".");
}

int hue_run_path_store(const char *path, const char *ckpt, char *out, size_t size)
{
    char target[PATH_MAX], base[PATH_MAX];
    if (!resolve_real(path, target) || !folder_of(ckpt, base))
        return path[0] != '/' ? put(out, size, path) : last_component(path, out, size);
    /* the longest common folder, by whole components */
    size_t common = 0;
    for (size_t i = 0;; i++) {
        char a = target[i], b = base[i];
        if ((a == '/' || !a) && (b == '/' || !b))
            common = i;
        if (!a || !b || a != b)
            break;
    }
    /* sharing no folder but the root, the way from one to the other would
     * spell the machine's layout out: the name alone */
    if (common == 0 || !strcmp(base, "/"))
        return last_component(path, out, size);
    char rel[PATH_MAX * 2] = "";
    size_t n = 0;
    /* one ".." for every component of base past the common folder */
    for (const char *p = base + common; *p; p++)
        if (*p == '/' && p[1])
            n += (size_t)snprintf(rel + n, sizeof rel - n, "%s..", n ? "/" : "");
    const char *rest = target + common;
    while (*rest == '/')
        rest++;
    if (*rest)
        snprintf(rel + n, sizeof rel - n, "%s%s", n ? "/" : "", rest);
    else if (!n)
        snprintf(rel, sizeof rel, ".");
    return put(out, size, rel);
}

int hue_run_path_resolve(const char *stored, const char *ckpt, char *out, size_t size)
{
    const char *slash = strrchr(ckpt, '/');
    if (stored[0] == '/' || !slash)
        return put(out, size, stored);
    char joined[PATH_MAX * 2];
    snprintf(joined, sizeof joined, "%.*s/%s", slash == ckpt ? 0 : (int)(slash - ckpt), ckpt, stored);
    return put(out, size, joined);
}
