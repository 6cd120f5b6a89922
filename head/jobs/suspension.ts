// Suspending and resuming running jobs: for qsig -s suspend / resume (head/jobs/job-signals.ts)
// and for a scheduler that preempts. A suspended job's processes stop on every node it runs on
// (SIGSTOP; the agents keep its walltime from counting), it shows S, and its resources are free
// for other jobs, as OpenPBS releases a suspended job's resources. It keeps its slots on record:
// it resumes on the same ones (SIGCONT), at once when they are free, else once they are: the
// dispatcher tries the jobs waiting for that (substate 45) before it places new ones.
import { ok, type Result, refuse } from '../../core/errors.js';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import { isExclusive, stillFits } from '../../core/scheduling/placement.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import { transition } from './transitions.js';

export interface SuspensionContext {
  store: Store;
  cluster: Cluster;
  /** how messages to agents go out (default: through the cluster at once); a caller inside a
   * transaction that has not committed yet holds them until it has */
  send?: (node: string, m: HeadMessage) => void;
}

export interface SuspendOptions {
  /** who asks (`user@host`), or what (`Scheduler`) */
  by: string;
  /** why, for the job's history (e.g. the job it makes room for) */
  reason?: string;
  /** the scheduler resumes it once its resources are free (else it waits for a resume) */
  scheduler?: boolean;
}

/** PBS's PBSE_NORELYMOM text. */
export const NO_MOM = 'Server could not connect to MOM';

/** The job's nodes, its first (mother superior) first. */
export function nodesOf(store: Store, job: StoredJob): string[] {
  return [...new Set([job.row.node!, ...store.allocations.ofJob(job.seq).map((s) => s.node)])];
}

function tell(ctx: SuspensionContext, job: StoredJob, t: 'suspend' | 'resume'): void {
  const send = ctx.send ?? ((node: string, m: HeadMessage) => void ctx.cluster.send(node, m));
  for (const node of nodesOf(ctx.store, job)) send(node, { t, jobId: job.id, attempt: job.row.attempt });
}

/**
 * Suspend a running job (its first node must be up): recorded, then every node of the job told to
 * stop it. Its resources are free from now on: the caller pokes the dispatcher.
 */
export function suspendJob(ctx: SuspensionContext, id: string, how: SuspendOptions, at = Date.now()) {
  const job = ctx.store.jobs.byId(id);
  if (!job) return refuse<StoredJob>('UNKNOWN_JOB', `Unknown Job Id ${id}`);
  if (job.row.state === 'R' && !ctx.cluster.isUp(job.row.node!))
    return refuse<StoredJob>('NODE_NOT_ANSWERING', NO_MOM);
  const event = {
    type: 'suspended' as const,
    attempt: job.row.attempt,
    by: how.by,
    ...(how.reason ? { reason: how.reason } : {}),
    ...(how.scheduler ? { scheduler: true } : {}),
  };
  const r = transition(ctx.store, job.seq, event, at);
  if (r.ok) tell(ctx, r.value, 'suspend');
  return r;
}

/** Resume the suspended job now if its slots are free and its nodes up: recorded, then its nodes told. */
function resumeIfFree(ctx: SuspensionContext, job: StoredJob, at: number): boolean {
  if (!nodesOf(ctx.store, job).every((node) => ctx.cluster.isUp(node))) return false;
  const slots = ctx.store.allocations.ofJob(job.seq);
  if (!stillFits({ slots, exclusive: isExclusive(job.row.resources) }, ctx.cluster.schedNodes()))
    return false;
  const r = transition(ctx.store, job.seq, { type: 'resumed', attempt: job.row.attempt }, at);
  if (r.ok) tell(ctx, r.value, 'resume');
  return r.ok;
}

/**
 * Resume a suspended job: at once when its slots are free, else it waits for them (substate 45,
 * `waiting`) and the dispatcher resumes it once they are.
 */
export function resumeJob(
  ctx: SuspensionContext,
  id: string,
  by: string,
  at = Date.now(),
): Result<'resumed' | 'waiting'> {
  return ctx.store.transaction(() => {
    const job = ctx.store.jobs.byId(id);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${id}`);
    if (job.row.state !== 'R' || job.row.suspendedAt === undefined)
      return refuse('BAD_STATE', 'Request invalid for state of job');
    // as a suspension, a resume needs the job's first node: a resume it could not hear is lost
    if (!ctx.cluster.isUp(job.row.node!)) return refuse('NODE_NOT_ANSWERING', NO_MOM);
    if (resumeIfFree(ctx, job, at)) return ok('resumed');
    const r = transition(ctx.store, job.seq, { type: 'resume_requested', by }, at);
    return r.ok ? ok('waiting') : r;
  });
}

/** The dispatcher's turn: the jobs waiting to be resumed whose slots are free again, by priority. */
export function resumeWaiting(ctx: SuspensionContext, at: number): void {
  for (const seq of ctx.store.allocations.toResume()) {
    const job = ctx.store.jobs.get(seq);
    if (job?.row.state === 'R' && job.row.suspendedAt !== undefined) resumeIfFree(ctx, job, at);
  }
}
