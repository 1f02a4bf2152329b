/* How InfoNCE's device kernels split their work (compute/vulkan/
 * vk_ops_contrastive.c, shaders/info_nce*.comp), shared with the builder
 * that sizes the nodes' scratch. A workgroup takes one row and a block of
 * the other side's rows, so that no invocation runs more than about
 * HUE_INFO_NCE_BUDGET loop iterations: lavapipe (llvmpipe) stops any loop
 * nest after 65535 iterations in all and silently goes on with a wrong
 * value, and smaller blocks also give a large GPU more workgroups. */
#ifndef HUE_INFO_NCE_INTERNAL_H
#define HUE_INFO_NCE_INTERNAL_H
#include <stdint.h>

#define HUE_INFO_NCE_BUDGET 16384
#define HUE_INFO_NCE_CH 8        /* output values a lane keeps per pass in the gradients */
#define HUE_INFO_NCE_MAX_D 8192  /* the longest embedding the builder takes */

/* The forward's keys per workgroup: each lane walks keys / lanes of them,
 * D multiply-adds each. */
static inline int64_t hue_info_nce_key_block(int64_t lanes, int64_t D)
{
    int64_t per_lane = HUE_INFO_NCE_BUDGET / D;
    return lanes * (per_lane < 1 ? 1 : per_lane);
}

/* The gradients' other-side rows per workgroup: per pass over D (lanes *
 * CH values at a time) each lane computes one weight (D multiply-adds) and
 * adds `lanes` weighted rows. */
static inline int64_t hue_info_nce_other_block(int64_t lanes, int64_t D)
{
    int64_t passes = (D + lanes * HUE_INFO_NCE_CH - 1) / (lanes * HUE_INFO_NCE_CH);
    int64_t per_lane = HUE_INFO_NCE_BUDGET / (passes * (D + lanes));
    return lanes * (per_lane < 1 ? 1 : per_lane);
}

static inline int64_t hue_info_nce_blocks(int64_t count, int64_t block) { return (count + block - 1) / block; }

#endif
