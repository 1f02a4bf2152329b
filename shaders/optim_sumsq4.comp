#version 450
#extension GL_GOOGLE_include_directive : require
// Partial sums of squares, four elements per step (offsets multiples of 4): see optim_sumsq.glsl.
#define T vec4
#define VEC 4
#include "optim_sumsq.glsl"
