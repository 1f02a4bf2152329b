/* The strict JSON parser: values and accessors, every rejected form, the
 * depth limit, and quote/parse round trips. */
#include "hue_error.h"
#include "hue_json.h"
#include "test_util.h"

#include <string.h>

static hue_json *parse(const char *s)
{
    hue_json *v = NULL;
    int rc = hue_json_parse(s, strlen(s), &v);
    CHECKF(rc == 0, "'%s' should parse: %s", s, hue_error_message());
    return v;
}

/* The text must be rejected with HUE_EFORMAT and a message containing what. */
static void reject_n(const char *s, size_t n, const char *what)
{
    hue_json *v = (hue_json *)1;
    hue_error_clear();
    int rc = hue_json_parse(s, n, &v);
    CHECKF(rc == HUE_EFORMAT && v == NULL, "'%.*s' should be rejected (rc %d)", (int)n, s, rc);
    CHECKF(strstr(hue_error_message(), what) && strstr(hue_error_message(), "at byte"),
           "'%.*s': message '%s' lacks '%s'", (int)n, s, hue_error_message(), what);
}

static void reject(const char *s, const char *what) { reject_n(s, strlen(s), what); }

static void test_values(void)
{
    hue_json *v = parse(" { \"a\" : [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}, \"c\": [] } ");
    if (!v)
        return;
    CHECK(hue_json_type_of(v) == HUE_JSON_OBJECT && hue_json_count(v) == 3);
    size_t klen;
    CHECK(!strcmp(hue_json_key(v, 0, &klen), "a") && klen == 1);
    CHECK(!strcmp(hue_json_key(v, 2, NULL), "c"));
    const hue_json *a = hue_json_get(v, "a");
    CHECK(a && hue_json_type_of(a) == HUE_JSON_ARRAY && hue_json_count(a) == 7);
    CHECK(a == hue_json_at(v, 0));
    int64_t i = 0;
    CHECK(hue_json_int64(hue_json_at(a, 0), &i) == 0 && i == 1);
    CHECK(hue_json_number(hue_json_at(a, 1)) == -2.5);
    CHECK(hue_json_int64(hue_json_at(a, 1), &i) == HUE_EINVAL);
    CHECK(hue_json_number(hue_json_at(a, 2)) == 300.0);
    CHECK(hue_json_int64(hue_json_at(a, 2), &i) == HUE_EINVAL); /* exponent: not an integer literal */
    CHECK(hue_json_bool(hue_json_at(a, 3)) == 1 && hue_json_bool(hue_json_at(a, 4)) == 0);
    CHECK(hue_json_type_of(hue_json_at(a, 4)) == HUE_JSON_BOOL);
    CHECK(hue_json_type_of(hue_json_at(a, 5)) == HUE_JSON_NULL);
    CHECK(!strcmp(hue_json_string(hue_json_at(a, 6), NULL), "x"));
    CHECK(hue_json_string(hue_json_at(a, 0), NULL) == NULL);
    CHECK(hue_json_at(a, 7) == NULL);
    CHECK(hue_json_get(v, "missing") == NULL && hue_json_get(a, "a") == NULL);
    CHECK(hue_json_count(hue_json_get(v, "b")) == 0 && hue_json_count(hue_json_get(v, "c")) == 0);
    hue_json_destroy(v);

    /* Scalars at the top level are values too. */
    v = parse("-0");
    CHECK(v && hue_json_int64(v, &i) == 0 && i == 0);
    hue_json_destroy(v);
    v = parse("9223372036854775807");
    CHECK(v && hue_json_int64(v, &i) == 0 && i == INT64_MAX);
    hue_json_destroy(v);
    v = parse("-9223372036854775808");
    CHECK(v && hue_json_int64(v, &i) == 0 && i == INT64_MIN);
    hue_json_destroy(v);
    v = parse("9223372036854775808");
    CHECK(v && hue_json_int64(v, &i) == HUE_ELIMIT && hue_json_number(v) > 9.2e18);
    hue_json_destroy(v);
    v = parse("123456789012345678901234567890");
    CHECK(v && hue_json_int64(v, &i) == HUE_ELIMIT);
    hue_json_destroy(v);
    v = parse("1.5E-3");
    CHECK(v && hue_json_number(v) == 1.5e-3);
    hue_json_destroy(v);
}

static void test_strings(void)
{
    hue_json *v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"");
    size_t n = 0;
    const char *s = v ? hue_json_string(v, &n) : NULL;
    const char want[] = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    CHECKF(s && n == sizeof want - 1 && !memcmp(s, want, n), "escapes decoded wrong");
    hue_json_destroy(v);

    v = parse("\"x\\u0000y\"");
    s = v ? hue_json_string(v, &n) : NULL;
    CHECK(s && n == 3 && s[1] == 0 && s[2] == 'y');
    hue_json_destroy(v);

    v = parse("\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\""); /* raw UTF-8 */
    s = v ? hue_json_string(v, &n) : NULL;
    CHECK(s && n == 14);
    hue_json_destroy(v);

    /* quote() then parse() returns the original, control characters included. */
    char raw[64];
    for (int c = 1; c < 32; c++)
        raw[c - 1] = (char)c;
    memcpy(raw + 31, "\"\\/ \xc3\xa9", 7);
    char *q = hue_json_quote(raw, 38);
    v = q ? parse(q) : NULL;
    s = v ? hue_json_string(v, &n) : NULL;
    CHECK(s && n == 38 && !memcmp(s, raw, 38));
    hue_json_destroy(v);
    free(q);

    CHECK(hue_json_utf8_valid("ok \xc3\xa9", 5));
    CHECK(!hue_json_utf8_valid("\xc0\x80", 2));
    CHECK(!hue_json_utf8_valid("\xed\xa0\x80", 3));
    CHECK(!hue_json_utf8_valid("\xc3", 1));
}

static void test_rejects(void)
{
    reject("", "unexpected end of input");
    reject("   ", "unexpected end of input");
    reject("{", "unexpected end of input");
    reject("{\"a\"", "unexpected end of input");
    reject("{\"a\":", "unexpected end of input");
    reject("{\"a\":1", "unexpected end of input");
    reject("[1,2", "unexpected end of input");
    reject("{\"a\":1,}", "expected string key");
    reject("[1,]", "unexpected character ']'");
    reject("{a:1}", "expected string key");
    reject("{'a':1}", "expected string key");
    reject("{\"a\" 1}", "expected ':'");
    reject("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    reject("[1 2]", "expected ',' or ']'");
    reject("{} x", "trailing characters");
    reject("{}{}", "trailing characters");
    reject("01", "leading zero");
    reject("-01", "leading zero");
    reject("1.", "expected digit after decimal point");
    reject("1.e5", "expected digit after decimal point");
    reject("1e", "expected digit in exponent");
    reject("1e+", "expected digit in exponent");
    reject(".5", "unexpected character '.'");
    reject("+1", "unexpected character '+'");
    reject("-", "unexpected end of input");
    reject("-x", "unexpected character 'x'");
    reject("NaN", "unexpected character 'N'");
    reject("Infinity", "unexpected character 'I'");
    reject("tru", "unexpected character 't'");
    reject("nul", "unexpected character 'n'");
    reject("True", "unexpected character 'T'");
    reject("// c\n{}", "unexpected character '/'");
    reject("\"abc", "unterminated string");
    reject("\"abc\\\"", "unterminated string");
    reject("\"a\tb\"", "control character");
    reject("\"a\nb\"", "control character");
    reject("\"\\x41\"", "invalid escape");
    reject("\"\\u12\"", "invalid \\u escape");
    reject("\"\\u12G4\"", "invalid \\u escape");
    reject("\"\\udc00\"", "lone low surrogate");
    reject("\"\\ud800\"", "unpaired high surrogate");
    reject("\"\\ud800\\u0041\"", "unpaired high surrogate");
    reject("\"\\ud800x\"", "unpaired high surrogate");
    reject("\"\xc0\x80\"", "invalid UTF-8");      /* overlong NUL */
    reject("\"\xed\xa0\x80\"", "invalid UTF-8");  /* encoded surrogate */
    reject("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* past U+10FFFF */
    reject("\"\xff\"", "invalid UTF-8");
    reject("\"\xe2\x82\"", "invalid UTF-8");      /* cut sequence */
    reject("\xef\xbb\xbf{}", "unexpected byte 0xef"); /* BOM */
    reject("{\"a\":1,\"b\":2,\"a\":3}", "duplicate object key \"a\" at byte 13");
    reject("{\"k\":{\"x\":1,\"x\":1}}", "duplicate object key \"x\"");
    reject("{\"a\\nb\":1,\"a\\nb\":1}", "duplicate object key \"a?b\"");
    reject_n("{}\0", 3, "trailing characters");
    reject_n("\"a\0b\"", 5, "control character");
}

static void test_depth(void)
{
    char buf[2 * HUE_JSON_MAX_DEPTH + 8];
    int d = HUE_JSON_MAX_DEPTH;
    for (int i = 0; i < d; i++)
        buf[i] = '[', buf[2 * d - 1 - i] = ']';
    buf[2 * d] = 0;
    hue_json *v = parse(buf);
    CHECK(v != NULL);
    hue_json_destroy(v);

    d = HUE_JSON_MAX_DEPTH + 1;
    for (int i = 0; i < d; i++)
        buf[i] = '[', buf[2 * d - 1 - i] = ']';
    buf[2 * d] = 0;
    reject(buf, "nesting too deep");

    /* A long unclosed run must stop at the limit, not recurse on. */
    static char deep[100000];
    memset(deep, '[', sizeof deep);
    reject_n(deep, sizeof deep, "nesting too deep");
    memset(deep, '{', sizeof deep);
    reject_n(deep, sizeof deep, "expected string key");
}

static void test_many_keys(void)
{
    /* Lookup and duplicate detection over many members. */
    enum { N = 5000 };
    char *s = malloc(N * 24 + 8), *o = s;
    o += sprintf(o, "{");
    for (int i = N - 1; i >= 0; i--)
        o += sprintf(o, "%s\"k%d\":%d", i == N - 1 ? "" : ",", i, i);
    char *end = o;
    sprintf(end, "}");
    hue_json *v = parse(s);
    int ok = v != NULL;
    for (int i = 0; v && i < N; i++) {
        char k[16];
        int64_t x = -1;
        snprintf(k, sizeof k, "k%d", i);
        const hue_json *m = hue_json_get(v, k);
        ok &= m && hue_json_int64(m, &x) == 0 && x == i;
    }
    CHECK(ok);
    CHECK(v && hue_json_get(v, "k") == NULL && hue_json_get(v, "k50000") == NULL);
    hue_json_destroy(v);
    sprintf(end, ",\"k17\":0}");
    reject(s, "duplicate object key");
    free(s);
}

static void test_limit(void)
{
    hue_json *v = NULL;
    CHECK(hue_json_parse_limited("[1,2,3]", 7, 4, &v) == 0 && v);
    hue_json_destroy(v);
    CHECK(hue_json_parse_limited("[1,2,3]", 7, 3, &v) == HUE_ELIMIT && !v);
    CHECKF(strstr(hue_error_message(), "more than 3 values at byte 5"), "%s", hue_error_message());
    /* Keys count: object, key, value. */
    CHECK(hue_json_parse_limited("{\"a\":1}", 7, 3, &v) == 0 && v);
    hue_json_destroy(v);
    CHECK(hue_json_parse_limited("{\"a\":1}", 7, 2, &v) == HUE_ELIMIT && !v);
}

int main(void)
{
    test_values();
    test_strings();
    test_rejects();
    test_depth();
    test_many_keys();
    test_limit();
    return test_finish();
}
