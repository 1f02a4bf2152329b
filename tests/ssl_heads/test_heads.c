/* The heads of ssl/hue_heads.h: every kind builds with the output shape the
 * header promises and runs to finite values; the tensors carry the names
 * and shapes of the PyTorch module the header describes; applying a head
 * again shares its tensors (same output on the same input, no new tensor);
 * PyTorch's default initialisation (bounds from each layer's fan-in, batch
 * norm 1/0, seeded); bad configs, prefixes and inputs are refused with a
 * message naming what is wrong; the config's JSON round trip and its parse
 * errors (HUE_EFORMAT naming the path and the field). */
#include <math.h>
#include <string.h>

#include "hue_ctx.h"
#include "hue_error.h"
#include "hue_graph.h"
#include "hue_heads.h"
#include "hue_ops.h"
#include "test_util.h"

static void fill(float *v, size_t n, double phase)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(1.5 * sin(0.7 * (double)i + phase));
}

static hue_tensor input(hue_graph *g, const char *name, int ndim, const int64_t *shape)
{
    return hue_graph_input(g, name, ndim, shape);
}

/* Builds cfg on [N, in(, h, w)], checks the output shape, runs it (eval
 * and training) and checks the values are finite. */
static void test_shape(hue_ctx *ctx, const hue_head_config *cfg, int64_t h, int64_t w, const int64_t *want,
                       int want_nd)
{
    char json[160];
    hue_head_config_json(cfg, json, sizeof json);
    for (int training = 0; training < 2; training++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int conv = cfg->kind == HUE_HEAD_DECODER || cfg->kind == HUE_HEAD_DISCRIMINATOR;
        int64_t xs[4] = {want[0], cfg->in, h, w};
        hue_tensor x = input(g, "x", conv ? 4 : 2, xs);
        hue_head head;
        int rc = hue_head_build(g, cfg, "heads.test.", x, training, &head);
        CHECKF(rc == 0, "%s: %s", json, hue_error_message());
        if (rc) {
            hue_graph_destroy(g);
            continue;
        }
        int nd = hue_tensor_ndim(g, head.out);
        int same = nd == want_nd;
        for (int d = 0; same && d < nd; d++)
            same = hue_tensor_dim(g, head.out, d) == want[d];
        CHECKF(same, "%s: output has %d dims [%lld, %lld, ...]", json, nd, (long long)hue_tensor_dim(g, head.out, 0),
               (long long)hue_tensor_dim(g, head.out, 1));
        CHECK(hue_graph_output(g, head.out) == 0);
        CHECKF(hue_graph_compile(g) == 0, "%s: %s", json, hue_error_message());
        CHECK(hue_head_init(g, &head, 3) == 0);
        size_t nx = (size_t)hue_tensor_numel(g, x), ny = (size_t)hue_tensor_numel(g, head.out);
        float *xv = malloc(nx * sizeof *xv), *yv = malloc(ny * sizeof *yv);
        fill(xv, nx, 0);
        CHECK(hue_graph_set_input(g, x, xv, nx) == 0);
        CHECKF(hue_graph_run(g) == 0, "%s: %s", json, hue_error_message());
        CHECK(hue_graph_read(g, head.out, yv, ny) == 0);
        int finite = 1;
        double mag = 0;
        for (size_t i = 0; i < ny; i++)
            finite &= isfinite(yv[i]) != 0, mag = fmax(mag, fabs(yv[i]));
        CHECKF(finite && mag > 0, "%s: output not finite or all zero (max %g)", json, mag);
        free(xv);
        free(yv);
        hue_head_free(&head);
        hue_graph_destroy(g);
    }
}

static void test_shapes(hue_ctx *ctx)
{
    hue_head_config lin = {HUE_HEAD_LINEAR, 20, 0, 7, 1}, lin0 = {HUE_HEAD_LINEAR, 20, 0, 7, 0};
    hue_head_config mlp1 = {HUE_HEAD_MLP, 20, 0, 5, 1}, mlp3 = {HUE_HEAD_MLP, 20, 32, 6, 3};
    hue_head_config dec1 = {HUE_HEAD_DECODER, 8, 4, 3, 1}, dec3 = {HUE_HEAD_DECODER, 12, 16, 2, 3};
    hue_head_config dis1 = {HUE_HEAD_DISCRIMINATOR, 3, 4, 1, 1}, dis3 = {HUE_HEAD_DISCRIMINATOR, 2, 4, 1, 3};
    test_shape(ctx, &lin, 0, 0, (int64_t[]){5, 7}, 2);
    test_shape(ctx, &lin0, 0, 0, (int64_t[]){3, 7}, 2);
    test_shape(ctx, &mlp1, 0, 0, (int64_t[]){4, 5}, 2);
    test_shape(ctx, &mlp3, 0, 0, (int64_t[]){4, 6}, 2);
    /* decoders double h and w per layer, from any size */
    test_shape(ctx, &dec1, 3, 5, (int64_t[]){2, 3, 6, 10}, 4);
    test_shape(ctx, &dec3, 2, 3, (int64_t[]){2, 2, 16, 24}, 4);
    /* discriminators give one logit per image, from sizes that do not halve evenly */
    test_shape(ctx, &dis1, 5, 7, (int64_t[]){3, 1}, 2);
    test_shape(ctx, &dis3, 8, 13, (int64_t[]){2, 1}, 2);
}

/* The names and shapes of torch's Sequential (see hue_heads.h's table). */
static void test_names(hue_ctx *ctx)
{
    static const struct {
        hue_head_config cfg;
        int64_t h;
        const char *want; /* "name:d0xd1..;" in build order */
    } cases[] = {
        {{HUE_HEAD_LINEAR, 6, 0, 4, 1}, 0, "layers.0.weight:4x6;layers.0.bias:4;"},
        {{HUE_HEAD_MLP, 6, 5, 4, 3}, 0,
         "layers.0.weight:5x6;layers.1.weight:5;layers.1.bias:5;layers.1.running_mean:5;layers.1.running_var:5;"
         "layers.3.weight:5x5;layers.4.weight:5;layers.4.bias:5;layers.4.running_mean:5;layers.4.running_var:5;"
         "layers.6.weight:4x5;layers.6.bias:4;"},
        {{HUE_HEAD_MLP_PLAIN, 6, 5, 4, 3}, 0,
         "layers.0.weight:5x6;layers.0.bias:5;layers.2.weight:5x5;layers.2.bias:5;layers.4.weight:4x5;layers.4.bias:4;"},
        {{HUE_HEAD_DECODER, 6, 8, 3, 2}, 2,
         "layers.0.weight:6x8x4x4;layers.1.weight:8;layers.1.bias:8;layers.1.running_mean:8;layers.1.running_var:8;"
         "layers.3.weight:8x4x4x4;layers.4.weight:4;layers.4.bias:4;layers.4.running_mean:4;layers.4.running_var:4;"
         "layers.6.weight:3x4x3x3;layers.6.bias:3;"},
        {{HUE_HEAD_DISCRIMINATOR, 3, 4, 1, 3}, 8,
         "layers.0.weight:4x3x4x4;layers.0.bias:4;"
         "layers.2.weight:8x4x4x4;layers.3.weight:8;layers.3.bias:8;layers.3.running_mean:8;layers.3.running_var:8;"
         "layers.5.weight:16x8x4x4;layers.6.weight:16;layers.6.bias:16;layers.6.running_mean:16;"
         "layers.6.running_var:16;layers.10.weight:1x16;layers.10.bias:1;"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        hue_graph *g;
        CHECK(hue_graph_create(ctx, &g) == 0);
        int64_t xs[4] = {2, cases[c].cfg.in, cases[c].h, cases[c].h};
        hue_tensor x = input(g, "x", cases[c].h ? 4 : 2, xs);
        hue_head head;
        CHECKF(hue_head_build(g, &cases[c].cfg, "", x, 1, &head) == 0, "%s", hue_error_message());
        char got[1024] = "";
        for (int i = 0; i < head.n_tensors; i++) {
            const hue_named_tensor *t = &head.tensors[i];
            size_t n = strlen(got);
            snprintf(got + n, sizeof got - n, "%s:", t->name);
            for (int d = 0; d < hue_tensor_ndim(g, t->tensor); d++) {
                n = strlen(got);
                snprintf(got + n, sizeof got - n, "%s%lld", d ? "x" : "", (long long)hue_tensor_dim(g, t->tensor, d));
            }
            n = strlen(got);
            snprintf(got + n, sizeof got - n, ";");
            CHECKF(t->is_state == (strstr(t->name, "running_") != NULL), "%s: is_state %d", t->name, t->is_state);
        }
        CHECKF(strcmp(got, cases[c].want) == 0, "\n  got  %s\n  want %s", got, cases[c].want);
        hue_head_free(&head);
        hue_graph_destroy(g);
    }
}

/* A discriminator on two inputs in one graph: no new tensor, and the same
 * image gives the same logit through either use. */
static void test_apply(hue_ctx *ctx)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t xs[4] = {3, 3, 8, 8};
    hue_tensor a = input(g, "real", 4, xs), b = input(g, "fake", 4, xs);
    hue_head_config cfg = {HUE_HEAD_DISCRIMINATOR, 3, 4, 1, 2};
    hue_head d;
    CHECKF(hue_head_build(g, &cfg, "heads.disc.", a, 0, &d) == 0, "%s", hue_error_message());
    int n = d.n_tensors;
    hue_tensor yb;
    CHECKF(hue_head_apply(g, &d, b, 0, &yb) == 0, "%s", hue_error_message());
    CHECK(d.n_tensors == n && yb >= 0 && yb != d.out);
    /* applied again on an input it does not fit: refused, naming the head */
    int64_t small[4] = {3, 3, 2, 8}, other[4] = {3, 4, 8, 8};
    hue_tensor ys = 0, bad_s = input(g, "small", 4, small), bad_c = input(g, "other", 4, other);
    hue_error_clear();
    CHECKF(hue_head_apply(g, &d, bad_s, 0, &ys) == HUE_EINVAL &&
               strstr(hue_error_message(), "head 'heads.disc.': input small is 2x8, smaller than the 4x4") && ys == 0,
           "%s", hue_error_message());
    CHECKF(hue_head_apply(g, &d, bad_c, 0, &ys) == HUE_EINVAL &&
               strstr(hue_error_message(), "input other is [3, 4, 8, 8], not [N, 3, H, W]") && ys == 0,
           "%s", hue_error_message());
    CHECK(d.n_tensors == n && hue_graph_status(g) == 0);
    hue_graph_output(g, d.out);
    hue_graph_output(g, yb);
    CHECKF(hue_graph_compile(g) == 0, "%s", hue_error_message());
    CHECK(hue_head_init(g, &d, 11) == 0);
    float x[3 * 3 * 8 * 8], x2[3 * 3 * 8 * 8], ya[3], y2[3];
    fill(x, 192 * 3, 0);
    fill(x2, 192 * 3, 0);
    fill(x2 + 192, 192, 1.0); /* image 1 differs */
    hue_graph_set_input(g, a, x, 192 * 3);
    hue_graph_set_input(g, b, x2, 192 * 3);
    CHECK(hue_graph_run(g) == 0);
    hue_graph_read(g, d.out, ya, 3);
    hue_graph_read(g, yb, y2, 3);
    CHECKF(ya[0] == y2[0] && ya[2] == y2[2] && ya[1] != y2[1], "real %g %g %g, fake %g %g %g", ya[0], ya[1], ya[2],
           y2[0], y2[1], y2[2]);
    hue_head_free(&d);
    hue_graph_destroy(g);
}

/* PyTorch's defaults: weights and biases uniform in +-1/sqrt(fan_in), fan_in
 * = dim 1 x kernel (for ConvTranspose2d's [in, out, k, k]: out x k x k);
 * batch norm weight 1, bias 0, running mean 0, variance 1; the same seed
 * gives the same values, another seed others. */
static void test_init(hue_ctx *ctx)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    int64_t xs[4] = {2, 40, 2, 2};
    hue_tensor x = input(g, "x", 4, xs);
    hue_head_config cfg = {HUE_HEAD_DECODER, 40, 32, 5, 2};
    hue_head d;
    CHECKF(hue_head_build(g, &cfg, "dec.", x, 1, &d) == 0, "%s", hue_error_message());
    CHECK(hue_graph_compile(g) == 0);
    /* fan-ins in build order: up 0 [40, 32, 4, 4]: 32*16; up 1 [32, 16, 4, 4]: 16*16; conv [5, 16, 3, 3]: 16*9 */
    static const struct {
        const char *name;
        double fan_in;
    } want[] = {{"dec.layers.0.weight", 512}, {"dec.layers.3.weight", 256}, {"dec.layers.6.weight", 144},
                {"dec.layers.6.bias", 144}};
    float *v[2] = {malloc(40 * 32 * 16 * sizeof(float)), malloc(40 * 32 * 16 * sizeof(float))};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        hue_tensor t = -1;
        for (int i = 0; i < d.n_tensors; i++)
            if (strcmp(d.tensors[i].name, want[k].name) == 0)
                t = d.tensors[i].tensor;
        CHECKF(t >= 0, "no %s", want[k].name);
        if (t < 0)
            continue;
        size_t n = (size_t)hue_tensor_numel(g, t);
        double bound = 1 / sqrt(want[k].fan_in), lo = INFINITY, hi = -INFINITY, mean = 0, sq = 0;
        /* seed 7 into v[0] and again into v[1], then seed 8 into v[0] */
        CHECK(hue_head_init(g, &d, 7) == 0 && hue_graph_read(g, t, v[0], n) == 0);
        CHECK(hue_head_init(g, &d, 7) == 0 && hue_graph_read(g, t, v[1], n) == 0);
        int same = memcmp(v[0], v[1], n * sizeof(float)) == 0;
        CHECK(hue_head_init(g, &d, 8) == 0 && hue_graph_read(g, t, v[0], n) == 0);
        int differ = memcmp(v[0], v[1], n * sizeof(float)) != 0;
        for (size_t i = 0; i < n; i++) {
            lo = fmin(lo, v[1][i]), hi = fmax(hi, v[1][i]);
            mean += v[1][i], sq += (double)v[1][i] * v[1][i];
        }
        mean /= (double)n;
        double sd = sqrt(sq / (double)n - mean * mean), want_sd = bound / sqrt(3.0);
        /* a uniform sample of n values reaches near both ends */
        double reach = n > 100 ? 0.97 : 0.6;
        CHECKF(lo >= -bound && hi <= bound && lo < -reach * bound && hi > reach * bound,
               "%s: values in [%g, %g], bound %g", want[k].name, lo, hi, bound);
        if (n > 100)
            CHECKF(fabs(sd / want_sd - 1) < 0.1 && fabs(mean) < 0.1 * want_sd, "%s: mean %g sd %g (uniform: sd %g)",
                   want[k].name, mean, sd, want_sd);
        CHECKF(same && differ, "%s: seed 7 twice the same %d, seeds 7 and 8 differ %d", want[k].name, same, differ);
    }
    for (int i = 0; i < d.n_tensors; i++) {
        const char *name = d.tensors[i].name;
        if (strcmp(name, "dec.layers.1.weight") && strcmp(name, "dec.layers.1.bias") &&
            strcmp(name, "dec.layers.4.running_mean") && strcmp(name, "dec.layers.4.running_var"))
            continue;
        size_t n = (size_t)hue_tensor_numel(g, d.tensors[i].tensor);
        hue_graph_read(g, d.tensors[i].tensor, v[0], n);
        float fill_value = strstr(name, "weight") || strstr(name, "var") ? 1.0f : 0.0f;
        int ok = 1;
        for (size_t k = 0; k < n; k++)
            ok &= v[0][k] == fill_value;
        CHECKF(ok, "%s is not all %g", name, fill_value);
    }
    free(v[0]);
    free(v[1]);
    hue_head_free(&d);
    hue_graph_destroy(g);
}

/* A config or input the head refuses, with the error naming `needle`. */
static void expect_refused(hue_ctx *ctx, hue_head_config cfg, const char *prefix, int ndim, const int64_t *xs,
                           const char *needle)
{
    hue_graph *g;
    CHECK(hue_graph_create(ctx, &g) == 0);
    hue_tensor x = input(g, "features", ndim, xs);
    hue_head h;
    hue_error_clear();
    int rc = hue_head_build(g, &cfg, prefix, x, 1, &h);
    CHECKF(rc == HUE_EINVAL && strstr(hue_error_message(), needle), "rc %d, message '%s', wanted '%s'", rc,
           hue_error_message(), needle);
    CHECK(h.tensors == NULL && h.n_tensors == 0 && h.out < 0);
    hue_graph_destroy(g);
}

static void test_refused(hue_ctx *ctx)
{
    const int64_t f[2] = {4, 8}, img[4] = {2, 3, 8, 8};
    static const struct {
        hue_head_config cfg;
        const char *needle;
    } bad[] = {
        {{(hue_head_kind)7, 8, 0, 4, 1}, "'kind' 7"},
        {{HUE_HEAD_LINEAR, 0, 0, 4, 1}, "linear head: 'in' is 0"},
        {{HUE_HEAD_LINEAR, 8, 16, 4, 1}, "linear head: 'hidden' is 16"},
        {{HUE_HEAD_LINEAR, 8, 0, 4, 2}, "linear head: 'layers' is 2"},
        {{HUE_HEAD_LINEAR, 8, 0, 0, 1}, "linear head: 'out' is 0"},
        {{HUE_HEAD_LINEAR, 8, 0, HUE_HEAD_MAX_CHANNELS + 1, 1}, "'out' is 65537"},
        {{HUE_HEAD_MLP, 8, 16, 4, 0}, "mlp head: 'layers' is 0"},
        {{HUE_HEAD_MLP, 8, 16, 4, 17}, "mlp head: 'layers' is 17"},
        {{HUE_HEAD_MLP, 8, 0, 4, 2}, "mlp head: 'hidden' is 0"},
        {{HUE_HEAD_MLP, 8, -3, 4, 1}, "mlp head: 'hidden' is -3"},
        {{HUE_HEAD_MLP, 8, 16, -1, 2}, "mlp head: 'out' is -1"},
        {{HUE_HEAD_MLP_PLAIN, 8, 0, 4, 2}, "mlp_plain head: 'hidden' is 0"},
        {{HUE_HEAD_DECODER, 3, 0, 3, 2}, "decoder head: 'hidden' is 0"},
        {{HUE_HEAD_DECODER, 3, 6, 3, 3}, "decoder head: 'hidden' 6 does not halve 2 times"},
        {{HUE_HEAD_DECODER, 3, 64, 3, 9}, "decoder head: 'layers' is 9"},
        {{HUE_HEAD_DISCRIMINATOR, 3, 8, 2, 2}, "discriminator head: 'out' is 2"},
        {{HUE_HEAD_DISCRIMINATOR, 3, 8, 1, 0}, "discriminator head: 'layers' is 0"},
        {{HUE_HEAD_DISCRIMINATOR, 3, 40000, 1, 2}, "'hidden' 40000 doubled 1 times"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int conv = bad[i].cfg.kind == HUE_HEAD_DECODER || bad[i].cfg.kind == HUE_HEAD_DISCRIMINATOR;
        expect_refused(ctx, bad[i].cfg, "h.", conv ? 4 : 2, conv ? img : f, bad[i].needle);
        hue_error_clear();
        CHECKF(hue_head_config_check(&bad[i].cfg) == HUE_EINVAL && strstr(hue_error_message(), bad[i].needle),
               "check: %s", hue_error_message());
    }
    hue_head_config mlp = {HUE_HEAD_MLP, 8, 16, 4, 2}, dis = {HUE_HEAD_DISCRIMINATOR, 3, 8, 1, 3};
    expect_refused(ctx, mlp, "heads.projection", 2, f, "must be empty or end in '.'");
    expect_refused(ctx, mlp, "a.very.long.prefix.that.does.not.fit.in.48.bytes.", 2, f, "at most 47 bytes");
    expect_refused(ctx, mlp, "h.", 2, (int64_t[]){4, 9}, "input features is [4, 9], not [N, 8] ('in' 8)");
    expect_refused(ctx, mlp, "h.", 4, img, "input features is [2, 3, 8, 8], not [N, 8]");
    expect_refused(ctx, dis, "h.", 2, f, "not [N, 3, H, W]");
    expect_refused(ctx, dis, "h.", 4, (int64_t[]){2, 3, 8, 7}, "8x7, smaller than the 8x8 its 3 downsamplings");
    /* an MLP's batch norm in training needs more than one row */
    expect_refused(ctx, mlp, "h.", 2, (int64_t[]){1, 8}, "more than one value per channel");
    hue_head_config ok = {HUE_HEAD_LINEAR, 8, 0, 4, 1};
    hue_error_clear();
    CHECKF(hue_head_config_check(&ok) == 0, "%s", hue_error_message());
}

static void test_json(void)
{
    const hue_head_config cfgs[] = {{HUE_HEAD_LINEAR, 512, 0, 10, 1},
                                    {HUE_HEAD_MLP, 2048, 2048, 128, 2},
                                    {HUE_HEAD_DECODER, 256, 128, 313, 3},
                                    {HUE_HEAD_DISCRIMINATOR, 3, 64, 1, 4}};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        char json[200];
        hue_head_config_json(&cfgs[i], json, sizeof json);
        hue_head_config back;
        memset(&back, 0xab, sizeof back);
        int rc = hue_head_config_parse(json, "ckpt.safetensors", &back);
        CHECKF(rc == 0 && memcmp(&back, &cfgs[i], sizeof back) == 0, "%s: %s", json, hue_error_message());
        CHECK(hue_head_kind_parse(hue_head_kind_name(cfgs[i].kind)) == (int)cfgs[i].kind);
    }
    char json[200];
    hue_head_config_json(&cfgs[1], json, sizeof json);
    CHECKF(strcmp(json, "{\"kind\": \"mlp\", \"in\": 2048, \"hidden\": 2048, \"out\": 128, \"layers\": 2}") == 0, "%s",
           json);
    CHECK(hue_head_kind_name((hue_head_kind)5) == NULL && hue_head_kind_parse("conv") == -1 &&
          hue_head_kind_parse(NULL) == -1);

    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"{\"kind\": \"mlp\", \"in\": 8", "p.st: the head config is not JSON"},
        {"[1, 2]", "p.st: the head config is a array, not a JSON object"},
        {"{\"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 1}", "p.st: the head config has no 'kind'"},
        {"{\"kind\": 3, \"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 1}", "'kind' is a number"},
        {"{\"kind\": \"conv\", \"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 1}", "'kind' \"conv\" is not"},
        {"{\"kind\": \"linear\", \"hidden\": 0, \"out\": 4, \"layers\": 1}", "p.st: the head config has no 'in'"},
        {"{\"kind\": \"linear\", \"in\": \"8\", \"hidden\": 0, \"out\": 4, \"layers\": 1}", "'in' is a string"},
        {"{\"kind\": \"linear\", \"in\": 8.5, \"hidden\": 0, \"out\": 4, \"layers\": 1}", "'in' is not a 32-bit"},
        {"{\"kind\": \"linear\", \"in\": 8, \"hidden\": 0, \"out\": 4e40, \"layers\": 1}", "'out' is not a 32-bit"},
        {"{\"kind\": \"linear\", \"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 4294967297}",
         "'layers' is not a 32-bit"},
        {"{\"kind\": \"linear\", \"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 1, \"bias\": false}",
         "unknown field 'bias'"},
        {"{\"kind\": \"mlp\", \"in\": 8, \"hidden\": 0, \"out\": 4, \"layers\": 2}", "p.st: mlp head: 'hidden' is 0"},
        {"{\"kind\": \"discriminator\", \"in\": 3, \"hidden\": 8, \"out\": 0, \"layers\": 2}",
         "p.st: discriminator head: 'out' is 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hue_head_config c = {HUE_HEAD_LINEAR, 1, 0, 1, 1}, before = c;
        hue_error_clear();
        int rc = hue_head_config_parse(bad[i].json, "p.st", &c);
        CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), bad[i].needle) &&
                   memcmp(&c, &before, sizeof c) == 0,
               "%s: rc %d '%s' (wanted '%s')", bad[i].json, rc, hue_error_message(), bad[i].needle);
    }
    hue_head_config c, unknown = {(hue_head_kind)9, 1, 0, 1, 1};
    CHECK(hue_head_config_parse(NULL, "p.st", &c) == HUE_EFORMAT && strstr(hue_error_message(), "p.st"));
    /* a kind hue does not know is written as null, and read back as an error */
    hue_head_config_json(&unknown, json, sizeof json);
    CHECKF(strstr(json, "\"kind\": null") && hue_head_config_parse(json, "p.st", &c) == HUE_EFORMAT &&
               strstr(hue_error_message(), "'kind' is a null"),
           "%s: %s", json, hue_error_message());
}

int main(void)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        fprintf(stderr, "%s\n", hue_error_message());
        return 1;
    }
    printf("backend: %s\n", hue_backend_name(hue_ctx_backend(ctx)));
    test_shapes(ctx);
    test_names(ctx);
    test_apply(ctx);
    test_init(ctx);
    test_refused(ctx);
    test_json();
    CHECKF(hue_ctx_validation_errors(ctx) == 0, "%d validation errors", hue_ctx_validation_errors(ctx));
    hue_ctx_destroy(ctx);
    return test_finish();
}
