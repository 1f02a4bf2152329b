#version 450
#extension GL_GOOGLE_include_directive : require
// Fused optimizer update of one parameter in place, four elements per
// invocation (offsets multiples of 4): see optim_update.glsl.
#define T vec4
#define VEC 4
#include "optim_update.glsl"
