// A node as the scheduler sees it (capacity, what is in use, whether it takes jobs), and a slot:
// one unit chunk of a job placed on a node.

export interface SchedNode {
  name: string;
  ncpus: number;
  /** bytes */
  mem: number;
  ngpus: number;
  labels: Record<string, string>;
  usedNcpus: number;
  usedMem: number;
  /** GPU indices in use */
  usedGpus: number[];
  /** jobs with slots on the node */
  jobCount: number;
  /** a job holds the node exclusively */
  exclusive: boolean;
  /** up and not offline */
  available: boolean;
}

/** One unit chunk of a job placed on a node. */
export interface Slot {
  node: string;
  ncpus: number;
  mem: number;
  gpus: number[];
  mpiprocs: number;
  ompthreads: number;
}
