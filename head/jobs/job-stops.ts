// How a running job is stopped to be queued again, shared by qhold and qrerun (head/jobs/) and
// by preemption (head/scheduling/preemptions.ts): checkpoint-and-stop, or a rerun's SIGTERM. Each
// returns the message the caller sends to the job's node after its commit.
import { ok, type Result } from '../../core/errors.js';
import { checkpointPolicy } from '../../core/lifecycle/checkpoint-policy.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import type { Checkpoints } from '../agent-link/checkpoint-store.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { transition } from './transitions.js';

/**
 * The message that tells a running checkpointable job's node to checkpoint it and stop it once
 * the checkpoint is safe (its exit then requeues it); undefined for a job that cannot. `by` is
 * who (or what) stops it, for the requeue comment. Sent by the caller (after its commit).
 */
export function checkpointStop(
  checkpoints: Checkpoints | undefined,
  job: StoredJob,
  by: string,
): HeadMessage | undefined {
  if (job.row.state !== 'R' || !checkpoints || !checkpointPolicy(job.spec.checkpoint)) return undefined;
  checkpoints.stops.set(job.id, by);
  return { t: 'checkpoint', jobId: job.id, attempt: job.row.attempt, stop: true };
}

/**
 * qrerun of a running job, recorded: the SIGTERM to send its node (after the commit), whose exit
 * puts the job back in the queue.
 */
export function requestRerun(
  store: Store,
  job: StoredJob,
  by: string,
  at: number,
): Result<{ node: string; message: HeadMessage }> {
  const r = transition(store, job.seq, { type: 'rerun_requested', by }, at);
  if (!r.ok) return r;
  const message = {
    t: 'signal' as const,
    jobId: job.id,
    attempt: job.row.attempt,
    signal: 'SIGTERM' as const,
    reason: 'rerun' as const,
  };
  return ok({ node: job.row.node!, message });
}
