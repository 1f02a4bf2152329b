/* DAVIS J&F on label images; the definitions are in hue_davis_eval.h. */
#include "hue_davis_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hue_error.h"

int hue_davis_count_objects(const uint8_t *gt, int width, int height)
{
    int n = 0;
    size_t npix = (size_t)width * height;
    for (size_t i = 0; i < npix; i++)
        if (gt[i] != HUE_DAVIS_VOID && gt[i] > n)
            n = gt[i];
    return n;
}

int hue_davis_bound_radius(int width, int height)
{
    /* Same double arithmetic as the official ceil(0.008 * norm(shape)). */
    double diag = sqrt((double)width * width + (double)height * height);
    return (int)ceil(0.008 * diag);
}

void hue_davis_seg2bmap(const uint8_t *seg, int width, int height, int id, uint8_t *bmap)
{
    int w = width, h = height;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = seg + (size_t)y * w;
        const uint8_t *below = y + 1 < h ? row + w : NULL;
        uint8_t *out = bmap + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int s = row[x] == id;
            int e = x + 1 < w && row[x + 1] == id;
            int so = below && below[x] == id;
            int se = below && x + 1 < w && below[x + 1] == id;
            int b;
            if (x == w - 1 && y == h - 1)
                b = 0;
            else if (x == w - 1)
                b = s ^ so; /* last column: compared with the pixel below only */
            else if (y == h - 1)
                b = s ^ e; /* last row: compared with the pixel to the right only */
            else
                b = (s ^ e) | (s ^ so) | (s ^ se);
            out[x] = (uint8_t)b;
        }
    }
}

double hue_davis_jaccard(const uint8_t *gt, const uint8_t *pred, int width, int height, int id)
{
    size_t inter = 0, uni = 0, npix = (size_t)width * height;
    for (size_t i = 0; i < npix; i++) {
        int g = gt[i] == id, p = pred[i] == id;
        inter += g & p;
        uni += g | p;
    }
    return uni == 0 ? 1.0 : (double)inter / (double)uni;
}

/* Buffers for one F computation, reused across frames and objects. */
typedef struct {
    int w, h, radius;
    uint8_t *bmap_gt, *bmap_pred;
    int32_t *pre_gt, *pre_pred; /* per-row prefix counts, (w + 1) per row */
    int *half;                  /* half-width of the disk at each row offset */
} f_scratch;

static void scratch_free(f_scratch *sc)
{
    free(sc->bmap_gt);
    free(sc->bmap_pred);
    free(sc->pre_gt);
    free(sc->pre_pred);
    free(sc->half);
    memset(sc, 0, sizeof *sc);
}

static int scratch_init(f_scratch *sc, int w, int h)
{
    memset(sc, 0, sizeof *sc);
    sc->w = w;
    sc->h = h;
    sc->radius = hue_davis_bound_radius(w, h);
    size_t npix = (size_t)w * h;
    sc->bmap_gt = malloc(npix);
    sc->bmap_pred = malloc(npix);
    sc->pre_gt = malloc(sizeof(int32_t) * (size_t)(w + 1) * h);
    sc->pre_pred = malloc(sizeof(int32_t) * (size_t)(w + 1) * h);
    sc->half = malloc(sizeof(int) * (size_t)(sc->radius + 1));
    if (!sc->bmap_gt || !sc->bmap_pred || !sc->pre_gt || !sc->pre_pred || !sc->half) {
        scratch_free(sc);
        return hue_fail(HUE_ENOMEM, "davis eval: out of memory for %dx%d boundary maps", w, h);
    }
    /* Disk of radius r: offsets with dx^2 + dy^2 <= r^2 (skimage's disk). */
    int r = sc->radius;
    for (int dy = 0; dy <= r; dy++) {
        int dx = 0;
        while ((dx + 1) * (dx + 1) + dy * dy <= r * r)
            dx++;
        sc->half[dy] = dx;
    }
    return 0;
}

/* Counts boundary pixels and fills the row prefix sums of a boundary map. */
static long prefix_rows(const uint8_t *bmap, int w, int h, int32_t *pre)
{
    long n = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = bmap + (size_t)y * w;
        int32_t *p = pre + (size_t)y * (w + 1);
        p[0] = 0;
        for (int x = 0; x < w; x++)
            p[x + 1] = p[x] + row[x];
        n += p[w];
    }
    return n;
}

/* Number of pixels set in bmap that lie within the disk of a pixel set in the
 * other map (whose row prefix sums are other_pre): the count of bmap & dilate(other). */
static long count_matched(const f_scratch *sc, const uint8_t *bmap, const int32_t *other_pre)
{
    int w = sc->w, h = sc->h, r = sc->radius;
    long n = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = bmap + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            if (!row[x])
                continue;
            int hit = 0;
            for (int dy = -r; dy <= r && !hit; dy++) {
                int yy = y + dy;
                if (yy < 0 || yy >= h)
                    continue;
                int hw = sc->half[dy < 0 ? -dy : dy];
                int x0 = x - hw < 0 ? 0 : x - hw;
                int x1 = x + hw > w - 1 ? w - 1 : x + hw;
                const int32_t *p = other_pre + (size_t)yy * (w + 1);
                hit = p[x1 + 1] - p[x0] > 0;
            }
            n += hit;
        }
    }
    return n;
}

static double f_with_scratch(f_scratch *sc, const uint8_t *gt, const uint8_t *pred, int id)
{
    int w = sc->w, h = sc->h;
    hue_davis_seg2bmap(gt, w, h, id, sc->bmap_gt);
    hue_davis_seg2bmap(pred, w, h, id, sc->bmap_pred);
    long n_gt = prefix_rows(sc->bmap_gt, w, h, sc->pre_gt);
    long n_pred = prefix_rows(sc->bmap_pred, w, h, sc->pre_pred);
    double precision, recall;
    if (n_pred == 0 && n_gt > 0) {
        precision = 1, recall = 0;
    } else if (n_pred > 0 && n_gt == 0) {
        precision = 0, recall = 1;
    } else if (n_pred == 0 && n_gt == 0) {
        precision = 1, recall = 1;
    } else {
        precision = (double)count_matched(sc, sc->bmap_pred, sc->pre_gt) / (double)n_pred;
        recall = (double)count_matched(sc, sc->bmap_gt, sc->pre_pred) / (double)n_gt;
    }
    if (precision + recall == 0)
        return 0;
    return 2 * precision * recall / (precision + recall);
}

int hue_davis_boundary_f(const uint8_t *gt, const uint8_t *pred, int width, int height, int id,
                         double *f)
{
    f_scratch sc;
    int rc = scratch_init(&sc, width, height);
    if (rc)
        return rc;
    *f = f_with_scratch(&sc, gt, pred, id);
    scratch_free(&sc);
    return 0;
}

static double mean_range(const double *v, int lo, int hi)
{
    double s = 0;
    for (int i = lo; i <= hi; i++)
        s += v[i];
    return s / (hi - lo + 1);
}

hue_davis_stats hue_davis_statistics(const double *values, int n)
{
    hue_davis_stats st = {0, 0, 0};
    if (n <= 0)
        return st;
    int above = 0;
    for (int i = 0; i < n; i++)
        above += values[i] > 0.5;
    st.mean = mean_range(values, 0, n - 1);
    st.recall = (double)above / n;
    /* Bin edge k is round(1 + k(n-1)/4) - 1, with halves rounded up (the
     * official code adds 1e-10 before rounding); k(n-1)/4 is a multiple of
     * 1/4, so in integers that is floor((k(n-1) + 2) / 4). */
    int edge[5];
    for (int k = 0; k < 5; k++)
        edge[k] = (k * (n - 1) + 2) / 4;
    st.decay = mean_range(values, edge[0], edge[1]) - mean_range(values, edge[3], edge[4]);
    return st;
}

struct hue_davis_seq {
    int w, h, n_objects;
    int n_frames, cap;
    double *j, *f; /* [frame][object] */
    f_scratch sc;
};

int hue_davis_seq_create(int width, int height, int n_objects, hue_davis_seq **out)
{
    *out = NULL;
    if (width <= 0 || height <= 0 || n_objects < 0 || n_objects > 254)
        return hue_fail(HUE_EINVAL, "davis eval: bad sequence shape %dx%d with %d objects", width,
                        height, n_objects);
    hue_davis_seq *s = calloc(1, sizeof *s);
    if (!s)
        return hue_fail(HUE_ENOMEM, "davis eval: out of memory");
    s->w = width;
    s->h = height;
    s->n_objects = n_objects;
    int rc = scratch_init(&s->sc, width, height);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void hue_davis_seq_destroy(hue_davis_seq *s)
{
    if (!s)
        return;
    scratch_free(&s->sc);
    free(s->j);
    free(s->f);
    free(s);
}

int hue_davis_seq_add(hue_davis_seq *s, const uint8_t *gt, const uint8_t *pred)
{
    size_t npix = (size_t)s->w * s->h;
    for (size_t i = 0; i < npix; i++)
        if (pred[i] > s->n_objects)
            return hue_fail(HUE_EINVAL,
                            "prediction has object id %d but the ground truth has %d object%s",
                            pred[i], s->n_objects, s->n_objects == 1 ? "" : "s");
    if (s->n_frames == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        size_t row = s->n_objects ? (size_t)s->n_objects : 1;
        double *j = realloc(s->j, sizeof(double) * row * cap);
        if (j)
            s->j = j;
        double *f = realloc(s->f, sizeof(double) * row * cap);
        if (f)
            s->f = f;
        if (!j || !f)
            return hue_fail(HUE_ENOMEM, "davis eval: out of memory");
        s->cap = cap;
    }
    /* Void pixels of the ground truth are background here, as in the official
     * semi-supervised evaluation; no object id equals the void label. */
    double *jr = s->j + (size_t)s->n_frames * s->n_objects;
    double *fr = s->f + (size_t)s->n_frames * s->n_objects;
    for (int o = 0; o < s->n_objects; o++) {
        jr[o] = hue_davis_jaccard(gt, pred, s->w, s->h, o + 1);
        fr[o] = f_with_scratch(&s->sc, gt, pred, o + 1);
    }
    s->n_frames++;
    return 0;
}

int hue_davis_seq_frames(const hue_davis_seq *s) { return s->n_frames; }

double hue_davis_seq_j(const hue_davis_seq *s, int i, int obj)
{
    return s->j[(size_t)i * s->n_objects + obj];
}

double hue_davis_seq_f(const hue_davis_seq *s, int i, int obj)
{
    return s->f[(size_t)i * s->n_objects + obj];
}

int hue_davis_seq_result(const hue_davis_seq *s, hue_davis_object *out)
{
    if (s->n_frames == 0)
        return hue_fail(HUE_EINVAL, "davis eval: no frame to evaluate (a sequence needs at least 3)");
    double *col = malloc(sizeof(double) * (size_t)s->n_frames * 2);
    if (!col)
        return hue_fail(HUE_ENOMEM, "davis eval: out of memory");
    double *fcol = col + s->n_frames;
    for (int o = 0; o < s->n_objects; o++) {
        for (int i = 0; i < s->n_frames; i++) {
            col[i] = hue_davis_seq_j(s, i, o);
            fcol[i] = hue_davis_seq_f(s, i, o);
        }
        out[o].j = hue_davis_statistics(col, s->n_frames);
        out[o].f = hue_davis_statistics(fcol, s->n_frames);
    }
    free(col);
    return 0;
}

int hue_davis_eval_sequence(const uint8_t *const *gt, const uint8_t *const *pred, int n_frames,
                            int width, int height, hue_davis_object *out, int *n_objects)
{
    if (n_frames < 3)
        return hue_fail(HUE_EINVAL,
                        "davis eval: %d frame%s; a sequence needs at least 3 (first and last are "
                        "not scored)",
                        n_frames, n_frames == 1 ? "" : "s");
    int n = hue_davis_count_objects(gt[0], width, height);
    hue_davis_seq *s;
    int rc = hue_davis_seq_create(width, height, n, &s);
    if (rc)
        return rc;
    for (int i = 1; i < n_frames - 1 && !rc; i++)
        rc = hue_davis_seq_add(s, gt[i], pred[i]);
    if (!rc)
        rc = hue_davis_seq_result(s, out);
    hue_davis_seq_destroy(s);
    if (!rc && n_objects)
        *n_objects = n;
    return rc;
}

hue_davis_summary hue_davis_summarize(const hue_davis_object *objects, int n)
{
    hue_davis_summary sm;
    memset(&sm, 0, sizeof sm);
    sm.n_objects = n;
    if (n <= 0)
        return sm;
    for (int i = 0; i < n; i++) {
        sm.j.mean += objects[i].j.mean;
        sm.j.recall += objects[i].j.recall;
        sm.j.decay += objects[i].j.decay;
        sm.f.mean += objects[i].f.mean;
        sm.f.recall += objects[i].f.recall;
        sm.f.decay += objects[i].f.decay;
    }
    sm.j.mean /= n, sm.j.recall /= n, sm.j.decay /= n;
    sm.f.mean /= n, sm.f.recall /= n, sm.f.decay /= n;
    sm.jf_mean = (sm.j.mean + sm.f.mean) / 2;
    return sm;
}
