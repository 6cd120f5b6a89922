// The job features of this head, registered with the lifecycle (head/jobs/lifecycle-hooks.ts).
// Their hooks run in this order: arrays first (a submission's subjobs exist before anything
// settles them), then dependencies, then the render farm (built on arrays), then services, then
// the deletion of histories (qdel -x), advance reservations (who may submit to their queues); last
// the observers, which see what the others did: job mail (head/mail/mail-feature.ts), the commands
// waiting for jobs to end (head/jobs/job-waits.ts), the head's metrics (head/metrics/job-metrics.ts).
import type { Store } from './db/store.js';
import { farmFeature } from './farm/farm-feature.js';
import type { Farms } from './farm/farm-jobs.js';
import { arraysFeature } from './jobs/arrays-feature.js';
import { dependenciesFeature } from './jobs/dependencies-feature.js';
import { historyFeature } from './jobs/job-history.js';
import { type JobHooks, registerHooks } from './jobs/lifecycle-hooks.js';
import { reservationsFeature } from './reservations/reservations-feature.js';
import { type ServiceFeatureDeps, serviceFeature } from './service/service-feature.js';

export function registerFeatures(
  store: Store,
  farms?: Farms,
  services?: ServiceFeatureDeps,
  observers: readonly JobHooks[] = [],
): void {
  registerHooks(store, [
    arraysFeature,
    dependenciesFeature,
    farmFeature(farms),
    serviceFeature(services),
    historyFeature,
    reservationsFeature,
    ...observers,
  ]);
}
