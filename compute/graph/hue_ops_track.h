/* Label propagation on the device: the attention that carries labels (masks
 * or colours) from context frames to a target frame (CRW's inference):
 * affinities between L2-normalised features, the first frame unrestricted,
 * the last N frames within a radius, top-k over all context positions,
 * softmax with a temperature, weighted sum of the context's soft labels. */
#ifndef HUE_OPS_TRACK_H
#define HUE_OPS_TRACK_H
#include "hue_graph.h"

/* Ring frames are stored with padded rows so that every window is aligned:
 * [S, C, h, hue_ring_width(w, radius)], the frame's columns starting at
 * hue_ring_pad(radius), zero elsewhere. */
int64_t hue_ring_pad(int radius);
int64_t hue_ring_width(int64_t w, int radius);

/* Writes x [C, h, w] into slot slot[0] (a one-value input holding the slot
 * index) of ring [S, C, h, W] (a state tensor), W = w when pad = 0 (labels)
 * or hue_ring_width(w, radius) with pad = hue_ring_pad(radius) (features).
 * Returns the ring. */
hue_tensor hue_ring_write(hue_graph *g, hue_tensor ring, hue_tensor x, hue_tensor slot, int64_t pad);

/* The propagated soft labels [L, h, w] of target features q [C, h, w]:
 * context = frame 0 (f0 [C, h, w], labels f0_labels [L, h, w], every
 * position) and the S ring frames (ring [S, C, h, hue_ring_width(w,
 * radius)], labels ring_labels [S, L, h, w], positions at distance < radius
 * cells); the topk best dot products over all of them, softmax of
 * score / temperature, weighted sum of their labels. */
hue_tensor hue_propagate(hue_graph *g, hue_tensor q, hue_tensor f0, hue_tensor f0_labels, hue_tensor ring,
                         hue_tensor ring_labels, int topk, int radius, float temperature);

/* One query's attention as propagate weighs it, on the host (propagate's
 * reference, and whoever needs the weights themselves): the caller scores
 * the candidates (dot products with frame 0's every position, and with a
 * ring frame's positions where hue_propagate_in_window holds); then
 * hue_propagate_top sorts them best first (ties: the smaller id first) and
 * gives the first k their softmax weights of score / temperature, which sum
 * to 1. */
typedef struct {
    double score;
    int64_t id;
} hue_propagate_candidate;
int hue_propagate_in_window(int64_t qy, int64_t qx, int64_t y, int64_t x, int radius);
void hue_propagate_top(hue_propagate_candidate *c, int64_t n, int k, float temperature, double *weights);

#endif
