/* Fuzz inputs as files, for the parsers that open a path (checkpoints,
 * masks): the bytes go to an in-memory file (memfd), reached by path
 * through /proc/self/fd, so no disk I/O per input. */
#ifndef HUE_FUZZ_FILE_H
#define HUE_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes size bytes to a fresh memory file; path gets its name. Returns
 * the descriptor to close afterwards, or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t cap)
{
    int fd = memfd_create("hue-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

/* A file name in a private folder (on tmpfs where there is one), for a
 * target's round trips: written with force, removed with its folder at
 * exit. */
static char fuzz_scratch[64], fuzz_scratch_dir[48];

static void fuzz_scratch_remove(void)
{
    unlink(fuzz_scratch);
    rmdir(fuzz_scratch_dir);
}

static inline const char *fuzz_scratch_file(void)
{
    if (!fuzz_scratch[0]) {
        snprintf(fuzz_scratch_dir, sizeof fuzz_scratch_dir, "%s/hue-fuzz-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(fuzz_scratch_dir))
            abort();
        snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/out", fuzz_scratch_dir);
        atexit(fuzz_scratch_remove);
    }
    return fuzz_scratch;
}

#endif
