/* Safetensors checkpoints (see hue_checkpoint.h): the in-memory table of
 * tensors and metadata, the atomic writer, and the validating reader. Plain
 * C and POSIX; nothing here touches Vulkan. */
#include "hue_checkpoint.h"
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
    char *name;
    hue_ckpt_dtype dtype;
    int ndim;
    int64_t shape[HUE_CKPT_MAX_DIMS];
    int64_t numel;
    void *data; /* float or int64_t, numel elements (at least 1 byte allocated) */
} ckpt_tensor;

typedef struct {
    char *key;
    char *value;
} ckpt_meta;

struct hue_checkpoint {
    char *path; /* file it was opened from, for messages; NULL when created */
    ckpt_tensor *tensors;
    int count, cap;
    ckpt_meta *meta; /* sorted by key */
    int meta_count, meta_cap;
};

/* ---- small helpers ---- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* Copies n elements of size elem between little-endian bytes and host order
 * (the same operation both ways). */
static void copy_le(void *dst, const void *src, size_t elem, size_t n)
{
    if (host_little_endian()) {
        memcpy(dst, src, elem * n);
        return;
    }
    const unsigned char *s = src;
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < elem; b++)
            d[i * elem + b] = s[i * elem + elem - 1 - b];
}

static const char *where(const hue_checkpoint *ck) { return ck->path ? ck->path : "checkpoint"; }

/* A tensor or key name made safe for a one-line message: control bytes
 * become '?', long names are cut. */
static const char *show(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] && n + 4 < cap; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    if (s[n]) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = 0;
    return buf;
}

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, i ? ", " : "", shape[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, "]");
}

static const char *dtype_name(hue_ckpt_dtype t) { return t == HUE_CKPT_I64 ? "I64" : "F32"; }
static size_t dtype_size(hue_ckpt_dtype t) { return t == HUE_CKPT_I64 ? 8 : 4; }

/* ---- the table ---- */

int hue_checkpoint_create(hue_checkpoint **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : hue_fail(HUE_ENOMEM, "out of memory creating a checkpoint");
}

void hue_checkpoint_destroy(hue_checkpoint *ck)
{
    if (!ck)
        return;
    for (int i = 0; i < ck->count; i++) {
        free(ck->tensors[i].name);
        free(ck->tensors[i].data);
    }
    for (int i = 0; i < ck->meta_count; i++) {
        free(ck->meta[i].key);
        free(ck->meta[i].value);
    }
    free(ck->tensors);
    free(ck->meta);
    free(ck->path);
    free(ck);
}

/* Linear: checkpoints hold hundreds of tensors, and opened files are
 * checked for duplicates by the JSON parser. */
int hue_checkpoint_find(const hue_checkpoint *ck, const char *name)
{
    for (int i = 0; i < ck->count; i++)
        if (!strcmp(ck->tensors[i].name, name))
            return i;
    return -1;
}

/* Product of dims with overflow checks: elements, and bytes at elem each. */
static int shape_numel(int ndim, const int64_t *shape, size_t elem, int64_t *numel)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return HUE_EINVAL;
        if (shape[i] && n > INT64_MAX / shape[i])
            return HUE_ELIMIT;
        n *= shape[i];
    }
    if (n > INT64_MAX / (int64_t)elem || (uint64_t)n * elem > SIZE_MAX)
        return HUE_ELIMIT;
    *numel = n;
    return 0;
}

/* Appends a slot (name copied, data allocated but unset). */
static int push_tensor(hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                       const int64_t *shape, int64_t numel, ckpt_tensor **out)
{
    if (ck->count == ck->cap) {
        int nc = ck->cap ? ck->cap * 2 : 16;
        ckpt_tensor *t = realloc(ck->tensors, (size_t)nc * sizeof *t);
        if (!t)
            return hue_fail(HUE_ENOMEM, "out of memory adding tensor");
        ck->tensors = t;
        ck->cap = nc;
    }
    ckpt_tensor *t = &ck->tensors[ck->count];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    size_t bytes = (size_t)numel * dtype_size(dtype);
    t->data = malloc(bytes ? bytes : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        return hue_fail(HUE_ENOMEM, "out of memory for tensor (%zu bytes)", bytes);
    }
    t->dtype = dtype;
    t->ndim = ndim;
    if (ndim)
        memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = numel;
    ck->count++;
    *out = t;
    return 0;
}

static int add_tensor(hue_checkpoint *ck, const char *name, hue_ckpt_dtype dtype, int ndim,
                      const int64_t *shape, const void *data)
{
    char nb[96], sb[160];
    assert(ck && name && (ndim == 0 || shape));
    if (!name[0] || !hue_json_utf8_valid(name, strlen(name)) || !strcmp(name, "__metadata__"))
        return hue_fail(HUE_EINVAL, "invalid tensor name '%s' (must be non-empty UTF-8, not __metadata__)",
                        show(name, nb, sizeof nb));
    if (ndim < 0 || ndim > HUE_CKPT_MAX_DIMS)
        return hue_fail(HUE_EINVAL, "tensor '%s': %d dimensions (0 to %d allowed)",
                        show(name, nb, sizeof nb), ndim, HUE_CKPT_MAX_DIMS);
    int64_t numel;
    if (shape_numel(ndim, shape, dtype_size(dtype), &numel)) {
        format_shape(sb, sizeof sb, ndim, shape);
        return hue_fail(HUE_EINVAL, "tensor '%s': invalid shape %s", show(name, nb, sizeof nb), sb);
    }
    if (hue_checkpoint_find(ck, name) >= 0)
        return hue_fail(HUE_EINVAL, "tensor '%s' added twice", show(name, nb, sizeof nb));
    assert(numel == 0 || data);
    ckpt_tensor *t;
    int rc = push_tensor(ck, name, dtype, ndim, shape, numel, &t);
    if (rc)
        return rc;
    if (numel)
        memcpy(t->data, data, (size_t)numel * dtype_size(dtype));
    return 0;
}

int hue_checkpoint_add(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                       const float *data)
{
    return add_tensor(ck, name, HUE_CKPT_F32, ndim, shape, data);
}

int hue_checkpoint_add_i64(hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                           const int64_t *data)
{
    return add_tensor(ck, name, HUE_CKPT_I64, ndim, shape, data);
}

/* Index where key is or would be inserted in the sorted metadata. */
static int meta_slot(const hue_checkpoint *ck, const char *key, int *found)
{
    int lo = 0, hi = ck->meta_count;
    *found = 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(ck->meta[mid].key, key);
        if (!c) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int hue_checkpoint_set_meta(hue_checkpoint *ck, const char *key, const char *value)
{
    char kb[96];
    assert(ck && key && value);
    if (!hue_json_utf8_valid(key, strlen(key)) || !hue_json_utf8_valid(value, strlen(value)))
        return hue_fail(HUE_EINVAL, "metadata '%s': key and value must be UTF-8", show(key, kb, sizeof kb));
    char *v = dup_str(value);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
    int found, i = meta_slot(ck, key, &found);
    if (found) {
        free(ck->meta[i].value);
        ck->meta[i].value = v;
        return 0;
    }
    if (ck->meta_count == ck->meta_cap) {
        int nc = ck->meta_cap ? ck->meta_cap * 2 : 8;
        ckpt_meta *m = realloc(ck->meta, (size_t)nc * sizeof *m);
        if (!m) {
            free(v);
            return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
        }
        ck->meta = m;
        ck->meta_cap = nc;
    }
    char *k = dup_str(key);
    if (!k) {
        free(v);
        return hue_fail(HUE_ENOMEM, "out of memory setting metadata");
    }
    memmove(&ck->meta[i + 1], &ck->meta[i], (size_t)(ck->meta_count - i) * sizeof *ck->meta);
    ck->meta[i] = (ckpt_meta){k, v};
    ck->meta_count++;
    return 0;
}

int hue_checkpoint_count(const hue_checkpoint *ck) { return ck->count; }

const char *hue_checkpoint_name(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].name;
}

hue_ckpt_dtype hue_checkpoint_dtype(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype;
}

int hue_checkpoint_shape(const hue_checkpoint *ck, int i, int64_t *shape)
{
    assert(i >= 0 && i < ck->count);
    const ckpt_tensor *t = &ck->tensors[i];
    if (shape && t->ndim)
        memcpy(shape, t->shape, (size_t)t->ndim * sizeof *shape);
    return t->ndim;
}

int64_t hue_checkpoint_numel(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].numel;
}

const float *hue_checkpoint_data(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype == HUE_CKPT_F32 ? ck->tensors[i].data : NULL;
}

const int64_t *hue_checkpoint_data_i64(const hue_checkpoint *ck, int i)
{
    assert(i >= 0 && i < ck->count);
    return ck->tensors[i].dtype == HUE_CKPT_I64 ? ck->tensors[i].data : NULL;
}

int hue_checkpoint_read(const hue_checkpoint *ck, const char *name, int ndim, const int64_t *shape,
                        float *dst)
{
    char nb[96], want[160], have[160];
    int i = hue_checkpoint_find(ck, name);
    if (i < 0)
        return hue_fail(HUE_EFORMAT, "%s: no tensor '%s'", where(ck), show(name, nb, sizeof nb));
    const ckpt_tensor *t = &ck->tensors[i];
    if (t->dtype != HUE_CKPT_F32)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' is %s, expected F32", where(ck),
                        show(name, nb, sizeof nb), dtype_name(t->dtype));
    int same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        format_shape(want, sizeof want, ndim, shape);
        format_shape(have, sizeof have, t->ndim, t->shape);
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' has shape %s, expected %s", where(ck),
                        show(name, nb, sizeof nb), have, want);
    }
    if (t->numel)
        memcpy(dst, t->data, (size_t)t->numel * sizeof(float));
    return 0;
}

const char *hue_checkpoint_meta(const hue_checkpoint *ck, const char *key)
{
    int found, i = meta_slot(ck, key, &found);
    return found ? ck->meta[i].value : NULL;
}

int hue_checkpoint_meta_count(const hue_checkpoint *ck) { return ck->meta_count; }

const char *hue_checkpoint_meta_key(const hue_checkpoint *ck, int i)
{
    return i >= 0 && i < ck->meta_count ? ck->meta[i].key : NULL;
}

const char *hue_checkpoint_meta_value(const hue_checkpoint *ck, int i)
{
    return i >= 0 && i < ck->meta_count ? ck->meta[i].value : NULL;
}

/* ---- writing ---- */

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
        sb_str(b, dtype_name(t->dtype));
        sb_str(b, "\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", t->shape[d]);
            sb_str(b, num);
        }
        uint64_t end = offset + (uint64_t)t->numel * dtype_size(t->dtype);
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
    if (host_little_endian())
        return fwrite(data, elem, n, f) == n ? 0 : -1;
    unsigned char buf[4096];
    size_t per = sizeof buf / elem;
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        copy_le(buf, (const unsigned char *)data + i * elem, elem, k);
        if (fwrite(buf, elem, k, f) != k)
            return -1;
    }
    return 0;
}

static int write_all(const hue_checkpoint *ck, const int *order, const strbuf *hdr, FILE *f)
{
    unsigned char len8[8];
    uint64_t n = hdr->len;
    copy_le(len8, &n, 8, 1);
    if (fwrite(len8, 1, 8, f) != 8 || fwrite(hdr->s, 1, hdr->len, f) != hdr->len)
        return -1;
    for (int k = 0; k < ck->count; k++) {
        const ckpt_tensor *t = &ck->tensors[order[k]];
        if (write_le(f, t->data, dtype_size(t->dtype), (size_t)t->numel))
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
        snprintf(tmp, strlen(path) + 64, "%.*s.%s.tmp-%ld-%u", (int)(base - path), path, base, (long)getpid(),
                atomic_fetch_add(&counter, 1));
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

/* ---- reading ---- */

/* Safetensors dtypes: the ones read (converted to F32 where needed), and the
 * rest, known but refused as unsupported rather than as malformed. */
typedef enum { SRC_F32, SRC_I64, SRC_F64, SRC_F16, SRC_BF16, SRC_OTHER } src_dtype;

static const struct {
    const char *name;
    src_dtype src;
    size_t size;
} dtypes[] = {
    {"F32", SRC_F32, 4},     {"I64", SRC_I64, 8},     {"F64", SRC_F64, 8},
    {"F16", SRC_F16, 2},     {"BF16", SRC_BF16, 2},   {"BOOL", SRC_OTHER, 1},
    {"U8", SRC_OTHER, 1},    {"I8", SRC_OTHER, 1},    {"U16", SRC_OTHER, 2},
    {"I16", SRC_OTHER, 2},   {"U32", SRC_OTHER, 4},   {"I32", SRC_OTHER, 4},
    {"U64", SRC_OTHER, 8},   {"F8_E4M3", SRC_OTHER, 1}, {"F8_E5M2", SRC_OTHER, 1},
    {"F8_E8M0", SRC_OTHER, 1}, {"C64", SRC_OTHER, 8},
};

typedef struct {
    const char *name; /* points into the JSON tree */
    src_dtype src;
    size_t src_size;
    int ndim;
    int64_t shape[HUE_CKPT_MAX_DIMS];
    int64_t numel;
    int64_t begin, end;
} entry;

static int by_offset(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf, nan */
    } else if (exp) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man) {
        /* Subnormal half: normalize into a float exponent. */
        int e = -1;
        do {
            man <<= 1, e++;
        } while (!(man & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Converts n little-endian source elements to host F32 (or I64 unchanged). */
static void convert(const entry *e, const unsigned char *src, void *dst)
{
    size_t n = (size_t)e->numel;
    float *out = dst;
    switch (e->src) {
    case SRC_F32: copy_le(dst, src, 4, n); break;
    case SRC_I64: copy_le(dst, src, 8, n); break;
    case SRC_F64:
        for (size_t i = 0; i < n; i++) {
            double d;
            copy_le(&d, src + 8 * i, 8, 1);
            out[i] = (float)d;
        }
        break;
    case SRC_F16:
        for (size_t i = 0; i < n; i++)
            out[i] = half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
        break;
    case SRC_BF16:
        for (size_t i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16;
            memcpy(&out[i], &bits, 4);
        }
        break;
    case SRC_OTHER: assert(0); break;
    }
}

/* A non-negative integer field, or a message. */
static int get_uint(const char *path, const char *name, const char *field, const hue_json *v,
                    int64_t *out)
{
    char nb[96];
    int rc = hue_json_int64(v, out);
    if (rc == HUE_ELIMIT || (!rc && *out < 0))
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': %s holds a %s", path, show(name, nb, sizeof nb),
                        field, rc ? "value too large" : "negative value");
    if (rc)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': %s holds a %s, expected an integer", path,
                        show(name, nb, sizeof nb), field,
                        hue_json_type_of(v) == HUE_JSON_NUMBER ? "non-integer number"
                                                               : hue_json_type_name(hue_json_type_of(v)));
    return 0;
}

/* Checks one tensor's header entry against the data section size. */
static int parse_entry(const char *path, const char *name, const hue_json *v, uint64_t data_size,
                       entry *e)
{
    char nb[96], sb[160];
    show(name, nb, sizeof nb);
    if (hue_json_type_of(v) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' is a JSON %s, expected an object", path, nb,
                        hue_json_type_name(hue_json_type_of(v)));
    const hue_json *dt = hue_json_get(v, "dtype"), *sh = hue_json_get(v, "shape"),
                   *off = hue_json_get(v, "data_offsets");
    if (!dt || !sh || !off)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s' has no \"%s\" field", path, nb,
                        !dt ? "dtype" : !sh ? "shape" : "data_offsets");
    const char *dts = hue_json_string(dt, NULL);
    if (!dts)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': dtype is a JSON %s, expected a string", path, nb,
                        hue_json_type_name(hue_json_type_of(dt)));
    size_t k = 0, nd = sizeof dtypes / sizeof dtypes[0];
    while (k < nd && strcmp(dtypes[k].name, dts))
        k++;
    if (k == nd)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': unknown dtype '%s'", path, nb, show(dts, sb, 32));
    if (dtypes[k].src == SRC_OTHER)
        return hue_fail(HUE_ENOTSUP, "%s: tensor '%s': dtype %s not supported (F32, F64, F16, BF16, I64 are)",
                        path, nb, dtypes[k].name);
    e->name = name;
    e->src = dtypes[k].src;
    e->src_size = dtypes[k].size;

    if (hue_json_type_of(sh) != HUE_JSON_ARRAY)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': shape is a JSON %s, expected an array", path, nb,
                        hue_json_type_name(hue_json_type_of(sh)));
    if (hue_json_count(sh) > HUE_CKPT_MAX_DIMS)
        return hue_fail(HUE_ENOTSUP, "%s: tensor '%s': %zu dimensions, at most %d supported", path, nb,
                        hue_json_count(sh), HUE_CKPT_MAX_DIMS);
    e->ndim = (int)hue_json_count(sh);
    for (int d = 0; d < e->ndim; d++) {
        int rc = get_uint(path, name, "shape", hue_json_at(sh, (size_t)d), &e->shape[d]);
        if (rc)
            return rc;
    }
    format_shape(sb, sizeof sb, e->ndim, e->shape);
    if (shape_numel(e->ndim, e->shape, e->src_size, &e->numel))
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': shape %s overflows", path, nb, sb);

    if (hue_json_type_of(off) != HUE_JSON_ARRAY || hue_json_count(off) != 2)
        return hue_fail(HUE_EFORMAT, "%s: tensor '%s': data_offsets must be an array of 2 integers", path, nb);
    int rc = get_uint(path, name, "data_offsets", hue_json_at(off, 0), &e->begin);
    if (!rc)
        rc = get_uint(path, name, "data_offsets", hue_json_at(off, 1), &e->end);
    if (rc)
        return rc;
    if (e->begin > e->end || (uint64_t)e->end > data_size)
        return hue_fail(HUE_EFORMAT,
                        "%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64
                        "] outside the data section (%" PRIu64 " bytes)",
                        path, nb, e->begin, e->end, data_size);
    uint64_t need = (uint64_t)e->numel * e->src_size;
    if ((uint64_t)(e->end - e->begin) != need)
        return hue_fail(HUE_EFORMAT,
                        "%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64 "] span %" PRId64
                        " bytes, but %s %s needs %" PRIu64,
                        path, nb, e->begin, e->end, e->end - e->begin, dtypes[k].name, sb, need);
    return 0;
}

static int parse_metadata(hue_checkpoint *ck, const char *path, const hue_json *m)
{
    char kb[96];
    if (hue_json_type_of(m) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: __metadata__ is a JSON %s, expected an object", path,
                        hue_json_type_name(hue_json_type_of(m)));
    for (size_t i = 0; i < hue_json_count(m); i++) {
        size_t klen, vlen;
        const char *key = hue_json_key(m, i, &klen);
        const char *val = hue_json_string(hue_json_at(m, i), &vlen);
        if (!val)
            return hue_fail(HUE_EFORMAT, "%s: __metadata__ '%s' is a JSON %s, expected a string", path,
                            show(key, kb, sizeof kb), hue_json_type_name(hue_json_type_of(hue_json_at(m, i))));
        if (klen != strlen(key) || vlen != strlen(val))
            return hue_fail(HUE_EFORMAT, "%s: __metadata__ '%s' contains a NUL character", path,
                            show(key, kb, sizeof kb));
        int rc = hue_checkpoint_set_meta(ck, key, val);
        if (rc)
            return rc;
    }
    return 0;
}

/* Validates the parsed header, then reads every tensor's bytes. */
static int load(hue_checkpoint *ck, const char *path, FILE *f, const hue_json *root, uint64_t data_size)
{
    char nb[96], nb2[96];
    if (hue_json_type_of(root) != HUE_JSON_OBJECT)
        return hue_fail(HUE_EFORMAT, "%s: header is a JSON %s, expected an object", path,
                        hue_json_type_name(hue_json_type_of(root)));
    size_t n = hue_json_count(root);
    entry *es = calloc(n ? n : 1, sizeof *es);
    if (!es)
        return hue_fail(HUE_ENOMEM, "%s: out of memory reading header", path);
    size_t ne = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t klen;
        const char *key = hue_json_key(root, i, &klen);
        if (!strcmp(key, "__metadata__"))
            rc = parse_metadata(ck, path, hue_json_at(root, i));
        else if (!klen || klen != strlen(key))
            rc = hue_fail(HUE_EFORMAT, "%s: tensor name '%s' is empty or contains a NUL character", path,
                          show(key, nb, sizeof nb));
        else
            rc = parse_entry(path, key, hue_json_at(root, i), data_size, &es[ne++]);
    }
    /* The data must be covered exactly, without overlaps or holes, as the
     * safetensors library requires: no hidden bytes in a valid file. */
    if (!rc)
        qsort(es, ne, sizeof *es, by_offset);
    int64_t at = 0;
    for (size_t i = 0; i < ne && !rc; i++) {
        if (es[i].begin < at)
            rc = hue_fail(HUE_EFORMAT, "%s: tensor '%s' overlaps tensor '%s'", path,
                          show(es[i].name, nb, sizeof nb), show(es[i - 1].name, nb2, sizeof nb2));
        else if (es[i].begin > at)
            rc = hue_fail(HUE_EFORMAT, "%s: %" PRId64 " bytes before tensor '%s' belong to no tensor", path,
                          es[i].begin - at, show(es[i].name, nb, sizeof nb));
        at = es[i].end;
    }
    if (!rc && (uint64_t)at != data_size)
        rc = hue_fail(HUE_EFORMAT, "%s: %" PRIu64 " bytes after the last tensor belong to no tensor", path,
                      data_size - (uint64_t)at);

    /* Offsets are now known to lie inside the file and to be contiguous, so
     * every allocation below is bounded by the file's size. */
    unsigned char *scratch = NULL;
    size_t scratch_cap = 0;
    for (size_t i = 0; i < ne && !rc; i++) {
        const entry *e = &es[i];
        hue_ckpt_dtype dtype = e->src == SRC_I64 ? HUE_CKPT_I64 : HUE_CKPT_F32;
        size_t bytes = (size_t)(e->end - e->begin);
        ckpt_tensor *t;
        rc = push_tensor(ck, e->name, dtype, e->ndim, e->shape, e->numel, &t);
        if (rc)
            break;
        /* Same-size host-order data is read in place; the rest through scratch. */
        int direct = host_little_endian() && (e->src == SRC_F32 || e->src == SRC_I64);
        unsigned char *buf = direct ? t->data : scratch;
        if (!direct && bytes > scratch_cap) {
            free(scratch);
            scratch = buf = malloc(bytes);
            scratch_cap = buf ? bytes : 0;
            if (!buf) {
                rc = hue_fail(HUE_ENOMEM, "%s: out of memory reading tensor '%s'", path,
                              show(e->name, nb, sizeof nb));
                break;
            }
        }
        if (bytes && fread(buf, 1, bytes, f) != bytes) {
            rc = hue_fail(HUE_EIO, "%s: file ended or failed while reading tensor '%s'", path,
                          show(e->name, nb, sizeof nb));
            break;
        }
        if (!direct)
            convert(e, buf, t->data);
    }
    free(scratch);
    free(es);
    return rc;
}

int hue_checkpoint_open(const char *path, hue_checkpoint **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hue_fail(HUE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return hue_fail(HUE_EIO, "%s: not a regular file", path);
    }
    uint64_t size = (uint64_t)st.st_size, hlen;
    unsigned char len8[8];
    if (size < 8 || fread(len8, 1, 8, f) != 8) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: %" PRIu64 " bytes, too short for a safetensors header", path, size);
    }
    copy_le(&hlen, len8, 8, 1);
    if (hlen > HUE_CKPT_MAX_HEADER) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: header length %" PRIu64 " exceeds the %u-byte limit", path, hlen,
                        HUE_CKPT_MAX_HEADER);
    }
    if (hlen > size - 8) {
        fclose(f);
        return hue_fail(HUE_EFORMAT, "%s: header length %" PRIu64 " is larger than the file (%" PRIu64 " bytes)",
                        path, hlen, size);
    }
    char *text = malloc(hlen ? hlen : 1);
    hue_checkpoint *ck = calloc(1, sizeof *ck);
    if (ck)
        ck->path = dup_str(path);
    if (!text || !ck || !ck->path) {
        free(text);
        hue_checkpoint_destroy(ck);
        fclose(f);
        return hue_fail(HUE_ENOMEM, "%s: out of memory reading header", path);
    }
    int rc = 0;
    hue_json *root = NULL;
    if (fread(text, 1, hlen, f) != hlen) {
        rc = hue_fail(HUE_EIO, "%s: file ended or failed while reading the header", path);
    } else if ((rc = hue_json_parse(text, hlen, &root))) {
        char why[512];
        snprintf(why, sizeof why, "%s", hue_error_message());
        rc = hue_fail(rc, "%s: header is not valid JSON: %s", path, why);
    } else {
        rc = load(ck, path, f, root, size - 8 - hlen);
    }
    hue_json_destroy(root);
    free(text);
    fclose(f);
    if (rc) {
        hue_checkpoint_destroy(ck);
        return rc;
    }
    *out = ck;
    return 0;
}
