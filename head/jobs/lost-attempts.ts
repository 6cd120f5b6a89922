// Attempts that will never report their end themselves: their node was fenced, their agent
// lost them (it restarted), or qrerun killed them. A rerunnable job goes back to the queue (Q,
// or H when it is held) with a comment; a job submitted with -r n ends with Exit_status −20.
import { ok, type Result } from '../../core/errors.js';
import { EXIT } from '../../core/lifecycle/states.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { transition } from './transitions.js';

export function endLostAttempt(
  store: Store,
  job: StoredJob,
  reason: string,
  at: number,
  rerun = job.spec.rerunable,
): Result<unknown> {
  if (job.row.state !== 'R') return ok(undefined);
  const attempt = job.row.attempt;
  if (rerun) return transition(store, job.seq, { type: 'requeued', attempt, reason }, at);
  return store.transaction(() => {
    const r = transition(store, job.seq, { type: 'exited', attempt, status: EXIT.nodeLost, reason }, at);
    return r.ok ? transition(store, job.seq, { type: 'finished', attempt }, at) : r;
  });
}
