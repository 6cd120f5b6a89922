// The one way a job changes: read the row, apply the event with the pure reducer, store the new
// row only if the job is still in the state we read, append the event, then let the features'
// hooks follow it (head/jobs/lifecycle-hooks.ts). One transaction.

import type { Result } from '../../core/errors.js';
import { ok, refuse } from '../../core/errors.js';
import type { JobEvent } from '../../core/lifecycle/job-events.js';
import { applyEvent } from '../../core/lifecycle/lifecycle.js';
import { addUsage } from '../../core/scheduling/fairshare.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { type Apply, hooksOf } from './lifecycle-hooks.js';

/** A run ended: its allocated CPU-seconds count towards its owner's fair share. */
function recordUsage(store: Store, job: StoredJob, walltime: number, at: number): void {
  const ncpus = job.row.resources.chunks.reduce((n, c) => n + c.count * c.ncpus, 0);
  if (ncpus * walltime <= 0) return;
  const user = job.owner.slice(0, job.owner.indexOf('@'));
  const now = Math.floor(at / 1000);
  store.fairshare.put(user, addUsage(store.fairshare.get(user), ncpus * walltime, now));
}

/** Events after which a job holds no node any more. */
const RELEASES: readonly JobEvent['type'][] = ['exited', 'requeued', 'failed'];

/** How many jobs became eligible (Q) through transitions, per store: a new pass may place them. */
const woken = new WeakMap<Store, number>();

export function eligibleCount(store: Store): number {
  return woken.get(store) ?? 0;
}

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
    if (RELEASES.includes(event.type)) store.allocations.release(seq);
    if (event.type === 'exited') recordUsage(store, job, event.usage?.walltime ?? 0, at);
    if (next.value.state === 'Q' && job.row.state !== 'Q') woken.set(store, eligibleCount(store) + 1);
    const apply: Apply = (other, e, when) => {
      const r = transition(store, other, e, when);
      if (!r.ok) throw new Error(`job ${other}: ${r.error.message}`);
    };
    for (const hooks of hooksOf(store)) hooks.transitioned?.(store, job, timed, next.value, apply);
    return ok({ ...job, row: next.value });
  });
}
