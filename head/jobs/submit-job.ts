// qsub at the head: re-check what the command sent, refuse what can never run, let each feature
// check its part (head/jobs/lifecycle-hooks.ts), then store the job, its `queued` event and what
// the features record in one transaction.

import type { Result } from '../../core/errors.js';
import { ok, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { initialRow } from '../../core/lifecycle/lifecycle.js';
import { resolveStdPath } from '../../core/pbs/qsub-command-line.js';
import { applyQueueWalltime } from '../../core/scheduling/queue-limits.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import { neverRunReason } from '../../core/scheduling/scheduler.js';
import type { Store } from '../db/store.js';
import { hooksOf, type SubmitPlan } from './lifecycle-hooks.js';

export interface SubmitContext {
  store: Store;
  server: string;
  nodes: () => SchedNode[];
  now?: number;
  /** the job's owner, `user@host` as the head established it (default: the spec's) */
  owner?: string;
  /** the server's say on `owner` storing a submission of `jobs` unfinished jobs (head/jobs/admission.ts) */
  admit?: (owner: string, spec: JobSpec, jobs: number) => Result<void>;
}

/** The spec as the features prepare it (e.g. a render farm's array and task script). */
function prepared(store: Store, asked: JobSpec): Result<JobSpec> {
  let spec = asked;
  for (const hooks of hooksOf(store)) {
    const r = hooks.prepare?.(spec);
    if (r && !r.ok) return r;
    if (r) spec = r.value;
  }
  return ok(spec);
}

/** The spec with its queue's walltime limits applied, in a queue that takes jobs (qmove too). */
export function queued(store: Store, spec: JobSpec): Result<{ spec: JobSpec; queue: string }> {
  const queue = spec.queue ?? store.meta.get('default_queue');
  if (!queue) return refuse('UNKNOWN_QUEUE', 'No default queue specified');
  const stored = store.queues.get(queue);
  if (!stored) return refuse('UNKNOWN_QUEUE', 'Unknown queue');
  if (!stored.enabled) return refuse('QUEUE_DISABLED', 'Queue is not enabled');
  const limited = applyQueueWalltime(spec.resources, stored);
  if (!limited.ok) return limited;
  const entered = entering(store, { ...spec, queue, resources: limited.value });
  if (!entered.ok) return entered;
  return ok({ spec: { ...spec, resources: limited.value }, queue });
}

/** The features' say on a job of `spec` entering `spec.queue` (a submission, qmove, qorder). */
export function entering(store: Store, spec: JobSpec): Result<void> {
  for (const hooks of hooksOf(store)) {
    const r = hooks.entering?.(store, spec);
    if (r && !r.ok) return r;
  }
  return ok(undefined);
}

function plans(store: Store, spec: JobSpec, server: string): Result<SubmitPlan[]> {
  const out: SubmitPlan[] = [];
  for (const hooks of hooksOf(store)) {
    const r = hooks.plan?.(store, spec, server);
    if (r && !r.ok) return r;
    if (r?.value) out.push(r.value);
  }
  return ok(out);
}

export function submitJob(ctx: SubmitContext, asked: JobSpec): Result<{ id: string; seq: number }> {
  const { store } = ctx;
  const prepare = prepared(store, asked);
  if (!prepare.ok) return prepare;
  const q = queued(store, prepare.value);
  if (!q.ok) return q;
  const { spec, queue } = q.value;
  const planned = plans(store, spec, ctx.server);
  if (!planned.ok) return planned;
  const array = planned.value.find((p) => p.array)?.array;
  const owner = ctx.owner ?? `${spec.user}@${spec.submitHost}`;
  const admitted = ctx.admit?.(owner, spec, array?.jobs ?? 1);
  if (admitted && !admitted.ok) return admitted;
  const never = neverRunReason(spec.resources, ctx.nodes());
  if (never !== undefined) {
    return refuse('EXCEEDS_LIMITS', `Job violates queue and/or server resource limits (${never})`);
  }
  const at = ctx.now ?? Date.now();
  return ok(
    store.transaction(() => storeSubmission(store, { ctx, spec, queue, owner, plans: planned.value, at })),
  );
}

interface Admitted {
  ctx: SubmitContext;
  spec: JobSpec;
  queue: string;
  owner: string;
  plans: SubmitPlan[];
  at: number;
}

/** Store an admitted submission (inside its transaction). */
function storeSubmission(store: Store, a: Admitted): { id: string; seq: number } {
  const { spec, queue, owner, at } = a;
  const array = a.plans.some((p) => p.array);
  const seq = store.meta.nextSeq();
  const id = `${seq}${array ? '[]' : ''}.${a.ctx.server}`;
  const { script, ...rest } = spec;
  const stored: JobSpec = Object.assign(rest, ...a.plans.map((p) => p.stored ?? {}));
  stored.variables = [...spec.variables.filter(([k]) => k !== 'PBS_O_QUEUE'), ['PBS_O_QUEUE', queue]];
  const event = {
    type: 'queued' as const,
    at,
    hold: spec.hold,
    name: spec.name,
    priority: spec.priority,
    resources: spec.resources,
    ...(spec.executionTime !== undefined ? { executionTime: spec.executionTime } : {}),
    ...(array ? { array: true } : {}),
  };
  store.jobs.insert(
    {
      seq,
      id,
      kind: array ? 'array' : 'job',
      owner,
      queue,
      spec: stored,
      outputPath: `${spec.submitHost}:${resolveStdPath(spec, 'o', id, seq)}`,
      errorPath: `${spec.submitHost}:${resolveStdPath(spec, 'e', id, seq)}`,
      ctime: Math.floor(at / 1000),
      row: initialRow(event),
    },
    script,
  );
  store.events.append(seq, event);
  for (const p of a.plans) p.record?.({ seq, id, owner, queue, spec: stored }, at);
  return { id, seq };
}
