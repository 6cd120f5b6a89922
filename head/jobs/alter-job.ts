// qalter at the head: what a queued job (or a whole array) may have changed,
// checked as qsub checks it, then applied as one `altered` event per job; a new -W depend list
// replaces the old edges and holds or releases the job at once.

import { ok, type Result, refuse } from '../../core/errors.js';
import type { JobChanges, JobEvent, SpecChanges } from '../../core/lifecycle/job-events.js';
import { formatDependList, parseDependList } from '../../core/pbs/depend-list.js';
import { resolveStdPath } from '../../core/pbs/qsub-command-line.js';
import type { ResourceEntry } from '../../core/pbs/resource-entries.js';
import { alterResources } from '../../core/pbs/resources.js';
import { applyQueueWalltime } from '../../core/scheduling/queue-limits.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import { neverRunReason } from '../../core/scheduling/scheduler.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { checkDependencies, recordDependencies } from './dependencies.js';

export interface Alteration extends SpecChanges {
  name?: string;
  priority?: number;
  hold?: string;
  executionTime?: number;
  resourceEntries?: ResourceEntry[];
}

export interface AlterContext {
  store: Store;
  server: string;
  nodes: () => SchedNode[];
  now: number;
  /** one job's event, refused for a finished job */
  apply: (job: StoredJob, event: JobEvent) => Result<unknown>;
}

const SPEC_KEYS = [
  'account',
  'checkpoint',
  'errorPath',
  'join',
  'keepFiles',
  'mailPoints',
  'mailUsers',
  'outputPath',
  'project',
  'rerunable',
  'shell',
  'userList',
] as const;

export function alterJob(ctx: AlterContext, job: StoredJob, a: Alteration, by: string): Result<unknown> {
  const { store } = ctx;
  if (job.row.state === 'F') return refuse('JOB_FINISHED', 'Job has finished');
  if (a.rerunable === false && job.kind === 'array')
    return refuse('INVALID_REQUEST', 'Invalid request: an array job is always rerunnable');
  const changes: JobChanges = {};
  if (a.name !== undefined) changes.name = a.name;
  if (a.priority !== undefined) changes.priority = a.priority;
  if (a.executionTime !== undefined) changes.executionTime = a.executionTime;
  if (a.resourceEntries) {
    const r = alteredResources(ctx, job, a.resourceEntries);
    if (!r.ok) return r;
    changes.resources = r.value;
  }
  const spec: SpecChanges = {};
  for (const key of SPEC_KEYS) if (a[key] !== undefined) (spec as Record<string, unknown>)[key] = a[key];
  const depend = a.depend === undefined ? undefined : parseDependList(a.depend, ctx.server);
  if (depend && !depend.ok) return depend;
  if (depend) {
    const checked = checkDependencies(store, depend.value, job.seq);
    if (!checked.ok) return checked;
    spec.depend = formatDependList(a.depend!, ctx.server);
  }
  if (Object.keys(spec).length > 0) changes.spec = spec;
  return store.transaction(() => {
    if (Object.keys(changes).length > 0) {
      const r = ctx.apply(job, { type: 'altered', changes: withPaths(job, changes), by });
      if (!r.ok) return r;
      // an array's subjobs that have not started take the change too (the start time is the array's)
      const { executionTime: _, ...own } = changes;
      if (job.kind === 'array' && Object.keys(own).length > 0) {
        for (const subjob of store.jobs.subjobs(job.seq)) {
          if (subjob.row.state === 'Q')
            ctx.apply(subjob, { type: 'altered', changes: withPaths(subjob, own), by });
        }
      }
    }
    if (depend) {
      store.dependencies.removeWaiting(job.seq);
      recordDependencies(store, job.seq, depend.value, ctx.now);
    }
    if (a.hold === undefined) return ok(undefined);
    const fresh = store.jobs.get(job.seq)!;
    if (a.hold === 'n') return ctx.apply(fresh, { type: 'released', types: 'uosp', by });
    return ctx.apply(fresh, { type: 'held', types: a.hold, by });
  });
}

/** -l merged into the job's request: it must fit some node, and the queue's walltime ceiling. */
function alteredResources(ctx: AlterContext, job: StoredJob, entries: ResourceEntry[]) {
  const r = alterResources(job.row.resources, entries);
  if (!r.ok) return r;
  const never = neverRunReason(r.value, ctx.nodes());
  if (never) return refuse('EXCEEDS_LIMITS', `Job violates queue and/or server resource limits (${never})`);
  const queue = ctx.store.queues.get(job.queue);
  return queue ? applyQueueWalltime(r.value, queue) : r;
}

/** A new -o or -e becomes the job's resolved `host:/path` (a subjob's with its index). */
function withPaths(job: StoredJob, changes: JobChanges): JobChanges {
  const spec = { ...job.spec, ...changes.spec };
  const host = job.spec.submitHost;
  const seq = Number(job.id.split(/[[.]/)[0]); // the number users see (a subjob's is its array's)
  const path = (kind: 'o' | 'e') => `${host}:${resolveStdPath(spec, kind, job.id, seq, job.arrayIndex)}`;
  const next = { ...changes };
  if (changes.spec?.outputPath !== undefined) next.outputPath = path('o');
  if (changes.spec?.errorPath !== undefined) next.errorPath = path('e');
  return next;
}
