/* Greedy maximal-Hamming permutation sets (jigsaw_permutations.h). */
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"
#include "hue_rng.h"
#include "jigsaw_permutations.h"

#define ALL 362880 /* 9! */

/* Every permutation of 0..8 in lexicographic order, 9 bytes each. */
static void enumerate(uint8_t *all)
{
    uint8_t p[JIGSAW_TILES];
    for (int i = 0; i < JIGSAW_TILES; i++)
        p[i] = (uint8_t)i;
    for (int n = 0; n < ALL; n++) {
        memcpy(all + (size_t)n * JIGSAW_TILES, p, JIGSAW_TILES);
        /* next permutation */
        int i = JIGSAW_TILES - 2;
        while (i >= 0 && p[i] > p[i + 1])
            i--;
        if (i < 0)
            break;
        int j = JIGSAW_TILES - 1;
        while (p[j] < p[i])
            j--;
        uint8_t t = p[i];
        p[i] = p[j], p[j] = t;
        for (int a = i + 1, b = JIGSAW_TILES - 1; a < b; a++, b--)
            t = p[a], p[a] = p[b], p[b] = t;
    }
}

static int hamming(const uint8_t *a, const uint8_t *b)
{
    int d = 0;
    for (int i = 0; i < JIGSAW_TILES; i++)
        d += a[i] != b[i];
    return d;
}

int jigsaw_permutations(int count, uint64_t seed, uint8_t *perms, int *min_distance)
{
    if (count < 2 || count > JIGSAW_MAX_PERMUTATIONS)
        return hue_fail(HUE_EINVAL, "--permutations %d: must be 2 to %d", count, JIGSAW_MAX_PERMUTATIONS);
    uint8_t *all = malloc((size_t)ALL * JIGSAW_TILES), *nearest = malloc(ALL);
    if (!all || !nearest) {
        free(all), free(nearest);
        return hue_fail(HUE_ENOMEM, "out of host memory");
    }
    enumerate(all);
    memset(nearest, JIGSAW_TILES + 1, ALL);
    hue_rng r;
    hue_rng_seed(&r, seed ^ 0x6a165a3ull);
    int64_t pick = (int64_t)hue_rng_below(&r, ALL), smallest = JIGSAW_TILES;
    for (int k = 0; k < count; k++) {
        const uint8_t *chosen = all + (size_t)pick * JIGSAW_TILES;
        memcpy(perms + (size_t)k * JIGSAW_TILES, chosen, JIGSAW_TILES);
        if (k > 0 && nearest[pick] < smallest)
            smallest = nearest[pick];
        int64_t best = -1;
        for (int64_t n = 0; n < ALL; n++) {
            int d = hamming(all + (size_t)n * JIGSAW_TILES, chosen);
            if (d < nearest[n])
                nearest[n] = (uint8_t)d;
            if (best < 0 || nearest[n] > nearest[best])
                best = n;
        }
        pick = best;
    }
    free(all), free(nearest);
    if (min_distance)
        *min_distance = (int)smallest;
    return 0;
}
