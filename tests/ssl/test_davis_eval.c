/* DAVIS J&F against cases computed by hand. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hue_davis_eval.h"
#include "hue_error.h"
#include "test_util.h"

#define W 100
#define H 100

static int near(double a, double b) { return fabs(a - b) < 1e-12; }

static void fill_rect(uint8_t *img, int w, int x0, int y0, int x1, int y1, uint8_t id)
{
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            img[y * w + x] = id;
}

static void test_radius(void)
{
    /* ceil(0.008 * sqrt(854^2 + 480^2)) = ceil(0.008 * 979.65) = ceil(7.84) = 8 */
    CHECK(hue_davis_bound_radius(854, 480) == 8);
    /* ceil(0.008 * 141.42) = ceil(1.13) = 2 */
    CHECK(hue_davis_bound_radius(100, 100) == 2);
    /* ceil(0.008 * 9.9) = 1 */
    CHECK(hue_davis_bound_radius(7, 7) == 1);
    /* 0.008 * 125 = 1 exactly (3-4-5 triangle): ceil(1.0) is 1 in double too. */
    CHECK(hue_davis_bound_radius(100, 75) == 1);
}

static void test_seg2bmap(void)
{
    /* A 3x3 square at x,y in [2,4] in a 7x7 image. A pixel is boundary when it
     * differs from its right, lower or lower-right neighbour: the outline of
     * [1,4]x[1,4], half a pixel towards the origin from the true edge. */
    uint8_t seg[49] = {0}, bmap[49];
    fill_rect(seg, 7, 2, 2, 4, 4, 3);
    static const char *expect[7] = {
        ".......",
        ".####..",
        ".#..#..",
        ".#..#..",
        ".####..",
        ".......",
        ".......",
    };
    hue_davis_seg2bmap(seg, 7, 7, 3, bmap);
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 7; x++)
            CHECKF(bmap[y * 7 + x] == (expect[y][x] == '#'), "bmap(%d,%d)=%d", x, y, bmap[y * 7 + x]);
    /* A different id sees an empty region: no boundary. */
    hue_davis_seg2bmap(seg, 7, 7, 1, bmap);
    int any = 0;
    for (int i = 0; i < 49; i++)
        any |= bmap[i];
    CHECK(!any);

    /* Touching the last row and column: the last row compares only with the
     * right neighbour, the last column only with the one below, the corner is
     * never boundary. Region x,y in [2,4] of a 5x5 image. */
    uint8_t seg5[25] = {0}, b5[25];
    fill_rect(seg5, 5, 2, 2, 4, 4, 1);
    static const char *expect5[5] = {
        ".....",
        ".####",
        ".#...",
        ".#...",
        ".#...",
    };
    hue_davis_seg2bmap(seg5, 5, 5, 1, b5);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            CHECKF(b5[y * 5 + x] == (expect5[y][x] == '#'), "b5(%d,%d)=%d", x, y, b5[y * 5 + x]);

    /* Full image of the region: only the last row/column rules can fire, and
     * they compare equal pixels: no boundary at all. */
    memset(seg5, 1, sizeof seg5);
    hue_davis_seg2bmap(seg5, 5, 5, 1, b5);
    any = 0;
    for (int i = 0; i < 25; i++)
        any |= b5[i];
    CHECK(!any);
}

static void test_single_frame(void)
{
    static uint8_t gt[W * H], pred[W * H], empty[W * H];
    double f;
    fill_rect(gt, W, 20, 20, 29, 29, 1);

    /* identical */
    CHECK(near(hue_davis_jaccard(gt, gt, W, H, 1), 1));
    CHECK(hue_davis_boundary_f(gt, gt, W, H, 1, &f) == 0 && near(f, 1));

    /* empty prediction for a non-empty object: J = 0, and p = 1, r = 0 so F = 0 */
    CHECK(near(hue_davis_jaccard(gt, empty, W, H, 1), 0));
    CHECK(hue_davis_boundary_f(gt, empty, W, H, 1, &f) == 0 && near(f, 0));
    /* the converse: p = 0, r = 1, F = 0 */
    CHECK(near(hue_davis_jaccard(empty, gt, W, H, 1), 0));
    CHECK(hue_davis_boundary_f(empty, gt, W, H, 1, &f) == 0 && near(f, 0));

    /* both empty: J = 1, F = 1 */
    CHECK(near(hue_davis_jaccard(empty, empty, W, H, 1), 1));
    CHECK(hue_davis_boundary_f(empty, empty, W, H, 1, &f) == 0 && near(f, 1));
    /* gt's object 1 against a prediction holding only object 2: J = 0 */
    fill_rect(pred, W, 20, 20, 29, 29, 2);
    CHECK(near(hue_davis_jaccard(gt, pred, W, H, 1), 0));

    /* Shifted square. Image 100x100: tolerance r = ceil(0.008 * 141.4) = 2,
     * disk(2) = offsets with dx^2 + dy^2 <= 4 (includes (1,1), not (2,1)).
     * GT: x,y in [20,29] (10x10). Its boundary (seg2bmap) is the outline of
     * [19,29]x[19,29]: 4 * 10 = 40 pixels.
     *
     * Shift by 3 in x: prediction x in [23,32], y in [20,29].
     *   J = 7*10 / (100 + 100 - 70) = 70/130 = 7/13.
     *   Prediction boundary: outline of [22,32]x[19,29], 40 pixels. Those
     *   within disk(2) of the GT outline:
     *     top row y=19, x=22..32: x=22..29 on it, 30 (dx 1), 31 (dx 2): 10
     *     bottom row y=29: the same, 10
     *     left column x=22, y=20..28: 3 from GT's x=19; only rows within 2
     *       of GT's top/bottom rows: y=20,21,27,28: 4
     *     right column x=32, y=20..28: 3 from GT's x=29: 0
     *   precision = 24/40; by mirror symmetry recall = 24/40;
     *   F = 2 * 0.6 * 0.6 / 1.2 = 0.6. */
    memset(pred, 0, sizeof pred);
    fill_rect(pred, W, 23, 20, 32, 29, 1);
    CHECKF(near(hue_davis_jaccard(gt, pred, W, H, 1), 7.0 / 13.0), "J=%g",
           hue_davis_jaccard(gt, pred, W, H, 1));
    CHECK(hue_davis_boundary_f(gt, pred, W, H, 1, &f) == 0);
    CHECKF(near(f, 0.6), "F=%.15g, want 0.6", f);

    /* Shift by 2 in x: prediction x in [22,31]. J = 80 / 120 = 2/3. Every
     * boundary pixel is within 2 of the other outline (the side columns are
     * exactly 2 apart, top/bottom rows overlap but for 2 pixels at each end),
     * so p = r = 1 and F = 1: within tolerance. */
    memset(pred, 0, sizeof pred);
    fill_rect(pred, W, 22, 20, 31, 29, 1);
    CHECK(near(hue_davis_jaccard(gt, pred, W, H, 1), 2.0 / 3.0));
    CHECK(hue_davis_boundary_f(gt, pred, W, H, 1, &f) == 0);
    CHECKF(near(f, 1), "F=%.15g, want 1", f);

    /* Shift by 1 diagonally: (1,1) is inside disk(2), so F = 1;
     * J = 9*9 / (200 - 81) = 81/119. */
    memset(pred, 0, sizeof pred);
    fill_rect(pred, W, 21, 21, 30, 30, 1);
    CHECK(near(hue_davis_jaccard(gt, pred, W, H, 1), 81.0 / 119.0));
    CHECK(hue_davis_boundary_f(gt, pred, W, H, 1, &f) == 0 && near(f, 1));

    /* Void (255) in the ground truth counts as background. */
    memset(pred, 0, sizeof pred);
    fill_rect(pred, W, 20, 20, 29, 29, 1);
    static uint8_t gtv[W * H];
    memcpy(gtv, gt, sizeof gtv);
    fill_rect(gtv, W, 50, 50, 60, 60, HUE_DAVIS_VOID);
    CHECK(near(hue_davis_jaccard(gtv, pred, W, H, 1), 1));
    CHECK(hue_davis_count_objects(gtv, W, H) == 1);
}

static void test_statistics(void)
{
    /* n = 9: edges round(linspace(1, 9, 5)) - 1 = 0, 2, 4, 6, 8.
     * first bin v[0..2] = 1,1,1, last bin v[6..8] = .2,.2,.2.
     * mean = (3 + .8 + .6 + .4 + .6) / 9 = 5.4 / 9 = 0.6
     * recall: 1,1,1,.8,.6 are > 0.5: 5/9; decay = 1 - 0.2 = 0.8 */
    double v9[9] = {1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2};
    hue_davis_stats s = hue_davis_statistics(v9, 9);
    CHECK(near(s.mean, 0.6));
    CHECK(near(s.recall, 5.0 / 9.0));
    CHECK(near(s.decay, 0.8));

    /* n = 7: linspace(1, 7, 5) = 1, 2.5, 4, 5.5, 7; halves round up:
     * 1, 3, 4, 6, 7; edges 0, 2, 3, 5, 6. first bin v[0..2] = 1,1,0 -> 2/3;
     * last bin v[5..6] = .5,.25 -> .375; decay = 2/3 - 3/8 = 7/24.
     * recall: exactly 0.5 does not count (> 0.5): 2/7. */
    double v7[7] = {1, 1, 0, 0, 0, 0.5, 0.25};
    s = hue_davis_statistics(v7, 7);
    CHECK(near(s.mean, 2.75 / 7));
    CHECK(near(s.recall, 2.0 / 7.0));
    CHECKF(near(s.decay, 7.0 / 24.0), "decay=%.15g", s.decay);

    /* n = 6: linspace(1, 6, 5) = 1, 2.25, 3.5, 4.75, 6 -> 1, 2, 4, 5, 6;
     * edges 0, 1, 3, 4, 5: first bin v[0..1], last bin v[4..5]. */
    double v6[6] = {0.9, 0.7, 0, 0, 0.3, 0.1};
    s = hue_davis_statistics(v6, 6);
    CHECK(near(s.decay, 0.8 - 0.2));

    /* n = 1: every edge is 0, both bins are v[0]: decay 0. */
    double v1[1] = {0.7};
    s = hue_davis_statistics(v1, 1);
    CHECK(near(s.mean, 0.7) && near(s.recall, 1) && near(s.decay, 0));
}

/* A crafted sequence of 11 frames (9 scored), two objects. */
static void test_sequence(void)
{
    enum { N = 11, SW = 50, SH = 40 };
    static uint8_t gt[N][SW * SH], pred[N][SW * SH];
    const uint8_t *g[N], *p[N];
    memset(gt, 0, sizeof gt);
    memset(pred, 0, sizeof pred);
    for (int i = 0; i < N; i++) {
        fill_rect(gt[i], SW, 5, 5, 14, 14, 1);  /* object 1: 10x10 */
        fill_rect(gt[i], SW, 30, 10, 39, 29, 2); /* object 2: 10x20 */
        /* Object 1: right in scored frames 1..5, missing in 6..9.
         * Object 2: always right. */
        if (i <= 5)
            fill_rect(pred[i], SW, 5, 5, 14, 14, 1);
        fill_rect(pred[i], SW, 30, 10, 39, 29, 2);
        g[i] = gt[i];
        p[i] = pred[i];
    }
    /* First and last frames are not scored: make them all wrong. */
    memset(pred[0], 2, SW * SH);
    memset(pred[N - 1], 0, SW * SH);

    hue_davis_object obj[2];
    int n_obj = -1;
    CHECK(hue_davis_eval_sequence(g, p, N, SW, SH, obj, &n_obj) == 0);
    CHECK(n_obj == 2);
    /* Object 1, scored frames 1..9 -> values 1,1,1,1,1,0,0,0,0 (J and F alike).
     * mean = 5/9, recall = 5/9; edges for n = 9 are 0,2,4,6,8: first bin
     * 1,1,1 and last bin 0,0,0, decay = 1. */
    CHECK(near(obj[0].j.mean, 5.0 / 9) && near(obj[0].f.mean, 5.0 / 9));
    CHECK(near(obj[0].j.recall, 5.0 / 9) && near(obj[0].f.recall, 5.0 / 9));
    CHECK(near(obj[0].j.decay, 1) && near(obj[0].f.decay, 1));
    /* Object 2: all 1, decay 0. */
    CHECK(near(obj[1].j.mean, 1) && near(obj[1].f.mean, 1));
    CHECK(near(obj[1].j.recall, 1) && near(obj[1].j.decay, 0));

    hue_davis_summary sm = hue_davis_summarize(obj, 2);
    CHECK(sm.n_objects == 2);
    CHECK(near(sm.j.mean, 7.0 / 9) && near(sm.f.mean, 7.0 / 9) && near(sm.jf_mean, 7.0 / 9));
    CHECK(near(sm.j.decay, 0.5));

    /* An object id the ground truth does not have is an error. */
    fill_rect(pred[3], SW, 0, 0, 1, 1, 3);
    CHECK(hue_davis_eval_sequence(g, p, N, SW, SH, obj, &n_obj) == HUE_EINVAL);
    CHECK(strstr(hue_error_message(), "object id 3") != NULL);

    /* Too short to score. */
    CHECK(hue_davis_eval_sequence(g, p, 2, SW, SH, obj, &n_obj) == HUE_EINVAL);

    /* Frame-by-frame API; the per-frame values are kept. */
    hue_davis_seq *s;
    CHECK(hue_davis_seq_create(SW, SH, 2, &s) == 0);
    CHECK(hue_davis_seq_result(s, obj) == HUE_EINVAL);
    CHECK(hue_davis_seq_add(s, gt[1], pred[1]) == 0);
    CHECK(hue_davis_seq_add(s, gt[7], pred[7]) == 0);
    CHECK(hue_davis_seq_frames(s) == 2);
    CHECK(near(hue_davis_seq_j(s, 0, 0), 1) && near(hue_davis_seq_j(s, 1, 0), 0));
    CHECK(near(hue_davis_seq_f(s, 1, 0), 0) && near(hue_davis_seq_f(s, 1, 1), 1));
    hue_davis_seq_destroy(s);
}

int main(void)
{
    test_radius();
    test_seg2bmap();
    test_single_frame();
    test_statistics();
    test_sequence();
    return test_finish();
}
