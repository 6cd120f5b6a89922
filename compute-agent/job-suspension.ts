// qsig on a node: a real signal to every process of a running attempt, and its suspension. A
// suspended attempt's processes are stopped (SIGSTOP, every process of its session) and its clock
// stands still: its walltime, checkpoint times and stall timeout count only the time it runs, as
// PBS's MoM does not charge a suspended job for walltime.
import { constants } from 'node:os';
import type { LiveJob } from './job-launch.js';
import { holdSessions, signalSessions } from './signals.js';

/** How long the attempt has run, its suspensions not counted (ms). */
export function ranMs(job: LiveJob, now = Date.now()): number {
  const paused = job.pausedMs + (job.suspendedAt !== undefined ? now - job.suspendedAt : 0);
  return now - job.startedAt - paused;
}

/** Signals a script job's login shell gets too: none it could catch or that would end it early. */
const TO_SHELL: readonly number[] = [
  constants.signals.SIGKILL,
  constants.signals.SIGSTOP,
  constants.signals.SIGCONT,
];

/**
 * `signo` to every process of the attempt. A script job's login shell (which runs the script as
 * its child) gets only SIGKILL, SIGSTOP and SIGCONT, as the checkpoint signal goes only to the
 * script (compute-agent/attempt-timers.ts): it would die of most others and end the job, where
 * the script's own trap is what the sender means.
 */
export function signalAttempt(job: LiveJob, signo: number): void {
  const spare = job.req.executable || TO_SHELL.includes(signo) ? [] : [job.session];
  signalSessions([job.session], signo, new Set(spare));
}

/** Stop the attempt's processes and its clock (once; never while it is being killed). */
export function suspendAttempt(job: LiveJob): void {
  if (job.suspendedAt !== undefined || job.killReason) return;
  job.suspendedAt = Date.now();
  for (const t of job.clock.timers) t.clear();
  job.clock.timers = [];
  job.clock.hold(true);
  holdSessions([job.session], true);
}

/** Continue the attempt's processes and its clock where they stopped (once). */
export function resumeAttempt(job: LiveJob): void {
  if (job.suspendedAt === undefined) return;
  job.pausedMs += Date.now() - job.suspendedAt;
  delete job.suspendedAt;
  holdSessions([job.session], false);
  job.clock.hold(false);
  job.clock.arm();
}
