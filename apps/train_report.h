/* A training run's report: DIR/index.html, one self-contained page (the
 * curves of its log as inline SVG, the command line, the checkpoint's
 * metadata, the last value of every logged quantity, and sample images,
 * inline PNGs that are also kept as files in DIR). Rewritten atomically
 * after every checkpoint, so a browser never sees half a page. The report
 * knows nothing of methods: the command hands it its images. */
#ifndef HUE_TRAIN_REPORT_H
#define HUE_TRAIN_REPORT_H
#include <stdint.h>

typedef struct {
    const char *file;         /* a PNG in the report's folder */
    const char *caption;
} train_report_image;

typedef struct {
    const char *dir;
    const char *title;        /* "hue train-video" */
    char command[4096];       /* the command line, quoted as for a shell */
    const char *log;          /* the run's JSON-lines log: the curves */
} train_report;

/* Readies r: makes dir (and its missing parents) and refuses files a
 * report would replace (index.html and those named in `files`, NULL-ended)
 * unless replace (--force, or a resumed run); 0 or an error naming the file. */
int train_report_begin(train_report *r, const char *dir, const char *title, const char *log, int argc,
                       char **argv, const char *const *files, int replace);
/* Writes dir/index.html for the checkpoint at `checkpoint`, after step. */
int train_report_write(const train_report *r, const char *checkpoint, int64_t step, const train_report_image *images,
                       int n_images);

#endif
