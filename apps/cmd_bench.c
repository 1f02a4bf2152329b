#include <stdio.h>
#include "commands.h"
int cmd_bench(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "hue bench: not yet\n"); return 1; }
