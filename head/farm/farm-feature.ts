// The render farm as a lifecycle feature: a farm is an array whose subjobs render its chunks.
// Its frames follow the tasks' events, its failed tasks avoid the nodes they failed on and are
// retried elsewhere, its post job is submitted once every frame is done, and the agents'
// `progress` messages feed its frame table and logs, their `thumbnail` messages its thumbnails.
import { ok } from '../../core/errors.js';
import type { JobHooks } from '../jobs/lifecycle-hooks.js';
import { type Farms, prepareFarm } from './farm-jobs.js';
import { createFarm, followFarmTask, withAvoid } from './farm-tasks.js';

/** `farms` handles what needs its logs and the head's submission (none: frames only). */
export function farmFeature(farms?: Farms): JobHooks {
  return {
    name: 'render-farm',
    prepare: prepareFarm,
    plan(store, spec) {
      const farm = spec.farm;
      return ok(farm && { record: (job) => createFarm(store, job.seq, farm) });
    },
    transitioned(store, job, event, row) {
      if (job.spec.farm && job.kind === 'subjob') followFarmTask(store, job, event, row.exitStatus);
    },
    unalike: (store) => store.farms.failingTasks(),
    pending: (store, jobs) => withAvoid(store, jobs),
    exited: (_store, job, end) =>
      end.status !== 0 && (farms?.retryFailed(job, end.node, end.status, end.reason, end.at) ?? false),
    finished: (_store, job) => farms?.afterFinish(job),
    purged(store, job) {
      if (job.spec.farm && job.kind === 'array') store.farms.forget(job.seq);
    },
    message(_store, job, m) {
      if (m.t === 'progress') return farms?.progress(job, m.attempt, m.updates, m.text);
      if (m.t === 'thumbnail') return farms?.thumbnail(job, m);
      return undefined;
    },
  };
}
