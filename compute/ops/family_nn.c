/* Network layers and losses: batch norm, linear, cross-entropy, BCE, MSE,
 * L2 normalisation, dropout, concat and slice. */
#include "hue_op_table.h"

const hue_op_entry *const hue_family_nn[] = {
    NULL,
};
