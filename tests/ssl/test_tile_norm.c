/* Tile normalisation of the patch-based pretext tasks (tile_to_floats):
 * with its own statistics a tile comes out with zero mean per channel and
 * unit standard deviation over all channels, the same floats after any
 * change of brightness and contrast (so neither tells where the tile was),
 * the channels' relative contrast kept, a flat tile's faint noise left
 * faint; with the dataset's statistics each value is (v / 255 - mean) / std. */
#include <math.h>
#include <stdint.h>

#include "pretrain_tiles.h"
#include "test_util.h"

#define T 12
#define N (T * T)

static uint8_t clamp_byte(double v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v)); }

int main(void)
{
    static const float mean[3] = {0.5f, 0.4f, 0.3f}, std[3] = {0.25f, 0.2f, 0.3f};
    uint8_t tile[3 * N], brighter[3 * N], flat[3 * N];
    float a[3 * N], b[3 * N];
    /* a textured tile whose blue varies half as much as red and green */
    for (int i = 0; i < N; i++) {
        int v = (i * 37 + (i / T) * 11) % 61;
        tile[3 * i] = (uint8_t)(60 + 2 * v), tile[3 * i + 1] = (uint8_t)(90 + 2 * ((v * 7) % 61)),
        tile[3 * i + 2] = (uint8_t)(100 + v);
        /* brightness and contrast: x 0.5 + 40 keeps every value an integer within range */
        for (int c = 0; c < 3; c++)
            brighter[3 * i + c] = clamp_byte(0.5 * tile[3 * i + c] + 40);
        /* a dropped-colour tile: one flat channel, the others grey with faint noise */
        flat[3 * i] = 100, flat[3 * i + 1] = (uint8_t)(128 + (i % 3) - 1), flat[3 * i + 2] = (uint8_t)(128 - (i % 2));
    }

    tile_to_floats(tile, T, 0, mean, std, a);
    double worst = 0;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < N; i++)
            worst = fmax(worst, fabs(a[c * N + i] - (tile[3 * i + c] / 255.0 - mean[c]) / std[c]));
    CHECKF(worst < 1e-5, "dataset statistics: off by %g", worst);

    tile_to_floats(tile, T, 1, mean, std, a);
    double sq = 0, spread[3] = {0};
    for (int c = 0; c < 3; c++) {
        double sum = 0;
        for (int i = 0; i < N; i++)
            sum += a[c * N + i], sq += (double)a[c * N + i] * a[c * N + i], spread[c] += fabs(a[c * N + i]);
        CHECKF(fabs(sum / N) < 1e-5, "own statistics: channel %d has mean %g", c, sum / N);
    }
    CHECKF(fabs(sqrt(sq / (3 * N)) - 1) < 1e-4, "own statistics: standard deviation %g, not 1", sqrt(sq / (3 * N)));
    CHECKF(spread[2] < 0.6 * spread[0], "own statistics: blue's smaller spread is lost (%g against red's %g)",
           spread[2], spread[0]);

    tile_to_floats(brighter, T, 1, mean, std, b);
    worst = 0;
    for (int i = 0; i < 3 * N; i++)
        worst = fmax(worst, fabs(a[i] - b[i]));
    CHECKF(worst < 0.02, "own statistics: brightness and contrast still show (off by %g)", worst);

    tile_to_floats(flat, T, 1, mean, std, a);
    worst = 0;
    for (int i = 0; i < 3 * N; i++)
        worst = fmax(worst, fabs(a[i]));
    CHECKF(worst < 0.25, "own statistics: a flat tile's noise blown up to %g", worst);
    return test_finish();
}
