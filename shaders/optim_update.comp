#version 450
#extension GL_GOOGLE_include_directive : require
// Fused optimizer update of one parameter in place, one element per
// invocation (any offsets): see optim_update.glsl.
#define T float
#define VEC 1
#include "optim_update.glsl"
