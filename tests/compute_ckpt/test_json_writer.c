/* The JSON writer: commas and nesting, escaping, numbers (9 digits, NaN as
 * null), misuse and out-of-order ends refused, and every document it
 * writes parses back equal (hue_json_equal) to what was meant. */
#include "hue_json.h"
#include "hue_json_writer.h"
#include "test_util.h"

#include <math.h>
#include <string.h>

static hue_json *parse(const char *s)
{
    hue_json *v = NULL;
    CHECKF(s && hue_json_parse(s, strlen(s), &v) == 0, "'%s' should parse", s ? s : "(null)");
    return v;
}

static void test_document(void)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    hue_jw_key(&w, "step");
    hue_jw_int(&w, 12);
    hue_jw_key(&w, "lr");
    hue_jw_number(&w, 0.1);
    hue_jw_key(&w, "name \"q\"\n");
    hue_jw_string(&w, "tab\there");
    hue_jw_key(&w, "list");
    hue_jw_array(&w);
    hue_jw_bool(&w, 1);
    hue_jw_null(&w);
    hue_jw_array(&w);
    hue_jw_end(&w);
    hue_jw_object(&w);
    hue_jw_end(&w);
    hue_jw_number(&w, NAN);
    hue_jw_end(&w);
    hue_jw_key(&w, "raw");
    hue_jw_raw(&w, "{\"a\": [1, 2]}");
    hue_jw_end(&w);
    const char *text = hue_json_writer_text(&w);
    CHECKF(text && !strcmp(text, "{\"step\": 12, \"lr\": 0.1, \"name \\\"q\\\"\\n\": \"tab\\there\", "
                                 "\"list\": [true, null, [], {}, null], \"raw\": {\"a\": [1, 2]}}"),
           "got %s", text ? text : "(null)");
    hue_json *a = parse(text);
    hue_json *b = parse("{\"raw\": {\"a\": [1, 2.0]}, \"list\": [true, null, [], {}, null], \"lr\": 0.1, "
                        "\"step\": 12, \"name \\\"q\\\"\\n\": \"tab\\there\"}");
    CHECK(a && b && hue_json_equal(a, b));
    hue_json *c = parse("{\"raw\": {\"a\": [1, 3]}, \"list\": [true, null, [], {}, null], \"lr\": 0.1, "
                        "\"step\": 12, \"name \\\"q\\\"\\n\": \"tab\\there\"}");
    CHECK(c && !hue_json_equal(a, c));
    hue_json *d = parse("{\"step\": 12}");
    CHECK(d && !hue_json_equal(a, d) && !hue_json_equal(d, a));
    hue_json_destroy(a), hue_json_destroy(b), hue_json_destroy(c), hue_json_destroy(d);
    hue_json_writer_free(&w);
}

static void test_misuse(void)
{
    hue_json_writer w;
    hue_json_writer_init(&w);
    hue_jw_object(&w);
    CHECK(hue_json_writer_text(&w) == NULL); /* still open */
    hue_jw_key(&w, "k");
    hue_jw_end(&w);                          /* a key without its value */
    CHECK(hue_json_writer_text(&w) == NULL);
    hue_json_writer_free(&w);
    hue_json_writer_init(&w);
    hue_jw_end(&w);                          /* nothing open */
    CHECK(hue_json_writer_text(&w) == NULL);
    hue_json_writer_free(&w);
    hue_json_writer_init(&w);
    for (int i = 0; i <= HUE_JSON_WRITER_DEPTH; i++)
        hue_jw_array(&w);
    CHECK(w.failed);
    hue_json_writer_free(&w);
}

/* A float written and read back is the same float. */
static void test_numbers(void)
{
    float values[] = {0.1f, 1e-7f, 3.4e38f, -2.5f, 0.0f, 1.0f / 3.0f};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        hue_json_writer w;
        hue_json_writer_init(&w);
        hue_jw_number(&w, values[i]);
        hue_json *v = parse(hue_json_writer_text(&w));
        CHECKF(v && (float)hue_json_number(v) == values[i], "%g came back as %s", values[i], w.text);
        hue_json_destroy(v);
        hue_json_writer_free(&w);
    }
}

int main(void)
{
    test_document();
    test_misuse();
    test_numbers();
    return test_finish();
}
