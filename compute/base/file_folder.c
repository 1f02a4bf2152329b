/* Whether an output can be created where the user named it: checked before
 * a long run starts, so a missing folder is not found at the first save. */
#include "hue_error.h"
#include "hue_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hue_file_folder(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    int n = !slash ? snprintf(dir, size, ".") : snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

int hue_file_check_output_folder(const char *flag, const char *path)
{
    if (!path || !*path)
        return 0;
    char dir[PATH_MAX];
    if (hue_file_folder(path, dir, sizeof dir))
        return hue_fail(HUE_EINVAL, "%s %s: the path is too long", flag, path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return hue_fail(HUE_EIO, "%s %s: folder %s: %s", flag, path, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return hue_fail(HUE_EIO, "%s %s: %s is not a folder", flag, path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return hue_fail(HUE_EIO, "%s %s: cannot write in folder %s: %s", flag, path, dir, strerror(errno));
    return 0;
}
