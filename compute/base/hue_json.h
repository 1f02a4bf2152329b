/* A small strict JSON (RFC 8259) parser into a read-only tree, and a string
 * quoting helper for writers. Strict on purpose: it reads untrusted file
 * headers (checkpoints), so anything outside the grammar is an error with the
 * byte offset: trailing commas, leading zeros, control characters or invalid
 * UTF-8 in strings, lone surrogates, duplicate object keys, nesting deeper
 * than HUE_JSON_MAX_DEPTH, and trailing non-whitespace after the value. */
#ifndef HUE_JSON_H
#define HUE_JSON_H

#include <stddef.h>
#include <stdint.h>

#define HUE_JSON_MAX_DEPTH 64

typedef enum {
    HUE_JSON_NULL,
    HUE_JSON_BOOL,
    HUE_JSON_NUMBER,
    HUE_JSON_STRING,
    HUE_JSON_ARRAY,
    HUE_JSON_OBJECT,
} hue_json_type;

typedef struct hue_json hue_json;

/* Parses len bytes of text (need not be NUL-terminated). On error returns
 * HUE_EFORMAT (message "<problem> at byte N") or HUE_ENOMEM; *out is NULL. */
int hue_json_parse(const char *text, size_t len, hue_json **out);
/* As hue_json_parse, but refuses a document with more than max_values
 * values (object keys count too) with HUE_ELIMIT: a tree takes about 100
 * bytes per value, so this bounds the memory hostile input can claim. */
int hue_json_parse_limited(const char *text, size_t len, size_t max_values, hue_json **out);
/* Frees the tree returned by hue_json_parse (the root only; NULL is fine). */
void hue_json_destroy(hue_json *root);

/* Every accessor below takes NULL (a member hue_json_get did not find) and
 * answers as for a value of no matching type. */
hue_json_type hue_json_type_of(const hue_json *v);
const char *hue_json_type_name(hue_json_type t);

/* Arrays and objects: number of elements / members (0 for other types). */
size_t hue_json_count(const hue_json *v);
/* Element i of an array, or the value of member i of an object, in document order. */
const hue_json *hue_json_at(const hue_json *v, size_t i);
/* Key of member i of an object (NUL-terminated; *len gets its byte length,
 * which differs from strlen when the key contains \u0000). */
const char *hue_json_key(const hue_json *v, size_t i, size_t *len);
/* Member of an object by key, or NULL (also NULL when v is not an object). */
const hue_json *hue_json_get(const hue_json *v, const char *key);

/* String value (NUL-terminated, UTF-8), or NULL when v is not a string. */
const char *hue_json_string(const hue_json *v, size_t *len);
/* Number value as a double (0 when v is not a number). */
double hue_json_number(const hue_json *v);
/* Integer value: 0 when v is a number written without fraction or exponent
 * that fits in int64_t, else HUE_EINVAL (not an integer) or HUE_ELIMIT
 * (out of range). Records no message: callers know the context. */
int hue_json_int64(const hue_json *v, int64_t *out);
/* Boolean value (0 when v is not a bool). */
int hue_json_bool(const hue_json *v);

/* Returns a malloc'd JSON string literal (with quotes) for len bytes of s,
 * escaping quotes, backslashes and control characters; NULL when out of
 * memory. s must be valid UTF-8 for the result to be valid JSON. */
char *hue_json_quote(const char *s, size_t len);
/* 1 when len bytes of s are valid UTF-8 (no overlongs, no surrogates). */
int hue_json_utf8_valid(const char *s, size_t len);

#endif
