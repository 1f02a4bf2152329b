/* Label propagation: the ring of context frames and the propagation passes. */
#include "hue_op_table.h"

extern const hue_op_entry hue_op_propagate;

const hue_op_entry *const hue_family_track[] = {
    &hue_op_propagate,
    NULL,
};
