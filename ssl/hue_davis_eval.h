/* DAVIS J&F: region similarity J and boundary accuracy F for video object
 * segmentation, as the official DAVIS evaluation defines them (semi-supervised
 * task). Plain C on label images: uint8, width x height, row-major, one object
 * id per pixel, 0 = background. In ground truth, 255 is DAVIS's void label and
 * counts as background, as the official semi-supervised evaluation does.
 *
 * Per frame and object:
 *   J = |G & P| / |G | P|, and 1 when both are empty.
 *   F = 2 p r / (p + r) on boundary maps (hue_davis_seg2bmap): p = share of
 *       predicted boundary pixels within the tolerance disk of a ground-truth
 *       boundary pixel, r the converse; tolerance = ceil(0.008 x diagonal).
 *       p = 1, r = 0 when only the prediction is empty (and the converse);
 *       F = 1 when both boundaries are empty.
 * Per object over a sequence's frames, first and last frames excluded:
 *   mean, recall (share of frames above 0.5), decay (mean of the first of
 *   four bins minus mean of the last; see hue_davis_statistics).
 * Overall: J&F-Mean = (mean of J-Means + mean of F-Means) / 2 over all
 *   objects of all sequences. */
#ifndef HUE_DAVIS_EVAL_H
#define HUE_DAVIS_EVAL_H

#include <stdint.h>

#define HUE_DAVIS_VOID 255

typedef struct {
    double mean;   /* mean over the evaluated frames */
    double recall; /* fraction of evaluated frames scoring > 0.5 */
    double decay;  /* mean of first bin minus mean of last bin (of four) */
} hue_davis_stats;

/* One object of one sequence. */
typedef struct {
    hue_davis_stats j, f;
} hue_davis_object;

/* Over many objects: each field is the mean of that field over the objects. */
typedef struct {
    double jf_mean; /* (j.mean + f.mean) / 2 */
    hue_davis_stats j, f;
    int n_objects;
} hue_davis_summary;

/* Number of objects in a sequence: the largest id in the ground truth's first
 * frame, void excepted. Ids in between that are absent still count (as empty
 * objects), as in the official code. */
int hue_davis_count_objects(const uint8_t *gt, int width, int height);

/* Boundary tolerance in pixels: ceil(0.008 * sqrt(width^2 + height^2)). */
int hue_davis_bound_radius(int width, int height);

/* Boundary map of the region {seg == id}: 1 where a pixel differs from its
 * right, lower or lower-right neighbour (outside the image counts as outside
 * the region), with the official seg2bmap's rules on the last row (right
 * neighbour only), last column (lower neighbour only) and the corner (never).
 * bmap receives width*height bytes of 0/1. */
void hue_davis_seg2bmap(const uint8_t *seg, int width, int height, int id, uint8_t *bmap);

/* J of object id on one frame. */
double hue_davis_jaccard(const uint8_t *gt, const uint8_t *pred, int width, int height, int id);

/* F of object id on one frame. Fails only for lack of memory. */
int hue_davis_boundary_f(const uint8_t *gt, const uint8_t *pred, int width, int height, int id,
                         double *f);

/* Mean, recall and decay of n per-frame values (n >= 1), as the official
 * db_statistics: the decay bins have edges round(linspace(1, n, 5)) - 1
 * (halves rounded up), bin i spanning edge i to edge i+1 inclusive. The
 * official code stores those edges as uint8, which wraps for n > 256 frames;
 * hue does not wrap (no DAVIS sequence is that long). */
hue_davis_stats hue_davis_statistics(const double *values, int n);

/* A sequence being evaluated frame by frame. */
typedef struct hue_davis_seq hue_davis_seq;

int hue_davis_seq_create(int width, int height, int n_objects, hue_davis_seq **out);
void hue_davis_seq_destroy(hue_davis_seq *s);

/* Scores one evaluated frame for every object. The caller leaves out the
 * sequence's first and last frames. Fails (HUE_EINVAL) when pred holds an
 * object id above n_objects. */
int hue_davis_seq_add(hue_davis_seq *s, const uint8_t *gt, const uint8_t *pred);

int hue_davis_seq_frames(const hue_davis_seq *s);

/* Per-frame value of object obj (0-based) at evaluated frame i. */
double hue_davis_seq_j(const hue_davis_seq *s, int i, int obj);
double hue_davis_seq_f(const hue_davis_seq *s, int i, int obj);

/* Statistics per object (out has n_objects entries). Fails (HUE_EINVAL) when
 * no frame was added. */
int hue_davis_seq_result(const hue_davis_seq *s, hue_davis_object *out);

/* A whole sequence in memory: n_frames ground-truth and predicted frames, of
 * which the first and last are excluded (pred[0] and pred[n_frames-1] may be
 * NULL). The object count comes from gt[0]; out needs that many entries
 * (at most 255). Needs n_frames >= 3. *n_objects receives the count. */
int hue_davis_eval_sequence(const uint8_t *const *gt, const uint8_t *const *pred, int n_frames,
                            int width, int height, hue_davis_object *out, int *n_objects);

/* Mean of each statistic over n objects (all zero when n is 0). */
hue_davis_summary hue_davis_summarize(const hue_davis_object *objects, int n);

#endif
