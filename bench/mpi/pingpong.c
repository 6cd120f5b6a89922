/* Open MPI's side of bench/mpi.ts: 8 B ping-pong latency and 1 MiB streamed bandwidth between
 * ranks 0 and 1, and an allreduce of 1 M doubles (SUM) over all ranks. Built with mpicc into a
 * temporary directory by bench/mpi.ts; prints one `name value` line per figure on rank 0.
 *   mpirun -n 2 pingpong [latency-iterations bandwidth-messages allreduce-repeats [allreduce]]
 * With `allreduce` last, only the allreduce is measured (latency and bandwidth need 2 ranks only).
 * Start-up (MPI_Init, connection set-up) is outside every timing: each figure is taken after a
 * warm-up of the same pattern. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL 8
#define LARGE (1 << 20)
#define WINDOW 16
#define DOUBLES (1 << 20)

static double latency(int rank, int iterations) {
  char buf[SMALL];
  memset(buf, 1, sizeof buf);
  double start = 0;
  for (int i = -iterations / 10; i < iterations; i++) { /* negative i: warm-up */
    if (i == 0) {
      MPI_Barrier(MPI_COMM_WORLD);
      start = MPI_Wtime();
    }
    if (rank == 0) {
      MPI_Send(buf, SMALL, MPI_CHAR, 1, 1, MPI_COMM_WORLD);
      MPI_Recv(buf, SMALL, MPI_CHAR, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(buf, SMALL, MPI_CHAR, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, SMALL, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    }
  }
  return (MPI_Wtime() - start) / iterations / 2; /* one way: half a round trip */
}

/* rank 0 streams `messages` 1 MiB messages to rank 1, WINDOW at a time; rank 1 acks the end */
static double bandwidth(int rank, int messages) {
  char *buf = malloc(LARGE);
  char ack = 0;
  MPI_Request req[WINDOW];
  memset(buf, 2, LARGE);
  double start = 0;
  for (int round = -1; round < messages / WINDOW; round++) { /* round -1: warm-up */
    if (round == 0) {
      MPI_Barrier(MPI_COMM_WORLD);
      start = MPI_Wtime();
    }
    if (rank == 0) {
      for (int w = 0; w < WINDOW; w++) MPI_Isend(buf, LARGE, MPI_CHAR, 1, 2, MPI_COMM_WORLD, &req[w]);
      MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
      MPI_Recv(&ack, 1, MPI_CHAR, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      for (int w = 0; w < WINDOW; w++) MPI_Irecv(buf, LARGE, MPI_CHAR, 0, 2, MPI_COMM_WORLD, &req[w]);
      MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
      MPI_Send(&ack, 1, MPI_CHAR, 0, 3, MPI_COMM_WORLD);
    }
  }
  double seconds = MPI_Wtime() - start;
  free(buf);
  return (double)(messages / WINDOW) * WINDOW * LARGE / seconds / 1e6;
}

static double allreduce(int rank, int repeats, double *check) {
  double *in = malloc(sizeof(double) * DOUBLES);
  double *out = malloc(sizeof(double) * DOUBLES);
  for (int i = 0; i < DOUBLES; i++) in[i] = rank + i * 1e-6;
  MPI_Allreduce(in, out, DOUBLES, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
  MPI_Barrier(MPI_COMM_WORLD);
  double start = MPI_Wtime();
  for (int r = 0; r < repeats; r++) MPI_Allreduce(in, out, DOUBLES, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  double seconds = (MPI_Wtime() - start) / repeats;
  *check = out[DOUBLES - 1];
  free(in);
  free(out);
  return seconds;
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int iterations = argc > 1 ? atoi(argv[1]) : 10000;
  int messages = argc > 2 ? atoi(argv[2]) : 256;
  int repeats = argc > 3 ? atoi(argv[3]) : 10;
  int all = !(argc > 4 && strcmp(argv[4], "allreduce") == 0);
  double lat = all ? latency(rank, iterations) : 0;
  double bw = all ? bandwidth(rank, messages) : 0;
  double check = 0;
  double ar = allreduce(rank, repeats, &check);
  if (rank == 0) {
    printf("ranks %d\n", size);
    if (all) printf("latency_us %.3f\nbandwidth_MBps %.1f\n", lat * 1e6, bw);
    printf("allreduce_ms %.3f\n", ar * 1e3);
    printf("allreduce_check %.6f\n", check);
    fflush(stdout);
  }
  MPI_Finalize();
  return 0;
}
