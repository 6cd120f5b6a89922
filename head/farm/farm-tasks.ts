// Which farm task a job is, and its frames following the task's events (called from inside
// the task's transition, so that frames and job always agree).
import { farmChunks } from '../../core/farm/farm-script.js';
import type { FarmSpec } from '../../core/job-spec-types.js';
import type { TimedEvent } from '../../core/lifecycle/job-events.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';

/** The farm and task of a farm subjob, or the farm of a post job. */
export function taskOf(job: StoredJob): { farm: number; task: number | 'post' } | undefined {
  if (job.spec.farm && job.arrayParent !== undefined && job.arrayIndex !== undefined)
    return { farm: job.arrayParent, task: job.arrayIndex };
  if (job.spec.farmPost !== undefined) return { farm: job.spec.farmPost, task: 'post' };
  return undefined;
}

export function followFarmTask(store: Store, job: StoredJob, event: TimedEvent, exitStatus?: number): void {
  const where = taskOf(job);
  if (!where || where.task === 'post') return;
  const { farm, task } = where;
  if (event.type === 'run') store.farms.startTask(farm, task, event.node);
  else if (event.type === 'requeued') store.farms.endTask(farm, task, 'queued');
  else if (event.type === 'deleted' || event.type === 'failed') store.farms.endTask(farm, task, 'failed');
  else if (event.type === 'finished') store.farms.endTask(farm, task, exitStatus === 0 ? 'done' : 'failed');
}

/** A new farm: its frames, chunk by chunk. Inside the submission's transaction. */
export function createFarm(store: Store, seq: number, farm: FarmSpec): void {
  store.farms.create(seq, farmChunks(farm));
  store.farms.setPost(seq, null);
}

/** The nodes blocklisted for a farm: K or more failed tasks that count. */
export function blocklist(store: Store, farm: number, spec: FarmSpec): string[] {
  return [...store.farms.nodeFailureCounts(farm)]
    .filter(([, n]) => n >= spec.nodeFailures)
    .map(([node]) => node)
    .sort();
}

/** Waiting farm tasks carry the nodes they must avoid: their farm's blocklist and their own failures. */
export function withAvoid(store: Store, jobs: SchedJob[]): SchedJob[] {
  const farms = new Map<number, { block: string[]; byTask: Map<number, string[]> } | null>();
  const of = (seq: number) => {
    if (!farms.has(seq)) {
      const spec = store.jobs.get(seq)?.spec.farm;
      farms.set(
        seq,
        spec ? { block: blocklist(store, seq, spec), byTask: store.farms.failedNodesByTask(seq) } : null,
      );
    }
    return farms.get(seq);
  };
  return jobs.map((j) => {
    if (j.array === undefined) return j;
    const f = of(j.array);
    if (!f) return j;
    const index = Number(/\[(\d+)\]/.exec(j.id)?.[1]);
    const avoid = new Set([...f.block, ...(f.byTask.get(index) ?? [])]);
    return avoid.size ? { ...j, avoid } : j;
  });
}
