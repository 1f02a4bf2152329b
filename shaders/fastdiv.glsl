// Division by a divisor known per dispatch, without a per-lane integer
// division (lavapipe runs those one lane at a time): n / d as
// (t + ((n - t) >> s1)) >> s2 with t = mulhi(n, m), for the magic (m, s1, s2)
// that compute/ops/op_common.h's hue_fastdiv computes on the host. Exact for
// every 32-bit n and every d >= 1.
uint fastdiv(uint n, uvec3 magic)
{
    uint hi, lo;
    umulExtended(n, magic.x, hi, lo);
    return (hi + ((n - hi) >> magic.y)) >> magic.z;
}
