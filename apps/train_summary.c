/* The end-of-run summary of the training commands (train_summary.h). */
#include <stdio.h>

#include "json_out.h"
#include "train_summary.h"

void hue_train_summary_print(const hue_train_report *r, const char *checkpoint, int json)
{
    if (!json) {
        printf("trained %lld steps in %.1f s, last loss %.4f; checkpoint %s\n", (long long)r->steps, r->seconds,
               r->last_loss, checkpoint);
        if (r->knn_top1 >= 0)
            printf("kNN monitor: top-1 %.2f%% on the test split\n", 100 * r->knn_top1);
        if (r->test_accuracy >= 0)
            printf("test accuracy: %.2f%% on %lld images\n", 100 * r->test_accuracy, (long long)r->test_images);
        return;
    }
    printf("{\"steps\": %lld, \"seconds\": %.3f, \"last_loss\": %.6g, \"checkpoint\": ", (long long)r->steps,
           r->seconds, r->last_loss);
    hue_json_print_string(checkpoint);
    if (r->knn_top1 >= 0)
        printf(", \"knn_top1\": %.6f", r->knn_top1);
    if (r->test_accuracy >= 0)
        printf(", \"test_accuracy\": %.6f, \"test_images\": %lld", r->test_accuracy, (long long)r->test_images);
    printf(", \"skipped_images\": %lld, \"skipped_clips\": %lld}\n", (long long)r->skipped_images,
           (long long)r->skipped_clips);
}
