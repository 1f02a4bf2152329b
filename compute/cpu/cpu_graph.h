/* The CPU backend's side of hue_graph: compile, run, release. */
#ifndef HUE_CPU_GRAPH_H
#define HUE_CPU_GRAPH_H
#include "hue_graph.h"

typedef struct hue_cpu_graph hue_cpu_graph;

/* The context's backend ops (ctx->ops) on the CPU. */
extern const struct hue_backend_ops hue_cpu_backend_ops;

int hue_cpu_graph_compile(hue_graph *g);
int hue_cpu_graph_run(hue_graph *g);
void hue_cpu_graph_release(hue_graph *g);

#endif
