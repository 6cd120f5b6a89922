// Job arrays as a lifecycle feature: a submission with -J/-t stores its subjobs, the parent
// follows its subjobs' events, and the pending queue offers of each array only as many subjobs
// as could start (they are alike: more would only be refused one by one).
import { ok } from '../../core/errors.js';
import type { ResourceRequest } from '../../core/job-spec-types.js';
import type { SchedJob } from '../../core/scheduling/scheduler.js';
import type { Store } from '../db/store.js';
import { arrayIndices, followSubjob, insertSubjobs } from './arrays.js';
import { hooksOf, type JobHooks } from './lifecycle-hooks.js';

const cpusOf = (r: ResourceRequest) =>
  Math.max(
    1,
    r.chunks.reduce((n, c) => n + c.count * c.ncpus, 0),
  );

/**
 * Subjobs of a held or waiting array are left out, and of each array only as many as `freeCpus`
 * could hold, at least one, plus those other features say are not alike (render tasks that
 * avoid the nodes they failed on).
 */
function capArrays(store: Store, jobs: SchedJob[], freeCpus: number): SchedJob[] {
  if (!jobs.some((j) => j.array !== undefined)) return jobs;
  const stalled = new Set(store.jobs.stalledArrays());
  const unalike = new Map<number, number>();
  for (const hooks of hooksOf(store))
    for (const [seq, n] of hooks.unalike?.(store) ?? []) unalike.set(seq, (unalike.get(seq) ?? 0) + n);
  const left = new Map<number, number>();
  return jobs.filter((job) => {
    if (job.array === undefined) return true;
    if (stalled.has(job.array)) return false;
    const n =
      left.get(job.array) ??
      Math.max(1, Math.floor(freeCpus / cpusOf(job.resources))) + (unalike.get(job.array) ?? 0);
    if (n <= 0) return false;
    left.set(job.array, n - 1);
    return true;
  });
}

/** Arrays with a `%N` limit among the waiting subjobs: how many more may start. */
function arrayRoom(store: Store, jobs: SchedJob[]): Map<number, number> {
  const room = new Map<number, number>();
  const arrays = new Set(jobs.flatMap((j) => (j.array === undefined ? [] : [j.array])));
  if (arrays.size === 0) return room;
  const running = store.jobs.runningSubjobs();
  for (const seq of arrays) {
    const max = store.jobs.get(seq)?.spec.array?.maxRun;
    if (max !== undefined) room.set(seq, max - (running.get(seq) ?? 0));
  }
  return room;
}

export const arraysFeature: JobHooks = {
  name: 'arrays',
  plan(store, spec) {
    if (!spec.array) return ok(undefined);
    const indices = arrayIndices(spec.array);
    if (!indices.ok) return indices;
    const list = indices.value.indices;
    return ok({
      array: { jobs: list.length },
      record: (job, at) => insertSubjobs(store, job, list, at),
    });
  },
  transitioned: (store, job, event, _row, apply) => followSubjob(store, job, event, apply),
  pending: capArrays,
  room: arrayRoom,
};
