/* Building JSON text: checkpoint metadata, metrics lines and --json output
 * are written through this one writer, so every string is escaped the same
 * way and every document parses back with hue_json_parse.
 *
 *   hue_json_writer w;
 *   hue_json_writer_init(&w);
 *   hue_jw_object(&w);
 *   hue_jw_key(&w, "step"); hue_jw_int(&w, 12);
 *   hue_jw_key(&w, "lr");   hue_jw_number(&w, 0.1);
 *   hue_jw_end(&w);
 *   const char *text = hue_json_writer_text(&w);   (NULL when out of memory)
 *   ... hue_json_writer_free(&w);
 *
 * Commas go in by themselves; members are written as "key": value with one
 * space after each colon and comma, as hue's earlier metadata was. */
#ifndef HUE_JSON_WRITER_H
#define HUE_JSON_WRITER_H
#include <stddef.h>
#include <stdint.h>

#define HUE_JSON_WRITER_DEPTH 32

typedef struct {
    char *text;
    size_t len, cap;
    int failed;                            /* out of memory, or misuse (too deep, end without begin) */
    int depth;
    int count[HUE_JSON_WRITER_DEPTH];      /* values written at each open level */
    char close[HUE_JSON_WRITER_DEPTH];     /* the bracket that closes it */
    int after_key;                         /* a key waits for its value */
} hue_json_writer;

void hue_json_writer_init(hue_json_writer *w);
void hue_json_writer_free(hue_json_writer *w);
/* The text written so far; NULL when a write failed or a container is still open. */
const char *hue_json_writer_text(const hue_json_writer *w);

void hue_jw_object(hue_json_writer *w);
void hue_jw_array(hue_json_writer *w);
void hue_jw_end(hue_json_writer *w);
void hue_jw_key(hue_json_writer *w, const char *key);
void hue_jw_string(hue_json_writer *w, const char *s);
/* Finite numbers with 9 significant digits (a float's value survives the
 * round trip); NaN and infinities, which JSON lacks, as null. */
void hue_jw_number(hue_json_writer *w, double x);
/* The same with `digits` significant digits (3 to 17). */
void hue_jw_number_digits(hue_json_writer *w, double x, int digits);
void hue_jw_int(hue_json_writer *w, int64_t x);
void hue_jw_bool(hue_json_writer *w, int b);
void hue_jw_null(hue_json_writer *w);
/* A value already written as JSON text (a nested document); not checked. */
void hue_jw_raw(hue_json_writer *w, const char *json);

/* 1 when two parsed values are equal: same types, numbers equal as
 * doubles, strings byte-equal, arrays element by element, objects with the
 * same keys (in any order) and equal values. */
struct hue_json;
int hue_json_equal(const struct hue_json *a, const struct hue_json *b);

#endif
