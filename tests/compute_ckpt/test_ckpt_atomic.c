/* Atomic saves: an existing file is kept byte-identical unless force is
 * given; with force it is replaced; every failure (missing folder, read-only
 * folder, target that is a folder, a write cut short by a file size limit)
 * is an error with a message and leaves no temporary file behind. */
#include "ckpt_test_util.h"
#include "hue_checkpoint.h"
#include "hue_error.h"
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static hue_checkpoint *make(float value, int64_t n)
{
    hue_checkpoint *ck = NULL;
    hue_checkpoint_create(&ck);
    float *v = malloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = value + (float)i;
    int64_t shape[1] = {n};
    CHECK(hue_checkpoint_add(ck, "w", 1, shape, v) == 0);
    free(v);
    return ck;
}

static float first_value(const char *path)
{
    hue_checkpoint *ck = NULL;
    float v = -1;
    if (hue_checkpoint_open(path, &ck) == 0 && hue_checkpoint_count(ck) > 0)
        v = hue_checkpoint_data(ck, 0)[0];
    hue_checkpoint_destroy(ck);
    return v;
}

/* 1 when a new file can be created in dir (root ignores folder modes). */
static int can_create_in(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/.hue-probe-%ld", dir, (long)getpid());
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return 0;
    close(fd);
    unlink(p);
    return 1;
}

static void test_overwrite(void)
{
    const char *path = scratch_path("model.safetensors");
    hue_checkpoint *a = make(1.0f, 1000), *b = make(2.0f, 10);
    mode_t old_mask = umask(022);
    CHECKF(hue_checkpoint_save(a, path, 0) == 0, "%s", hue_error_message());
    umask(old_mask);
    struct stat st;
    /* A new checkpoint gets the usual mode for new files, not 0600. */
    CHECKF(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode %o", (unsigned)(st.st_mode & 0777));
    size_t n0 = 0, n1 = 0;
    unsigned char *before = file_read(path, &n0);

    int rc = hue_checkpoint_save(b, path, 0);
    CHECKF(rc == HUE_EEXIST && strstr(hue_error_message(), path) && strstr(hue_error_message(), "exists"),
           "rc %d: %s", rc, hue_error_message());
    unsigned char *after = file_read(path, &n1);
    CHECK(before && after && n0 == n1 && !memcmp(before, after, n0));
    CHECK(dir_entries(scratch_dir) == 1);

    rc = hue_checkpoint_save(b, path, 1);
    CHECKF(rc == 0, "%s", hue_error_message());
    CHECK(first_value(path) == 2.0f);
    CHECK(dir_entries(scratch_dir) == 1);
    free(before), free(after);

    /* A relative path in the current folder works (folder "."). */
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(scratch_dir) == 0);
    CHECKF(hue_checkpoint_save(a, "relative.safetensors", 0) == 0, "%s", hue_error_message());
    CHECK(first_value("relative.safetensors") == 1.0f);
    CHECK(unlink("relative.safetensors") == 0);
    CHECK(chdir(cwd) == 0);

    hue_checkpoint_destroy(a);
    hue_checkpoint_destroy(b);
}

static void test_bad_targets(void)
{
    hue_checkpoint *a = make(1.0f, 4);
    char p[1024];

    /* Missing folder. */
    snprintf(p, sizeof p, "%s/missing/model.safetensors", scratch_dir);
    int rc = hue_checkpoint_save(a, p, 0);
    CHECKF(rc == HUE_EIO && strstr(hue_error_message(), p) && strstr(hue_error_message(), "No such file"),
           "rc %d: %s", rc, hue_error_message());
    CHECK(dir_entries(scratch_dir) == 1); /* just model.safetensors */

    /* A file where a folder should be. */
    snprintf(p, sizeof p, "%s/model.safetensors/x.safetensors", scratch_dir);
    rc = hue_checkpoint_save(a, p, 1);
    CHECKF(rc == HUE_EIO && strstr(hue_error_message(), p), "rc %d: %s", rc, hue_error_message());

    /* A path ending in '/' names no file. */
    snprintf(p, sizeof p, "%s/", scratch_dir);
    CHECK(hue_checkpoint_save(a, p, 1) == HUE_EINVAL);

    /* The target is a folder: even with force, rename fails, and the
     * temporary file is removed. */
    snprintf(p, sizeof p, "%s/sub", scratch_dir);
    CHECK(mkdir(p, 0755) == 0);
    snprintf(p, sizeof p, "%s/sub/inner", scratch_dir);
    CHECK(mkdir(p, 0755) == 0);
    rc = hue_checkpoint_save(a, p, 1);
    CHECKF(rc == HUE_EIO && strstr(hue_error_message(), "rename"), "rc %d: %s", rc, hue_error_message());
    snprintf(p, sizeof p, "%s/sub", scratch_dir);
    CHECK(dir_entries(p) == 1);
    CHECK(hue_checkpoint_save(a, scratch_path("sub/inner"), 0) == HUE_EEXIST);

    /* A read-only folder. Root may write anywhere, so fall back to /sys. */
    snprintf(p, sizeof p, "%s/ro", scratch_dir);
    CHECK(mkdir(p, 0755) == 0 && chmod(p, 0555) == 0);
    const char *ro = can_create_in(p) ? "/sys" : p;
    if (can_create_in(ro)) {
        printf("skipped: no read-only folder available\n");
    } else {
        char target[1100];
        snprintf(target, sizeof target, "%s/model.safetensors", ro);
        rc = hue_checkpoint_save(a, target, 0);
        CHECKF(rc == HUE_EIO && strstr(hue_error_message(), target) &&
                   strstr(hue_error_message(), "cannot create a temporary file"),
               "rc %d: %s", rc, hue_error_message());
        printf("read-only folder %s: %s\n", ro, hue_error_message());
    }
    CHECK(dir_entries(p) == 0);
    hue_checkpoint_destroy(a);
}

/* A write that fails half-way (file size limit, like a full disk) must
 * leave the old file untouched and remove the temporary. */
static void test_write_failure(void)
{
    const char *path = scratch_path("model.safetensors");
    size_t n0 = 0, n1 = 0;
    unsigned char *before = file_read(path, &n0);
    hue_checkpoint *big = make(5.0f, 1 << 16); /* 256 KiB of data */

    struct rlimit old, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim = old;
    lim.rlim_cur = 64 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = hue_checkpoint_save(big, path, 1);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);

    CHECKF(rc == HUE_EIO && strstr(hue_error_message(), path) && strstr(hue_error_message(), "writing failed"),
           "rc %d: %s", rc, hue_error_message());
    unsigned char *after = file_read(path, &n1);
    CHECK(before && after && n0 == n1 && !memcmp(before, after, n0));
    CHECK(dir_entries(scratch_dir) == 3); /* model.safetensors, sub, ro */
    free(before), free(after);

    /* Without the limit the same save goes through. */
    CHECKF(hue_checkpoint_save(big, path, 1) == 0, "%s", hue_error_message());
    CHECK(first_value(path) == 5.0f);
    hue_checkpoint_destroy(big);
}

int main(void)
{
    scratch_make();
    test_overwrite();
    test_bad_targets();
    test_write_failure();
    return test_finish();
}
