/* Checkpoint round trip: names, shapes, dtypes, bit-exact values and
 * metadata survive save and open; output bytes are deterministic and match
 * the safetensors layout byte for byte; a hand-built file in the style of
 * other writers (different key order, whitespace, F16/BF16/F64/I64) reads. */
#include "ckpt_test_util.h"
#include "hue_checkpoint.h"
#include "hue_error.h"
#include "test_util.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static float bits_f(uint32_t b)
{
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static int same_bits(const float *a, const float *b, int64_t n)
{
    return n == 0 || !memcmp(a, b, (size_t)n * sizeof(float));
}

/* A checkpoint with awkward shapes and values; reverse adds them backwards. */
static hue_checkpoint *make(int reverse, float *special, float *big)
{
    static const int64_t s_conv[] = {4, 3, 3, 3}, s_vec[] = {4}, s_empty[] = {0, 3},
                         s_eight[] = {1, 2, 1, 2, 1, 2, 1, 2};
    static const int64_t counter = 1234567890123LL;
    hue_checkpoint *ck = NULL;
    if (hue_checkpoint_create(&ck))
        return NULL;
    for (int k = 0; k < 6; k++) {
        int w = reverse ? 5 - k : k, rc = 0;
        switch (w) {
        case 0: rc = hue_checkpoint_add(ck, "conv1.weight", 4, s_conv, big); break;
        case 1: rc = hue_checkpoint_add(ck, "bn1.running_var", 1, s_vec, special); break;
        case 2: rc = hue_checkpoint_add_i64(ck, "bn1.num_batches_tracked", 0, NULL, &counter); break;
        case 3: rc = hue_checkpoint_add(ck, "empty", 2, s_empty, NULL); break;
        case 4: rc = hue_checkpoint_add(ck, "eight.dims", 8, s_eight, big); break;
        case 5: rc = hue_checkpoint_add(ck, "caf\xc3\xa9 \"quoted\"", 0, NULL, special + 4); break;
        }
        CHECKF(rc == 0, "add %d: %s", w, hue_error_message());
    }
    CHECK(hue_checkpoint_set_meta(ck, "step", "0") == 0);
    CHECK(hue_checkpoint_set_meta(ck, "arch", "resnet18") == 0);
    CHECK(hue_checkpoint_set_meta(ck, "hparams", "{\"lr\": 0.1, \"name\": \"a\\\"b\"}\n\ttab") == 0);
    CHECK(hue_checkpoint_set_meta(ck, "step", "1200") == 0); /* replaces */
    CHECK(hue_checkpoint_set_meta(ck, "", "empty key") == 0);
    return ck;
}

static void test_round_trip(void)
{
    float special[5] = {bits_f(0x7fc12345u) /* NaN with payload */, -0.0f, INFINITY,
                        bits_f(0x00000001u) /* smallest denormal */, -3.25f};
    float big[108];
    for (int i = 0; i < 108; i++)
        big[i] = sinf((float)i) * 1e-3f + (float)i;

    hue_checkpoint *ck = make(0, special, big);
    if (!ck)
        return;
    CHECK(hue_checkpoint_count(ck) == 6 && hue_checkpoint_meta_count(ck) == 4);
    const char *path = scratch_path("rt.safetensors");
    int rc = hue_checkpoint_save(ck, path, 0);
    CHECKF(rc == 0, "save: %s", hue_error_message());

    hue_checkpoint *rd = NULL;
    rc = hue_checkpoint_open(path, &rd);
    CHECKF(rc == 0, "open: %s", hue_error_message());
    if (!rd) {
        hue_checkpoint_destroy(ck);
        return;
    }
    CHECK(hue_checkpoint_count(rd) == 6);
    for (int i = 0; i < hue_checkpoint_count(ck); i++) {
        const char *name = hue_checkpoint_name(ck, i);
        int j = hue_checkpoint_find(rd, name);
        CHECKF(j >= 0, "tensor '%s' missing after reading", name);
        if (j < 0)
            continue;
        int64_t a[HUE_CKPT_MAX_DIMS], b[HUE_CKPT_MAX_DIMS];
        int na = hue_checkpoint_shape(ck, i, a), nb = hue_checkpoint_shape(rd, j, b);
        CHECKF(na == nb && !memcmp(a, b, (size_t)na * sizeof *a), "'%s' shape differs", name);
        CHECK(hue_checkpoint_numel(ck, i) == hue_checkpoint_numel(rd, j));
        CHECK(hue_checkpoint_dtype(ck, i) == hue_checkpoint_dtype(rd, j));
        if (hue_checkpoint_dtype(ck, i) == HUE_CKPT_F32)
            CHECKF(same_bits(hue_checkpoint_data(ck, i), hue_checkpoint_data(rd, j), hue_checkpoint_numel(ck, i)),
                   "'%s' values differ", name);
        else
            CHECK(hue_checkpoint_data_i64(rd, j)[0] == 1234567890123LL && !hue_checkpoint_data(rd, j));
    }
    /* Opened files list tensors in data order, which the writer sorts by name. */
    for (int j = 1; j < hue_checkpoint_count(rd); j++)
        CHECK(strcmp(hue_checkpoint_name(rd, j - 1), hue_checkpoint_name(rd, j)) < 0);
    CHECK(hue_checkpoint_meta_count(rd) == 4);
    CHECK(hue_checkpoint_meta(rd, "step") && !strcmp(hue_checkpoint_meta(rd, "step"), "1200"));
    CHECK(hue_checkpoint_meta(rd, "arch") && !strcmp(hue_checkpoint_meta(rd, "arch"), "resnet18"));
    CHECK(hue_checkpoint_meta(rd, "hparams") &&
          !strcmp(hue_checkpoint_meta(rd, "hparams"), "{\"lr\": 0.1, \"name\": \"a\\\"b\"}\n\ttab"));
    CHECK(hue_checkpoint_meta(rd, "") && !strcmp(hue_checkpoint_meta(rd, ""), "empty key"));
    CHECK(hue_checkpoint_meta(rd, "epoch") == NULL);
    CHECK(!strcmp(hue_checkpoint_meta_key(rd, 0), "") && !strcmp(hue_checkpoint_meta_key(rd, 1), "arch"));
    CHECK(!strcmp(hue_checkpoint_meta_value(rd, 1), "resnet18") && !hue_checkpoint_meta_key(rd, 4));

    /* Copy-out with a shape check. */
    float got[108];
    static const int64_t s_conv[] = {4, 3, 3, 3}, s_wrong[] = {4, 3, 9};
    CHECK(hue_checkpoint_read(rd, "conv1.weight", 4, s_conv, got) == 0 && same_bits(got, big, 108));
    rc = hue_checkpoint_read(rd, "conv1.weight", 3, s_wrong, got);
    CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "[4, 3, 3, 3], expected [4, 3, 9]") &&
               strstr(hue_error_message(), path),
           "%s", hue_error_message());
    rc = hue_checkpoint_read(rd, "fc.weight", 1, s_conv, got);
    CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "no tensor 'fc.weight'"), "%s", hue_error_message());
    rc = hue_checkpoint_read(rd, "bn1.num_batches_tracked", 0, NULL, got);
    CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "is I64, expected F32"), "%s", hue_error_message());
    int64_t tracked = 0;
    CHECK(hue_checkpoint_read_i64(rd, "bn1.num_batches_tracked", 0, NULL, &tracked) == 0 &&
          tracked == 1234567890123LL);
    rc = hue_checkpoint_read_i64(rd, "conv1.weight", 4, s_conv, &tracked);
    CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "is F32, expected I64"), "%s", hue_error_message());

    /* The same content added in another order gives the same bytes; so does
     * re-saving what was read. */
    hue_checkpoint *rev = make(1, special, big);
    const char *p2 = scratch_path("rt2.safetensors"), *p3 = scratch_path("rt3.safetensors");
    CHECK(rev && hue_checkpoint_save(rev, p2, 0) == 0);
    CHECK(hue_checkpoint_save(rd, p3, 0) == 0);
    size_t n1 = 0, n2 = 0, n3 = 0;
    unsigned char *b1 = file_read(path, &n1), *b2 = file_read(p2, &n2), *b3 = file_read(p3, &n3);
    CHECK(b1 && b2 && b3 && n1 == n2 && n1 == n3 && !memcmp(b1, b2, n1) && !memcmp(b1, b3, n1));
    if (b1 && n1 > 16) {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--)
            hl = hl << 8 | b1[i];
        CHECKF(hl % 8 == 0 && 8 + hl <= n1, "header length %llu", (unsigned long long)hl);
        CHECK(!memcmp(b1 + 8, "{\"__metadata__\":{\"\":\"empty key\",\"arch\":", 38));
        CHECK(b1[8 + hl - 1] == ' ' || b1[8 + hl - 1] == '}');
        /* data = 108 + 4 + 16 + 1 floats + 1 int64 */
        CHECK(n1 - 8 - hl == (108 + 4 + 16 + 1) * 4 + 8);
    }
    free(b1), free(b2), free(b3);
    hue_checkpoint_destroy(rev);
    hue_checkpoint_destroy(rd);
    hue_checkpoint_destroy(ck);
}

/* The exact bytes another safetensors writer produces for {"a": [1, 2]}. */
static void test_exact_bytes(void)
{
    static const unsigned char want[] = "\x58\0\0\0\0\0\0\0"
                                        "{\"__metadata__\":{\"format\":\"pt\"},"
                                        "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
                                        "   "
                                        "\x00\x00\x80\x3f\x00\x00\x00\x40";
    hue_checkpoint *ck = NULL;
    static const int64_t shape[] = {2};
    static const float v[] = {1.0f, 2.0f};
    CHECK(hue_checkpoint_create(&ck) == 0);
    CHECK(hue_checkpoint_add(ck, "a", 1, shape, v) == 0);
    CHECK(hue_checkpoint_set_meta(ck, "format", "pt") == 0);
    const char *path = scratch_path("exact.safetensors");
    CHECK(hue_checkpoint_save(ck, path, 0) == 0);
    size_t n = 0;
    unsigned char *b = file_read(path, &n);
    CHECKF(b && n == sizeof want - 1 && !memcmp(b, want, n), "bytes differ (%zu vs %zu)", n, sizeof want - 1);
    free(b);
    hue_checkpoint_destroy(ck);

    /* An empty checkpoint is a valid file too: "{}" padded to 8. */
    CHECK(hue_checkpoint_create(&ck) == 0);
    path = scratch_path("empty.safetensors");
    CHECK(hue_checkpoint_save(ck, path, 0) == 0);
    hue_checkpoint_destroy(ck);
    b = file_read(path, &n);
    CHECK(b && n == 16 && !memcmp(b, "\x08\0\0\0\0\0\0\0{}      ", 16));
    free(b);
    ck = NULL;
    CHECK(hue_checkpoint_open(path, &ck) == 0 && ck && hue_checkpoint_count(ck) == 0);
    hue_checkpoint_destroy(ck);
}

/* A file built byte by byte as other writers may lay it out: metadata last,
 * pretty-printed, keys in any order, tensors listed out of data order, and
 * dtypes that are converted to F32 on reading. */
static void test_foreign_file(void)
{
    const char *hdr = "{\n"
                      "  \"h\": {\"shape\": [3], \"dtype\": \"F16\", \"data_offsets\": [28, 34]},\n"
                      "  \"b\": {\"data_offsets\": [34, 40], \"dtype\": \"BF16\", \"shape\": [1, 3]},\n"
                      "  \"n\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [40, 48]},\n"
                      "  \"f\": {\"dtype\": \"F32\", \"shape\": [2, 1], \"data_offsets\": [0, 8]},\n"
                      "  \"d\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [8, 16]},\n"
                      "  \"z\": {\"dtype\": \"F32\", \"shape\": [2, 0], \"data_offsets\": [16, 16]},\n"
                      "  \"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [16, 28], \"extra\": 1},\n"
                      "  \"__metadata__\": {\"format\": \"pt\", \"note\": \"\\u00e9t\\u00e9\"}\n"
                      "}";
    static const unsigned char data[48] = {
        0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc1,             /* f: 1, -10 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x3f,             /* d: 0.25 */
        0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x7f, /* w: .5, 3, inf */
        0x00, 0x3c, 0x01, 0x00, 0x00, 0xfc,                         /* h: 1, 2^-24, -inf */
        0x80, 0x3f, 0xc0, 0xc0, 0xc0, 0x7f,                         /* b: 1, -6, nan */
        0x15, 0xcd, 0x5b, 0x07, 0x00, 0x00, 0x00, 0x00,             /* n: 123456789 */
    };
    size_t hl = strlen(hdr), n = 8 + hl + sizeof data;
    unsigned char *file = malloc(n);
    for (int i = 0; i < 8; i++)
        file[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(file + 8, hdr, hl);
    memcpy(file + 8 + hl, data, sizeof data);
    const char *path = scratch_path("foreign.safetensors");
    CHECK(file_write(path, file, n) == 0);
    free(file);

    hue_checkpoint *ck = NULL;
    int rc = hue_checkpoint_open(path, &ck);
    CHECKF(rc == 0, "open: %s", hue_error_message());
    if (!ck)
        return;
    CHECK(hue_checkpoint_count(ck) == 7);
    /* Data order: f, d, z (empty, at 16), w, h, b, n. */
    static const char *order[] = {"f", "d", "z", "w", "h", "b", "n"};
    for (int i = 0; i < 7 && i < hue_checkpoint_count(ck); i++)
        CHECKF(!strcmp(hue_checkpoint_name(ck, i), order[i]), "position %d is '%s'", i, hue_checkpoint_name(ck, i));
    const float *f = hue_checkpoint_data(ck, hue_checkpoint_find(ck, "f"));
    CHECK(f && f[0] == 1.0f && f[1] == -10.0f);
    const float *d = hue_checkpoint_data(ck, hue_checkpoint_find(ck, "d"));
    CHECK(d && d[0] == 0.25f && hue_checkpoint_shape(ck, hue_checkpoint_find(ck, "d"), NULL) == 0);
    const float *w = hue_checkpoint_data(ck, hue_checkpoint_find(ck, "w"));
    CHECK(w && w[0] == 0.5f && w[1] == 3.0f && isinf(w[2]) && w[2] > 0);
    const float *h = hue_checkpoint_data(ck, hue_checkpoint_find(ck, "h"));
    CHECK(h && h[0] == 1.0f && h[1] == ldexpf(1.0f, -24) && isinf(h[2]) && h[2] < 0);
    int bi = hue_checkpoint_find(ck, "b");
    const float *b = hue_checkpoint_data(ck, bi);
    int64_t bs[HUE_CKPT_MAX_DIMS];
    CHECK(b && b[0] == 1.0f && b[1] == -6.0f && isnan(b[2]));
    CHECK(hue_checkpoint_shape(ck, bi, bs) == 2 && bs[0] == 1 && bs[1] == 3);
    CHECK(hue_checkpoint_dtype(ck, bi) == HUE_CKPT_F32);
    int ni = hue_checkpoint_find(ck, "n");
    CHECK(hue_checkpoint_dtype(ck, ni) == HUE_CKPT_I64 && hue_checkpoint_data_i64(ck, ni)[0] == 123456789);
    CHECK(hue_checkpoint_numel(ck, hue_checkpoint_find(ck, "z")) == 0);
    CHECK(hue_checkpoint_meta(ck, "note") && !strcmp(hue_checkpoint_meta(ck, "note"), "\xc3\xa9t\xc3\xa9"));
    hue_checkpoint_destroy(ck);
}

static void test_f16_all(void)
{
    /* Every F16 bit pattern converts to the float it denotes. */
    static unsigned char data[65536 * 2];
    for (int i = 0; i < 65536; i++)
        data[2 * i] = (unsigned char)i, data[2 * i + 1] = (unsigned char)(i >> 8);
    const char *hdr = "{\"h\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}";
    size_t hl = strlen(hdr);
    unsigned char *file = malloc(8 + hl + sizeof data);
    memset(file, 0, 8);
    file[0] = (unsigned char)hl;
    memcpy(file + 8, hdr, hl);
    memcpy(file + 8 + hl, data, sizeof data);
    const char *path = scratch_path("f16.safetensors");
    CHECK(file_write(path, file, 8 + hl + sizeof data) == 0);
    free(file);
    hue_checkpoint *ck = NULL;
    CHECKF(hue_checkpoint_open(path, &ck) == 0, "%s", hue_error_message());
    if (!ck)
        return;
    const float *h = hue_checkpoint_data(ck, 0);
    int bad = 0;
    for (int i = 0; i < 65536; i++) {
        int e = (i >> 10) & 31, m = i & 1023;
        double want = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
        if (i & 0x8000)
            want = -want;
        bad += isnan(want) ? !isnan(h[i]) : (double)h[i] != want || !signbit(h[i]) != !signbit(want);
    }
    CHECKF(bad == 0, "%d F16 values converted wrongly", bad);
    hue_checkpoint_destroy(ck);
}

static void test_add_errors(void)
{
    hue_checkpoint *ck = NULL;
    static const int64_t ok[] = {2}, neg[] = {2, -1}, nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1},
                         huge[] = {INT64_MAX / 2, 3};
    float v[2] = {0};
    CHECK(hue_checkpoint_create(&ck) == 0);
    CHECK(hue_checkpoint_add(ck, "a", 1, ok, v) == 0);
    CHECK(hue_checkpoint_add(ck, "a", 1, ok, v) == HUE_EINVAL && strstr(hue_error_message(), "added twice"));
    CHECK(hue_checkpoint_add(ck, "", 1, ok, v) == HUE_EINVAL);
    CHECK(hue_checkpoint_add(ck, "__metadata__", 1, ok, v) == HUE_EINVAL);
    CHECK(hue_checkpoint_add(ck, "bad\xff", 1, ok, v) == HUE_EINVAL);
    CHECK(hue_checkpoint_add(ck, "b", 2, neg, v) == HUE_EINVAL && strstr(hue_error_message(), "[2, -1]"));
    CHECK(hue_checkpoint_add(ck, "b", 9, nine, v) == HUE_EINVAL);
    CHECK(hue_checkpoint_add(ck, "b", 2, huge, v) == HUE_EINVAL);
    CHECK(hue_checkpoint_set_meta(ck, "k", "\xc3") == HUE_EINVAL);
    CHECK(hue_checkpoint_count(ck) == 1 && hue_checkpoint_meta_count(ck) == 0);
    hue_checkpoint_destroy(ck);
    hue_checkpoint_destroy(NULL);
}

int main(void)
{
    scratch_make();
    test_round_trip();
    test_exact_bytes();
    test_foreign_file();
    test_f16_all();
    test_add_errors();
    return test_finish();
}
