/* The hue subcommands: one file each, apps/cmd_<name>.c. Each returns the
 * exit status: 0 ok, 1 runtime error, 2 usage error. */
#ifndef HUE_COMMANDS_H
#define HUE_COMMANDS_H

int cmd_devices(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
