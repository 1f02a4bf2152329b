/* The table of every op with its plain-C reference: the op test sweep walks
 * it, so adding an op here adds it to the parity test. The references are
 * also a complete CPU implementation of each op. */
#ifndef HUE_OP_TABLE_H
#define HUE_OP_TABLE_H
#include "hue_ops.h"

#define HUE_OP_MAX_IN 5

/* A host tensor: contiguous fp32, shape as the user sees it. */
typedef struct {
    int ndim;
    int64_t shape[HUE_MAX_DIMS];
    double *data;
} hue_host_tensor;

int64_t hue_host_numel(const hue_host_tensor *t);
/* Allocates out->data for the given shape; 0 or HUE_ENOMEM. */
int hue_host_alloc(hue_host_tensor *t, int ndim, const int64_t *shape);

/* One test case: the operands' shapes and the op's parameters. */
typedef struct {
    int ndim[HUE_OP_MAX_IN];
    int64_t shape[HUE_OP_MAX_IN][HUE_MAX_DIMS];
    hue_op_params p;
} hue_op_case;

typedef struct {
    const char *name;
    int n_in;
    int n_cases;
    void (*make_case)(int i, hue_op_case *c);
    hue_tensor (*build)(hue_graph *g, const hue_tensor *in, const hue_op_params *p);
    /* Computes the output (allocating out->data); 0 or a HUE_E* code. */
    int (*reference)(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out);
    float input_lo, input_hi;  /* random inputs are drawn from [lo, hi] */
    double tolerance;          /* max |device - reference| / max(max |reference|, 1) */
    int input_u8;              /* operands are bytes: whole numbers in [lo, hi] uploaded as u8 */
    /* The gradient: reference_backward fills grad_in[k] (allocating it) for
     * each input k in grad_mask, given d(loss)/d(out) = grad_out; NULL when
     * the op has no backward. The sweep checks it against central
     * differences of `reference`, and the device backward against it. */
    unsigned grad_mask;
    int (*reference_backward)(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in);
    double grad_tolerance;     /* as tolerance, for the gradients */
    /* Optional: turns the random values of operand k (in[k], drawn after
     * operands 0..k-1) into what the op needs there, e.g. class ids or
     * probabilities. */
    void (*fill_input)(int k, hue_host_tensor *in, const hue_op_params *p);
} hue_op_entry;

/* Every op of every family, in a fixed order; hue_op_at(i) for i in
 * [0, hue_op_count()). Each family lists its entries in a NULL-terminated
 * array in compute/graph/ops/family_<name>.c, so adding an op edits its family's
 * list only. */
int hue_op_count(void);
const hue_op_entry *hue_op_at(int i);

#endif
