/* Label propagation (CRW's inference) as device passes:
 *   queries: regrouped by blocks of 4x2 (shaders/prop_qt.comp), so the
 *            window pass reads 8 queries' channel as two vec4 texels;
 *   frame 0: the same window pass over every position (rows padded to
 *            texels), a chunk of query rows at a time, each chunk merged into
 *            the running top-k;
 *   ring:    window scores of each query block against a group of ring slots
 *            (shaders/prop_window.comp): per ring row, only the columns the
 *            disks of radius R reach, in units of 4 packed into the lanes,
 *            pairs outside the frame or the radius masked; merged likewise
 *            (shaders/prop_topk.comp, one lane per query, 4 candidates a texel);
 *   gather:  softmax of the k best / temperature, weighted sum of labels.
 * Only the radius-limited window of each ring frame is ever scored, and the
 * top-k is kept per query across passes, so no full affinity matrix exists. */
#include "op_common.h"
#include "propagate_internal.h"

#define SCRATCH_LIMIT (24ll << 20)  /* floats per node: regrouped operands, scores, top-k */

int64_t hue_ring_pad(int radius) { return ((int64_t)(radius > 1 ? radius - 1 : 0) + 3) / 4 * 4; }

static int64_t region_width(int radius) { return (8 + hue_ring_pad(radius) + (radius - 1) + 31) / 32 * 32; }

int64_t hue_ring_width(int64_t w, int radius) { return 8 * ((w + 7) / 8 - 1) + region_width(radius); }

/* ---- ring write ---- */

static const hue_op_impl ring_impl = {"ring_write", NULL};

hue_tensor hue_ring_write(hue_graph *g, hue_tensor ring, hue_tensor x, hue_tensor slot, int64_t pad)
{
    hue_tensor in[3] = {x, slot, ring};
    if (hue_graph_check_inputs(g, "ring_write", 3, in))
        return g->error;
    const hue_tensor_desc *r = &g->t[ring], *d = &g->t[x];
    if (r->ndim != 4 || d->ndim != 3 || r->shape[1] != d->shape[1] || r->shape[2] != d->shape[2] ||
        r->shape[3] < d->shape[3] + pad || pad < 0)
        return hue_graph_fail(g, HUE_EINVAL, "ring_write: %s [C, h, w] does not fit ring %s [S, C, h, W] at pad %lld",
                              d->name, r->name, (long long)pad);
    if (hue_tensor_numel(g, slot) != 1)
        return hue_graph_fail(g, HUE_EINVAL, "ring_write: the slot %s must hold one value", g->t[slot].name);
    if (!hue_role_persistent(r->role))
        return hue_graph_fail(g, HUE_EINVAL, "ring_write: ring %s must be a state tensor", r->name);
    if (check_int32(g, "ring_write", ring))
        return g->error;
    hue_op_params p = {.pad = {(int)pad, 0}};
    return hue_graph_add_node(g, &ring_impl, 2, in, ring, &p);
}

/* ---- propagation ---- */

/* Half width of the disk dy rows from its centre: the largest d with
 * d^2 + dy^2 < R^2, or -1 (as the shaders compute it). */
static int half_width(int dy, int R)
{
    int d = -1;
    while ((d + 1) * (d + 1) + dy * dy < R * R)
        d++;
    return d;
}

/* Units of 4 columns a block of 4x2 queries (columns qx0..qx0+3, rows qy0
 * and qy0+1) needs in ring row qy0 + e: from qx0 - hm rounded down to a
 * texel, to qx0 + 3 + hm, hm the larger half width of the two rows. */
static int64_t row_units(int e, int R)
{
    int a = half_width(e, R), b = half_width(e - 1, R), hm = a > b ? a : b;
    return hm < 0 ? 0 : ((hm + 3) / 4 * 4 + 4 + hm + 3) / 4;
}

static int64_t up4(int64_t x) { return (x + 3) / 4 * 4; }

int hue_propagate_plan(hue_graph *g, int64_t C, int64_t h, int64_t w, int64_t S, int K, int radius,
                       hue_propagate_split *pl)
{
    pl->hw = h * w;
    pl->bxs = (w + 3) / 4;
    pl->bys = (h + 1) / 2;
    pl->U = 0;
    for (int e = -(radius - 1); e <= radius; e++)
        pl->U += row_units(e, radius);
    pl->per_slot = pl->bys * pl->bxs * pl->U * 32;
    pl->Wf = up4(w);
    pl->U0 = h * pl->Wf / 4;
    pl->per_row = pl->bxs * pl->U0 * 32;
    pl->qt = 0;
    pl->f0p = up4(pl->bys * pl->bxs * C * 8);
    pl->scores = pl->f0p + C * h * pl->Wf;
    int64_t limit = SCRATCH_LIMIT;
    if ((int64_t)g->ctx->info.max_storage_buffer_range / 4 < limit)
        limit = g->ctx->info.max_storage_buffer_range / 4;
    int64_t room = limit - pl->scores - 2 * up4(pl->hw * K);
    if (room < pl->per_slot || room < pl->per_row)
        return hue_graph_fail(g, HUE_ELIMIT, "propagate: a %lldx%lld feature map of %lld channels is too large for "
                              "one pass here", (long long)h, (long long)w, (long long)C);
    pl->slots_per_group = room / pl->per_slot < S ? room / pl->per_slot : S;
    pl->rows_per_chunk = room / pl->per_row < pl->bys ? room / pl->per_row : pl->bys;
    int64_t frame0 = pl->rows_per_chunk * pl->per_row, window = pl->slots_per_group * pl->per_slot;
    pl->topv = pl->scores + (frame0 > window ? frame0 : window);
    pl->topi = pl->topv + up4(pl->hw * K);
    pl->total = pl->topi + up4(pl->hw * K);
    return 0;
}

static const hue_op_impl prop_impl = {"propagate", NULL};

hue_tensor hue_propagate(hue_graph *g, hue_tensor q, hue_tensor f0, hue_tensor f0_labels, hue_tensor ring,
                         hue_tensor ring_labels, int topk, int radius, float temperature)
{
    hue_tensor in[5] = {q, f0, f0_labels, ring, ring_labels};
    if (hue_graph_check_inputs(g, "propagate", 5, in))
        return g->error;
    const hue_tensor_desc *dq = &g->t[q], *df = &g->t[f0], *dl = &g->t[f0_labels], *dr = &g->t[ring],
                          *drl = &g->t[ring_labels];
    if (radius < 1 || radius > 64)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: radius %d (1 to 64 feature cells)", radius);
    if (!(temperature > 0) || !isfinite(1.0f / temperature))
        return hue_graph_fail(g, HUE_EINVAL, "propagate: temperature %g (must be > 0, and 1/T a finite float)",
                              temperature);
    if (dq->ndim != 3 || df->ndim != 3 || memcmp(dq->shape, df->shape, sizeof dq->shape) != 0)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: features %s and %s must both be [C, h, w]", dq->name,
                              df->name);
    int64_t C = dq->shape[1], h = dq->shape[2], w = dq->shape[3];
    if (dl->ndim != 3 || dl->shape[2] != h || dl->shape[3] != w)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: labels %s must be [L, %lld, %lld]", dl->name, (long long)h,
                              (long long)w);
    int64_t L = dl->shape[1], W = hue_ring_width(w, radius);
    if (dr->ndim != 4 || dr->shape[1] != C || dr->shape[2] != h || dr->shape[3] != W)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: ring %s must be [S, %lld, %lld, %lld] (padded rows)", dr->name,
                              (long long)C, (long long)h, (long long)W);
    if (drl->ndim != 4 || drl->shape[0] != dr->shape[0] || drl->shape[1] != L || drl->shape[2] != h ||
        drl->shape[3] != w)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: ring labels %s must be [%lld, %lld, %lld, %lld]", drl->name,
                              (long long)dr->shape[0], (long long)L, (long long)h, (long long)w);
    if (topk < 1 || topk > 64 || topk > h * w)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: top-k %d (1 to 64, and at most the %lld positions of a frame)",
                              topk, (long long)(h * w));
    for (int k = 0; k < 5; k++)
        if (!hue_tensor_is_contiguous(g, in[k]) || check_int32(g, "propagate", in[k]))
            return g->error ? g->error : hue_graph_fail(g, HUE_EINVAL, "propagate: %s is not contiguous",
                                                        g->t[in[k]].name);
    if (hue_tensor_bind_offset(g, ring) % 4)
        return hue_graph_fail(g, HUE_EINVAL, "propagate: ring %s must start on a 16-byte boundary", dr->name);
    int64_t S = dr->shape[0];  /* read now: the new tensor below may move g->t and dr with it */
    int64_t shape[3] = {L, h, w};
    hue_tensor y = hue_graph_new_tensor(g, 3, shape, "propagated");
    if (y < 0)
        return y;
    hue_op_params p = {.topk = topk, .radius = radius, .temperature = temperature};
    hue_graph_add_node(g, &prop_impl, 5, in, y, &p);
    hue_propagate_split pl;
    if (hue_propagate_plan(g, C, h, w, S, topk, radius, &pl))
        return g->error;
    if (hue_graph_scratch(g, pl.total) < 0)
        return g->error;
    return y;
}

/* ---- plain-C reference ---- */

int hue_propagate_in_window(int64_t qy, int64_t qx, int64_t y, int64_t x, int radius)
{
    return (double)((x - qx) * (x - qx) + (y - qy) * (y - qy)) < (double)radius * radius;
}

static int by_score(const void *a, const void *b)
{
    const hue_propagate_candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

void hue_propagate_top(hue_propagate_candidate *c, int64_t n, int k, float temperature, double *weights)
{
    qsort(c, (size_t)n, sizeof *c, by_score);
    double total = 0;
    for (int i = 0; i < k; i++)
        total += weights[i] = exp((c[i].score - c[0].score) / temperature);
    for (int i = 0; i < k; i++)
        weights[i] /= total;
}

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *q = &in[0], *f0 = &in[1], *l0 = &in[2], *ring = &in[3], *lr = &in[4];
    int64_t C = q->shape[0], h = q->shape[1], w = q->shape[2], hw = h * w, L = l0->shape[0];
    int64_t S = ring->shape[0], W = ring->shape[3], P = hue_ring_pad(p->radius);
    int R = p->radius, K = p->topk;
    int64_t shape[3] = {L, h, w};
    if (hue_host_alloc(out, 3, shape))
        return HUE_ENOMEM;
    hue_propagate_candidate *cand = malloc(sizeof *cand * (size_t)(hw * (S + 1)));
    double *weight = malloc(sizeof *weight * (size_t)K);
    if (!cand || !weight) {
        free(cand), free(weight);
        return HUE_ENOMEM;
    }
    for (int64_t qy = 0; qy < h; qy++)
        for (int64_t qx = 0; qx < w; qx++) {
            int64_t n = 0;
            for (int64_t j = 0; j < hw; j++) {
                double d = 0;
                for (int64_t c = 0; c < C; c++)
                    d += q->data[c * hw + qy * w + qx] * f0->data[c * hw + j];
                cand[n++] = (hue_propagate_candidate){d, j};
            }
            for (int64_t s = 0; s < S; s++)
                for (int64_t y = 0; y < h; y++)
                    for (int64_t x = 0; x < w; x++) {
                        if (!hue_propagate_in_window(qy, qx, y, x, R))
                            continue;
                        double d = 0;
                        for (int64_t c = 0; c < C; c++)
                            d += q->data[c * hw + qy * w + qx] * ring->data[((s * C + c) * h + y) * W + P + x];
                        cand[n++] = (hue_propagate_candidate){d, hw + (s * h + y) * w + x};
                    }
            hue_propagate_top(cand, n, K, p->temperature, weight);
            for (int64_t l = 0; l < L; l++) {
                double acc = 0;
                for (int k = 0; k < K; k++) {
                    int64_t id = cand[k].id;
                    double lab = id < hw ? l0->data[l * hw + id]
                                         : lr->data[((id - hw) / hw * L + l) * hw + (id - hw) % hw];
                    acc += weight[k] * lab;
                }
                out->data[l * hw + qy * w + qx] = acc;
            }
        }
    free(cand), free(weight);
    return 0;
}

static void make_case(int i, hue_op_case *c)
{
    static const int cases[][7] = {
        /* C, h, w, S, L, k, radius */
        {1, 1, 1, 1, 1, 1, 1},  {3, 5, 7, 1, 2, 3, 2},   {8, 9, 13, 3, 3, 10, 3},
        {5, 12, 17, 2, 4, 5, 12}, {16, 11, 9, 4, 2, 10, 5}, {64, 30, 53, 4, 3, 10, 12},
        /* radius 1 and k = 1; k = 64 with a radius past the frame; one column;
         * odd channels with a width of 8n + 1; a radius whose pad is not R - 1 */
        {7, 6, 8, 2, 2, 1, 1},   {4, 3, 25, 3, 2, 64, 13}, {2, 17, 1, 2, 3, 7, 4},
        {33, 8, 41, 5, 2, 20, 9}, {12, 10, 19, 2, 2, 4, 6},
    };
    const int *k = cases[i];
    int64_t q[3] = {k[0], k[1], k[2]}, lab[3] = {k[4], k[1], k[2]};
    int64_t ring[4] = {k[3], k[0], k[1], hue_ring_width(k[2], k[6])}, ring_lab[4] = {k[3], k[4], k[1], k[2]};
    set_case_shape(c, 0, 3, q);
    set_case_shape(c, 1, 3, q);
    set_case_shape(c, 2, 3, lab);
    set_case_shape(c, 3, 4, ring);
    set_case_shape(c, 4, 4, ring_lab);
    c->p.topk = k[5];
    c->p.radius = k[6];
    c->p.temperature = 0.05f;
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_propagate(g, in[0], in[1], in[2], in[3], in[4], p->topk, p->radius, p->temperature);
}

/* Scores are fp32 sums on the device: the top-k may differ only between
 * near-equal candidates, and softmax at T = 0.05 magnifies score errors 20x. */
const hue_op_entry hue_op_propagate = {.name = "propagate", .n_in = 5, .n_cases = 11, .make_case = make_case,
                                       .build = build, .reference = reference, .input_lo = -1, .input_hi = 1,
                                       .tolerance = 1e-4};
