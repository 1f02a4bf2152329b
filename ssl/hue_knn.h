/* The weighted k-nearest-neighbour classifier of InstDisc (Wu et al. 2018)
 * and of MoCo's CIFAR kNN monitor: on L2-normalised features, each test
 * image's k most similar training images (cosine similarity; equal
 * similarities: the earlier training image first) vote for their class
 * with weight exp(similarity / T); the predicted class is the one with the
 * largest summed weight (the lowest class index on a tie). Top-5: the
 * label is among the 5 classes of largest weight (ties again by class
 * index; with fewer than 5 classes it always is).
 *
 * Threaded C on the host: similarities in register tiles of 8 test x 8
 * training images (AVX2 where the CPU has it), the k best of each test
 * image in a heap. */
#ifndef HUE_KNN_H
#define HUE_KNN_H
#include <stdint.h>

typedef struct {
    int k;               /* neighbours: 1 .. training images (default 200) */
    float temperature;   /* > 0 (default 0.1) */
    int threads;         /* 1 .. 256 (default 2) */
} hue_knn_options;

hue_knn_options hue_knn_defaults(void);

typedef struct {
    double top1, top5;   /* fractions of the test images */
    int64_t n;           /* test images */
} hue_knn_result;

/* train [n_train, dim] and test [n_test, dim]: rows L2-normalised (not
 * checked); labels in [0, num_classes). pred (may be NULL) gets each test
 * image's predicted class. Bad sizes or options are HUE_EINVAL naming
 * them. */
int hue_knn_classify(const float *train, const int32_t *train_labels, int64_t n_train, const float *test,
                     const int32_t *test_labels, int64_t n_test, int dim, int num_classes, const hue_knn_options *o,
                     int32_t *pred, hue_knn_result *r);

#endif
