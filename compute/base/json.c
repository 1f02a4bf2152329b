/* Strict recursive-descent JSON parser (see hue_json.h). Every node is its
 * own allocation; recursion is bounded by HUE_JSON_MAX_DEPTH, so a crafted
 * "[[[[..." cannot exhaust the stack. */
#include "hue_json.h"
#include "hue_error.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

struct hue_json {
    hue_json_type type;
    int boolean;
    double number;
    int int_status; /* 0: integer in int_value; else HUE_EINVAL / HUE_ELIMIT */
    int64_t int_value;
    char *str; /* string value, NUL-terminated */
    size_t len;
    size_t count;    /* array elements / object members */
    hue_json **items;
    char **keys;     /* objects: member keys, NUL-terminated */
    size_t *key_lens;
    size_t *order;   /* objects: member indices sorted by key, for lookup */
};

typedef struct {
    const unsigned char *s;
    size_t len;
    size_t pos;
    int depth;
    size_t values, max_values; /* keys count as values; 0: no limit */
} parser;

static int fail_at(size_t pos, const char *what)
{
    return hue_fail(HUE_EFORMAT, "%s at byte %zu", what, pos);
}

static int fail_char(const parser *p)
{
    if (p->pos >= p->len)
        return fail_at(p->pos, "unexpected end of input");
    unsigned char c = p->s[p->pos];
    if (c >= 0x20 && c < 0x7f)
        return hue_fail(HUE_EFORMAT, "unexpected character '%c' at byte %zu", c, p->pos);
    return hue_fail(HUE_EFORMAT, "unexpected byte 0x%02x at byte %zu", c, p->pos);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

/* Length of the UTF-8 sequence at s (n bytes available), 0 when invalid:
 * rejects overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t k;
    unsigned cp, min;
    if ((c & 0xe0) == 0xc0) {
        k = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        k = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        k = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

int hue_json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(u + i, len - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Four hex digits at p->pos; -1 when malformed. */
static int hex4(const parser *p, size_t at)
{
    if (p->len - at < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p->s[at + i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Parses a string literal at p->pos (which holds '"') into a malloc'd,
 * NUL-terminated buffer. Decoded text is never longer than the literal, so
 * one allocation of the literal's length suffices. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
    size_t start = ++p->pos, end = start;
    while (end < p->len && p->s[end] != '"')
        end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len)
        return fail_at(start - 1, "unterminated string starting");
    char *d = malloc(end - start + 1);
    if (!d)
        return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
    size_t n = 0;
    while (p->pos < end) {
        unsigned char c = p->s[p->pos];
        if (c < 0x20) {
            free(d);
            return fail_at(p->pos, "control character in string");
        }
        if (c != '\\') {
            size_t k = utf8_seq(p->s + p->pos, end - p->pos);
            if (!k) {
                free(d);
                return fail_at(p->pos, "invalid UTF-8 in string");
            }
            memcpy(d + n, p->s + p->pos, k);
            n += k, p->pos += k;
            continue;
        }
        unsigned char e = p->s[p->pos + 1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char repl[] = "\"\\/\b\f\n\r\t";
            d[n++] = repl[simple - "\"\\/bfnrt"];
            p->pos += 2;
            continue;
        }
        if (e != 'u') {
            free(d);
            return fail_at(p->pos, "invalid escape in string");
        }
        int cp = hex4(p, p->pos + 2);
        if (cp < 0) {
            free(d);
            return fail_at(p->pos, "invalid \\u escape in string");
        }
        size_t esc_at = p->pos;
        p->pos += 6;
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            free(d);
            return fail_at(esc_at, "lone low surrogate in string");
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            /* A high surrogate must be followed by \u and a low surrogate. */
            int lo = p->pos + 1 < end && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u'
                         ? hex4(p, p->pos + 2)
                         : -1;
            if (lo < 0xdc00 || lo > 0xdfff) {
                free(d);
                return fail_at(esc_at, "unpaired high surrogate in string");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p->pos += 6;
        }
        n += put_utf8(d + n, (unsigned)cp);
    }
    p->pos = end + 1;
    d[n] = 0;
    *out = d;
    *out_len = n;
    return 0;
}

/* Counts one more value (or key) against the caller's budget. */
static int count_value(parser *p)
{
    if (p->max_values && ++p->values > p->max_values)
        return hue_fail(HUE_ELIMIT, "more than %zu values at byte %zu", p->max_values, p->pos);
    return 0;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int parse_number(parser *p, hue_json *v)
{
    size_t start = p->pos;
    const unsigned char *s = p->s;
    size_t i = p->pos;
    int negative = 0, integral = 1;
    if (i < p->len && s[i] == '-')
        negative = 1, i++;
    if (i >= p->len || !is_digit(s[i])) {
        p->pos = i;
        return fail_char(p);
    }
    if (s[i] == '0') {
        i++;
        if (i < p->len && is_digit(s[i]))
            return fail_at(i, "leading zero in number");
    } else {
        while (i < p->len && is_digit(s[i]))
            i++;
    }
    if (i < p->len && s[i] == '.') {
        integral = 0, i++;
        if (i >= p->len || !is_digit(s[i]))
            return fail_at(i, "expected digit after decimal point");
        while (i < p->len && is_digit(s[i]))
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0, i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || !is_digit(s[i]))
            return fail_at(i, "expected digit in exponent");
        while (i < p->len && is_digit(s[i]))
            i++;
    }
    p->pos = i;

    v->int_status = HUE_EINVAL;
    if (integral) {
        /* Exact integer, accumulated as a negative number so INT64_MIN fits. */
        int64_t acc = 0;
        v->int_status = 0;
        for (size_t k = start + negative; k < i; k++) {
            int dgt = s[k] - '0';
            if (acc < (INT64_MIN + dgt) / 10) {
                v->int_status = HUE_ELIMIT;
                break;
            }
            acc = acc * 10 - dgt;
        }
        if (!v->int_status && !negative && acc == INT64_MIN)
            v->int_status = HUE_ELIMIT;
        if (!v->int_status)
            v->int_value = negative ? acc : -acc;
    }

    /* strtod needs a NUL-terminated copy, and honours the locale's decimal
     * point, so swap '.' for it in case a caller ran setlocale(). */
    size_t n = i - start;
    char small[64], *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf)
        return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
    memcpy(buf, s + start, n);
    buf[n] = 0;
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = dp[0];
    }
    v->number = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return 0;
}

static int parse_value(parser *p, hue_json **out);

/* Appends child (and key) to container v, growing its arrays. */
static int append(hue_json *v, size_t *cap, hue_json *child, char *key, size_t key_len)
{
    if (v->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        hue_json **items = realloc(v->items, nc * sizeof *items);
        if (!items)
            return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
        v->items = items;
        if (v->type == HUE_JSON_OBJECT) {
            char **keys = realloc(v->keys, nc * sizeof *keys);
            if (!keys)
                return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
            v->keys = keys;
            size_t *lens = realloc(v->key_lens, nc * sizeof *lens);
            if (!lens)
                return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
            v->key_lens = lens;
        }
        *cap = nc;
    }
    v->items[v->count] = child;
    if (v->type == HUE_JSON_OBJECT) {
        v->keys[v->count] = key;
        v->key_lens[v->count] = key_len;
    }
    v->count++;
    return 0;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* qsort has no context argument, so sort (index, node) pairs. */
typedef struct {
    size_t idx;
    const hue_json *obj;
} key_ref;

static int key_ref_cmp(const void *x, const void *y)
{
    const key_ref *a = x, *b = y;
    int c = key_cmp(a->obj->keys[a->idx], a->obj->key_lens[a->idx], b->obj->keys[b->idx],
                    b->obj->key_lens[b->idx]);
    /* Ties by index, so the later duplicate is the one reported. */
    return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* Sorts the member index for lookups; rejects duplicate keys in
 * O(n log n), so a header with a million members stays cheap. */
static int index_keys(hue_json *v, const size_t *key_pos)
{
    if (!v->count)
        return 0;
    key_ref *refs = malloc(v->count * sizeof *refs);
    v->order = malloc(v->count * sizeof *v->order);
    if (!refs || !v->order) {
        free(refs);
        return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
    }
    for (size_t i = 0; i < v->count; i++)
        refs[i] = (key_ref){i, v};
    qsort(refs, v->count, sizeof *refs, key_ref_cmp);
    for (size_t i = 0; i < v->count; i++) {
        v->order[i] = refs[i].idx;
        if (i && !key_cmp(v->keys[refs[i].idx], v->key_lens[refs[i].idx], v->keys[refs[i - 1].idx],
                          v->key_lens[refs[i - 1].idx])) {
            /* Name the key, made printable and short for a one-line message. */
            const char *k = v->keys[refs[i].idx];
            size_t kn = v->key_lens[refs[i].idx], at = key_pos[refs[i].idx];
            char shown[68];
            size_t j = 0;
            for (; j < kn && j < 64; j++)
                shown[j] = (unsigned char)k[j] < 0x20 || k[j] == 0x7f ? '?' : k[j];
            shown[j] = 0;
            free(refs);
            return hue_fail(HUE_EFORMAT, "duplicate object key \"%s%s\" at byte %zu", shown,
                            kn > 64 ? "..." : "", at);
        }
    }
    free(refs);
    return 0;
}

static int parse_container(parser *p, hue_json *v)
{
    int is_obj = v->type == HUE_JSON_OBJECT;
    char close = is_obj ? '}' : ']';
    size_t cap = 0, pos_cap = 0;
    size_t *key_pos = NULL; /* byte offsets of keys, for duplicate messages */
    int rc = 0;
    if (++p->depth > HUE_JSON_MAX_DEPTH)
        return fail_at(p->pos, "nesting too deep");
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        size_t key_len = 0;
        skip_ws(p);
        if (is_obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                rc = p->pos < p->len ? fail_at(p->pos, "expected string key")
                                     : fail_char(p);
                break;
            }
            if (v->count == pos_cap) {
                size_t nc = pos_cap ? pos_cap * 2 : 4;
                size_t *np = realloc(key_pos, nc * sizeof *np);
                if (!np) {
                    rc = hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
                    break;
                }
                key_pos = np, pos_cap = nc;
            }
            key_pos[v->count] = p->pos;
            if ((rc = count_value(p)) || (rc = parse_string(p, &key, &key_len)))
                break;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                rc = p->pos < p->len ? fail_at(p->pos, "expected ':' after object key")
                                     : fail_char(p);
                break;
            }
            p->pos++;
        }
        hue_json *child = NULL;
        if ((rc = parse_value(p, &child))) {
            free(key);
            break;
        }
        if ((rc = append(v, &cap, child, key, key_len))) {
            free(key);
            hue_json_destroy(child);
            break;
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            break;
        }
        rc = p->pos < p->len ? fail_at(p->pos, is_obj ? "expected ',' or '}'" : "expected ',' or ']'")
                             : fail_char(p);
        break;
    }
    if (!rc && is_obj)
        rc = index_keys(v, key_pos);
    free(key_pos);
    p->depth--;
    return rc;
}

static int match_word(parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n))
        return fail_char(p);
    p->pos += n;
    return 0;
}

static int parse_value(parser *p, hue_json **out)
{
    *out = NULL;
    skip_ws(p);
    if (p->pos >= p->len)
        return fail_char(p);
    int rc = count_value(p);
    if (rc)
        return rc;
    hue_json *v = calloc(1, sizeof *v);
    if (!v)
        return hue_fail(HUE_ENOMEM, "out of memory parsing JSON");
    v->int_status = HUE_EINVAL;
    unsigned char c = p->s[p->pos];
    switch (c) {
    case '{':
        v->type = HUE_JSON_OBJECT;
        rc = parse_container(p, v);
        break;
    case '[':
        v->type = HUE_JSON_ARRAY;
        rc = parse_container(p, v);
        break;
    case '"':
        v->type = HUE_JSON_STRING;
        rc = parse_string(p, &v->str, &v->len);
        break;
    case 't':
        v->type = HUE_JSON_BOOL;
        v->boolean = 1;
        rc = match_word(p, "true");
        break;
    case 'f':
        v->type = HUE_JSON_BOOL;
        rc = match_word(p, "false");
        break;
    case 'n':
        v->type = HUE_JSON_NULL;
        rc = match_word(p, "null");
        break;
    default:
        v->type = HUE_JSON_NUMBER;
        rc = (c == '-' || is_digit(c)) ? parse_number(p, v) : fail_char(p);
        break;
    }
    if (rc) {
        hue_json_destroy(v);
        return rc;
    }
    *out = v;
    return 0;
}

int hue_json_parse(const char *text, size_t len, hue_json **out)
{
    return hue_json_parse_limited(text, len, 0, out);
}

int hue_json_parse_limited(const char *text, size_t len, size_t max_values, hue_json **out)
{
    parser p = {(const unsigned char *)text, len, 0, 0, 0, max_values};
    *out = NULL;
    hue_json *v;
    int rc = parse_value(&p, &v);
    if (rc)
        return rc;
    skip_ws(&p);
    if (p.pos < p.len) {
        hue_json_destroy(v);
        return fail_at(p.pos, "trailing characters after JSON value");
    }
    *out = v;
    return 0;
}

void hue_json_destroy(hue_json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        hue_json_destroy(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
    free(v->order);
    free(v->str);
    free(v);
}

hue_json_type hue_json_type_of(const hue_json *v) { return v ? v->type : HUE_JSON_NULL; }

const char *hue_json_type_name(hue_json_type t)
{
    switch (t) {
    case HUE_JSON_NULL: return "null";
    case HUE_JSON_BOOL: return "bool";
    case HUE_JSON_NUMBER: return "number";
    case HUE_JSON_STRING: return "string";
    case HUE_JSON_ARRAY: return "array";
    case HUE_JSON_OBJECT: return "object";
    }
    return "?";
}

size_t hue_json_count(const hue_json *v)
{
    return v && (v->type == HUE_JSON_ARRAY || v->type == HUE_JSON_OBJECT) ? v->count : 0;
}

const hue_json *hue_json_at(const hue_json *v, size_t i)
{
    return i < hue_json_count(v) ? v->items[i] : NULL;
}

const char *hue_json_key(const hue_json *v, size_t i, size_t *len)
{
    if (!v || v->type != HUE_JSON_OBJECT || i >= v->count)
        return NULL;
    if (len)
        *len = v->key_lens[i];
    return v->keys[i];
}

const hue_json *hue_json_get(const hue_json *v, const char *key)
{
    if (!v || !key || v->type != HUE_JSON_OBJECT)
        return NULL;
    size_t kn = strlen(key), lo = 0, hi = v->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, m = v->order[mid];
        int c = key_cmp(v->keys[m], v->key_lens[m], key, kn);
        if (!c)
            return v->items[m];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *hue_json_string(const hue_json *v, size_t *len)
{
    if (!v || v->type != HUE_JSON_STRING)
        return NULL;
    if (len)
        *len = v->len;
    return v->str;
}

double hue_json_number(const hue_json *v) { return v && v->type == HUE_JSON_NUMBER ? v->number : 0; }

int hue_json_int64(const hue_json *v, int64_t *out)
{
    if (!v || v->type != HUE_JSON_NUMBER)
        return HUE_EINVAL;
    if (v->int_status)
        return v->int_status;
    *out = v->int_value;
    return 0;
}

int hue_json_bool(const hue_json *v) { return v && v->type == HUE_JSON_BOOL && v->boolean; }

char *hue_json_quote(const char *s, size_t len)
{
    /* Worst case: every byte becomes \u00XX (6 bytes), plus quotes and NUL. */
    if (len > (SIZE_MAX - 3) / 6)
        return NULL;
    char *d = malloc(len * 6 + 3), *o = d;
    if (!d)
        return NULL;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': *o++ = '\\', *o++ = '"'; break;
        case '\\': *o++ = '\\', *o++ = '\\'; break;
        case '\n': *o++ = '\\', *o++ = 'n'; break;
        case '\r': *o++ = '\\', *o++ = 'r'; break;
        case '\t': *o++ = '\\', *o++ = 't'; break;
        case '\b': *o++ = '\\', *o++ = 'b'; break;
        case '\f': *o++ = '\\', *o++ = 'f'; break;
        default:
            if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4], o[5] = hex[c & 15];
                o += 6;
            } else {
                *o++ = (char)c;
            }
        }
    }
    *o++ = '"';
    *o = 0;
    return d;
}
