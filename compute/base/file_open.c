/* Opening an input that must be a regular file. */
#include "hue_error.h"
#include "hue_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a folder";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

int hue_file_open_regular(const char *path, FILE **out)
{
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return hue_fail(HUE_EIO, "%s: cannot open: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int rc = hue_fail(HUE_EIO, "%s: %s, not a regular file", path, kind(st.st_mode));
        close(fd);
        return rc;
    }
    /* reads of a regular file never block: the flag can stay */
    if (!(*out = fdopen(fd, "rb"))) {
        int rc = hue_fail(HUE_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    return 0;
}
