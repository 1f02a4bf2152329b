#include "hue_json_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hue_json.h"

void hue_json_writer_init(hue_json_writer *w) { memset(w, 0, sizeof *w); }

void hue_json_writer_free(hue_json_writer *w)
{
    free(w->text);
    memset(w, 0, sizeof *w);
}

const char *hue_json_writer_text(const hue_json_writer *w)
{
    return w->failed || w->depth || w->after_key || !w->text ? NULL : w->text;
}

static void put(hue_json_writer *w, const char *s, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (w->len + n + 1 > cap)
            cap *= 2;
        char *t = realloc(w->text, cap);
        if (!t) {
            w->failed = 1;
            return;
        }
        w->text = t, w->cap = cap;
    }
    memcpy(w->text + w->len, s, n);
    w->len += n;
    w->text[w->len] = 0;
}

static void puts_(hue_json_writer *w, const char *s) { put(w, s, strlen(s)); }

/* Before any value: the comma that separates it from the previous one. */
static void value_start(hue_json_writer *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0 && w->count[w->depth - 1]++ > 0)
        puts_(w, ", ");
}

static void quoted(hue_json_writer *w, const char *s)
{
    char *q = hue_json_quote(s, strlen(s));
    if (!q) {
        w->failed = 1;
        return;
    }
    puts_(w, q);
    free(q);
}

static void open_(hue_json_writer *w, const char *bracket)
{
    value_start(w);
    if (w->depth == HUE_JSON_WRITER_DEPTH) {
        w->failed = 1;
        return;
    }
    w->close[w->depth] = bracket[0] == '{' ? '}' : ']';
    w->count[w->depth++] = 0;
    puts_(w, bracket);
}

void hue_jw_object(hue_json_writer *w) { open_(w, "{"); }
void hue_jw_array(hue_json_writer *w) { open_(w, "["); }

void hue_jw_end(hue_json_writer *w)
{
    if (w->depth == 0 || w->after_key) {
        w->failed = 1;
        return;
    }
    w->depth--;
    put(w, &w->close[w->depth], 1);
}

void hue_jw_key(hue_json_writer *w, const char *key)
{
    value_start(w);
    quoted(w, key);
    puts_(w, ": ");
    w->after_key = 1;
}

void hue_jw_string(hue_json_writer *w, const char *s)
{
    value_start(w);
    quoted(w, s ? s : "");
}

void hue_jw_number_digits(hue_json_writer *w, double x, int digits)
{
    value_start(w);
    if (!isfinite(x)) {
        puts_(w, "null");
        return;
    }
    char buf[40];
    snprintf(buf, sizeof buf, "%.*g", digits < 3 ? 3 : digits > 17 ? 17 : digits, x);
    puts_(w, buf);
}

void hue_jw_number(hue_json_writer *w, double x) { hue_jw_number_digits(w, x, 9); }

void hue_jw_int(hue_json_writer *w, int64_t x)
{
    value_start(w);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)x);
    puts_(w, buf);
}

void hue_jw_bool(hue_json_writer *w, int b)
{
    value_start(w);
    puts_(w, b ? "true" : "false");
}

void hue_jw_null(hue_json_writer *w)
{
    value_start(w);
    puts_(w, "null");
}

void hue_jw_raw(hue_json_writer *w, const char *json)
{
    value_start(w);
    puts_(w, json);
}

int hue_json_equal(const hue_json *a, const hue_json *b)
{
    hue_json_type t = hue_json_type_of(a);
    if (!a || !b || t != hue_json_type_of(b))
        return !a && !b;
    size_t la, lb;
    switch (t) {
    case HUE_JSON_NULL: return 1;
    case HUE_JSON_BOOL: return hue_json_bool(a) == hue_json_bool(b);
    case HUE_JSON_NUMBER: return hue_json_number(a) == hue_json_number(b);
    case HUE_JSON_STRING: {
        const char *sa = hue_json_string(a, &la), *sb = hue_json_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case HUE_JSON_ARRAY:
        if (hue_json_count(a) != hue_json_count(b))
            return 0;
        for (size_t i = 0; i < hue_json_count(a); i++)
            if (!hue_json_equal(hue_json_at(a, i), hue_json_at(b, i)))
                return 0;
        return 1;
    case HUE_JSON_OBJECT:
        if (hue_json_count(a) != hue_json_count(b))
            return 0;
        for (size_t i = 0; i < hue_json_count(a); i++)
            if (!hue_json_equal(hue_json_at(a, i), hue_json_get(b, hue_json_key(a, i, NULL))))
                return 0;
        return 1;
    }
    return 0;
}
