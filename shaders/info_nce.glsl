// What InfoNCE's shaders (info_nce.comp, info_nce_grad.comp) share: a
// logit and a row's positive key. The includer declares the buffers q, k,
// pos and the push constants p (D, K, self, inv_tau, off_q, off_k, off_p).

// l_ij = q_i . k_j / tau
float logit(int i, int j)
{
    float s = 0.0;
    int a = p.off_q + i * p.D, b = p.off_k + j * p.D;
    for (int d = 0; d < p.D; d++)
        s += q[a + d] * k[b + d];
    return s * p.inv_tau;
}

// the positive key of row i, or -1 when it is not a key
int positive(int i)
{
    float t = floor(pos[p.off_p + i] + 0.5);
    if (!(t >= 0.0 && t < float(p.K)))
        return -1;
    return p.self != 0 && int(t) == i ? -1 : int(t);
}
