/* Bad input at the graph level: every case is an error with a message, the
 * first error sticks to the graph, and nothing aborts. */
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_ops.h"
#include "test_util.h"

static hue_ctx *ctx;

/* Builds one small graph with `build`, expects `code` and a message that
 * contains `needle`, both from the builder and from compile. */
#define EXPECT_FAIL(code, needle, ...)                                                                  \
    do {                                                                                                \
        hue_graph *g;                                                                                   \
        hue_graph_create(ctx, &g);                                                                      \
        int64_t s4[4] = {2, 3, 8, 8}, s3[3] = {2, 5, 7}, s1[1] = {3};                                    \
        hue_tensor x = hue_graph_input(g, "x", 4, s4), m = hue_graph_input(g, "m", 3, s3);              \
        hue_tensor v = hue_graph_input(g, "v", 1, s1);                                                  \
        (void)x, (void)m, (void)v;                                                                      \
        hue_tensor r = (__VA_ARGS__);                                                                   \
        int rc = hue_graph_compile(g);                                                                  \
        CHECKF(r == (code) && rc == (code), "%s: got %d/%d (%s)", #__VA_ARGS__, r, rc, hue_error_message()); \
        CHECKF(strstr(hue_graph_error_message(g), needle) != NULL, "%s: message '%s' lacks '%s'",       \
               #__VA_ARGS__, hue_graph_error_message(g), needle);                                      \
        CHECK(hue_graph_run(g) != 0);                                                                   \
        hue_graph_destroy(g);                                                                           \
    } while (0)

static hue_tensor input(hue_graph *g, int ndim, int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t s[4] = {a, b, c, d};
    return hue_graph_input(g, "bad", ndim, s);
}

int main(void)
{
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    /* shapes */
    EXPECT_FAIL(HUE_EINVAL, "sizes must be >= 1", input(g, 4, 2, 0, 3, 3));
    EXPECT_FAIL(HUE_EINVAL, "sizes must be >= 1", input(g, 2, -4, 3, 1, 1));
    EXPECT_FAIL(HUE_EINVAL, "overflows", input(g, 4, 1ll << 20, 1ll << 20, 1ll << 20, 4));
    EXPECT_FAIL(HUE_EINVAL, "dimensions", input(g, 5, 1, 1, 1, 1));
    /* operands that do not fit */
    EXPECT_FAIL(HUE_EINVAL, "do not broadcast", hue_add(g, x, m));
    EXPECT_FAIL(HUE_EINVAL, "not a tensor", hue_mul(g, x, 99));
    EXPECT_FAIL(HUE_EINVAL, "inner dimensions", hue_matmul(g, m, m, 0, 0));
    EXPECT_FAIL(HUE_EINVAL, "input channels", hue_conv2d(g, x, input(g, 4, 4, 5, 3, 3), -1, 1, 0, 1));
    EXPECT_FAIL(HUE_EINVAL, "must be 4-D", hue_conv2d(g, m, x, -1, 1, 0, 1));
    EXPECT_FAIL(HUE_EINVAL, "does not fit", hue_conv2d(g, x, input(g, 4, 4, 3, 9, 9), -1, 1, 0, 1));
    EXPECT_FAIL(HUE_EINVAL, "stride", hue_conv2d(g, x, input(g, 4, 4, 3, 3, 3), -1, 0, 1, 1));
    EXPECT_FAIL(HUE_EINVAL, "bias", hue_conv2d(g, x, input(g, 4, 4, 3, 3, 3), v, 1, 1, 1));
    EXPECT_FAIL(HUE_EINVAL, "axis 4 out of range", hue_softmax(g, x, 4));
    EXPECT_FAIL(HUE_EINVAL, "not a permutation", hue_permute(g, x, (int[]){0, 1, 1, 2}));
    EXPECT_FAIL(HUE_EINVAL, "pad", hue_pool2d(g, HUE_POOL_MAX, x, 2, 2, 3));
    EXPECT_FAIL(HUE_EINVAL, "does not fit", hue_pool2d(g, HUE_POOL_AVG, x, 11, 1, 1));
    EXPECT_FAIL(HUE_EINVAL, "output size", hue_resize_bilinear(g, x, 0, 5));
    EXPECT_FAIL(HUE_EINVAL, "axes mask", hue_reduce(g, HUE_REDUCE_SUM, m, 0x8));
    EXPECT_FAIL(HUE_EINVAL, "channels", hue_scale_bias(g, x, m, v));
    /* the first error sticks: later valid ops report it too */
    EXPECT_FAIL(HUE_EINVAL, "do not broadcast", (hue_add(g, x, m), hue_relu(g, x)));
    /* device limits: 40M floats (160 MiB) cannot be bound as one storage
     * buffer where maxStorageBufferRange is 128 MiB (lavapipe): compile says so */
    hue_graph *g;
    hue_graph_create(ctx, &g);
    hue_tensor huge = hue_relu(g, input(g, 4, 40, 1000, 1000, 1));
    hue_graph_output(g, huge);
    if (hue_ctx_device(ctx)->max_storage_buffer_range < 160000000u) {
        CHECK(hue_graph_compile(g) == HUE_ELIMIT);
        CHECKF(strstr(hue_error_message(), "maxStorageBufferRange") != NULL, "message: %s", hue_error_message());
    }
    hue_graph_destroy(g);

    /* running out of device memory is HUE_ENOMEM with a message */
    setenv("HUE_MEMORY_LIMIT", "1048576", 1);
    hue_ctx *small;
    CHECK(hue_ctx_create(&small, -1) == 0);
    unsetenv("HUE_MEMORY_LIMIT");
    hue_graph_create(small, &g);
    hue_tensor big = input(g, 2, 1024, 1024, 1, 1);
    hue_graph_output(g, hue_relu(g, big));
    int rc = hue_graph_compile(g);
    CHECKF(rc == HUE_ENOMEM, "compile over the memory limit gave %d", rc);
    CHECKF(strstr(hue_error_message(), "out of device memory") != NULL, "message: %s", hue_error_message());
    hue_graph_destroy(g);
    hue_ctx_destroy(small);

    /* I/O on the wrong tensor or with the wrong count */
    hue_graph_create(ctx, &g);
    int64_t s[2] = {3, 5};
    hue_tensor a = hue_graph_input(g, "a", 2, s), y = hue_relu(g, a), z = hue_tanh(g, y);
    hue_graph_output(g, z);
    CHECK(hue_graph_run(g) == HUE_EINVAL);  /* not compiled */
    CHECK(hue_graph_compile(g) == 0);
    float buf[15] = {0};
    CHECK(hue_graph_set_input(g, a, buf, 14) == HUE_EINVAL);
    CHECK(hue_graph_set_input(g, y, buf, 15) == HUE_EINVAL);
    CHECK(hue_graph_read(g, y, buf, 15) == HUE_EINVAL);  /* not an output */
    CHECK(hue_graph_read(g, z, buf, 15) == 0);
    hue_graph_destroy(g);

    /* an empty graph cannot be compiled */
    hue_graph_create(ctx, &g);
    CHECK(hue_graph_compile(g) == HUE_EINVAL);
    hue_graph_destroy(g);

    /* a device index that does not exist */
    hue_ctx *none;
    CHECK(hue_ctx_create(&none, 99) == HUE_EINVAL);
    CHECK(strstr(hue_error_message(), "device 99 does not exist") != NULL);

    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
