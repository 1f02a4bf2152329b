#include "hue_kmeans.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_rng.h"

static double dist2(const float *p, const float *c)
{
    double da = (double)p[0] - c[0], db = (double)p[1] - c[1];
    return da * da + db * db;
}

int hue_kmeans_nearest(const float *centres, int k, float a, float b)
{
    float p[2] = {a, b};
    int best = 0;
    double bd = DBL_MAX;
    for (int j = 0; j < k; j++) {
        double d = dist2(p, centres + 2 * j);
        if (d < bd)
            bd = d, best = j;
    }
    return best;
}

int hue_kmeans2(const float *points, int64_t n, int k, uint64_t seed, int max_iter, float *centres)
{
    if (k < 1 || n < k)
        return hue_fail(HUE_EINVAL, "k-means: %lld points cannot make %d clusters", (long long)n, k);
    hue_rng rng;
    hue_rng_seed(&rng, seed);
    double *d = malloc(sizeof *d * (size_t)n);
    int *assign = malloc(sizeof *assign * (size_t)n);
    double *sum = malloc(sizeof *sum * 3 * (size_t)k);
    if (!d || !assign || !sum) {
        free(d), free(assign), free(sum);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    /* k-means++: each next centre drawn with probability proportional to the
     * squared distance to the nearest centre so far */
    int64_t first = (int64_t)hue_rng_below(&rng, (uint64_t)n);
    memcpy(centres, points + 2 * first, 2 * sizeof *centres);
    for (int64_t i = 0; i < n; i++)
        d[i] = dist2(points + 2 * i, centres);
    for (int j = 1; j < k; j++) {
        double total = 0;
        for (int64_t i = 0; i < n; i++)
            total += d[i];
        double r = hue_rng_uniform(&rng) * total, acc = 0;
        int64_t pick = n - 1;
        for (int64_t i = 0; i < n; i++) {
            acc += d[i];
            if (acc > r) {
                pick = i;
                break;
            }
        }
        memcpy(centres + 2 * j, points + 2 * pick, 2 * sizeof *centres);
        for (int64_t i = 0; i < n; i++) {
            double dd = dist2(points + 2 * i, centres + 2 * j);
            if (dd < d[i])
                d[i] = dd;
        }
    }
    for (int64_t i = 0; i < n; i++)
        assign[i] = -1;
    for (int it = 0; it < max_iter; it++) {
        int changed = 0;
        for (int64_t i = 0; i < n; i++) {
            int c = hue_kmeans_nearest(centres, k, points[2 * i], points[2 * i + 1]);
            changed += c != assign[i];
            assign[i] = c;
        }
        if (!changed)
            break;
        memset(sum, 0, sizeof *sum * 3 * (size_t)k);
        for (int64_t i = 0; i < n; i++) {
            sum[3 * assign[i]] += points[2 * i];
            sum[3 * assign[i] + 1] += points[2 * i + 1];
            sum[3 * assign[i] + 2] += 1;
        }
        for (int j = 0; j < k; j++)
            if (sum[3 * j + 2] > 0) {  /* an empty cluster keeps its centre */
                centres[2 * j] = (float)(sum[3 * j] / sum[3 * j + 2]);
                centres[2 * j + 1] = (float)(sum[3 * j + 1] / sum[3 * j + 2]);
            }
    }
    free(d), free(assign), free(sum);
    return 0;
}
