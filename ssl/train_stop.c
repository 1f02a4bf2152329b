/* What a run that stops on an error says about its checkpoint: a user who
 * reads "loss is NaN at step 41" must also learn whether the file holds
 * a usable model, and of which step. */
#include "hue_error.h"
#include "hue_train.h"

#include <stdio.h>

int hue_train_stopped(int rc, const char *out, int64_t saved_step)
{
    char why[768];
    snprintf(why, sizeof why, "%s", hue_error_message());
    if (saved_step > 0)
        return hue_fail(rc, "%s: training stopped; %s keeps the model of step %lld", why, out, (long long)saved_step);
    return hue_fail(rc, "%s: training stopped before any checkpoint was written", why);
}
