// What a running attempt is told, and when: SIGTERM then SIGKILL when it is killed (walltime,
// qdel, stall), its checkpoint signal every period and shortly before its walltime, and a kill
// when a render task writes nothing for its stall timeout. Walltime, checkpoint times and the stall
// timeout count the time the attempt runs (compute-agent/job-suspension.ts).
import { join } from 'node:path';
import type { KillReason, LiveJob } from './job-launch.js';
import { ranMs, resumeAttempt } from './job-suspension.js';
import { longInterval, longTimeout } from './long-timer.js';
import type { OutputWatch } from './output-watch.js';
import { childrenOf, signalCatchers, signalGroup } from './signals.js';

/** SIGTERM to the job's process group, SIGKILL after the grace period; once. A suspended job is
 * continued after the SIGTERM, so that it can die of it. */
export function terminate(job: LiveJob, reason: Exclude<KillReason, 'fenced'>, killDelayMs: number): void {
  if (job.killReason) return;
  job.killReason = reason;
  signalGroup(job.session, 'SIGTERM');
  job.terminal?.hangup(); // an interactive shell ignores SIGTERM: its terminal hangs up
  resumeAttempt(job);
  job.timers.push(longTimeout(() => signalGroup(job.session, 'SIGKILL'), killDelayMs));
}

/**
 * The attempt's walltime, its stall timeout (a render task's output is watched) and its
 * checkpoint times.
 */
export function armTimers(
  job: LiveJob,
  watcher: OutputWatch,
  kill: (reason: 'walltime' | 'stall') => void,
  checkpoint: () => void,
): void {
  const { req, dir } = job;
  if (req.progress) {
    const files = [join(dir, 'stdout'), ...(req.join === 'n' ? [join(dir, 'stderr')] : [])];
    watcher.watch(req.jobId, req.attempt, files, req.progress.stallTimeout, () => kill('stall'));
  }
  job.clock.arm = () => armClock(job, kill, checkpoint);
  job.clock.hold = (paused) => watcher.hold(req.jobId, paused);
  job.clock.arm();
}

/**
 * The timers of the running time left: the walltime, and for a checkpointable attempt a
 * checkpoint every period and once shortly before its walltime (a tenth of it, at most a minute,
 * for walltimes of 10 s or more).
 */
function armClock(job: LiveJob, kill: (reason: 'walltime') => void, tell: () => void): void {
  const { checkpoint, walltime } = job.req;
  const ran = ranMs(job);
  const timers = job.clock.timers;
  if (walltime !== undefined) timers.push(longTimeout(() => kill('walltime'), walltime * 1000 - ran));
  if (!checkpoint) return;
  if (checkpoint.intervalMin) timers.push(longInterval(tell, checkpoint.intervalMin * 60_000));
  const before =
    walltime !== undefined && walltime >= 10 ? (walltime - Math.min(60, walltime / 10)) * 1000 : 0;
  if (before > ran) timers.push(longTimeout(tell, before - ran));
}

/**
 * Tell the job to checkpoint: its checkpoint signal goes to the program the job runs, that is
 * the script (a child of the job's login shell, which must not get it) or the `qsub --` program,
 * only if it catches the signal (it would end it otherwise). Returns why it was not sent.
 */
export function signalCheckpoint(job: LiveJob): string | undefined {
  if (!job.req.checkpoint) return undefined;
  const targets = job.req.executable ? [job.session] : childrenOf(job.session);
  const what = job.req.executable ? "the job's program" : "the job's script";
  return signalCatchers(targets, job.req.checkpoint.signal, what);
}
