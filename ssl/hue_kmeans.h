/* k-means on 2-D points (ab colour values): k-means++ initialisation from a
 * seeded generator, then Lloyd iterations until no point changes cluster
 * (or max_iter). The same points and seed always give the same centres. */
#ifndef HUE_KMEANS_H
#define HUE_KMEANS_H
#include <stdint.h>

/* points [n][2]; centres [k][2] out. 0, or HUE_EINVAL when n < k. */
int hue_kmeans2(const float *points, int64_t n, int k, uint64_t seed, int max_iter, float *centres);
/* Index of the centre nearest to (a, b). */
int hue_kmeans_nearest(const float *centres, int k, float a, float b);

#endif
