// What a job asks for, as qsub describes it: the resource request (chunks, placement) and the
// JobSpec the commands send and the head stores. No I/O, no behaviour.

/** One chunk of a `select=` statement (after defaults: ncpus=1, mpiprocs=1 when ncpus>0). */
export interface Chunk {
  count: number;
  ncpus: number;
  /** bytes */
  mem?: number;
  ngpus?: number;
  mpiprocs: number;
  ompthreads: number;
  /** other chunk resources (node labels like `gpu=true`, `host=n1`, `arch=linux`) */
  labels: Record<string, string>;
}

export type PlaceArrangement = 'free' | 'pack' | 'scatter' | 'vscatter';
export type PlaceSharing = 'excl' | 'shared' | 'exclhost';

export interface ResourceRequest {
  chunks: Chunk[];
  place: { arrangement: PlaceArrangement; sharing?: PlaceSharing; group?: string };
  /** seconds */
  walltime?: number;
  /** seconds */
  cput?: number;
  /**
   * Resource_List as PBS prints it, names sorted case-insensitively, values in PBS display form:
   * e.g. { mem: '1gb', ncpus: '2', nodect: '1', place: 'pack', select: '1:ncpus=2:mem=1gb',
   * walltime: '01:00:00' } (plus `nodes` when the old syntax was used).
   */
  list: Record<string, string>;
}

/** A job as qsub describes it: validated, defaults applied, paths absolute. */
export interface JobSpec {
  name: string;
  /** destination queue named with -q; undefined = the server's default queue */
  queue?: string;
  resources: ResourceRequest;
  /** `-o`: absolute path; a value ending in `/` is a directory (file `<jobid>.OU` inside) */
  outputPath?: string;
  errorPath?: string;
  join: 'oe' | 'eo' | 'n';
  keepFiles: string;
  /** -h: start with a user hold */
  hold: boolean;
  /** -a: epoch seconds */
  executionTime?: number;
  priority: number;
  /** Variable_List in PBS order: PBS_O_* first, then -v entries, then -V entries */
  variables: [string, string][];
  /** -S */
  shell?: string;
  account?: string;
  project: string;
  rerunable: boolean;
  checkpoint: string;
  /** -W checkpoint_signal=: what tells the job to checkpoint (default SIGUSR1) */
  checkpointSignal?: string;
  /** -W umask=: octal digits, the job's file-creation mask (default 077) */
  umask?: string;
  mailPoints: string;
  mailUsers?: string;
  /** -W block=true: qsub waits for the job to end and exits with its Exit_status */
  block?: boolean;
  userList?: string;
  /** -W depend= value (as given by qsub; `seq.server@server` once stored) */
  depend?: string;
  /** --cron schedule: the submission makes a recurring template, not a job */
  cron?: string;
  /** -J (PBS) or -t (Torque): an array job; the head expands the indices again */
  array?: { submitted: string; style: 'pbs' | 'torque'; maxRun?: number };
  /** a render farm's frame queue (render-farm submit): the array's subjobs are its chunks */
  farm?: FarmSpec;
  /** the post job (`--then`) of the farm with this seq */
  farmPost?: number;
  /** an instance of a service (`drover service start`): the head sets it, never a command */
  service?: ServiceInstanceSpec;
  /** stored script content (directive lines joined), for script and stdin jobs */
  script?: string;
  /** `qsub -- exe args`: no script, no shell */
  executable?: string;
  argv?: string[];
  /** `qsub -I` (or -W interactive=true): the job's shell runs on qsub's terminal; `term` is qsub's TERM */
  interactive?: { term?: string };
  /** the literal qsub argv, joined by spaces, as PBS shows Submit_arguments */
  submitArgs: string;
  /** PBS_O_WORKDIR */
  workdir: string;
  /** PBS_O_HOST */
  submitHost: string;
  /** the user who submitted */
  user: string;
}

/** What `render-farm submit` asked for. Durations in seconds. */
export interface FarmSpec {
  /** the frames in the order given */
  frames: number[];
  /** frames per task */
  chunk: number;
  /** the command, with its placeholders */
  command: string[];
  /** retries of a failed task, each on another node */
  retries: number;
  /** failed tasks of this farm after which a node is blocklisted for it */
  nodeFailures: number;
  /** a task with no output for this long is killed and retried */
  stallTimeout?: number;
  /** a task running longer is killed and retried (its walltime) */
  timeout?: number;
  /** run once (by the user's shell) after every frame succeeded */
  thenCommand?: string;
}

/** Which service a job runs an instance of, and the path its agent probes (else a TCP connect). */
export interface ServiceInstanceSpec {
  name: string;
  /** 0 … instances − 1 (the job is named `NAME.K`) */
  instance: number;
  health?: string;
}
