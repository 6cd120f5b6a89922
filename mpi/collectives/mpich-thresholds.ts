// Where the collectives switch algorithm, with MPICH's default values under the names of MPICH's
// control variables (MPIR_CVAR_*; sizes in bytes). Every rank must use the same values, since all
// ranks of a call must choose the same algorithm: change them (tests, benchmarks) only before any
// collective runs, or by the same amount everywhere.
export const THRESHOLDS = {
  /** below this many ranks bcast always uses the binomial tree */
  MPIR_CVAR_BCAST_MIN_PROCS: 8,
  /** bcast: binomial tree below, scatter + allgather (van de Geijn) from here */
  MPIR_CVAR_BCAST_SHORT_MSG_SIZE: 12288,
  /** bcast: the allgather after the scatter by recursive doubling below (powers of two), ring from here */
  MPIR_CVAR_BCAST_LONG_MSG_SIZE: 524288,
  /** reduce: binomial tree up to here, Rabenseifner (reduce-scatter + gather) above */
  MPIR_CVAR_REDUCE_SHORT_MSG_SIZE: 2048,
  /** allreduce: recursive doubling up to here, Rabenseifner (reduce-scatter + allgather) above */
  MPIR_CVAR_ALLREDUCE_SHORT_MSG_SIZE: 2048,
  /** allgather (total bytes): Bruck below this for non-powers of two */
  MPIR_CVAR_ALLGATHER_SHORT_MSG_SIZE: 81920,
  /** allgather (total bytes): recursive doubling below this for powers of two, ring from here */
  MPIR_CVAR_ALLGATHER_LONG_MSG_SIZE: 524288,
  /** alltoall (bytes per block): all exchanges posted at once up to here, pairwise exchange above */
  MPIR_CVAR_ALLTOALL_MEDIUM_MSG_SIZE: 32768,
};

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** The largest power of two ≤ n (n ≥ 1). */
export function powerOfTwoBelow(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
