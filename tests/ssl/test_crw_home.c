/* Where a walk must come home with --return-shift (video_crw_home_targets):
 * with the home crop moved by (down, right) cells, the node at (r, c) of
 * the start crop shows what the home crop's node (r - down, c - right)
 * shows; nodes whose content left the home crop are ignored (-100); with
 * no move every node returns to itself. Checked against a picture: each
 * start node's content, looked up in the moved crop at its target, is the
 * same content. */
#include "test_util.h"
#include "video_losses.h"

#define CELLS 5
#define WIDE 16  /* the frame, in cells */

int main(void)
{
    float t[CELLS * CELLS];
    video_crw_home_targets(CELLS, 0, 0, t);
    for (int i = 0; i < CELLS * CELLS; i++)
        CHECKF(t[i] == (float)i, "no move: node %d goes to %g", i, t[i]);

    /* a frame whose cell (y, x) holds the content y * WIDE + x; the start crop at (4, 6) */
    int y0 = 4, x0 = 6;
    static const int moves[][2] = {{1, 0}, {0, -2}, {-3, 2}, {2, 2}, {-4, -4}, {4, 1}};
    for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++) {
        int down = moves[m][0], right = moves[m][1], counted = 0;
        video_crw_home_targets(CELLS, down, right, t);
        for (int r = 0; r < CELLS; r++)
            for (int c = 0; c < CELLS; c++) {
                int shows = (y0 + r) * WIDE + (x0 + c);
                float target = t[r * CELLS + c];
                /* the home crop starts at (y0 + down, x0 + right) */
                int inside = y0 + r >= y0 + down && y0 + r < y0 + down + CELLS && x0 + c >= x0 + right &&
                             x0 + c < x0 + right + CELLS;
                if (!inside) {
                    CHECKF(target == -100.0f, "move (%d, %d): node (%d, %d) has left, target %g", down, right, r,
                           c, target);
                    continue;
                }
                counted++;
                CHECKF(target >= 0 && target < CELLS * CELLS, "move (%d, %d): node (%d, %d) stays, target %g", down,
                       right, r, c, target);
                if (!(target >= 0 && target < CELLS * CELLS))
                    continue;
                int hr = (int)target / CELLS, hc = (int)target % CELLS;
                int there = (y0 + down + hr) * WIDE + (x0 + right + hc);
                CHECKF(there == shows, "move (%d, %d): node (%d, %d) sent to (%d, %d), which shows another cell",
                       down, right, r, c, hr, hc);
            }
        int expected = (CELLS - (down < 0 ? -down : down)) * (CELLS - (right < 0 ? -right : right));
        CHECKF(counted == expected, "move (%d, %d): %d nodes counted, %d expected", down, right, counted, expected);
    }
    return test_finish();
}
