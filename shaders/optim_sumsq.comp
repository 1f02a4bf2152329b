#version 450
#extension GL_GOOGLE_include_directive : require
// Partial sums of squares, one element per step (any offsets): see optim_sumsq.glsl.
#define T float
#define VEC 1
#include "optim_sumsq.glsl"
