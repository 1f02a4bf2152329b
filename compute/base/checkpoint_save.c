/* Saving a checkpoint: the safetensors header, then the data, written to a
 * temporary file beside the target and renamed into place, so a crash
 * leaves either the old file or the new one, never a torn one. */
#include "checkpoint_internal.h"
#include "hue_error.h"
#include "hue_json.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *p = realloc(b->s, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p, b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sb_str(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_quoted(strbuf *b, const char *s)
{
    char *q = hue_json_quote(s, strlen(s));
    if (!q) {
        b->oom = 1;
        return;
    }
    sb_str(b, q);
    free(q);
}

/* qsort has no context argument, so sort (name, index) pairs. */
typedef struct {
    const char *name;
    int idx;
} name_ref;

static int name_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const name_ref *)a)->name, ((const name_ref *)b)->name);
}

static int sort_by_name(const hue_checkpoint *ck, int *order)
{
    name_ref *refs = malloc((size_t)(ck->count ? ck->count : 1) * sizeof *refs);
    if (!refs)
        return hue_fail(HUE_ENOMEM, "out of memory sorting checkpoint tensors");
    for (int i = 0; i < ck->count; i++)
        refs[i] = (name_ref){ck->tensors[i].name, i};
    qsort(refs, (size_t)ck->count, sizeof *refs, name_ref_cmp);
    for (int i = 0; i < ck->count; i++)
        order[i] = refs[i].idx;
    free(refs);
    return 0;
}

/* The JSON header, padded with spaces so the data starts 8-byte aligned. */
static int build_header(const hue_checkpoint *ck, const int *order, strbuf *b)
{
    char num[64];
    sb_str(b, "{");
    if (ck->meta_count) {
        sb_str(b, "\"__metadata__\":{");
        for (int i = 0; i < ck->meta_count; i++) {
            if (i)
                sb_str(b, ",");
            sb_quoted(b, ck->meta[i].key);
            sb_str(b, ":");
            sb_quoted(b, ck->meta[i].value);
        }
        sb_str(b, "}");
    }
    uint64_t offset = 0;
    for (int k = 0; k < ck->count; k++) {
        const ckpt_tensor *t = &ck->tensors[order[k]];
        if (k || ck->meta_count)
            sb_str(b, ",");
        sb_quoted(b, t->name);
        sb_str(b, ":{\"dtype\":\"");
        sb_str(b, hue_ckpt_dtype_name(t->dtype));
        sb_str(b, "\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", t->shape[d]);
            sb_str(b, num);
        }
        uint64_t end = offset + (uint64_t)t->numel * hue_ckpt_dtype_size(t->dtype);
        snprintf(num, sizeof num, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", offset, end);
        sb_str(b, num);
        offset = end;
    }
    sb_str(b, "}");
    while (!b->oom && b->len % 8)
        sb_str(b, " ");
    if (b->oom)
        return hue_fail(HUE_ENOMEM, "out of memory building checkpoint header");
    if (b->len > HUE_CKPT_MAX_HEADER)
        return hue_fail(HUE_ELIMIT, "checkpoint header of %zu bytes exceeds the %u-byte limit", b->len,
                        HUE_CKPT_MAX_HEADER);
    return 0;
}

/* Writes n elements little-endian, through a bounce buffer on big-endian hosts. */
static int write_le(FILE *f, const void *data, size_t elem, size_t n)
{
    if (hue_ckpt_host_le())
        return fwrite(data, elem, n, f) == n ? 0 : -1;
    unsigned char buf[4096];
    size_t per = sizeof buf / elem;
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        hue_ckpt_copy_le(buf, (const unsigned char *)data + i * elem, elem, k);
        if (fwrite(buf, elem, k, f) != k)
            return -1;
    }
    return 0;
}

static int write_all(const hue_checkpoint *ck, const int *order, const strbuf *hdr, FILE *f)
{
    unsigned char len8[8];
    uint64_t n = hdr->len;
    hue_ckpt_copy_le(len8, &n, 8, 1);
    if (fwrite(len8, 1, 8, f) != 8 || fwrite(hdr->s, 1, hdr->len, f) != hdr->len)
        return -1;
    for (int k = 0; k < ck->count; k++) {
        const ckpt_tensor *t = &ck->tensors[order[k]];
        if (write_le(f, t->data, hue_ckpt_dtype_size(t->dtype), (size_t)t->numel))
            return -1;
    }
    return 0;
}

/* fsync of the folder makes the rename itself durable. Some file systems
 * cannot fsync a folder (EINVAL); nothing more can be done there. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd) && errno != EINVAL ? -1 : 0;
    close(fd);
    return rc;
}

int hue_checkpoint_save(const hue_checkpoint *ck, const char *path, int force)
{
    static atomic_uint counter;
    struct stat st;
    assert(ck && path);

    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!base[0])
        return hue_fail(HUE_EINVAL, "%s: checkpoint path names a folder, not a file", path);
    if (!force && stat(path, &st) == 0)
        return hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite)", path);

    int *order = malloc((size_t)(ck->count ? ck->count : 1) * sizeof *order);
    strbuf hdr = {0};
    size_t dir_len = slash ? (size_t)(slash - path) : 1;
    char *dir = malloc(dir_len + 2);
    char *tmp = malloc(strlen(path) + 64);
    if (!order || !dir || !tmp) {
        free(order), free(dir), free(tmp);
        return hue_fail(HUE_ENOMEM, "out of memory saving %s", path);
    }
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        memcpy(dir, path, dir_len);
        dir[dir_len] = 0;
    }
    int rc = sort_by_name(ck, order);
    if (!rc)
        rc = build_header(ck, order, &hdr);
    if (rc)
        goto done;

    /* The temporary lives beside the target so rename() stays atomic. Mode
     * 0666 lets the umask decide, as for any new file. */
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, strlen(path) + 64, "%.*s.%s.tmp-%ld-%u", (int)(base - path), path, base,
                 (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = hue_fail(HUE_EIO, "%s: cannot create a temporary file in %s: %s", path, dir, strerror(errno));
        goto done;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        rc = hue_fail(HUE_EIO, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    int bad = write_all(ck, order, &hdr, f) || fflush(f) || fsync(fileno(f));
    int err = errno;
    if (fclose(f) && !bad)
        bad = 1, err = errno;
    if (bad) {
        unlink(tmp);
        rc = hue_fail(HUE_EIO, "%s: writing failed: %s", path, strerror(err));
        goto done;
    }

    if (force) {
        if (rename(tmp, path)) {
            err = errno;
            unlink(tmp);
            rc = hue_fail(HUE_EIO, "%s: cannot rename temporary file into place: %s", path, strerror(err));
            goto done;
        }
    } else if (link(tmp, path) == 0) {
        /* link() refuses an existing target atomically, unlike rename(). */
        unlink(tmp);
    } else if (errno == EEXIST) {
        unlink(tmp);
        rc = hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite)", path);
        goto done;
    } else if (stat(path, &st) == 0) {
        /* No hard links here (FAT, some network file systems). */
        unlink(tmp);
        rc = hue_fail(HUE_EEXIST, "%s: file exists (use --force to overwrite)", path);
        goto done;
    } else if (rename(tmp, path)) {
        err = errno;
        unlink(tmp);
        rc = hue_fail(HUE_EIO, "%s: cannot rename temporary file into place: %s", path, strerror(err));
        goto done;
    }
    if (sync_dir(dir))
        rc = hue_fail(HUE_EIO, "%s: written, but syncing folder %s failed: %s", path, dir, strerror(errno));

done:
    free(order);
    free(dir);
    free(tmp);
    free(hdr.s);
    return rc;
}
