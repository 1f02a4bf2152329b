/* The image-folder dataset: class folders and image files, listed and
 * sorted once at open; nothing is decoded here. */
#include "hue_dataset.h"
#include "hue_error.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct hue_dataset {
    char *root;
    int classes;
    char **class_names;
    int64_t *class_start; /* first image of each class; [classes] = size */
    int64_t size;
    char *paths;          /* every image's full path, NUL-separated */
    int64_t *path_at;     /* offset of image i's path in paths */
    int32_t *labels;
};

/* A growable list of names. */
typedef struct {
    char **v;
    size_t n, cap;
} name_list;

static int list_add(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v, l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (name_list){0};
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void warn(hue_warn_fn fn, void *user, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn(hue_warn_fn fn, void *user, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (fn)
        fn(user, msg);
    else
        fprintf(stderr, "hue: warning: %s\n", msg);
}

static int is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot &&
           (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png"));
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Lists dir's image files (regular files and links: a link that leads
 * nowhere is kept, to be reported when it fails to decode) and counts its
 * subfolders. */
static int list_images(const char *dir, name_list *out, int *subdirs)
{
    DIR *d = opendir(dir);
    if (!d)
        return hue_fail(HUE_EIO, "%s: cannot read the folder (%s)", dir, strerror(errno));
    struct dirent *e;
    char path[4200];
    int r = 0;
    *subdirs = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN || (type == DT_LNK && !is_image_name(e->d_name))) {
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
                r = hue_fail(HUE_EINVAL, "%s/%s: path too long", dir, e->d_name);
                break;
            }
            type = is_dir(path) ? DT_DIR : DT_REG;
        }
        if (type == DT_DIR) {
            ++*subdirs;
        } else if ((type == DT_REG || type == DT_LNK) && is_image_name(e->d_name) && list_add(out, e->d_name) < 0) {
            r = hue_fail(HUE_ENOMEM, "%s: out of memory listing the folder", dir);
            break;
        }
    }
    closedir(d);
    if (r == 0 && out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_name);
    return r;
}

void hue_dataset_close(hue_dataset *ds)
{
    if (!ds)
        return;
    for (int c = 0; c < ds->classes; c++)
        free(ds->class_names[c]);
    free(ds->class_names);
    free(ds->class_start);
    free(ds->paths);
    free(ds->path_at);
    free(ds->labels);
    free(ds->root);
    free(ds);
}

/* Appends one path to the arena. */
static int add_path(hue_dataset *ds, size_t *used, size_t *cap, const char *cls, const char *file)
{
    size_t need = strlen(ds->root) + strlen(cls) + strlen(file) + 3;
    if (*used + need > *cap) {
        size_t c = *cap ? *cap * 2 : 1 << 16;
        while (c < *used + need)
            c *= 2;
        char *p = realloc(ds->paths, c);
        if (!p)
            return -1;
        ds->paths = p, *cap = c;
    }
    snprintf(ds->paths + *used, need, "%s/%s/%s", ds->root, cls, file);
    ds->path_at[ds->size] = (int64_t)*used;
    *used += need;
    return 0;
}

static int fill(hue_dataset *ds, const name_list *classes, hue_warn_fn wfn, void *wuser)
{
    char dir[4200];
    name_list *files = calloc(classes->n ? classes->n : 1, sizeof *files);
    int *keep = calloc(classes->n ? classes->n : 1, sizeof *keep);
    int r = 0, subdirs_total = 0;
    int64_t total = 0;
    if (!files || !keep) {
        r = hue_fail(HUE_ENOMEM, "%s: out of memory", ds->root);
        goto done;
    }
    for (size_t c = 0; c < classes->n && r == 0; c++) {
        int subdirs = 0;
        if (snprintf(dir, sizeof dir, "%s/%s", ds->root, classes->v[c]) >= (int)sizeof dir)
            r = hue_fail(HUE_EINVAL, "%s/%s: path too long", ds->root, classes->v[c]);
        else
            r = list_images(dir, &files[c], &subdirs);
        if (r < 0)
            break;
        subdirs_total += subdirs;
        total += (int64_t)files[c].n;
    }
    if (r < 0)
        goto done;
    if (total == 0) {
        r = hue_fail(HUE_EFORMAT, "%s: no images (.jpg, .jpeg, .png) in any of its %zu class folders%s", ds->root,
                     classes->n,
                     subdirs_total ? "; they hold folders: is this a dataset with splits? open a split such as "
                                     "ROOT/train or ROOT/test"
                                   : "");
        goto done;
    }
    for (size_t c = 0; c < classes->n; c++) {
        keep[c] = files[c].n > 0;
        if (!keep[c])
            warn(wfn, wuser, "%s/%s: class folder has no images (.jpg, .jpeg, .png); class skipped", ds->root,
                 classes->v[c]);
        else
            ds->classes++;
    }
    ds->class_names = calloc((size_t)ds->classes, sizeof *ds->class_names);
    ds->class_start = calloc((size_t)ds->classes + 1, sizeof *ds->class_start);
    ds->path_at = malloc((size_t)total * sizeof *ds->path_at);
    ds->labels = malloc((size_t)total * sizeof *ds->labels);
    if (!ds->class_names || !ds->class_start || !ds->path_at || !ds->labels) {
        ds->classes = 0;
        r = hue_fail(HUE_ENOMEM, "%s: out of memory", ds->root);
        goto done;
    }
    size_t used = 0, cap = 0;
    int label = 0;
    for (size_t c = 0; c < classes->n; c++) {
        if (!keep[c])
            continue;
        ds->class_names[label] = classes->v[c];
        classes->v[c] = NULL; /* moved */
        ds->class_start[label] = ds->size;
        for (size_t i = 0; i < files[c].n; i++) {
            if (add_path(ds, &used, &cap, ds->class_names[label], files[c].v[i]) < 0) {
                r = hue_fail(HUE_ENOMEM, "%s: out of memory", ds->root);
                goto done;
            }
            ds->labels[ds->size++] = label;
        }
        label++;
    }
    ds->class_start[label] = ds->size;
done:
    for (size_t c = 0; files && c < classes->n; c++)
        list_free(&files[c]);
    free(files);
    free(keep);
    return r;
}

int hue_dataset_open(hue_dataset **out, const char *root, hue_warn_fn warn_fn, void *warn_user)
{
    *out = NULL;
    struct stat st;
    if (stat(root, &st) != 0)
        return hue_fail(HUE_EIO, "%s: no such folder (%s)", root, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return hue_fail(HUE_EINVAL, "%s: not a folder (a dataset is a folder of class folders)", root);
    hue_dataset *ds = calloc(1, sizeof *ds);
    if (!ds || !(ds->root = strdup(root))) {
        free(ds);
        return hue_fail(HUE_ENOMEM, "%s: out of memory", root);
    }
    /* "data/" and "data" name the same images. */
    for (size_t n = strlen(ds->root); n > 1 && ds->root[n - 1] == '/'; n--)
        ds->root[n - 1] = 0;
    name_list classes = {0}, loose = {0};
    int r = 0;
    DIR *d = opendir(ds->root);
    if (!d) {
        r = hue_fail(HUE_EIO, "%s: cannot read the folder (%s)", root, strerror(errno));
    } else {
        char path[4200];
        struct dirent *e;
        while ((e = readdir(d)) && r == 0) {
            if (e->d_name[0] == '.')
                continue;
            if (snprintf(path, sizeof path, "%s/%s", ds->root, e->d_name) >= (int)sizeof path)
                r = hue_fail(HUE_EINVAL, "%s/%s: path too long", ds->root, e->d_name);
            else if (is_dir(path) ? list_add(&classes, e->d_name) < 0
                             : is_image_name(e->d_name) && list_add(&loose, e->d_name) < 0)
                r = hue_fail(HUE_ENOMEM, "%s: out of memory listing the folder", root);
        }
        closedir(d);
    }
    if (r == 0 && classes.n == 0) {
        if (loose.n)
            r = hue_fail(HUE_EFORMAT,
                         "%s: no class folders (%zu images lie directly in it; a dataset keeps them in "
                         "ROOT/<class>/)",
                         root, loose.n);
        else
            r = hue_fail(HUE_EFORMAT, "%s: no class folders and no images (a dataset is ROOT/<class>/*.jpg|png)",
                         root);
    }
    if (r == 0) {
        qsort(classes.v, classes.n, sizeof *classes.v, cmp_name);
        r = fill(ds, &classes, warn_fn, warn_user);
    }
    list_free(&classes);
    list_free(&loose);
    if (r < 0) {
        hue_dataset_close(ds);
        return r;
    }
    *out = ds;
    return 0;
}

int64_t hue_dataset_size(const hue_dataset *ds) { return ds->size; }
int hue_dataset_num_classes(const hue_dataset *ds) { return ds->classes; }
const char *hue_dataset_root(const hue_dataset *ds) { return ds->root; }

const char *hue_dataset_class_name(const hue_dataset *ds, int label)
{
    return label >= 0 && label < ds->classes ? ds->class_names[label] : NULL;
}

int64_t hue_dataset_class_size(const hue_dataset *ds, int label)
{
    return label >= 0 && label < ds->classes ? ds->class_start[label + 1] - ds->class_start[label] : 0;
}

const char *hue_dataset_path(const hue_dataset *ds, int64_t i)
{
    return i >= 0 && i < ds->size ? ds->paths + ds->path_at[i] : NULL;
}

int hue_dataset_label(const hue_dataset *ds, int64_t i) { return i >= 0 && i < ds->size ? ds->labels[i] : -1; }

int hue_dataset_check_classes(const hue_dataset *a, const hue_dataset *b)
{
    for (int c = 0; c < a->classes || c < b->classes; c++) {
        if (c >= a->classes)
            return hue_fail(HUE_EINVAL, "%s has class '%s' (label %d) that %s lacks", b->root, b->class_names[c], c,
                            a->root);
        if (c >= b->classes)
            return hue_fail(HUE_EINVAL, "%s has class '%s' (label %d) that %s lacks", a->root, a->class_names[c], c,
                            b->root);
        if (strcmp(a->class_names[c], b->class_names[c]))
            return hue_fail(HUE_EINVAL, "label %d is class '%s' in %s but '%s' in %s", c, a->class_names[c], a->root,
                            b->class_names[c], b->root);
    }
    return 0;
}

int hue_dataset_has_split(const char *root, const char *split)
{
    char path[4200];
    if (snprintf(path, sizeof path, "%s/%s", root, split) >= (int)sizeof path)
        return 0;
    return is_dir(path);
}
