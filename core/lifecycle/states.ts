// Glossary
// - job: one unit of work submitted with qsub; identified by `<seq>.<server>`.
// - state: a PBS letter (below). `jobs.state` in the database is derived from the job's events.
// - substate: PBS's finer number, shown by `qstat -f` (10 queued, 20 held, 22 dependency hold,
//   30 waiting, 42 running, 43 and 45 suspended, 50 exiting, 91 terminated, 92 finished ok,
//   93 failed).
// - hold types: letters `u` user, `o` operator, `s` system, `p` password; `n` = no hold.
// - attempt: one run of a job on a node; only the current attempt may change the job.
// - node: a compute host running one agent daemon; the local node is the embedded default.
// - exit status: `N` for `exit N`, 256+signal when killed by a signal, negative PBS codes
//   (−29 walltime, −27 mem, ...) for kills by the system.

/**
 * Q queued, H held, W waiting for its start time, R running, E exiting, F finished; C is how
 * Torque compatibility mode shows a recently finished job.
 */
export type JobState = 'Q' | 'H' | 'W' | 'R' | 'E' | 'F' | 'B' | 'X' | 'S' | 'T' | 'M' | 'C';

export const JOB_STATES: readonly JobState[] = ['Q', 'H', 'W', 'R', 'E', 'F', 'B', 'X', 'S', 'T', 'M', 'C'];

/** PBS exit statuses that Drover produces itself. */
export const EXIT = {
  walltime: -29,
  cput: -28,
  mem: -27,
  startFailed: -1,
  /** the job's node was lost (fenced) and the job is not rerunnable: JOB_EXEC_… −20 */
  nodeLost: -20,
  signalBase: 256,
} as const;

export const SUBSTATE: Record<string, number> = {
  Q: 10,
  H: 20,
  dependHold: 22,
  W: 30,
  R: 42,
  /** suspended (qsig -s suspend): waits for a resume */
  suspended: 43,
  /** suspended, to be resumed by the scheduler once its resources are free again */
  schedSuspended: 45,
  E: 50,
  terminated: 91,
  finished: 92,
  failed: 93,
};

export function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}
