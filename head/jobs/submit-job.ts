// qsub at the head: re-check what the command sent, refuse what can never run, then store the
// job and its `queued` event in one transaction.

import { ok, type Result, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { initialRow } from '../../core/lifecycle/lifecycle.js';
import { formatDependList, parseDependList } from '../../core/pbs/depend-list.js';
import { resolveStdPath } from '../../core/pbs/qsub-command-line.js';
import { applyQueueWalltime } from '../../core/scheduling/queue-limits.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import { neverRunReason } from '../../core/scheduling/scheduler.js';
import type { Store } from '../db/store.js';
import { prepareFarm } from '../farm/farm-jobs.js';
import { createFarm } from '../farm/farm-tasks.js';
import { arrayIndices, insertSubjobs } from './arrays.js';
import { checkDependencies, recordDependencies } from './dependencies.js';

export interface SubmitContext {
  store: Store;
  server: string;
  nodes: () => SchedNode[];
  now?: number;
  /** the job's owner, `user@host` as the head established it (default: the spec's) */
  owner?: string;
  /** the server's say on `owner` storing a submission of `jobs` unfinished jobs (head/admission.ts) */
  admit?: (owner: string, spec: JobSpec, jobs: number) => Result<void>;
}

export function submitJob(ctx: SubmitContext, asked: JobSpec): Result<{ id: string; seq: number }> {
  const { store } = ctx;
  const farmed = prepareFarm(asked);
  if (!farmed.ok) return farmed;
  const submitted = farmed.value;
  const queueName = submitted.queue ?? store.meta.get('default_queue');
  if (!queueName) return refuse('UNKNOWN_QUEUE', 'No default queue specified');
  const queue = store.queues.get(queueName);
  if (!queue) return refuse('UNKNOWN_QUEUE', 'Unknown queue');
  if (!queue.enabled) return refuse('QUEUE_DISABLED', 'Queue is not enabled');
  const limited = applyQueueWalltime(submitted.resources, queue);
  if (!limited.ok) return limited;
  const spec = { ...submitted, resources: limited.value };
  const depend = spec.depend === undefined ? undefined : parseDependList(spec.depend, ctx.server);
  if (depend && !depend.ok) return depend;
  if (depend) {
    const checked = checkDependencies(store, depend.value);
    if (!checked.ok) return checked;
  }
  const array = spec.array ? arrayIndices(spec.array) : undefined;
  if (array && !array.ok) return array;
  const owner = ctx.owner ?? `${spec.user}@${spec.submitHost}`;
  const admitted = ctx.admit?.(owner, spec, array ? array.value.indices.length : 1);
  if (admitted && !admitted.ok) return admitted;
  const never = neverRunReason(spec.resources, ctx.nodes());
  if (never !== undefined) {
    return refuse('EXCEEDS_LIMITS', `Job violates queue and/or server resource limits (${never})`);
  }
  const at = ctx.now ?? Date.now();
  return ok(
    store.transaction(() => {
      const seq = store.meta.nextSeq();
      const id = `${seq}${array ? '[]' : ''}.${ctx.server}`;
      const { script, ...stored } = spec;
      if (spec.depend !== undefined) stored.depend = formatDependList(spec.depend, ctx.server);
      stored.variables = [...spec.variables.filter(([k]) => k !== 'PBS_O_QUEUE'), ['PBS_O_QUEUE', queueName]];
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
      const row = initialRow(event);
      store.jobs.insert(
        {
          seq,
          id,
          kind: array ? 'array' : 'job',
          owner,
          queue: queueName,
          spec: stored,
          outputPath: `${spec.submitHost}:${resolveStdPath(spec, 'o', id, seq)}`,
          errorPath: `${spec.submitHost}:${resolveStdPath(spec, 'e', id, seq)}`,
          ctime: Math.floor(at / 1000),
          row,
        },
        script,
      );
      store.events.append(seq, event);
      if (array)
        insertSubjobs(store, { seq, id, owner, queue: queueName, spec: stored }, array.value.indices, at);
      if (depend) recordDependencies(store, seq, depend.value, at);
      if (spec.farm) createFarm(store, seq, spec.farm);
      return { id, seq };
    }),
  );
}
