// Checkpointing (`qsub -c`): what a job's Checkpoint attribute asks for. `c`,
// `w` and `s` make a job checkpointable: it is told to checkpoint (its checkpoint signal, default
// SIGUSR1) before a planned stop (qhold of a running job, walltime); `c=MIN` / `w=MIN` also every
// MIN minutes. `n` and the default `u` do not.
export interface CheckpointPolicy {
  /** minutes between periodic checkpoints; none = only before planned stops and when asked */
  intervalMin?: number;
  signal: string;
}

export const DEFAULT_CHECKPOINT_SIGNAL = 'SIGUSR1';

/** The signals a job may choose with `-W checkpoint_signal=`. */
export const CHECKPOINT_SIGNALS = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGINT', 'SIGWINCH', 'SIGURG'];

export function checkpointPolicy(checkpoint: string, signal?: string): CheckpointPolicy | undefined {
  const m = /^([cws])(?:=(\d+))?$/.exec(checkpoint);
  if (!m) return undefined;
  const minutes = m[2] === undefined ? undefined : Number(m[2]);
  return {
    ...(minutes !== undefined && minutes > 0 ? { intervalMin: minutes } : {}),
    signal: signal ?? DEFAULT_CHECKPOINT_SIGNAL,
  };
}
