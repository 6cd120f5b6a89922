// The one way a job changes: read the row, apply the event with the pure reducer, store the new
// row only if the job is still in the state we read, append the event. One transaction.
import { ok, type Result, refuse } from '../../core/errors.js';
import type { JobEvent } from '../../core/lifecycle/job-events.js';
import { applyEvent } from '../../core/lifecycle/lifecycle.js';
import { addUsage } from '../../core/scheduling/fairshare.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { followFarmTask } from '../farm/farm-tasks.js';
import { followSubjob } from './arrays.js';
import { settleDependents } from './dependencies.js';

/** A run ended: its allocated CPU-seconds count towards its owner's fair share. */
function recordUsage(store: Store, job: StoredJob, walltime: number, at: number): void {
  const ncpus = job.row.resources.chunks.reduce((n, c) => n + c.count * c.ncpus, 0);
  if (ncpus * walltime <= 0) return;
  const user = job.owner.slice(0, job.owner.indexOf('@'));
  const now = Math.floor(at / 1000);
  store.fairshare.put(user, addUsage(store.fairshare.get(user), ncpus * walltime, now));
}

/** Events after which the jobs that depend on this one may be met (or never be). */
const SETTLES: readonly JobEvent['type'][] = [
  'run',
  'finished',
  'deleted',
  'failed',
  'array_begun',
  'array_ended',
];

export function transition(store: Store, seq: number, event: JobEvent, at = Date.now()): Result<StoredJob> {
  return store.transaction(() => {
    const job = store.jobs.get(seq);
    if (!job) return refuse('UNKNOWN_JOB', `Unknown Job Id ${seq}`);
    const timed = { ...event, at };
    const next = applyEvent(job.row, timed);
    if (!next.ok) return next;
    if (!store.jobs.updateRow(seq, job.row.state, next.value)) {
      return refuse('BAD_STATE', `job ${job.id} changed state meanwhile`);
    }
    store.events.append(seq, timed);
    if (event.type === 'exited' || event.type === 'requeued' || event.type === 'failed')
      store.allocations.release(seq);
    if (event.type === 'exited') recordUsage(store, job, event.usage?.walltime ?? 0, at);
    if (SETTLES.includes(event.type)) settleDependents(store, seq, next.value.state === 'F', at);
    if (job.spec.farm && job.kind === 'subjob') followFarmTask(store, job, timed, next.value.exitStatus);
    if (job.kind === 'subjob') {
      followSubjob(store, job, timed, (parent, e) => {
        const { at: when, ...rest } = e;
        const r = transition(store, parent, rest as JobEvent, when);
        if (!r.ok) throw new Error(`array ${parent}: ${r.error.message}`);
      });
    }
    return ok({ ...job, row: next.value });
  });
}
