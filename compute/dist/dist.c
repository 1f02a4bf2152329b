/* Data-parallel groups over Open MPI (see hue_dist.h). Built with
 * HUE_WITH_MPI where CMake found MPI; without it every process is a group
 * of one. */
#include <stdlib.h>
#include <string.h>

#include "hue_clock.h"
#include "hue_dist.h"
#include "hue_error.h"

#ifdef HUE_WITH_MPI
#include <mpi.h>
#endif

static int joined;          /* MPI_Init ran */
static int rank, size = 1;
static double spent_s, sent_bytes;

int hue_dist_available(void)
{
#ifdef HUE_WITH_MPI
    return 1;
#else
    return 0;
#endif
}

/* Open MPI's launcher (and PMIx) set these in every rank's environment. */
static int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int hue_dist_init(int *argc, char ***argv)
{
#ifdef HUE_WITH_MPI
    if (!under_mpirun())
        return 0;
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return hue_fail(HUE_EINVAL, "MPI_Init failed: this process cannot join its mpirun group");
    joined = 1;
    /* an error is a message and a status, never MPI's own abort */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return 0;
#else
    (void)argc, (void)argv;
    if (under_mpirun() && getenv("OMPI_COMM_WORLD_SIZE") && atoi(getenv("OMPI_COMM_WORLD_SIZE")) > 1)
        return hue_fail(HUE_ENOTSUP, "started by mpirun, but this hue was built without MPI "
                                     "(install libopenmpi-dev and configure again)");
    return 0;
#endif
}

void hue_dist_finish(void)
{
#ifdef HUE_WITH_MPI
    if (joined)
        MPI_Finalize();
#endif
    joined = 0;
}

int hue_dist_rank(void) { return rank; }
int hue_dist_size(void) { return size; }
double hue_dist_seconds(void) { return spent_s; }
double hue_dist_bytes(void) { return sent_bytes; }

#ifdef HUE_WITH_MPI
static int mpi_failed(int code, const char *what)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(code, text, &len);
    return hue_fail(HUE_EINVAL, "%s across %d ranks failed: %s", what, size, text);
}
#endif

int hue_dist_sum(float *values, size_t count)
{
    if (size == 1 || count == 0)
        return 0;
#ifdef HUE_WITH_MPI
    if (count > (size_t)0x7fffffff)
        return hue_fail(HUE_ELIMIT, "a sum of %zu values across ranks: more than MPI takes at once", count);
    double t0 = hue_now_s();
    int r = MPI_Allreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    spent_s += hue_now_s() - t0;
    sent_bytes += (double)count * sizeof *values;
    return r == MPI_SUCCESS ? 0 : mpi_failed(r, "a sum");
#else
    (void)values;
    return 0;
#endif
}

int hue_dist_gather_all(const float *values, float *out, size_t count)
{
    if (size == 1) {
        memmove(out, values, count * sizeof *values);
        return 0;
    }
#ifdef HUE_WITH_MPI
    if (count > (size_t)0x7fffffff / (size_t)size)
        return hue_fail(HUE_ELIMIT, "gathering %zu values from each rank: more than MPI takes at once", count);
    double t0 = hue_now_s();
    int r = MPI_Allgather(values, (int)count, MPI_FLOAT, out, (int)count, MPI_FLOAT, MPI_COMM_WORLD);
    spent_s += hue_now_s() - t0;
    sent_bytes += (double)count * sizeof *values;
    return r == MPI_SUCCESS ? 0 : mpi_failed(r, "a gather");
#else
    return 0;
#endif
}

int hue_dist_broadcast(void *bytes, size_t count)
{
    if (size == 1 || count == 0)
        return 0;
#ifdef HUE_WITH_MPI
    if (count > (size_t)0x7fffffff)
        return hue_fail(HUE_ELIMIT, "a broadcast of %zu bytes: more than MPI takes at once", count);
    int r = MPI_Bcast(bytes, (int)count, MPI_BYTE, 0, MPI_COMM_WORLD);
    return r == MPI_SUCCESS ? 0 : mpi_failed(r, "a broadcast");
#else
    (void)bytes;
    return 0;
#endif
}

int hue_dist_max_int(int value, int *out)
{
    *out = value;
    if (size == 1)
        return 0;
#ifdef HUE_WITH_MPI
    int r = MPI_Allreduce(&value, out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return r == MPI_SUCCESS ? 0 : mpi_failed(r, "a maximum");
#else
    return 0;
#endif
}

void hue_dist_abort(int status)
{
#ifdef HUE_WITH_MPI
    if (joined && size > 1)
        MPI_Abort(MPI_COMM_WORLD, status);
#endif
    (void)status;
}
