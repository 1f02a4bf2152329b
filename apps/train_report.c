/* The training report page (see train_report.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_output.h"
#include "plot_chart.h"
#include "train_report.h"

/* Words that a shell would split or expand go in single quotes. */
static void quote_word(const char *s, char *out, size_t size)
{
    size_t n = strlen(out);
    int plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+@%", *p))
            plain = 0;
    if (plain) {
        snprintf(out + n, size - n, "%s%s", n ? " " : "", s);
        return;
    }
    n += (size_t)snprintf(out + n, size - n, "%s'", n ? " " : "");
    for (const char *p = s; *p && n + 5 < size; p++)
        n += (size_t)snprintf(out + n, size - n, *p == '\'' ? "'\\''" : "%c", *p);
    if (n + 1 < size)
        snprintf(out + n, size - n, "'");
}

int train_report_begin(train_report *r, const char *dir, const char *title, const char *log, int argc,
                       char **argv, const char *const *files, int replace)
{
    memset(r, 0, sizeof *r);
    r->dir = dir, r->title = title, r->log = log;
    snprintf(r->command, sizeof r->command, "hue");
    for (int i = 0; i < argc; i++)
        quote_word(argv[i], r->command, sizeof r->command);
    int rc = hue_outdir_make(dir);
    if (rc)
        return rc;
    char path[4096];
    for (int i = -1; !replace && (i < 0 || (files && files[i])); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, i < 0 ? "index.html" : files[i]);
        if (access(path, F_OK) == 0)
            return hue_fail(HUE_EEXIST, "%s exists: pass --force to replace the report", path);
    }
    snprintf(path, sizeof path, "%s/index.html", dir);
    return hue_output_check(path, 1);
}

static void html(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* A file's bytes as base64, for a data: URL. */
static int put_base64(FILE *f, const char *path)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return hue_fail(HUE_EIO, "%s: %s", path, strerror(errno));
    unsigned char b[3];
    size_t n;
    while ((n = fread(b, 1, 3, in)) > 0) {
        unsigned v = (unsigned)b[0] << 16 | (n > 1 ? (unsigned)b[1] << 8 : 0) | (n > 2 ? b[2] : 0);
        fputc(digits[v >> 18 & 63], f);
        fputc(digits[v >> 12 & 63], f);
        fputc(n > 1 ? digits[v >> 6 & 63] : '=', f);
        fputc(n > 2 ? digits[v & 63] : '=', f);
    }
    int bad = ferror(in);
    fclose(in);
    return bad ? hue_fail(HUE_EIO, "%s: cannot read it", path) : 0;
}

static void curves(FILE *f, const train_report *r)
{
    const char *paths[1] = {r->log};
    plot_request req = {paths, 1, PLOT_X_STEP, NULL, 960, 640};
    plot_result res;
    char *svg = NULL;
    int rc = plot_make(&req, &res);
    if (!rc)
        rc = chart_svg(&res.drawing, &svg);
    fputs("<h2>Curves</h2>\n", f);
    if (rc) {
        fputs("<p>No curves: ", f);
        html(f, hue_error_message());
        fputs("</p>\n", f);
    } else {
        fputs(svg, f);
        fputs("<h2>Last values</h2>\n<table>\n<tr><th>quantity</th><th>value</th><th>at step</th></tr>\n", f);
        for (int q = 0; q < res.runs[0].n_q; q++) {
            const plot_quantity *pq = &res.runs[0].q[q];
            fputs("<tr><td>", f);
            html(f, pq->name);
            fprintf(f, "</td><td>%.6g</td><td>%.0f</td></tr>\n", pq->y[pq->n - 1], pq->x[pq->n - 1]);
        }
        fputs("</table>\n", f);
    }
    free(svg);
    plot_result_free(&res);
}

static int metadata(FILE *f, const char *checkpoint)
{
    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_open(checkpoint, &ck);
    if (rc)
        return rc;
    fputs("<h2>Checkpoint</h2>\n<p><code>", f);
    html(f, checkpoint);
    fputs("</code></p>\n<table>\n", f);
    for (int i = 0; i < hue_checkpoint_meta_count(ck); i++) {
        const char *value = hue_checkpoint_meta_value(ck, i);
        char shown[404];
        snprintf(shown, sizeof shown, "%.400s%s", value, strlen(value) > 400 ? "..." : "");
        fputs("<tr><td>", f);
        html(f, hue_checkpoint_meta_key(ck, i));
        fputs("</td><td><code>", f);
        html(f, shown);
        fputs("</code></td></tr>\n", f);
    }
    fputs("</table>\n", f);
    hue_checkpoint_destroy(ck);
    return 0;
}

int train_report_write(const train_report *r, const char *checkpoint, int64_t step, const train_report_image *images,
                       int n_images)
{
    char path[4096], tmp[4096], when[64];
    snprintf(path, sizeof path, "%s/index.html", r->dir);
    FILE *f = NULL;
    int rc = hue_output_temp_file(path, tmp, sizeof tmp, &f);
    if (rc)
        return rc;
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    html(f, r->title);
    fputs("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}"
          "code{white-space:pre-wrap;word-break:break-all}figure{display:inline-block;margin:0 1em 1em 0}"
          "img{max-width:45vw}</style>\n</head><body>\n<h1>",
          f);
    html(f, r->title);
    fprintf(f, "</h1>\n<p>After step %lld, written %s.</p>\n<h2>Command</h2>\n<pre>", (long long)step, when);
    html(f, r->command);
    fputs("</pre>\n", f);
    curves(f, r);
    if (n_images > 0)
        fputs("<h2>Samples</h2>\n", f);
    for (int i = 0; i < n_images && !rc; i++) {
        fputs("<figure><img alt=\"", f);
        html(f, images[i].caption);
        fputs("\" src=\"data:image/png;base64,", f);
        snprintf(path, sizeof path, "%s/%s", r->dir, images[i].file);
        rc = put_base64(f, path);
        fputs("\"><figcaption>", f);
        html(f, images[i].caption);
        fputs(" (<a href=\"", f);
        html(f, images[i].file);
        fputs("\">", f);
        html(f, images[i].file);
        fputs("</a>)</figcaption></figure>\n", f);
    }
    if (!rc)
        rc = metadata(f, checkpoint);
    fputs("</body></html>\n", f);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    snprintf(path, sizeof path, "%s/index.html", r->dir);
    if (!rc && bad)
        rc = hue_fail(HUE_EIO, "%s: cannot write it", path);
    if (rc) {
        remove(tmp);
        return rc;
    }
    return hue_output_commit(tmp, path, 1);
}
