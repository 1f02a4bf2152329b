/* Fuzz target: the strict JSON parser (compute/json.c). Whatever it
 * accepts must read back consistently: every accessor answers for every
 * node, each key finds its own member, strings are valid UTF-8 and survive
 * hue_json_quote and a second parse unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hue_json.h"

/* Checks that s (len bytes) quotes into a literal that parses back to s. */
static void check_quote(const char *s, size_t len)
{
    if (!hue_json_utf8_valid(s, len))
        abort();
    char *q = hue_json_quote(s, len);
    if (!q)
        return; /* out of memory */
    hue_json *back;
    if (hue_json_parse(q, strlen(q), &back))
        abort();
    size_t blen;
    const char *b = hue_json_string(back, &blen);
    if (!b || blen != len || memcmp(b, s, len))
        abort();
    hue_json_destroy(back);
    free(q);
}

static void check(const hue_json *v)
{
    hue_json_type t = hue_json_type_of(v);
    if (!hue_json_type_name(t))
        abort();
    size_t n = hue_json_count(v), len;
    if (t != HUE_JSON_ARRAY && t != HUE_JSON_OBJECT && n)
        abort();
    if (hue_json_at(v, n))
        abort();
    const char *s = hue_json_string(v, &len);
    if ((t == HUE_JSON_STRING) != (s != NULL))
        abort();
    if (s) {
        if (s[len])
            abort();
        check_quote(s, len);
    }
    int64_t i;
    if (!hue_json_int64(v, &i) && (t != HUE_JSON_NUMBER || (double)i != hue_json_number(v)))
        abort();
    for (size_t k = 0; k < n; k++) {
        const hue_json *item = hue_json_at(v, k);
        if (!item)
            abort();
        if (t == HUE_JSON_OBJECT) {
            const char *key = hue_json_key(v, k, &len);
            if (!key || key[len])
                abort();
            check_quote(key, len);
            /* keys are unique: each finds its own member (a key holding
             * \u0000 is cut at the NUL for hue_json_get, so skip those) */
            if (strlen(key) == len && hue_json_get(v, key) != item)
                abort();
        } else if (hue_json_key(v, k, &len)) {
            abort();
        }
        check(item);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hue_json *root;
    if (hue_json_parse_limited((const char *)data, size, 100000, &root) == 0) {
        check(root);
        hue_json_destroy(root);
    }
    return 0;
}
