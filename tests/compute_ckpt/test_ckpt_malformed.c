/* Malformed checkpoints: every way a header can be wrong is its own check,
 * and must give HUE_EFORMAT (HUE_ENOTSUP for valid but unsupported dtypes)
 * with a one-line message naming the file and the problem. A valid file cut
 * at every length, and randomly mutated copies, must fail cleanly or read
 * consistently; run under valgrind this shows there are no out-of-bounds
 * reads. */
#include "ckpt_test_util.h"
#include "hue_checkpoint.h"
#include "hue_error.h"
#include "test_util.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

static const char *bad_path;

static void expect_bytes(const void *bytes, size_t n, int code, const char *what, int line)
{
    hue_checkpoint *ck = (hue_checkpoint *)1;
    if (file_write(bad_path, bytes, n)) {
        CHECKF(0, "line %d: cannot write %s", line, bad_path);
        return;
    }
    hue_error_clear();
    int rc = hue_checkpoint_open(bad_path, &ck);
    const char *m = hue_error_message();
    if (getenv("HUE_TEST_VERBOSE"))
        printf("%s\n", m);
    CHECKF(rc == code && ck == NULL, "line %d: rc %s, expected %s (%s)", line, hue_error_name(rc),
           hue_error_name(code), m);
    CHECKF(strstr(m, bad_path) && strstr(m, what) && !strchr(m, '\n'),
           "line %d: message '%s' should name the file and say '%s'", line, m, what);
    if (!rc)
        hue_checkpoint_destroy(ck);
}

/* A file made of an 8-byte length, the header text, and data_len bytes. */
static void expect_header(const char *hdr, size_t data_len, int code, const char *what, int line)
{
    size_t hl = strlen(hdr), n = 8 + hl + data_len;
    unsigned char *b = calloc(1, n);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, hdr, hl);
    expect_bytes(b, n, code, what, line);
    free(b);
}

#define BAD(hdr, data_len, what) expect_header(hdr, data_len, HUE_EFORMAT, what, __LINE__)
#define UNSUP(hdr, data_len, what) expect_header(hdr, data_len, HUE_ENOTSUP, what, __LINE__)
#define T(body) "{\"t\":{" body "}}"

static void test_length_field(void)
{
    expect_bytes("", 0, HUE_EFORMAT, "too short", __LINE__);
    expect_bytes("\x02\0\0\0\0\0\0", 7, HUE_EFORMAT, "too short", __LINE__);
    expect_bytes("\x02\0\0\0\0\0\0\0{", 9, HUE_EFORMAT, "larger than the file", __LINE__);
    expect_bytes("\xff\xff\xff\xff\xff\xff\xff\xff{}", 10, HUE_EFORMAT, "exceeds", __LINE__);
    expect_bytes("\0\xe2\xf5\x05\0\0\0\0{}", 10, HUE_EFORMAT, "exceeds", __LINE__); /* 100000000 + 256 */
    expect_bytes("\0\0\0\0\0\0\0\0", 8, HUE_EFORMAT, "not valid JSON: unexpected end of input", __LINE__);
    /* other files say that they are not checkpoints */
    expect_bytes("\0\0\0\x20" "ftypisom", 12, HUE_EFORMAT, "not a checkpoint", __LINE__);  /* an MP4 */
    expect_bytes("hello\n", 6, HUE_EFORMAT, "not a checkpoint", __LINE__);
    expect_bytes("\x05\0\0\0\0\0\0\0hello", 13, HUE_EFORMAT, "not a checkpoint", __LINE__);
}

static void test_json_level(void)
{
    BAD("{\"t\":", 0, "not valid JSON");
    BAD("{\"t\":{\"dtype\":\"F32\",}}", 0, "not valid JSON: expected string key at byte 20");
    BAD("[1, 2]", 0, "header is a JSON array, expected an object");
    BAD("\"x\"", 0, "header is a JSON string");
    BAD("{}x", 0, "trailing characters");
    /* NUL padding is not whitespace. */
    expect_bytes("\x06\0\0\0\0\0\0\0{}\n\0\0\0", 14, HUE_EFORMAT, "trailing characters after JSON value at byte 3",
                 __LINE__);
    /* Duplicate names are caught while parsing, wherever they are. */
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        8, "duplicate object key \"a\" at byte 54");
    /* A header of many tiny values is refused before it claims much memory. */
    size_t nv = HUE_CKPT_MAX_VALUES;
    char *many = malloc(2 * nv + 16);
    strcpy(many, "{\"a\":[");
    for (size_t i = 0; i < nv; i++)
        memcpy(many + 6 + 2 * i, "0,", 2);
    strcpy(many + 6 + 2 * nv, "0]}");
    BAD(many, 0, "header has too many entries: more than 1000000 values");
    free(many);
    char deep[400];
    strcpy(deep, "{\"__metadata__\":");
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    BAD(deep, 0, "nesting too deep");
}

static void test_fields(void)
{
    BAD("{\"t\":[1]}", 0, "tensor 't' is a JSON array, expected an object");
    BAD(T("\"shape\":[1],\"data_offsets\":[0,4]"), 4, "tensor 't' has no \"dtype\" field");
    BAD(T("\"dtype\":\"F32\",\"data_offsets\":[0,4]"), 4, "no \"shape\" field");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1]"), 4, "no \"data_offsets\" field");
    BAD(T("\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]"), 4, "dtype is a JSON number, expected a string");
    BAD(T("\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]"), 4, "unknown dtype 'F33'");
    BAD(T("\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]"), 4, "unknown dtype 'f32'");
    UNSUP(T("\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]"), 4, "dtype I32 not supported");
    UNSUP(T("\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]"), 4, "dtype U8 not supported");
    UNSUP(T("\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]"), 4, "dtype BOOL not supported");
    BAD(T("\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]"), 16, "shape is a JSON number, expected an array");
    BAD(T("\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]"), 16, "shape holds a string, expected an integer");
    BAD(T("\"dtype\":\"F32\",\"shape\":[4.0],\"data_offsets\":[0,16]"), 16, "shape holds a non-integer number");
    BAD(T("\"dtype\":\"F32\",\"shape\":[4e0],\"data_offsets\":[0,16]"), 16, "non-integer number");
    BAD(T("\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,16]"), 16, "shape holds a null");
    BAD(T("\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]"), 16, "shape holds a negative value");
    BAD(T("\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,16]"), 16, "negative");
    BAD(T("\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,16]"), 16, "too large");
    BAD(T("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,16]"), 16,
        "shape [4294967296, 4294967296] overflows");
    BAD(T("\"dtype\":\"F32\",\"shape\":[2305843009213693952],\"data_offsets\":[0,16]"), 16, "overflows");
    /* Overflows only once multiplied by 8 bytes. */
    BAD(T("\"dtype\":\"F64\",\"shape\":[2,576460752303423488],\"data_offsets\":[0,16]"), 16, "overflows");
    UNSUP(T("\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]"), 4,
          "9 dimensions, at most 8 supported");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0,4\""), 4, "data_offsets must be an array of 2 integers");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]"), 4, "array of 2 integers");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]"), 8, "array of 2 integers");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]"), 4, "data_offsets holds a negative value");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,true]"), 4, "data_offsets holds a bool");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e1]"), 4, "non-integer number");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551620]"), 4, "too large");
    BAD(T("\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]"), 4, "data_offsets [4, 0] outside the data section");
    BAD(T("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]"), 4, "data_offsets [0, 8] outside the data section (4 bytes)");
    BAD(T("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]"), 4,
        "outside the data section");
    BAD(T("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]"), 16,
        "data_offsets [0, 12] span 12 bytes, but F32 [2, 2] needs 16");
    BAD(T("\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]"), 16, "span 16 bytes, but F16 [4] needs 8");
    BAD(T("\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]"), 0, "needs 4");
    BAD("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor name '' is empty");
    BAD("{\"a\\u0000b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "contains a NUL");
    /* Names in messages stay on one line. */
    BAD("{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,5]}}", 5, "tensor 'a?b'");
}

static void test_layout(void)
{
    const char *two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]}}";
    char h[256];
    snprintf(h, sizeof h, two, 0, 8, 4, 12);
    BAD(h, 12, "tensor 'b' overlaps tensor 'a'");
    snprintf(h, sizeof h, two, 0, 8, 0, 8);
    BAD(h, 8, "overlaps");
    snprintf(h, sizeof h, two, 4, 12, 0, 8); /* listed out of order, still overlapping */
    BAD(h, 12, "tensor 'a' overlaps tensor 'b'");
    snprintf(h, sizeof h, two, 0, 8, 12, 20);
    BAD(h, 20, "4 bytes before tensor 'b' belong to no tensor");
    snprintf(h, sizeof h, two, 4, 12, 12, 20);
    BAD(h, 20, "4 bytes before tensor 'a' belong to no tensor");
    snprintf(h, sizeof h, two, 0, 8, 8, 16);
    BAD(h, 20, "4 bytes after the last tensor belong to no tensor");
    BAD("{}", 3, "3 bytes after the last tensor");
    /* A zero-size tensor inside another one. */
    BAD("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
        8, "tensor 'z' overlaps tensor 'a'");
}

static void test_metadata(void)
{
    BAD("{\"__metadata__\":[\"a\"]}", 0, "__metadata__ is a JSON array, expected an object");
    BAD("{\"__metadata__\":\"x\"}", 0, "__metadata__ is a JSON string");
    BAD("{\"__metadata__\":{\"step\":12}}", 0, "__metadata__ 'step' is a JSON number, expected a string");
    BAD("{\"__metadata__\":{\"rng\":{\"s\":\"1\"}}}", 0, "__metadata__ 'rng' is a JSON object");
    BAD("{\"__metadata__\":{\"k\":\"a\\u0000\"}}", 0, "__metadata__ 'k' contains a NUL");
    BAD("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "duplicate object key");
}

static void test_not_files(void)
{
    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_open(scratch_path("does-not-exist.safetensors"), &ck);
    CHECK(rc == HUE_EIO && ck == NULL && strstr(hue_error_message(), "does-not-exist.safetensors: cannot open"));
    rc = hue_checkpoint_open(scratch_dir, &ck);
    CHECKF(rc == HUE_EIO && ck == NULL && strstr(hue_error_message(), scratch_dir), "%s", hue_error_message());
    /* A FIFO is refused at once rather than waited on. */
    const char *fifo = scratch_path("fifo.safetensors");
    if (mkfifo(fifo, 0600) == 0) {
        rc = hue_checkpoint_open(fifo, &ck);
        CHECKF(rc == HUE_EIO && ck == NULL && strstr(hue_error_message(), "not a regular file"), "%s",
               hue_error_message());
        unlink(fifo);
    }
}

/* A valid file with several tensors, dtypes and metadata, as bytes. */
static unsigned char *valid_file(size_t *n)
{
    hue_checkpoint *ck = NULL;
    static const int64_t s1[] = {3, 2}, s2[] = {5}, s3[] = {1};
    float v[6] = {1, 2, 3, 4, 5, 6};
    int64_t c = 7;
    hue_checkpoint_create(&ck);
    hue_checkpoint_add(ck, "layer1.0.conv1.weight", 2, s1, v);
    hue_checkpoint_add(ck, "bn1.bias", 1, s2, v);
    hue_checkpoint_add_i64(ck, "bn1.num_batches_tracked", 1, s3, &c);
    hue_checkpoint_set_meta(ck, "arch", "resnet18");
    hue_checkpoint_set_meta(ck, "rng", "{\"seed\": 42, \"state\": [1, 2, 3]}");
    const char *p = scratch_path("valid.safetensors");
    int rc = hue_checkpoint_save(ck, p, 1);
    CHECKF(rc == 0, "%s", hue_error_message());
    hue_checkpoint_destroy(ck);
    return file_read(p, n);
}

static void test_truncation(const unsigned char *file, size_t n)
{
    /* Every proper prefix of a valid file is refused as malformed. */
    int bad = 0;
    for (size_t len = 0; len < n; len++) {
        hue_checkpoint *ck = NULL;
        file_write(bad_path, file, len);
        int rc = hue_checkpoint_open(bad_path, &ck);
        if (rc != HUE_EFORMAT || ck) {
            if (bad++ < 5)
                fprintf(stderr, "prefix of %zu bytes: rc %d (%s)\n", len, rc, hue_error_message());
            hue_checkpoint_destroy(ck);
        }
    }
    CHECKF(bad == 0, "%d of %zu truncated files not refused", bad, n);
    /* The whole file reads. */
    hue_checkpoint *ck = NULL;
    file_write(bad_path, file, n);
    CHECK(hue_checkpoint_open(bad_path, &ck) == 0 && hue_checkpoint_count(ck) == 3);
    hue_checkpoint_destroy(ck);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* Mutated copies: each must be refused with a known code or read into a
 * checkpoint that is self-consistent. */
static void test_mutations(const unsigned char *file, size_t n, int iterations)
{
    static const char alphabet[] = "{}[]\",:0123456789-+.eE \\u\x00\xff";
    unsigned char *b = malloc(n + 16);
    int refused = 0, accepted = 0, wrong = 0;
    for (int it = 0; it < iterations; it++) {
        memcpy(b, file, n);
        size_t len = n;
        int edits = 1 + (int)(rnd() % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = rnd() % (it % 8 == 0 ? n : (n < 300 ? n : 300)); /* mostly the header */
            switch (rnd() % 4) {
            case 0: b[at] = (unsigned char)alphabet[rnd() % (sizeof alphabet - 1)]; break;
            case 1: b[at] = (unsigned char)rnd(); break;
            case 2: b[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
            case 3: len = at; break;
            }
        }
        hue_checkpoint *ck = NULL;
        file_write(bad_path, b, len);
        hue_error_clear();
        int rc = hue_checkpoint_open(bad_path, &ck);
        if (rc) {
            refused++;
            wrong += (rc != HUE_EFORMAT && rc != HUE_ENOTSUP) || ck || strchr(hue_error_message(), '\n');
            continue;
        }
        accepted++;
        int64_t total = 0;
        for (int i = 0; i < hue_checkpoint_count(ck); i++) {
            int64_t shape[HUE_CKPT_MAX_DIMS], numel = 1;
            int nd = hue_checkpoint_shape(ck, i, shape);
            for (int d = 0; d < nd; d++)
                numel *= shape[d];
            wrong += numel != hue_checkpoint_numel(ck, i);
            total += numel;
            /* Touch every value, so valgrind sees any bad read. */
            const float *f = hue_checkpoint_data(ck, i);
            volatile float sink = 0;
            for (int64_t k = 0; f && k < numel; k++)
                sink += f[k];
            (void)sink;
        }
        wrong += total * 4 > (int64_t)len;
        hue_checkpoint_destroy(ck);
    }
    free(b);
    printf("mutations: %d refused, %d accepted\n", refused, accepted);
    CHECKF(wrong == 0, "%d mutated files handled wrongly", wrong);
    CHECK(refused > 0);
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 3000;
    scratch_make();
    bad_path = scratch_path("bad.safetensors");
    test_length_field();
    test_json_level();
    test_fields();
    test_layout();
    test_metadata();
    test_not_files();
    size_t n = 0;
    unsigned char *file = valid_file(&n);
    CHECK(file && n > 100);
    if (file) {
        test_truncation(file, n);
        test_mutations(file, n, iterations);
    }
    free(file);
    return test_finish();
}
