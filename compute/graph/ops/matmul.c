/* Batched matrix multiplication (one GEMM on the device). */
#include "op_common.h"

/* With C = op(A) op(B): dA = G op(B)^T and dB = op(A)^T G, each written
 * in the operand's stored layout; a batch that was broadcast sums back. */
static int backward(hue_graph *g, const hue_node *n, hue_tensor G)
{
    hue_tensor a = n->in[0], b = n->in[1];
    int ta = n->p.trans_a, tb = n->p.trans_b;
    if (hue_tensor_needs_grad(g, a)) {
        hue_tensor da = ta ? hue_matmul(g, b, G, tb, 1) : hue_matmul(g, G, b, 0, !tb);
        hue_grad_accumulate(g, a, hue_reduce_to_shape(g, da, a));
    }
    if (hue_tensor_needs_grad(g, b)) {
        hue_tensor db = tb ? hue_matmul(g, G, a, 1, ta) : hue_matmul(g, a, G, !ta, 0);
        hue_grad_accumulate(g, b, hue_reduce_to_shape(g, db, b));
    }
    return g->error;
}

static const hue_op_impl impl = {"matmul", backward};

hue_tensor hue_matmul(hue_graph *g, hue_tensor a, hue_tensor b, int trans_a, int trans_b)
{
    hue_tensor in[2] = {a, b};
    if (hue_graph_check_inputs(g, "matmul", 2, in))
        return g->error;
    const hue_tensor_desc *x = &g->t[a], *y = &g->t[b];
    if (x->ndim < 2 || y->ndim < 2)
        return hue_graph_fail(g, HUE_EINVAL, "matmul: operands need 2 or more dimensions (%s has %d, %s has %d)",
                              x->name, x->ndim, y->name, y->ndim);
    for (int k = 0; k < 2; k++)
        if (!hue_tensor_is_contiguous(g, in[k]))
            return hue_graph_fail(g, HUE_EINVAL, "matmul: %s is not contiguous", g->t[in[k]].name);
    int64_t M = trans_a ? x->shape[3] : x->shape[2], Ka = trans_a ? x->shape[2] : x->shape[3];
    int64_t Kb = trans_b ? y->shape[3] : y->shape[2], N = trans_b ? y->shape[2] : y->shape[3];
    if (Ka != Kb)
        return hue_graph_fail(g, HUE_EINVAL, "matmul: inner dimensions differ (%s gives K=%lld, %s gives K=%lld)",
                              x->name, (long long)Ka, y->name, (long long)Kb);
    int ndim = x->ndim > y->ndim ? x->ndim : y->ndim;
    int64_t shape[HUE_MAX_DIMS];
    for (int i = 0; i < 2; i++) {
        if (x->shape[i] != y->shape[i] && x->shape[0] * x->shape[1] != 1 && y->shape[0] * y->shape[1] != 1)
            return hue_graph_fail(g, HUE_EINVAL, "matmul: batch dimensions of %s and %s differ", x->name, y->name);
        shape[i] = x->shape[i] > y->shape[i] ? x->shape[i] : y->shape[i];
    }
    if (x->shape[0] * x->shape[1] != 1 && y->shape[0] * y->shape[1] != 1 &&
        (x->shape[0] != y->shape[0] || x->shape[1] != y->shape[1]))
        return hue_graph_fail(g, HUE_EINVAL, "matmul: batch dimensions of %s and %s differ", x->name, y->name);
    shape[2] = M;
    shape[3] = N;
    hue_tensor out = hue_graph_new_tensor(g, ndim, shape + HUE_MAX_DIMS - ndim, "matmul");
    if (out < 0 || check_int32(g, "matmul", out) || check_int32(g, "matmul", a) || check_int32(g, "matmul", b))
        return g->error;
    hue_op_params p = {.trans_a = trans_a, .trans_b = trans_b};
    return hue_graph_add_node(g, &impl, 2, in, out, &p);
}

/* ---- plain-C reference ---- */

static int reference(const hue_host_tensor *in, const hue_op_params *p, hue_host_tensor *out)
{
    const hue_host_tensor *x = &in[0], *y = &in[1];
    int64_t xr = host_dim4(x, 2), xc = host_dim4(x, 3), yr = host_dim4(y, 2), yc = host_dim4(y, 3);
    int64_t M = p->trans_a ? xc : xr, K = p->trans_a ? xr : xc, N = p->trans_b ? yr : yc;
    int64_t bx = host_dim4(x, 0) * host_dim4(x, 1), by = host_dim4(y, 0) * host_dim4(y, 1);
    int64_t batch = bx > by ? bx : by;
    int ndim = x->ndim > y->ndim ? x->ndim : y->ndim;
    int64_t shape[4] = {host_dim4(bx >= by ? x : y, 0), host_dim4(bx >= by ? x : y, 1), M, N};
    if (hue_host_alloc(out, ndim, shape + 4 - ndim))
        return HUE_ENOMEM;
    for (int64_t z = 0; z < batch; z++) {
        const double *A = x->data + (bx == 1 ? 0 : z * xr * xc), *B = y->data + (by == 1 ? 0 : z * yr * yc);
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = 0; n < N; n++) {
                double s = 0;
                for (int64_t k = 0; k < K; k++)
                    s += (double)(p->trans_a ? A[k * xc + m] : A[m * xc + k]) *
                         (double)(p->trans_b ? B[n * yc + k] : B[k * yc + n]);
                out->data[(z * M + m) * N + n] = s;
            }
    }
    return 0;
}

static int reference_backward(const hue_host_tensor *in, const hue_host_tensor *grad_out, const hue_op_params *p,
                              hue_host_tensor *grad_in)
{
    const hue_host_tensor *x = &in[0], *y = &in[1];
    int64_t xr = host_dim4(x, 2), xc = host_dim4(x, 3), yr = host_dim4(y, 2), yc = host_dim4(y, 3);
    int64_t M = p->trans_a ? xc : xr, K = p->trans_a ? xr : xc, N = p->trans_b ? yr : yc;
    int64_t bx = host_dim4(x, 0) * host_dim4(x, 1), by = host_dim4(y, 0) * host_dim4(y, 1);
    int64_t batch = bx > by ? bx : by;
    if (hue_host_alloc(&grad_in[0], x->ndim, x->shape) || hue_host_alloc(&grad_in[1], y->ndim, y->shape))
        return HUE_ENOMEM;
    memset(grad_in[0].data, 0, sizeof(double) * (size_t)hue_host_numel(x));
    memset(grad_in[1].data, 0, sizeof(double) * (size_t)hue_host_numel(y));
    for (int64_t z = 0; z < batch; z++) {
        int64_t ax = bx == 1 ? 0 : z * xr * xc, ay = by == 1 ? 0 : z * yr * yc;
        const double *A = x->data + ax, *B = y->data + ay, *G = grad_out->data + z * M * N;
        double *dA = grad_in[0].data + ax, *dB = grad_in[1].data + ay;
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = 0; n < N; n++)
                for (int64_t k = 0; k < K; k++) {
                    int64_t ia = p->trans_a ? k * xc + m : m * xc + k, ib = p->trans_b ? n * yc + k : k * yc + n;
                    dA[ia] += G[m * N + n] * B[ib];
                    dB[ib] += G[m * N + n] * A[ia];
                }
    }
    return 0;
}

/* Shapes: tiny, odd (no multiple of 4 or 8), size-1, transposed both ways,
 * broadcast batch, and a large square one. */
static void make_case(int i, hue_op_case *c)
{
    static const int64_t cases[][5] = {
        /* batch, M, K, N, flags (1 = trans_a, 2 = trans_b) */
        {1, 1, 1, 1, 0},   {1, 8, 4, 4, 0},    {1, 13, 7, 9, 0},   {3, 17, 33, 21, 0}, {2, 16, 32, 12, 1},
        {2, 16, 32, 12, 2}, {2, 15, 30, 11, 3}, {1, 1, 64, 1, 0},   {1, 9, 1, 5, 3},    {4, 64, 36, 40, 2},
        {1, 257, 300, 129, 0}, {1, 96, 64, 96, 1},
    };
    const int64_t *k = cases[i];
    int ta = (int)(k[4] & 1), tb = (int)(k[4] >> 1);
    int broadcast = i == 9;  /* B shared by the whole batch */
    c->ndim[0] = 3;
    c->shape[0][0] = k[0], c->shape[0][1] = ta ? k[2] : k[1], c->shape[0][2] = ta ? k[1] : k[2];
    c->ndim[1] = broadcast ? 2 : 3;
    int64_t r = tb ? k[3] : k[2], col = tb ? k[2] : k[3];
    if (broadcast)
        c->shape[1][0] = r, c->shape[1][1] = col;
    else
        c->shape[1][0] = k[0], c->shape[1][1] = r, c->shape[1][2] = col;
    c->p.trans_a = ta;
    c->p.trans_b = tb;
}

static hue_tensor build(hue_graph *g, const hue_tensor *in, const hue_op_params *p)
{
    return hue_matmul(g, in[0], in[1], p->trans_a, p->trans_b);
}

const hue_op_entry hue_op_matmul = {.name = "matmul", .n_in = 2, .n_cases = 12, .make_case = make_case, .build = build, .reference = reference, .input_lo = -1, .input_hi = 1, .tolerance = 1e-5, .grad_mask = 3, .reference_backward = reference_backward, .grad_tolerance = 1e-5};
