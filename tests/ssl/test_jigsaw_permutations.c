/* The jigsaw permutation set: every entry a permutation of 0..8, all
 * distinct, the reported smallest Hamming distance equal to the one
 * measured pair by pair and as large as the greedy choice gives (at least
 * 6 for 100 permutations), the same set for the same seed, another first
 * permutation for another seed, and bad counts refused. */
#include <string.h>

#include "hue_error.h"
#include "jigsaw_permutations.h"
#include "test_util.h"

static int distance(const uint8_t *a, const uint8_t *b)
{
    int d = 0;
    for (int i = 0; i < JIGSAW_TILES; i++)
        d += a[i] != b[i];
    return d;
}

static void check_set(int count, int want_min)
{
    static uint8_t p[JIGSAW_MAX_PERMUTATIONS * JIGSAW_TILES], q[JIGSAW_MAX_PERMUTATIONS * JIGSAW_TILES];
    int reported = -1;
    CHECKF(jigsaw_permutations(count, 7, p, &reported) == 0, "%d: %s", count, hue_error_message());
    for (int k = 0; k < count; k++) {
        int seen[JIGSAW_TILES] = {0}, ok = 1;
        for (int j = 0; j < JIGSAW_TILES; j++)
            ok &= p[k * JIGSAW_TILES + j] < JIGSAW_TILES && !seen[p[k * JIGSAW_TILES + j]]++;
        CHECKF(ok, "%d: entry %d is not a permutation", count, k);
    }
    int smallest = JIGSAW_TILES;
    for (int a = 0; a < count; a++)
        for (int b = a + 1; b < count; b++) {
            int d = distance(p + a * JIGSAW_TILES, p + b * JIGSAW_TILES);
            if (d < smallest)
                smallest = d;
        }
    CHECKF(smallest == reported, "%d: reported min distance %d, measured %d", count, reported, smallest);
    CHECKF(smallest >= want_min, "%d: min distance %d < %d", count, smallest, want_min);
    CHECK(jigsaw_permutations(count, 7, q, NULL) == 0 && memcmp(p, q, (size_t)count * JIGSAW_TILES) == 0);
    CHECK(jigsaw_permutations(count, 8, q, NULL) == 0 && memcmp(p, q, JIGSAW_TILES) != 0);
}

int main(void)
{
    check_set(2, 9);
    check_set(100, 6);
    uint8_t p[JIGSAW_TILES * 2];
    CHECK(jigsaw_permutations(1, 0, p, NULL) == HUE_EINVAL && strstr(hue_error_message(), "--permutations 1"));
    CHECK(jigsaw_permutations(1001, 0, p, NULL) == HUE_EINVAL);
    return test_finish();
}
