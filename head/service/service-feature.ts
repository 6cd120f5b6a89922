// Services as a lifecycle feature: each instance of a service is a job (named `NAME.K`, with
// `spec.service`). Its submission records the instance, its transitions drop the address it
// answered on, an exit while the service wants it starts it again, the agents' `instance-up`
// says where it answers, and --zone-spread steers waiting instances away from crowded zones.
// What changes reaches the brokers' stream once committed (head/service/watch-broadcast.ts).
import { ok, refuse } from '../../core/errors.js';
import type { JobHooks } from '../jobs/lifecycle-hooks.js';
import { followInstance, instanceUp, restartInstance, type Touch } from './instance-jobs.js';
import { type NodesNow, spreadOverZones } from './zone-placement.js';

export interface ServiceFeatureDeps {
  /** a service changed: tell its watchers once committed */
  touch?: Touch;
  nodes?: NodesNow;
}

export function serviceFeature(deps: ServiceFeatureDeps = {}): JobHooks {
  const touch: Touch = deps.touch ?? (() => {});
  return {
    name: 'services',
    plan(store, spec) {
      const instance = spec.service;
      if (!instance) return ok(undefined);
      if (store.services.get(instance.name)?.state !== 'running')
        return refuse('BAD_STATE', `service ${instance.name} is not running`);
      return ok({
        record: (job) => {
          store.services.putInstance(instance.name, instance.instance, job.seq);
          touch(instance.name);
        },
      });
    },
    transitioned(store, job, event, row, apply) {
      if (job.spec.service) followInstance(store, job, event, row, apply, touch);
    },
    exited: (store, job, end) => job.spec.service !== undefined && restartInstance(store, job, end),
    pending: (store, jobs) => spreadOverZones(store, jobs, deps.nodes),
    message(store, job, m) {
      if (m.t === 'instance-up' && job.spec.service) instanceUp(store, job, m, touch);
      return undefined;
    },
  };
}
