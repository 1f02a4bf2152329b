/* Data-parallel groups: one process per rank, started by Open MPI's mpirun.
 *
 * hue is built with MPI where the library is found at configure time (the
 * Debian packages libopenmpi-dev and openmpi-bin); otherwise, and in any
 * process not started by mpirun, it is a group of one: rank 0 of 1, every
 * collective a no-op. The layers above use only this header, so nothing
 * but compute/dist knows MPI. */
#ifndef HUE_DIST_H
#define HUE_DIST_H
#include <stddef.h>

/* Joins the group when the process was started by mpirun (called once, at
 * the start of main); a group of one otherwise. 0 or an error. */
int hue_dist_init(int *argc, char ***argv);
/* Leaves the group (at the end of main, after the last collective). */
void hue_dist_finish(void);
int hue_dist_rank(void);
int hue_dist_size(void);
/* 1 when this build can run as a group (MPI was found at configure time). */
int hue_dist_available(void);

/* In place: values = their sum over every rank. Every rank calls it with
 * the same count. 0 or an error. */
int hue_dist_sum(float *values, size_t count);
/* out (count x size values) = every rank's `values` (count each), in rank
 * order. */
int hue_dist_gather_all(const float *values, float *out, size_t count);
/* In place: every rank gets rank 0's bytes. */
int hue_dist_broadcast(void *bytes, size_t count);
/* The largest of every rank's value (an error code, a flag). */
int hue_dist_max_int(int value, int *out);
/* Seconds and bytes the collectives above have taken and sent so far. */
double hue_dist_seconds(void);
double hue_dist_bytes(void);

/* Stops every rank of the group with exit status `status`: a rank that
 * fails must not leave the others waiting in a collective. A group of one
 * just returns. */
void hue_dist_abort(int status);

#endif
