/* Opening an image folder's splits for training. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hue_error.h"
#include "hue_image_splits.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The only warning hue_dataset_open gives: a class folder with no images.
 * Training refuses it (issue 4): the class would silently lose its label. */
static void note_empty_class(void *user, const char *message)
{
    char *first = user;
    if (!first[0]) {
        snprintf(first, 1024, "%s", message);
        char *cut = strstr(first, "; class skipped");
        if (cut)
            *cut = 0;
    }
}

static int open_checked(hue_dataset **ds, const char *path)
{
    char empty[1024] = "";
    int rc = hue_dataset_open(ds, path, note_empty_class, empty);
    if (!rc && empty[0]) {
        hue_dataset_close(*ds);
        *ds = NULL;
        rc = hue_fail(HUE_EFORMAT, "%s (every class folder needs images)", empty);
    }
    return rc;
}

/* root/train and root/test when root has them, else root alone. */
int hue_image_splits_open(const char *root, hue_dataset **train, hue_dataset **test)
{
    char path[4096];
    *train = *test = NULL;
    if (!is_dir(root))
        return hue_fail(HUE_EIO, "%s: no such folder", root);
    snprintf(path, sizeof path, "%s/train", root);
    int split = is_dir(path);
    int rc = open_checked(train, split ? path : root);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/test", root);
    if (split && is_dir(path)) {
        if ((rc = open_checked(test, path)) || (rc = hue_dataset_check_classes(*train, *test))) {
            hue_dataset_close(*train);
            hue_dataset_close(*test);
            *train = *test = NULL;
        }
    }
    return rc;
}

