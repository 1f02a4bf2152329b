/* The end-of-run summary of the training commands (train_summary.h). */
#include <stdio.h>

#include "json_out.h"
#include "train_summary.h"

void hue_train_summary_print(const hue_train_report *r, const char *checkpoint, int json)
{
    long long run_steps = (long long)(r->steps - r->first_step);
    if (!json) {
        if (r->first_step > 0 && run_steps == 0)
            printf("nothing left to train: the run had trained its %lld steps in %.1f s; checkpoint %s\n",
                   (long long)r->steps, r->elapsed_s, checkpoint);
        else if (r->first_step > 0)  /* resumed: the whole run, then this part of it */
            printf("trained %lld steps in %.1f s in all, %lld of them in this run (%.1f s), last loss %.4f; "
                   "checkpoint %s\n", (long long)r->steps, r->elapsed_s, run_steps, r->seconds, r->last_loss,
                   checkpoint);
        else
            printf("trained %lld steps in %.1f s, last loss %.4f; checkpoint %s\n", (long long)r->steps, r->seconds,
                   r->last_loss, checkpoint);
        if (r->knn_top1 >= 0)
            printf("kNN monitor: top-1 %.2f%% on the test split\n", 100 * r->knn_top1);
        if (r->test_accuracy >= 0)
            printf("test accuracy: %.2f%% on %lld images\n", 100 * r->test_accuracy, (long long)r->test_images);
        return;
    }
    printf("{\"steps\": %lld, \"seconds\": %.3f, \"run_steps\": %lld, \"run_seconds\": %.3f, \"last_loss\": ",
           (long long)r->steps, r->elapsed_s, run_steps, r->seconds);
    if (run_steps > 0)  /* else no step ran here to have a loss */
        printf("%.6g", r->last_loss);
    else
        printf("null");
    printf(", \"checkpoint\": ");
    hue_json_print_string(checkpoint);
    if (r->knn_top1 >= 0)
        printf(", \"knn_top1\": %.6f", r->knn_top1);
    if (r->test_accuracy >= 0)
        printf(", \"test_accuracy\": %.6f, \"test_images\": %lld", r->test_accuracy, (long long)r->test_images);
    printf(", \"skipped_images\": %lld, \"skipped_clips\": %lld}\n", (long long)r->skipped_images,
           (long long)r->skipped_clips);
}
