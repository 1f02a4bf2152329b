/* The probes' parts on cases computed here: a checkpoint's representation
 * (round trip, the fallback from 'architecture', each bad field named),
 * loading a trunk under a prefix from a file holding more, copying it from
 * a training graph, the kNN classifier (a hand-computed vote where T
 * decides, equal similarities, every kernel this CPU has against a
 * brute-force reference in double, bad arguments) and the linear probe
 * (separable data, a seed that repeats, bad arguments). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hue_checkpoint.h"
#include "hue_error.h"
#include "hue_features.h"
#include "hue_knn.h"
#include "hue_linear_probe.h"
#include "hue_model_io.h"
#include "hue_ops.h"
#include "hue_representation.h"
#include "hue_rng.h"
#include "test_util.h"

static const char *ARCH = "{\"arch\": \"resnet18\", \"width\": 0.25, \"cifar_stem\": true, \"dense\": false, "
                          "\"in_channels\": %d, \"num_classes\": 10, \"last_layer\": 4, \"embed\": 0}";

static void test_representation(void)
{
    hue_representation r = {.n_trunks = 2}, back;
    r.trunks[0] = (hue_trunk_ref){.prefix = "", .input = HUE_INPUT_RGB, .mean = {0.1f, 0.2f, 0.3f},
                                  .std = {0.5f, 0.25f, 0.125f}, .arch = hue_resnet_defaults()};
    r.trunks[1] = (hue_trunk_ref){.prefix = "ab \"net\".", .input = HUE_INPUT_AB, .arch = hue_resnet_defaults()};
    r.trunks[1].arch.in_channels = 2;
    r.trunks[1].arch.width = 0.375f;
    char json[2048];
    hue_representation_json(&r, json, sizeof json);
    CHECKF(hue_representation_parse(json, NULL, "x.ckpt", &back) == 0, "%s: %s", json, hue_error_message());
    CHECK(back.n_trunks == 2 && !strcmp(back.trunks[1].prefix, "ab \"net\".") && back.trunks[1].input == HUE_INPUT_AB);
    CHECK(back.trunks[0].mean[1] == 0.2f && back.trunks[0].std[2] == 0.125f && back.trunks[1].arch.width == 0.375f);
    CHECK(back.trunks[0].arch.num_classes == 1000 && back.trunks[1].arch.in_channels == 2);
    hue_resnet_config tc = hue_trunk_config(&back.trunks[0]);
    CHECK(tc.num_classes == 0 && tc.embed == 0 && tc.last_layer == 4 && tc.in_channels == 3);

    /* a LAB video encoder: 3 channels, not rgb (no mean or std) */
    hue_representation lab = {.n_trunks = 1};
    lab.trunks[0] = (hue_trunk_ref){.prefix = "", .input = HUE_INPUT_LAB, .arch = hue_resnet_defaults()};
    hue_representation_json(&lab, json, sizeof json);
    CHECKF(strstr(json, "\"input\": \"lab\"") && !strstr(json, "mean"), "%s", json);
    CHECKF(hue_representation_parse(json, NULL, "x.ckpt", &back) == 0, "%s: %s", json, hue_error_message());
    CHECK(back.trunks[0].input == HUE_INPUT_LAB && hue_trunk_config(&back.trunks[0]).in_channels == 3);
    CHECK(hue_input_kind_parse("lab") == HUE_INPUT_LAB && !strcmp(hue_input_kind_name(HUE_INPUT_LAB), "lab"));

    /* no representation: one trunk from the architecture, its input from in_channels */
    const hue_input_kind kinds[3] = {HUE_INPUT_L, HUE_INPUT_AB, HUE_INPUT_RGB};
    for (int c = 1; c <= 3; c++) {
        char arch[512];
        snprintf(arch, sizeof arch, ARCH, c);
        CHECK(hue_representation_parse(NULL, arch, "x.ckpt", &back) == 0);
        CHECK(back.n_trunks == 1 && back.trunks[0].input == kinds[c - 1] && back.trunks[0].prefix[0] == 0);
    }
    CHECK(back.trunks[0].mean[0] == hue_cifar_mean[0] && back.trunks[0].std[2] == hue_cifar_std[2]);
    char arch4[512];
    snprintf(arch4, sizeof arch4, ARCH, 4);
    CHECK(hue_representation_parse(NULL, arch4, "x.ckpt", &back) == HUE_EFORMAT &&
          strstr(hue_error_message(), "'in_channels'"));
    CHECK(hue_representation_parse(NULL, NULL, "x.ckpt", &back) == HUE_EFORMAT &&
          strstr(hue_error_message(), "x.ckpt: no trunk"));

    char a3[512];
    snprintf(a3, sizeof a3, ARCH, 3);
    static const struct {
        const char *fmt, *field;
    } bad[] = {
        {"[]", "'representation'"},
        {"{}", "'representation'"},
        {"[1]", "'representation'[0]"},
        {"[{\"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1], \"architecture\": %s}]", "'prefix'"},
        {"[{\"prefix\": 7, \"input\": \"rgb\", \"architecture\": %s}]", "'prefix'"},
        {"[{\"prefix\": \"\", \"input\": \"hsv\", \"architecture\": %s}]", "'input'"},
        {"[{\"prefix\": \"\", \"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1]}]", "'architecture'"},
        {"[{\"prefix\": \"\", \"input\": \"l\", \"architecture\": %s}]", "'in_channels'"},
        {"[{\"prefix\": \"\", \"input\": \"rgb\", \"mean\": [0,0], \"std\": [1,1,1], \"architecture\": %s}]", "'mean'"},
        {"[{\"prefix\": \"\", \"input\": \"rgb\", \"std\": [1,1,1], \"architecture\": %s}]", "'mean'"},
        {"[{\"prefix\": \"\", \"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,0,1], \"architecture\": %s}]", "'std'"},
        {"[{\"prefix\": \"\", \"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1], \"architecture\": {}}]",
         "'arch'"},
        {"[{\"prefix\": \"a.\", \"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1], \"architecture\": %s}, "
         "{\"prefix\": \"a.\", \"input\": \"rgb\", \"mean\": [0,0,0], \"std\": [1,1,1], \"architecture\": %s}]",
         "prefix of [0]"},
        {"[{\"prefix\": \"\",", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, bad[i].fmt, a3, a3);
        int rc = hue_representation_parse(text, a3, "bad.ckpt", &back);
        CHECKF(rc == HUE_EFORMAT && strstr(hue_error_message(), "bad.ckpt") &&
                   strstr(hue_error_message(), bad[i].field),
               "case %zu: rc %d, message '%s' (want %s)", i, rc, hue_error_message(), bad[i].field);
    }
}

/* kNN in double with the same order of neighbours and tie rules. */
static void knn_reference(const float *tr, const int32_t *ltr, int ntr, const float *te, int nte, int dim, int C,
                          int k, double T, int32_t *pred)
{
    double *sim = malloc(sizeof *sim * ntr), *score = malloc(sizeof *score * C);
    char *used = malloc((size_t)ntr);
    for (int q = 0; q < nte; q++) {
        for (int i = 0; i < ntr; i++) {
            double s = 0;
            for (int c = 0; c < dim; c++)
                s += (double)te[q * dim + c] * tr[i * dim + c];
            sim[i] = s;
            used[i] = 0;
        }
        for (int c = 0; c < C; c++)
            score[c] = 0;
        for (int n = 0; n < k; n++) {
            int best = -1;
            for (int i = 0; i < ntr; i++)
                if (!used[i] && (best < 0 || sim[i] > sim[best]))
                    best = i;
            used[best] = 1;
            score[ltr[best]] += exp(sim[best] / T);
        }
        int best = 0;
        for (int c = 1; c < C; c++)
            if (score[c] > score[best])
                best = c;
        pred[q] = best;
    }
    free(sim);
    free(score);
    free(used);
}

static void test_knn_hand(void)
{
    /* similarities to the test image (1, 0): 1 (class 0), 0 and 0.8 (class 1).
     * k 3, T 1: class 0 gets e^1 = 2.72, class 1 e^0 + e^0.8 = 3.23: class 1.
     * k 3, T 0.1: e^10 = 22026 against 1 + e^8 = 2982: class 0.
     * k 1: the nearest only: class 0. */
    const float tr[6] = {1, 0, 0, 1, 0.8f, 0.6f}, te[2] = {1, 0};
    const int32_t ltr[3] = {0, 1, 1}, lte[1] = {1};
    hue_knn_options o = hue_knn_defaults();
    hue_knn_result r;
    int32_t pred = -1;
    o.k = 3, o.temperature = 1;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, &pred, &r) == 0 && pred == 1 && r.top1 == 1 &&
          r.top5 == 1 && r.n == 1);
    o.temperature = 0.1f;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, &pred, &r) == 0 && pred == 0 && r.top1 == 0);
    o.k = 1, o.temperature = 1;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, &pred, &r) == 0 && pred == 0);

    /* equal similarities: the earlier training image is the nearer */
    const float dup[8] = {0.6f, 0.8f, 1, 0, 0, 1, 0.6f, 0.8f}, q[2] = {0.6f, 0.8f};
    const int32_t ldup[4] = {2, 0, 0, 1}, lq[1] = {2};
    o.k = 1;
    CHECK(hue_knn_classify(dup, ldup, 4, q, lq, 1, 2, 3, &o, &pred, &r) == 0 && pred == 2);
    /* k 2 takes both copies: equal weights for classes 2 and 1, the lower wins */
    o.k = 2;
    CHECK(hue_knn_classify(dup, ldup, 4, q, lq, 1, 2, 3, &o, &pred, &r) == 0 && pred == 1 && r.top1 == 0 &&
          r.top5 == 1);

    /* a nearer image evicts, of equal ones, the latest: three at similarity
     * 0.5 (classes 0, 1, 1), then one at 0.51 (class 2), k 3, T 1. Kept:
     * 0.5 for 0 and 1, 0.51 for 2: class 2. Evicting the earliest instead
     * would leave class 1 with two votes. */
    const float s5 = 0.8660254f;
    const float ev[8] = {0.5f, s5, 0.5f, s5, 0.5f, s5, 0.51f, 0.86017439f}, e0[2] = {1, 0};
    const int32_t lev[4] = {0, 1, 1, 2}, le0[1] = {2};
    o.k = 3, o.temperature = 1;
    CHECK(hue_knn_classify(ev, lev, 4, e0, le0, 1, 2, 3, &o, &pred, &r) == 0 && pred == 2);

    /* bad arguments */
    int32_t bad_label[3] = {0, 5, 1};
    float nan_tr[6] = {1, 0, 0, 1, NAN, 0.6f};
    o = hue_knn_defaults();
    o.k = 0;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL);
    o.k = 4;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL &&
          strstr(hue_error_message(), "3 training images"));
    o.k = 2, o.temperature = 0;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL);
    o.temperature = NAN;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL);
    o.temperature = 0.1f, o.threads = 0;
    CHECK(hue_knn_classify(tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL);
    o.threads = 2;
    CHECK(hue_knn_classify(tr, bad_label, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL);
    CHECK(hue_knn_classify(nan_tr, ltr, 3, te, lte, 1, 2, 2, &o, NULL, &r) == HUE_EINVAL &&
          strstr(hue_error_message(), "NaN"));
}

/* Every kernel this CPU has, 1 and 3 threads, against the reference. Sizes
 * leave partial tiles, blocks, groups and chunks. */
static void test_knn_random(void)
{
    enum { NTR = 1000, NTE = 150, DIM = 37, C = 7, K = 20 };
    float *tr = malloc(sizeof *tr * NTR * DIM), *te = malloc(sizeof *te * NTE * DIM);
    int32_t ltr[NTR], lte[NTE], want[NTE], got[NTE];
    hue_rng g;
    hue_rng_seed(&g, 42);
    /* classes as noisy directions, so the vote means something */
    for (int i = 0; i < NTR + NTE; i++) {
        int y = (int)hue_rng_below(&g, C);
        float *row = i < NTR ? tr + i * DIM : te + (i - NTR) * DIM;
        for (int c = 0; c < DIM; c++)
            row[c] = (float)hue_rng_normal(&g) + 2.0f * (c % C == y);
        if (i < NTR)
            ltr[i] = y;
        else
            lte[i - NTR] = y;
    }
    hue_features_l2_normalize(tr, NTR, DIM);
    hue_features_l2_normalize(te, NTE, DIM);
    knn_reference(tr, ltr, NTR, te, NTE, DIM, C, K, 0.1, want);
    int right = 0;
    for (int i = 0; i < NTE; i++)
        right += want[i] == lte[i];
    CHECKF(right > NTE / 2, "reference top-1 %d of %d: the data should be easy", right, NTE);
    const char *kernels[] = {"generic", "avx2", "avx512"};
    int ran = 0;
    for (int kk = 0; kk < 3; kk++)
        for (int threads = 1; threads <= 3; threads += 2) {
            setenv("HUE_KNN_KERNEL", kernels[kk], 1);
            hue_knn_options o = hue_knn_defaults();
            o.k = K;
            o.threads = threads;
            hue_knn_result r;
            int rc = hue_knn_classify(tr, ltr, NTR, te, lte, NTE, DIM, C, &o, got, &r);
            if (rc == HUE_ENOTSUP) {
                printf("kNN kernel %s: not on this CPU\n", kernels[kk]);
                break;
            }
            ran++;
            int same = 0;
            for (int i = 0; i < NTE; i++)
                same += got[i] == want[i];
            CHECKF(rc == 0 && same == NTE, "kernel %s, %d threads: rc %d, %d of %d predictions as the reference",
                   kernels[kk], threads, rc, same, NTE);
            CHECK(fabs(r.top1 - (double)right / NTE) < 1e-12 && r.top5 >= r.top1);
        }
    setenv("HUE_KNN_KERNEL", "sse9", 1);
    hue_knn_options o = hue_knn_defaults();
    hue_knn_result r;
    CHECK(hue_knn_classify(tr, ltr, NTR, te, lte, NTE, DIM, C, &o, got, &r) == HUE_EINVAL);
    unsetenv("HUE_KNN_KERNEL");
    CHECK(ran >= 2);
    free(tr);
    free(te);
}

static void test_linear_probe(void)
{
    enum { N = 400, D = 12, C = 4 };
    hue_feature_set tr = {.n = N, .dim = D, .num_classes = C}, te = {.n = N / 2, .dim = D, .num_classes = C};
    tr.x = malloc(sizeof(float) * N * D), te.x = malloc(sizeof(float) * N / 2 * D);
    tr.labels = malloc(sizeof(int32_t) * N), te.labels = malloc(sizeof(int32_t) * N / 2);
    hue_rng g;
    hue_rng_seed(&g, 7);
    /* separable, on a scale (1000 + 50 x) no fixed learning rate would suit unstandardised */
    for (int i = 0; i < N + N / 2; i++) {
        int y = (int)hue_rng_below(&g, C);
        hue_feature_set *s = i < N ? &tr : &te;
        int row = i < N ? i : i - N;
        s->labels[row] = y;
        for (int c = 0; c < D; c++)
            s->x[row * D + c] = 1000 + 50 * ((float)(0.3 * hue_rng_normal(&g)) + (c == y ? 2.0f : 0.0f));
    }
    hue_linear_probe_options o = hue_linear_probe_defaults();
    o.epochs = 20;
    o.batch = 32;
    hue_linear_probe_result a, b;
    CHECK(hue_linear_probe(&tr, &te, &o, &a) == 0);
    CHECKF(a.top1 == 1 && a.train_top1 == 1 && a.top5 == 1 && a.steps == 20 * (N / 32), "top-1 %g, train %g",
           a.top1, a.train_top1);
    CHECK(hue_linear_probe(&tr, &te, &o, &b) == 0 && b.loss == a.loss);
    o.seed = 1;
    CHECK(hue_linear_probe(&tr, &te, &o, &b) == 0 && b.loss != a.loss);
    hue_linear_probe_options bad = o;
    bad.batch = N + 1;
    CHECK(hue_linear_probe(&tr, &te, &bad, &b) == HUE_EINVAL && strstr(hue_error_message(), "--batch"));
    bad = o, bad.epochs = 0;
    CHECK(hue_linear_probe(&tr, &te, &bad, &b) == HUE_EINVAL);
    bad = o, bad.momentum = 1;
    CHECK(hue_linear_probe(&tr, &te, &bad, &b) == HUE_EINVAL);
    bad = o, bad.lr = NAN;
    CHECK(hue_linear_probe(&tr, &te, &bad, &b) == HUE_EINVAL);
    /* a NaN among the features stops the first epoch, naming the loss */
    bad = o, bad.standardize = 0;
    tr.x[5 * D + 2] = NAN;
    CHECKF(hue_linear_probe(&tr, &te, &bad, &b) == HUE_EINVAL && strstr(hue_error_message(), "loss is NaN"), "%s",
           hue_error_message());
    te.num_classes = 5;
    CHECK(hue_linear_probe(&tr, &te, &o, &b) == HUE_EINVAL);
    hue_feature_set_free(&tr);
    hue_feature_set_free(&te);
}

/* All values of tensor `name` of m in g. */
static float *read_named(hue_graph *g, const hue_resnet *m, const char *name, size_t *n)
{
    hue_tensor t = hue_resnet_find(m, name);
    if (t < 0)
        return NULL;
    *n = (size_t)hue_tensor_numel(g, t);
    float *v = malloc(sizeof *v * *n);
    if (v && hue_graph_read(g, t, v, *n)) {
        free(v);
        return NULL;
    }
    return v;
}

/* 1 when every tensor of `to` equals the tensor of that name in `from`. */
static int same_tensors(hue_graph *gf, const hue_resnet *from, hue_graph *gt, const hue_resnet *to)
{
    int same = to->n_tensors > 0;
    for (int i = 0; i < to->n_tensors && same; i++) {
        size_t na = 0, nb = 0;
        float *a = read_named(gf, from, to->tensors[i].name, &na), *b = read_named(gt, to, to->tensors[i].name, &nb);
        same = a && b && na == nb && memcmp(a, b, na * sizeof *a) == 0;
        if (!same)
            fprintf(stderr, "tensor %s differs\n", to->tensors[i].name);
        free(a);
        free(b);
    }
    return same;
}

static void test_trunk_load(const char *dir)
{
    hue_ctx *ctx;
    if (hue_ctx_create(&ctx, -1)) {
        CHECKF(0, "no context: %s", hue_error_message());
        return;
    }
    /* a training graph of a classifier: its trunk, an fc layer, SGD's state */
    hue_resnet_config cfg = hue_resnet_defaults();
    cfg.width = 0.125f, cfg.cifar_stem = 1, cfg.num_classes = 10;
    hue_graph *g = NULL;
    hue_resnet m = {0};
    hue_optim *opt = NULL;
    int64_t xs[4] = {2, 3, 16, 16}, ys[1] = {2};
    int rc = hue_graph_create(ctx, &g);
    hue_tensor x = hue_graph_input(g, "x", 4, xs), y = hue_graph_input(g, "y", 1, ys);
    if (!rc)
        rc = hue_resnet_build(g, &cfg, x, 1, &m);
    hue_tensor loss = rc ? -1 : hue_cross_entropy(g, m.logits, y, -1, -100);
    if (!rc)
        rc = hue_graph_backward(g, loss);
    hue_optim_config oc = hue_optim_defaults(HUE_OPTIM_SGD);
    oc.momentum = 0.9f;
    if (!rc)
        rc = hue_optim_create(g, &oc, loss, &opt);
    if (!rc)
        rc = hue_graph_compile(g);
    if (!rc)
        rc = hue_resnet_init(g, &m, 3);
    /* statistics off their initial values, so a mix-up shows */
    for (int i = 0; i < m.n_tensors && !rc; i++) {
        size_t n = (size_t)hue_tensor_numel(g, m.tensors[i].tensor);
        float *v = malloc(sizeof *v * n);
        for (size_t k = 0; v && k < n; k++)
            v[k] = (float)(i + 1) * 0.01f + (float)k * 1e-4f;
        if (m.tensors[i].is_state)
            rc = hue_graph_write(g, m.tensors[i].tensor, v, n);
        free(v);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/classifier.ckpt", dir);
    if (!rc)
        rc = hue_model_save(g, &m, opt, 5, NULL, 0, path, 1);
    CHECKF(rc == 0, "the training graph: %s", hue_error_message());

    hue_representation r;
    CHECK(hue_representation_read(path, &r) == 0 && r.n_trunks == 1 && r.trunks[0].input == HUE_INPUT_RGB);
    hue_features *fa = NULL, *fb = NULL;
    hue_checkpoint *ck = NULL;
    CHECK(hue_features_create(ctx, &r, 4, 16, &fa) == 0 && hue_features_create(ctx, &r, 4, 16, &fb) == 0);
    CHECK(fa && hue_features_dim(fa) == 64 && hue_features_trunk(fa, 1) == NULL);
    CHECK(hue_checkpoint_open(path, &ck) == 0);
    if (fa && fb && ck) {
        const hue_resnet *ta = hue_features_trunk(fa, 0), *tb = hue_features_trunk(fb, 0);
        CHECK(hue_resnet_find(ta, "fc.weight") < 0 && hue_resnet_find(ta, "layer4.1.bn2.running_var") >= 0);
        CHECKF(hue_features_load(fa, ck, path) == 0, "%s", hue_error_message());
        CHECK(same_tensors(g, &m, hue_features_graph(fa), ta));
        CHECKF(hue_features_copy_trunk(fb, 0, g, &m) == 0, "%s", hue_error_message());
        CHECK(same_tensors(g, &m, hue_features_graph(fb), tb));
        CHECK(hue_features_copy_trunk(fb, 1, g, &m) == HUE_EINVAL);

        /* under a prefix, among other tensors; then one missing, one NaN */
        hue_checkpoint *pk;
        CHECK(hue_checkpoint_create(&pk) == 0);
        const char *drop = "layer3.0.downsample.1.running_mean";
        for (int i = 0; i < hue_checkpoint_count(ck); i++) {
            const char *name = hue_checkpoint_name(ck, i);
            int64_t shape[HUE_CKPT_MAX_DIMS];
            int nd = hue_checkpoint_shape(ck, i, shape);
            char pname[200];
            snprintf(pname, sizeof pname, "l_to_ab.%s", name);
            if (hue_checkpoint_data(ck, i) && strcmp(name, drop))
                CHECK(hue_checkpoint_add(pk, pname, nd, shape, hue_checkpoint_data(ck, i)) == 0);
        }
        const hue_resnet *tr = hue_features_trunk(fb, 0);
        CHECK(hue_model_load_prefixed(hue_features_graph(fb), tr, "l_to_ab.", pk, "p.ckpt") == HUE_EFORMAT &&
              strstr(hue_error_message(), "p.ckpt: no tensor 'l_to_ab.layer3.0.downsample.1.running_mean'"));
        CHECK(hue_model_load_prefixed(hue_features_graph(fb), tr, "", pk, "p.ckpt") == HUE_EFORMAT &&
              strstr(hue_error_message(), "no tensor 'conv1.weight'"));
        int64_t c32[1] = {32}; /* layer3 of width 0.125: 32 channels */
        float bad[32] = {0};
        bad[3] = INFINITY;
        char name[200];
        snprintf(name, sizeof name, "l_to_ab.%s", drop);
        CHECK(hue_checkpoint_add(pk, name, 1, c32, bad) == 0);
        CHECK(hue_model_load_prefixed(hue_features_graph(fb), tr, "l_to_ab.", pk, "p.ckpt") == HUE_EFORMAT &&
              strstr(hue_error_message(), "holds inf at index 3"));
        hue_checkpoint_destroy(pk);
    }
    hue_checkpoint_destroy(ck);
    hue_features_destroy(fa);
    hue_features_destroy(fb);
    hue_optim_destroy(opt);
    hue_resnet_free(&m);
    hue_graph_destroy(g);
    hue_ctx_destroy(ctx);
    unlink(path);
}

int main(void)
{
    char dir[] = "/tmp/hue-probe-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    test_representation();
    test_knn_hand();
    test_knn_random();
    test_linear_probe();
    test_trunk_load(dir);
    rmdir(dir);
    return test_finish();
}
