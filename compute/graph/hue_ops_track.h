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

#endif
