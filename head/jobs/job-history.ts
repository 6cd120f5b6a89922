// Deleting a job's history (qdel -x), as PBS's server does with "deletehist": a finished
// job's record goes at once (an array's with its subjobs); a job that has not finished is deleted
// as plain qdel deletes it, marked (`purge_requested`), and its record goes once it is F. The
// deletion is one transaction through the store's one place for it (head/db/jobs-table-purge.ts);
// the features forget their own rows of the job (`purged` hooks).
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import { hooksOf, type JobHooks } from './lifecycle-hooks.js';

/** Delete finished `job` (an array with its subjobs) and all that is recorded of it, at once. */
export function purgeJob(store: Store, job: StoredJob): void {
  store.transaction(() => {
    for (const hooks of hooksOf(store)) hooks.purged?.(store, job);
    store.jobs.purge(job.seq);
  });
}

/** A marked job (not a subjob: its record is its array's) that reached F goes once that commits. */
export const historyFeature: JobHooks = {
  name: 'history',
  transitioned(store, job, _event, row) {
    if (row.state !== 'F' || row.purgeRequestedBy === undefined || job.kind === 'subjob') return;
    store.afterCommit(() => {
      try {
        const now = store.jobs.get(job.seq);
        if (now?.row.state === 'F') purgeJob(store, now);
      } catch {
        // the mark stays: purgeMarkedJobs deletes the record when the head starts next
      }
    });
  },
};

/**
 * At start: marked jobs that finished while the head stopped before their deletion committed.
 * Returns how many went.
 */
export function purgeMarkedJobs(store: Store): number {
  const seqs = store.jobs.purgeRequested();
  for (const seq of seqs) {
    const job = store.jobs.get(seq);
    if (job) purgeJob(store, job);
  }
  return seqs.length;
}
