/* How propagate's scratch is split, shared by its builder (which sizes the
 * scratch) and the kernels that score, merge and gather in it.
 *
 * Element offsets, each a multiple of 4 from the scratch's start: regrouped
 * queries (blocks of 4x2), frame 0 with rows padded to texels, score
 * chunks, top-k values, ids. Frame 0 is scored a chunk of query rows at a
 * time, the ring a group of slots at a time, each within the scratch. */
#ifndef HUE_PROPAGATE_INTERNAL_H
#define HUE_PROPAGATE_INTERNAL_H
#include "graph_internal.h"

typedef struct {
    int64_t hw, bxs, bys, U, Wf, U0, per_slot, slots_per_group, per_row, rows_per_chunk;
    int64_t qt, f0p, scores, topv, topi, total;
} hue_propagate_split;

/* The split for features [C, h, w], S ring slots, top-k K and a radius;
 * fails the graph when one pass does not fit. */
int hue_propagate_plan(hue_graph *g, int64_t C, int64_t h, int64_t w, int64_t S, int K, int radius,
                       hue_propagate_split *pl);

#endif
