/* Whether an output can be created where the user named it: checked before
 * a long run starts, so a missing folder is not found at the first save. */
#include "hue_error.h"
#include "hue_file.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hue_file_check_output_folder(const char *flag, const char *path)
{
    if (!path || !*path)
        return 0;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return hue_fail(HUE_EINVAL, "%s %s: the path is too long", flag, path);
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return hue_fail(HUE_EIO, "%s %s: folder %s: %s", flag, path, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return hue_fail(HUE_EIO, "%s %s: %s is not a folder", flag, path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return hue_fail(HUE_EIO, "%s %s: cannot write in folder %s: %s", flag, path, dir, strerror(errno));
    return 0;
}
