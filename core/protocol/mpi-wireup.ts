// The MPI layer's wire-up contract, in the PMI style: what `drover mpiexec` (the launcher) tells
// each rank through its environment, and the newline-delimited JSON messages a rank exchanges with
// the launcher's wire-up server (rank, size, a key-value store with a fence, aborts, lost peers,
// spawn, named groups), and a node proxy with the launcher (starting ranks, their output and exit).
// The library (mpi/) speaks the rank's side, the launcher (cli/) the server's and the proxy's.

/** Environment variables the launcher gives every rank. */
export const MPI_ENV = {
  /** the wire-up server: `tcp:HOST:PORT` or `unix:/path` */
  wireup: 'DROVER_MPI_WIREUP',
  /** secret the rank presents in its `hello` (never on a command line) */
  key: 'DROVER_MPI_KEY',
  rank: 'DROVER_MPI_RANK',
  size: 'DROVER_MPI_SIZE',
  /** this run's id: ranks of one run share it; a spawned set of ranks gets its own */
  universe: 'DROVER_MPI_UNIVERSE',
  /** the node's name (the processor name) */
  node: 'DROVER_MPI_NODE',
  /** the address this rank listens on for ranks on other nodes (TCP) */
  address: 'DROVER_MPI_ADDRESS',
  /** a private directory (0700) on this node for the ranks' Unix sockets */
  dir: 'DROVER_MPI_DIR',
  /** the rank's index among the ranks of its node */
  localRank: 'DROVER_MPI_LOCAL_RANK',
  /** set in spawned ranks: the universe of the ranks that spawned them */
  parent: 'DROVER_MPI_PARENT',
} as const;

/** A rank's messages to the wire-up server. `id` pairs a request with its answer. */
export type RankMessage =
  | { t: 'hello'; key: string; universe: string; rank: number }
  /** publish a value under `key` in this universe's store (visible to others after the next fence) */
  | { t: 'put'; key: string; value: string }
  /** a barrier over the universe's ranks; answered with the whole store once all have arrived */
  | { t: 'fence'; id: number }
  /** one value, also from another universe (a spawned or spawning one) */
  | { t: 'get'; id: number; key: string; universe?: string }
  /** end the whole run with this code */
  | { t: 'abort'; code: number; message: string }
  /** the rank has called finalize: its exit is expected from now on */
  | { t: 'finalize' }
  /** start `n` more ranks of `argv` inside the allocation, as a new universe */
  | { t: 'spawn'; id: number; n: number; argv: string[] }
  /** named groups (PVM style): join, leave, or list the members (as universe/rank pairs) */
  | { t: 'group'; id: number; op: 'join' | 'leave' | 'members'; name: string };

export interface GroupMember {
  universe: string;
  rank: number;
}

/** The wire-up server's messages to a rank. */
export type WireupMessage =
  | { t: 'welcome'; size: number }
  | { t: 'fenced'; id: number; store: Record<string, string> }
  | { t: 'value'; id: number; value: string | null }
  | { t: 'spawned'; id: number; universe: string; size: number }
  | { t: 'group'; id: number; members: GroupMember[] }
  /** a rank of this run ended without finalize (or its node was lost): every call on it fails */
  | { t: 'peer-lost'; universe: string; rank: number; reason: string }
  /** the run is being aborted (by a rank's abort, or the launcher): exit with `code` */
  | { t: 'abort'; code: number; message: string }
  | { t: 'error'; id?: number; message: string };

/** One rank a proxy starts on its node. */
export interface RankStart {
  rank: number;
  universe: string;
  /** the rank's own variables (MPI_ENV), added to the job's environment */
  env: Record<string, string>;
}

/** A node proxy's messages to the launcher. */
export type ProxyMessage =
  | { t: 'proxy-hello'; key: string; node: string }
  | { t: 'output'; universe: string; rank: number; stream: 'out' | 'err'; data: string }
  | { t: 'exit'; universe: string; rank: number; code: number | null; signal: string | null };

/** The launcher's messages to a node proxy. */
export type LauncherMessage =
  | { t: 'start'; argv: string[]; cwd: string; ranks: RankStart[] }
  /** signal every rank on the node; the proxy exits once they have */
  | { t: 'kill'; signal: string };
