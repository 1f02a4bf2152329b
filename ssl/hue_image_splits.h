/* Image folders as the pretraining methods read them: a dataset with
 * train/ and test/ splits, or one folder of class folders. */
#ifndef HUE_IMAGE_SPLITS_H
#define HUE_IMAGE_SPLITS_H
#include "hue_dataset.h"

/* root/train (and root/test, when present, with the same classes), or root
 * alone; a class folder without images is an error (its class would
 * silently lose its label). *test is NULL without a test split. */
int hue_image_splits_open(const char *root, hue_dataset **train, hue_dataset **test);

#endif
