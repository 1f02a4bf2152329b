/* Safe output files: check first, write to a temporary name, rename. */
#include "hue_output.h"
#include "hue_error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hue_output_folder(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int hue_output_check(const char *path, int force)
{
    char dir[4096];
    struct stat st;
    if (!*path)
        return hue_fail(HUE_EINVAL, "empty output path");
    hue_output_folder(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return hue_fail(HUE_EIO, "%s: cannot write: folder %s does not exist", path, dir);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return hue_fail(HUE_EIO, "%s: is a folder, not a file", path);
        /* a FIFO or a device would be replaced by the rename, not written */
        if (!S_ISREG(st.st_mode))
            return hue_fail(HUE_EIO, "%s: exists and is not a regular file (a FIFO or a device?)", path);
        if (!force)
            return hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite it)", path);
    }
    if (access(dir, W_OK) != 0)
        return hue_fail(HUE_EIO, "%s: cannot write in folder %s (%s)", path, dir, strerror(errno));
    return 0;
}

int hue_output_temp(const char *path, char *tmp, size_t tmp_size)
{
    char dir[4096];
    hue_output_folder(path, dir, sizeof dir);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *ext = strrchr(base, '.');
    if (!ext)
        ext = "";
    for (int attempt = 0; attempt < 100; attempt++) {
        int w = snprintf(tmp, tmp_size, "%s/.%.*s.hue-%d-%d%s", dir, (int)(strlen(base) - strlen(ext)), base,
                         (int)getpid(), attempt, ext);
        if (w < 0 || (size_t)w >= tmp_size)
            return hue_fail(HUE_EINVAL, "%s: path too long", path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return hue_fail(HUE_EIO, "%s: cannot create a file in %s (%s)", path, dir, strerror(errno));
    }
    return hue_fail(HUE_EIO, "%s: cannot create a temporary file in %s", path, dir);
}

int hue_output_temp_file(const char *path, char *tmp, size_t tmp_size, FILE **out)
{
    int fd = hue_output_temp(path, tmp, tmp_size);
    if (fd < 0)
        return fd;
    if (!(*out = fdopen(fd, "wb"))) {
        int rc = hue_fail(HUE_EIO, "%s: cannot write (%s)", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    return 0;
}

int hue_output_commit(const char *tmp, const char *path, int force)
{
    if (!force) {
        /* link() fails if path exists: nothing is overwritten in a race. */
        if (link(tmp, path) == 0) {
            unlink(tmp);
            return 0;
        }
        int e = errno;
        if (e == EEXIST) {
            unlink(tmp);
            return hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite it)", path);
        }
        /* Filesystems without hard links: check, then rename. */
        struct stat st;
        if (stat(path, &st) == 0) {
            unlink(tmp);
            return hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite it)", path);
        }
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return hue_fail(HUE_EIO, "%s: cannot write (%s)", path, strerror(e));
    }
    return 0;
}
